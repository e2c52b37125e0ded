"""The Slack app manifest: paste it at api.slack.com/apps → "From an app manifest" and install."""

from __future__ import annotations

from typing import Any

from bot import messages
from bot.adapters.slack import blocks as kit
from bot.adapters.slack.app import SLASH_COMMAND

BOT_SCOPES: tuple[str, ...] = (
    "channels:history",  # read requests and thread replies in public support channels
    "groups:history",  # … and in private ones the bot is invited to
    "chat:write",  # answer in threads, update the intake message, ephemeral replies
    "commands",  # /desk and the message shortcuts
    "files:write",  # the weekly metrics chart
    "users:read",  # display names of requesters and agents
    "users:read.email",  # the requester's contact on the ticket
    "usergroups:read",  # members of the agents user group
)
BOT_EVENTS: tuple[str, ...] = ("message.channels", "message.groups")


def manifest(*, name: str = "chatdesk", request_url: str | None = None) -> dict[str, Any]:
    """The manifest for Socket Mode, or for HTTP when ``request_url`` (…/slack/events) is given."""
    command: dict[str, Any] = {
        "command": SLASH_COMMAND,
        "description": messages.SLACK_COMMAND_DESCRIPTION,
        "usage_hint": messages.SLACK_COMMAND_USAGE_HINT,
        "should_escape": True,  # mentions arrive as <@U123|name>, so `assign` gets the user id
    }
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    if request_url:
        command["url"] = request_url
        interactivity["request_url"] = request_url
        events["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": messages.SLACK_APP_DESCRIPTION[:140],
            "background_color": "#3f51b5",
        },
        "features": {
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
            "shortcuts": [
                {"name": messages.SLACK_SHORTCUT_OPEN, "type": "message", "callback_id": kit.SHORTCUT_OPEN,
                 "description": messages.SLACK_SHORTCUT_OPEN_HINT},
                {"name": messages.SLACK_SHORTCUT_COMMAND, "type": "message", "callback_id": kit.SHORTCUT_COMMAND,
                 "description": messages.SLACK_SHORTCUT_COMMAND_HINT},
            ],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": not request_url,
            "token_rotation_enabled": False,
        },
    }
