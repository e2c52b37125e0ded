"""The bundled WordLlama model loads offline, and embeddings are cached on disk by content."""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

from kb.embedding import ModelUnavailable, load_wordllama, package_dir, wordllama
from kb.embedding_cache import EmbeddingCache


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_model_loads_from_the_package_without_network(no_network: None) -> None:
    model = load_wordllama()
    vectors = model.embed(["how do I reset my password", "reset password", "pizza recipe", ""])
    assert vectors.shape == (4, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert not vectors[3].any()  # nothing to embed: a zero vector, never NaN
    # Related wordings are closer than unrelated ones: the vectors carry meaning.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_loading_neither_imports_wordllama_nor_configures_logging() -> None:
    wordllama()
    assert "wordllama" not in sys.modules or "wordllama.inference" in sys.modules
    assert package_dir().name == "wordllama"


def test_embedding_matches_the_wordllama_reference() -> None:
    # The pooling here must stay WordLlama's (token mean, then unit length).
    root = logging.getLogger()
    handlers = list(root.handlers)
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference  # configures root logging on import

    root.handlers[:] = handlers
    model = wordllama()
    tokenizer = Tokenizer.from_file(str(package_dir() / "tokenizers/l2_supercat_tokenizer_config.json"))
    texts = ["my card has not arrived", "was charged twice for one order", "ok"]
    reference = WordLlamaInference(model.table, tokenizer).embed(texts, norm=True)
    assert np.allclose(model.embed(texts), reference, atol=1e-6)


def test_missing_model_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="weights/l2_supercat_256.safetensors"):
        load_wordllama(tmp_path)


def _counting(calls: list[list[str]]):
    def compute(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.array([[len(t), t.count("a")] for t in texts], dtype=np.float32)

    return compute


def test_cache_survives_a_restart_and_embeds_only_new_texts(tmp_path: Path) -> None:
    calls: list[list[str]] = []
    first = EmbeddingCache(tmp_path)
    vectors = first.embed("m1", ["alpha", "beta", "alpha"], _counting(calls))
    assert vectors.tolist() == [[5, 2], [4, 1], [5, 2]] and calls == [["alpha", "beta"]]
    restarted = EmbeddingCache(tmp_path)  # a new process: only the disk is shared
    again = restarted.embed("m1", ["beta", "delta", "alpha"], _counting(calls))
    assert again.tolist() == [[4, 1], [5, 1], [5, 2]]
    assert calls[1:] == [["delta"]] and restarted.computed == 1
    assert EmbeddingCache(tmp_path).embed("m1", ["delta"], _counting(calls)).tolist() == [[5, 1]]
    assert len(calls) == 2


def test_cache_keeps_models_apart_and_memory_only_without_directory(tmp_path: Path) -> None:
    calls: list[list[str]] = []
    cache = EmbeddingCache(tmp_path)
    cache.embed("m1", ["alpha"], _counting(calls))
    cache.embed("m2", ["alpha"], _counting(calls))
    assert calls == [["alpha"], ["alpha"]]
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == ["m1.npz", "m2.npz"]
    memory = EmbeddingCache()
    memory.embed("m1", ["x"], _counting(calls))
    memory.embed("m1", ["x"], _counting(calls))
    assert memory.computed == 1


def test_unreadable_cache_file_is_set_aside_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "m1.npz").write_bytes(b"not a numpy file")
    calls: list[list[str]] = []
    with caplog.at_level(logging.WARNING, logger="kb.embedding_cache"):
        vectors = EmbeddingCache(tmp_path).embed("m1", ["alpha"], _counting(calls))
    assert vectors.tolist() == [[5, 2]] and calls == [["alpha"]]
    assert (tmp_path / "m1.npz.bad").exists() and "m1.npz" in caplog.text
    assert EmbeddingCache(tmp_path).embed("m1", ["alpha"], _counting(calls)).tolist() == [[5, 2]]
    assert len(calls) == 1
