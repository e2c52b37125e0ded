"""What adapters need from the Desk besides messages, commands and buttons: forms, pickers,
thread links, edits, the intake message's content and the timers.

``Desk`` inherits these; each is a question the core answers so that no adapter decides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.commands import CommandContext, strip_prefix
from bot.domain import Actor, State, Ticket, parse_ticket_id
from bot.errors import DeskError
from bot.replies import Action, Reply, Suggestion
from bot.service_access import suggested_slugs
from bot.threads import ThreadLink, thread_link
from bot.workflow.macros import MacroChoice

if TYPE_CHECKING:
    from bot.desk import Desk

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Form:
    """A form an agent opened instead of typing (resolve, note): its ticket, and what to offer."""

    verb: str
    ticket: Ticket
    articles: tuple[Suggestion, ...] = ()  # resolve: suggested at intake first, then the best matches
    macros: tuple[MacroChoice, ...] = ()  # reply and resolve: the canned replies to pick from

    @property
    def article(self) -> str | None:
        """The article to preselect: the top one suggested at intake."""
        return top_suggestion(self.ticket)


FORM_VERBS = ("resolve", "note", "reply")
MACRO_FORMS = ("resolve", "reply")


def position_key(platform: str, channel: str) -> str:
    """The memo key of how far a channel's messages have been handled."""
    return f"read:{platform}:{channel}"


def direct_key(platform: str) -> str:
    """The memo key of the direct-message channels the desk has handled messages in."""
    return f"direct:{platform}"


@dataclass(frozen=True, slots=True)
class DirectChannel:
    """A direct-message channel the desk has handled messages in: whose it is, and the first one."""

    channel: str
    user_id: str
    first_message: str  # to catch up from when no position was kept yet


def intake_actions(ticket: Ticket) -> tuple[Action, ...]:
    """The requester's buttons under the intake message, which everyone in the thread sees (so
    never an agent's). "This solved it" only where articles were suggested, and only for them;
    "Still need help" beside it until pressed, and alone on an unmatched request (pressing it
    flags the ticket to the team as still waiting); "Still need help" once resolved, to reopen;
    nothing once closed (closed is for good)."""
    if ticket.state is State.CLOSED:
        return ()
    if ticket.state is State.RESOLVED:
        return (Action.NEED_HELP,)
    need_help = () if ticket.escalated else (Action.NEED_HELP,)
    return (Action.SOLVED, *need_help) if suggested_slugs(ticket) else need_help


def team_actions(ticket: Ticket) -> tuple[Action, ...]:
    """The agents' buttons on a team-channel post about the ticket: Claim while nobody holds it,
    and the resolve and note forms while it is being worked; nothing once it is done."""
    if ticket.state in (State.RESOLVED, State.CLOSED):
        return ()
    forms = (Action.RESOLVE_FORM, Action.NOTE_FORM)
    return forms if ticket.assignee else (Action.CLAIM, *forms)


def top_suggestion(ticket: Ticket) -> str | None:
    """The slug of the best article suggested at intake ("This solved it" means that one)."""
    return next(iter(suggested_slugs(ticket)), None)


class PlatformNeeds:
    """Forms, pickers, threads, edits, the intake view and the scheduler (mixed into ``Desk``)."""

    # -- forms, pickers and the desk's own messages --------------------------------------

    def open_form(self: Desk, actor: Actor, verb: str, ticket_id: str, *, search: bool = True) -> Form | Reply:
        """The ``verb`` form (resolve, note, reply) for a button press, or a refusal (agents only)."""
        try:
            ticket = self.service.open_form(actor, verb, ticket_id)
        except DeskError as error:
            return Reply.refusal(error)
        articles = self._form_articles(ticket, search=search) if verb == "resolve" else ()
        return Form(verb, ticket, tuple(articles), self.macro_choices() if verb in MACRO_FORMS else ())

    def form_for(self: Desk, actor: Actor, text: str, *, channel: str | None = None, thread: str | None = None,
                 search: bool = True) -> Form | None:
        """The form a bare ``resolve T-12`` / ``note T-12`` / ``reply T-12`` opens for an agent; ``None``: run the command."""
        verb, _, rest = strip_prefix(text).partition(" ")
        words = rest.split()
        if verb.lower() not in FORM_VERBS or len(words) > 1:
            return None
        ticket_id = parse_ticket_id(words[0]) if words else self.ticket_in_thread(actor.platform, channel, thread)
        if ticket_id is None or self.find(ticket_id) is None:
            return None  # the command says which ticket, or that there is no such ticket
        form = self.open_form(actor, verb.lower(), ticket_id, search=search)
        return form if isinstance(form, Form) else None

    def macro_choices(self: Desk) -> tuple[MacroChoice, ...]:
        """The canned replies a reply or resolve form offers (none without the workflow feature)."""
        workflow = getattr(self, "workflow", None)
        return workflow.macro_choices() if workflow is not None else ()

    def send_reply(self: Desk, actor: Actor, ticket_id: str, text: str, *, macro: str | None = None) -> list[Reply]:
        """The reply form's submission, down the path of ``/desk reply T-12 [:MACRO] TEXT``."""
        from bot.workflow.verbs import send_reply

        try:
            self.service.open_form(actor, "reply", ticket_id)  # agents only, as the verb
            return [send_reply(CommandContext(actor=actor, desk=self), ticket_id, text, macro=macro)]
        except DeskError as error:
            return [Reply.refusal(error)]

    def with_macro(self: Desk, actor: Actor, ticket_id: str, text: str, macro: str) -> str | Reply:
        """``text`` after the macro filled in for this ticket (the resolve form); the list when unknown."""
        from bot.workflow.verbs import with_macro

        ticket = self.service.open_form(actor, "resolve", ticket_id)
        return with_macro(self.workflow, ticket, actor, text, macro)

    def pickable_tickets(self: Desk, actor: Actor, text: str = "", *, limit: int = 25) -> list[Ticket]:
        """Tickets ``actor`` may pick while typing an id (those ``show`` would show them), active first."""
        return self.service.pickable(actor, text, limit=limit)

    def search_articles(self: Desk, text: str, *, limit: int = 25) -> list[Suggestion]:
        """Published articles matching ``text`` (a picker); a broken knowledge base offers none."""
        if self.knowledge is None or not text.strip():
            return []
        try:
            return list(self.knowledge.search(text, limit=limit))
        except Exception:  # a broken knowledge base must not break typing
            log.exception("article search failed")
            return []

    def intake_view(self: Desk, ticket_id: str) -> Reply | None:
        """What the ticket's intake message shows now: its suggestions, rebuilt from the stored records."""
        ticket = self.find(ticket_id)
        if ticket is None:
            return None
        return self.intake_reply(ticket, [Suggestion.from_record(s) for s in ticket.suggestions])

    # -- threads and messages on a platform -------------------------------------------------

    def find(self: Desk, ticket_id: str | None) -> Ticket | None:
        """The ticket with this id (``T-12``, ``t12``), or ``None``."""
        canonical = parse_ticket_id(ticket_id) if ticket_id else None
        return self.service.store.get(canonical) if canonical else None

    def link_thread(self: Desk, ticket_id: str, *, platform: str, channel: str, thread: str, **refs: str) -> None:
        """The ticket lives in this thread (messages there join it); ``refs``: the desk's messages there."""
        self.service.link_thread(ticket_id, platform=platform, channel=channel, thread=thread, **refs)

    def thread_link(self: Desk, ticket_id: str, platform: str) -> ThreadLink | None:
        """Where the ticket's conversation is on ``platform`` (channel, thread, intake message)."""
        ticket = self.find(ticket_id)
        return thread_link(ticket, platform) if ticket else None

    def owns_thread(self: Desk, ticket_id: str, platform: str, channel: str, thread: str) -> bool:
        """True when this thread is the ticket's own (not one it only borrows)."""
        return self.ticket_in_thread(platform, channel, thread) == ticket_id

    def on_edit(self: Desk, actor: Actor, *, channel: str, thread: str | None, message_id: str, text: str | None,
                change_id: str | None = None) -> Ticket | None:
        """A message was edited (``text``) or deleted (``None``); recorded when it is a ticket's."""
        ticket = self.service.find_message(actor.platform, channel, thread, message_id)
        if ticket is None:
            return None
        return self.service.record_edit(actor, ticket.id, message_id=message_id, text=text, change_id=change_id)

    def read_position(self: Desk, platform: str, channel: str) -> str | None:
        """How far an adapter has handled a channel's messages (a message id), to catch up from after a restart."""
        value = self.service.store.recall(position_key(platform, channel))
        return str(value) if value is not None else None

    def keep_position(self: Desk, platform: str, channel: str, message_id: str) -> None:
        """Remember how far a channel's messages are handled (the adapter keeps it moving forward)."""
        self.service.store.put(position_key(platform, channel), message_id)

    def direct_channels(self: Desk, platform: str) -> list[DirectChannel]:
        """The direct-message channels the desk has handled messages in: no platform lists a
        bot's DMs, so these are the ones an adapter can catch up on after a restart."""
        kept = self.service.store.recall(direct_key(platform))
        if not isinstance(kept, dict):
            return []
        return [DirectChannel(str(channel), str(entry.get("user", "")), str(entry.get("first", "0")))
                for channel, entry in kept.items() if isinstance(entry, dict)]

    def keep_direct_channel(self: Desk, platform: str, channel: str, *, user_id: str, message_id: str) -> None:
        """Remember a direct-message channel (and whose it is) at the first message handled there.

        One entry for all of them, rewritten when one is added or forgotten (rare): a second
        process adding one at the same moment can drop the other's, whose channel is then known
        again at its next message.
        """
        kept = self.service.store.recall(direct_key(platform))
        kept = dict(kept) if isinstance(kept, dict) else {}
        if channel in kept:
            return
        kept[channel] = {"user": user_id, "first": message_id}
        self.service.store.put(direct_key(platform), kept)

    def forget_direct_channel(self: Desk, platform: str, channel: str) -> None:
        """Stop catching up on a direct-message channel (gone, or the bot may no longer read it)."""
        kept = self.service.store.recall(direct_key(platform))
        if isinstance(kept, dict) and channel in kept:
            self.service.store.put(direct_key(platform), {c: e for c, e in kept.items() if c != channel})

    @property
    def store_location(self: Desk) -> str:
        """Where the tickets are kept, for start-up lines."""
        return self.service.store.location

    def scheduler(self: Desk, outbox, *, platform: str):
        """The timers (reminders, nudges, weekly post) speaking through ``outbox``; ``None`` without them."""
        try:
            from bot.scheduler import Scheduler
        except ModuleNotFoundError as exc:
            if exc.name != "bot.scheduler":
                raise
            return None
        return Scheduler(self, outbox, platform=platform)

    def _form_articles(self: Desk, ticket: Ticket, *, search: bool) -> list[Suggestion]:
        """Articles to choose from: those suggested at intake, then the knowledge base's best matches."""
        if self.knowledge is None:
            return []
        found = {str(r.get("slug")): Suggestion.from_record(r) for r in ticket.suggestions if r.get("slug")}
        if search:
            try:
                for suggestion in self.knowledge.search(f"{ticket.subject}\n{ticket.body}", limit=10):
                    found.setdefault(suggestion.slug, suggestion)
            except Exception:  # a broken knowledge base must not block resolving
                log.exception("knowledge base search failed for the resolve form")
        return list(found.values())
