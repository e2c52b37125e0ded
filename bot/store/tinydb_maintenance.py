"""The embedded store's maintenance side: raw records, the counter, keys and memo in bulk.

``bot.store.maintenance`` checks and copies any backend through these methods; here they are
for ``TinyTicketStore`` (a mixin, so the everyday store module stays about everyday changes).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from bot.domain import Ticket

TICKETS, SUMMARY, KEYS, MEMO, COUNTERS = "tickets", "summary", "keys", "memo", "counters"


class TinyMaintenance:
    """Bulk reads and repairs over the raw TinyDB tables (used by ``chatdesk store``)."""

    def raw_tickets(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        """Every stored ticket record as stored, by number, readable or not."""
        with self._thread_lock:
            table = self._tables().get(TICKETS, {})
            items = sorted((int(n), record) for n, record in table.items())
        yield from items

    def next_number(self) -> int:
        """The number the counter would give the next ticket."""
        with self._thread_lock:
            return int(self._tables().get(COUNTERS, {}).get("1", {}).get("next_ticket", 1))

    def set_next_number(self, number: int) -> None:
        with self._transaction() as txn:
            txn.singleton(COUNTERS)["next_ticket"] = number
            txn.dirty = True

    def key_map(self) -> dict[str, str]:
        """Every key and the ticket id it points at."""
        with self._thread_lock:
            return dict(self._tables().get(KEYS, {}).get("1", {}))

    def memo_map(self) -> dict[str, Any]:
        with self._thread_lock:
            return dict(self._tables().get(MEMO, {}).get("1", {}))

    def restore(self, *, keys: Mapping[str, str], memo: Mapping[str, Any]) -> None:
        """Add keys and memo entries in one change (a copy between stores)."""
        with self._transaction() as txn:
            txn.singleton(KEYS).update(keys)
            txn.singleton(MEMO).update(memo)
            txn.dirty = bool(keys or memo)

    def reindex(self) -> int:
        """Recompute every readable ticket's summary from its events; returns how many changed."""
        from bot.store.queries import summary_of

        changed = 0
        with self._transaction() as txn:
            summaries = txn.table(SUMMARY)
            for number, record in txn.table(TICKETS).items():
                try:
                    fresh = summary_of(Ticket.from_record(record))
                except (KeyError, TypeError, ValueError):
                    continue
                if summaries.get(number) != fresh:
                    summaries[number] = fresh
                    changed += 1
            for number in set(summaries) - set(txn.table(TICKETS)):
                del summaries[number]
                changed += 1
            txn.dirty = changed > 0
        return changed
