"""The handler of a feature's verb until the feature plugs in: it answers "not available"."""

from __future__ import annotations

from bot import messages
from bot.commands import CommandContext
from bot.errors import Unavailable


def not_available(name: str):
    """A handler that refuses ``name`` politely (the feature is not installed in this build)."""

    def handler(ctx: CommandContext, args: str):
        raise Unavailable(messages.NOT_AVAILABLE, verb=f"{name} {args}".strip())

    return handler
