"""Posting the desk's replies to Slack, and the ``Outbox`` the scheduler speaks through.

Where a reply goes is the core's ``route``; this module renders it as Block Kit and posts it:
INVOKER → ``respond`` or an ephemeral message; THREAD → the ticket's thread (the intake reply is
kept in the ticket's ``linked`` event, and refreshed with ``chat.update`` after a change); TEAM
→ the team channel when one is set; HERE → where it was asked. The ticket is always stored
before anything is posted, and a failing Web API is logged, never raised: the desk keeps
working when Slack is briefly unreachable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.adapters.slack import blocks as kit
from bot.adapters.slack import messages
from bot.desk import Desk, Destination, Kind, Reply, ThreadLink, Ticket, plan

log = logging.getLogger(__name__)

PLATFORM = "slack"
API_ERRORS = (SlackApiError, SlackClientError, OSError)


@dataclass(frozen=True, slots=True)
class Where:
    """Where a reply was asked for: the channel, the invoker, the thread, and Bolt's ``respond``."""

    channel: str | None
    user: str | None
    thread: str | None = None
    respond: Callable[..., Any] | None = None


NOWHERE = Where(None, None)  # unprompted posts (the scheduler): nobody to answer


class SlackOutbox:
    """Renders replies as Block Kit and posts them with a ``WebClient``; implements ``Outbox``."""

    def __init__(self, desk: Desk, client: WebClient) -> None:
        self.desk = desk
        self.client = client
        self.team_channel = desk.config.platform(PLATFORM).team_channel

    # -- the Outbox protocol --------------------------------------------------------

    def to_team(self, reply: Reply) -> None:
        """Post in the team channel; without one, team-only news is not posted at all."""
        self.post(Destination.TEAM, reply, NOWHERE)

    def to_thread(self, ticket: Ticket, reply: Reply) -> None:
        """Post in a ticket's thread, where its requester will see it."""
        self.post(Destination.THREAD, reply, NOWHERE, ticket=ticket)
        if reply.kind is Kind.CHANGED:
            self.refresh_intake(ticket.id)

    # -- replies to something someone did --------------------------------------------

    def deliver(self, replies: Iterable[Reply], where: Where) -> None:
        """Post every reply where the core routes it; then refresh the intake of changed tickets."""
        routed = plan(replies)
        for destination, reply in routed.steps:
            self.post(destination, reply, where)
        for ticket_id in routed.refresh:
            self.refresh_intake(ticket_id)

    def post(self, destination: Destination, reply: Reply, where: Where, *, ticket: Ticket | None = None) -> None:
        """Render ``reply`` and post it at ``destination``."""
        ticket = ticket or reply.ticket
        if destination is Destination.INVOKER:
            self.private(reply, where)
        elif destination is Destination.TEAM:
            if not self.team_channel:  # falling back to the support channel would show customers
                log.info("no Slack team channel configured ([slack] team_channel); not posted: %s", reply.text)
                return
            self._post(self.team_channel, reply)
        elif destination is Destination.THREAD and (link := self._link(ticket)) is not None:
            if reply.kind is Kind.INTAKE:
                self.post_intake(reply, ticket, link)
            else:
                self._post(link.channel, reply, thread=link.thread)
        elif where is NOWHERE:
            log.warning("%s has no Slack thread; not posted: %s", ticket.id if ticket else "-", reply.text)
        else:
            self.public(reply, where)

    def private(self, reply: Reply, where: Where) -> None:
        """Only the invoker sees it: ``respond`` (works in any channel) or ``chat.postEphemeral``."""
        if reply.kind is Kind.WHICH_TICKET and where.thread is None:
            reply = Reply(reply.text, kind=reply.kind, ticket=reply.ticket, private=True,
                          lines=(*reply.lines, messages.SLACK_NO_THREAD_HINT))
        if not (where.channel and where.user) and where.respond is None:
            log.warning("nowhere to show a private reply: %s", reply.text)
            return
        for payload in _payloads(reply):  # a long reply is several messages, in order
            if where.respond is not None and _respond(where.respond, response_type="ephemeral", **payload):
                continue
            if where.channel and where.user:
                self._call("chat.postEphemeral", self.client.chat_postEphemeral, channel=where.channel,
                           user=where.user, **({"thread_ts": where.thread} if where.thread else {}), **payload)

    def public(self, reply: Reply, where: Where) -> None:
        """Everyone in the conversation sees it, where it was asked for (files included)."""
        if where.respond is not None and where.thread is None:
            payloads = _payloads(reply)
            if _respond(where.respond, response_type="in_channel", **payloads[0]):
                for payload in payloads[1:]:
                    _respond(where.respond, response_type="in_channel", **payload)
                if where.channel:  # a response_url carries no files: the chart goes up beside it
                    self._upload(where.channel, reply, thread=None)
                return
        if where.channel:
            self._post(where.channel, reply, thread=where.thread)

    def post_intake(self, reply: Reply, ticket: Ticket, link: ThreadLink) -> None:
        """The intake answer in the request's thread; its ts is linked to the ticket to refresh it later."""
        response = self._call("chat.postMessage", self.client.chat_postMessage, channel=link.channel,
                              thread_ts=link.thread, text=kit.fallback_text(reply),
                              blocks=kit.intake_blocks(reply), unfurl_links=False)
        if response is not None and response.get("ts"):
            self.desk.link_thread(ticket.id, platform=PLATFORM, channel=str(response.get("channel") or link.channel),
                                  thread=str(link.thread), intake=str(response["ts"]))

    def _link(self, ticket: Ticket | None) -> ThreadLink | None:
        return self.desk.thread_link(ticket.id, PLATFORM) if ticket is not None else None

    def refresh_intake(self, ticket_id: str) -> None:
        """Show the ticket's current state and owner on its intake message (``chat.update``)."""
        link = self.desk.thread_link(ticket_id, PLATFORM)
        view = self.desk.intake_view(ticket_id)
        if link is None or view is None or not link.get("intake"):
            return
        self._call("chat.update", self.client.chat_update, channel=link.channel, ts=link.get("intake"),
                   text=kit.fallback_text(view), blocks=kit.intake_blocks(view))

    # -- helpers ---------------------------------------------------------------------

    def _post(self, channel: str, reply: Reply, *, thread: str | None = None) -> None:
        for payload in _payloads(reply):
            self._call("chat.postMessage", self.client.chat_postMessage, channel=channel, unfurl_links=False,
                       **({"thread_ts": thread} if thread else {}), **payload)
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


def _payloads(reply: Reply) -> list[dict[str, Any]]:
    """``text`` and ``blocks`` of each message a reply needs within Slack's per-message budget."""
    parts = kit.reply_messages(reply)
    return [{"text": kit.fallback_text(reply) if number == 0 else kit.part_fallback(blocks), "blocks": blocks}
            for number, blocks in enumerate(parts)]


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
