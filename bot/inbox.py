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

``FileInbox`` (``bot.file_inbox``) keeps the inbox beside the embedded store, one small file per
pending event; ``MemoryInbox`` is its twin for tests; ``bot.pg_inbox`` keeps it in PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.delivery import delivering

log = logging.getLogger(__name__)

# /healthz says "not ready" when more than BACKLOG_COUNT events are still unhandled after
# BACKLOG_SECONDS: the work pools are stuck or the store refuses every write.
BACKLOG_COUNT = 20
BACKLOG_SECONDS = 30.0
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
    from bot.file_inbox import FileInbox

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
