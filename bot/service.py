"""TicketService: every change to a ticket, with its permission and state checks.

Each move runs as a ``decide`` function inside ``TicketStore.mutate``, so the checks see
the freshest ticket under the store's lock: two agents claiming at once leave one owner,
and the loser is told who won. A refused move raises a ``DeskError`` and appends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from bot import messages
from bot.clock import Clock, SystemClock, to_iso, parse_iso
from bot.config import Config
from bot.domain import DESK_ACTOR, PRIORITIES, Actor, Event, Person, Source, State, Ticket, subject_from, thread_key
from bot.errors import InvalidMove, NotAllowed, NotFound, UsageError
from bot.store.base import NewTicket, TicketStore
from bot.service_followups import FollowUpRules
from bot.service_access import AccessRules

# Called after a ticket is resolved (learned phrasings, surveys); failures must not undo it.
ResolvedHook = Callable[[Ticket, Actor], None]


class TicketService(AccessRules, FollowUpRules):
    """Applies desk moves to tickets in a store, on behalf of an actor, at the clock's time."""

    def __init__(self, store: TicketStore, config: Config, *, clock: Clock | None = None) -> None:
        self.store = store
        self.config = config
        self.clock = clock or SystemClock()
        self.resolved_hooks: list[ResolvedHook] = []

    # -- intake -------------------------------------------------------------

    def open_ticket(
        self, actor: Actor, text: str, source: Source, *, subject: str | None = None,
        opened_by: Actor | None = None, follows: str | None = None, fields: Mapping[str, str] | None = None,
        category: str | None = None,
    ) -> tuple[Ticket, bool]:
        """Open a ticket for ``actor``'s message; a redelivered message returns the first ticket.

        ``opened_by`` is the agent who turned someone else's message into a ticket (a shortcut);
        only agents may do that.
        """
        if opened_by is not None:
            self._require_agent(opened_by, "open ticket")
        body = text.strip()
        by = opened_by or actor
        opened = self._event("opened", by, text=body, **({"on_behalf_of": actor.user_id} if opened_by else {}),
                             **({"follows": follows} if follows else {}), **({"fields": dict(fields)} if fields else {}),
                             **({"category": category} if category else {}))
        new = NewTicket(
            subject=subject or subject_from(body) or messages.NO_SUBJECT,
            body=body,
            requester=Person(actor.platform, actor.user_id, actor.name, actor.contact).to_record(),
            source=source.to_record(),
            opened=opened,
            keys=tuple(key for key in (source.thread_key,) if key),
        )
        return self.store.open(new, dedupe_key=source.delivery_key)

    def add_message(self, actor: Actor, ticket_id: str, text: str, *, message_id: str | None = None) -> Ticket:
        """Add a thread message to the conversation; an agent's message is a reply."""
        kind = "replied" if actor.is_agent else "message"

        def decide(ticket: Ticket) -> list[Event]:
            if message_id and message_id in ticket.message_ids:
                return []  # redelivered: already in the conversation
            return [self._event(kind, actor, text=text.strip(), message_id=message_id)]

        return self.store.mutate(ticket_id, decide)

    def record_suggestions(self, ticket_id: str, suggestions: Sequence[Mapping[str, Any]], *,
                           confident: bool, category: str | None = None, actor: Actor | None = None) -> Ticket:
        """Record what the knowledge base offered, with scores, for metrics and gap mining.

        ``category`` (the top article's) is given to a ticket that has none yet, in the same write.
        """
        by = actor or DESK_ACTOR
        known = self.config.category(category) if category else None

        def decide(ticket: Ticket) -> list[Event]:
            events = []
            if known is not None and not ticket.category:
                events.append(self._event("category", by, category=known.name))
            events.append(self._event("suggested", by, suggestions=[dict(s) for s in suggestions],
                                      confident=confident))
            return events

        return self.store.mutate(ticket_id, decide)

    # -- agent moves ------------------------------------------------------------

    def claim(self, actor: Actor, ticket_id: str) -> Ticket:
        self._require_agent(actor, "claim")

        def decide(ticket: Ticket) -> list[Event]:
            if ticket.state in (State.CLAIMED, State.WAITING) and ticket.assignee:
                if ticket.assignee.user_id == actor.user_id:
                    raise InvalidMove(messages.ALREADY_YOURS, ticket_id=ticket.id,
                                      since=self.describe_time(ticket.assignee.since))
                raise InvalidMove(messages.ALREADY_HELD, ticket_id=ticket.id, holder=ticket.assignee.name,
                                  since=self.describe_time(ticket.assignee.since))
            self._refuse_resolved(ticket)
            return [self._event("claimed", actor)]

        return self.store.mutate(ticket_id, decide)

    def unclaim(self, actor: Actor, ticket_id: str) -> Ticket:
        self._require_agent(actor, "unclaim")

        def decide(ticket: Ticket) -> list[Event]:
            self._refuse_resolved(ticket)
            if ticket.assignee is None:
                raise InvalidMove(messages.NOT_CLAIMED, ticket_id=ticket.id)
            if ticket.assignee.user_id != actor.user_id:
                raise InvalidMove(messages.HELD_BY_OTHER, ticket_id=ticket.id, holder=ticket.assignee.name)
            return [self._event("unclaimed", actor)]

        return self.store.mutate(ticket_id, decide)

    def assign(self, actor: Actor, ticket_id: str, assignee: Person, *, assignee_is_agent: bool) -> Ticket:
        self._require_agent(actor, "assign")
        if not assignee_is_agent:
            known = ", ".join(self.config.platform(actor.platform).agents) or messages.NONE_CONFIGURED
            raise NotAllowed(messages.NOT_AN_AGENT, name=assignee.name, ticket_id=ticket_id, known=known)

        def decide(ticket: Ticket) -> list[Event]:
            self._refuse_resolved(ticket)
            if ticket.assignee and ticket.assignee.user_id == assignee.user_id:
                raise InvalidMove(messages.ALREADY_HELD, ticket_id=ticket.id, holder=ticket.assignee.name,
                                  since=self.describe_time(ticket.assignee.since))
            return [self._event("assigned", actor,
                                assignee={"user_id": assignee.user_id, "name": assignee.name})]

        return self.store.mutate(ticket_id, decide)

    def note(self, actor: Actor, ticket_id: str, text: str) -> Ticket:
        self._require_agent(actor, "note")
        if not text.strip():
            raise UsageError(messages.NOTE_NEEDED, ticket_id=ticket_id)
        return self.store.mutate(ticket_id, lambda t: [self._event("noted", actor, text=text.strip())])

    def wait(self, actor: Actor, ticket_id: str, text: str = "") -> Ticket:
        self._require_agent(actor, "wait")

        def decide(ticket: Ticket) -> list[Event]:
            if ticket.state is State.WAITING:
                raise InvalidMove(messages.ALREADY_WAITING, ticket_id=ticket.id)
            self._refuse_resolved(ticket)
            if ticket.state is not State.CLAIMED:
                raise InvalidMove(messages.CLAIM_FIRST, ticket_id=ticket.id, state=ticket.state.value)
            return [self._event("waiting", actor, **({"text": text.strip()} if text.strip() else {}))]

        return self.store.mutate(ticket_id, decide)

    def resolve(self, actor: Actor, ticket_id: str, resolution: str = "", *, article: str | None = None) -> Ticket:
        """Resolve: agents with a resolution text; the requester as self-served."""

        def decide(ticket: Ticket) -> list[Event]:
            if not actor.is_agent:
                self._require_requester(actor, ticket)
            self._refuse_resolved(ticket)
            if actor.is_agent:
                if not resolution.strip() and not article:
                    raise UsageError(messages.RESOLUTION_NEEDED, ticket_id=ticket.id)
                return [self._event("resolved", actor, resolution=resolution.strip(), article=article,
                                    self_served=False)]
            return [self._event("resolved", actor, resolution=resolution.strip() or messages.SELF_SERVED_RESOLUTION,
                                article=article, self_served=True)]

        ticket = self.store.mutate(ticket_id, decide)
        self._after_resolve(ticket, actor)
        return ticket

    def reopen(self, actor: Actor, ticket_id: str, reason: str = "") -> Ticket:
        def decide(ticket: Ticket) -> list[Event]:
            if not actor.is_agent:
                self._require_requester(actor, ticket)
            self.refuse_reopening_closed(actor, ticket)
            if ticket.state not in (State.RESOLVED, State.CLOSED):
                raise InvalidMove(messages.NOT_RESOLVED, ticket_id=ticket.id, state=ticket.state.value)
            return [self._event("reopened", actor, **({"reason": reason.strip()} if reason.strip() else {}))]

        return self.store.mutate(ticket_id, decide)

    def close(self, actor: Actor, ticket_id: str, reason: str = "") -> Ticket:
        self._require_agent(actor, "close")

        def decide(ticket: Ticket) -> list[Event]:
            if ticket.state is State.CLOSED:
                raise InvalidMove(messages.ALREADY_CLOSED, ticket_id=ticket.id)
            return [self._event("closed", actor, **({"reason": reason.strip()} if reason.strip() else {}))]

        return self.store.mutate(ticket_id, decide)

    def set_priority(self, actor: Actor, ticket_id: str, priority: str) -> Ticket:
        self._require_agent(actor, "priority")
        wanted = priority.strip().lower()
        if wanted not in PRIORITIES:
            raise UsageError(messages.UNKNOWN_PRIORITY, priority=priority, known=", ".join(PRIORITIES))

        def decide(ticket: Ticket) -> list[Event]:
            self._refuse_closed(ticket)
            if ticket.priority == wanted:
                raise InvalidMove(messages.NOTHING_TO_CHANGE, ticket_id=ticket.id)
            return [self._event("priority", actor, priority=wanted)]

        return self.store.mutate(ticket_id, decide)

    def set_category(self, actor: Actor, ticket_id: str, category: str) -> Ticket:
        self._require_agent(actor, "category")
        known = self.config.category(category)
        if known is None:
            names = ", ".join(c.name for c in self.config.categories) or messages.NONE_CONFIGURED
            raise UsageError(messages.UNKNOWN_CATEGORY, category=category, known=names)

        def decide(ticket: Ticket) -> list[Event]:
            self._refuse_closed(ticket)
            if ticket.category == known.name:
                raise InvalidMove(messages.NOTHING_TO_CHANGE, ticket_id=ticket.id)
            return [self._event("category", actor, category=known.name)]

        return self.store.mutate(ticket_id, decide)

    def tag(self, actor: Actor, ticket_id: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> Ticket:
        self._require_agent(actor, "tag")
        adding = [_clean_tag(t) for t in add if _clean_tag(t)]
        removing = {_clean_tag(t) for t in remove}

        def decide(ticket: Ticket) -> list[Event]:
            self._refuse_closed(ticket)
            tags = [t for t in ticket.tags if t not in removing]
            tags += [t for t in dict.fromkeys(adding) if t not in tags]
            if tuple(tags) == ticket.tags:
                raise InvalidMove(messages.NOTHING_TO_CHANGE, ticket_id=ticket.id)
            return [self._event("tagged", actor, tags=tags)]

        return self.store.mutate(ticket_id, decide)

    # -- customer moves ---------------------------------------------------------

    def escalate(self, actor: Actor, ticket_id: str) -> Ticket:
        """The requester says the suggestions did not help: flag the ticket for the team."""

        def decide(ticket: Ticket) -> list[Event]:
            if not actor.is_agent:
                self._require_requester(actor, ticket)
            self.refuse_reopening_closed(actor, ticket)
            if ticket.state in (State.RESOLVED, State.CLOSED):
                return [self._event("reopened", actor, reason=messages.STILL_NEED_HELP_REASON),
                        self._event("escalated", actor)]
            if ticket.escalated:
                raise InvalidMove(messages.ALREADY_ESCALATED, ticket_id=ticket.id)
            return [self._event("escalated", actor)]

        return self.store.mutate(ticket_id, decide)

    def answer_survey(self, actor: Actor, ticket_id: str, score: int, comment: str = "") -> Ticket:
        """Store the requester's satisfaction answer, once per resolution."""
        if not 1 <= int(score) <= 5:
            raise UsageError(messages.SURVEY_BAD_SCORE)

        def decide(ticket: Ticket) -> list[Event]:
            if not actor.same_person(ticket.requester):
                raise NotAllowed(messages.SURVEY_NOT_YOURS, ticket_id=ticket.id)
            if ticket.state not in (State.RESOLVED, State.CLOSED):
                raise InvalidMove(messages.SURVEY_NOT_RESOLVED, ticket_id=ticket.id)
            self.refuse_unasked_survey(ticket)
            last_resolved = ticket.last_event("resolved")
            if ticket.survey and last_resolved and ticket.survey["at"] >= last_resolved.at:
                raise InvalidMove(messages.SURVEY_ALREADY, ticket_id=ticket.id)
            return [self._event("survey", actor, score=int(score), comment=comment.strip() or None)]

        return self.store.mutate(ticket_id, decide)

    # -- reading ----------------------------------------------------------------

    def get(self, ticket_id: str) -> Ticket:
        ticket = self.store.get(ticket_id)
        if ticket is None:
            raise NotFound(messages.TICKET_NOT_FOUND, ticket_id=ticket_id)
        return ticket

    def show(self, actor: Actor, ticket_id: str) -> Ticket:
        ticket = self.get(ticket_id)
        if not actor.is_agent:
            self._require_requester(actor, ticket)
        return ticket

    def queue(self, actor: Actor) -> list[Ticket]:
        """Active tickets, unclaimed first, then by priority and age."""
        self._require_agent(actor, "queue")
        active = self.store.active()
        rank = {p: i for i, p in enumerate(reversed(PRIORITIES))}
        return sorted(active, key=lambda t: (t.state is not State.OPEN, rank.get(t.priority, 9), t.opened_at,
                                             t.number))

    def mine(self, actor: Actor) -> list[Ticket]:
        self._require_agent(actor, "mine")
        return [t for t in self.queue(actor) if t.assignee and t.assignee.user_id == actor.user_id]

    def find_by_thread(self, platform: str, channel: str, thread: str) -> Ticket | None:
        """The ticket whose conversation lives in this platform thread."""
        return self.store.find(thread_key(platform, channel, thread))

    # -- helpers ----------------------------------------------------------------

    def describe_time(self, iso: str) -> str:
        """A timestamp as the team reads it: local time, with the date when it is not today."""
        moment = parse_iso(iso).astimezone(self.config.tz)
        today = self.clock.now().astimezone(self.config.tz).date()
        # With the zone's abbreviation: an agent elsewhere reads "09:00 CET", not a bare "09:00".
        if moment.date() == today:
            return moment.strftime("%H:%M %Z")
        return moment.strftime("%a %d %b %H:%M %Z")

    def _event(self, kind: str, actor: Actor, **data: Any) -> Event:
        return Event(type=kind, at=to_iso(self.clock.now()), actor=actor.user_id, actor_name=actor.name,
                     data={k: v for k, v in data.items() if v is not None or k in ("article",)})

    def _after_resolve(self, ticket: Ticket, actor: Actor) -> None:
        for hook in self.resolved_hooks:
            hook(ticket, actor)

    @staticmethod
    def _require_agent(actor: Actor, verb: str) -> None:
        if not actor.is_agent:
            raise NotAllowed(messages.AGENTS_ONLY, verb=verb)

    @staticmethod
    def _require_requester(actor: Actor, ticket: Ticket) -> None:
        if not actor.same_person(ticket.requester):
            raise NotAllowed(messages.NOT_YOUR_TICKET, ticket_id=ticket.id)

    def _refuse_resolved(self, ticket: Ticket) -> None:
        if ticket.state is State.RESOLVED:
            event = ticket.last_event("resolved")
            raise InvalidMove(messages.ALREADY_RESOLVED, ticket_id=ticket.id,
                              who=event.actor_name if event else messages.SOMEONE,
                              when=self.describe_time(event.at) if event else messages.SOME_POINT)
        self._refuse_closed(ticket)

    @staticmethod
    def _refuse_closed(ticket: Ticket) -> None:
        if ticket.state is State.CLOSED:
            raise InvalidMove(messages.IS_CLOSED, ticket_id=ticket.id)


def _clean_tag(tag: str) -> str:
    return tag.strip().lstrip("#+").strip().lower().replace(" ", "-")
