"""The intake form on Slack, and the macro picker of the reply and resolve forms.

A "New ticket" button in the support channel opens a modal of the form's fields; its submission
opens the ticket through ``Desk.submit_form``.

A bad answer keeps the modal open with the error under that field (checked before the ack,
within Slack's 3 s); a good submission is recorded in the inbox before the ack and opens its
ticket from there, so a restart loses none. The ticket then gets a thread of its own: the desk posts the request as a
new top-level message in the channel and links the ticket to it, so replies there join it. The
view id is the submission's message id, so a double submission opens one ticket.

The reply form (``/desk reply T-12``) and the resolve form offer the team's macros in a select
beside the free text: a static one up to Slack's 100 options, past that an external one whose
options are the macros matching what the agent types (``block_suggestion``, answered at once
from the macro list). The submission names the macro; the core fills it in
(``Desk.send_reply``, ``Desk.resolve``), and a macro removed meanwhile answers with the list.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from bot import messages as core_messages
from bot.adapters import limits
from bot.adapters.slack import blocks as kit
from bot.adapters.slack import messages
from bot.adapters.slack.acks import acked
from bot.adapters.slack.directory import PLATFORM, user_of
from bot.adapters.slack.inbound import Request, accept
from bot.adapters.slack.outbox import API_ERRORS, Where
from bot.desk import Form, FormField, Kind, MacroChoice, Reply
from bot.errors import DeskError
from bot.replies import MACRO_FIELD

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.adapters.slack.app import SlackListeners

log = logging.getLogger(__name__)

NEW_TICKET = f"{kit.PREFIX}:new_ticket"  # the button's action id
VIEW_FORM = f"{kit.PREFIX}:intake_form"
FORM_KIND = "view:intake_form"  # its kind in the inbox
VIEW_REPLY = f"{kit.PREFIX}:reply"
BLOCK_PREFIX = "field:"
MACRO_BLOCK = MACRO_FIELD  # the core names it when a refusal is about the picked macro
MACRO_ACTION = f"{kit.PREFIX}:macro"  # the select's action id (external options are asked for by it)
REPLY_BLOCK = "reply"
BUTTON_LOOK_BACK = 100  # latest messages searched for a "New ticket" message whose ts was never stored


def button_blocks() -> list[dict[str, Any]]:
    """The persistent message in a support channel: an invitation and the "New ticket" button."""
    return [kit._section(kit.escape(core_messages.FORM_INVITE)),
            {"type": "actions", "block_id": f"{kit.PREFIX}:form",
             "elements": [kit.button(core_messages.FORM_BUTTON, NEW_TICKET, "form", style="primary")]}]


def form_modal(fields: Sequence[FormField], *, channel: str) -> dict[str, Any]:
    """The modal: a text input per free-text field, a select per field with options."""
    return kit._modal(VIEW_FORM, core_messages.FORM_TITLE, messages.SLACK_MODAL_SEND,
                      [_field_block(f, request=n == 0) for n, f in enumerate(fields)], {"channel": channel})


def _field_block(field: FormField, *, request: bool) -> dict[str, Any]:
    """The request (always first) in a multi-line box; the other free-text answers on one line."""
    block_id = BLOCK_PREFIX + field.name
    label = kit._plain(field.label, limits.SLACK_INPUT_LABEL)
    if field.options:
        options = [{"text": kit._plain(o, limits.SLACK_OPTION_TEXT), "value": o[:limits.SLACK_OPTION_VALUE]}
                   for o in field.options[:limits.SLACK_SELECT_OPTIONS]]
        element: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": options}
    else:
        element = {"type": "plain_text_input", "action_id": "value", "multiline": request,
                   "max_length": limits.SLACK_TEXT_INPUT_VALUE}
    return {"type": "input", "block_id": block_id, "label": label, "optional": not field.required,
            "element": element}


def answers_of(view: dict[str, Any], fields: Sequence[FormField]) -> dict[str, str]:
    """The submitted answers by field name (a select's chosen option, a text input's text)."""
    return {f.name: kit.view_value(view, BLOCK_PREFIX + f.name) or "" for f in fields}


# -- the macro picker ---------------------------------------------------------------------

def macro_option(choice: MacroChoice) -> dict[str, Any]:
    option: dict[str, Any] = {"text": kit._plain(f":{choice.name}", limits.SLACK_OPTION_TEXT),
                              "value": choice.name[:limits.SLACK_OPTION_VALUE]}
    if choice.preview:
        option["description"] = kit._plain(choice.preview, limits.SLACK_OPTION_DESCRIPTION)
    return option


def macro_block(choices: Sequence[MacroChoice]) -> dict[str, Any] | None:
    """The optional macro select of a reply or resolve form; ``None`` when there are no macros."""
    if not choices:
        return None
    if len(choices) <= limits.SLACK_SELECT_OPTIONS:
        element: dict[str, Any] = {"type": "static_select", "action_id": MACRO_ACTION,
                                   "options": [macro_option(c) for c in choices]}
    else:  # more than one select holds: the options come as the agent types
        element = {"type": "external_select", "action_id": MACRO_ACTION, "min_query_length": 0}
    element["placeholder"] = kit._plain(core_messages.MACROS_HEADER.format(count=len(choices)), 150)
    return {"type": "input", "block_id": MACRO_BLOCK, "optional": True,
            "label": kit._plain(core_messages.MACRO_PICKER_LABEL, limits.SLACK_INPUT_LABEL),
            "hint": kit._plain(core_messages.MACRO_PICKER_HINT, limits.SLACK_INPUT_HINT), "element": element}


def matching_macros(choices: Sequence[MacroChoice], typed: str) -> list[dict[str, Any]]:
    """The external select's options: macros whose name or text has what was typed, names first."""
    wanted = typed.strip().lstrip(":").casefold()
    named = [c for c in choices if wanted in c.name.casefold()]
    texts = [c for c in choices if c not in named and wanted in c.preview.casefold()]
    return [macro_option(c) for c in (named + texts)[:limits.SLACK_SELECT_OPTIONS]]


def with_macros(view: dict[str, Any], choices: Sequence[MacroChoice], *, text_block: str) -> dict[str, Any]:
    """``view`` with the macro picker after its text; the text is optional then (a macro may be all)."""
    block = macro_block(choices)
    if block is None:
        return view
    blocks = [dict(b, optional=True) if b.get("block_id") == text_block else b for b in view["blocks"]]
    at = next((n + 1 for n, b in enumerate(blocks) if b.get("block_id") == text_block), len(blocks))
    return {**view, "blocks": [*blocks[:at], block, *blocks[at:]]}


def picked_macro(view: dict[str, Any]) -> str | None:
    """The macro chosen in a submitted form, if any."""
    state = ((view.get("state") or {}).get("values") or {}).get(MACRO_BLOCK) or {}
    option = (state.get(MACRO_ACTION) or {}).get("selected_option") or {}
    return str(option.get("value") or "") or None


def reply_modal(ticket_id: str, choices: Sequence[MacroChoice], metadata: dict[str, Any]) -> dict[str, Any]:
    """``/desk reply T-12``: the answer to post in the thread, and the macros to start it from."""
    text = kit._text_input(REPLY_BLOCK, core_messages.REPLY_FORM_TEXT)
    text["element"]["max_length"] = limits.SLACK_TEXT_INPUT_VALUE
    text["hint"] = kit._plain(core_messages.REPLY_FORM_TEXT_HINT, limits.SLACK_INPUT_HINT)
    view = kit._modal(VIEW_REPLY, core_messages.REPLY_FORM_TITLE.format(ticket_id=ticket_id),
                      core_messages.REPLY_FORM_SUBMIT, [text], {**metadata, "ticket": ticket_id})
    return with_macros(view, choices, text_block=REPLY_BLOCK)


def form_view(form: Form, metadata: dict[str, Any]) -> dict[str, Any]:
    """The modal of a form the desk opened: resolve (with articles and macros), reply, or note."""
    if form.verb == "resolve":
        return with_macros(kit.resolve_modal(form.ticket, list(form.articles), metadata), form.macros,
                           text_block="resolution")
    if form.verb == "reply":
        return reply_modal(form.ticket.id, form.macros, metadata)
    return kit.note_modal(form.ticket.id, metadata)


class FormListeners:
    """The button press and the modal submission, on the listeners' desk, directory and pools."""

    def __init__(self, listeners: SlackListeners) -> None:
        self.listeners = listeners
        self.desk = listeners.desk

    def register(self, app: App) -> None:
        app.action(NEW_TICKET)(acked(self.on_button, self.listeners.pools.interactive))
        app.view(VIEW_FORM)(self.on_submit)
        app.options(MACRO_ACTION)(self.on_macro_options)  # the reply form is among the listeners' modals()

    def modals(self) -> dict[str, tuple[str, Any, str]]:
        """The reply form, recorded and answered like the listeners' other modals (``SlackListeners.modals``)."""
        return {VIEW_REPLY: ("view:reply", self.on_reply_submit, REPLY_BLOCK)}

    def on_macro_options(self, ack, body: dict[str, Any]) -> None:
        """The external macro select asks for options as the agent types: answered at once."""
        ack(options=matching_macros(self.desk.macro_choices(), str(body.get("value") or "")))

    def on_reply_submit(self, request, client: WebClient, answer) -> None:
        """The reply form: the core posts the (macro and) text; a refusal stays in the modal."""
        def reply(actor, where, meta: dict[str, Any], view: dict[str, Any]) -> list[Reply]:
            return self.desk.send_reply(actor, str(meta.get("ticket", "")), kit.view_value(view, REPLY_BLOCK) or "",
                                        macro=picked_macro(view))

        self.listeners._submitted(request, client, answer, reply)

    def on_button(self, body: dict[str, Any], client: WebClient, respond) -> None:
        """Open the form (the trigger id is good for 3 s, hence the interactive pool)."""
        user_id, _ = user_of(body)
        channel = str((body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id") or "")
        fields = self.desk.intake_form()
        if not fields:
            notice = Reply(core_messages.FORM_NOT_CONFIGURED, kind=Kind.INFO, private=True)
            self.listeners.outbox(client).deliver([notice], Where(channel, user_id, respond=respond))
            return
        try:
            client.views_open(trigger_id=body.get("trigger_id"), view=form_modal(fields, channel=channel))
        except API_ERRORS as error:
            log.error("views.open failed for the intake form in %s: %s", channel, error)

    def on_submit(self, ack, body: dict[str, Any], view: dict[str, Any], client: WebClient):
        """Check every answer before the ack (a bad one stays in the modal, under its field); open after."""
        fields = self.desk.intake_form()
        answers = answers_of(view, fields)
        errors: dict[str, str] = {}
        for field in fields:
            try:
                self.desk.check_form_answer(field, answers[field.name])
            except DeskError as error:
                errors[BLOCK_PREFIX + field.name] = error.message[:limits.SLACK_INPUT_HINT]
        if errors:
            ack(response_action="errors", errors=errors)
            return None
        return accept(self.listeners.receiver, FORM_KIND, body, ack=ack, pool=self.listeners.pools.work,
                      work=self.open_ticket, client=client)

    def open_ticket(self, request: Request, client: WebClient) -> None:
        """The recorded submission opens its ticket (again after a restart: once, on the view id)."""
        body = request.body
        view = dict(body.get("view") or {})
        answers = answers_of(view, self.desk.intake_form())
        user_id, hint = user_of(body)
        actor = self.listeners.directory.actor(user_id, hint)
        try:
            channel = str(json.loads(view.get("private_metadata") or "{}").get("channel") or "")
        except ValueError:
            channel = ""
        outbox = self.listeners.outbox(client)
        outcome = self.desk.submit_form(actor, answers, channel=channel, message_id=f"form-{view.get('id')}")
        if not outcome.created or outcome.ticket is None:
            if outcome.replies:  # refused after all (the form changed under the modal): say why, privately
                outbox.deliver(outcome.replies, Where(channel, user_id))
            return
        ticket = outcome.ticket
        text = messages.SLACK_FORM_REQUEST.format(user=user_id, request=kit.escape(ticket.body))
        posted = outbox._call("chat.postMessage", client.chat_postMessage, channel=channel, text=text,
                              blocks=kit._sections(text), unfurl_links=False)
        thread = str(posted.get("ts") or "") if posted is not None else ""
        if thread:  # the ticket's thread: replies under the request's message join it
            self.desk.link_thread(ticket.id, platform=PLATFORM, channel=channel, thread=thread)
        outbox.deliver(outcome.replies, Where(channel, user_id, thread=thread or None))


def post_button(client: WebClient, channel: str) -> str:
    """Post the "New ticket" message in ``channel``; its ts (the button works for as long as it is there)."""
    response = client.chat_postMessage(channel=channel, text=core_messages.FORM_INVITE, blocks=button_blocks())
    return str(response.get("ts") or "")


def keep_buttons(desk, client: WebClient) -> list[str]:
    """At start, with an intake form: the "New ticket" message in every support channel, posted once
    (its ts kept by the desk), posted again where it was deleted; the channels it was posted in."""
    if not desk.intake_form():
        return []
    channels = desk.config.platform(PLATFORM).channels
    if not channels:
        log.warning("the intake form has no support channels listed in [slack] channels: no New ticket button "
                    "posted ('chatdesk slack post-form-button --channel C…' posts one)")
    posted: list[str] = []
    for channel in channels:
        try:
            ts = desk.keep_form_button(PLATFORM, channel, exists=partial(_still_there, client, channel),
                                       post=partial(post_button, client, channel),
                                       find=partial(_find_button, client, channel))
        except API_ERRORS as error:
            log.error("could not check or post the New ticket button in %s (nothing posted): %s", channel, error)
            continue
        if ts:
            log.info("posted the New ticket button in %s (ts %s)", channel, ts)
            posted.append(channel)
    return posted


def _find_button(client: WebClient, channel: str) -> str | None:
    """The ts of a "New ticket" message of ours among the channel's latest messages, if one is there."""
    found = client.conversations_history(channel=channel, limit=BUTTON_LOOK_BACK)
    for message in found.get("messages") or []:
        buttons = [element for block in message.get("blocks") or [] for element in block.get("elements") or []]
        if message.get("bot_id") and any(b.get("action_id") == NEW_TICKET for b in buttons if isinstance(b, dict)):
            return str(message.get("ts"))
    return None


def _still_there(client: WebClient, channel: str, ts: str) -> bool:
    """Whether the message ``ts`` is still in ``channel`` (conversations.history around it)."""
    found = client.conversations_history(channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1)
    return any(m.get("ts") == ts and m.get("subtype") != "tombstone" for m in found.get("messages") or [])
