"""Whether the bot can follow a conversation: post in it and see the replies in its threads.

A ticket opened with the message shortcut lives in the message's channel; when the bot is not a
member it can neither post the intake answer there (``not_in_channel``) nor see the customer's
replies, so the desk would hold a ticket nobody can work. A public channel is joined
(``channels:join``); a private one or a DM needs someone to invite the bot first.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)


def can_follow(client: WebClient, channel: str) -> bool:
    """True when the bot is in ``channel`` or has just joined it (a public channel)."""
    try:
        info = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as error:
        log.info("conversations.info %s: %s; the bot cannot follow it", channel, error.response.get("error"))
        return False
    except (SlackClientError, OSError) as error:  # Slack unreachable: let the post itself say more
        log.warning("conversations.info %s failed: %s", channel, error)
        return True
    if info.get("is_member"):
        return True
    if info.get("is_private") or info.get("is_im") or info.get("is_mpim"):
        return False
    try:
        client.conversations_join(channel=channel)
    except SlackApiError as error:
        log.info("conversations.join %s: %s", channel, error.response.get("error"))
        return False
    except (SlackClientError, OSError) as error:
        log.warning("conversations.join %s failed: %s", channel, error)
        return True
    log.info("joined %s to follow a ticket opened there", channel)
    return True
