"""The embedded ticket store, partitioned: a write costs the same at 100 tickets and at 100,000.

Every file is a TinyDB database a person can read. ``tickets.json`` (the head) holds the
counter, the summaries of the active tickets, one line per partition (its time span) and the
committed changes not yet applied to the other files (``pending``, see ``embedded_journal``).
Beside it, ``tickets.d/`` holds the tickets in files of ``PARTITION`` numbers each
(``t000000.json``: records and their summaries), and the keys and the memo spread over
``BUCKETS`` files by a hash of the key (``k07.json``, ``m07.json``).

A commit, under the file lock: run the queued changes in turn on the freshest data (group
commit: writers waiting together share one commit, see ``group_commit``); if pending has grown
past its limit, apply some earlier, already durable entries to their files; then replace the
head with the new counter, summaries and pending: the commit point, one atomic rename. A reader
prefers ``pending`` to a partition or bucket file, so it always sees the last commit; readers
take no lock. A store file of the single-file layout is converted on first open (a copy is
kept beside it).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from bot import messages
from bot.domain import Person, Source, Ticket, new_record, ticket_number
from bot.errors import NotFound, StoreError
from bot.store.atomic_storage import AtomicJSONStorage
from bot.store.base import Decide, ImportReport, NewTicket, linked_keys
from bot.store.embedded_files import EmbeddedMaintenance, convert_single_file
from bot.store.embedded_journal import (
    BUCKETS, PARTITION, PENDING_SOFT, REQUESTER_INDEX, Change, bucket_name, partition_name, requester_key,
)
from bot.store.group_commit import GroupCommit, Request
from bot.store.locking import FileLocking
from bot.store.queries import number_of, Folding, is_active, is_requester, may_touch, summary_of, touches
from bot.records import skip_damaged
from bot.store.tinydb_store import SingleFileStore, validated_lines, write_error

LAYOUT = 2
__all__ = ["BUCKETS", "LAYOUT", "PARTITION", "Change", "TinyTicketStore"]


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
        self._commits = GroupCommit(self._commit_batch)
        self._compact_all = False
        self.fault_hook: Callable[[str], None] | None = None

    @classmethod
    def at(cls, path: str | Path) -> TinyTicketStore:
        """Open (or create) the store whose head file is ``path``."""
        return cls(path)

    @staticmethod
    def memory() -> SingleFileStore:
        """A store that lives only as long as the object: the twin for fast tests."""
        return SingleFileStore.memory()

    # -- reading (no lock: files are replaced whole, and the head is read before what it names) --

    def get(self, ticket_id: str) -> Ticket | None:
        number = number_of(ticket_id)
        if number is None:
            return None
        record = self._record(self._read_head(), number)
        return self._fold(number, record) if record else None

    def find(self, key: str) -> Ticket | None:
        ticket_id = self._key(self._read_head(), key)
        return self.get(ticket_id) if ticket_id else None

    def recall(self, key: str) -> Any:
        import copy

        return copy.deepcopy(self._memo(self._read_head(), key))

    def tickets(self) -> list[Ticket]:
        return skip_damaged(self._fold, self.raw_tickets())

    def active(self) -> list[Ticket]:
        head = self._read_head()
        numbers = sorted(int(n) for n, summary in head.get("active", {}).items() if is_active(summary))
        return skip_damaged(self._fold, ((n, record) for n in numbers if (record := self._record(head, n))))

    def requested_by(self, platform: str, user_id: str) -> list[Ticket]:
        head = self._read_head()
        if not (head.get("meta") or {}).get("1", {}).get(REQUESTER_INDEX):  # a store from before the index
            return self._scan(lambda summary: is_requester(summary, platform, user_id), lambda part, span: True)
        parts = set(self._requester_parts(_pending(head), requester_key(platform, user_id)))
        return self._scan(lambda summary: is_requester(summary, platform, user_id), lambda part, span: part in parts,
                          head=head)

    def touched(self, since: dt.datetime, until: dt.datetime | None = None) -> list[Ticket]:
        candidates = self._scan(lambda summary: may_touch(summary, since, until),
                                lambda part, span: may_touch({"opened": span["opened"], "updated": span["updated"]},
                                                       since, until))
        return [ticket for ticket in candidates if touches(ticket, since, until)]

    def recent(self, limit: int) -> list[Ticket]:
        head = self._read_head()
        found: list[tuple[int, dict[str, Any]]] = []
        for part in sorted((int(p) for p in head.get("partitions", {})), reverse=True):
            if len(found) >= limit:
                break
            records = self._partition_records(head, part)
            found += [(n, records[n]) for n in sorted(records, reverse=True)[:limit - len(found)]]
        return skip_damaged(self._fold, reversed(found))

    # -- changing (each body runs in a group commit on the freshest head, see ``_commit_batch``) --

    def open(self, new: NewTicket, *, dedupe_key: str | None = None) -> tuple[Ticket, bool]:
        def body(head: dict[str, Any], change: Change) -> tuple[int, dict[str, Any], bool]:
            known = self._key(head, dedupe_key) if dedupe_key else None
            if known and (existing := self._record(head, ticket_number(known))):
                return ticket_number(known), existing, False
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
            return number, record, True

        number, record, created = self._commits.run(body)
        return self._fold(number, record), created

    def mutate(self, ticket_id: str, decide: Decide) -> Ticket:
        number = _number_or_missing(ticket_id)

        def body(head: dict[str, Any], change: Change) -> dict[str, Any]:
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
            return record

        return self._fold(number, self._commits.run(body))

    def link(self, key: str, ticket_id: str) -> None:
        self._commits.run(lambda head, change: change.keys.__setitem__(key, ticket_id))

    def remember(self, key: str, value: Any = True) -> bool:
        def body(head: dict[str, Any], change: Change) -> bool:
            if self._memo(head, key) is not None:
                return False
            change.memo[key] = value
            return True

        return self._commits.run(body)

    def put(self, key: str, value: Any) -> None:
        self._commits.run(lambda head, change: change.memo.__setitem__(key, value))

    def import_records(self, records: Iterable[tuple[int, Mapping[str, Any]]]) -> ImportReport:
        valid, errors = validated_lines(records)
        imported: list[str] = []

        def body(head: dict[str, Any], change: Change, lines: list[tuple[int, int, dict[str, Any]]]) -> None:
            counters = _single(head, "counters")
            for line, number, stored in lines:
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

        for start in range(0, len(valid), PARTITION):  # one commit per batch keeps the head small
            lines = valid[start:start + PARTITION]
            self._commits.run(lambda head, change: body(head, change, lines))
        return ImportReport(tuple(imported), tuple(sorted(errors)))

    def close(self) -> None:
        self._head.close()
        for storage in list(self._files.values()):
            storage.close()
        self._files.clear()

    # -- machinery -----------------------------------------------------------

    def _commit_batch(self, batch: list[Request[Any]]) -> None:
        """One commit of every queued change: run each in turn, then write the head once."""
        with self._exclusive():
            head = {name: dict(table) for name, table in self._read_head().items()}
            owed = Change.pending_in(head)  # earlier commits' entries the files do not have yet
            pending = Change.pending_in(head)  # what reads see: owed, then this batch's changes
            batch_change = Change()
            self._compact_all = False
            for request in batch:
                view = {name: dict(table) for name, table in head.items()}
                view["pending"] = {"1": pending.to_record()}
                change = Change()
                try:
                    request.result = request.body(view, change)
                except Exception as exc:  # a refused decision fails alone, writing nothing
                    request.error = exc
                    continue
                del view["pending"]
                head.update(view)
                pending.add(change)
                batch_change.add(change)
            if batch_change.is_empty():
                return
            head.setdefault("meta", {"1": {"layout": LAYOUT, "partition_size": PARTITION, REQUESTER_INDEX: True}})
            self._summarise(head, batch_change)
            self._index_requesters(pending, batch_change)
            due = owed.copy() if self._compact_all else owed.due()
            if due.size():
                self._apply(due)  # only durable entries reach the files before the head switches
                self._fault("applied")
            rest = owed.without(due)
            rest.add(batch_change)
            head["pending"] = {"1": rest.to_record()}
            self._fault("commit")
            self._write(self._head, head)
            self._fault("committed")
            if batch_change.size() > PENDING_SOFT:  # a bulk change (an import): straight on to the files
                self._apply(rest)
                head["pending"] = {"1": Change().to_record()}
                self._write(self._head, head)

    def _fault(self, point: str) -> None:
        """A test's fault-injection hook (``fault_hook``): called at each step of a commit."""
        if self.fault_hook is not None:
            self.fault_hook(point)

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

    def _apply(self, change: Change) -> None:
        """Write committed entries into their partition and bucket files (idempotent)."""
        by_part: dict[str, dict[str, Any]] = {}
        for n, record in change.tickets.items():
            by_part.setdefault(partition_name(int(n)), {})[n] = record
        for name, records in by_part.items():
            storage = self._file(name)
            tables = storage.read() or {}
            tickets, summaries = dict(tables.get("tickets", {})), dict(tables.get("summary", {}))
            fresh = {n: r for n, r in records.items() if len(tickets.get(n, {}).get("events", ())) < len(r["events"])}
            if fresh:
                tickets.update(fresh)
                summaries.update({n: self._summary(int(n), r) for n, r in fresh.items()})
                self._write(storage, {"tickets": tickets, "summary": summaries})
        for kind, values in (("k", change.keys), ("m", change.memo), ("r", change.requesters)):
            by_bucket: dict[str, dict[str, Any]] = {}
            for key, value in values.items():
                by_bucket.setdefault(bucket_name(kind, key), {})[key] = value
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
        if storage is None:  # two readers racing here keep the same one
            storage = self._files.setdefault(name, AtomicJSONStorage(self.folder / name))
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
        return self._read(self._file(partition_name(number))).get("tickets", {}).get(str(number))

    def _bucket(self, kind: str, key: str) -> Mapping[str, Any]:
        return (self._read(self._file(bucket_name(kind, key))).get("entries") or {}).get("1", {})

    def _key(self, head: Mapping[str, Any], key: str) -> str | None:
        return _pending(head)["keys"].get(key) or self._bucket("k", key).get(key)

    def _memo(self, head: Mapping[str, Any], key: str) -> Any:
        pending = _pending(head)["memo"]
        return pending[key] if key in pending else self._bucket("m", key).get(key)

    def _scan(self, keep: Callable[[Mapping[str, Any]], bool],
              keep_part: Callable[[int, Mapping[str, Any]], bool], *,
              head: Mapping[str, Any] | None = None) -> list[Ticket]:
        """Fold the tickets whose summary ``keep`` accepts, reading only partitions ``keep_part`` accepts."""
        head = head if head is not None else self._read_head()
        found: list[tuple[int, Mapping[str, Any]]] = []
        pending = _pending(head)["tickets"]
        for part, span in sorted(head.get("partitions", {}).items(), key=lambda item: int(item[0])):
            if not keep_part(int(part), span):
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
    return {"tickets": pending.get("tickets", {}), "keys": pending.get("keys", {}), "memo": pending.get("memo", {}),
            "requesters": pending.get("requesters", {})}


def _single(head: dict[str, Any], name: str) -> dict[str, Any]:
    """The one document of a small head table, copied so editing it is safe."""
    table = head.setdefault(name, {})
    document = dict(table.get("1", {}))
    table["1"] = document
    return document


def _number_or_missing(ticket_id: str) -> int:
    try:
        return ticket_number(ticket_id)
    except (IndexError, ValueError):
        raise NotFound(messages.TICKET_NOT_FOUND, ticket_id=ticket_id) from None
