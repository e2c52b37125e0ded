"""Deferring a slash command, and answering it through follow-ups by Discord's rules.

Every ``/desk`` subcommand is deferred before the desk works: any of them reads or writes the
store, which can wait on the other process's lock, and Discord drops an interaction that has no
first response after 3 s. A slash command's defer shows a placeholder ("chatdesk is thinking…")
whose privacy is chosen then, before the desk has said whether its answer is private; the desk
defers it privately, so a refusal is never shown to the channel.

Discord gives the first follow-up after a defer the placeholder's privacy whatever its own flags
say (discord/discord-api-docs#2742, #3466): a public answer ("Maria claimed T-12.") would stay
private. ``Deferred`` therefore deletes the private placeholder before the first public answer,
which is then a follow-up of its own and keeps its flags; a private first answer simply takes
the placeholder's place. Follow-ups carry the same limits as messages (2,000 characters, 10
embeds, ``bot.adapters.limits``), which the renderer keeps; the token that sends them lasts 15
minutes, after which a public answer is posted in the channel and a private one is logged.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

log = logging.getLogger(__name__)


async def defer_privately(interaction: discord.Interaction) -> Deferred:
    """Acknowledge now with a private placeholder; answer through the returned ``Deferred``."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    return Deferred(interaction)


class Deferred:
    """A deferred interaction as the outbox uses it: everything as the interaction, but follow-ups
    that replace the private placeholder correctly (``FollowUps``)."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        self.followup = FollowUps(interaction)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.interaction, name)


class FollowUps:
    """``interaction.followup`` for a privately deferred interaction."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        self.placeholder = True  # the private "thinking…" message, until an answer replaces it

    async def send(self, content: str | None = None, *, ephemeral: bool = False, **kwargs: Any) -> Any:
        if self.interaction.is_expired():
            return await self._too_late(content, ephemeral=ephemeral, **kwargs)
        if self.placeholder:
            self.placeholder = False
            if not ephemeral:
                await self._drop_placeholder()
        return await self.interaction.followup.send(content, ephemeral=ephemeral, **kwargs)

    async def _drop_placeholder(self) -> None:
        """Delete the private placeholder so the public answer after it keeps its own flags."""
        try:
            await self.interaction.delete_original_response()
        except discord.HTTPException as error:  # the answer still arrives, only privately
            log.warning("could not remove the private placeholder of /%s (its answer will be private): %s",
                        getattr(self.interaction.command, "qualified_name", "desk"), error)

    async def _too_late(self, content: str | None, *, ephemeral: bool, **kwargs: Any) -> Any:
        """Past the token's 15 minutes no follow-up is accepted: say in the channel what was public."""
        if ephemeral or self.interaction.channel is None:
            log.error("an answer came after the interaction's 15 minutes and could not be shown privately: %s",
                      content or kwargs.get("embed"))
            return None
        return await self.interaction.channel.send(content, **kwargs)
