"""The knowledge base: ``/desk kb …``, suggestions, the help site and its ``chatdesk kb`` commands."""

from __future__ import annotations

from bot.commands import TICKET, Param, ParamKind, Subcommand, Verb
from bot.commands.features import not_available
from bot.registry import Feature, add_feature

KB_VERB = Verb("kb", "kb search TEXT | kb draft [T-12] | kb gaps | kb review", "the knowledge base",
               not_available("kb"),
               help_lines=(("kb search TEXT", "search the knowledge base"),
                           ("kb draft [T-12]", "draft an article from a solved ticket"),
                           ("kb gaps", "recurring questions that have no article yet"),
                           ("kb review", "customer wordings waiting for an agent's review")),
               subcommands=(
                   Subcommand("search", "Search the knowledge base",
                              (Param("text", ParamKind.TEXT, "What to look for", required=True),)),
                   Subcommand("draft", "Draft an article from a solved ticket (never published by itself)", (TICKET,)),
                   Subcommand("gaps", "Recurring questions that have no article yet"),
                   Subcommand("review", "Customer wordings waiting for review; accept, reject or confirm one",
                              (Param("action", ParamKind.CHOICE, "What to do with a ticket's wording (default: list)",
                                     choices=("accept", "reject", "confirm")),
                               Param("ticket", ParamKind.WORD, "The ticket whose wording it is, e.g. T-12"))),
               ))

add_feature(Feature("knowledge", install="bot.kb_bridge:install", cli=("bot.cli.kb_sources", "bot.cli.kb_site"),
                    placeholders=(KB_VERB,), order=10))
