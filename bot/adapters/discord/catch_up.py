"""Catching up on Discord: what was said in the support channels and ticket threads while the bot
was not listening (stopped, crashed, or disconnected past what a resume replays).

Discord does not redeliver messages to a bot that was away. So the desk keeps, per channel (a
support channel, a forum, a ticket's thread), the id of the newest message it has handled with
none older still in hand (``Positions``, in the store's memo), and at start (``on_ready``) and on
resume (``on_resumed``) reads what came after it, ``channel.history(after=…)``, and feeds each
message to the cog's ``on_message``: the same intake, idempotent on the message id, so a message
read twice (handled live and read again, or a crash between handling and keeping the position)
is still one ticket, one conversation line. Never a full history scan:

- a channel seen for the first time is only marked (at its newest message), not read;
- a channel or thread whose newest message is not past its position is not read at all (the
  gateway says which is its newest);
- at most ``MESSAGE_LIMIT`` messages per channel (the newest; the older ones are logged as
  skipped, with their range) and ``THREAD_LIMIT`` threads per catch-up (the most recently
  active; the rest are logged).

Ticket threads are found among the server's active threads, which Discord sends at connect: a
customer's message in an archived thread unarchives it, so every thread with something new is
among them. A forum's new posts are its threads newer than the forum's position.

Direct messages (private intake, ``[discord] private = true`` only): Discord gives a bot no list
of its DM channels and no DM's newest message, so the desk reads the DM channels it has handled
messages in (``direct_channels``: remembered in the store, with whose each is), each after its
position (or its first message), one request each, through a ``PartialMessageable`` (no request
to look the channel up): at most ``DIRECT_LIMIT`` per catch-up, the most recently active; the
rest are logged. A DM channel Discord says is gone or forbidden (the person left, or blocks the
bot) is logged and forgotten. The limit that remains: a customer's first-ever DM to the bot,
sent while it was away, is in a channel the desk cannot know, and is not read; their next DM
opens the ticket.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.discord import PLATFORM
from bot.adapters.discord.direct_channels import DirectChannels, Known
from bot.adapters.discord.forms import is_private

if TYPE_CHECKING:
    from bot.adapters.discord.client import DeskBot

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 50  # per channel or thread and catch-up (one history request: Discord pages by 100)
THREAD_LIMIT = 100  # threads read per catch-up
DIRECT_LIMIT = 50  # DM channels read per catch-up (a request each: Discord tells nothing of a DM's newest message)
FLUSH_DELAY = 1.0  # seconds: positions are written in batches; a crash before only means reading again
FORUMS = (discord.ForumChannel, getattr(discord, "MediaChannel", discord.ForumChannel))


class Positions:
    """Per channel, how far the desk has handled its messages, kept in the store.

    A message counts once it is handled, and a position never passes a message still in hand (the
    gateway's events are handled concurrently): a crash then re-reads, and never skips, one.
    """

    def __init__(self, bot: DeskBot) -> None:
        self.bot = bot
        self._known: dict[str, int] = {}  # positions read from or written to the store
        self._handled: dict[str, int] = {}  # the newest message handled per channel
        self._in_hand: dict[str, dict[int, int]] = {}  # ids being handled (with a count) per channel
        self._dirty: set[str] = set()
        self._lock = threading.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Task[None] | None = None

    # -- the store (called off the event loop) -----------------------------------------------------

    def stored(self, channel: str) -> int | None:
        """The kept position of ``channel`` (store I/O: call it through ``bot.call``)."""
        with self._lock:
            if channel in self._known:
                return self._known[channel]
        value = self.bot.desk.read_position(PLATFORM, channel)
        with self._lock:
            if value is not None and channel not in self._known:
                self._known[channel] = int(value)
            return self._known.get(channel)

    def write(self) -> int:
        """Write the positions that moved; returns how many (store I/O: through ``bot.call``)."""
        with self._lock:
            changes = {c: self._safe(c) for c in self._dirty}
            changes = {c: p for c, p in changes.items() if p is not None and p > self._known.get(c, -1)}
            self._dirty.clear()
        for channel, position in changes.items():
            self.bot.desk.keep_position(PLATFORM, channel, str(position))
            with self._lock:
                self._known[channel] = max(position, self._known.get(channel, -1))
        return len(changes)

    # -- bookkeeping (on the event loop) ---------------------------------------------------------

    def begin(self, channel: str, message_id: int) -> None:
        """``message_id`` in ``channel`` is being handled: no position passes it until it ends."""
        with self._lock:
            held = self._in_hand.setdefault(channel, {})
            held[message_id] = held.get(message_id, 0) + 1

    def end(self, channel: str, message_id: int, *, keep: bool) -> None:
        """It was handled (``keep``: count it towards the channel's position); or dropped."""
        with self._lock:
            held = self._in_hand.get(channel, {})
            if held.get(message_id, 0) > 1:
                held[message_id] -= 1
            else:
                held.pop(message_id, None)
            if keep:
                self._handled[channel] = max(message_id, self._handled.get(channel, -1))
            if keep or channel in self._handled:
                self._dirty.add(channel)
        self._schedule()

    def start_at(self, channel: str, message_id: int) -> None:
        """A channel seen for the first time: follow it from ``message_id`` on, without reading back."""
        with self._lock:
            self._handled[channel] = max(message_id, self._handled.get(channel, -1))
            self._dirty.add(channel)
        self._schedule()

    def _safe(self, channel: str) -> int | None:
        """The newest handled message with nothing older in hand (``None`` before any)."""
        handled = self._handled.get(channel)
        held = self._in_hand.get(channel)
        if handled is not None and held:
            handled = min(handled, min(held) - 1)
        return handled

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._timer is None:
            self._timer = loop.call_later(FLUSH_DELAY, self._flush_soon)

    def _flush_soon(self) -> None:
        self._timer = None
        self._flushing = asyncio.get_running_loop().create_task(self.flush())

    async def flush(self) -> None:
        """Write the positions that moved now (end of a catch-up, shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            await self.bot.call(self.write)
        except Exception:  # the positions are only a shortcut: reading again is harmless
            log.exception("could not keep how far the Discord channels were read")


@dataclass
class Report:
    """What a catch-up did: messages fed to the desk, channels read, and what it left out."""

    fed: int = 0
    read: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # channels Discord says are gone or forbidden


class CatchUp:
    """Reads what came while the bot was away and hands it to ``handle`` (the cog's ``on_message``)."""

    def __init__(self, bot: DeskBot, handle: Any) -> None:
        self.bot = bot
        self.handle = handle
        self.positions = Positions(bot)
        self.direct = DirectChannels(bot)
        self._running = asyncio.Lock()
        self._again = False

    async def run(self, why: str) -> Report | None:
        """Catch up once; a request while one runs makes it run once more after (a second gap)."""
        if self._running.locked():
            self._again = True
            return None
        async with self._running:
            report = await self._once(why)
            while self._again:
                self._again = False
                more = await self._once(f"{why}, again")
                report.fed += more.fed
                report.read += more.read
                report.skipped += more.skipped
                report.gone += more.gone
        return report

    async def _once(self, why: str) -> Report:
        report = Report()
        for guild in self.bot.guilds:
            if not self.bot.directory.serves(guild):
                continue
            channels = self._support_channels(guild)
            threads = list(guild.threads)  # as Discord sent them: the ones made while catching up are new
            for channel in channels:
                if not isinstance(channel, FORUMS):
                    await self._catch_up_channel(channel, report)
            await self._catch_up_threads(threads, channels, report)
        if is_private(self.bot):
            await self._catch_up_direct(report)
        await self.positions.flush()
        if report.fed or report.skipped:
            log.info("Discord catch-up (%s): %d message(s) from %d channel(s) handed to the desk", why, report.fed,
                     len(report.read))
        return report

    def _support_channels(self, guild: discord.Guild) -> list[Any]:
        """The guild's support channels (every text channel and forum when none are configured)."""
        wanted = self.bot.desk.config.platform(PLATFORM).channels
        if wanted:
            found = [guild.get_channel(int(c)) for c in wanted if str(c).isdigit()]
        else:
            found = [*guild.text_channels, *guild.forums]
        return [c for c in found if isinstance(c, (discord.TextChannel, *FORUMS))]

    async def _catch_up_channel(self, channel: Any, report: Report) -> None:
        key = str(channel.id)
        since = await self.bot.call(self.positions.stored, key)
        if since is None:  # first sight: follow it from its newest message on
            self.positions.start_at(key, channel.last_message_id or 0)
            return
        if channel.last_message_id is not None and channel.last_message_id <= since:
            return
        await self._read(channel, key, since, report)

    async def _catch_up_threads(self, threads: list[discord.Thread], channels: Iterable[Any], report: Report) -> None:
        forums: dict[int, int | None] = {}
        for forum in (c for c in channels if isinstance(c, FORUMS)):
            since = await self.bot.call(self.positions.stored, str(forum.id))
            if since is None:
                self.positions.start_at(str(forum.id), forum.last_message_id or 0)
            forums[forum.id] = since
        wanted: list[tuple[discord.Thread, int]] = []
        for thread in sorted(threads, key=lambda t: t.last_message_id or t.id, reverse=True):
            since = await self._thread_since(thread, forums)
            if since is not None and (thread.last_message_id is None or thread.last_message_id > since):
                wanted.append((thread, since))
        if len(wanted) > THREAD_LIMIT:
            left = wanted[THREAD_LIMIT:]
            log.warning("Discord catch-up: %d threads had new messages; read the %d most recently active, "
                        "skipped %s", len(wanted), THREAD_LIMIT, ", ".join(f"#{t.name} ({t.id})" for t, _ in left))
            report.skipped += [str(t.id) for t, _ in left]
            wanted = wanted[:THREAD_LIMIT]
        for thread, since in sorted(wanted, key=lambda pair: pair[0].id):  # older posts first
            await self._read(thread, str(thread.id), since, report, forum=thread.parent_id in forums)

    async def _thread_since(self, thread: discord.Thread, forums: dict[int, int | None]) -> int | None:
        """Where to read ``thread`` from, or ``None`` when it is neither a ticket's nor a new forum post."""
        stored = await self.bot.call(self.positions.stored, str(thread.id))
        if stored is not None:
            return stored
        forum_since = forums.get(thread.parent_id) if thread.parent_id in forums else None
        if forum_since is not None and thread.id > forum_since:
            return thread.id - 1  # a post made while away: its opening message has the thread's id
        ticket = await self.bot.call(self.bot.desk.ticket_in_thread, PLATFORM, str(thread.parent_id), str(thread.id))
        return thread.id if ticket is not None else None  # a ticket's thread is younger than its ticket

    async def _catch_up_direct(self, report: Report) -> None:
        """Read the known DM channels after their positions, the most recently active first."""
        try:
            known = await self.direct.known(fresh=True)
        except Exception:  # like a channel that cannot be read: the others were caught up
            log.exception("Discord catch-up: could not read which direct-message channels are known")
            return
        wanted: list[tuple[Known, int]] = []
        for entry in known:
            stored = await self.bot.call(self.positions.stored, entry.channel)
            wanted.append((entry, stored if stored is not None else entry.first_message - 1))
        wanted.sort(key=lambda pair: pair[1], reverse=True)
        if len(wanted) > DIRECT_LIMIT:
            left = wanted[DIRECT_LIMIT:]
            log.warning("Discord catch-up: %d direct-message channels are known; read the %d most recently active, "
                        "skipped %s", len(wanted), DIRECT_LIMIT,
                        ", ".join(f"the DM of user {e.user_id} ({e.channel})" for e, _ in left))
            report.skipped += [e.channel for e, _ in left]
            wanted = wanted[:DIRECT_LIMIT]
        for entry, since in sorted(wanted, key=lambda pair: pair[1]):  # the longest quiet first, as they came
            channel = self.bot.get_partial_messageable(int(entry.channel), type=discord.ChannelType.private)
            gone = len(report.gone)
            await self._read(channel, entry.channel, since, report, direct=True)
            if len(report.gone) > gone:
                log.warning("Discord catch-up: the DM of user %s (%s) is gone or closed to the bot; no longer "
                            "followed", entry.user_id, entry.channel)
                await self.direct.forget(entry.channel)

    async def _read(self, channel: Any, key: str, since: int, report: Report, *, forum: bool = False,
                    direct: bool = False) -> None:
        """Hand the newest ``MESSAGE_LIMIT`` messages after ``since`` to the desk, oldest first."""
        # Until they are handled, live messages must not move the position past what is read here.
        held = [key, str(channel.parent_id)] if forum else [key]
        for where in held:
            self.positions.begin(where, since + 1)
        try:
            found = await self._history(channel, key, since, report.gone if direct else None)
            if len(found) > MESSAGE_LIMIT:
                found = found[:MESSAGE_LIMIT]
                log.warning("Discord catch-up: more than %d messages in #%s (%s) since message %s; handled the "
                            "newest %d, skipped the older ones (%s < id < %s)", MESSAGE_LIMIT,
                            getattr(channel, "name", key), key, since, MESSAGE_LIMIT, since, found[-1].id)
                report.skipped.append(key)
            if found:
                report.read.append(key)
            for message in reversed(found):
                try:
                    await self.handle(message)
                except Exception:  # set aside, as the inbox does at start: the others still count
                    log.exception("Discord catch-up: message %s in %s failed; set aside", message.id, key)
                    continue
                report.fed += 1
        finally:
            self.positions.start_at(key, since)  # a thread followed from its start is followed from now on
            for where in held:
                self.positions.end(where, since + 1, keep=False)

    @staticmethod
    async def _history(channel: Any, key: str, since: int, gone: list[str] | None = None) -> list[discord.Message]:
        """Up to ``MESSAGE_LIMIT + 1`` messages after ``since``, newest first (one request); a channel
        that is gone or forbidden is added to ``gone`` when given."""
        try:
            return [m async for m in channel.history(limit=MESSAGE_LIMIT + 1, after=discord.Object(since),
                                                     oldest_first=False)]
        except (discord.HTTPException, discord.InvalidData) as error:
            log.warning("Discord catch-up: could not read #%s (%s) after message %s: %s",
                        getattr(channel, "name", key), key, since, error)
            if gone is not None and isinstance(error, (discord.NotFound, discord.Forbidden)):
                gone.append(key)
            return []
