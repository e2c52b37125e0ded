"""The embedded stores' locks: one file lock around every change, and named locks for ``exclusive``."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from bot import messages
from bot.errors import StoreError


class FileLocking:
    """``_exclusive()`` serialises changes across threads and processes; ``exclusive(name)`` is a try-lock."""

    location: str
    _thread_lock: threading.RLock

    def _init_locking(self, lock_path: Path | None, timeout: float) -> None:
        self._file_lock = FileLock(str(lock_path), timeout=timeout) if lock_path else None
        self._lock_path = lock_path
        self._named: dict[str, threading.Lock] = {}

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        from bot.store.tinydb_store import write_error

        with self._thread_lock:
            if self._file_lock is None:
                yield
                return
            try:
                self._file_lock.acquire()
            except Timeout:
                raise StoreError(messages.STORE_BUSY, location=self.location) from None
            except OSError as exc:
                raise write_error(self.location, exc) from None
            try:
                yield
            finally:
                self._file_lock.release()

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        from bot.store.tinydb_store import write_error

        with self._thread_lock:
            local = self._named.setdefault(name, threading.Lock())
        if not local.acquire(blocking=False):
            yield False
            return
        try:
            if self._lock_path is None:
                yield True
                return
            safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name)
            named = FileLock(str(self._lock_path.with_name(f"{self._lock_path.stem}.{safe}.lock")), timeout=0)
            try:
                named.acquire()
            except Timeout:
                yield False
                return
            except OSError as exc:
                raise write_error(self.location, exc) from None
            try:
                yield True
            finally:
                named.release()
        finally:
            local.release()
