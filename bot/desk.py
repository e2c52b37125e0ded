"""The desk: what adapters talk to. Platform-neutral messages, commands and button presses
go in; platform-neutral replies come out.

Adapters translate payloads into ``Inbound`` messages, ``/desk`` text and ``Action`` presses,
and render the ``Reply`` objects; every decision about tickets is made here or deeper.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot import messages, registry
from bot.commands import CommandContext, VerbRegistry
from bot.commands.tickets import TICKET_VERBS
from bot.config import Config
from bot.desk_platform import Form, PlatformNeeds, intake_actions, team_actions
from bot.domain import Actor, Person, Source, Ticket, parse_ticket_id
from bot.errors import DeskError, NotFound
from bot.follow_ups import direct_message, need_help, on_thread_message
from bot.intake import is_small_talk
from bot.intake_form import FormField, check_answers, field_lines, form_fields, keep_button
from bot.intake_form import submit as submit_form
from bot.knowledge import Knowledge
from bot.replies import Action, Kind, Reply, Suggestion, announcement_name
from bot.routing import Destination, Plan, plan, route
from bot.service import TicketService
from bot.threads import ThreadLink
from bot.workflow.macros import MacroChoice

log = logging.getLogger(__name__)

# Looks up a person named in a command ("maria", "<@U123>") → (person, is_agent), or None.
PersonLookup = Callable[[str, str], "tuple[Person, bool] | None"]


@dataclass(frozen=True, slots=True)
class Inbound:
    """A chat message as the core sees it."""

    actor: Actor
    text: str
    channel: str
    message_id: str | None
    thread: str | None = None  # the thread it was posted in; None for a top-level message
    link: str | None = None
    from_bot: bool = False  # posted by a bot (ours included): never a ticket, never a reply
    direct: bool = False  # a direct message to the bot: private intake, wherever the desk listens
    subject: str | None = None  # the request's own title (a forum post's): the ticket's subject

    @property
    def request(self) -> str:
        """What was asked: the title, if it has one, and the text."""
        return "\n".join(part for part in (self.subject, self.text) if part and part.strip())


@dataclass(slots=True)
class Outcome:
    """What handling a message did: replies to post, the ticket touched, or why nothing happened."""

    replies: list[Reply] = field(default_factory=list)
    ticket: Ticket | None = None
    created: bool = False
    ignored: str | None = None


class Desk(PlatformNeeds):
    """Intake, commands and buttons on top of a ``TicketService``."""

    def __init__(
        self,
        service: TicketService,
        *,
        knowledge: Knowledge | None = None,
        verbs: Iterable = (),
        people: PersonLookup | None = None,
    ) -> None:
        self.service = service
        self.config: Config = service.config
        self.knowledge = knowledge
        self.verbs = VerbRegistry((*TICKET_VERBS, *registry.placeholder_verbs(), *verbs))
        self._people = people
        # Who is in a platform group (Slack user groups), for features that name one; set by the adapter.
        self.group_members: Callable[[str, str], Sequence[Person]] | None = None
        # Decides whether a resolved ticket's requester gets the satisfaction survey (metrics installs it).
        self.survey_policy: Callable[[Ticket], bool] | None = None
        # Steps after a ticket is opened (features: assignment); each returns replies to post.
        self.intake_hooks: list[Callable[[Ticket], list[Reply]]] = []

    # -- messages ---------------------------------------------------------------

    def on_message(self, inbound: Inbound) -> Outcome:
        """A message in a channel the bot can see: a new ticket, a thread reply, or nothing."""
        if inbound.from_bot:
            return Outcome(ignored=messages.IGNORED_BOT_MESSAGE)
        if inbound.thread:
            return self._thread_message(inbound)
        if inbound.direct:
            return direct_message(self, inbound)
        platform = inbound.actor.platform
        if not self.is_support_channel(platform, inbound.channel):
            return Outcome(ignored=messages.IGNORED_NOT_SUPPORT_CHANNEL)
        if inbound.actor.is_agent:
            return Outcome(ignored=messages.IGNORED_AGENT_TOP_LEVEL)
        if is_small_talk(inbound.request):
            return Outcome(ignored=messages.IGNORED_SMALL_TALK)
        return self.open_ticket(inbound)

    def open_ticket(self, inbound: Inbound, *, opened_by: Actor | None = None,
                    follows: Ticket | None = None, fields: Mapping[str, str] | None = None,
                    category: str | None = None) -> Outcome:
        """Open a ticket for a message (intake, an agent's "open ticket" shortcut, or a follow-up in
        a closed ticket's thread: ``follows``, which keeps the thread and hands it to the new ticket)."""
        if opened_by is not None:
            try:
                self.service.may_open_for_others(opened_by)
            except DeskError as refusal:
                return Outcome(replies=[Reply.refusal(refusal)], ignored=refusal.message)
        if not inbound.request.strip():
            return Outcome(ignored=messages.IGNORED_SMALL_TALK)
        source = Source(inbound.actor.platform, inbound.channel, message=inbound.message_id,
                        thread=inbound.thread if follows else inbound.message_id, link=inbound.link)
        # Stored first: a redelivery stops here, before any matching, and a failing
        # knowledge base can never cost the customer their ticket.
        body = inbound.text if inbound.text.strip() else inbound.request  # a post that is only a title
        ticket, created = self.service.open_ticket(inbound.actor, body, source, subject=inbound.subject,
                                                   opened_by=opened_by,
                                                   follows=follows.id if follows else None, fields=fields,
                                                   category=category)
        if not created:
            return Outcome(ticket=ticket, ignored=messages.IGNORED_DUPLICATE.format(ticket_id=ticket.id))
        if inbound.thread and inbound.thread != inbound.message_id:
            # A reply has no thread of its own: the ticket lives in its parent's thread, unless that
            # is a ticket's already (then replies there keep going to that ticket).
            self.link_thread(ticket.id, platform=inbound.actor.platform, channel=inbound.channel,
                             thread=inbound.thread)
        suggestions = self._suggest(inbound.request)
        ticket = self.service.record_suggestions(ticket.id, [s.to_record() for s in suggestions],
                                                 confident=bool(suggestions),
                                                 category=self._category_from(suggestions))
        replies = [self.intake_reply(ticket, suggestions), self._announcement(ticket)]
        for hook in self.intake_hooks:
            replies += hook(ticket)
        return Outcome(replies=replies, ticket=ticket, created=True)

    def intake_reply(self, ticket: Ticket, suggestions: list[Suggestion]) -> Reply:
        follows = ticket.events[0].get("follows") if ticket.events else None  # a closed ticket's follow-up
        if follows:
            template = (messages.FOLLOWS_INTAKE_WITH_SUGGESTIONS if suggestions
                        else messages.FOLLOWS_INTAKE_NO_SUGGESTIONS)
        else:
            template = messages.INTAKE_WITH_SUGGESTIONS if suggestions else messages.INTAKE_NO_SUGGESTIONS
        text = template.format(name=ticket.requester.name, ticket_id=ticket.id, old_id=follows)
        return Reply(text, kind=Kind.INTAKE, ticket=ticket, suggestions=tuple(suggestions),
                     actions=intake_actions(ticket))

    def _thread_message(self, inbound: Inbound) -> Outcome:
        return on_thread_message(self, inbound)

    # -- commands and buttons --------------------------------------------------------

    def on_command(self, actor: Actor, text: str, *, channel: str | None = None,
                   thread: str | None = None, ticket_id: str | None = None) -> list[Reply]:
        """Run ``/desk …`` typed by ``actor``; inside a ticket's thread the id may be left out."""
        thread_ticket = ticket_id or self.ticket_in_thread(actor.platform, channel, thread)
        context = CommandContext(actor=actor, desk=self, thread_ticket=thread_ticket)
        return self.verbs.dispatch(context, text)

    def on_action(self, actor: Actor, action: Action | str, ticket_id: str, *,
                  article: str | None = None) -> list[Reply]:
        """A button press on a ticket's message."""
        try:
            return self._action(actor, Action(action), ticket_id, article=article)
        except DeskError as error:
            return [Reply.refusal(error)]

    def _action(self, actor: Actor, action: Action, ticket_id: str, *, article: str | None) -> list[Reply]:
        if action is Action.CLAIM:
            return self.on_command(actor, f"claim {ticket_id}")
        if action is Action.SOLVED:  # the core checks it was offered, whatever button was pressed
            ticket = self.service.self_serve(actor, ticket_id, article=article)
            return self.after_resolve(ticket, actor)
        if action is Action.NEED_HELP:
            return need_help(self, actor, ticket_id)
        # A form's button is the adapter's to open (``open_form``); pressed here, it says how.
        form = self.service.open_form(actor, "resolve" if action is Action.RESOLVE_FORM else "note", ticket_id)
        usage = messages.FORM_AS_COMMAND_RESOLVE if action is Action.RESOLVE_FORM else messages.FORM_AS_COMMAND_NOTE
        return [Reply(usage.format(ticket_id=form.id), kind=Kind.USAGE, ticket=form, private=True)]

    def resolve(self, actor: Actor, ticket_id: str, resolution: str, *, article: str | None = None,
                macro: str | None = None) -> list[Reply]:
        """Resolve from a form (Slack or Discord modal): the text kept exactly as typed, newlines too;
        a picked ``macro``, filled in as ``/desk reply T-12 :NAME`` fills it, comes first."""
        try:
            if macro:
                filled = self.with_macro(actor, ticket_id, resolution, macro)
                if isinstance(filled, Reply):
                    return [filled]
                resolution = filled
            slug = self.check_article(article) if article else None
            ticket = self.service.resolve(actor, ticket_id, resolution, article=slug)
        except DeskError as error:
            return [Reply.refusal(error)]
        return self.after_resolve(ticket, actor)

    def on_survey(self, actor: Actor, ticket_id: str, score: int, comment: str = "") -> list[Reply]:
        """The requester's answer to the satisfaction survey (1–5, optional comment)."""
        try:
            ticket = self.service.answer_survey(actor, ticket_id, score, comment)
        except DeskError as error:
            return [Reply.refusal(error)]
        return [Reply(messages.SURVEY_THANKS.format(ticket_id=ticket.id), kind=Kind.INFO, ticket=ticket,
                      private=True)]

    def after_resolve(self, ticket: Ticket, actor: Actor) -> list[Reply]:
        """The resolved message, plus the survey question when the sample picks this ticket."""
        replies = [self.resolved_reply(ticket, actor)]
        if self.survey_policy is not None and self.survey_policy(ticket):
            replies.append(Reply(messages.SURVEY_QUESTION.format(name=ticket.requester.name, ticket_id=ticket.id),
                                 kind=Kind.SURVEY, ticket=ticket))
        return replies

    def resolved_reply(self, ticket: Ticket, actor: Actor) -> Reply:
        """The thread message that says a ticket is resolved, and how."""
        if ticket.self_served:
            return Reply(messages.SELF_SERVED.format(name=actor.name, ticket_id=ticket.id), kind=Kind.CHANGED,
                         ticket=ticket)
        title = self._article_title(ticket.article) if ticket.article else None
        template = messages.RESOLVED_WITH_ARTICLE if title else messages.RESOLVED
        text = template.format(ticket_id=ticket.id, article=title, resolution=ticket.resolution or "")
        return Reply(text.rstrip(": ").strip() + ("" if text.endswith((".", "!", "?")) else "."),
                     kind=Kind.CHANGED, ticket=ticket)

    # -- lookups the commands need ----------------------------------------------------

    def ticket_in_thread(self, platform: str, channel: str | None, thread: str | None) -> str | None:
        if not (channel and thread):
            return None
        ticket = self.service.find_by_thread(platform, channel, thread)
        return ticket.id if ticket else None

    def is_support_channel(self, platform: str, channel: str) -> bool:
        channels = self.config.platform(platform).channels
        return not channels or channel in channels

    def resolve_person(self, platform: str, text: str) -> tuple[Person, bool]:
        """Who ``text`` names on ``platform``; the adapter's lookup first, then configured agents."""
        name = text.strip().lstrip("@")
        if self._people:
            found = self._people(platform, text.strip())
            if found:
                return found
        for agent in self.config.platform(platform).agents:
            if agent.casefold() == name.casefold():
                return Person(platform, agent, agent), True
        return Person(platform, name, name), self.config.is_agent(platform, name)

    def check_article(self, slug: str) -> str:
        """The slug of a published article, or a polite error when it does not exist."""
        if self.knowledge is None or self.knowledge.article(slug) is None:
            raise NotFound(messages.ARTICLE_NOT_FOUND, slug=slug)
        return slug

    # -- helpers ---------------------------------------------------------------------

    def _suggest(self, text: str) -> list[Suggestion]:
        if self.knowledge is None:
            return []
        try:
            return list(self.knowledge.suggest(text, limit=3))
        except Exception:  # a broken knowledge base must never cost a customer their ticket
            log.exception("knowledge base suggestion failed")
            return []

    def _category_from(self, suggestions: list[Suggestion]) -> str | None:
        if not suggestions or self.knowledge is None:
            return None
        found = self.knowledge.article(suggestions[0].slug)
        category = found[1] if found else None
        return category

    def _article_title(self, slug: str) -> str | None:
        found = self.knowledge.article(slug) if self.knowledge else None
        return found[0] if found else slug

    def announcement(self, ticket_id: str) -> Reply | None:
        """The new ticket's announcement for the team, as it would read now (owed again when the
        message is handled again after a crash and the first one was never recorded)."""
        ticket = self.find(ticket_id)
        return self._announcement(ticket) if ticket is not None else None

    def _announcement(self, ticket: Ticket) -> Reply:
        """The new ticket in the team channel, with the agents' buttons (the customer's message has none)."""
        return Reply(messages.NEW_TICKET_ANNOUNCEMENT.format(ticket_id=ticket.id, name=ticket.requester.name,
                                                             subject=ticket.subject),
                     kind=Kind.ANNOUNCE, ticket=ticket, actions=team_actions(ticket),
                     lines=field_lines(ticket, self.config), once=announcement_name(ticket.id))

    def intake_form(self) -> tuple[FormField, ...]:
        """The intake form's questions (empty without ``[intake] form = true``)."""
        return form_fields(self)

    def keep_form_button(self, platform: str, channel: str, *, exists: Callable[[str], bool],
                         post: Callable[[], str], find: Callable[[], str | None] | None = None) -> str | None:
        """At start: the intake form's "New ticket" message in ``channel``, posted once and again if deleted."""
        return keep_button(self, platform=platform, channel=channel, exists=exists, post=post, find=find)

    def check_form_answer(self, field: FormField, answer: str) -> None:
        """Refuse an answer the form will not take (required, or not among the options)."""
        check_answers((field,), {field.name: answer})

    def submit_form(self, actor: Actor, answers: Mapping[str, str], *, channel: str, message_id: str,
                    link: str | None = None) -> Outcome:
        """A filled-in intake form opens a ticket like a message; a bad answer is a polite refusal."""
        try:
            return submit_form(self, actor, answers, channel=channel, message_id=message_id, link=link)
        except DeskError as error:
            return Outcome(replies=[Reply.refusal(error)], ignored=error.message)


__all__ = ["Action", "Actor", "Desk", "Destination", "Form", "Inbound", "Kind", "MacroChoice", "Outcome", "Person",
           "Plan", "Reply", "Suggestion", "Ticket", "ThreadLink", "parse_ticket_id", "plan", "route"]
