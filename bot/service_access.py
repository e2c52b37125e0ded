"""The service's rules about access rather than moves: who may press a ticket's buttons, open its
forms and pick it in a list; where its threads are; edits of its messages.

``TicketService`` inherits these; every permission decision of the desk is a method here or
there, and each is a row of the permission matrix test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import messages
from bot.domain import ACTIVE_STATES, DESK_ACTOR, Actor, Event, Ticket, thread_key
from bot.errors import InvalidMove, NotAllowed
from bot.threads import LINKED, thread_link

if TYPE_CHECKING:
    from bot.service import TicketService



class AccessRules:
    """Buttons, forms, pickers, thread links and message edits (mixed into ``TicketService``)."""

    # -- buttons ----------------------------------------------------------------

    def self_serve(self: TicketService, actor: Actor, ticket_id: str, *, article: str | None = None) -> Ticket:
        """"This solved it": only the requester may press it, only where articles were suggested to
        them, and it resolves as self-served with one of those (the best one unless ``article``).

        A press on a ticket with no suggestions (a stale or forged button) is refused: it would
        count as the knowledge base answering a request it never answered.
        """
        ticket = self.get(ticket_id)
        self._require_requester_button(actor, ticket, messages.BUTTON_SOLVED)
        self._refuse_resolved(ticket)
        offered = suggested_slugs(ticket)
        if not offered:
            raise InvalidMove(messages.SOLVED_NOTHING_SUGGESTED, ticket_id=ticket.id)
        if article is not None and article not in offered:
            raise InvalidMove(messages.SOLVED_NOT_SUGGESTED, ticket_id=ticket.id, article=article)
        return self.resolve(actor, ticket.id, article=article or offered[0])

    def need_help(self: TicketService, actor: Actor, ticket_id: str) -> Ticket:
        """"Still need help": only the requester may press it, and it flags the ticket for the team."""
        self._require_requester_button(actor, self.get(ticket_id), messages.BUTTON_NEED_HELP)
        return self.escalate(actor, ticket_id)

    def _require_requester_button(self: TicketService, actor: Actor, ticket: Ticket, button: str) -> None:
        """The customer's buttons are the requester's; an agent who presses one is told their way."""
        if actor.is_agent and not actor.same_person(ticket.requester):
            raise NotAllowed(messages.REQUESTER_BUTTON, button=button, ticket_id=ticket.id,
                             name=ticket.requester.name)
        self._require_requester(actor, ticket)

    # -- seeing, picking, forms ---------------------------------------------------

    def may_see(self: TicketService, actor: Actor, ticket: Ticket) -> bool:
        """What ``show`` allows: agents see every ticket, anyone else only their own."""
        return actor.is_agent or actor.same_person(ticket.requester)

    def pickable(self: TicketService, actor: Actor, text: str = "", *, limit: int = 25, scan: int = 500) -> list[Ticket]:
        """Tickets ``actor`` may pick (autocomplete): those they may see, matching ``text``, active first.

        Only the ``scan`` most recent tickets are looked at: a picker answers while someone types.
        """
        wanted = text.strip().casefold()
        found = []
        for ticket in reversed(self.store.recent(scan)):
            if wanted and wanted not in ticket.id.casefold() and wanted not in ticket.subject.casefold() \
                    and wanted.lstrip("t-") != str(ticket.number):
                continue
            if self.may_see(actor, ticket):
                found.append(ticket)
        found.sort(key=lambda t: (t.state not in ACTIVE_STATES, -t.number))
        return found[:limit]

    def may_open_for_others(self: TicketService, actor: Actor) -> None:
        """Turning someone else's message into a ticket (a shortcut, a menu) is for agents only."""
        self._require_agent(actor, "open ticket")

    def open_form(self: TicketService, actor: Actor, verb: str, ticket_id: str) -> Ticket:
        """May ``actor`` open the ``verb`` form (resolve, note) on this ticket? Agents only."""
        ticket = self.get(ticket_id)
        if not actor.is_agent:
            raise NotAllowed(messages.FORM_AGENTS_ONLY, form=verb, ticket_id=ticket.id)
        return ticket

    # -- threads and edits -------------------------------------------------------

    def record_edit(self: TicketService, actor: Actor, ticket_id: str, *, message_id: str, text: str | None,
                    change_id: str | None = None) -> Ticket:
        """Record that a message was edited (``text``) or deleted (``None``); history keeps both.

        A redelivered change (same ``change_id``) and an edit that changes no words are recorded
        once, under the store's lock: platforms retry, and unfurls "edit" a message too.
        """

        def decide(ticket: Ticket) -> list[Event]:
            if change_id and any(e.get("change_id") == change_id for e in ticket.events):
                return []
            if text is not None and text == _current_text(ticket, message_id):
                return []
            if text is None:
                return [self._event("deleted", actor, message_id=message_id, change_id=change_id)]
            return [self._event("edited", actor, message_id=message_id, text=text, change_id=change_id)]

        return self.store.mutate(ticket_id, decide)

    def link_thread(self: TicketService, ticket_id: str, *, platform: str, channel: str, thread: str,
                    **refs: str) -> Ticket:
        """Point a platform thread at a ticket, as a ``linked`` event written in the same transaction.

        ``refs`` are the adapter's ids of the desk's own messages there (the intake message);
        a thread that is already another ticket's keeps routing to that ticket.
        """
        key = thread_key(platform, channel, thread)

        def decide(ticket: Ticket) -> list[Event]:
            current = thread_link(ticket, platform)
            if (current is not None and (current.channel, current.thread) == (channel, thread)
                    and all(current.get(name) == value for name, value in refs.items())):
                return []  # already there: a retried post links once
            return [self._event(LINKED, DESK_ACTOR, platform=platform, key=key, channel=channel, thread=thread,
                                **refs)]

        return self.store.mutate(ticket_id, decide)

    def find_message(self: TicketService, platform: str, channel: str, thread: str | None, message_id: str) -> Ticket | None:
        """The ticket whose opening message or thread reply this platform message is."""
        ticket = self.find_by_thread(platform, channel, thread or message_id)
        if ticket is None or (message_id != ticket.source.message and message_id not in ticket.message_ids):
            return None
        return ticket


def suggested_slugs(ticket: Ticket) -> tuple[str, ...]:
    """The articles suggested to the requester at intake, best first: all "This solved it" can mean."""
    return tuple(dict.fromkeys(str(s.get("slug")) for s in ticket.suggestions if s.get("slug")))


def _current_text(ticket: Ticket, message_id: str) -> str | None:
    """What a message of the ticket says now (its last edit), or ``None`` when it is not known."""
    for event in reversed(ticket.events):
        if event.type == "edited" and event.get("message_id") == message_id:
            return str(event.get("text", ""))
    if message_id == ticket.source.message:
        return ticket.body
    return next((m.text for m in ticket.conversation if m.message_id == message_id), None)
