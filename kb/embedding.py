"""Sentence embeddings from the WordLlama model shipped inside the ``wordllama`` wheel, offline.

WordLlama is a token embedding table (Llama-2 tokenizer, 256 dimensions) whose sentence vector
is the mean of its tokens' vectors: about a quarter of a millisecond per query on one core, no
torch, no download. The files are read from the installed package by path. ``WordLlama.load()``
is not used: in 0.4.0 it looks for the tokenizer under ``tokenizer/`` while the wheel ships it
under ``tokenizers/``, and then fetches it from the network. Importing ``wordllama`` also calls
``logging.basicConfig`` on the root logger, which is the application's to configure, so the
package is located without being imported and its mean pooling (a few lines) is done here.

The model is loaded once per process (:func:`wordllama`); it is immutable and thread-safe.
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.errors import KnowledgeBaseError

MODEL_CONFIG = "l2_supercat"
MODEL_DIM = 256
_WEIGHTS = f"weights/{MODEL_CONFIG}_{MODEL_DIM}.safetensors"
_TOKENIZER = f"tokenizers/{MODEL_CONFIG}_tokenizer_config.json"
_TENSOR = "embedding.weight"


class ModelUnavailable(KnowledgeBaseError):
    """The bundled model files are missing or unreadable (``path`` names the file)."""


@dataclass(frozen=True, eq=False)
class WordLlamaModel:
    """A loaded WordLlama model: its token table and tokenizer; ``model_id`` keys caches."""

    model_id: str
    table: np.ndarray  # vocabulary x MODEL_DIM, float16 as shipped (half the memory of float32)
    tokenizer: object  # tokenizers.Tokenizer
    _lock: threading.Lock

    @property
    def dim(self) -> int:
        """Dimensions of every vector :meth:`embed` returns."""
        return int(self.table.shape[1])

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length mean-of-tokens vectors, one row per text (zero rows for empty texts)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # A Tokenizer is not documented as safe for concurrent use; matching runs on several
        # threads (Slack and Discord intake), and encoding is a few microseconds per text.
        with self._lock:
            encoded = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        top = self.table.shape[0] - 1
        for row, enc in enumerate(encoded):
            ids = np.asarray(enc.ids, dtype=np.int64)
            if ids.size:
                out[row] = self.table[np.clip(ids, 0, top)].mean(axis=0, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)


def package_dir() -> Path:
    """Where the ``wordllama`` package is installed, found without importing it."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("the wordllama package is not installed (pip install wordllama)")
    return Path(next(iter(spec.submodule_search_locations)))


def load_wordllama(directory: Path | None = None) -> WordLlamaModel:
    """Load the model from ``directory`` (default: the installed package); never downloads."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    root = Path(directory) if directory is not None else package_dir()
    weights, vocab = root / _WEIGHTS, root / _TOKENIZER
    for path in (weights, vocab):
        if not path.is_file():
            raise ModelUnavailable("WordLlama model file missing from the package", path=path)
    try:
        table = load_file(str(weights))[_TENSOR]
    except (KeyError, OSError, ValueError) as error:
        raise ModelUnavailable(f"cannot read tensor {_TENSOR!r}: {error}", path=weights) from None
    try:
        tokenizer = Tokenizer.from_file(str(vocab))
    except Exception as error:  # tokenizers raises its own Exception subclass
        raise ModelUnavailable(f"cannot read the tokenizer: {error}", path=vocab) from None
    tokenizer.no_padding()
    tokenizer.no_truncation()
    size = weights.stat().st_size
    return WordLlamaModel(
        model_id=f"wordllama-{MODEL_CONFIG}-{MODEL_DIM}-{size}",
        table=np.ascontiguousarray(table),
        tokenizer=tokenizer,
        _lock=threading.Lock(),
    )


@functools.cache
def wordllama() -> WordLlamaModel:
    """The bundled model, loaded on first use and shared by every matcher in the process."""
    return load_wordllama()
