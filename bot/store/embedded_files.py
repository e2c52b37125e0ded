"""The partitioned embedded store's bulk side: maintenance methods and the single-file conversion."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from typing import Any

from bot.domain import Ticket
from bot.store.embedded_journal import BUCKETS, PARTITION, REQUESTER_INDEX, Change, bucket_name, requester_key


class EmbeddedMaintenance:
    """Raw records, the counter, keys and memo in bulk (``chatdesk store check`` and ``copy``)."""

    def _parts(self) -> list[int]:
        return sorted(int(p.stem[1:]) for p in self.folder.glob("t*.json") if p.stem[1:].isdigit())

    def raw_tickets(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        """Every stored ticket record, by number, readable or not (the pending change included)."""
        head = self._read_head()
        parts = sorted(set(self._parts()) | {int(p) for p in head.get("partitions", {})})
        for part in parts:
            yield from sorted(self._partition_records(head, part).items())

    def next_number(self) -> int:
        return int((self._read_head().get("counters") or {}).get("1", {}).get("next_ticket", 1))

    def set_next_number(self, number: int) -> None:
        from bot.store.embedded import _single

        def body(head: dict[str, Any], change) -> None:
            _single(head, "counters")["next_ticket"] = number
            change.head_only = True

        self._commits.run(body)

    def compact(self) -> None:
        """Apply every pending entry to its partition or bucket file (``chatdesk store check --repair``)."""
        def body(head: dict[str, Any], change: Change) -> None:
            change.head_only = True
            self._compact_all = True

        self._commits.run(body)

    def _index_requesters(self, pending: Change, batch: Change) -> None:
        """Add each changed ticket's partition to its requester's line of the index, if not there yet."""
        for n, record in batch.tickets.items():
            summary = self._summary(int(n), record)
            if summary["state"] == "unreadable":
                continue
            who, part = requester_key(summary["platform"], summary["user"]), int(n) // PARTITION
            parts = batch.requesters.get(who) or self._requester_parts(pending.to_record(), who)
            if part not in parts:
                batch.requesters[who] = sorted({*parts, part})

    def _requester_parts(self, pending: Mapping[str, Any], who: str) -> list[int]:
        if who in pending.get("requesters", {}):
            return list(pending["requesters"][who])
        return list(self._bucket("r", who).get(who) or ())

    def key_map(self) -> dict[str, str]:
        return self._entries("k")

    def memo_map(self) -> dict[str, Any]:
        return self._entries("m")

    def _entries(self, kind: str) -> dict[str, Any]:
        from bot.store.embedded import _pending

        head = self._read_head()
        found: dict[str, Any] = {}
        for bucket in range(BUCKETS):
            found.update((self._read(self._file(f"{kind}{bucket:02d}.json")).get("entries") or {}).get("1", {}))
        found.update(_pending(head)["keys" if kind == "k" else "memo"])
        return found

    def restore(self, *, keys: Mapping[str, str], memo: Mapping[str, Any]) -> None:
        def body(head: dict[str, Any], change) -> None:
            change.keys.update(keys)
            change.memo.update(memo)

        self._commits.run(body)

    def reindex(self) -> int:
        """Rebuild every summary (in the partitions and the head's active list) from the events."""
        from bot.store.queries import is_active, summary_of

        changed = 0
        with self._exclusive():
            head = {name: dict(table) for name, table in self._read_head().items()}
            owed = Change.pending_in(head)
            if owed.size():  # the journal's entries into their files first: summaries are rebuilt there
                self._apply(owed)
                head["pending"] = {}
                self._write(self._head, head)
            active, spans, requesters = {}, {}, {}
            for part in self._parts():
                storage = self._file(f"t{part:06d}.json")
                tables = self._read(storage)
                tickets, summaries = tables.get("tickets", {}), dict(tables.get("summary", {}))
                for n, record in tickets.items():
                    try:
                        fresh = summary_of(Ticket.from_record(record))
                    except (KeyError, TypeError, ValueError):
                        continue
                    if summaries.get(n) != fresh:
                        summaries[n], changed = fresh, changed + 1
                    if is_active(fresh):
                        active[n] = fresh
                    requesters.setdefault(requester_key(fresh["platform"], fresh["user"]), set()).add(part)
                    span = spans.setdefault(str(int(n) // PARTITION), {"opened": fresh["opened"],
                                                                        "updated": fresh["updated"]})
                    span["opened"] = min(span["opened"], fresh["opened"])
                    span["updated"] = max(span["updated"], fresh["updated"])
                if summaries != tables.get("summary", {}):
                    self._write(storage, {"tickets": dict(tickets), "summary": summaries})
            self._rebuild_requester_index(requesters)
            meta = dict((head.get("meta") or {}).get("1", {}))
            if (active != head.get("active", {}) or spans != head.get("partitions", {})
                    or not meta.get(REQUESTER_INDEX)):
                head["active"], head["partitions"] = active, spans
                head["meta"] = {"1": {**meta, REQUESTER_INDEX: True}}
                self._write(self._head, head)
        return changed

    def _rebuild_requester_index(self, requesters: Mapping[str, set[int]]) -> int:
        """Rewrite the requester index files from what the partitions hold; returns the lines changed."""
        files: dict[str, dict[str, list[int]]] = {f"r{bucket:02d}.json": {} for bucket in range(BUCKETS)}
        for who, parts in requesters.items():
            files[bucket_name("r", who)][who] = sorted(parts)
        changed = 0
        for name, entries in files.items():
            storage = self._file(name)
            try:
                current = ((storage.read() or {}).get("entries") or {}).get("1", {})
            except (OSError, ValueError):
                current = None  # unreadable: rewritten from the partitions
            if current != entries:
                changed += 1
                self._write(storage, {"entries": {"1": entries}})
        return changed

    def index_problems(self) -> list[str]:
        """What is wrong with the requester index (``chatdesk store check``); ``reindex`` rebuilds it."""
        head = self._read_head()
        if not (head.get("meta") or {}).get("1", {}).get(REQUESTER_INDEX):
            return ["the requester index is missing"]
        expected: dict[str, set[int]] = {}
        for number, record in self.raw_tickets():
            summary = self._summary(number, record)
            if summary["state"] != "unreadable":
                expected.setdefault(requester_key(summary["platform"], summary["user"]), set()).add(
                    number // PARTITION)
        stored: dict[str, list[int]] = {}
        for bucket in range(BUCKETS):
            name = f"r{bucket:02d}.json"
            try:
                stored.update(((self._file(name).read() or {}).get("entries") or {}).get("1", {}))
            except (OSError, ValueError):
                return [f"the requester index file {name} can't be read"]
        stored.update((Change.pending_in(head)).requesters)
        wrong = sorted(who for who, parts in expected.items() if not parts <= set(stored.get(who) or ()))
        return [f"the requester index misses tickets of {len(wrong)} requesters"] if wrong else []


def convert_single_file(store, tables: Mapping[str, Any]) -> None:
    """Turn a single-file store (every ticket in ``tickets.json``) into partitions; keep a copy of it."""
    from bot.store.embedded import LAYOUT

    backup = store.path.with_name(f"{store.path.stem}.single-file{store.path.suffix}")
    if not backup.exists():
        shutil.copy2(store.path, backup)
    change = Change()
    change.tickets = dict(tables.get("tickets", {}))
    change.keys = dict((tables.get("keys") or {}).get("1", {}))
    change.memo = dict((tables.get("memo") or {}).get("1", {}))
    head: dict[str, Any] = {"meta": {"1": {"layout": LAYOUT, "partition_size": PARTITION,
                                            "converted_from": backup.name}},
                            "counters": {"1": dict((tables.get("counters") or {}).get("1", {}))}}
    readable = Change()
    for n, record in change.tickets.items():
        try:
            store._fold(int(n), record)
        except (KeyError, TypeError, ValueError):
            continue  # kept in its partition, reported by 'chatdesk store check'
        readable.tickets[n] = record
    store._summarise(head, readable)
    store._index_requesters(Change(), readable)
    change.requesters = readable.requesters
    head["meta"]["1"][REQUESTER_INDEX] = True
    store._apply(change)  # partitions and buckets first: the head switches last
    store._write(store._head, head)
