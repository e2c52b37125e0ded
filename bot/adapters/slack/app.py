"""The Bolt app: Slack payloads in, core calls, Block Kit out. Translation only.

Every listener acknowledges in the thread that received the request and works after, on a pool
(``acks.py``), so no acknowledgement waits behind work and Slack never retries for want of an
answer within 3 s; when it retries anyway (``X-Slack-Retry-Num``), the core's intake is
idempotent on channel + ts, persisted in the store. Whatever changes the desk (messages,
``/desk``, ticket and survey buttons, the "Open as ticket" shortcut, modal submissions) is
recorded in the inbox before its acknowledgement and handled from there (``inbound.py``);
what only opens a modal is acknowledged and done. Modal submissions wait for the core at most
``acks.VIEW_SECONDS`` so that a refusal can be shown inside the modal (``response_action:
errors``); a slower core closes the modal and its answer is posted when ready.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.adapters.slack import blocks as kit
from bot.adapters.slack import messages
from bot.adapters.slack.acks import VIEW_SECONDS, ModalAnswer, Pools, acked
from bot.adapters.slack.channels import can_follow
from bot.adapters.slack.directory import PLATFORM, SlackDirectory, user_of
from bot.adapters.slack.forms import FORM_KIND, FormListeners, form_view, picked_macro
from bot.adapters.slack.inbound import Request, Work, catch_up, interaction, recorded, submission, unattended
from bot.adapters.slack.outbox import API_ERRORS, SlackOutbox, Where
from bot.courier import Courier
from bot.desk import Action, Actor, Desk, Form, Inbound, Kind, Reply
from bot.inbox import MemoryInbox, Receiver

log = logging.getLogger(__name__)

SLASH_COMMAND = "/desk"
DEFAULT_API_URL = "https://slack.com/api/"
# Message subtypes that are still a person talking; everything else (joins, bot messages,
# topic changes, …) is ignored.
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
TICKET_BUTTONS = re.compile(r"^chatdesk:(solved|need_help|claim)$")
SURVEY_BUTTONS = re.compile(r"^chatdesk:survey:([1-5])$")
# A /desk command that may open a form (``resolve T-1``, ``note T-1``) is handled on the pool
# kept for what a 3 s trigger_id must catch; the core decides whether it does.
MAY_OPEN_FORM = re.compile(r"^\s*(resolve|note|reply)(\s+\S+)?\s*$", re.IGNORECASE)


def retry_handlers(*, rate_limit_retries: int = 3) -> list:
    """Retry dropped connections, and 429s after ``Retry-After`` (slack-sdk's built-in handlers)."""
    return [ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries)]


def web_client(*, token: str | None, base_url: str | None = None) -> WebClient:
    """A ``WebClient`` for the bot token, at ``base_url`` (``SLACK_API_URL``), retrying 429s."""
    url = base_url or os.environ.get("SLACK_API_URL") or DEFAULT_API_URL
    return WebClient(token=token, base_url=url if url.endswith("/") else url + "/",
                     retry_handlers=retry_handlers())


def unescape(text: str) -> str:
    """Slack escapes ``&``, ``<`` and ``>`` in message text; the desk stores what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def create_app(
    desk: Desk,
    *,
    client: WebClient | None = None,
    token: str | None = None,
    signing_secret: str | None = None,
    base_url: str | None = None,
    directory: SlackDirectory | None = None,
    executor: Executor | None = None,
    token_verification: bool = True,
    logger: logging.Logger | None = None,
    receiver: Receiver | None = None,
    courier: Courier | None = None,
) -> App:
    """A Bolt ``App`` wired to ``desk``; tests inject the client (or base URL), secret and executor.

    Pass ``signing_secret`` for HTTP (requests with a bad or old signature get 401); Socket Mode
    needs none. ``directory`` says who is an agent; build the desk with
    ``people=directory.lookup`` so ``/desk assign @someone`` resolves Slack mentions. Every request
    that changes the desk is recorded in the ``receiver``'s inbox (in memory when none is given)
    before it is acknowledged, and what the last process recorded and did not handle is handled
    here, before the app is returned; with a ``courier``, owed posts go through the durable outbox.
    """
    client = client or web_client(token=token, base_url=base_url)
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=bool(signing_secret),
        process_before_response=True,  # listeners only acknowledge; the work goes to the pools
        token_verification_enabled=token_verification,
        listener_executor=executor,
        ignoring_self_events_enabled=True,
        name="chatdesk",
        logger=logger,
    )
    directory = directory or SlackDirectory(desk.config)
    if directory.client is None:
        directory.client = client
    listeners = SlackListeners(desk, directory, pools=Pools.start(executor), receiver=receiver, courier=courier)
    listeners.register(app)
    catch_up(listeners.receiver, listeners.handlers(), listeners.on_message, client)
    return app


class SlackListeners:
    """The listeners; each turns a payload into one core call and hands the replies to the outbox."""

    def __init__(self, desk: Desk, directory: SlackDirectory, *, pools: Pools | None = None,
                 receiver: Receiver | None = None, courier: Courier | None = None) -> None:
        self.desk = desk
        self.directory = directory
        self.pools = pools or Pools.start()
        self.receiver = receiver or Receiver(MemoryInbox())
        self.courier = courier
        self.forms = FormListeners(self)

    def register(self, app: App) -> None:
        work, interactive, receiver = self.pools.work, self.pools.interactive, self.receiver
        app.event("message")(recorded(self.on_message, work, receiver))
        app.command(SLASH_COMMAND)(self._command_listener())
        app.action(TICKET_BUTTONS)(interaction("button", self.on_ticket_button, work, receiver))
        app.action(SURVEY_BUTTONS)(interaction("survey_button", self.on_survey_button, interactive, receiver))
        app.shortcut(kit.SHORTCUT_OPEN)(interaction("open_shortcut", self.on_open_shortcut, work, receiver))
        for callback, (kind, handler, field) in self.modals().items():
            app.view(callback)(submission(kind, handler, interactive, receiver, field=field, wait=VIEW_SECONDS))
        app.view_closed(kit.VIEW_SURVEY)(interaction("closed:survey", self.on_survey_closed, work, receiver))
        # These only open a modal and change nothing: acknowledged, not recorded (a trigger_id
        # would be dead by the time a replay ran anyway).
        app.action(kit.RESOLVE_MODAL)(acked(self.on_modal_button, interactive))
        app.action(kit.NOTE_MODAL)(acked(self.on_modal_button, interactive))
        app.shortcut(kit.SHORTCUT_COMMAND)(acked(self.on_command_shortcut, interactive))
        self.forms.register(app)  # the "New ticket" button and the intake form

    def modals(self) -> dict[str, tuple[str, Callable[[Request, WebClient, ModalAnswer], None], str]]:
        """Each modal's callback id → (inbox kind, handler, the field its refusal is shown under)."""
        return {kit.VIEW_RESOLVE: ("view:resolve", self.on_resolve_submit, "resolution"),
                kit.VIEW_NOTE: ("view:note", self.on_note_submit, "note"),
                kit.VIEW_COMMAND: ("view:command", self.on_command_submit, "command"),
                kit.VIEW_SURVEY: ("view:survey", self.on_survey_submit, "comment"),
                **self.forms.modals()}

    def handlers(self) -> dict[str, Work]:
        """What handles each kind of recorded request, for the catch-up at start."""
        found: dict[str, Work] = {"command": self.on_command, "button": self.on_ticket_button,
                                  "survey_button": self.on_survey_button, "open_shortcut": self.on_open_shortcut,
                                  "closed:survey": self.on_survey_closed, FORM_KIND: self.forms.open_ticket}
        found.update({kind: unattended(handler) for kind, handler, _ in self.modals().values()})
        return found

    def _command_listener(self) -> Callable[..., Any]:
        plain = interaction("command", self.on_command, self.pools.work, self.receiver)
        form = interaction("command", self.on_command, self.pools.interactive, self.receiver)

        def command_listener(ack, body: dict[str, Any], client):
            chosen = form if MAY_OPEN_FORM.match(unescape(str(body.get("text") or ""))) else plain
            return chosen(ack=ack, body=body, client=client)

        return command_listener

    def outbox(self, client: WebClient) -> SlackOutbox:
        return SlackOutbox(self.desk, client, courier=self.courier)

    # -- messages ---------------------------------------------------------------------

    def on_message(self, event: dict[str, Any], client: WebClient) -> None:
        """Intake, thread replies, and edits/deletions of a ticket's messages."""
        subtype = event.get("subtype")
        if subtype == "message_changed":
            self._edited(event)
            return
        if subtype == "message_deleted":
            self._deleted(event)
            return
        if subtype not in PERSON_SUBTYPES or event.get("bot_id") or not event.get("user"):
            return  # joins, topic changes, bot messages (ours included): never a ticket
        channel, ts = str(event.get("channel", "")), str(event.get("ts", ""))
        thread_ts = event.get("thread_ts")
        thread = str(thread_ts) if thread_ts and thread_ts != ts else None
        direct = event.get("channel_type") == "im"  # a DM to the bot: private intake
        # Only look people up where the desk listens (a users.info call per stranger is wasteful).
        if thread is None and not direct and not self.desk.is_support_channel(PLATFORM, channel):
            return
        if thread is not None and self.desk.ticket_in_thread(PLATFORM, channel, thread) is None:
            return
        actor = self.directory.actor(str(event["user"]))
        inbound = Inbound(actor=actor, text=unescape(str(event.get("text") or "")), channel=channel,
                          message_id=ts, thread=thread, direct=direct and thread is None,
                          link=self.directory.permalink(channel, ts) if thread is None else None)
        outcome = self.desk.on_message(inbound)
        if outcome.ignored:
            log.debug("message %s/%s: %s", channel, ts, outcome.ignored)
        if thread is None and not outcome.created:  # handled before: its posts may not have been recorded
            self.outbox(client).owe_first_posts(outcome.ticket)
        self.outbox(client).deliver(outcome.replies, Where(channel, actor.user_id, thread=thread or ts))

    def _edited(self, event: dict[str, Any]) -> None:
        message = event.get("message") or {}
        if message.get("bot_id") or not message.get("user"):
            return  # bot edits are not a person's words
        self._changed(event, message, author=str(message["user"]), text=unescape(str(message.get("text") or "")))

    def _deleted(self, event: dict[str, Any]) -> None:
        previous = dict(event.get("previous_message") or {})
        previous.setdefault("ts", event.get("deleted_ts"))
        if previous.get("bot_id") or not previous.get("ts"):
            return
        # Slack does not say who deleted a message; its author is the best account we have.
        self._changed(event, previous, author=str(previous.get("user") or "slack"), text=None)

    def _changed(self, event: dict[str, Any], message: dict[str, Any], *, author: str, text: str | None) -> None:
        """An edit or deletion is an event of its own (its own ts): the core records a retried one once."""
        channel = str(event.get("channel", ""))
        change = f"{channel}:{event.get('event_ts') or event.get('ts')}"
        thread = str(message.get("thread_ts") or "") or None
        self.desk.on_edit(self.directory.actor(author), channel=channel, thread=thread,
                          message_id=str(message["ts"]), text=text, change_id=change)

    # -- the /desk slash command --------------------------------------------------------

    def on_command(self, request: Request, client: WebClient) -> None:
        """``/desk VERB …``; Slack sends no thread, so id-less verbs need the shortcut instead."""
        command = request.body
        user_id, hint = user_of(command)
        actor = self.directory.actor(user_id, hint)
        channel = command.get("channel_id")
        text = unescape(str(command.get("text") or ""))
        where = Where(channel, user_id, respond=request.respond)
        form = self.desk.form_for(actor, text)
        if form is not None:
            self._open_modal(client, request, form, where)
            return
        self.outbox(client).deliver(self.desk.on_command(actor, text, channel=channel), where)

    # -- buttons ----------------------------------------------------------------------------

    def on_ticket_button(self, request: Request, client: WebClient) -> None:
        """"This solved it", "Still need help", "Claim"."""
        actor, where = self._who_where(request)
        action = request.body["actions"][0]
        name = str(action["action_id"]).split(":", 1)[1]
        replies = self.desk.on_action(actor, Action(name), str(action.get("value", "")))
        self.outbox(client).deliver(replies, where)

    def on_modal_button(self, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        """"Resolve…" and "Add note…" on the intake message."""
        request = Request("modal_button", body)
        actor, where = self._who_where(request)
        verb = "resolve" if action["action_id"] == kit.RESOLVE_MODAL else "note"
        form = self.desk.open_form(actor, verb, str(action.get("value", "")))
        if isinstance(form, Reply):
            self.outbox(client).deliver([form], where)
            return
        self._open_modal(client, request, form, where)

    def on_survey_button(self, request: Request, client: WebClient) -> None:
        """A 1–5 score: ask for an optional comment; the score counts even if the modal is closed,
        and even if it cannot be opened (a replay after the trigger's 3 s: the score, no comment)."""
        actor, where = self._who_where(request)
        action = request.body["actions"][0]
        score = int(SURVEY_BUTTONS.match(action["action_id"]).group(1))  # type: ignore[union-attr]
        ticket_id = str(action.get("value", ""))
        view = kit.survey_modal(ticket_id, score, _metadata(where))
        if request.trigger_id is not None:
            try:
                client.views_open(trigger_id=request.trigger_id, view=view)
                return
            except API_ERRORS as error:
                log.warning("views.open failed; recording the score without a comment: %s", error)
        self.outbox(client).deliver(self.desk.on_survey(actor, ticket_id, score), where)

    # -- shortcuts ---------------------------------------------------------------------------

    def on_open_shortcut(self, request: Request, client: WebClient) -> None:
        """"Open ticket from this message": an agent turns someone's message into a ticket."""
        shortcut = request.body
        agent_id, hint = user_of(shortcut)
        agent = self.directory.actor(agent_id, hint)
        message = shortcut.get("message") or {}
        channel = str((shortcut.get("channel") or {}).get("id", ""))
        if agent.is_agent and not can_follow(client, channel):  # a ticket nobody could work: none
            refusal = Reply(messages.SLACK_CANNOT_FOLLOW.format(channel=channel), kind=Kind.REFUSED, private=True)
            self.outbox(client).deliver([refusal], Where(channel, agent_id, respond=request.respond))
            return
        ts = str(message.get("ts", ""))
        author = str(message.get("user") or message.get("bot_id") or "unknown")
        parent = str(message.get("thread_ts") or "")
        inbound = Inbound(actor=self.directory.actor(author), text=unescape(str(message.get("text") or "")),
                          channel=channel, message_id=ts, thread=parent or None,
                          link=self.directory.permalink(channel, ts))
        outcome = self.desk.open_ticket(inbound, opened_by=agent)
        where = Where(channel, agent_id, thread=parent or ts, respond=request.respond)
        replies = list(outcome.replies)
        if not replies and outcome.ignored:
            replies = [Reply(outcome.ignored, kind=Kind.INFO, ticket=outcome.ticket, private=True)]
        self.outbox(client).deliver(replies, where)

    def on_command_shortcut(self, shortcut: dict[str, Any], client: WebClient, respond) -> None:
        """"Desk command in this thread": a /desk command that knows its thread."""
        user_id, _ = user_of(shortcut)
        message = shortcut.get("message") or {}
        channel = str((shortcut.get("channel") or {}).get("id", ""))
        thread = str(message.get("thread_ts") or message.get("ts") or "")
        where = Where(channel, user_id, thread=thread, respond=respond)
        try:
            client.views_open(trigger_id=shortcut.get("trigger_id"), view=kit.command_modal(_metadata(where)))
        except API_ERRORS as error:
            log.error("views.open failed for the command modal: %s", error)

    # -- modal submissions -------------------------------------------------------------------

    def on_resolve_submit(self, request: Request, client: WebClient, answer: ModalAnswer) -> None:
        def resolve(actor: Actor, where: Where, meta: dict[str, Any], view: dict[str, Any]) -> list[Reply]:
            text = kit.view_value(view, "resolution") or ""
            return self.desk.resolve(actor, str(meta.get("ticket", "")), text, article=kit.view_value(view, "article"),
                                     macro=picked_macro(view))

        self._submitted(request, client, answer, resolve)

    def on_note_submit(self, request: Request, client: WebClient, answer: ModalAnswer) -> None:
        def note(actor: Actor, where: Where, meta: dict[str, Any], view: dict[str, Any]) -> list[Reply]:
            return self.desk.on_command(actor, f"note {meta.get('ticket', '')} {kit.view_value(view, 'note') or ''}")

        self._submitted(request, client, answer, note)

    def on_command_submit(self, request: Request, client: WebClient, answer: ModalAnswer) -> None:
        def command(actor: Actor, where: Where, meta: dict[str, Any], view: dict[str, Any]) -> list[Reply]:
            text = kit.view_value(view, "command") or ""
            return self.desk.on_command(actor, text, channel=where.channel, thread=where.thread)

        self._submitted(request, client, answer, command)

    def on_survey_submit(self, request: Request, client: WebClient, answer: ModalAnswer) -> None:
        def survey(actor: Actor, where: Where, meta: dict[str, Any], view: dict[str, Any]) -> list[Reply]:
            comment = kit.view_value(view, "comment") or ""
            return self.desk.on_survey(actor, str(meta.get("ticket", "")), int(meta.get("score", 0)), comment)

        self._submitted(request, client, answer, survey)

    def on_survey_closed(self, request: Request, client: WebClient) -> None:
        """Closing the comment modal still records the score."""
        actor, where, meta = self._who_where_view(request.body)
        replies = self.desk.on_survey(actor, str(meta.get("ticket", "")), int(meta.get("score", 0)))
        self.outbox(client).deliver(replies, where)

    # -- helpers -------------------------------------------------------------------------------

    def _open_modal(self, client: WebClient, request: Request, form: Form, where: Where) -> None:
        """Open a form while the request's trigger_id lives; after (a replay at start), say so."""
        if request.trigger_id is None:
            notice = Reply(messages.SLACK_FORM_EXPIRED.format(verb=form.verb, ticket_id=form.ticket.id),
                           kind=Kind.INFO, ticket=form.ticket, private=True)
            self.outbox(client).deliver([notice], where)
            return
        view = form_view(form, _metadata(where))  # resolve and reply offer the macros (forms.py)
        try:
            client.views_open(trigger_id=request.trigger_id, view=view)
        except API_ERRORS as error:
            log.error("views.open failed for the %s modal of %s: %s", form.verb, form.ticket.id, error)

    def _who_where(self, request: Request) -> tuple[Actor, Where]:
        body = request.body
        user_id, hint = user_of(body)
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        thread = container.get("thread_ts") or message.get("thread_ts")
        return self.directory.actor(user_id, hint), Where(channel, user_id, thread=thread, respond=request.respond)

    def _who_where_view(self, body: Mapping[str, Any]) -> tuple[Actor, Where, dict[str, Any]]:
        user_id, hint = user_of(body)
        try:
            meta = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        where = Where(meta.get("channel"), user_id, thread=meta.get("thread"))
        return self.directory.actor(user_id, hint), where, meta

    def _submitted(self, request: Request, client: WebClient, answer: ModalAnswer,
                   core: Callable[[Actor, Where, dict[str, Any], dict[str, Any]], list[Reply]]) -> None:
        """Run ``core`` for a modal submission; a refusal the modal is still waiting for stays in the
        modal (``answer``), anything else (or a late or replayed outcome) is posted."""
        actor, where, meta = self._who_where_view(request.body)
        replies = core(actor, where, meta, dict(request.body.get("view") or {}))
        if answer.offer(replies):
            return  # shown under the field, in the modal still open
        self.outbox(client).deliver(replies, where)


def _metadata(where: Where) -> dict[str, Any]:
    return {"channel": where.channel, "thread": where.thread}
