"""Who is who on Slack: agent membership, display names and the workspace's links.

Agents are configured user ids and/or user-group ids (``S…``) whose members are resolved with
``usergroups.users.list`` and cached. This module only *says* who is an agent (it builds
``Actor(is_agent=...)``); what an agent may do is the core's decision.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Config
from bot.domain import Actor, Person

log = logging.getLogger(__name__)

PLATFORM = "slack"
USER_GROUP = re.compile(r"^S[A-Z0-9]{2,}$")
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
BARE_USER = re.compile(r"^@?([UW][A-Z0-9]{2,})$")


class SlackDirectory:
    """Agents, names and permalinks, cached; a failing Web API degrades, never raises."""

    def __init__(self, config: Config, *, client: WebClient | None = None, ttl: float = 300.0,
                 now: Callable[[], float] = time.monotonic) -> None:
        slack = config.platform(PLATFORM)
        configured = [*slack.agents, *([slack.agent_role] if slack.agent_role else [])]
        self.user_ids = frozenset(a for a in configured if not USER_GROUP.match(a))
        self.group_ids = tuple(dict.fromkeys(a for a in configured if USER_GROUP.match(a)))
        self.client = client
        self.ttl = ttl
        self._now = now
        self._lock = threading.Lock()
        self._members: frozenset[str] = frozenset()
        self._members_at: float | None = None
        self._groups: dict[str, tuple[float, tuple[Person, ...]]] = {}  # on-duty groups: (read at, members)
        self._names: dict[str, tuple[str, str | None]] = {}
        self._workspace_url: str | None = None

    # -- agents ---------------------------------------------------------------------

    def is_agent(self, user_id: str) -> bool:
        """A configured agent id, or a member of a configured agents user group."""
        return user_id in self.user_ids or user_id in self.group_members()

    def group_members(self) -> frozenset[str]:
        """Members of the agents user groups, refreshed after ``ttl`` seconds (last known on failure)."""
        if not self.group_ids or self.client is None:
            return frozenset()
        with self._lock:
            fresh = self._members_at is not None and self._now() - self._members_at < self.ttl
            if fresh:
                return self._members
            members: set[str] = set()
            try:
                for group in self.group_ids:
                    response = self.client.usergroups_users_list(usergroup=group)
                    members.update(response.get("users") or ())
            except (SlackApiError, SlackClientError, OSError) as error:
                log.warning("usergroups.users.list failed; keeping the last known agents: %s", error)
                if self._members_at is None:
                    self._members_at = self._now() - self.ttl + min(30.0, self.ttl)  # retry soon
                return self._members
            self._members, self._members_at = frozenset(members), self._now()
            return self._members

    def members_of(self, platform: str, group: str) -> list[Person]:
        """The members of a Slack user group (``[assignment] on_duty_group``), with their names.

        Cached for ``ttl`` seconds like the agents groups: assignment asks on every new ticket.
        """
        if platform != PLATFORM or self.client is None:
            return []
        with self._lock:
            cached = self._groups.get(group)
            if cached is not None and self._now() - cached[0] < self.ttl:
                return list(cached[1])
        try:
            users = self.client.usergroups_users_list(usergroup=group).get("users") or ()
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("usergroups.users.list %s failed; keeping the last known members: %s", group, error)
            return list(cached[1]) if cached is not None else []
        members = tuple(Person(PLATFORM, str(user), self.profile(str(user))[0]) for user in users)
        with self._lock:
            self._groups[group] = (self._now(), members)
        return list(members)

    def actor(self, user_id: str, name: str | None = None) -> Actor:
        """The core's view of a Slack user: id, display name, contact, and whether an agent."""
        known_name, contact = self.profile(user_id, hint=name)
        return Actor(PLATFORM, user_id, known_name, contact, is_agent=self.is_agent(user_id))

    # -- names ----------------------------------------------------------------------

    def profile(self, user_id: str, *, hint: str | None = None) -> tuple[str, str | None]:
        """Display name and email (``users.info``, cached); the hint or the id when that fails."""
        with self._lock:
            cached = self._names.get(user_id)
        if cached:
            return cached
        if self.client is None or not user_id:
            return hint or user_id, None
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("users.info %s failed: %s", user_id, error)
            return hint or user_id, None
        profile = user.get("profile") or {}
        name = (profile.get("display_name") or profile.get("real_name") or user.get("real_name")
                or user.get("name") or hint or user_id)
        found = (str(name), profile.get("email") or None)
        with self._lock:
            self._names[user_id] = found
        return found

    def lookup(self, platform: str, text: str) -> tuple[Person, bool] | None:
        """A person named in a command (``<@U123|maria>``, ``<@U123>``, ``U123``), for the core."""
        if platform != PLATFORM:
            return None
        word = text.strip()
        match = MENTION.match(word) or BARE_USER.match(word)
        if not match:
            return None
        user_id = match.group(1)
        hint = match.group(2) if match.re is MENTION else None
        name, contact = self.profile(user_id, hint=hint or None)
        return Person(PLATFORM, user_id, name, contact), self.is_agent(user_id)

    # -- links ----------------------------------------------------------------------

    def permalink(self, channel: str, ts: str) -> str | None:
        """The message's web link, built from the workspace URL (one ``auth.test``, cached)."""
        if self._workspace_url is None and self.client is not None:
            try:
                self._workspace_url = str(self.client.auth_test().get("url") or "")
            except (SlackApiError, SlackClientError, OSError) as error:
                log.warning("auth.test failed; tickets get no message link: %s", error)
                return None
        if not self._workspace_url:
            return None
        return f"{self._workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"


def user_of(payload: dict[str, Any]) -> tuple[str, str | None]:
    """``(user id, name hint)`` of the person who sent an interactive payload or slash command."""
    user = payload.get("user")
    if isinstance(user, dict):
        return str(user.get("id", "")), user.get("name") or user.get("username")
    return str(payload.get("user_id") or user or ""), payload.get("user_name")
