"""The sentence encoders: MiniLM rewritten for integer kernels, and the embedding cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from wendu.assistant.nlu.encoders import (
    EmbeddingCache,
    get_encoder,
    integer_minilm_path,
    minilm_model_path,
)

SENTENCES = [
    "I still haven't received my new card",
    "how much money is left in my current account",
    "我的卡丢了，请帮我冻结",
    "上个月在超市花了多少钱",
]


def _float_graph_embeddings(texts: list[str]) -> np.ndarray:
    """Embed with the packaged graph as shipped (float matrix products), mean-pooled."""
    encoder = get_encoder("minilm")
    session = ort.InferenceSession(str(minilm_model_path()), providers=["CPUExecutionProvider"])
    rows = []
    for text in texts:
        enc = encoder._tokenizer.encode(text)  # type: ignore[attr-defined]
        ids = np.array([enc.ids], dtype=np.int64)
        mask = np.array([enc.attention_mask], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, feeds)[0][0]
        vec = hidden.mean(axis=0)
        rows.append(vec / np.linalg.norm(vec))
    return np.stack(rows)


def test_integer_graph_is_built_once_and_reused(tmp_path: Path) -> None:
    first = integer_minilm_path(tmp_path)
    assert first.is_file() and first.parent == tmp_path
    built_at = first.stat().st_mtime_ns
    assert integer_minilm_path(tmp_path) == first
    assert first.stat().st_mtime_ns == built_at  # not rebuilt
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temporary left behind


def test_integer_graph_keeps_the_meaning_of_the_float_one() -> None:
    ours = get_encoder("minilm").encode(SENTENCES)
    reference = _float_graph_embeddings(SENTENCES)
    cosine = (ours * reference).sum(axis=1)
    assert cosine.min() > 0.97
    # and it still tells the sentences apart the same way
    ranking = (ours @ ours.T).argsort(axis=1)
    assert np.array_equal(ranking, (reference @ reference.T).argsort(axis=1))


def test_embedding_cache_never_serves_another_revision(tmp_path: Path) -> None:
    path = tmp_path / "cache.npz"
    stale = np.ones((1, 384), dtype=np.float32)
    np.savez(path, **{"minilm::texts": np.array(["hello"]), "minilm::vecs": stale})
    cache = EmbeddingCache(path)
    fresh = cache.embed("minilm", ["hello"], threads=1)
    assert not np.allclose(fresh, stale)
    cache.save()
    again = EmbeddingCache(path).embed("minilm", ["hello"], threads=1)
    assert np.allclose(again, fresh)


def test_unknown_encoder_is_refused() -> None:
    with pytest.raises(ValueError):
        get_encoder("word2vec")
