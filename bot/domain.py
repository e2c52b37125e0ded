"""Tickets as event histories: a ticket's state is whatever its appended events say.

Nothing here knows about storage or chat platforms. A ticket is stored as a small
record (id, subject, body, requester, source) plus its list of events; ``Ticket.from_record``
folds the events into the current view, so history is never rewritten.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.events import (
    ACTIVE_STATES, Assignee, Event, EventType, Standing, State, StateSpan, state_history, transition,
)

__all__ = [
    "ACTIVE_STATES", "DESK_ACTOR", "PRIORITIES", "Actor", "Assignee", "Event", "EventType", "Message", "Person", "Source",
    "State", "StateSpan", "Ticket", "acted_by_desk", "delivery_key", "new_record", "parse_ticket_id",
    "subject_from", "thread_key", "ticket_number",
]


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


# The desk itself, as the actor of what it records on its own (suggestions, reminders, surveys, auto-close).
DESK_ACTOR = Actor("system", "chatdesk", "chatdesk")
# Ids the desk has acted under in stored histories (older stores and imports say "bot" or "system").
DESK_ACTOR_IDS = frozenset({DESK_ACTOR.user_id, "bot", "system"})


def acted_by_desk(event: Event) -> bool:
    """True when the desk itself, not a person, recorded ``event``."""
    return event.actor in DESK_ACTOR_IDS


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

    def history(self, *, until: dt.datetime | None = None) -> tuple[StateSpan, ...]:
        """The ticket's spans of state and owner, oldest first (events after ``until`` ignored)."""
        return state_history(self.events, requester=self.requester.user_id, until=until)

    @property
    def survey_pending(self) -> bool:
        """The desk asked for a rating since the last resolution and no answer came yet."""
        resolved = self.last_event(EventType.RESOLVED)
        asked = self.last_event(EventType.SURVEY_ASKED)
        if resolved is None or asked is None or asked.at < resolved.at:
            return False
        return not self.survey or str(self.survey.get("at") or "") < asked.at

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
    if not events or events[0].type != EventType.OPENED:
        raise ValueError("a ticket's first event must be 'opened'")
    requester = Person.from_record(record["requester"])
    standing = Standing(State.OPEN)
    category: str | None = None
    priority = "normal"
    tags: tuple[str, ...] = ()
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
        standing = transition(standing, event, requester=requester.user_id)
        # What each event adds besides state and owner (those are ``transition``'s alone).
        if kind == EventType.OPENED:
            category = event.get("category", category)
            priority = event.get("priority", priority) or priority
            tags = tuple(event.get("tags", tags))
            # The opening message is the requester's, even when an agent opened it for them.
            conversation.append(Message(event.at, requester.user_id, requester.name, body, False,
                                        source.message))
        elif kind == EventType.MESSAGE:
            conversation.append(Message(event.at, event.actor, event.actor_name,
                                        str(event.get("text", "")), False, event.get("message_id")))
        elif kind == EventType.REPLIED:
            conversation.append(Message(event.at, event.actor, event.actor_name,
                                        str(event.get("text", "")), True, event.get("message_id")))
            first_response_at = first_response_at or event.at
        elif kind == EventType.CLAIMED:
            first_response_at = first_response_at or event.at
        elif kind == EventType.NOTED:
            notes.append(event)
        elif kind == EventType.RESOLVED:
            resolution = event.get("resolution")
            article = event.get("article")
            self_served = bool(event.get("self_served", False))
            resolved_at = event.at
        elif kind == EventType.REOPENED:
            resolution, self_served, resolved_at, closed_at = None, False, None, None
        elif kind == EventType.CLOSED:
            closed_at = event.at
        elif kind == EventType.PRIORITY:
            priority = str(event.get("priority", priority))
        elif kind == EventType.CATEGORY:
            category = event.get("category")
        elif kind == EventType.TAGGED:
            tags = tuple(event.get("tags", ()))
        elif kind == EventType.SUGGESTED:
            suggestions = tuple(event.get("suggestions", ()))
            confident = bool(event.get("confident", bool(suggestions)))
        elif kind == EventType.ESCALATED:
            escalated = True
        elif kind == EventType.SURVEY:
            survey = {"score": event.get("score"), "comment": event.get("comment"), "at": event.at}
        elif kind == EventType.EDITED and event.get("message_id") in (None, source.message):
            body = str(event.get("text", body))
        # other types (reminded, linked, deleted, unknown imports) are history only

    state = standing.state
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
        assignee=standing.owner if state in (State.CLAIMED, State.WAITING, State.RESOLVED, State.CLOSED) else None,
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

