"""The shared sentence encoders, re-exported for the NLU (they live in ``wendu.kit.encoders``).

The intent model, the helpdesk's complaint classifier and the sentiment model all embed
with the same process-wide encoder singletons, so the encoders sit below every domain.
"""

from wendu.kit.encoders import (
    ENCODERS,
    VIEWS,
    EmbeddingCache,
    MiniLMEncoder,
    SentenceEncoder,
    USEEncoder,
    embed,
    get_encoder,
    integer_minilm_path,
    limit_threads,
    minilm_model_path,
    minilm_tokenizer_path,
    model_cache_dir,
    use_cache,
)

__all__ = [
    "ENCODERS",
    "VIEWS",
    "EmbeddingCache",
    "MiniLMEncoder",
    "SentenceEncoder",
    "USEEncoder",
    "embed",
    "get_encoder",
    "integer_minilm_path",
    "limit_threads",
    "minilm_model_path",
    "minilm_tokenizer_path",
    "model_cache_dir",
    "use_cache",
]
