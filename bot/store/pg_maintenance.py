"""The PostgreSQL store's maintenance side: raw records, the sequence, keys and memo in bulk."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from psycopg.types.json import Jsonb

from bot.domain import Ticket

BATCH = 2000


class PostgresMaintenance:
    """Bulk reads and repairs (used by ``chatdesk store``), each in its own transaction."""

    def raw_tickets(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        """Every stored ticket record as stored, by number, streamed in batches."""
        after = 0
        while True:
            rows = self._read("SELECT number, record FROM tickets WHERE number > %s ORDER BY number LIMIT %s",
                              [after, BATCH])
            if not rows:
                return
            yield from ((int(n), record) for n, record in rows)
            after = int(rows[-1][0])

    def next_number(self) -> int:
        last, called = self._read("SELECT last_value, is_called FROM ticket_number")[0]
        return int(last) + 1 if called else int(last)

    def set_next_number(self, number: int) -> None:
        self._change(lambda conn, _: conn.execute("SELECT setval('ticket_number', %s, false)", [number]))

    def key_map(self) -> dict[str, str]:
        return {key: f"T-{number}" for key, number in self._read("SELECT key, number FROM ticket_keys")}

    def memo_map(self) -> dict[str, Any]:
        return dict(self._read("SELECT key, value FROM memo"))

    def restore(self, *, keys: Mapping[str, str], memo: Mapping[str, Any]) -> None:
        """Add keys and memo entries in one transaction (a copy between stores)."""
        def work(conn, retrying: bool) -> None:
            with conn.cursor() as cursor:
                cursor.executemany("INSERT INTO ticket_keys (key, number) VALUES (%s, %s) ON CONFLICT (key) "
                                   "DO UPDATE SET number = excluded.number",
                                   [(key, int(ticket_id.split("-", 1)[1])) for key, ticket_id in keys.items()])
                cursor.executemany("INSERT INTO memo (key, value) VALUES (%s, %s) ON CONFLICT (key) "
                                   "DO UPDATE SET value = excluded.value",
                                   [(key, Jsonb(value)) for key, value in memo.items()])

        self._change(work)

    def reindex(self) -> int:
        """Recompute the query columns of every readable ticket from its record; returns how many changed."""
        from bot.store.postgres import _row

        changed = 0
        for number, record in self.raw_tickets():
            try:
                ticket = Ticket.from_record(record)
            except (KeyError, TypeError, ValueError):
                continue
            row = _row(ticket, record)
            updated = self._change(lambda conn, _: conn.execute(
                "UPDATE tickets SET version = %s, state = %s, requester_platform = %s, requester_user = %s, "
                "assignee = %s, opened_at = %s, updated_at = %s WHERE number = %s AND (version, state, "
                "requester_platform, requester_user, coalesce(assignee, ''), opened_at, updated_at) IS DISTINCT "
                "FROM (%s, %s, %s, %s, coalesce(%s, ''), %s, %s)", [*row[2:], number, *row[2:]]).rowcount)
            changed += updated
        return changed
