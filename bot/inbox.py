"""The durable inbox: an inbound event is written down before it is acknowledged, and handled after.

A platform that got its acknowledgement does not send the event again, so an event the process
dies holding would be lost. The adapter records each event here first (answering with an error
status, so the platform retries, when it cannot), acknowledges, and marks it done once the core
has handled it; at start, what was recorded but not handled is handled first. Handling is
idempotent: a message on its platform message id (``Source.delivery_key``), so an event handled
twice (the process died between the handling and the mark) is still one ticket; a button press,
command or modal submission on its ``key`` (the platform's id of the request), under which its
changes are stamped (``bot.delivery``), so handling it again changes no ticket twice.

A request recorded with a ``key`` is remembered for ``DEDUPE_SECONDS`` after it was recorded: the
same request arriving again in that time (a replayed HTTP request, through any process sharing
the inbox) is not recorded again, and ``record`` answers ``None``. The markers expire, unlike
the store's memo, which keeps every key for good.

``FileInbox`` keeps one small file per pending event in ``<data_dir>/inbox/``, written atomically
(temporary file, fsync, ``os.replace``, fsync of the directory) and removed once handled: an
append costs the same however many tickets the store holds; a key's marker is a file in
``seen/`` created exclusively, so two processes sharing the directory agree on who was first.
``MemoryInbox`` is its twin for tests; ``bot.pg_inbox`` keeps the inbox in PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.delivery import delivering
from bot.durable_files import write_durably

log = logging.getLogger(__name__)

# /healthz says "not ready" when more than BACKLOG_COUNT events are still unhandled after
# BACKLOG_SECONDS: the work pools are stuck or the store refuses every write.
BACKLOG_COUNT = 20
BACKLOG_SECONDS = 30.0
SUFFIX = ".json"
SET_ASIDE = "failed"  # events that failed again at start, kept for an operator to look at
SEEN = "seen"  # one marker per keyed request recorded in the last DEDUPE_SECONDS
# Slack refuses a signed request older than five minutes, so a replay of one is within that.
DEDUPE_SECONDS = 5 * 60
PRUNE_EVERY = 60.0  # how often expired markers are swept


class InboxError(Exception):
    """The inbox could not record (or read) an event; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One recorded event: its id in the inbox, what the adapter needs to handle it, and when."""

    id: str
    payload: Mapping[str, Any]
    recorded: float
    key: str | None = None  # the platform's id of the request (dedupe and once-only changes)


class Inbox(Protocol):
    """Where inbound events wait between their acknowledgement and their handling."""

    def record(self, payload: Mapping[str, Any], *, key: str | None = None) -> Entry | None:
        """Keep ``payload`` durably; ``None`` when ``key`` was recorded in the last ``DEDUPE_SECONDS``.

        Raises ``InboxError`` when it cannot (and then remembers nothing of it).
        """
        ...

    def done(self, entry_id: str) -> None:
        """The event was handled: forget it."""
        ...

    def set_aside(self, entry_id: str) -> None:
        """The event failed again at start: keep it out of the way, for an operator."""
        ...

    def pending(self) -> list[Entry]:
        """What was recorded and not handled, oldest first (the backlog)."""
        ...

    def take(self) -> list[Entry]:
        """What this process should handle at start: pending entries no live process is handling."""
        ...

    def check(self) -> None:
        """Raise ``InboxError`` when a new event could not be recorded now."""
        ...


def entry_name(now: float) -> str:
    """A file name that sorts by time of arrival and is unique across threads and restarts."""
    return f"{int(now * 1_000_000):020d}-{uuid.uuid4().hex[:12]}"


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
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # reported by check() and record(): the desk still starts, not ready
            log.error("the inbox directory %s cannot be created: %s", self.directory, error)

    def record(self, payload: Mapping[str, Any], *, key: str | None = None) -> Entry | None:
        now = self.clock()
        if key is not None and not self._first(key, now):
            return None
        name = entry_name(now)
        data = json.dumps({"recorded": now, "key": key, "payload": payload}, ensure_ascii=False).encode("utf-8")
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
        temporary = self.directory / f".{name}.tmp"
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
        try:
            names = sorted(p.name for p in self.directory.iterdir() if p.name.endswith(SUFFIX))
        except OSError as error:
            raise InboxError(f"cannot read the inbox {self.directory}: {error.strerror or error}") from error
        entries = []
        for name in names:
            path = self.directory / name
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                entries.append(Entry(name[: -len(SUFFIX)], record["payload"], float(record["recorded"]),
                                     record.get("key")))
            except FileNotFoundError:
                continue  # handled meanwhile
            except (OSError, ValueError, KeyError, TypeError) as error:
                log.error("inbox file %s is unreadable (%s); set aside in %s/", path, error, SET_ASIDE)
                self.set_aside(name[: -len(SUFFIX)])
        return entries

    def take(self) -> list[Entry]:
        # Processes sharing a data directory start one at a time (the embedded store is one host).
        return self.pending()

    def check(self) -> None:
        name = f".probe-{uuid.uuid4().hex[:12]}"
        self._write(name, b"{}")
        (self.directory / f"{name}{SUFFIX}").unlink(missing_ok=True)


class MemoryInbox:
    """The in-memory twin of ``FileInbox``; ``broken`` makes it refuse, as a full disk would."""

    def __init__(self, *, clock: Callable[[], float] = time.time, dedupe_seconds: float = DEDUPE_SECONDS) -> None:
        self.clock = clock
        self.dedupe_seconds = dedupe_seconds
        self.entries: dict[str, Entry] = {}
        self.aside: dict[str, Entry] = {}
        self.seen: dict[str, float] = {}
        self.broken: str | None = None
        self._lock = threading.Lock()

    def record(self, payload: Mapping[str, Any], *, key: str | None = None) -> Entry | None:
        self.check()
        now = self.clock()
        entry = Entry(entry_name(now), json.loads(json.dumps(payload)), now, key)
        with self._lock:
            if key is not None:
                if self.seen.get(key, -1e18) > now - self.dedupe_seconds:
                    return None
                self.seen = {k: at for k, at in self.seen.items() if at > now - self.dedupe_seconds}
                self.seen[key] = now
            self.entries[entry.id] = entry
        return entry

    def done(self, entry_id: str) -> None:
        with self._lock:
            self.entries.pop(entry_id, None)

    def set_aside(self, entry_id: str) -> None:
        with self._lock:
            if entry_id in self.entries:
                self.aside[entry_id] = self.entries.pop(entry_id)

    def pending(self) -> list[Entry]:
        with self._lock:
            return [self.entries[key] for key in sorted(self.entries)]

    def take(self) -> list[Entry]:
        return self.pending()

    def check(self) -> None:
        if self.broken:
            raise InboxError(self.broken)


def receiver_for(config: Any, *, source: str) -> Receiver:
    """The receiver over the inbox beside the store: the ``inbox`` table when the tickets are in
    PostgreSQL (every process and host of the deployment shares it), else ``<data_dir>/inbox/``.
    ``source`` names the adapter whose requests these are; only it handles them."""
    from bot.store import default_data_dir
    from bot.store.settings import is_postgres, store_settings

    settings = store_settings(config)
    if is_postgres(settings.url):
        from bot.pg_inbox import PostgresInbox

        return Receiver(PostgresInbox(str(settings.url), source=source, connect_timeout=settings.connect_timeout))
    return Receiver(FileInbox(Path(config.data_dir or default_data_dir()) / "inbox"))


class Receiver:
    """Record, then (after the acknowledgement) handle and forget; catch up at start; say if healthy."""

    def __init__(self, inbox: Inbox, *, clock: Callable[[], float] = time.time,
                 backlog_count: int = BACKLOG_COUNT, backlog_seconds: float = BACKLOG_SECONDS) -> None:
        self.inbox = inbox
        self.clock = clock
        self.backlog_count = backlog_count
        self.backlog_seconds = backlog_seconds
        self.failure: str | None = None  # the last handling's error, until one succeeds

    def accept(self, payload: Mapping[str, Any], *, key: str | None = None) -> Entry | None:
        """Record ``payload``; ``None`` for a request under ``key`` already taken in the last five
        minutes (acknowledge it, do nothing); raises ``InboxError`` (answer with an error status,
        never 200)."""
        return self.inbox.record(payload, key=key)

    def handle(self, entry: Entry, work: Callable[[Entry], Any]) -> bool:
        """Run ``work`` on the entry, its changes stamped with its key; forget the entry only when
        it succeeded."""
        try:
            with delivering(entry.key) as delivery:
                work(entry)
                if delivery is not None and delivery.failure is not None:
                    raise delivery.failure  # told to the person as an error; not done, so kept
        except Exception as error:
            self.failure = f"handling event {entry.id} failed: {error}"
            log.exception("inbound event %s failed; it stays in the inbox and is handled again at start", entry.id)
            return False
        self.failure = None
        self.inbox.done(entry.id)
        return True

    def age(self, entry: Entry) -> float:
        """Seconds since ``entry`` was recorded (what a platform's short-lived ids allow depends on it)."""
        return max(0.0, self.clock() - entry.recorded)

    def catch_up(self, work: Callable[[Entry], Any]) -> tuple[int, int]:
        """Handle, in order, what was recorded and not handled; ``(handled, set aside)``."""
        handled = failed = 0
        for entry in self.inbox.take():
            if self.handle(entry, work):
                handled += 1
            else:
                failed += 1
                self.inbox.set_aside(entry.id)
        if handled or failed:
            log.info("inbox: %d event(s) recorded before the last stop handled, %d set aside", handled, failed)
        return handled, failed

    def health(self) -> str | None:
        """Why new events could not be taken or handled now; ``None`` when ready."""
        try:
            self.inbox.check()
            pending = self.inbox.pending()
        except InboxError as error:
            return f"inbox: {error}"
        if self.failure:
            return f"store: {self.failure}"
        old = [e for e in pending if self.clock() - e.recorded > self.backlog_seconds]
        if len(old) > self.backlog_count:
            return (f"inbox: {len(old)} events unhandled for more than {self.backlog_seconds:g} s "
                    f"(limit {self.backlog_count})")
        return None
