"""The bot: minimal intents, persistent buttons and the cog added in ``setup_hook``, no sync on start."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord.ext import commands

from bot.adapters.discord.components import DYNAMIC_ITEMS
from bot.adapters.discord.forms import NewTicketButton
from bot.adapters.discord.outbox import DiscordOutbox
from bot.adapters.discord.people import DeskTree, Directory
from bot.desk import Desk
from bot.errors import DeskError

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_RATELIMIT_WAIT = 30.0  # the least discord.py accepts


def intents(*, direct: bool = False) -> discord.Intents:
    """Only what the desk needs: guilds (channels, roles, threads), guild messages and their text;
    direct messages too with ``direct`` (``[discord] private = true``: they open tickets)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = direct
    wanted.message_content = True  # privileged: enable it in the Developer Portal
    return wanted


class DeskBot(commands.Bot):
    """A ``commands.Bot`` carrying the desk; slash commands only (no prefix commands)."""

    def __init__(self, desk: Desk, *, directory: Directory | None = None, scheduler: bool = True,
                 **options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,  # required by commands.Bot; the desk has none
            help_command=None,
            intents=options.pop("intents", None) or intents(direct=bool(getattr(
                desk.config.platform("discord"), "private", False))),
            # Customer text is echoed in announcements: never let it ping @everyone or a role.
            allowed_mentions=discord.AllowedMentions.none(),
            # A call Discord would hold back longer than this raises RateLimited instead of
            # sleeping (a third thread rename in 10 minutes meant ~540 s): nothing waits on it.
            max_ratelimit_timeout=options.pop("max_ratelimit_timeout", MAX_RATELIMIT_WAIT),
            tree_cls=DeskTree,  # refuses everything from a server the desk does not serve
            **options,
        )
        self.desk = desk
        self.directory = directory or Directory(desk.config)
        if self.directory.client is None:
            self.directory.client = self
        self.outbox = DiscordOutbox(self)
        self.run_scheduler = scheduler
        self._scheduler_stop: asyncio.Event | None = None
        self.scheduler_task: asyncio.Task[None] | None = None
        self.fatal: DeskError | None = None  # a setting that stopped the bot once connected

    async def setup_hook(self) -> None:
        """Register the buttons (they work on messages posted before a restart) and the cog."""
        from bot.adapters.discord.cog import DeskCog

        self.outbox.loop = asyncio.get_running_loop()
        self.add_dynamic_items(*DYNAMIC_ITEMS, NewTicketButton)
        await self.add_cog(DeskCog(self))
        if self.run_scheduler:
            self._start_scheduler()

    async def process_commands(self, message: discord.Message) -> None:
        """No prefix commands: "@chatdesk …" is text for the cog's listener (a request or a thread
        reply), not a command lookup that fails with CommandNotFound and a traceback in the log."""

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a core call off the event loop: the store may wait on the other process's lock."""
        return await asyncio.to_thread(functools.partial(function, *args, **kwargs))

    def _start_scheduler(self) -> None:
        """Reminders, waiting nudges and the weekly post through this bot, once it is connected."""
        scheduler = self.desk.scheduler(self.outbox, platform="discord")
        if scheduler is None:
            return
        self._scheduler_stop = asyncio.Event()

        async def run() -> None:
            await self.wait_until_ready()
            assert self._scheduler_stop is not None
            await scheduler.run_async(self._scheduler_stop)

        self.scheduler_task = asyncio.get_running_loop().create_task(run(), name="chatdesk-scheduler")

    async def close(self) -> None:
        cog = self.get_cog("DeskCog")
        if cog is not None:  # how far each channel was read: the next start catches up from there
            await cog.catch_up.positions.flush()
        if self._scheduler_stop is not None:
            self._scheduler_stop.set()
        if self.scheduler_task is not None and not self.scheduler_task.done():
            self.scheduler_task.cancel()
        await super().close()
