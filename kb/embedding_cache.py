"""Embeddings kept on disk by content hash, so a restart or a rebuild does not re-embed.

Each text's key is a SHA-256 of the model id and the text: a changed article re-embeds only its
changed phrasings, and a new model never reads an old model's vectors. One ``.npz`` file per
model holds every key and vector; it is rewritten atomically (temporary file, then rename) under
a file lock when new texts appear, so two processes (Slack and Discord) can share it. A file
that cannot be read is set aside and rebuilt: the cache is only ever a shortcut.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from filelock import FileLock

log = logging.getLogger(__name__)
Embed = Callable[[list[str]], np.ndarray]


def text_key(model_id: str, text: str) -> bytes:
    """The cache key of ``text`` under ``model_id``: 32 bytes of SHA-256."""
    return hashlib.sha256(f"{model_id}\0{text}".encode()).digest()


class EmbeddingCache:
    """Vectors by content hash, in memory and (with ``directory``) in ``<directory>/<model>.npz``."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else None
        self._memory: dict[str, dict[bytes, np.ndarray]] = {}
        self._lock = threading.Lock()
        self.computed = 0  # texts embedded by this cache (what a warm start avoids), for tests

    def embed(self, model_id: str, texts: Sequence[str], compute: Embed) -> np.ndarray:
        """Vectors of ``texts`` (rows in order), computing with ``compute`` only unknown ones."""
        keys = [text_key(model_id, t) for t in texts]
        with self._lock:
            known = self._known(model_id)
            missing = sorted({k: t for k, t in zip(keys, texts) if k not in known}.items())
            if missing:
                vectors = np.asarray(compute([t for _, t in missing]), dtype=np.float32)
                self.computed += len(missing)
                known.update((k, v) for (k, _), v in zip(missing, vectors))
                self._save(model_id, known)
            if not keys:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([known[k] for k in keys])

    def _path(self, model_id: str) -> Path | None:
        return self.directory / f"{model_id}.npz" if self.directory is not None else None

    def _known(self, model_id: str) -> dict[bytes, np.ndarray]:
        if model_id not in self._memory:
            self._memory[model_id] = self._read(model_id)
        return self._memory[model_id]

    def _read(self, model_id: str) -> dict[bytes, np.ndarray]:
        path = self._path(model_id)
        if path is None or not path.exists():
            return {}
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
            if keys.shape[0] != vectors.shape[0]:
                raise ValueError(f"{keys.shape[0]} keys for {vectors.shape[0]} vectors")
            return {k.tobytes(): v for k, v in zip(keys, vectors.astype(np.float32))}
        except (OSError, ValueError, KeyError) as error:
            aside = path.with_suffix(".npz.bad")
            log.warning("embedding cache %s unreadable (%s); moved to %s and rebuilding",
                        path, error, aside.name)
            os.replace(path, aside)
            return {}

    def _save(self, model_id: str, known: dict[bytes, np.ndarray]) -> None:
        path = self._path(model_id)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path.with_name(f".{path.name}.lock"))):
            # Another process may have added vectors since we read: keep theirs too.
            if path.exists():
                for key, vector in self._read(model_id).items():
                    known.setdefault(key, vector)
            ordered = sorted(known)
            # uint8 rows, not "S32": numpy strips trailing NUL bytes from byte strings.
            keys = np.frombuffer(b"".join(ordered), dtype=np.uint8).reshape(-1, 32)
            vectors = np.stack([known[k] for k in ordered]) if ordered else np.zeros((0, 0))
            handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".npz")
            try:
                with os.fdopen(handle, "wb") as out:
                    np.savez(out, keys=keys, vectors=vectors.astype(np.float32))
                os.replace(temp, path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
