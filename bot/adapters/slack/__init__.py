"""The Slack adapter: Bolt listeners that translate payloads into core calls and replies into Block Kit."""

from bot.adapters.slack.app import create_app, web_client
from bot.adapters.slack.directory import SlackDirectory
from bot.adapters.slack.outbox import SlackOutbox

__all__ = ["SlackDirectory", "SlackOutbox", "create_app", "web_client"]
