"""Sentence embeddings of help-article passages (multilingual USE), embedded once and cached.

Passages are embedded when the index is built and kept in a small ``.npz`` file beside the
trained NLU models (``kb-passages-usem3.npz`` in ``wendu.assistant.nlu.encoders
.model_cache_dir``), so a restart or a second process pays only for passages it has never
seen. The cache file holds only the passages of the latest index, so it stays small.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ENCODER = "use"
_LOCK = threading.Lock()


def _cache_path() -> Path:
    from wendu.assistant.nlu.encoders import ENCODERS, model_cache_dir

    return model_cache_dir() / f"kb-passages-{ENCODERS[ENCODER].revision}.npz"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _encode(texts: Sequence[str]) -> np.ndarray:
    from wendu.assistant.nlu.encoders import get_encoder, limit_threads

    with limit_threads(1):
        return get_encoder(ENCODER).encode(list(texts))


def embed_passages(texts: Sequence[str]) -> np.ndarray:
    """Return L2-normalised embeddings of ``texts`` (n, dim), from the cache where it can."""
    path = _cache_path()
    with _LOCK:
        stored: dict[str, np.ndarray] = {}
        try:
            with np.load(path, allow_pickle=False) as z:
                stored = dict(zip((str(k) for k in z["keys"]), z["vecs"], strict=True))
        except (OSError, KeyError, ValueError):
            stored = {}
        keys = [_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in stored))
        if missing:
            by_key = dict(zip(keys, texts, strict=True))
            stored.update(zip(missing, _encode([by_key[k] for k in missing]), strict=True))
            _save(path, {k: stored[k] for k in dict.fromkeys(keys)})
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.stack([stored[k] for k in keys]).astype(np.float32)


def _save(path: Path, vectors: dict[str, np.ndarray]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}-{threading.get_ident()}.tmp.npz")
        np.savez(
            tmp, keys=np.array(list(vectors), dtype=str), vecs=np.stack(list(vectors.values()))
        )
        tmp.replace(path)
    except OSError:
        pass  # a read-only cache only costs the next process the embedding time


def embed_query(text: str) -> np.ndarray:
    """Return the L2-normalised embedding of one question (dim,)."""
    return _encode([text])[0]
