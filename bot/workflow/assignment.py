"""Automatic assignment of new tickets to an on-duty agent: round-robin or least-busy.

Round-robin gives the ticket to the on-duty agent assigned least recently (never first), ties in
config order; least-busy to the one holding the fewest active tickets, ties the same way. With
team queues only the queue's agents are candidates. Nobody on duty leaves the ticket unclaimed,
and the first-response reminders take it from there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.clock import to_iso
from bot.domain import DESK_ACTOR, Event, EventType, Ticket
from bot.workflow.duty import DutyRoster, OnDuty
from bot.workflow.queues import queue_of
from bot.workflow.settings import QueueSection


def candidates(roster: DutyRoster, ticket: Ticket, queues: Sequence[QueueSection]) -> list[OnDuty]:
    """On-duty agents of the ticket's platform who may take it (its queue's agents, with queues)."""
    on_duty = roster.on_duty(ticket.source.platform)
    queue = queue_of(ticket, queues)
    if queue is None or not queue.agents:
        return on_duty
    members = {a.casefold() for a in queue.agents}
    return [agent for agent in on_duty if agent.user_id.casefold() in members]


def choose(mode: str, agents: Sequence[OnDuty], *, store, platform: str,
           config_order: Sequence[str]) -> OnDuty | None:
    """The agent a new ticket goes to under ``mode``; None when nobody may take it."""
    if not agents:
        return None
    order = {user.casefold(): position for position, user in enumerate(config_order)}

    def rank_in_config(agent: OnDuty) -> tuple[int, str]:
        return order.get(agent.user_id.casefold(), len(order)), agent.user_id

    if mode == "least-busy":
        held = Counter(t.assignee.user_id for t in store.active()
                       if t.assignee and t.source.platform == platform)
        return min(agents, key=lambda a: (held[a.user_id], *rank_in_config(a)))
    return min(agents, key=lambda a: (str(store.recall(last_assigned_key(platform, a.user_id)) or ""),
                                      *rank_in_config(a)))


def assign_to(store, ticket: Ticket, agent: OnDuty, *, mode: str, now) -> Ticket | None:
    """Record the desk's ``assigned`` event, unless someone took the ticket meanwhile."""
    def decide(current: Ticket) -> list[Event]:
        if current.assignee is not None:
            return []
        return [Event(EventType.ASSIGNED, to_iso(now), DESK_ACTOR.user_id, DESK_ACTOR.name,
                      {"assignee": {"user_id": agent.user_id, "name": agent.name}, "auto": mode})]

    updated = store.mutate(ticket.id, decide)
    if updated.assignee is None or updated.assignee.user_id != agent.user_id:
        return None
    store.put(last_assigned_key(ticket.source.platform, agent.user_id), to_iso(now))
    return updated


def last_assigned_key(platform: str, user_id: str) -> str:
    return f"assigned-last:{platform}:{user_id}"
