"""``chatdesk run --platform discord``: connect with ``DISCORD_TOKEN`` and serve until stopped.

Support channels and the agent role come from ``[discord]`` in ``chatdesk.toml`` or
``CHATDESK_DISCORD_CHANNELS`` / ``CHATDESK_DISCORD_AGENT_ROLE`` (already applied to the config).
Slash commands are not synced here (Discord rate-limits it): run ``chatdesk discord sync`` once.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

import discord

from bot.adapters.discord import messages
from bot.adapters.discord import PLATFORM
from bot.adapters.discord.client import DeskBot
from bot.adapters.discord.forms import keep_buttons_when_ready
from bot.adapters.discord.owed import discord_courier
from bot.adapters.discord.people import Directory
from bot.app import leave
from bot.config import Config
from bot.errors import ConfigError

log = logging.getLogger(__name__)


def build_bot(config: Config, *, store=None, clock=None, knowledge: Any = True, scheduler: bool = True) -> DeskBot:
    """The desk and its bot, wired (the person lookup knows Discord mentions)."""
    from bot.app import build_desk

    directory = Directory(config)
    desk = build_desk(config, store=store, clock=clock, knowledge=knowledge, people=directory.lookup)
    return DeskBot(desk, directory=directory, scheduler=scheduler)


def token_from(env: Mapping[str, str]) -> str:
    token = (env.get("DISCORD_TOKEN") or "").strip()
    if not token:
        raise ConfigError(messages.DISCORD_CONFIG_MISSING)
    return token


def run(config: Config, args: Any, *, env: Mapping[str, str] | None = None) -> int:
    """Start the Discord desk and serve until interrupted; returns the exit status."""
    env = os.environ if env is None else env
    token = token_from(env)
    level = env.get("CHATDESK_LOG_LEVEL", "INFO")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bot = build_bot(config)
    keep_buttons_when_ready(bot)  # the intake form's "New ticket" message, once per support channel
    settings = config.platform(PLATFORM)
    print(messages.DISCORD_STARTING.format(
        team=config.team, channels=", ".join(settings.channels) or messages.DISCORD_ANY_CHANNEL,
        role=settings.agent_role or messages.DISCORD_NO_ROLE, location=bot.desk.store_location),
        file=sys.stderr, flush=True)
    # The durable outbox: what the last process owed goes out once the bot is connected.
    bot.outbox.courier = discord_courier(bot.outbox).start()
    try:
        bot.run(token, log_handler=None)  # logging is configured above
    except discord.LoginFailure as error:
        raise ConfigError(messages.DISCORD_LOGIN_FAILED, problem=error) from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError(messages.DISCORD_INTENTS_NEEDED) from None
    finally:
        courier_ended = bot.outbox.courier.stop()  # joined: no thread left logging at interpreter shutdown
    if bot.fatal is not None:  # e.g. in two servers with no [discord] guild: stopped once connected
        raise bot.fatal
    return leave(0, threads_ended=courier_ended)
