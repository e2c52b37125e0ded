"""Verbs that belong to optional features; each answers "not available" until its feature plugs in."""

from __future__ import annotations

from bot import messages
from bot.commands import CommandContext, Verb
from bot.errors import Unavailable


def _not_available(name: str):
    def handler(ctx: CommandContext, args: str):
        raise Unavailable(messages.NOT_AVAILABLE, verb=f"{name} {args}".strip())

    return handler


PLACEHOLDER_VERBS: tuple[Verb, ...] = (
    Verb("kb", "kb search TEXT | kb draft [T-12] | kb gaps | kb review", "the knowledge base", _not_available("kb"),
         help_lines=(("kb search TEXT", "search the knowledge base"),
                     ("kb draft [T-12]", "draft an article from a solved ticket"),
                     ("kb gaps", "recurring questions that have no article yet"),
                     ("kb review", "customer wordings waiting for an agent's review"))),
    Verb("metrics", "metrics [2026-W47]", "the weekly support numbers", _not_available("metrics")),
)
