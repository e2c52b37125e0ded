"""One small file written durably: the inbox's events and the outbox's posts are kept this way."""

from __future__ import annotations

import os
from pathlib import Path


def write_durably(final: Path, data: bytes, *, temporary: Path) -> None:
    """Write ``data`` to ``final`` so that a crash leaves the old state or the whole new file:
    a fresh ``temporary`` beside it (private, fsynced), ``os.replace``, then the directory fsynced
    so the rename itself survives. Raises ``OSError``; the temporary file is never left behind."""
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    sync_directory(final.parent)


def sync_directory(folder: Path) -> None:
    """Make a rename durable (POSIX: the directory entry lives in the directory)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
