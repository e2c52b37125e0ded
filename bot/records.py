"""Ticket records checked against the domain's rules before anything folds or stores them.

One validator serves every way a record arrives: ``chatdesk import`` lines (``validated_import``)
and records read back from a store (``ticket_from_record``). Field types are declared as strict
pydantic models, so a string where an object belongs is an error that names the ticket and the
field, not an AttributeError deep in a fold; nothing is coerced. Unknown event types and extra
fields pass through as history.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from bot import messages
from bot.clock import parse_iso
from bot.domain import PRIORITIES, EventType, Ticket
from bot.errors import RecordError

log = logging.getLogger(__name__)

# Ticket numbers have at most 9 digits: every id the desk accepts can be typed back (T-999999999).
MAX_TICKET_NUMBER = 999_999_999

Text = Annotated[str, Field(min_length=1)]
Timestamp = Annotated[str, AfterValidator(lambda value: parse_iso(value) and value)]
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]


class _Strict(BaseModel):
    # strict: no silent coercion ("5" is not a score); extra fields are history, kept as they are
    model_config = ConfigDict(strict=True, extra="allow")


class PersonRecord(_Strict):
    platform: Text
    user_id: Text
    name: str | None = None
    contact: str | None = None


class SourceRecord(_Strict):
    platform: str | None = None
    channel: str | None = None
    message: str | None = None
    thread: str | None = None
    link: str | None = None


class EventRecord(_Strict):
    type: Text
    at: Timestamp
    actor: str = ""
    actor_name: str | None = None


class Opened(EventRecord):
    text: str | None = None
    category: str | None = None
    priority: Priority | None = None
    tags: list[str] = []
    on_behalf_of: str | None = None


class Said(EventRecord):
    text: str = ""
    message_id: str | None = None


class AssigneeRecord(_Strict):
    user_id: Text
    name: str | None = None


class Assigned(EventRecord):
    assignee: AssigneeRecord


class Moved(EventRecord):
    text: str | None = None
    reason: str | None = None
    auto: bool = False


class Noted(EventRecord):
    text: str


class Resolved(EventRecord):
    resolution: str | None = None
    article: str | None = None
    self_served: bool = False


class PrioritySet(EventRecord):
    priority: Priority


class Categorised(EventRecord):
    category: str | None = None


class Tagged(EventRecord):
    tags: list[str]


class SuggestionRecord(_Strict):
    slug: Text
    title: str | None = None
    url: str | None = None
    score: Annotated[float, Field(ge=0, le=1)] = 0.0


class Suggested(EventRecord):
    suggestions: list[SuggestionRecord] = []
    confident: bool | None = None


class Survey(EventRecord):
    score: Annotated[int, Field(ge=1, le=5)]
    comment: str | None = None


class Reminded(EventRecord):
    reason: str | None = None
    window: Annotated[int, Field(ge=1)] = 1


class Transferred(EventRecord):
    queue: Text
    from_: str | None = Field(default=None, alias="from")


class Linked(EventRecord):
    key: str | None = None


# What each known event type must carry; types not listed need only the common fields.
EVENT_MODELS: Mapping[str, type[EventRecord]] = {
    EventType.OPENED: Opened, EventType.MESSAGE: Said, EventType.REPLIED: Said, EventType.EDITED: Said,
    EventType.DELETED: Said, EventType.ASSIGNED: Assigned, EventType.WAITING: Moved,
    EventType.REOPENED: Moved, EventType.CLOSED: Moved, EventType.NOTED: Noted, EventType.RESOLVED: Resolved,
    EventType.PRIORITY: PrioritySet, EventType.CATEGORY: Categorised, EventType.TAGGED: Tagged,
    EventType.SUGGESTED: Suggested, EventType.SURVEY: Survey, EventType.REMINDED: Reminded,
    EventType.TRANSFERRED: Transferred, EventType.LINKED: Linked,
}


def _event_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, Mapping) else None
    return kind if isinstance(kind, str) and kind in EVENT_MODELS else OTHER


OTHER = "(other)"
# One union, chosen by the event's type, so a whole ticket is checked in one pass of pydantic's core.
AnyEvent = Annotated[
    Union[tuple(Annotated[model, Tag(kind)] for kind, model in {**EVENT_MODELS, OTHER: EventRecord}.items())],
    Discriminator(_event_tag),
]


class TicketRecord(_Strict):
    id: Text
    subject: str
    body: str
    requester: PersonRecord
    source: SourceRecord | None = None
    events: Annotated[list[AnyEvent], Field(min_length=1)]  # type: ignore[valid-type]


def ticket_number_of(record: Mapping[str, Any]) -> int:
    """The number of a record's ``T-<n>`` id, refused when malformed or out of range."""
    ticket_id = record.get("id")
    if not isinstance(ticket_id, str) or not ticket_id.startswith("T-") or not ticket_id[2:].isdigit():
        raise RecordError(f"id {ticket_id!r} is not of the form T-<number>", ticket_id=_name(record), field="id")
    number = int(ticket_id[2:])
    if not 1 <= number <= MAX_TICKET_NUMBER:
        raise RecordError(f"id {ticket_id} is out of range: ticket numbers go from 1 to {MAX_TICKET_NUMBER}",
                          ticket_id=ticket_id, field="id")
    return number


def check_record(record: Any) -> None:
    """Raise ``RecordError`` naming the ticket and the field when ``record`` breaks a rule."""
    if not isinstance(record, Mapping):
        raise RecordError("a ticket must be a JSON object", ticket_id="?", field="")
    ticket_id = _name(record)
    for name in ("id", "subject", "body", "requester", "events"):
        if name not in record:
            raise RecordError(f"missing field {name!r}", ticket_id=ticket_id, field=name)
    ticket_number_of(record)
    _validate(TicketRecord, record, ticket_id=ticket_id)
    if record["events"][0]["type"] != EventType.OPENED:
        raise RecordError("a ticket's first event must be 'opened'", ticket_id=ticket_id, field="events[0].type")


def ticket_from_record(record: Mapping[str, Any]) -> Ticket:
    """Check a record and fold it into its ticket; a record that breaks a rule raises ``RecordError``."""
    check_record(record)
    try:
        return Ticket.from_record(record)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a rule the models do not express
        raise RecordError(f"its history cannot be read ({exc})", ticket_id=_name(record), field="events") from None


def validated_import(record: Any) -> tuple[int, dict[str, Any]]:
    """Check one exported line and return its number and the record to store."""
    try:
        check_record(record)
        _check_text(record, ticket_id=_name(record), field="")  # what a store holds was encoded, so it is text
    except RecursionError:  # json.loads nests as deep as the interpreter allows; nothing real does
        raise RecordError("nested too deeply to be a ticket", ticket_id=_name(record), field="") from None
    number = ticket_number_of(record)
    requester = record["requester"]
    stored = {
        "id": f"T-{number}",
        "subject": record["subject"],
        "body": record["body"],
        "requester": dict(requester),
        "source": dict(record.get("source") or {"platform": requester["platform"], "channel": ""}),
        "events": [dict(event) for event in record["events"]],
    }
    ticket_from_record(copy.deepcopy(stored))  # a history that cannot be folded is refused here, whole
    return number, stored


# -- reading past damaged records --------------------------------------------------------

_damage: ContextVar[list[RecordError] | None] = ContextVar("damaged_records", default=None)
_logged: set[str] = set()


@contextmanager
def collecting_damage() -> Iterator[list[RecordError]]:
    """Collect the damaged records that reads inside the block skipped (for a command to report)."""
    found: list[RecordError] = []
    token = _damage.set(found)
    try:
        yield found
    finally:
        _damage.reset(token)


def skip_damaged(fold: Callable[[int, Mapping[str, Any]], Ticket],
                 items: Iterable[tuple[int, Mapping[str, Any]]]) -> list[Ticket]:
    """Fold each ``(number, record)``, leaving out (and reporting) the records that break a rule."""
    tickets = []
    for number, record in items:
        try:
            tickets.append(fold(number, record))
        except RecordError as error:
            collector = _damage.get()
            if collector is not None:
                collector.append(error)
            if error.message not in _logged:  # once per problem, not on every read of the store
                _logged.add(error.message)
                log.warning(messages.RECORD_SKIPPED.format(problem=error.message))
    return tickets


# -- helpers -------------------------------------------------------------------------------

def _validate(model: type[BaseModel], value: Any, *, ticket_id: str) -> None:
    try:
        model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _field(first["loc"])
        problem = first["msg"].split(" or instance of ")[0]  # the model's class name means nothing to a reader
        raise RecordError(f"{field or 'record'}: {problem[:1].lower()}{problem[1:]}",
                          ticket_id=ticket_id, field=field) from None


def _field(loc: tuple[Any, ...]) -> str:
    """``events[2].assignee`` from pydantic's ("events", 2, "assigned", "assignee"): the union's tag left out."""
    if len(loc) > 2 and loc[0] == "events" and isinstance(loc[1], int):
        loc = loc[:2] + loc[3:]
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int) and parts:
            parts[-1] += f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def _check_text(value: Any, *, ticket_id: str, field: str) -> None:
    """Refuse lone surrogates ("\\ud800" is valid JSON but not text): no store can write them."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise RecordError(f"{field or 'text'}: not valid Unicode (a lone surrogate "
                              f"{value[exc.start]!r} at character {exc.start + 1})",
                              ticket_id=ticket_id, field=field) from None
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_text(key, ticket_id=ticket_id, field=f"{field}.{key}".lstrip(".") + " (key)")
            _check_text(item, ticket_id=ticket_id, field=f"{field}.{key}".lstrip("."))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _check_text(item, ticket_id=ticket_id, field=f"{field}[{position}]")


def _name(record: Mapping[str, Any]) -> str:
    ticket_id = record.get("id")
    return ticket_id if isinstance(ticket_id, str) and len(ticket_id) <= 40 else "?"
