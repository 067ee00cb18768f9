"""Bilingual (zh/en) NLU: intents with out-of-scope rejection, entities and language.

Public API::

    from wendu.assistant.nlu import load_default_model

    model = load_default_model()              # trained from the shipped data, cached
    result = model.parse("尾号1234的卡昨天在星巴克花了多少", merchants=["星巴克|Starbucks"])
    result.intent, result.confidence, result.entities, result.language
    result.as_dict()                          # Rasa-style JSON
"""

from wendu.assistant.nlu.data import (
    OUT_OF_SCOPE,
    TrainingData,
    TrainingDataError,
    default_data_dir,
    dump_training_yaml,
    load_training_data,
    parse_training_yaml,
    write_training_data,
)
from wendu.assistant.nlu.entities import Entity, extract_entities
from wendu.assistant.nlu.model import (
    NLUModel,
    ParseResult,
    default_model_path,
    load_default_model,
    train_model,
)
from wendu.assistant.nlu.text import Language, detect_language

__all__ = [
    "OUT_OF_SCOPE",
    "Entity",
    "Language",
    "NLUModel",
    "ParseResult",
    "TrainingData",
    "TrainingDataError",
    "default_data_dir",
    "default_model_path",
    "detect_language",
    "dump_training_yaml",
    "extract_entities",
    "load_default_model",
    "load_training_data",
    "parse_training_yaml",
    "train_model",
    "write_training_data",
]
