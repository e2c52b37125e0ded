"""Tickets as event histories: a ticket's state is whatever its appended events say.

Nothing here knows about storage or chat platforms. A ticket is stored as a small
record (id, subject, body, requester, source) plus its list of events; ``Ticket.from_record``
folds the events into the current view, so history is never rewritten.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
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


PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
TICKET_ID = re.compile(r"^[Tt]-?(\d{1,9})$")


def parse_ticket_id(text: str) -> str | None:
    """Return the canonical ``T-<n>`` for ``T-7``, ``t7`` and the like, else ``None``."""
    match = TICKET_ID.match(text.strip())
    return f"T-{int(match.group(1))}" if match else None


def ticket_number(ticket_id: str) -> int:
    """The numeric part of a canonical ticket id."""
    return int(ticket_id.split("-", 1)[1])


@dataclass(frozen=True, slots=True)
class Person:
    """Someone on a chat platform; ``user_id`` is the platform's id (the name on the console)."""

    platform: str
    user_id: str
    name: str
    contact: str | None = None

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"platform": self.platform, "user_id": self.user_id, "name": self.name}
        if self.contact:
            record["contact"] = self.contact
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Person:
        return cls(
            platform=str(record["platform"]),
            user_id=str(record["user_id"]),
            name=str(record.get("name") or record["user_id"]),
            contact=record.get("contact"),
        )


@dataclass(frozen=True, slots=True)
class Actor(Person):
    """A person acting on the desk; the adapter says whether they are an agent, the core decides."""

    is_agent: bool = False

    def same_person(self, other: Person | None) -> bool:
        """True when ``other`` is this person on the same platform."""
        return other is not None and (other.platform, other.user_id) == (self.platform, self.user_id)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a ticket came from: the platform message and the thread its conversation lives in."""

    platform: str
    channel: str
    message: str | None = None
    thread: str | None = None
    link: str | None = None

    def to_record(self) -> dict[str, Any]:
        return {k: v for k, v in (
            ("platform", self.platform), ("channel", self.channel), ("message", self.message),
            ("thread", self.thread), ("link", self.link),
        ) if v is not None}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Source:
        return cls(
            platform=str(record.get("platform", "unknown")),
            channel=str(record.get("channel", "")),
            message=record.get("message"),
            thread=record.get("thread"),
            link=record.get("link"),
        )

    @property
    def thread_key(self) -> str | None:
        """The store key under which thread replies find this ticket."""
        ref = self.thread or self.message
        return thread_key(self.platform, self.channel, ref) if ref else None

    @property
    def delivery_key(self) -> str | None:
        """The idempotency key of the platform message that opened the ticket."""
        return delivery_key(self.platform, self.channel, self.message) if self.message else None


def thread_key(platform: str, channel: str, thread: str) -> str:
    """Key of a platform thread, for routing replies to their ticket."""
    return f"thread:{platform}:{channel}:{thread}"


def delivery_key(platform: str, channel: str, message: str) -> str:
    """Key of a platform message, so a redelivered message never opens a second ticket."""
    return f"msg:{platform}:{channel}:{message}"


@dataclass(frozen=True, slots=True)
class Event:
    """One appended fact about a ticket: what happened, when (UTC), by whom, with what data."""

    type: str
    at: str
    actor: str
    actor_name: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def moment(self) -> dt.datetime:
        return parse_iso(self.at)

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"type": self.type, "at": self.at, "actor": self.actor}
        if self.actor_name:
            record["actor_name"] = self.actor_name
        record.update(self.data)
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Event:
        data = {k: v for k, v in record.items() if k not in ("type", "at", "actor", "actor_name")}
        return cls(
            type=str(record["type"]),
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
class Message:
    """One line of a ticket's conversation."""

    at: str
    author: str
    author_name: str
    text: str
    from_agent: bool
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Ticket:
    """The current view of a ticket, derived from its record and events."""

    id: str
    subject: str
    body: str
    requester: Person
    source: Source
    events: tuple[Event, ...]
    state: State
    category: str | None
    priority: str
    tags: tuple[str, ...]
    assignee: Assignee | None
    notes: tuple[Event, ...]
    conversation: tuple[Message, ...]
    resolution: str | None
    article: str | None
    self_served: bool
    escalated: bool
    suggestions: tuple[Mapping[str, Any], ...]
    confident_suggestion: bool
    survey: Mapping[str, Any] | None
    opened_at: str
    first_response_at: str | None
    resolved_at: str | None
    closed_at: str | None
    updated_at: str

    @property
    def number(self) -> int:
        return ticket_number(self.id)

    @property
    def version(self) -> int:
        """How many events the ticket has; grows by one per change."""
        return len(self.events)

    @property
    def message_ids(self) -> frozenset[str]:
        return frozenset(m.message_id for m in self.conversation if m.message_id)

    def last_event(self, *types: str) -> Event | None:
        """The most recent event of one of ``types``."""
        for event in reversed(self.events):
            if event.type in types:
                return event
        return None

    def to_record(self) -> dict[str, Any]:
        """The export/storage record: stored fields, derived state, and the full history."""
        return {
            "id": self.id,
            "subject": self.subject,
            "body": self.body,
            "requester": self.requester.to_record(),
            "source": self.source.to_record(),
            "state": self.state.value,
            "category": self.category,
            "priority": self.priority,
            "tags": list(self.tags),
            "assignee": self.assignee.to_record() if self.assignee else None,
            "events": [event.to_record() for event in self.events],
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Ticket:
        """Fold a stored record's events into the current view of the ticket."""
        events = tuple(Event.from_record(e) for e in record["events"])
        return _fold(record, events)


def _fold(record: Mapping[str, Any], events: tuple[Event, ...]) -> Ticket:
    if not events or events[0].type != "opened":
        raise ValueError("a ticket's first event must be 'opened'")
    requester = Person.from_record(record["requester"])
    state = State.OPEN
    category: str | None = None
    priority = "normal"
    tags: tuple[str, ...] = ()
    assignee: Assignee | None = None
    notes: list[Event] = []
    conversation: list[Message] = []
    resolution = article = None
    self_served = escalated = confident = False
    suggestions: tuple[Mapping[str, Any], ...] = ()
    survey: Mapping[str, Any] | None = None
    body = str(record.get("body", ""))
    first_response_at = resolved_at = closed_at = None
    source = Source.from_record(record.get("source") or {"platform": requester.platform, "channel": ""})

    for event in events:
        kind = event.type
        if kind == "opened":
            category = event.get("category", category)
            priority = event.get("priority", priority) or priority
            tags = tuple(event.get("tags", tags))
            # The opening message is the requester's, even when an agent opened it for them.
            conversation.append(Message(event.at, requester.user_id, requester.name, body, False,
                                        source.message))
        elif kind == "message":
            conversation.append(Message(event.at, event.actor, event.actor_name,
                                        str(event.get("text", "")), False, event.get("message_id")))
            if state is State.WAITING and event.actor == requester.user_id:
                state = State.CLAIMED  # the customer answered: back to work
        elif kind == "replied":
            conversation.append(Message(event.at, event.actor, event.actor_name,
                                        str(event.get("text", "")), True, event.get("message_id")))
            first_response_at = first_response_at or event.at
        elif kind == "claimed":
            state = State.CLAIMED
            assignee = Assignee(event.actor, event.actor_name, event.at)
            first_response_at = first_response_at or event.at
        elif kind == "assigned":
            target = event.get("assignee") or {}
            state = State.CLAIMED
            assignee = Assignee(str(target.get("user_id")), str(target.get("name") or target.get("user_id")),
                                event.at)
        elif kind == "unclaimed":
            state, assignee = State.OPEN, None
        elif kind == "waiting":
            state = State.WAITING
        elif kind == "noted":
            notes.append(event)
        elif kind == "resolved":
            state = State.RESOLVED
            resolution = event.get("resolution")
            article = event.get("article")
            self_served = bool(event.get("self_served", False))
            resolved_at = event.at
        elif kind == "reopened":
            state = State.CLAIMED if assignee else State.OPEN
            resolution, self_served, resolved_at, closed_at = None, False, None, None
        elif kind == "closed":
            state = State.CLOSED
            closed_at = event.at
        elif kind == "priority":
            priority = str(event.get("priority", priority))
        elif kind == "category":
            category = event.get("category")
        elif kind == "tagged":
            tags = tuple(event.get("tags", ()))
        elif kind == "suggested":
            suggestions = tuple(event.get("suggestions", ()))
            confident = bool(event.get("confident", bool(suggestions)))
        elif kind == "escalated":
            escalated = True
        elif kind == "survey":
            survey = {"score": event.get("score"), "comment": event.get("comment"), "at": event.at}
        elif kind == "edited" and event.get("message_id") in (None, source.message):
            body = str(event.get("text", body))
        # other types (reminded, linked, deleted, unknown imports) are history only

    return Ticket(
        id=str(record["id"]),
        subject=str(record.get("subject", "")),
        body=body,
        requester=requester,
        source=source,
        events=events,
        state=state,
        category=category,
        priority=priority,
        tags=tags,
        assignee=assignee if state in (State.CLAIMED, State.WAITING, State.RESOLVED, State.CLOSED) else None,
        notes=tuple(notes),
        conversation=tuple(conversation),
        resolution=resolution,
        article=article,
        self_served=self_served,
        escalated=escalated,
        suggestions=suggestions,
        confident_suggestion=confident,
        survey=survey,
        opened_at=events[0].at,
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        closed_at=closed_at,
        updated_at=events[-1].at,
    )


def new_record(
    *, ticket_id: str, subject: str, body: str, requester: Person, source: Source, opened: Event
) -> dict[str, Any]:
    """The stored record of a fresh ticket, with its ``opened`` event."""
    return {
        "id": ticket_id,
        "subject": subject,
        "body": body,
        "requester": requester.to_record(),
        "source": source.to_record(),
        "events": [opened.to_record()],
    }


def subject_from(text: str, *, limit: int = 80) -> str:
    """A one-line subject from a message: its first line, cut at a word boundary."""
    line = next((part.strip() for part in text.strip().splitlines() if part.strip()), "")
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"

