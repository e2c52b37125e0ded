"""The inbox beside the embedded store (``bot.inbox`` has the protocol, its twin and the receiver).

``FileInbox`` keeps one small file per pending event in ``<data_dir>/inbox/``, written atomically
(temporary file, fsync, ``os.replace``, fsync of the directory) and removed once handled: an
append costs the same however many tickets the store holds; a key's marker is a file in
``seen/`` created exclusively, so two processes sharing the directory agree on who was first.

Who handles a pending event, as in ``bot.pg_inbox``: the process that recorded it (its
``owner``, written in the event's file) while that process lives. Each process holds an
exclusive ``flock`` on ``owners/<owner>.lock`` for as long as it runs; the kernel releases it
however the process dies. At start, ``take`` adopts the events of owners whose lock is free
(dead): under that owner's lock it reads their events again, rewrites them (durably) with its
own owner, and removes the lock file while still holding it, so of two processes starting at
once each event goes to one. A lock is trusted only while its path still names the file locked
(a process that locked a file another had just removed holds nothing). Events recorded without
an owner (before owners existed) are adopted under ``owners/unowned.lock``, which is never
removed. Where ``flock`` is unsupported or ``owners/`` cannot be created, the inbox logs it and
falls back to handing every pending event to whichever process starts: the delivery stamps
still keep each ticket change single, but an answer may be given twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bot.durable_files import write_durably
from bot.inbox import DEDUPE_SECONDS, PRUNE_EVERY, Entry, InboxError, entry_name

try:
    import fcntl
except ImportError:  # no flock (Windows): the inbox falls back to handing every pending event to whoever starts
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

SUFFIX = ".json"
SET_ASIDE = "failed"  # events that failed again at start, kept for an operator to look at
SEEN = "seen"  # one marker per keyed request recorded in the last DEDUPE_SECONDS
OWNERS = "owners"  # <owner>.lock per process, flocked while it lives
LOCK_SUFFIX = ".lock"
UNOWNED = "unowned.lock"  # taken to adopt events recorded without an owner; never removed
_OWNER_ID = re.compile(r"[0-9a-f]{32}")


def key_digest(key: str) -> str:
    """A key as a short, file-name-safe token (keys are platform ids of any shape)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


class FileInbox:
    """One file per pending event in ``directory``; implements ``Inbox``."""

    def __init__(self, directory: str | os.PathLike[str], *, clock: Callable[[], float] = time.time,
                 dedupe_seconds: float = DEDUPE_SECONDS) -> None:
        self.directory = Path(directory)
        self.clock = clock
        self.dedupe_seconds = dedupe_seconds
        self._swept = 0.0
        self.owner: str | None = None  # None: no lock held, every pending event is handled by whoever starts
        self._owner_lock: _OwnerLock | None = None
        self._fallen_back = False  # logged once, until a lock is held again
        self._may_claim = True  # False once flock proved unsupported here, or after close()
        self._claiming = threading.Lock()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # reported by check() and record(): the desk still starts, not ready
            log.error("the inbox directory %s cannot be created: %s", self.directory, error)
        with self._claiming:
            self._claim()

    def record(self, payload: Mapping[str, Any], *, key: str | None = None) -> Entry | None:
        now = self.clock()
        if key is not None and not self._first(key, now):
            return None
        name = entry_name(now)
        record = {"recorded": now, "key": key, "owner": self._live_owner(), "payload": payload}
        data = json.dumps(record, ensure_ascii=False).encode("utf-8")
        try:
            self._write(name, data)
        except InboxError:
            if key is not None:  # not recorded, so not seen: the retry must be let in
                (self.directory / SEEN / key_digest(key)).unlink(missing_ok=True)
            raise
        return Entry(name, payload, now, key)

    def _first(self, key: str, now: float) -> bool:
        """Leave the marker of ``key`` in ``seen/``; False when a live one was there already.

        ``O_EXCL`` makes the creation atomic, so of two processes taking the same request one
        wins. A marker's mtime is when its request was recorded; an expired one is taken over.
        """
        seen = self.directory / SEEN
        marker = seen / key_digest(key)
        try:
            seen.mkdir(exist_ok=True)
            self._sweep(seen, now)
            for _ in range(2):
                try:
                    os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                except FileExistsError:
                    try:
                        if marker.stat().st_mtime > now - self.dedupe_seconds:
                            return False
                    except FileNotFoundError:
                        continue  # swept meanwhile
                    marker.unlink(missing_ok=True)  # expired: a new request under an old key
                    continue
                os.utime(marker, (now, now))
                return True
        except OSError as error:
            raise InboxError(f"cannot record a request in {seen}: {error.strerror or error}") from error
        return False

    def _sweep(self, seen: Path, now: float) -> None:
        """Remove expired markers, at most once a ``PRUNE_EVERY``."""
        if now - self._swept < PRUNE_EVERY:
            return
        self._swept = now
        with os.scandir(seen) as found:
            for item in found:
                try:
                    if item.stat().st_mtime <= now - self.dedupe_seconds:
                        os.unlink(item.path)
                except FileNotFoundError:
                    pass  # another process swept it

    def _write(self, name: str, data: bytes) -> None:
        final = self.directory / f"{name}{SUFFIX}"
        # Unique, so a rewrite never trips over the temporary file of a process killed mid-write.
        temporary = self.directory / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            write_durably(final, data, temporary=temporary)
        except OSError as error:
            raise InboxError(f"cannot record an event in {final}: {error.strerror or error}") from error

    def done(self, entry_id: str) -> None:
        try:
            (self.directory / f"{entry_id}{SUFFIX}").unlink(missing_ok=True)
        except OSError as error:  # handled twice at the next start, which is harmless
            log.warning("could not remove handled event %s from the inbox %s: %s", entry_id, self.directory, error)

    def set_aside(self, entry_id: str) -> None:
        aside = self.directory / SET_ASIDE
        try:
            aside.mkdir(exist_ok=True)
            os.replace(self.directory / f"{entry_id}{SUFFIX}", aside / f"{entry_id}{SUFFIX}")
        except OSError as error:
            log.error("could not set aside event %s in %s: %s", entry_id, aside, error)

    def pending(self) -> list[Entry]:
        """Every pending event, whoever holds it (the backlog)."""
        return [entry for entry, _, _ in self._scan()]

    def take(self) -> list[Entry]:
        """This process's pending events and those of dead owners (adopted), oldest first."""
        owner = self._live_owner()
        if owner is None:
            return self.pending()  # no owner lock here: as before owners, whoever starts handles them all
        others = {holder for _, holder, _ in self._scan() if holder != owner}
        others.update(self._lock_files() - {owner})
        for other in sorted(others, key=lambda o: o or ""):
            self._adopt(other, owner)
        return [entry for entry, holder, _ in self._scan() if holder == owner]

    def check(self) -> None:
        name = f".probe-{uuid.uuid4().hex[:12]}"
        self._write(name, b"{}")
        (self.directory / f"{name}{SUFFIX}").unlink(missing_ok=True)

    def close(self) -> None:
        """Give up this process's owner lock: its pending events go to the next process that starts."""
        with self._claiming:
            if self._owner_lock is not None:
                self._owner_lock.release(remove=True)
            self._owner_lock, self.owner = None, None
            self._may_claim = False

    # -- owners: who is alive to handle its pending events ------------------------------------

    def _claim(self) -> None:
        """Take a fresh owner id and hold its lock file for as long as this process lives."""
        owners = self.directory / OWNERS
        if fcntl is None:
            self._fall_back("this system has no flock", retry=False)
            return
        try:
            owners.mkdir(exist_ok=True)
        except OSError as error:
            self._fall_back(f"its owners directory {owners} cannot be created ({error.strerror or error})")
            return
        for _ in range(5):
            owner = uuid.uuid4().hex
            path = owners / f"{owner}{LOCK_SUFFIX}"
            try:
                lock = _OwnerLock.take(path, exclusive=True)
            except _Unsupported as error:
                path.unlink(missing_ok=True)
                self._fall_back(f"flock is not supported in {owners} ({error})", retry=False)
                return
            except OSError as error:
                self._fall_back(f"its owner lock in {owners} cannot be created ({error.strerror or error})")
                return
            if lock is not None:
                if self._fallen_back:
                    log.info("the inbox %s holds an owner lock again (%s)", self.directory, path)
                self.owner, self._owner_lock, self._fallen_back = owner, lock, False
                return
            # A process starting at this moment took the fresh file for a dead owner's and
            # removes it: try another id.
        self._fall_back(f"no owner lock in {owners} could be kept")

    def _live_owner(self) -> str | None:
        """This process's owner id, its lock taken again if its file was deleted (say, with the
        directory), or tried again after a directory that could not hold it; ``None``: none held."""
        with self._claiming:
            lock = self._owner_lock
            if lock is not None and lock.named():
                return self.owner
            if lock is not None:
                log.warning("the inbox's owner lock %s was removed while held; taking a new one", lock.path)
                lock.release(remove=False)
                self._owner_lock, self.owner = None, None
            elif not self._may_claim:
                return None
            self._claim()
            return self.owner

    def _fall_back(self, why: str, *, retry: bool = True) -> None:
        if not self._fallen_back:
            log.error("the inbox %s cannot tell live processes from dead ones: %s; it falls back to handing "
                      "every pending event to whichever process starts, so with several processes on this "
                      "directory an answer may be given twice%s", self.directory, why,
                      " (the lock is tried again at each event)" if retry else "")
        self._fallen_back = True
        self._may_claim = self._may_claim and retry
        self._owner_lock, self.owner = None, None

    def _lock_files(self) -> set[str | None]:
        """The owners with a lock file (dead ones' are left behind by a process that ended)."""
        try:
            names = os.listdir(self.directory / OWNERS)
        except OSError:
            return set()
        return {name[: -len(LOCK_SUFFIX)] for name in names
                if name.endswith(LOCK_SUFFIX) and _OWNER_ID.fullmatch(name[: -len(LOCK_SUFFIX)])}

    def _adopt(self, dead: str | None, owner: str) -> None:
        """Make ``dead``'s pending events ours, under its lock, if its process is gone.

        Owner-less events (recorded before owners, or by a process that fell back) have one lock
        of their own, never removed, so of two processes starting at once one takes them.
        """
        name = UNOWNED if dead is None else f"{dead}{LOCK_SUFFIX}"
        path = self.directory / OWNERS / name
        try:
            lock = _OwnerLock.take(path, exclusive=False)
        except OSError as error:
            log.warning("could not lock %s to take over its pending events: %s", path, error)
            return
        if lock is None:
            return  # alive (it is handling them), or another starting process is adopting them
        try:
            for entry, holder, record in self._scan():
                if holder == dead:  # read again under the lock: what is still theirs
                    record["owner"] = owner
                    self._write(entry.id, json.dumps(record, ensure_ascii=False).encode("utf-8"))
        except InboxError as error:
            log.warning("could not take over the pending events of %s: %s; the next start tries again", path, error)
            lock.release(remove=False)
            return
        lock.release(remove=dead is not None)  # removed while held: no one can lock it after us

    def _scan(self) -> list[tuple[Entry, str | None, dict[str, Any]]]:
        """Every pending event with its owner (``None``: recorded without one) and its record,
        oldest first; an unreadable file is set aside, as at any read."""
        try:
            names = sorted(p.name for p in self.directory.iterdir() if p.name.endswith(SUFFIX))
        except OSError as error:
            raise InboxError(f"cannot read the inbox {self.directory}: {error.strerror or error}") from error
        found = []
        for name in names:
            path = self.directory / name
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                entry = Entry(name[: -len(SUFFIX)], record["payload"], float(record["recorded"]), record.get("key"))
            except FileNotFoundError:
                continue  # handled meanwhile
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
                log.error("inbox file %s is unreadable (%s); set aside in %s/", path, error, SET_ASIDE)
                self.set_aside(name[: -len(SUFFIX)])
                continue
            owner = record.get("owner")
            found.append((entry, owner if isinstance(owner, str) and _OWNER_ID.fullmatch(owner) else None, record))
        return found


class _Unsupported(OSError):
    """flock itself refused (the file system has no locks): not worth trying again."""


class _OwnerLock:
    """An exclusive ``flock`` on an owner's lock file, held through an open descriptor."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self.descriptor = descriptor
        self._close = weakref.finalize(self, os.close, descriptor)  # also when dropped unclosed

    @classmethod
    def take(cls, path: Path, *, exclusive: bool) -> _OwnerLock | None:
        """The lock on ``path`` (created if missing; ``exclusive``: must be new), or ``None`` when
        another process holds it or removed it meanwhile. Raises ``OSError``, ``_Unsupported``."""
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | (os.O_EXCL if exclusive else 0), 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return None
        except OSError as error:
            os.close(descriptor)
            raise _Unsupported(error.errno, error.strerror) from error
        lock = cls(path, descriptor)
        # Between our open and our lock, another process may have locked this file, taken it for
        # a dead owner's and removed it: then we hold the lock of a file no one else can open.
        if not lock.named():
            lock.release(remove=False)
            return None
        return lock

    def named(self) -> bool:
        """Whether the path still names the file this lock is on."""
        try:
            on_disk = os.stat(self.path)
        except OSError:
            return False
        held = os.fstat(self.descriptor)
        return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)

    def release(self, *, remove: bool) -> None:
        """Unlock; ``remove`` deletes the file first, while still held, so no one locks it after us."""
        if remove and self.named():
            self.path.unlink(missing_ok=True)
        self._close()
