"""Platform-neutral replies: what the core wants said; adapters decide how it looks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from enum import StrEnum

from bot import messages
from bot.domain import Person, Ticket
from bot.errors import DeskError


class Action(StrEnum):
    """Buttons the desk offers under a ticket; adapters namespace them (``chatdesk:claim:T-4``)."""

    SOLVED = "solved"
    NEED_HELP = "need_help"
    CLAIM = "claim"
    RESOLVE_FORM = "resolve_modal"  # opens the resolve form (agents), where the platform has forms
    NOTE_FORM = "note_modal"  # opens the note form (agents)

    @property
    def label(self) -> str:
        return {"solved": messages.BUTTON_SOLVED, "need_help": messages.BUTTON_NEED_HELP,
                "claim": messages.BUTTON_CLAIM, "resolve_modal": messages.BUTTON_RESOLVE_FORM,
                "note_modal": messages.BUTTON_NOTE_FORM}[self.value]

    @property
    def for_agents(self) -> bool:
        """An agent's button: never on a message the customer sees (they would only be refused)."""
        return self in AGENT_ACTIONS


# The requester's buttons go under the intake message; the agents' on the team announcement.
CUSTOMER_ACTIONS: tuple[Action, ...] = (Action.SOLVED, Action.NEED_HELP)
AGENT_ACTIONS: frozenset[Action] = frozenset({Action.CLAIM, Action.RESOLVE_FORM, Action.NOTE_FORM})


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A knowledge-base article offered for a request, with the help-site link and confidence."""

    slug: str
    title: str
    url: str
    score: float

    @property
    def confidence(self) -> str:
        return f"{round(self.score * 100)}%"

    def to_record(self) -> dict[str, object]:
        return {"slug": self.slug, "title": self.title, "url": self.url, "score": round(self.score, 4)}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Suggestion:
        """A suggestion as the ticket stored it (``to_record``), for rebuilding its intake message."""
        slug = str(record.get("slug", ""))
        return cls(slug, str(record.get("title", slug)), str(record.get("url", "")), float(record.get("score", 0)))


class Kind(StrEnum):
    """What a reply is about, so adapters can style it (and tests can assert it)."""

    INTAKE = "intake"
    CHANGED = "changed"  # a ticket moved: everyone in the thread should see it
    INFO = "info"  # an answer only the invoker needs (show, queue, help)
    REFUSED = "refused"  # nothing changed, and here is why
    USAGE = "usage"  # a command spelled wrongly: how to use it
    WHICH_TICKET = "which_ticket"  # a command that needs a ticket id and got none (nor a thread)
    ANNOUNCE = "announce"  # for the team channel
    SURVEY = "survey"  # ask the requester "how satisfied are you?" with 1–5 buttons
    NOTICE = "notice"  # the desk speaks up unprompted in a ticket's thread (a waiting nudge)


MACRO_FIELD = "macro"  # the macro picker of the reply and resolve forms


def announcement_name(ticket_id: str) -> str:
    """The ``once`` name of a new ticket's announcement to the team."""
    return f"announce:{ticket_id}"


@dataclass(frozen=True, slots=True)
class Reply:
    """One message from the desk.

    ``private`` replies go only to the person who acted (ephemeral where the platform can);
    ``ticket`` lets adapters post in the ticket's thread and refresh its intake message;
    ``mentions`` are the people to notify (a queue's agents), mentioned the platform's way;
    ``once`` names a post that is owed once per ticket however often its cause is handled (a
    new ticket's announcement, when the message is handled again after a crash): a durable
    outbox keys it by this name, prefixed with the platform; ``about`` names the form field a
    refusal is about (``MACRO_FIELD``), so a form shows it beside that field.
    """

    text: str
    kind: Kind = Kind.INFO
    ticket: Ticket | None = None
    private: bool = False
    lines: tuple[str, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    actions: tuple[Action, ...] = ()
    attachments: tuple[str, ...] = field(default=())
    mentions: tuple[Person, ...] = ()
    once: str | None = None
    about: str | None = None

    @classmethod
    def refusal(cls, error: DeskError) -> Reply:
        """A refused move, told only to the person who tried it."""
        return cls(error.message, kind=Kind.REFUSED, private=True)

    @property
    def refused(self) -> bool:
        """Nothing changed: a refusal or a usage answer (forms keep them next to the field)."""
        return self.kind in REFUSALS

    @property
    def full_text(self) -> str:
        """Text and detail lines as plain text (the console, and fallbacks)."""
        parts = [self.text, *self.lines]
        for number, suggestion in enumerate(self.suggestions, start=1):
            parts.append(f"  {number}. {suggestion.title} ({suggestion.confidence}) {suggestion.url}")
        if self.mentions:
            parts.append(messages.MENTIONS_LINE.format(names=", ".join(f"@{p.name}" for p in self.mentions)))
        return "\n".join(part for part in parts if part)


REFUSALS = frozenset({Kind.REFUSED, Kind.USAGE, Kind.WHICH_TICKET})
