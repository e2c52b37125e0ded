"""The ticket store on PostgreSQL (psycopg 3 with a connection pool), for several processes and hosts.

Tickets are rows with their record (and its events) as JSONB beside indexed columns for the
queries. The database decides every race: ticket numbers come from a sequence (a number a
ticket already holds is skipped), a dedupe key is a primary key so one delivery opens one
ticket, ``mutate`` holds the ticket's row lock (``SELECT … FOR UPDATE``) while it decides, and
memo markers are ``INSERT … ON CONFLICT``. Every change is one transaction: a lost connection
rolls it back and the change is retried with backoff on a fresh connection.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

import orjson
import psycopg
from psycopg.types.json import Jsonb, set_json_dumps, set_json_loads
from psycopg_pool import ConnectionPool

from bot import messages
from bot.domain import Person, Source, Ticket, new_record, ticket_number
from bot.errors import NotFound, StoreError
from bot.records import skip_damaged, ticket_from_record
from bot.store.base import Decide, ImportReport, NewTicket, linked_keys
from bot.store.pg_maintenance import PostgresMaintenance
from bot.store.pg_schema import migrate, refuse_newer, schema_version
from bot.store.queries import number_of, touches
from bot.store.settings import safe_location
from bot.store.tinydb_store import validated_lines

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 5  # a server restart or failover takes a few seconds: 0.1 + 0.2 + 0.4 + 0.8 s of backoff
COLUMNS = "number, record"


class PostgresTicketStore(PostgresMaintenance):
    """A ``TicketStore`` on PostgreSQL; ``connect(url)`` checks the server and the schema first."""

    def __init__(self, url: str, *, pool_size: int = 4, connect_timeout: int = 10) -> None:
        self.url = url
        self.location = safe_location(url)
        self._connect_timeout = connect_timeout
        self._folded: dict[int, Ticket] = {}
        with self._direct() as conn:
            applied = migrate(conn, location=self.location)
        for line in applied:
            log.info("store %s: applied migration %s", self.location, line)
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False, configure=_configure,
                                    check=ConnectionPool.check_connection, name="chatdesk-store",
                                    kwargs={"connect_timeout": connect_timeout})
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except psycopg.OperationalError as exc:
            self._pool.close()
            raise self._unreachable(exc) from None

    @classmethod
    def connect(cls, url: str, *, pool_size: int = 4, connect_timeout: int = 10) -> PostgresTicketStore:
        """Open the store at ``url``, applying missing migrations (refusing a newer schema)."""
        return cls(url, pool_size=pool_size, connect_timeout=connect_timeout)

    # -- reading -------------------------------------------------------------

    def get(self, ticket_id: str) -> Ticket | None:
        number = number_of(ticket_id)
        if number is None:
            return None
        rows = self._read(f"SELECT {COLUMNS} FROM tickets WHERE number = %s", [number])
        return self._fold(int(rows[0][0]), rows[0][1]) if rows else None

    def find(self, key: str) -> Ticket | None:
        rows = self._read("SELECT t.number, t.record FROM ticket_keys k JOIN tickets t USING (number) "
                          "WHERE k.key = %s", [key])
        return self._fold(int(rows[0][0]), rows[0][1]) if rows else None

    def tickets(self) -> list[Ticket]:
        return self._fold_rows(self._read(f"SELECT {COLUMNS} FROM tickets ORDER BY number"))

    def active(self) -> list[Ticket]:
        return self._fold_rows(self._read(
            f"SELECT {COLUMNS} FROM tickets WHERE state IN ('open', 'claimed', 'waiting') ORDER BY number"))

    def requested_by(self, platform: str, user_id: str) -> list[Ticket]:
        return self._fold_rows(self._read(
            f"SELECT {COLUMNS} FROM tickets WHERE requester_platform = %s AND requester_user = %s "
            f"ORDER BY number", [platform, user_id]))

    def touched(self, since: dt.datetime, until: dt.datetime | None = None) -> list[Ticket]:
        far = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
        rows = self._read(f"SELECT {COLUMNS} FROM tickets WHERE updated_at >= %s AND opened_at < %s "
                          f"ORDER BY number", [since, until or far])
        return [t for t in self._fold_rows(rows) if touches(t, since, until)]

    def recent(self, limit: int) -> list[Ticket]:
        rows = self._read(f"SELECT {COLUMNS} FROM tickets ORDER BY number DESC LIMIT %s", [max(limit, 0)])
        return list(reversed(self._fold_rows(rows)))

    def recall(self, key: str) -> Any:
        rows = self._read("SELECT value FROM memo WHERE key = %s", [key])
        return rows[0][0] if rows else None

    # -- changing ------------------------------------------------------------

    def open(self, new: NewTicket, *, dedupe_key: str | None = None) -> tuple[Ticket, bool]:
        keys = tuple(dict.fromkeys((*new.keys, *([dedupe_key] if dedupe_key else []))))

        def work(conn: psycopg.Connection, retrying: bool) -> tuple[Ticket, bool]:
            # A retry after a lost COMMIT may find its own ticket: the keys say so.
            for key in ([dedupe_key] if dedupe_key else []) + (list(new.keys) if retrying else []):
                row = conn.execute("SELECT t.number, t.record FROM ticket_keys k JOIN tickets t USING (number) "
                                   "WHERE k.key = %s", [key]).fetchone()
                if row:
                    return self._fold(row[0], row[1]), False
            while True:  # a number an imported ticket already holds is skipped, never overwritten
                number = conn.execute("SELECT nextval('ticket_number')").fetchone()[0]
                record = new_record(ticket_id=f"T-{number}", subject=new.subject, body=new.body,
                                    requester=Person.from_record(new.requester),
                                    source=Source.from_record(new.source), opened=new.opened)
                ticket = self._fold(number, record)
                if conn.execute(_INSERT + " ON CONFLICT (number) DO NOTHING RETURNING number",
                                _row(ticket, record)).fetchone():
                    break
            if dedupe_key:
                won = conn.execute("INSERT INTO ticket_keys (key, number) VALUES (%s, %s) "
                                   "ON CONFLICT (key) DO NOTHING RETURNING number", [dedupe_key, number]).fetchone()
                if not won:  # another process opened this delivery's ticket first: the constraint decided
                    raise _Lost(dedupe_key)
            for key in keys:
                if key != dedupe_key:
                    conn.execute("INSERT INTO ticket_keys (key, number) VALUES (%s, %s) "
                                 "ON CONFLICT (key) DO UPDATE SET number = excluded.number", [key, number])
            return ticket, True

        try:
            return self._change(work)
        except _Lost as lost:
            found = self.find(lost.key)
            if found is None:  # pragma: no cover - a key is never deleted
                raise
            return found, False

    def mutate(self, ticket_id: str, decide: Decide) -> Ticket:
        number = _number_or_missing(ticket_id)
        sent: list[tuple[int, list[dict[str, Any]]]] = []

        def work(conn: psycopg.Connection, retrying: bool) -> Ticket:
            row = conn.execute("SELECT record FROM tickets WHERE number = %s FOR UPDATE", [number]).fetchone()
            if row is None:
                raise NotFound(messages.TICKET_NOT_FOUND, ticket_id=ticket_id)
            record = row[0]
            if retrying and sent and _already_applied(record["events"], *sent[-1]):
                return self._fold(number, record)  # the lost COMMIT had gone through
            current = self._fold(number, record)
            decided = list(decide(current))
            events = [event.to_record() for event in decided]
            if not events:
                return current
            record = {**record, "events": [*record["events"], *events]}
            ticket = self._fold(number, record)
            sent.append((current.version, events))
            conn.execute("UPDATE tickets SET record = %s, version = %s, state = %s, assignee = %s, "
                         "updated_at = %s WHERE number = %s",
                         [Jsonb(record), ticket.version, ticket.state.value,
                          ticket.assignee.user_id if ticket.assignee else None, _updated(ticket), number])
            for key in linked_keys(decided):  # a thread is linked with its event, in one transaction
                conn.execute("INSERT INTO ticket_keys (key, number) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
                             [key, number])
            return ticket

        return self._change(work)

    def link(self, key: str, ticket_id: str) -> None:
        number = _number_or_missing(ticket_id)
        self._change(lambda conn, _: conn.execute(
            "INSERT INTO ticket_keys (key, number) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
            "SET number = excluded.number", [key, number]))

    def remember(self, key: str, value: Any = True) -> bool:
        def work(conn: psycopg.Connection, retrying: bool) -> bool:
            stored = conn.execute("INSERT INTO memo (key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING "
                                  "RETURNING key", [key, Jsonb(value)]).fetchone()
            if stored is None and retrying:  # our own insert whose COMMIT answer was lost
                row = conn.execute("SELECT value FROM memo WHERE key = %s", [key]).fetchone()
                return row is not None and row[0] == value
            return stored is not None

        return self._change(work)

    def put(self, key: str, value: Any) -> None:
        self._change(lambda conn, _: conn.execute(
            "INSERT INTO memo (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, Jsonb(value)]))

    def import_records(self, records: Iterable[tuple[int, Mapping[str, Any]]]) -> ImportReport:
        valid, errors = validated_lines(records)

        def work(conn: psycopg.Connection, retrying: bool) -> tuple[list[str], list[tuple[int, str]]]:
            imported, clashes = [], []
            for line, number, stored in valid:
                ticket = self._fold(number, stored)
                if not conn.execute(_INSERT + " ON CONFLICT (number) DO NOTHING RETURNING number",
                                    _row(ticket, stored)).fetchone():
                    clashes.append((line, f"{stored['id']} already exists in this store"))
                    continue
                imported.append(stored["id"])
                for key in (ticket.source.thread_key, ticket.source.delivery_key):
                    if key:
                        conn.execute("INSERT INTO ticket_keys (key, number) VALUES (%s, %s) "
                                     "ON CONFLICT (key) DO NOTHING", [key, number])
            if imported:
                sync_sequence(conn)
            return imported, clashes

        imported, clashes = self._change(work)
        return ImportReport(tuple(imported), tuple(sorted(errors + clashes)))

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
        try:
            with self._pool.connection() as conn:
                conn.autocommit = True
                held = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0])
                try:
                    yield held
                finally:
                    if held and not conn.closed:
                        conn.execute("SELECT pg_advisory_unlock(%s)", [key])
                    conn.autocommit = False
        except psycopg.OperationalError as exc:
            raise self._unreachable(exc) from None

    def schema_version(self) -> int:
        with self._pool.connection() as conn:
            return schema_version(conn)

    def close(self) -> None:
        self._pool.close()

    # -- machinery -----------------------------------------------------------

    @contextmanager
    def _direct(self) -> Iterator[psycopg.Connection]:
        try:
            conn = psycopg.connect(self.url, connect_timeout=self._connect_timeout, autocommit=True)
        except psycopg.OperationalError as exc:
            raise self._unreachable(exc) from None
        try:
            _configure(conn)
            refuse_newer(schema_version(conn), location=self.location)
            yield conn
        finally:
            conn.close()

    def _read(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self._change(lambda conn, _: conn.execute(sql, params).fetchall())

    def _change(self, work: Callable[[psycopg.Connection, bool], T]) -> T:
        """Run ``work`` in one transaction; a lost connection is retried whole, with backoff."""
        for attempt in range(ATTEMPTS):
            try:
                with self._pool.connection() as conn, conn.transaction():
                    return work(conn, attempt > 0)
            except (psycopg.OperationalError, psycopg.errors.SerializationFailure) as exc:
                if attempt == ATTEMPTS - 1:
                    raise self._unreachable(exc) from None
                log.warning("store %s: %s; retrying", self.location, _first_line(exc))
                time.sleep(0.1 * 2 ** attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _unreachable(self, exc: Exception) -> StoreError:
        parts = urlsplit(self.url)
        return StoreError(messages.STORE_UNREACHABLE, host=parts.hostname or "localhost", port=parts.port or 5432,
                          database=parts.path.lstrip("/") or parts.username or "(default)",
                          problem=_first_line(exc))

    def _fold_rows(self, rows: Iterable[tuple[Any, ...]]) -> list[Ticket]:
        return skip_damaged(self._fold, ((int(number), record) for number, record in rows))

    def _fold(self, number: int, record: Mapping[str, Any]) -> Ticket:
        cached = self._folded.get(number)
        if cached is not None and cached.version == len(record["events"]):
            return cached
        ticket = ticket_from_record(record)  # a damaged record raises RecordError
        self._folded[number] = ticket
        return ticket


class _Lost(Exception):
    """The dedupe key was taken by a concurrent open; its ticket is the answer."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


_INSERT = ("INSERT INTO tickets (number, record, version, state, requester_platform, requester_user, assignee, "
           "opened_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")


def _row(ticket: Ticket, record: Mapping[str, Any]) -> list[Any]:
    return [ticket.number, Jsonb(record), ticket.version, ticket.state.value, ticket.requester.platform,
            ticket.requester.user_id, ticket.assignee.user_id if ticket.assignee else None,
            ticket.events[0].moment, _updated(ticket)]


def _updated(ticket: Ticket) -> dt.datetime:
    return max(event.moment for event in ticket.events)


def sync_sequence(conn: Any) -> bool:
    """Move the ticket number sequence past the highest stored number; True when it was behind."""
    highest = conn.execute("SELECT coalesce(max(number), 0) FROM tickets").fetchone()[0]
    last, called = conn.execute("SELECT last_value, is_called FROM ticket_number").fetchone()
    following = last + 1 if called else last
    if following > highest:
        return False
    conn.execute("SELECT setval('ticket_number', %s)", [highest])
    return True


def _already_applied(events: list[Mapping[str, Any]], version: int, appended: list[dict[str, Any]]) -> bool:
    return len(events) == version + len(appended) and list(events[version:]) == appended


def _configure(conn: psycopg.Connection) -> None:
    # orjson reads and writes the JSONB records several times faster than the json module.
    set_json_loads(orjson.loads, conn)
    set_json_dumps(orjson.dumps, conn)


def _number_or_missing(ticket_id: str) -> int:
    try:
        return ticket_number(ticket_id)
    except (IndexError, ValueError):
        raise NotFound(messages.TICKET_NOT_FOUND, ticket_id=ticket_id) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


__all__ = ["PostgresTicketStore", "sync_sequence"]
