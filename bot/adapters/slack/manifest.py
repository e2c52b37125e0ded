"""The Slack app manifest: paste it at api.slack.com/apps → "From an app manifest" and install."""

from __future__ import annotations

from typing import Any

from bot.adapters import limits
from bot.adapters.slack import messages
from bot.adapters.slack import blocks as kit
from bot.adapters.slack.app import SLASH_COMMAND
from bot.errors import ConfigError

BOT_SCOPES: tuple[str, ...] = (
    "channels:history",  # read requests and thread replies in public support channels
    "groups:history",  # … and in private ones the bot is invited to
    "channels:read",  # is the bot in the channel of a message an agent opens a ticket from?
    "groups:read",  # … also for private channels
    "channels:join",  # … and if not, join that public channel, so its replies are seen
    "chat:write",  # answer in threads, update the intake message, ephemeral replies
    "commands",  # /desk and the message shortcuts
    "files:write",  # the weekly metrics chart
    "users:read",  # display names of requesters and agents
    "users:read.email",  # the requester's contact on the ticket
    "usergroups:read",  # members of the agents user group
    "im:history",  # direct messages to the bot open private tickets
    "im:write",  # … and the desk answers there
)
BOT_EVENTS: tuple[str, ...] = ("message.channels", "message.groups", "message.im")


# Where each text of the manifest may be, and how long Slack lets it be (bot/adapters/limits.py).
TEXT_LIMITS: tuple[tuple[str, int], ...] = (
    ("display_information.name", limits.SLACK_APP_NAME),
    ("display_information.description", limits.SLACK_APP_DESCRIPTION),
    ("features.bot_user.display_name", limits.SLACK_BOT_DISPLAY_NAME),
    ("features.slash_commands[].command", limits.SLACK_SLASH_COMMAND),
    ("features.slash_commands[].description", limits.SLACK_SLASH_DESCRIPTION),
    ("features.slash_commands[].usage_hint", limits.SLACK_SLASH_USAGE_HINT),
    ("features.shortcuts[].name", limits.SLACK_SHORTCUT_NAME),
    ("features.shortcuts[].description", limits.SLACK_SHORTCUT_DESCRIPTION),
    ("features.shortcuts[].callback_id", limits.SLACK_SHORTCUT_CALLBACK_ID),
)
LIST_LIMITS: tuple[tuple[str, int], ...] = (
    ("features.shortcuts", limits.SLACK_SHORTCUTS),
    ("features.slash_commands", limits.SLACK_SLASH_COMMANDS),
    ("settings.event_subscriptions.bot_events", limits.SLACK_BOT_EVENTS),
    ("oauth_config.scopes.bot", limits.SLACK_BOT_SCOPES),
)


def manifest(*, name: str = "chatdesk", request_url: str | None = None) -> dict[str, Any]:
    """The manifest for Socket Mode, or for HTTP when ``request_url`` (…/slack/events) is given.

    Raises ``ConfigError`` naming the field when a value is longer than Slack accepts (an app
    name over 35 characters), instead of printing a manifest Slack refuses at install.
    """
    data = _manifest(name=name, request_url=request_url)
    problems = check(data)
    if problems:
        field, value, limit = problems[0]
        raise ConfigError(messages.SLACK_MANIFEST_TOO_LONG, field=field, length=len(value), limit=limit,
                          value=value)
    return data


def check(data: dict[str, Any]) -> list[tuple[str, Any, int]]:
    """Every (field, value, limit) of ``data`` over Slack's documented field limits."""
    found = [(field, value, limit) for field, limit in TEXT_LIMITS
             for value in _values(data, field) if isinstance(value, str) and len(value) > limit]
    found += [(field, value, limit) for field, limit in LIST_LIMITS
              for value in _values(data, field) if len(value) > limit]
    return found


def _values(data: Any, path: str) -> list[Any]:
    """The values at a dotted path; ``key[]`` steps into each item of a list."""
    values = [data]
    for step in path.split("."):
        key, each = step.removesuffix("[]"), step.endswith("[]")
        found = [value[key] for value in values if isinstance(value, dict) and key in value]
        values = [item for items in found for item in items] if each else found
    return values


def _manifest(*, name: str, request_url: str | None) -> dict[str, Any]:
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
        interactivity["message_menu_options_url"] = request_url  # the reply form's macro search
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
            # Customers may write to the app directly: a DM opens a private ticket.
            "app_home": {"messages_tab_enabled": True, "messages_tab_read_only_enabled": False},
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
