"""The inbox in PostgreSQL: the ``inbox`` table (migration 2), beside the tickets in the same database.

When the tickets are in PostgreSQL the desk may run as several processes on several hosts, so
the inbox is there too: a recorded request survives its process and its host, and every process
of the deployment sees it. Recording is one ``INSERT`` (its own transaction, committed before
the acknowledgement); a row belongs to the ``source`` that recorded it (``"slack"``), and only
that source's processes handle it.

Who handles a pending row: the process that recorded it (its ``owner``) while that process
lives. Each process holds a session advisory lock on its owner number for as long as it runs;
PostgreSQL releases it when the process's connection ends, however the process died. At
start, ``take`` adopts the pending rows of owners whose lock is free (dead), under that owner's
lock and ``FOR UPDATE SKIP LOCKED``, so of two processes starting at once each row goes to one.
(Should a live process lose that one connection, a process starting meanwhile may take over its
pending rows while it still handles them: the delivery stamps keep every ticket change single,
and only an answer may be given twice.)

A keyed row (a command, a press) is kept ``DEDUPE_SECONDS`` after it was handled: the unique
``(source, key)`` index is what turns the same request arriving again, at any process, into a
no-op. Handled rows past that are deleted by a sweep at most once a minute; a keyless row
(a message event) is deleted as soon as it is handled.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from bot.inbox import DEDUPE_SECONDS, PRUNE_EVERY, Entry, InboxError
from bot.store.pg_schema import migrate
from bot.store.settings import safe_location

log = logging.getLogger(__name__)

# pg_advisory_lock(class, owner): the two-key form, a key space apart from the store's locks.
OWNER_LOCK_CLASS = 0x696E6278  # "inbx"

_RECORD = """
    INSERT INTO inbox (source, key, payload, recorded, owner) VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (source, key) WHERE key IS NOT NULL DO UPDATE
        SET payload = excluded.payload, recorded = excluded.recorded, owner = excluded.owner,
            handled = NULL, set_aside = false
        WHERE inbox.handled IS NOT NULL AND inbox.recorded <= %s
    RETURNING id
"""


class PostgresInbox:
    """The ``inbox`` table for one ``source``; implements ``bot.inbox.Inbox``."""

    def __init__(self, url: str, *, source: str, clock: Callable[[], float] = time.time,
                 dedupe_seconds: float = DEDUPE_SECONDS, pool_size: int = 4, connect_timeout: int = 10) -> None:
        self.url = url
        self.location = safe_location(url)
        self.source = source
        self.clock = clock
        self.dedupe_seconds = dedupe_seconds
        self._swept = 0.0
        self._lock = threading.Lock()
        try:
            self._owner_conn = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout)
            migrate(self._owner_conn, location=self.location)
            self.owner = self._hold_owner_lock()
        except psycopg.Error as error:
            raise InboxError(f"cannot open the inbox in {self.location}: {_first_line(error)}") from None
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False, name="chatdesk-inbox",
                                    check=ConnectionPool.check_connection, kwargs={"connect_timeout": connect_timeout})
        self._pool.open(wait=False)

    def _hold_owner_lock(self) -> int:
        """A random owner number whose advisory lock this process holds until it ends."""
        while True:
            owner = random.randrange(1, 2**31)
            held = self._owner_conn.execute("SELECT pg_try_advisory_lock(%s, %s)", [OWNER_LOCK_CLASS, owner])
            if held.fetchone()[0]:
                return owner

    # -- the Inbox protocol ---------------------------------------------------------------

    def record(self, payload: Mapping[str, Any], *, key: str | None = None) -> Entry | None:
        now = self.clock()
        try:
            with self._pool.connection() as conn:
                row = conn.execute(_RECORD, [self.source, key, Jsonb(dict(payload)), now, self.owner,
                                             now - self.dedupe_seconds]).fetchone()
        except psycopg.Error as error:
            raise InboxError(f"cannot record a request in the inbox of {self.location}: "
                             f"{_first_line(error)}") from None
        if row is None:
            return None  # this request was recorded in the last five minutes
        self._sweep(now)
        return Entry(str(row[0]), payload, now, key)

    def done(self, entry_id: str) -> None:
        try:
            with self._pool.connection() as conn:
                conn.execute("UPDATE inbox SET handled = %s WHERE id = %s AND key IS NOT NULL",
                             [self.clock(), int(entry_id)])
                conn.execute("DELETE FROM inbox WHERE id = %s AND key IS NULL", [int(entry_id)])
        except psycopg.Error as error:  # handled again at the next start; the delivery stamps make it harmless
            log.warning("could not mark request %s handled in the inbox of %s: %s", entry_id, self.location,
                        _first_line(error))

    def set_aside(self, entry_id: str) -> None:
        try:
            with self._pool.connection() as conn:
                conn.execute("UPDATE inbox SET set_aside = true WHERE id = %s", [int(entry_id)])
        except psycopg.Error as error:
            log.error("could not set aside request %s in the inbox of %s: %s", entry_id, self.location,
                      _first_line(error))

    def pending(self) -> list[Entry]:
        """Every request of this source not handled yet, whoever holds it (the backlog)."""
        return self._entries("SELECT id, payload, recorded, key FROM inbox WHERE source = %s AND handled IS NULL "
                             "AND NOT set_aside ORDER BY id", [self.source])

    def take(self) -> list[Entry]:
        """The pending requests of this process and of dead ones (adopted), oldest first."""
        try:
            with self._lock:
                owners = [row[0] for row in self._owner_conn.execute(
                    "SELECT DISTINCT owner FROM inbox WHERE source = %s AND handled IS NULL AND NOT set_aside "
                    "AND owner <> %s", [self.source, self.owner]).fetchall()]
                for owner in owners:
                    if not self._owner_conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                                    [OWNER_LOCK_CLASS, owner]).fetchone()[0]:
                        continue  # alive: its process is handling them
                    try:
                        with self._pool.connection() as conn:
                            conn.execute(
                                "UPDATE inbox SET owner = %s WHERE id IN (SELECT id FROM inbox WHERE source = %s "
                                "AND owner = %s AND handled IS NULL FOR UPDATE SKIP LOCKED)",
                                [self.owner, self.source, owner])
                    finally:
                        self._owner_conn.execute("SELECT pg_advisory_unlock(%s, %s)", [OWNER_LOCK_CLASS, owner])
        except psycopg.Error as error:
            raise InboxError(f"cannot read the inbox of {self.location}: {_first_line(error)}") from None
        return self._entries("SELECT id, payload, recorded, key FROM inbox WHERE source = %s AND owner = %s "
                             "AND handled IS NULL AND NOT set_aside ORDER BY id", [self.source, self.owner])

    def check(self) -> None:
        try:
            with self._pool.connection() as conn:
                writable = conn.execute("SELECT NOT pg_is_in_recovery() "
                                        "AND current_setting('transaction_read_only') = 'off'").fetchone()[0]
        except psycopg.Error as error:
            raise InboxError(f"the inbox in {self.location} is unreachable: {_first_line(error)}") from None
        if not writable:
            raise InboxError(f"the inbox in {self.location} is read-only")

    def close(self) -> None:
        self._pool.close()
        self._owner_conn.close()

    # -- machinery ------------------------------------------------------------------------

    def _entries(self, sql: str, params: list[Any]) -> list[Entry]:
        try:
            with self._pool.connection() as conn:
                rows = conn.execute(sql, params).fetchall()
        except psycopg.Error as error:
            raise InboxError(f"cannot read the inbox of {self.location}: {_first_line(error)}") from None
        return [Entry(str(row[0]), row[1], float(row[2]), row[3]) for row in rows]

    def _sweep(self, now: float) -> None:
        """Delete handled rows whose dedupe window is over, at most once a ``PRUNE_EVERY``."""
        if now - self._swept < PRUNE_EVERY:
            return
        self._swept = now
        try:
            with self._pool.connection() as conn:
                conn.execute("DELETE FROM inbox WHERE handled IS NOT NULL AND recorded <= %s",
                             [now - self.dedupe_seconds])
        except psycopg.Error as error:
            log.warning("could not sweep the inbox of %s: %s", self.location, _first_line(error))


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
