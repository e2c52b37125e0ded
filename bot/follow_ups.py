"""What the desk does with messages in a ticket's thread, and with "Still need help".

A requester's follow-up in a resolved ticket reopens it and tells the team (and so its owner);
in a closed ticket it opens a new ticket that follows the old one, in the same thread; a
waiting customer's answer is announced to the owner. Every notice says which case it is.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from bot import messages
from bot.domain import Actor, State, Ticket
from bot.intake import is_small_talk
from bot.desk_platform import team_actions
from bot.replies import Kind, Reply

if TYPE_CHECKING:
    from bot.desk import Desk, Inbound, Outcome

QUOTE_LIMIT = 200


def on_thread_message(desk: Desk, inbound: Inbound) -> Outcome:
    """A message in some thread: joins its ticket, reopens it, or opens the ticket that follows it."""
    from bot.desk import Outcome

    actor = inbound.actor
    ticket = desk.service.find_by_thread(actor.platform, inbound.channel, inbound.thread)
    if ticket is None:
        return Outcome(ignored=messages.IGNORED_NOT_A_TICKET_THREAD)
    requester = not actor.is_agent and actor.same_person(ticket.requester)
    if requester and ticket.state is State.CLOSED:
        return desk.open_ticket(inbound, follows=ticket)  # its intake reply says what it follows
    before = ticket.state
    ticket, reopened = desk.service.follow_up(actor, ticket.id, inbound.text, message_id=inbound.message_id)
    text = _quote(inbound.text)
    if reopened:
        return Outcome(ticket=ticket, replies=[
            Reply(messages.FOLLOW_UP_REOPENED.format(name=actor.name, ticket_id=ticket.id), kind=Kind.CHANGED,
                  ticket=ticket),
            Reply(messages.FOLLOW_UP_REOPENED_ANNOUNCEMENT.format(name=actor.name, ticket_id=ticket.id,
                                                                  owner=_owner(ticket), text=text,
                                                                  subject=ticket.subject),
                  kind=Kind.ANNOUNCE, ticket=ticket, actions=team_actions(ticket)),
        ])
    if requester and before is State.WAITING and ticket.state is State.CLAIMED:
        return Outcome(ticket=ticket, replies=[Reply(
            messages.WAITING_ANSWERED_ANNOUNCEMENT.format(name=actor.name, ticket_id=ticket.id,
                                                          owner=_owner(ticket), text=text),
            kind=Kind.ANNOUNCE, ticket=ticket)])
    return Outcome(ticket=ticket)


def direct_message(desk: Desk, inbound: Inbound) -> Outcome:
    """A direct message to the bot: it joins the sender's active ticket from this conversation, or
    opens one (private intake: only the requester and the agents see it)."""
    from bot.desk import Outcome

    actor = inbound.actor
    if actor.is_agent:
        return Outcome(ignored=messages.IGNORED_AGENT_TOP_LEVEL)
    active = [t for t in desk.service.store.requested_by(actor.platform, actor.user_id)
              if t.source.channel == inbound.channel and t.state in (State.OPEN, State.CLAIMED, State.WAITING)]
    if active:
        link = active[-1].source.thread or active[-1].source.message
        return on_thread_message(desk, dataclasses.replace(inbound, thread=link, direct=False))
    if is_small_talk(inbound.text):
        return Outcome(ignored=messages.IGNORED_SMALL_TALK)
    return desk.open_ticket(inbound)


def customer_reopened(actor: Actor, ticket: Ticket, reason: str) -> list[Reply]:
    """The team hears when a customer reopens their ticket with ``/desk reopen``."""
    if actor.is_agent:
        return []
    said = f": “{_quote(reason)}”" if reason.strip() else ""
    return [Reply(messages.CUSTOMER_REOPENED_ANNOUNCEMENT.format(name=actor.name, ticket_id=ticket.id,
                                                                 owner=_owner(ticket), reason=said,
                                                                 subject=ticket.subject),
                  kind=Kind.ANNOUNCE, ticket=ticket, actions=team_actions(ticket))]


def need_help(desk: Desk, actor: Actor, ticket_id: str) -> list[Reply]:
    """ "Still need help": flag the ticket, and tell the team what it is after (suggestions or a resolution)."""
    before = desk.service.get(ticket_id)
    ticket = desk.service.need_help(actor, ticket_id)
    if before.state is State.RESOLVED and before.self_served:
        announcement = messages.ESCALATED_AFTER_SELF_SERVICE.format(ticket_id=ticket.id, subject=ticket.subject)
    elif before.state is State.RESOLVED:
        resolved = before.last_event("resolved")
        announcement = messages.ESCALATED_AFTER_RESOLUTION.format(
            ticket_id=ticket.id, who=resolved.actor_name if resolved else messages.SOMEONE, subject=ticket.subject)
    elif before.suggestions:
        announcement = messages.ESCALATED_ANNOUNCEMENT.format(ticket_id=ticket.id, subject=ticket.subject)
    else:  # nothing was suggested (an old "Still need help" button): the customer is still waiting
        announcement = messages.ESCALATED_UNMATCHED.format(ticket_id=ticket.id, subject=ticket.subject)
    return [
        Reply(messages.ESCALATED.format(name=actor.name, ticket_id=ticket.id), kind=Kind.CHANGED, ticket=ticket),
        Reply(announcement, kind=Kind.ANNOUNCE, ticket=ticket, actions=team_actions(ticket)),
    ]


def _owner(ticket: Ticket) -> str:
    return messages.OWNER_IS.format(owner=ticket.assignee.name) if ticket.assignee else messages.OWNER_NOBODY


def _quote(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= QUOTE_LIMIT else one_line[: QUOTE_LIMIT - 1].rstrip() + "…"
