"""Intake forms: ``[intake] form = true`` with ``[[intake.fields]]`` asks for a request field by field.

Every form starts with the request itself ("What do you need help with?"); the configured fields
follow (at most four, so the whole form fits one Discord modal). Answers are stored on the
ticket's ``opened`` event (``fields``), shown in ``show`` and in the team's announcement, and a
field marked ``category = true`` whose answer names a category sets it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, StrictBool

from bot import messages
from bot.config_schema import Text, TextList, section
from bot.errors import UsageError

if TYPE_CHECKING:
    from bot.config import Config
    from bot.desk import Desk, Outcome
    from bot.domain import Actor, Ticket

REQUEST_FIELD = "request"
MAX_FIELDS = 4
ANSWER_LIMIT = 1000


@section
class IntakeField:
    """One ``[[intake.fields]]`` entry."""

    name: Annotated[Text, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    label: Annotated[Text, Field(min_length=1, max_length=45)]  # Discord's modal label limit
    required: StrictBool = False
    options: Annotated[TextList, Field(max_length=25)] = ()
    category: StrictBool = False  # the answer sets the ticket's category


@section
class IntakeSection:
    """``[intake]``: whether requests come through a form, and its fields."""

    form: StrictBool = False
    fields: Annotated[tuple[IntakeField, ...], Field(max_length=MAX_FIELDS)] = ()

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if REQUEST_FIELD in names or len(set(names)) != len(names):
            raise ValueError(f"field names must differ from each other and from {REQUEST_FIELD!r}")


@dataclass(frozen=True, slots=True)
class FormField:
    """A question of the intake form as adapters show it."""

    name: str
    label: str
    required: bool
    options: tuple[str, ...] = ()
    sets_category: bool = False


def intake_settings(desk: Desk) -> IntakeSection:
    return desk.config.validated("intake") or IntakeSection()


def form_fields(desk: Desk) -> tuple[FormField, ...]:
    """The questions, the request first; empty when the team has no intake form."""
    settings = intake_settings(desk)
    if not settings.form:
        return ()
    return (FormField(REQUEST_FIELD, messages.FORM_REQUEST_LABEL, True),
            *(FormField(f.name, f.label, f.required, f.options, f.category) for f in settings.fields))


def check_answers(fields: tuple[FormField, ...], answers: Mapping[str, str]) -> dict[str, str]:
    """The answers, trimmed; a missing required one or an answer not among the options names the field."""
    checked: dict[str, str] = {}
    for field in fields:
        value = " ".join(str(answers.get(field.name, "")).split()) if field.name != REQUEST_FIELD \
            else str(answers.get(field.name, "")).strip()
        if not value:
            if field.required:
                raise UsageError(messages.FORM_REQUIRED, label=field.label)
            continue
        if field.options:
            match = next((o for o in field.options if o.casefold() == value.casefold()), None)
            if match is None:
                raise UsageError(messages.FORM_NOT_AN_OPTION, label=field.label, value=value,
                                 options=", ".join(field.options))
            value = match
        checked[field.name] = value[:ANSWER_LIMIT]
    return checked


def submit(desk: Desk, actor: Actor, answers: Mapping[str, str], *, channel: str, message_id: str,
           link: str | None = None) -> Outcome:
    """Open a ticket from a filled-in form (``message_id``: the submission's id, for dedupe)."""
    from bot.desk import Inbound

    fields = form_fields(desk)
    checked = check_answers(fields, answers)
    extra = {name: value for name, value in checked.items() if name != REQUEST_FIELD}
    category = next((desk.config.category(extra[f.name]) for f in fields
                     if f.sets_category and f.name in extra and desk.config.category(extra[f.name])), None)
    inbound = Inbound(actor=actor, text=checked[REQUEST_FIELD], channel=channel, message_id=message_id, link=link)
    return desk.open_ticket(inbound, fields=extra, category=category.name if category else None)


def field_lines(ticket: Ticket, config: Config) -> tuple[str, ...]:
    """The form's answers as ``label: value`` lines (labels from the form, else the field names)."""
    answers = ticket.events[0].get("fields") if ticket.events else None
    if not isinstance(answers, Mapping):
        return ()
    settings: IntakeSection = config.validated("intake") or IntakeSection()
    labels = {f.name: f.label for f in settings.fields}
    return tuple(messages.FORM_ANSWER.format(label=labels.get(name, name), value=value)
                 for name, value in answers.items())


def button_key(platform: str, channel: str) -> str:
    return f"intake-form-button:{platform}:{channel}"


def keep_button(desk: Desk, *, platform: str, channel: str, exists: Callable[[str], bool],
                post: Callable[[], str], find: Callable[[], str | None] | None = None) -> str | None:
    """Keep one "New ticket" message in ``channel``: post it when none was posted, or when the one
    posted is gone; the new message's id, or ``None`` when the one there still is.

    The id is kept in the store (a restart finds it again), and only one process at a time looks
    (replicas sharing a store post one copy). Before posting, ``find`` looks in the channel for
    one the store does not know (posted just before a crash, its id never stored) and keeps that
    one. ``exists`` or ``find`` raising means "cannot tell": then nothing is posted, since a second
    copy in the channel is worse than a late one.
    """
    store = desk.service.store
    key = button_key(platform, channel)
    with store.exclusive(key) as mine:
        if not mine:
            return None  # another process is seeing to it right now
        known = store.recall(key)
        if isinstance(known, str) and known and exists(known):
            return None
        if find is not None and (there := find()):
            store.put(key, there)
            return None
        posted = post()
        if posted:
            store.put(key, posted)
        return posted or None
