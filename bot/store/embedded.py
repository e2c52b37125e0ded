"""The embedded ticket store, partitioned: a write costs the same at 100 tickets and at 100,000.

Every file is a TinyDB database a person can read. ``tickets.json`` (the head) holds the
counter, the summaries of the active tickets, one line per partition (its time span) and the
last committed change (``pending``). Beside it, ``tickets.d/`` holds the tickets in files of
``PARTITION`` numbers each (``t000000.json``: records and their summaries), and the keys and
the memo spread over ``BUCKETS`` files by a hash of the key (``k07.json``, ``m07.json``).

A change, under the file lock: (1) re-apply the head's pending change to the partition and
bucket files in case its writer died before it had (idempotent: records carry their events);
(2) replace the head with the new counter, summaries and this change as ``pending``: the
commit point, one atomic rename; (3) write the partition and bucket files it touches. A reader
prefers ``pending`` to a partition file, so it always sees the last committed change. A store
file of the single-file layout is converted on first open (a copy is kept beside it).
"""

from __future__ import annotations

import datetime as dt
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot import messages
from bot.domain import Person, Source, Ticket, new_record, ticket_number
from bot.errors import NotFound, StoreError
from bot.store.atomic_storage import AtomicJSONStorage
from bot.store.base import Decide, ImportReport, NewTicket, linked_keys
from bot.store.embedded_files import EmbeddedMaintenance, convert_single_file
from bot.store.locking import FileLocking
from bot.store.queries import number_of, Folding, is_active, is_requester, may_touch, summary_of, touches
from bot.records import skip_damaged
from bot.store.tinydb_store import SingleFileStore, validated_lines, write_error

PARTITION = 500  # tickets per file: about 0.7 MB of typical tickets, a few ms to rewrite
BUCKETS = 64  # key and memo files; at 100k tickets each holds about 5,000 keys
LAYOUT = 2


class Change:
    """What one commit writes: ticket records, keys and memo entries (all full values)."""

    def __init__(self) -> None:
        self.tickets: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, str] = {}
        self.memo: dict[str, Any] = {}
        self.head_only = False  # a change of the head alone (say, the counter set by a repair)

    def to_record(self) -> dict[str, Any]:
        return {"tickets": self.tickets, "keys": self.keys, "memo": self.memo}


class TinyTicketStore(EmbeddedMaintenance, FileLocking, Folding):
    """A ``TicketStore`` in partitioned TinyDB files; ``memory()`` is the in-memory twin."""

    def __init__(self, path: str | Path, *, lock_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.folder = self.path.with_name(f"{self.path.stem}.d")
        self._head = AtomicJSONStorage(self.path)
        self._files: dict[str, AtomicJSONStorage] = {}
        self._folded: dict[int, Ticket] = {}
        self._thread_lock = threading.RLock()
        self._init_locking(self.path.with_name(self.path.name + ".lock"), lock_timeout)

    @classmethod
    def at(cls, path: str | Path) -> TinyTicketStore:
        """Open (or create) the store whose head file is ``path``."""
        return cls(path)

    @staticmethod
    def memory() -> SingleFileStore:
        """A store that lives only as long as the object: the twin for fast tests."""
        return SingleFileStore.memory()

    # -- reading -------------------------------------------------------------

    def get(self, ticket_id: str) -> Ticket | None:
        number = number_of(ticket_id)
        if number is None:
            return None
        with self._thread_lock:
            record = self._record(self._read_head(), number)
            return self._fold(number, record) if record else None

    def find(self, key: str) -> Ticket | None:
        with self._thread_lock:
            head = self._read_head()
            ticket_id = _pending(head)["keys"].get(key) or self._bucket("k", key).get(key)
            return self.get(ticket_id) if ticket_id else None

    def recall(self, key: str) -> Any:
        import copy

        with self._thread_lock:
            pending = _pending(self._read_head())["memo"]
            return copy.deepcopy(pending[key] if key in pending else self._bucket("m", key).get(key))

    def tickets(self) -> list[Ticket]:
        return skip_damaged(self._fold, self.raw_tickets())

    def active(self) -> list[Ticket]:
        with self._thread_lock:
            head = self._read_head()
            numbers = sorted(int(n) for n, summary in head.get("active", {}).items() if is_active(summary))
            return skip_damaged(self._fold, ((n, record) for n in numbers if (record := self._record(head, n))))

    def requested_by(self, platform: str, user_id: str) -> list[Ticket]:
        return self._scan(lambda summary: is_requester(summary, platform, user_id), lambda span: True)

    def touched(self, since: dt.datetime, until: dt.datetime | None = None) -> list[Ticket]:
        candidates = self._scan(lambda summary: may_touch(summary, since, until),
                                lambda span: may_touch({"opened": span["opened"], "updated": span["updated"]},
                                                       since, until))
        return [ticket for ticket in candidates if touches(ticket, since, until)]

    def recent(self, limit: int) -> list[Ticket]:
        with self._thread_lock:
            head = self._read_head()
            found: list[tuple[int, dict[str, Any]]] = []
            for part in sorted((int(p) for p in head.get("partitions", {})), reverse=True):
                if len(found) >= limit:
                    break
                records = self._partition_records(head, part)
                found += [(n, records[n]) for n in sorted(records, reverse=True)[:limit - len(found)]]
            return skip_damaged(self._fold, reversed(found))

    # -- changing ------------------------------------------------------------

    def open(self, new: NewTicket, *, dedupe_key: str | None = None) -> tuple[Ticket, bool]:
        with self._writing() as (head, change):
            known = self._key(head, dedupe_key) if dedupe_key else None
            if known and (existing := self._record(head, ticket_number(known))):
                return self._fold(ticket_number(known), existing), False
            number = int(_single(head, "counters").get("next_ticket", 1))
            while self._record(head, number) is not None:  # a lagging counter never overwrites a ticket
                number += 1
            ticket_id = f"T-{number}"
            record = new_record(ticket_id=ticket_id, subject=new.subject, body=new.body,
                                requester=Person.from_record(new.requester),
                                source=Source.from_record(new.source), opened=new.opened)
            change.tickets[str(number)] = record
            _single(head, "counters")["next_ticket"] = number + 1
            for key in (*new.keys, *([dedupe_key] if dedupe_key else [])):
                change.keys[key] = ticket_id
        return self._fold(number, record), True

    def mutate(self, ticket_id: str, decide: Decide) -> Ticket:
        number = _number_or_missing(ticket_id)
        with self._writing() as (head, change):
            record = self._record(head, number)
            if record is None:
                raise NotFound(messages.TICKET_NOT_FOUND, ticket_id=ticket_id)
            events = list(decide(self._fold(number, record)))
            if events:
                record = {**record, "events": [*record["events"], *(e.to_record() for e in events)]}
                change.tickets[str(number)] = record
                for key in linked_keys(events):  # a thread is linked with its event, in one commit
                    if self._key(head, key) is None:
                        change.keys[key] = ticket_id
        return self._fold(number, record)

    def link(self, key: str, ticket_id: str) -> None:
        with self._writing() as (head, change):
            change.keys[key] = ticket_id

    def remember(self, key: str, value: Any = True) -> bool:
        with self._writing() as (head, change):
            if self._memo(head, key) is not None:
                return False
            change.memo[key] = value
        return True

    def put(self, key: str, value: Any) -> None:
        with self._writing() as (head, change):
            change.memo[key] = value

    def import_records(self, records: Iterable[tuple[int, Mapping[str, Any]]]) -> ImportReport:
        valid, errors = validated_lines(records)
        imported: list[str] = []
        for start in range(0, len(valid), PARTITION):  # one commit per batch keeps the pending change small
            with self._writing() as (head, change):
                counters = _single(head, "counters")
                for line, number, stored in valid[start:start + PARTITION]:
                    if str(number) in change.tickets or self._record(head, number) is not None:
                        errors.append((line, f"{stored['id']} already exists in this store"))
                        continue
                    change.tickets[str(number)] = stored
                    imported.append(stored["id"])
                    counters["next_ticket"] = max(int(counters.get("next_ticket", 1)), number + 1)
                    source = Source.from_record(stored["source"])
                    for key in (source.thread_key, source.delivery_key):
                        if key and key not in change.keys and self._key(head, key) is None:
                            change.keys[key] = stored["id"]
        return ImportReport(tuple(imported), tuple(sorted(errors)))

    def close(self) -> None:
        self._head.close()
        for storage in self._files.values():
            storage.close()
        self._files.clear()

    # -- machinery -----------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[tuple[dict[str, Any], Change]]:
        """One commit: redo the last pending change, replace the head, then apply this change."""
        with self._exclusive():
            head = {name: dict(table) for name, table in self._read_head().items()}
            self._apply(head, _pending(head))  # its writer may have died between commit and apply
            change = Change()
            yield head, change
            if not (change.tickets or change.keys or change.memo or change.head_only):
                return
            head.setdefault("meta", {"1": {"layout": LAYOUT, "partition_size": PARTITION}})
            self._summarise(head, change)
            head["pending"] = {"1": change.to_record()}
            self._write(self._head, head)
            self._apply(head, change.to_record())

    def _summarise(self, head: dict[str, Any], change: Change) -> None:
        active = head.setdefault("active", {})
        spans = head.setdefault("partitions", {})
        for n, record in change.tickets.items():
            summary = summary_of(self._fold(int(n), record))
            if is_active(summary):
                active[n] = summary
            else:
                active.pop(n, None)
            part = str(int(n) // PARTITION)
            span = dict(spans.get(part) or {"opened": summary["opened"], "updated": summary["updated"]})
            span["opened"] = min(span["opened"], summary["opened"])
            span["updated"] = max(span["updated"], summary["updated"])
            spans[part] = span

    def _apply(self, head: Mapping[str, Any], change: Mapping[str, Any]) -> None:
        """Write a committed change into the partition and bucket files (idempotent)."""
        by_part: dict[int, dict[str, Any]] = {}
        for n, record in change.get("tickets", {}).items():
            by_part.setdefault(int(n) // PARTITION, {})[n] = record
        for part, records in by_part.items():
            storage = self._file(f"t{part:06d}.json")
            tables = storage.read() or {}
            tickets, summaries = dict(tables.get("tickets", {})), dict(tables.get("summary", {}))
            fresh = {n: r for n, r in records.items() if len(tickets.get(n, {}).get("events", ())) < len(r["events"])}
            if fresh:
                tickets.update(fresh)
                summaries.update({n: self._summary(int(n), r) for n, r in fresh.items()})
                self._write(storage, {"tickets": tickets, "summary": summaries})
        for kind, values in (("k", change.get("keys", {})), ("m", change.get("memo", {}))):
            by_bucket: dict[str, dict[str, Any]] = {}
            for key, value in values.items():
                by_bucket.setdefault(_bucket_name(kind, key), {})[key] = value
            for name, entries in by_bucket.items():
                storage = self._file(name)
                current = dict(((storage.read() or {}).get("entries") or {}).get("1", {}))
                if any(current.get(k, _MISSING) != v for k, v in entries.items()):
                    current.update(entries)
                    self._write(storage, {"entries": {"1": current}})

    def _read_head(self) -> Mapping[str, Any]:
        head = self._read(self._head)
        if head and "meta" not in head and "tickets" in head:  # the single-file layout: convert it once
            with self._exclusive():
                head = self._read(self._head)
                if "meta" not in head:
                    convert_single_file(self, head)
                    head = self._read(self._head)
        return head

    def _read(self, storage: AtomicJSONStorage) -> Mapping[str, Any]:
        try:
            return storage.read() or {}
        except (OSError, ValueError) as exc:
            raise StoreError(messages.STORE_UNREADABLE, location=storage.path, problem=exc) from None

    def _write(self, storage: AtomicJSONStorage, tables: dict[str, Any]) -> None:
        try:
            storage.write(tables)
        except OSError as exc:
            raise write_error(str(storage.path), exc) from None

    def _file(self, name: str) -> AtomicJSONStorage:
        storage = self._files.get(name)
        if storage is None:
            storage = self._files[name] = AtomicJSONStorage(self.folder / name)
        return storage

    def _partition_records(self, head: Mapping[str, Any], part: int) -> dict[int, dict[str, Any]]:
        records = {int(n): r for n, r in self._read(self._file(f"t{part:06d}.json")).get("tickets", {}).items()}
        for n, record in _pending(head)["tickets"].items():
            if int(n) // PARTITION == part:
                records[int(n)] = record
        return records

    def _record(self, head: Mapping[str, Any], number: int) -> dict[str, Any] | None:
        pending = _pending(head)["tickets"].get(str(number))
        if pending is not None:
            return pending
        return self._read(self._file(f"t{number // PARTITION:06d}.json")).get("tickets", {}).get(str(number))

    def _bucket(self, kind: str, key: str) -> Mapping[str, Any]:
        return (self._read(self._file(_bucket_name(kind, key))).get("entries") or {}).get("1", {})

    def _key(self, head: Mapping[str, Any], key: str) -> str | None:
        return _pending(head)["keys"].get(key) or self._bucket("k", key).get(key)

    def _memo(self, head: Mapping[str, Any], key: str) -> Any:
        pending = _pending(head)["memo"]
        return pending[key] if key in pending else self._bucket("m", key).get(key)

    def _scan(self, keep: Callable[[Mapping[str, Any]], bool],
              keep_part: Callable[[Mapping[str, Any]], bool]) -> list[Ticket]:
        """Fold the tickets whose summary ``keep`` accepts, reading only partitions ``keep_part`` accepts."""
        with self._thread_lock:
            head = self._read_head()
            found: list[tuple[int, Mapping[str, Any]]] = []
            pending = _pending(head)["tickets"]
            for part, span in sorted(head.get("partitions", {}).items(), key=lambda item: int(item[0])):
                if not keep_part(span):
                    continue
                tables = self._read(self._file(f"t{int(part):06d}.json"))
                summaries, records = tables.get("summary", {}), tables.get("tickets", {})
                for n in sorted(set(summaries) | {k for k in pending if int(k) // PARTITION == int(part)}, key=int):
                    record = pending.get(n) or records[n]
                    summary = self._summary(int(n), record) if n in pending else summaries[n]
                    if keep(summary):
                        found.append((int(n), record))
            return skip_damaged(self._fold, found)


_MISSING = object()


def _pending(head: Mapping[str, Any]) -> Mapping[str, Any]:
    pending = (head.get("pending") or {}).get("1") or {}
    return {"tickets": pending.get("tickets", {}), "keys": pending.get("keys", {}), "memo": pending.get("memo", {})}


def _single(head: dict[str, Any], name: str) -> dict[str, Any]:
    """The one document of a small head table, copied so editing it is safe."""
    table = head.setdefault(name, {})
    document = dict(table.get("1", {}))
    table["1"] = document
    return document


def _bucket_name(kind: str, key: str) -> str:
    return f"{kind}{zlib.crc32(key.encode('utf-8')) % BUCKETS:02d}.json"


def _number_or_missing(ticket_id: str) -> int:
    try:
        return ticket_number(ticket_id)
    except (IndexError, ValueError):
        raise NotFound(messages.TICKET_NOT_FOUND, ticket_id=ticket_id) from None
