"""The direct-message channels the desk has handled messages in, so the catch-up can read them.

Discord gives a bot no list of its DM channels (not at connect, not on request), so the desk
remembers each one, with whose it is, in the store (``Desk.keep_direct_channel``) at the first
message it handles there: before handing that message to the desk, so a crash in between still
leaves the channel known and the message read again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, NamedTuple

from bot.adapters.discord import PLATFORM

if TYPE_CHECKING:
    import discord

    from bot.adapters.discord.client import DeskBot
    from bot.desk import Inbound

log = logging.getLogger(__name__)


class Known(NamedTuple):
    """A DM channel the desk follows: whose it is, and the first message handled there."""

    channel: str
    user_id: str
    first_message: int


class DirectChannels:
    """The known DM channels, read from the store once and kept in step with it."""

    def __init__(self, bot: DeskBot) -> None:
        self.bot = bot
        self._known: dict[str, Known] | None = None
        self._lock = asyncio.Lock()

    async def known(self, *, fresh: bool = False) -> list[Known]:
        """Every known DM channel (``fresh``: read the store again, as a catch-up does)."""
        async with self._lock:
            if self._known is None or fresh:
                found = await self.bot.call(self.bot.desk.direct_channels, PLATFORM)
                self._known = {entry.channel: Known(entry.channel, entry.user_id, _id(entry.first_message))
                               for entry in found}
            return list(self._known.values())

    async def note(self, message: discord.Message, inbound: Inbound) -> None:
        """Before a person's direct message is handled: remember its channel if it is new (a failure
        is logged; the message is still handled, only its channel may be missed by a catch-up)."""
        if not inbound.direct or inbound.from_bot:
            return
        channel, user_id, message_id = str(message.channel.id), str(message.author.id), str(message.id)
        if self._known is not None and channel in self._known:
            return
        try:
            await self.known()
            async with self._lock:
                assert self._known is not None
                if channel in self._known:
                    return
                await self.bot.call(self.bot.desk.keep_direct_channel, PLATFORM, channel, user_id=user_id,
                                    message_id=message_id)
                self._known[channel] = Known(channel, user_id, _id(message_id))
        except Exception:
            log.exception("could not remember the direct-message channel %s (of user %s)", channel, user_id)

    async def forget(self, channel: str) -> None:
        """Stop following ``channel`` (gone, or no longer readable); a failure is logged (the next
        catch-up finds it gone again), never raised into the catch-up."""
        async with self._lock:
            try:
                await self.bot.call(self.bot.desk.forget_direct_channel, PLATFORM, channel)
            except Exception:
                log.exception("could not forget the direct-message channel %s", channel)
                return
            if self._known is not None:
                self._known.pop(channel, None)


def _id(text: str) -> int:
    return int(text) if text.isdigit() else 0
