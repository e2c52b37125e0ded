"""Plain-text views of tickets (show, queue, checklists), shared by every adapter."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot import messages
from bot.clock import parse_iso
from bot.config import Config
from bot.domain import State, Ticket

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
            *(f"  [ ] {item}" for item in category.checklist))


def queue_line(service: TicketService, ticket: Ticket) -> str:
    now = service.clock.now()
    parts = [f"{ticket.id}", f"[{ticket.state.value}]"]
    if ticket.priority != "normal":
        parts.append(ticket.priority.upper())
    if ticket.category:
        parts.append(ticket.category)
    parts.append(f"{age(ticket.opened_at, now)} old")
    owner = f" (held by {ticket.assignee.name})" if ticket.assignee else ""
    flag = " ⚑ still needs help" if ticket.escalated and not ticket.assignee else ""
    return f"  {' · '.join(parts)}: {ticket.subject}{owner}{flag}"


def queue_lines(service: TicketService, tickets: list[Ticket]) -> tuple[str, ...]:
    return tuple(queue_line(service, t) for t in tickets)


def ticket_lines(service: TicketService, ticket: Ticket, *, for_agent: bool) -> tuple[str, ...]:
    """A ticket's details; internal notes only for agents."""
    when = service.describe_time
    lines = [f"{ticket.id}: {ticket.subject}"]
    status = f"  state: {ticket.state.value}"
    if ticket.assignee:
        status += f" (held by {ticket.assignee.name} since {when(ticket.assignee.since)})"
    lines.append(status)
    lines.append(f"  requester: {ticket.requester.name} ({ticket.requester.platform})")
    lines.append(f"  category: {ticket.category or '-'} · priority: {ticket.priority} · "
                 f"tags: {', '.join(ticket.tags) or '-'}")
    lines.append(f"  opened: {when(ticket.opened_at)}")
    if ticket.suggestions:
        offered = ", ".join(f"{s.get('title', s.get('slug'))} ({round(float(s.get('score', 0)) * 100)}%)"
                            for s in ticket.suggestions)
        lines.append(f"  suggested: {offered}")
    if ticket.resolution or ticket.article:
        how = "self-served" if ticket.self_served else "by the team"
        article = f" · article: {ticket.article}" if ticket.article else ""
        lines.append(f"  resolution ({how}): {ticket.resolution or '-'}{article}")
    lines.append("  conversation:")
    for message in ticket.conversation:
        who = f"{message.author_name}{' (agent)' if message.from_agent else ''}"
        lines.append(f"    {when(message.at)} {who}: {message.text}")
    if for_agent and ticket.notes:
        lines.append("  notes (internal):")
        for note in ticket.notes:
            lines.append(f"    {when(note.at)} {note.actor_name}: {note.get('text', '')}")
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
    if ticket.escalated and ticket.state in (State.OPEN, State.CLAIMED, State.WAITING):
        text += f" · {messages.STATE_ESCALATED}"
    return text
