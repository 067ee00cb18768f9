"""Bilingual (zh/en) NLU: intents with out-of-scope rejection, entities and language.

Public API::

    from wendu.assistant.nlu import load_default_model

    model = load_default_model()              # trained from the shipped data, cached
    result = model.parse("尾号1234的卡昨天在星巴克花了多少", merchants=["星巴克|Starbucks"])
    result.intent, result.confidence, result.entities, result.language
    result.as_dict()                          # Rasa-style JSON

Names load lazily so that ``wendu --help`` does not pay for scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_EXPORTS = {
    "OUT_OF_SCOPE": "data",
    "TrainingData": "data",
    "TrainingDataError": "data",
    "default_data_dir": "data",
    "dump_training_yaml": "data",
    "load_training_data": "data",
    "parse_training_yaml": "data",
    "write_training_data": "data",
    "Entity": "entities",
    "extract_entities": "entities",
    "NLUModel": "model",
    "ParseResult": "model",
    "default_model_path": "model",
    "load_default_model": "model",
    "train_model": "model",
    "Language": "text",
    "detect_language": "text",
}

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"wendu.assistant.nlu.{module}"), name)
