"""Discord members as desk actors: who they are, and whether they hold the agent role.

The adapter only *says* whether someone is an agent (the configured role, by id or name, or a
user id listed in ``[discord] agents``); what agents may do is the core's decision.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.adapters.discord import PLATFORM
from bot.config import Config
from bot.domain import Actor, Person

MENTION = re.compile(r"^<@!?(\d+)>$|^(\d{15,21})$")


class Directory:
    """Turns members into ``Actor``s, and names in ``/desk assign`` back into people."""

    def __init__(self, config: Config, *, client: discord.Client | None = None) -> None:
        self.config = config
        self.client = client
        self.agent_role = (config.platform(PLATFORM).agent_role or "").strip() or None
        self._seen: dict[str, tuple[Person, bool]] = {}

    def has_agent_role(self, user: discord.abc.User | Any) -> bool:
        """Whether the member holds the agent role (by id or by name) or is listed by id."""
        if self.config.is_agent(PLATFORM, str(user.id)):
            return True
        if not self.agent_role:
            return False
        wanted = self.agent_role.casefold()
        for role in getattr(user, "roles", None) or ():
            if str(role.id) == self.agent_role or role.name.casefold() == wanted:
                return True
        return False

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
            member = guild.get_member(user_id)
            if member is not None:
                return member
        return None


def display_name(user: discord.abc.User | Any) -> str:
    """The name people see in the server (nickname, then global name, then username)."""
    return str(getattr(user, "display_name", None) or getattr(user, "name", None) or user.id)
