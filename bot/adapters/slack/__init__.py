"""The Slack adapter: Bolt listeners that translate payloads into core calls and replies into Block Kit.

Importing the package only registers the platform (its ``[slack]`` table, runner and CLI); the
Bolt app and its helpers are imported when first used.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.registry import Platform, add_platform

__all__ = ["SlackDirectory", "SlackOutbox", "create_app", "web_client"]
LAZY = {"create_app": "app", "web_client": "app", "SlackDirectory": "directory", "SlackOutbox": "outbox"}

EXAMPLE = """\
# Slack: support channel ids, and agent user ids and/or a user-group id.
[slack]
channels = []
agents = []
# team_channel = "C0123456789"
"""


def __getattr__(name: str) -> Any:
    """``from bot.adapters.slack import create_app`` without importing Bolt at registration."""
    if name not in LAZY:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{LAZY[name]}"), name)


def run_options(run: argparse.ArgumentParser) -> None:
    run.add_argument("--http", action="store_true", help="Slack: serve HTTP instead of Socket Mode")
    run.add_argument("--port", type=int, default=3000, help="Slack HTTP port (default 3000)")


add_platform(Platform(
    name="slack", summary="a Slack app (needs SLACK_BOT_TOKEN)", runner="bot.adapters.slack.runner:run",
    example=EXAMPLE, cli=("bot.adapters.slack.cli",), detect=("SLACK_BOT_TOKEN",), run_options=run_options,
    order=10))
