"""A ticket's events, and the one rule that says how each event moves its state and owner.

``transition`` is the only place the ticket's state machine is written: the domain's fold
uses it for the current view, ``state_history`` uses it for the spans of state and owner
that the metrics read, so the two can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.clock import parse_iso


class State(StrEnum):
    """Where a ticket is in its life: open → claimed → waiting ↔ claimed → resolved → closed."""

    OPEN = "open"
    CLAIMED = "claimed"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


# The states someone still has to act on: the backlog, the queue, what reminders and SLAs watch.
ACTIVE_STATES: frozenset[State] = frozenset({State.OPEN, State.CLAIMED, State.WAITING})


class EventType(StrEnum):
    """The kinds of event a ticket's history holds; the values are the names stored on disk."""

    OPENED = "opened"
    MESSAGE = "message"  # the requester (or anyone not an agent) wrote in the thread
    REPLIED = "replied"  # an agent answered in the thread
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    UNCLAIMED = "unclaimed"
    WAITING = "waiting"
    NOTED = "noted"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    PRIORITY = "priority"
    CATEGORY = "category"
    TAGGED = "tagged"
    SUGGESTED = "suggested"
    ESCALATED = "escalated"
    SURVEY = "survey"
    SURVEY_ASKED = "survey_asked"
    EDITED = "edited"
    DELETED = "deleted"
    REMINDED = "reminded"
    LINKED = "linked"
    TRANSFERRED = "transferred"  # moved to another team's queue


@dataclass(frozen=True, slots=True)
class Event:
    """One appended fact about a ticket: what happened, when (UTC), by whom, with what data.

    ``type`` is an ``EventType`` for every known kind; an unknown kind from an import stays a
    plain string and is kept as history.
    """

    type: str
    at: str
    actor: str
    actor_name: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def moment(self) -> dt.datetime:
        return parse_iso(self.at)

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"type": str(self.type), "at": self.at, "actor": self.actor}
        if self.actor_name:
            record["actor_name"] = self.actor_name
        record.update(self.data)
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Event:
        data = {k: v for k, v in record.items() if k not in ("type", "at", "actor", "actor_name")}
        kind = str(record["type"])
        return cls(
            type=EventType(kind) if kind in EventType._value2member_map_ else kind,
            at=str(record["at"]),
            actor=str(record.get("actor", "")),
            actor_name=str(record.get("actor_name") or record.get("actor", "")),
            data=data,
        )

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass(frozen=True, slots=True)
class Assignee:
    """Who holds a ticket, and since when."""

    user_id: str
    name: str
    since: str

    def to_record(self) -> dict[str, str]:
        return {"user_id": self.user_id, "name": self.name}


@dataclass(frozen=True, slots=True)
class Standing:
    """A ticket's state and owner between two events."""

    state: State
    owner: Assignee | None = None


OPENED = Standing(State.OPEN)


def transition(standing: Standing, event: Event, *, requester: str) -> Standing:
    """The state and owner after ``event``; events that do not move the ticket leave it as it was."""
    kind, state, owner = event.type, standing.state, standing.owner
    if kind == EventType.CLAIMED:
        return Standing(State.CLAIMED, Assignee(event.actor, event.actor_name, event.at))
    if kind == EventType.ASSIGNED:
        target = event.get("assignee") or {}
        user_id = str(target.get("user_id"))
        return Standing(State.CLAIMED, Assignee(user_id, str(target.get("name") or user_id), event.at))
    if kind == EventType.UNCLAIMED:
        return OPENED
    if kind == EventType.WAITING:
        return Standing(State.WAITING, owner)
    if kind == EventType.MESSAGE and state is State.WAITING and event.actor == requester:
        return Standing(State.CLAIMED, owner)  # the customer answered: back to work
    if kind == EventType.RESOLVED:
        return Standing(State.RESOLVED, owner)
    if kind == EventType.REOPENED:
        return Standing(State.CLAIMED if owner else State.OPEN, owner)
    if kind == EventType.CLOSED:
        return Standing(State.CLOSED, owner)
    return standing


@dataclass(frozen=True, slots=True)
class StateSpan:
    """A stretch of a ticket's life in one state with one owner; ``end`` is None while it lasts."""

    state: State
    owner: Assignee | None
    start: dt.datetime
    end: dt.datetime | None

    def minutes(self) -> float | None:
        """How long the span lasted, in minutes (None while it lasts)."""
        return None if self.end is None else (self.end - self.start).total_seconds() / 60


def state_history(events: Iterable[Event], *, requester: str,
                  until: dt.datetime | None = None) -> tuple[StateSpan, ...]:
    """The ticket's spans of state and owner, oldest first, counting only events up to ``until``."""
    ordered = iter(events)
    first = next(ordered, None)
    if first is None:
        return ()
    spans: list[StateSpan] = []
    standing, since = OPENED, first.moment
    for event in ordered:
        at = event.moment
        if until is not None and at > until:
            continue
        after = transition(standing, event, requester=requester)
        if after.state is standing.state and _owner_id(after) == _owner_id(standing):
            continue
        spans.append(StateSpan(standing.state, standing.owner, since, at))
        standing, since = after, at
    spans.append(StateSpan(standing.state, standing.owner, since, None))
    return tuple(spans)


def _owner_id(standing: Standing) -> str | None:
    return standing.owner.user_id if standing.owner else None
