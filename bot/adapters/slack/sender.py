"""The courier's ``Sender`` for Slack: makes a recorded Web API call, and tells whether a post is there.

Slack's answer says what becomes of a post: accepted; ``TryLater`` (a 429 with its
``Retry-After``, a 5xx, the network); ``Refused`` for errors no retry can mend (the post is set
aside with Slack's error). Each recorded ``chat.postMessage`` carries its post's tag in Slack's
message metadata (``tagged``), so a post whose send ended unknown (the process died during it,
a timeout, a 5xx after the message was made) is looked for in its channel or thread before it
is sent again (``already_sent``): it shows once. An intake reply's ``ts`` is linked to its
ticket when Slack accepts it (or when it is found), for its later refreshes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.adapters.slack import blocks as kit
from bot.courier import Courier, Refused, TryLater, courier_for
from bot.outbox import Post

if TYPE_CHECKING:
    from bot.desk import Desk

log = logging.getLogger(__name__)

PLATFORM = "slack"
POST_EVENT = "chatdesk_post"  # the metadata event type that tags a recorded message with its post
# Messages read back when looking for an uncertain post (the newest since it was recorded). Apps
# built for one workspace keep conversations.history's Tier 3 limits (50+ a minute).
HISTORY_LIMIT = 200
# Web API errors that no retry can mend (https://api.slack.com/methods/chat.postMessage#errors):
# the post is set aside with the reason. Anything else (5xx, ratelimited, network) is retried.
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "invalid_blocks_format",
    "msg_too_long", "msg_blocks_too_long", "no_text", "too_many_attachments", "invalid_attachments",
    "cannot_reply_to_message", "thread_not_found", "restricted_action", "restricted_action_read_only_channel",
    "restricted_action_thread_only_channel", "restricted_action_non_threadable_channel", "message_not_found",
    "cant_update_message", "edit_window_closed", "invalid_arguments", "file_not_found", "invalid_channel",
})


class SlackSender:
    """The courier's ``Sender`` for Slack: makes a recorded call; Slack's answer says retry or give up."""

    def __init__(self, desk: Desk, client: WebClient) -> None:
        self.desk = desk
        self.client = client

    def send(self, post: Post) -> None:
        self.perform(post.payload)

    def already_sent(self, post: Post) -> bool:
        """True when the post's message is in its channel or thread already (found by the tag in
        its metadata): its last send reached Slack though the answer was lost, or the process died
        before hearing it. Its intake link is kept as if Slack had just answered."""
        call = post.payload
        args = call.get("args") or {}
        tag = ((args.get("metadata") or {}).get("event_payload") or {}).get("post")
        if call.get("method") != "chat.postMessage" or not tag:
            return False  # chat.update repeats harmlessly; a file upload carries no tag
        # Slack's ts are epoch seconds: the message cannot predate its record (a minute of clock skew).
        query = {"channel": args.get("channel"), "oldest": f"{max(0.0, post.recorded - 60):.6f}",
                 "include_all_metadata": True, "limit": HISTORY_LIMIT}
        if args.get("thread_ts"):
            response = self._api("conversations.replies", {**query, "ts": args["thread_ts"]})
        else:
            response = self._api("conversations.history", query)
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == POST_EVENT and (metadata.get("event_payload") or {}).get("post") == tag:
                self._link_intake(call, {"ts": message.get("ts"), "channel": args.get("channel")})
                return True
        return False

    def perform(self, call: Mapping[str, Any]) -> Any:
        """Make ``call``; raises ``TryLater`` or ``Refused`` (with Slack's error) when Slack did not accept it."""
        method = str(call.get("method"))
        args = dict(call.get("args") or {})
        if method == "chat.update":
            args = self._refresh_args(str(call.get("refresh", "")))
            if args is None:
                return {}  # no intake message to refresh (it was set aside, or the ticket is gone)
        elif method == "files.uploadV2" and not Path(str(args.get("file", ""))).is_file():
            log.warning("attachment %s does not exist; not uploaded", args.get("file"))
            return {}
        response = self._api(method, args)
        self._link_intake(call, response)
        return response

    def _link_intake(self, call: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        """An intake reply's ts is linked to its ticket (its refreshes need it)."""
        if not (link := call.get("link_intake")) or not response.get("ts"):
            return
        try:
            self.desk.link_thread(str(link["ticket"]), platform=PLATFORM,
                                  channel=str(response.get("channel") or link["channel"]),
                                  thread=str(link["thread"]), intake=str(response["ts"]))
        except Exception:  # posted: not retried (it would show twice); only its refreshes are lost
            log.exception("the intake reply of %s was posted, but its link could not be stored", link["ticket"])

    def _refresh_args(self, ticket_id: str) -> dict[str, Any] | None:
        link = self.desk.thread_link(ticket_id, PLATFORM)
        view = self.desk.intake_view(ticket_id)
        if link is None or view is None or not link.get("intake"):
            return None
        return {"channel": link.channel, "ts": link.get("intake"), "text": kit.fallback_text(view),
                "blocks": kit.intake_blocks(view)}

    def _api(self, method: str, args: dict[str, Any]) -> Any:
        function = {"chat.postMessage": self.client.chat_postMessage, "chat.update": self.client.chat_update,
                    "files.uploadV2": self.client.files_upload_v2,
                    "conversations.history": self.client.conversations_history,
                    "conversations.replies": self.client.conversations_replies}.get(method)
        if function is None:
            raise Refused(f"unknown Web API method {method!r}")
        try:
            return function(**args)
        except SlackApiError as error:
            raise _classified(method, error) from None
        except (SlackClientError, OSError) as error:  # the network: try again later (it may have arrived)
            raise TryLater(f"{method}: {error}", unknown=True) from None


def _classified(method: str, error: SlackApiError) -> TryLater | Refused:
    response = error.response
    status = getattr(response, "status_code", 200)
    code = str(response.get("error", "") if hasattr(response, "get") else "") or f"HTTP {status}"
    if status == 429 or code == "ratelimited":
        headers = getattr(response, "headers", {}) or {}
        after = next((value for name, value in headers.items() if name.lower() == "retry-after"), None)
        try:
            wait = float(after) if after is not None else None
        except ValueError:
            wait = None
        return TryLater(f"{method}: ratelimited", after=wait)
    if code in PERMANENT:
        return Refused(f"{method}: {code}")
    return TryLater(f"{method}: {code}", unknown=status >= 500)  # a 5xx may come after the message was made


def slack_courier(desk: Desk, client: WebClient) -> Courier:
    """The Slack courier: its own client, without the SDK's sleeping 429 retries (it retries itself)."""
    own = WebClient(token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=[])
    return courier_for(desk, SlackSender(desk, own), platform=PLATFORM)


def tagged(call: dict[str, Any], key: str) -> dict[str, Any]:
    """A recorded ``chat.postMessage`` carries its post's tag in Slack's message metadata, so the
    courier can tell, after a crash or a lost answer, whether the message is already there."""
    if call.get("method") != "chat.postMessage":
        return call
    tag = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return {**call, "args": {**call["args"], "metadata": {"event_type": POST_EVENT, "event_payload": {"post": tag}}}}
