"""The intake form on Slack: a "New ticket" button in the support channel opens a modal of the
form's fields; its submission opens the ticket through ``Desk.submit_form``.

A bad answer keeps the modal open with the error under that field (checked before the ack,
within Slack's 3 s); a good submission is recorded in the inbox before the ack and opens its
ticket from there, so a restart loses none. The ticket then gets a thread of its own: the desk posts the request as a
new top-level message in the channel and links the ticket to it, so replies there join it. The
view id is the submission's message id, so a double submission opens one ticket.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
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
from bot.desk import FormField, Kind, Reply
from bot.errors import DeskError

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.adapters.slack.app import SlackListeners

log = logging.getLogger(__name__)

NEW_TICKET = f"{kit.PREFIX}:new_ticket"  # the button's action id
VIEW_FORM = f"{kit.PREFIX}:intake_form"
FORM_KIND = "view:intake_form"  # its kind in the inbox
BLOCK_PREFIX = "field:"


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


class FormListeners:
    """The button press and the modal submission, on the listeners' desk, directory and pools."""

    def __init__(self, listeners: SlackListeners) -> None:
        self.listeners = listeners
        self.desk = listeners.desk

    def register(self, app: App) -> None:
        app.action(NEW_TICKET)(acked(self.on_button, self.listeners.pools.interactive))
        app.view(VIEW_FORM)(self.on_submit)

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
