"""Team queues: a ticket belongs to the queue its category routes to, or the one it was moved to."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import EventType, Ticket
from bot.workflow.settings import QueueSection

TRANSFERRED = EventType.TRANSFERRED


def queue_of(ticket: Ticket, queues: Sequence[QueueSection]) -> QueueSection | None:
    """The ticket's queue: the last transfer wins, else the first queue listing its category."""
    moved = ticket.last_event(TRANSFERRED)
    if moved is not None:
        found = find_queue(str(moved.get("queue", "")), queues)
        if found is not None:
            return found
    category = (ticket.category or "").casefold()
    return next((q for q in queues if category and category in {c.casefold() for c in q.categories}), None)


def find_queue(name: str, queues: Sequence[QueueSection]) -> QueueSection | None:
    wanted = name.strip().casefold()
    return next((q for q in queues if q.name.casefold() == wanted), None)


def queues_of_agent(user_id: str, queues: Sequence[QueueSection]) -> list[QueueSection]:
    """The queues that list ``user_id`` among their agents."""
    return [q for q in queues if user_id.casefold() in {a.casefold() for a in q.agents}]
