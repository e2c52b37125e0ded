"""One TinyDB database holding everything: the in-memory twin, and the layout earlier versions wrote.

Layout (a valid TinyDB file): table ``tickets`` keyed by ticket number, ``summary`` (per
ticket the few fields queries filter on, see ``bot.store.queries``), and one-document
tables ``keys`` (thread/message key → ticket id), ``memo`` (small values such as "weekly
post sent") and ``counters`` (the next ticket number). Every change is one read-modify-write
under a file lock, written once through ``AtomicJSONStorage``; ticket ids are allocated
under that lock, so concurrent processes never share a number.
"""

from __future__ import annotations

import copy
import errno
import datetime as dt
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb.storages import MemoryStorage, Storage

from bot import messages
from bot.domain import Person, Source, Ticket, new_record, ticket_number
from bot.errors import NotFound, StoreError
from bot.records import skip_damaged, validated_import
from bot.store.atomic_storage import AtomicJSONStorage
from bot.store.base import Decide, ImportReport, NewTicket, linked_keys
from bot.store.locking import FileLocking
from bot.store.queries import Folding, is_active, is_requester, may_touch, number_of, summary_of, touches
from bot.store.tinydb_maintenance import COUNTERS, KEYS, MEMO, SUMMARY, TICKETS, TinyMaintenance


class _Transaction:
    """A private, copy-on-write view of the database for one change."""

    def __init__(self, data: Mapping[str, Mapping[str, Any]]) -> None:
        # Shallow copies: records are replaced, never edited in place, so the cache stays intact.
        self.tables: dict[str, dict[str, Any]] = {name: dict(table) for name, table in data.items()}
        self.dirty = False

    def table(self, name: str) -> dict[str, Any]:
        return self.tables.setdefault(name, {})

    def singleton(self, name: str) -> dict[str, Any]:
        """The one document of a small table, copied so that editing it is safe."""
        table = self.table(name)
        document = dict(table.get("1", {}))
        table["1"] = document
        return document


class SingleFileStore(TinyMaintenance, FileLocking, Folding):
    """A ``TicketStore`` in one TinyDB database: the in-memory twin (``memory()``), and the single-file layout."""

    def __init__(self, storage: Storage, *, lock_path: Path | None, location: str,
                 lock_timeout: float = 30.0) -> None:
        self._storage = storage
        self._thread_lock = threading.RLock()
        self._init_locking(lock_path, lock_timeout)
        self._folded: dict[int, Ticket] = {}
        self.location = location

    @classmethod
    def at(cls, path: str | os.PathLike[str]) -> SingleFileStore:
        """Open (or create) the store file at ``path``."""
        path = Path(path)
        return cls(AtomicJSONStorage(path), lock_path=path.with_name(path.name + ".lock"),
                   location=str(path))

    @classmethod
    def memory(cls) -> SingleFileStore:
        """A store that lives only as long as the object: the twin for fast tests."""
        return cls(MemoryStorage(), lock_path=None, location="memory")

    # -- reading -------------------------------------------------------------

    def get(self, ticket_id: str) -> Ticket | None:
        number = number_of(ticket_id)
        if number is None:
            return None
        with self._thread_lock:
            document = self._tables().get(TICKETS, {}).get(str(number))
            return self._fold(number, document) if document else None

    def find(self, key: str) -> Ticket | None:
        with self._thread_lock:
            ticket_id = self._tables().get(KEYS, {}).get("1", {}).get(key)
            return self.get(ticket_id) if ticket_id else None

    def tickets(self) -> list[Ticket]:
        with self._thread_lock:
            table = self._tables().get(TICKETS, {})
            return skip_damaged(self._fold, ((int(n), table[n]) for n in sorted(table, key=int)))

    def active(self) -> list[Ticket]:
        return self._select(is_active)

    def requested_by(self, platform: str, user_id: str) -> list[Ticket]:
        return self._select(lambda summary: is_requester(summary, platform, user_id))

    def touched(self, since: dt.datetime, until: dt.datetime | None = None) -> list[Ticket]:
        candidates = self._select(lambda summary: may_touch(summary, since, until))
        return [ticket for ticket in candidates if touches(ticket, since, until)]

    def recent(self, limit: int) -> list[Ticket]:
        with self._thread_lock:
            table = self._tables().get(TICKETS, {})
            numbers = sorted((int(n) for n in table), reverse=True)[:max(limit, 0)]
            return skip_damaged(self._fold, ((n, table[str(n)]) for n in reversed(numbers)))

    def recall(self, key: str) -> Any:
        with self._thread_lock:
            return copy.deepcopy(self._tables().get(MEMO, {}).get("1", {}).get(key))

    # -- changing ------------------------------------------------------------

    def open(self, new: NewTicket, *, dedupe_key: str | None = None) -> tuple[Ticket, bool]:
        with self._transaction() as txn:
            known = txn.tables.get(KEYS, {}).get("1", {}).get(dedupe_key) if dedupe_key else None
            if known and str(ticket_number(known)) in txn.table(TICKETS):
                number = ticket_number(known)
                return self._fold(number, txn.table(TICKETS)[str(number)]), False
            counters = txn.singleton(COUNTERS)
            number = free_number(int(counters.get("next_ticket", 1)), txn.table(TICKETS))
            ticket_id = f"T-{number}"
            record = new_record(ticket_id=ticket_id, subject=new.subject, body=new.body,
                                requester=Person.from_record(new.requester),
                                source=Source.from_record(new.source), opened=new.opened)
            txn.table(TICKETS)[str(number)] = record
            txn.table(SUMMARY)[str(number)] = summary_of(self._fold(number, record))
            counters["next_ticket"] = number + 1
            keys = txn.singleton(KEYS)
            for key in (*new.keys, *([dedupe_key] if dedupe_key else [])):
                keys[key] = ticket_id
            txn.dirty = True
        return self._fold(number, record), True

    def mutate(self, ticket_id: str, decide: Decide) -> Ticket:
        number = _number_or_missing(ticket_id)
        with self._transaction() as txn:
            record = txn.table(TICKETS).get(str(number))
            if record is None:
                raise NotFound(messages.TICKET_NOT_FOUND, ticket_id=ticket_id)
            events = list(decide(self._fold(number, record)))
            if events:
                record = {**record, "events": [*record["events"], *(e.to_record() for e in events)]}
                txn.table(TICKETS)[str(number)] = record
                txn.table(SUMMARY)[str(number)] = summary_of(self._fold(number, record))
                for key in linked_keys(events):  # a thread is linked with its event, in one write
                    txn.singleton(KEYS).setdefault(key, ticket_id)
                txn.dirty = True
        return self._fold(number, record)

    def link(self, key: str, ticket_id: str) -> None:
        with self._transaction() as txn:
            txn.singleton(KEYS)[key] = ticket_id
            txn.dirty = True

    def remember(self, key: str, value: Any = True) -> bool:
        with self._transaction() as txn:
            memo = txn.singleton(MEMO)
            if key in memo:
                return False
            memo[key] = value
            txn.dirty = True
        return True

    def put(self, key: str, value: Any) -> None:
        with self._transaction() as txn:
            txn.singleton(MEMO)[key] = value
            txn.dirty = True

    def import_records(self, records: Iterable[tuple[int, Mapping[str, Any]]]) -> ImportReport:
        valid, errors = validated_lines(records)
        imported: list[str] = []
        with self._transaction() as txn:
            table = txn.table(TICKETS)
            counters = txn.singleton(COUNTERS)
            keys = txn.singleton(KEYS)
            for line, number, stored in valid:
                if str(number) in table:
                    errors.append((line, f"{stored['id']} already exists in this store"))
                    continue
                table[str(number)] = stored
                txn.table(SUMMARY)[str(number)] = summary_of(self._fold(number, stored))
                imported.append(stored["id"])
                counters["next_ticket"] = max(int(counters.get("next_ticket", 1)), number + 1)
                source = Source.from_record(stored["source"])
                for key in (source.thread_key, source.delivery_key):
                    if key:
                        keys.setdefault(key, stored["id"])
            txn.dirty = bool(imported)
        return ImportReport(tuple(imported), tuple(sorted(errors)))

    def close(self) -> None:
        self._storage.close()

    # -- machinery -----------------------------------------------------------

    def _tables(self) -> Mapping[str, Mapping[str, Any]]:
        try:
            tables = self._storage.read() or {}
        except (OSError, ValueError) as exc:
            raise StoreError(messages.STORE_UNREADABLE, location=self.location, problem=exc) from None
        tickets = tables.get(TICKETS, {})
        if len(tables.get(SUMMARY, {})) != len(tickets):
            # A file written before summaries existed: derive them once; the next write keeps them.
            known = tables.get(SUMMARY, {})
            tables[SUMMARY] = {n: known.get(n) or self._summary(int(n), tickets[n]) for n in tickets}
        return tables

    def _select(self, keep: Callable[[Mapping[str, Any]], bool]) -> list[Ticket]:
        """Fold only the tickets whose summary ``keep`` accepts, oldest first."""
        with self._thread_lock:
            tables = self._tables()
            tickets, summaries = tables.get(TICKETS, {}), tables.get(SUMMARY, {})
            numbers = sorted(int(n) for n, summary in summaries.items() if keep(summary))
            return skip_damaged(self._fold, ((n, tickets[str(n)]) for n in numbers))

    @contextmanager
    def _transaction(self) -> Iterator[_Transaction]:
        """Run one change on the freshest data under the lock; write once if it changed."""
        with self._exclusive():
            txn = _Transaction(self._tables())
            yield txn
            if txn.dirty:
                try:
                    self._storage.write(txn.tables)
                except OSError as exc:
                    raise write_error(self.location, exc) from None



def write_error(location: str, exc: OSError) -> StoreError:
    """A failed write explained: a read-only directory says so and how to fix it, others name the cause."""
    if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        return StoreError(messages.STORE_READ_ONLY, location=location,
                          directory=Path(location).parent, problem=exc.strerror or exc)
    return StoreError(messages.STORE_WRITE_FAILED, location=location, problem=exc)


def free_number(candidate: int, taken: Mapping[str, Any]) -> int:
    """The first ticket number from ``candidate`` on that no ticket holds (a counter may lag)."""
    while str(candidate) in taken:
        candidate += 1
    return candidate


def _number_or_missing(ticket_id: str) -> int:
    try:
        return ticket_number(ticket_id)
    except (IndexError, ValueError):
        raise NotFound(messages.TICKET_NOT_FOUND, ticket_id=ticket_id) from None


def validated_lines(records: Iterable[tuple[int, Mapping[str, Any]]]
                    ) -> tuple[list[tuple[int, int, dict[str, Any]]], list[tuple[int, str]]]:
    """Split numbered export lines into (line, number, record) to store and (line, reason) refused."""
    valid: list[tuple[int, int, dict[str, Any]]] = []
    errors: list[tuple[int, str]] = []
    for line, record in records:
        try:
            number, stored = validated_import(record)
        except (KeyError, TypeError, ValueError) as exc:
            errors.append((line, _describe(exc)))
            continue
        valid.append((line, number, stored))
    return valid, errors


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc)
