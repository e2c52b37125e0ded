"""The partitioned embedded store's bulk side: maintenance methods and the single-file conversion."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from typing import Any

from bot.domain import Ticket


class EmbeddedMaintenance:
    """Raw records, the counter, keys and memo in bulk (``chatdesk store check`` and ``copy``)."""

    def _parts(self) -> list[int]:
        return sorted(int(p.stem[1:]) for p in self.folder.glob("t*.json") if p.stem[1:].isdigit())

    def raw_tickets(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        """Every stored ticket record, by number, readable or not (the pending change included)."""
        with self._thread_lock:
            head = self._read_head()
            parts = sorted(set(self._parts()) | {int(p) for p in head.get("partitions", {})})
            items = [item for part in parts for item in sorted(self._partition_records(head, part).items())]
        yield from items

    def next_number(self) -> int:
        with self._thread_lock:
            return int((self._read_head().get("counters") or {}).get("1", {}).get("next_ticket", 1))

    def set_next_number(self, number: int) -> None:
        from bot.store.embedded import _single

        with self._writing() as (head, change):
            _single(head, "counters")["next_ticket"] = number
            change.head_only = True

    def key_map(self) -> dict[str, str]:
        return self._entries("k")

    def memo_map(self) -> dict[str, Any]:
        return self._entries("m")

    def _entries(self, kind: str) -> dict[str, Any]:
        from bot.store.embedded import BUCKETS, _pending

        with self._thread_lock:
            head = self._read_head()
            found: dict[str, Any] = {}
            for bucket in range(BUCKETS):
                found.update((self._read(self._file(f"{kind}{bucket:02d}.json")).get("entries") or {}).get("1", {}))
            found.update(_pending(head)["keys" if kind == "k" else "memo"])
            return found

    def restore(self, *, keys: Mapping[str, str], memo: Mapping[str, Any]) -> None:
        with self._writing() as (head, change):
            change.keys.update(keys)
            change.memo.update(memo)

    def reindex(self) -> int:
        """Rebuild every summary (in the partitions and the head's active list) from the events."""
        from bot.store.embedded import PARTITION
        from bot.store.queries import is_active, summary_of

        changed = 0
        with self._exclusive():
            head = {name: dict(table) for name, table in self._read_head().items()}
            active, spans = {}, {}
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
                    span = spans.setdefault(str(int(n) // PARTITION), {"opened": fresh["opened"],
                                                                        "updated": fresh["updated"]})
                    span["opened"] = min(span["opened"], fresh["opened"])
                    span["updated"] = max(span["updated"], fresh["updated"])
                if summaries != tables.get("summary", {}):
                    self._write(storage, {"tickets": dict(tickets), "summary": summaries})
            if active != head.get("active", {}) or spans != head.get("partitions", {}):
                head["active"], head["partitions"] = active, spans
                self._write(self._head, head)
        return changed


def convert_single_file(store, tables: Mapping[str, Any]) -> None:
    """Turn a single-file store (every ticket in ``tickets.json``) into partitions; keep a copy of it."""
    from bot.store.embedded import LAYOUT, PARTITION, Change

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
    store._apply(head, change.to_record())  # partitions and buckets first: the head switches last
    store._write(store._head, head)
