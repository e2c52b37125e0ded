"""The ``/desk`` subcommands, generated from the desk's verbs and their typed arguments.

Each verb (``bot.commands.Verb``) becomes a subcommand with its name and summary; each of its
``Param``s a typed option (a member for a person, fixed choices, autocomplete for tickets,
articles, categories and verbs); a verb with ``subcommands`` becomes a group (``/desk kb
search``). The callback turns the values back into the verb's text for the core, so adding a
verb to the desk adds it here with no edit.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, Optional

import discord
from discord import app_commands

from bot import messages
from bot.adapters.discord.render import clip
from bot.commands import Param, ParamKind, Verb

if TYPE_CHECKING:
    from bot.adapters.discord.cog import DeskCog

DESCRIPTION_LIMIT = 100  # Discord's limit for command and option descriptions
SUBCOMMAND_LIMIT = 25  # Discord allows 25 subcommands in a group
AGENTS_ONLY = messages.HELP_AGENT_ONLY  # the same marker as /desk help

Runner = Callable[[discord.Interaction, dict[str, Any]], Awaitable[None]]


def desk_commands(cog: DeskCog, verbs: Iterable[Verb],
                  special: dict[str, Runner] | None = None) -> list[app_commands.Command | app_commands.Group]:
    """One command (or group) per verb; ``special`` runs a verb its own way (resolve's form)."""
    special = special or {}
    made: list[app_commands.Command | app_commands.Group] = []
    for verb in verbs:
        if verb.subcommands:
            group = app_commands.Group(name=verb.name, description=_description(verb.summary, verb))
            for sub in verb.subcommands:
                group.add_command(_command(cog, sub.name, _description(sub.summary, verb), sub.params,
                                           (verb.name, sub.name)))
            made.append(group)
        else:
            made.append(_command(cog, verb.name, _description(verb.summary, verb), verb.params or _untyped(verb),
                                 (verb.name,), special.get(verb.name)))
    if len(made) > SUBCOMMAND_LIMIT:
        raise ValueError(f"/desk has {len(made)} verbs; Discord allows {SUBCOMMAND_LIMIT} subcommands")
    return made


def _untyped(verb: Verb) -> tuple[Param, ...]:
    """A verb that takes words but declares no arguments still gets one option for all of them."""
    if verb.usage.strip() == verb.name:
        return ()
    return (Param("arguments", ParamKind.TEXT, clip(f"As typed after /desk {verb.name}: {verb.usage}", 100)),)


def _description(text: str, verb: Verb) -> str:
    """The summary, capitalised, marked when only agents may run it (the core enforces it)."""
    marked = f"{text[:1].upper()}{text[1:]} {AGENTS_ONLY}" if verb.agents_only else text[:1].upper() + text[1:]
    return clip(marked, DESCRIPTION_LIMIT)


def _annotation(param: Param) -> Any:
    base = discord.Member if param.kind is ParamKind.PERSON else str
    return base if param.required else Optional[base]


def _command(cog: DeskCog, name: str, summary: str, params: tuple[Param, ...], words: tuple[str, ...],
             runner: Runner | None = None) -> app_commands.Command:
    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        if runner is not None:
            await runner(interaction, values)
            return
        await cog.run_words(interaction, words, params, values)

    # discord.py reads the options from the callback's signature: one typed parameter per argument.
    callback.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction),
        *(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(p),
                            default=inspect.Parameter.empty if p.required else None) for p in params),
    ])
    callback.__name__ = callback.__qualname__ = f"desk_{'_'.join(words)}"
    if params:
        callback = app_commands.describe(**{p.name: clip(p.description, DESCRIPTION_LIMIT) for p in params})(callback)
    choices = {p.name: [app_commands.Choice(name=c, value=c) for c in p.choices] for p in params if p.choices}
    if choices:
        callback = app_commands.choices(**choices)(callback)
    completions = {p.name: complete for p in params if (complete := cog.autocomplete_for(p.kind)) is not None}
    if completions:
        callback = app_commands.autocomplete(**completions)(callback)
    return app_commands.Command(name=name, description=summary, callback=callback)
