"""Posting the desk's replies to Slack, and the ``Outbox`` the scheduler speaks through.

Where a reply goes follows its kind: private → ephemeral to the invoker; INTAKE → the request's
thread; CHANGED and SURVEY → the ticket's thread, and the intake message is refreshed
(``chat.update``) to show the state and owner; ANNOUNCE → the team channel when one is set.
The ticket is always stored before anything is posted, and a failing Web API is logged,
never raised: the desk keeps working when Slack is briefly unreachable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import messages
from bot.adapters.slack import blocks as kit
from bot.desk import Desk
from bot.domain import Ticket
from bot.replies import Kind, Reply, Suggestion

log = logging.getLogger(__name__)

PLATFORM = "slack"
API_ERRORS = (SlackApiError, SlackClientError, OSError)
WHICH_TICKET_PREFIX = messages.WHICH_TICKET.split("{", 1)[0]


def intake_key(ticket_id: str) -> str:
    """Store key of the bot's intake reply for a ticket (channel and ts), for ``chat.update``."""
    return f"slack:intake:{ticket_id}"


def thread_key_of(ticket_id: str) -> str:
    """Store key of the Slack thread a ticket lives in when it is not its own message's thread
    (a ticket opened with the shortcut from a reply lives in that reply's thread)."""
    return f"slack:thread:{ticket_id}"


@dataclass(frozen=True, slots=True)
class Where:
    """Where a reply was asked for: the channel, the invoker, the thread, and Bolt's ``respond``."""

    channel: str | None
    user: str | None
    thread: str | None = None
    respond: Callable[..., Any] | None = None


class SlackOutbox:
    """Renders replies as Block Kit and posts them with a ``WebClient``; implements ``Outbox``."""

    def __init__(self, desk: Desk, client: WebClient) -> None:
        self.desk = desk
        self.client = client
        slack = desk.config.platform(PLATFORM)
        self.team_channel = slack.team_channel
        self.support_channels = slack.channels

    # -- the Outbox protocol --------------------------------------------------------

    def to_team(self, reply: Reply) -> None:
        """Post in the team channel; without one, team-only news is not posted at all.

        Falling back to the support channel would show reminders and metrics to customers.
        """
        if not self.team_channel:
            log.info("no Slack team channel configured ([slack] team_channel); not posted: %s", reply.text)
            return
        self._post(self.team_channel, reply)

    def to_thread(self, ticket: Ticket, reply: Reply) -> None:
        """Post in a ticket's thread, where its requester will see it."""
        if ticket.source.platform != PLATFORM:
            log.warning("%s is not a Slack ticket; not posted: %s", ticket.id, reply.text)
            return
        self._post(ticket.source.channel, reply, thread=self.thread_of(ticket))
        if reply.kind is Kind.CHANGED:
            self.refresh_intake(ticket.id)

    # -- replies to something someone did --------------------------------------------

    def deliver(self, replies: Iterable[Reply], where: Where) -> None:
        """Post every reply where its kind says it belongs."""
        refresh: list[str] = []
        for reply in replies:
            if reply.private:
                self.private(reply, where)
            elif reply.kind is Kind.INTAKE and reply.ticket is not None:
                self.post_intake(reply)
            elif reply.kind is Kind.ANNOUNCE:
                if self.team_channel:
                    self._post(self.team_channel, reply)
            elif reply.kind in (Kind.CHANGED, Kind.SURVEY) and _is_slack(reply.ticket):
                ticket = reply.ticket
                self._post(ticket.source.channel, reply, thread=self.thread_of(ticket))
                if reply.kind is Kind.CHANGED and ticket.id not in refresh:
                    refresh.append(ticket.id)
            else:
                self.public(reply, where)
        for ticket_id in refresh:
            self.refresh_intake(ticket_id)

    def private(self, reply: Reply, where: Where) -> None:
        """Only the invoker sees it: ``respond`` (works in any channel) or ``chat.postEphemeral``."""
        if reply.text.startswith(WHICH_TICKET_PREFIX) and where.thread is None:
            reply = Reply(reply.text, kind=reply.kind, ticket=reply.ticket, private=True,
                          lines=(*reply.lines, messages.SLACK_NO_THREAD_HINT))
        payload = {"text": kit.fallback_text(reply), "blocks": kit.reply_blocks(reply)}
        if where.respond is not None and _respond(where.respond, response_type="ephemeral", **payload):
            return
        if where.channel and where.user:
            self._call("chat.postEphemeral", self.client.chat_postEphemeral, channel=where.channel,
                       user=where.user, **({"thread_ts": where.thread} if where.thread else {}), **payload)
        else:
            log.warning("nowhere to show a private reply: %s", reply.text)

    def public(self, reply: Reply, where: Where) -> None:
        """Everyone in the conversation sees it, where it was asked for."""
        payload = {"text": kit.fallback_text(reply), "blocks": kit.reply_blocks(reply)}
        if (where.respond is not None and where.thread is None
                and _respond(where.respond, response_type="in_channel", **payload)):
            return
        if where.channel:
            self._post(where.channel, reply, thread=where.thread)

    def post_intake(self, reply: Reply) -> None:
        """The intake answer in the request's thread; its ts is kept to refresh it later."""
        ticket = reply.ticket
        assert ticket is not None
        thread = self.thread_of(ticket)
        response = self._call("chat.postMessage", self.client.chat_postMessage, channel=ticket.source.channel,
                              thread_ts=thread, text=kit.fallback_text(reply),
                              blocks=kit.intake_blocks(reply), unfurl_links=False)
        if response is not None and response.get("ts"):
            self.desk.service.store.put(intake_key(ticket.id),
                                        {"channel": response.get("channel") or ticket.source.channel,
                                         "ts": response["ts"]})

    def refresh_intake(self, ticket_id: str) -> None:
        """Show the ticket's current state and owner on its intake message (``chat.update``)."""
        ref = self.desk.service.store.recall(intake_key(ticket_id))
        ticket = self.desk.service.store.get(ticket_id)
        if not ref or ticket is None:
            return
        suggestions = [Suggestion(str(s.get("slug", "")), str(s.get("title", s.get("slug", ""))),
                                  str(s.get("url", "")), float(s.get("score", 0))) for s in ticket.suggestions]
        original = self.desk.intake_reply(ticket, suggestions)
        self._call("chat.update", self.client.chat_update, channel=ref["channel"], ts=ref["ts"],
                   text=kit.fallback_text(original), blocks=kit.intake_blocks(original, ticket))

    def thread_of(self, ticket: Ticket) -> str | None:
        """The ts of the Slack thread a ticket's conversation lives in."""
        moved = self.desk.service.store.recall(thread_key_of(ticket.id))
        return moved or ticket.source.thread or ticket.source.message

    # -- helpers ---------------------------------------------------------------------

    def _post(self, channel: str, reply: Reply, *, thread: str | None = None) -> None:
        self._call("chat.postMessage", self.client.chat_postMessage, channel=channel,
                   text=kit.fallback_text(reply), blocks=kit.reply_blocks(reply), unfurl_links=False,
                   **({"thread_ts": thread} if thread else {}))
        self._upload(channel, reply, thread=thread)

    def _upload(self, channel: str, reply: Reply, *, thread: str | None) -> None:
        """Files a reply carries (the weekly metrics chart) go up under the message."""
        for attachment in reply.attachments:
            path = Path(attachment)
            if not path.is_file():
                log.warning("attachment %s does not exist; not uploaded", path)
                continue
            self._call("files.uploadV2", self.client.files_upload_v2, channel=channel, file=str(path),
                       filename=path.name, title=path.stem, **({"thread_ts": thread} if thread else {}))

    @staticmethod
    def _call(method: str, function: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return function(**kwargs)
        except API_ERRORS as error:
            log.error("Slack %s failed (the ticket is stored; only this message is lost): %s", method, error)
            return None


def _respond(respond: Callable[..., Any], **payload: Any) -> bool:
    """Answer through the interaction's ``response_url``; False when that did not work."""
    try:
        response = respond(replace_original=False, **payload)
    except (*API_ERRORS, ValueError) as error:
        log.warning("respond failed, falling back to the Web API: %s", error)
        return False
    status = getattr(response, "status_code", 200)
    if status >= 400:
        log.warning("respond answered %s, falling back to the Web API", status)
        return False
    return True


def _is_slack(ticket: Ticket | None) -> bool:
    return ticket is not None and ticket.source.platform == PLATFORM and bool(ticket.source.channel)
