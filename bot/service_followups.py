"""The service's rules for what customers do after a ticket is resolved or closed.

A requester writing in a resolved ticket's thread reopens it (one transaction: the message and
the ``reopened`` event); closed means closed: the requester cannot reopen it, and a follow-up
there opens a new ticket that records the one it follows. ``TicketService`` inherits these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import messages
from bot.domain import Actor, Event, EventType, State, Ticket
from bot.errors import InvalidMove, NotAllowed

if TYPE_CHECKING:
    from bot.service import TicketService


class FollowUpRules:
    """Follow-ups, reopen and "Still need help" after a resolution (mixed into ``TicketService``)."""

    def follow_up(self: TicketService, actor: Actor, ticket_id: str, text: str, *,
                  message_id: str | None = None) -> tuple[Ticket, bool]:
        """Add a thread message; the requester's message in a resolved ticket reopens it.

        Returns the ticket and whether this message reopened it (a redelivery reopens nothing).
        """
        reopened = False

        def decide(ticket: Ticket) -> list[Event]:
            nonlocal reopened
            if message_id and message_id in ticket.message_ids:
                return []  # redelivered: already in the conversation
            kind = EventType.REPLIED if actor.is_agent else EventType.MESSAGE
            events = [self._event(kind, actor, text=text.strip(), message_id=message_id)]
            if ticket.state is State.RESOLVED and not actor.is_agent and actor.same_person(ticket.requester):
                events.append(self._event(EventType.REOPENED, actor, reason=text.strip(), follow_up=True))
                reopened = True
            return events

        return self.store.mutate(ticket_id, decide), reopened

    def refuse_reopening_closed(self: TicketService, actor: Actor, ticket: Ticket) -> None:
        """Closed is for good: only an agent may bring a closed ticket back."""
        if ticket.state is State.CLOSED and not actor.is_agent:
            raise NotAllowed(messages.CLOSED_FOR_GOOD, ticket_id=ticket.id)

    def refuse_unasked_survey(self: TicketService, ticket: Ticket) -> None:
        """A survey answer counts only where the desk asked, once per resolution."""
        resolved = ticket.last_event(EventType.RESOLVED)
        asked = ticket.last_event(EventType.SURVEY_ASKED)
        if resolved is None or asked is None or asked.at < resolved.at:
            raise InvalidMove(messages.SURVEY_NOT_ASKED, ticket_id=ticket.id)
