"""Discord members as desk actors: who they are, and whether they hold the agent role.

The adapter only *says* whether someone is an agent; what agents may do is the core's decision.
Agents are matched by role **id**, per server: ``[discord] agent_role`` is an id, or a name that
is resolved to the id of the one role of that name in each served server when the bot starts
(a name two roles share is an error). Only the configured servers (``[discord] guild``, which
is required when the bot is in more than one) are served: a member of any other server is
never an agent, and everything from there is refused, so a "Support" role someone makes in
another server gives nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord import PLATFORM, messages
from bot.config import Config
from bot.domain import Actor, Person
from bot.errors import ConfigError

log = logging.getLogger(__name__)
MENTION = re.compile(r"^<@!?(\d+)>$|^(\d{15,21})$")


class Directory:
    """Turns members into ``Actor``s, and names in ``/desk assign`` back into people."""

    def __init__(self, config: Config, *, client: discord.Client | None = None) -> None:
        self.config = config
        self.client = client
        settings = config.platform(PLATFORM)
        self.guild_ids = frozenset(int(g) for g in getattr(settings, "guild", ()))
        self._agent_role = (settings.agent_role or "").strip() or None
        self.served: frozenset[int] | None = None  # the servers the desk serves, once resolved
        self.agent_roles: dict[int, frozenset[int]] = {}  # the agent role's id in each served server
        self._seen: dict[str, tuple[Person, bool]] = {}

    @property
    def agent_role(self) -> str | None:
        return self._agent_role

    @agent_role.setter
    def agent_role(self, value: str | None) -> None:
        self._agent_role = value
        self.served = None  # resolve again with the new role

    # -- which servers, which role ids ------------------------------------------------------------

    def resolve(self, guilds: Iterable[discord.Guild]) -> None:
        """At start: the servers served and the agent role's id in each; ConfigError when ambiguous."""
        guilds = list(guilds)
        if self.guild_ids:
            served = [g for g in guilds if g.id in self.guild_ids]
            missing = self.guild_ids - {g.id for g in served}
            if missing:
                log.warning(messages.DISCORD_GUILD_ABSENT.format(ids=", ".join(map(str, sorted(missing)))))
        elif len(guilds) > 1:
            self.served, self.agent_roles = frozenset(), {}
            raise ConfigError(messages.DISCORD_GUILD_REQUIRED, count=len(guilds),
                              servers=", ".join(f"{g.name} ({g.id})" for g in guilds))
        else:
            served = guilds
        self.agent_roles = {g.id: self._role_ids(g) for g in served}
        self.served = frozenset(g.id for g in served)

    def _role_ids(self, guild: discord.Guild) -> frozenset[int]:
        wanted = self.agent_role
        if not wanted:
            return frozenset()
        if wanted.isdigit():
            found = [r for r in guild.roles if r.id == int(wanted)]
        else:
            found = [r for r in guild.roles if r.name.casefold() == wanted.casefold()]
        if len(found) > 1:
            self.served = frozenset()
            raise ConfigError(messages.DISCORD_ROLE_AMBIGUOUS, role=wanted, count=len(found), server=guild.name,
                              ids=", ".join(str(r.id) for r in found))
        if not found:
            log.warning(messages.DISCORD_ROLE_ABSENT.format(role=wanted, server=guild.name))
        return frozenset(r.id for r in found)

    def serves(self, guild: discord.Guild | Any | None) -> bool:
        """Whether the desk works for this server (resolving on first use, as on start)."""
        if guild is None:
            return False
        if self.served is None:
            try:
                self.resolve(self.client.guilds if self.client is not None else [guild])
            except ConfigError as error:
                log.error("%s", error.message)
        return guild.id in (self.served or ())

    # -- actors -----------------------------------------------------------------------------------

    def has_agent_role(self, user: discord.abc.User | Any) -> bool:
        """Whether a member of a served server holds its agent role (by id) or is listed by id."""
        guild = getattr(user, "guild", None)
        if not self.serves(guild):
            return False
        if self.config.is_agent(PLATFORM, str(user.id)):
            return True
        roles = self.agent_roles.get(guild.id, frozenset())
        return any(role.id in roles for role in getattr(user, "roles", None) or ())

    def actor(self, user: discord.abc.User | Any) -> Actor:
        """The desk actor for a Discord user or member (remembered for ``/desk assign``)."""
        actor = Actor(PLATFORM, str(user.id), display_name(user), is_agent=self.has_agent_role(user))
        self._seen[actor.user_id] = (Person(PLATFORM, actor.user_id, actor.name), actor.is_agent)
        return actor

    def lookup(self, platform: str, text: str) -> tuple[Person, bool] | None:
        """``<@123>``, an id, or a display name → the person and whether they are an agent."""
        if platform != PLATFORM:
            return None
        text = text.strip()
        match = MENTION.match(text)
        if match:
            user_id = match.group(1) or match.group(2)
            if user_id in self._seen:
                return self._seen[user_id]
            member = self._cached_member(int(user_id))
            if member is not None:
                actor = self.actor(member)
                return Person(PLATFORM, actor.user_id, actor.name), actor.is_agent
            return None
        wanted = text.lstrip("@").casefold()
        for person, is_agent in self._seen.values():
            if person.name.casefold() == wanted:
                return person, is_agent
        return None

    def _cached_member(self, user_id: int) -> discord.Member | None:
        if self.client is None:
            return None
        for guild in self.client.guilds:
            member = guild.get_member(user_id) if self.serves(guild) else None
            if member is not None:
                return member
        return None


async def admit(interaction: discord.Interaction) -> bool:
    """True for an interaction from a served server; anything else is refused, privately."""
    bot = interaction.client
    directory: Directory | None = getattr(bot, "directory", None)
    if directory is not None and directory.serves(interaction.guild):
        return True
    log.info("refused an interaction from server %s", getattr(interaction.guild, "id", None))
    if interaction.type is not discord.InteractionType.autocomplete and not interaction.response.is_done():
        try:
            await interaction.response.send_message(messages.DISCORD_OTHER_SERVER, ephemeral=True)
        except discord.HTTPException:
            log.exception("could not refuse an interaction from another server")
    return False


class ServedOnly:
    """Mixed into the tree, buttons and modals: nothing from a server the desk does not serve."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return await admit(interaction)


class DeskTree(ServedOnly, app_commands.CommandTree):
    """The command tree: ``/desk``, its autocomplete and the "Open ticket" menu."""


def display_name(user: discord.abc.User | Any) -> str:
    """The name people see in the server (nickname, then global name, then username)."""
    return str(getattr(user, "display_name", None) or getattr(user, "name", None) or user.id)
