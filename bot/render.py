"""Plain-text views of tickets (show, queue, checklists), shared by every adapter."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot import messages
from bot.clock import parse_iso
from bot.config import Config
from bot.domain import ACTIVE_STATES, State, Ticket
from bot.replies import Suggestion
from bot.intake_form import field_lines
from bot.story import story_lines

if TYPE_CHECKING:
    from bot.service import TicketService


def age(since: str, now: dt.datetime) -> str:
    """A short human age: ``5m``, ``3h``, ``2d``."""
    minutes = max(0, int((now - parse_iso(since)).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"


def checklist_lines(config: Config, ticket: Ticket) -> tuple[str, ...]:
    """The claim checklist of the ticket's category, or nothing."""
    category = config.category(ticket.category) if ticket.category else None
    if category is None or not category.checklist:
        return ()
    return (messages.CLAIMED_CHECKLIST.format(category=category.name),
            *(messages.CHECKLIST_ITEM.format(item=item) for item in category.checklist))


def queue_line(service: TicketService, ticket: Ticket) -> str:
    now = service.clock.now()
    parts = [f"{ticket.id}", f"[{ticket.state.value}]"]
    if ticket.priority != "normal":
        parts.append(ticket.priority.upper())
    if ticket.category:
        parts.append(ticket.category)
    parts.append(messages.QUEUE_AGE.format(age=age(ticket.opened_at, now)))
    owner = messages.QUEUE_HELD_BY.format(name=ticket.assignee.name) if ticket.assignee else ""
    flag = messages.QUEUE_FLAGGED if ticket.escalated and not ticket.assignee else ""
    return messages.QUEUE_LINE.format(parts=" · ".join(parts), subject=ticket.subject, owner=owner, flag=flag)


def queue_lines(service: TicketService, tickets: list[Ticket]) -> tuple[str, ...]:
    return tuple(queue_line(service, t) for t in tickets)


def ticket_lines(service: TicketService, ticket: Ticket, *, for_agent: bool,
                 everything: bool = False) -> tuple[str, ...]:
    """A ticket's details and its story; internal notes only for agents."""
    when = service.describe_time
    lines = [messages.SHOW_TITLE.format(ticket_id=ticket.id, subject=ticket.subject)]
    status = messages.SHOW_STATE.format(state=ticket.state.value)
    if ticket.assignee:
        status += messages.SHOW_HELD_BY.format(name=ticket.assignee.name, since=when(ticket.assignee.since))
    lines.append(status)
    lines.append(messages.SHOW_REQUESTER.format(name=ticket.requester.name, platform=ticket.requester.platform))
    lines.append(messages.SHOW_FIELDS.format(category=ticket.category or "-", priority=ticket.priority,
                                             tags=", ".join(ticket.tags) or "-"))
    lines.append(messages.SHOW_OPENED.format(when=when(ticket.opened_at)))
    lines += field_lines(ticket, service.config)
    if ticket.suggestions:
        offered = ", ".join(messages.SHOW_SUGGESTION.format(title=s.title, confidence=s.confidence)
                            for s in map(Suggestion.from_record, ticket.suggestions))
        lines.append(messages.SHOW_SUGGESTED.format(offered=offered))
    if ticket.resolution or ticket.article:
        how = messages.SHOW_SELF_SERVED if ticket.self_served else messages.SHOW_BY_TEAM
        article = messages.SHOW_ARTICLE.format(slug=ticket.article) if ticket.article else ""
        lines.append(messages.SHOW_RESOLUTION.format(how=how, resolution=ticket.resolution or "-", article=article))
    lines += story_lines(ticket, when=when, for_agent=for_agent, everything=everything)
    return tuple(lines)


def status_line(ticket: Ticket) -> str:
    """A ticket's state and owner in a few words, as its intake message shows them."""
    owner = ticket.assignee.name if ticket.assignee else "-"
    text = {
        State.OPEN: messages.STATE_OPEN,
        State.CLAIMED: messages.STATE_CLAIMED,
        State.WAITING: messages.STATE_WAITING,
        State.RESOLVED: messages.STATE_RESOLVED,
        State.CLOSED: messages.STATE_CLOSED,
    }[ticket.state].format(owner=owner)
    if ticket.escalated and ticket.state in ACTIVE_STATES:
        text += messages.STATE_FLAG.format(flag=messages.STATE_ESCALATED)
    return text
