"""Posting the desk's replies to Slack, and the ``Outbox`` the scheduler speaks through.

Where a reply goes is the core's ``route``; this module renders it as Block Kit and posts it:
INVOKER → ``respond`` or an ephemeral message; THREAD → the ticket's thread (the intake reply is
kept in the ticket's ``linked`` event, and refreshed with ``chat.update`` after a change); TEAM
→ the team channel when one is set; HERE → where it was asked. The ticket is always stored
before anything is posted.

With a ``Courier`` (``chatdesk run``), every post the desk owes in a channel (the intake reply,
thread notices, announcements, reminders, surveys, the weekly post and its chart, intake
refreshes) is rendered to the Web API call it needs and recorded in the durable outbox before
the call is made; the courier makes it, retrying until Slack accepts it or it expires (a post
Slack refuses for good, such as ``channel_not_found``, is set aside). The intake reply's ``ts``
becomes the ticket's thread link when Slack accepts it, and a refresh reads that link when it is
sent (it follows the intake in the thread's lane), so both survive a restart. Each recorded
message carries a tag of its post (``bot.adapters.slack.sender``), so one whose send ended
unknown is found rather than posted twice. Answers only the invoker sees (``respond``,
``chat.postEphemeral``) stay direct: ``response_url`` lives 30 minutes, an ephemeral message is
meaningless later, and neither is seen by anyone else. Without a courier (tests, one-off CLI
posts) every call is made at once and a failure is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.adapters.slack import blocks as kit
from bot.adapters.slack import messages
from bot.adapters.slack.sender import SlackSender, tagged
from bot.courier import Courier, Refused, TryLater
from bot.desk import Desk, Destination, Kind, Reply, ThreadLink, Ticket, plan
from bot.outbound import Handed
from bot.outbox import OutboxError, Owed, post_key

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


def once_key(reply: Reply) -> str | None:
    """The outbox key of a post the core names to be owed once (``Reply.once``)."""
    return f"{PLATFORM}:{reply.once}" if reply.once else None


class SlackOutbox:
    """Renders replies as Block Kit and posts them (through the durable outbox when given a courier)."""

    def __init__(self, desk: Desk, client: WebClient, *, courier: Courier | None = None) -> None:
        self.desk = desk
        self.client = client
        self.courier = courier
        self.team_channel = desk.config.platform(PLATFORM).team_channel

    # -- the Outbox protocol --------------------------------------------------------

    def to_team(self, reply: Reply, *, key: str | None = None, mark: str | None = None) -> Handed:
        """Post in the team channel; without one, team-only news is not posted at all."""
        if not self.team_channel:  # falling back to the support channel would show customers
            log.info("no Slack team channel configured ([slack] team_channel); not posted: %s", reply.text)
            return Handed.NOWHERE
        return self._send(_messages(self.team_channel, reply), lane=_lane(self.team_channel), key=key, mark=mark)

    def to_thread(self, ticket: Ticket, reply: Reply, *, key: str | None = None) -> Handed:
        """Post in a ticket's thread, where its requester will see it."""
        handed = self.post(Destination.THREAD, reply, NOWHERE, ticket=ticket, key=key)
        if reply.kind is Kind.CHANGED:
            self.refresh_intake(ticket.id)
        return handed

    def holds(self, key: str) -> bool:
        """True when the outbox still owes (or gave up) the post with ``key``."""
        return self.courier is not None and self.courier.holds(key)

    @property
    def durable(self) -> bool:
        """True when posts are recorded in the durable outbox (``chatdesk run``), not made at once."""
        return self.courier is not None

    def accepted(self, key: str) -> bool:
        """True when the platform accepted the recorded post with ``key``."""
        return self.courier is not None and self.courier.accepted(key)

    # -- replies to something someone did --------------------------------------------

    def deliver(self, replies: Iterable[Reply], where: Where) -> None:
        """Post every reply where the core routes it; then refresh the intake of changed tickets."""
        routed = plan(replies)
        for destination, reply in routed.steps:
            self.post(destination, reply, where)
        for ticket_id in routed.refresh:
            self.refresh_intake(ticket_id)

    def post(self, destination: Destination, reply: Reply, where: Where, *, ticket: Ticket | None = None,
             key: str | None = None) -> Handed:
        """Render ``reply`` and post it at ``destination``."""
        ticket = ticket or reply.ticket
        if destination is Destination.INVOKER:
            self.private(reply, where)
            return Handed.ACCEPTED
        if destination is Destination.TEAM:
            return self.to_team(reply, key=key or once_key(reply))
        if destination is Destination.THREAD and (link := self._link(ticket)) is not None:
            if reply.kind is Kind.INTAKE:
                return self.post_intake(reply, ticket, link)
            return self._send(_messages(link.channel, reply, thread=link.thread), lane=_lane(link.channel, link.thread),
                              key=key)
        if where is NOWHERE:
            log.warning("%s has no Slack thread; not posted: %s", ticket.id if ticket else "-", reply.text)
            return Handed.NOWHERE
        return self.public(reply, where)

    def private(self, reply: Reply, where: Where) -> None:
        """Only the invoker sees it: ``respond`` (works in any channel) or ``chat.postEphemeral``; direct."""
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

    def public(self, reply: Reply, where: Where) -> Handed:
        """Everyone in the conversation sees it, where it was asked for (files included)."""
        if where.respond is not None and where.thread is None:
            payloads = _payloads(reply)
            if _respond(where.respond, response_type="in_channel", **payloads[0]):
                for payload in payloads[1:]:
                    _respond(where.respond, response_type="in_channel", **payload)
                if where.channel:  # a response_url carries no files: the chart goes up beside it
                    return self._send(_uploads(where.channel, reply, thread=None), lane=_lane(where.channel))
                return Handed.ACCEPTED
        if where.channel:
            return self._send(_messages(where.channel, reply, thread=where.thread),
                              lane=_lane(where.channel, where.thread))
        return Handed.NOWHERE

    def post_intake(self, reply: Reply, ticket: Ticket, link: ThreadLink) -> Handed:
        """The intake answer in the request's thread; its ts is linked to the ticket (to refresh it later)."""
        call = {"method": "chat.postMessage",
                "args": {"channel": link.channel, "thread_ts": link.thread, "text": kit.fallback_text(reply),
                         "blocks": kit.intake_blocks(reply), "unfurl_links": False},
                "link_intake": {"ticket": ticket.id, "channel": link.channel, "thread": str(link.thread)}}
        # One intake reply per ticket, however often the request is handled (an inbox replay).
        return self._send([call], lane=_lane(link.channel, link.thread), key=f"{PLATFORM}:intake:{ticket.id}")

    def owe_first_posts(self, ticket: Ticket | None) -> None:
        """A message handled again (an inbox replay after a crash) owes its intake reply and the
        team's announcement, unless each was recorded or posted already: the crash may have come
        between the ticket and the records."""
        link = self._link(ticket)
        if self.courier is None or ticket is None or link is None:
            return
        if not link.get("intake") and not self.holds(f"{PLATFORM}:intake:{ticket.id}") \
                and (view := self.desk.intake_view(ticket.id)):
            log.info("%s: its intake reply was not recorded before the last stop; owed now", ticket.id)
            self.post_intake(view, ticket, link)
        announcement = self.desk.announcement(ticket.id)
        if announcement is not None and not self.holds(key := once_key(announcement) or ""):
            log.info("%s: its announcement was not recorded before the last stop; owed now", ticket.id)
            self.to_team(announcement, key=key)

    def _link(self, ticket: Ticket | None) -> ThreadLink | None:
        return self.desk.thread_link(ticket.id, PLATFORM) if ticket is not None else None

    def refresh_intake(self, ticket_id: str) -> None:
        """Show the ticket's current state and owner on its intake message (``chat.update``)."""
        link = self.desk.thread_link(ticket_id, PLATFORM)
        if link is None:
            return
        # Rendered when sent, from the ticket as it is then, after the intake reply in its lane.
        self._send([{"method": "chat.update", "refresh": ticket_id}], lane=_lane(link.channel, link.thread))

    # -- making the calls ------------------------------------------------------------

    def _send(self, calls: list[dict[str, Any]], *, lane: str, key: str | None = None,
              mark: str | None = None) -> Handed:
        """Record ``calls`` in the outbox (with a courier) or make them now; what became of them."""
        if not calls:
            return Handed.ACCEPTED
        if self.courier is None:
            return self._send_directly(calls)
        base = key or post_key(PLATFORM)
        keys = [base if number == 0 else f"{base}#{number + 1}" for number in range(len(calls))]
        owed = [Owed(part, lane, tagged(call, part), mark=mark if number == len(calls) - 1 else None)
                for number, (part, call) in enumerate(zip(keys, calls))]
        try:
            self.courier.owe(owed)
        except OutboxError as error:  # the durable outbox is unwritable: post now rather than not at all
            log.error("the outbox cannot record a post (%s); posting it directly", error)
            return self._send_directly(calls)
        return Handed.OWED

    def _send_directly(self, calls: list[dict[str, Any]]) -> Handed:
        results = [self.call(call) for call in calls]
        return Handed.ACCEPTED if all(result is not None for result in results) else Handed.NOT_POSTED

    def call(self, call: Mapping[str, Any]) -> Any:
        """Make one recorded call now, logging a failure; the response, or ``None``."""
        try:
            return SlackSender(self.desk, self.client).perform(call)
        except (TryLater, Refused) as error:
            log.error("Slack %s failed (the ticket is stored; only this message is lost): %s",
                      call.get("method"), error)
            return None

    @staticmethod
    def _call(method: str, function: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return function(**kwargs)
        except API_ERRORS as error:
            log.error("Slack %s failed (the ticket is stored; only this message is lost): %s", method, error)
            return None


def _lane(channel: str, thread: str | None = None) -> str:
    """Posts into one thread (or one channel's top level) go out in order."""
    return f"{PLATFORM}:{channel}:{thread or '-'}"


def _messages(channel: str, reply: Reply, *, thread: str | None = None) -> list[dict[str, Any]]:
    """The ``chat.postMessage`` calls of a reply (several when it is long), then its files."""
    threaded = {"thread_ts": thread} if thread else {}
    posts = [{"method": "chat.postMessage", "args": {"channel": channel, "unfurl_links": False, **threaded, **payload}}
             for payload in _payloads(reply)]
    return posts + _uploads(channel, reply, thread=thread)


def _uploads(channel: str, reply: Reply, *, thread: str | None) -> list[dict[str, Any]]:
    """Files a reply carries (the weekly metrics chart) go up under the message."""
    calls = []
    for attachment in reply.attachments:
        path = Path(attachment)
        calls.append({"method": "files.uploadV2",
                      "args": {"channel": channel, "file": str(path), "filename": path.name, "title": path.stem,
                               **({"thread_ts": thread} if thread else {})}})
    return calls


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
