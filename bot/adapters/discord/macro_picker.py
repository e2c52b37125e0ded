"""The macro picker of the Discord reply and resolve modals.

Up to 25 macros (Discord's select limit) it is a select inside a ``Label`` (discord.py 2.6+
puts selects in modals that way); past that a short text input for the macro's name, since no
modal component can search. Either way the modal sends the name and the core fills the macro in;
an unknown name answers with the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot import messages
from bot.adapters import limits
from bot.desk import MacroChoice

NAME_LIMIT = 40  # a macro's name (bot.workflow.settings)

Picker = discord.ui.Select[Any] | discord.ui.TextInput[Any]


def macro_picker(choices: Sequence[MacroChoice]) -> tuple[str, Picker] | None:
    """(label, item) for a modal; ``None`` when the team has no macros."""
    if not choices:
        return None
    if len(choices) <= limits.DISCORD_SELECT_OPTIONS:
        options = [discord.SelectOption(label=f":{c.name}"[:limits.DISCORD_SELECT_OPTION_TEXT], value=c.name,
                                        description=c.preview[:limits.DISCORD_SELECT_OPTION_TEXT] or None)
                   for c in choices]
        return messages.MACRO_PICKER_LABEL, discord.ui.Select(custom_id="macro", options=options, required=False,
                                                              min_values=0, max_values=1)
    label = messages.MACRO_PICKER_NAME.format(count=len(choices))
    return label, discord.ui.TextInput(custom_id="macro", required=False, max_length=NAME_LIMIT + 1,
                                       placeholder=messages.MACRO_PICKER_NAME_HINT)


def picked(item: Picker | None) -> str | None:
    """The macro named in a submitted modal (a leading ``:`` is forgiven), if any."""
    if item is None:
        return None
    if isinstance(item, discord.ui.Select):
        return item.values[0] if item.values else None
    return (item.value or "").strip().lstrip(":").strip() or None
