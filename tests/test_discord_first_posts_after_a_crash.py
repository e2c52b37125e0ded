"""A Discord request stored just before a crash, before its intake reply and announcement were
recorded: the catch-up at the next start reads it again and owes them, once, in the thread the
first process made. Through the real cog and catch-up (``tests/test_discord_catch_up.py``'s
Discord side), the durable outbox on disk and the courier."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.discord.outbox import DiscordOutbox
from bot.adapters.discord.owed import DiscordSender
from bot.courier import Courier
from bot.outbox import FileOutbox
from bot.store import TinyTicketStore
from tests.test_discord import REQUEST, REQUEST_TEXT, TEAM, World, recorder, start_bot  # noqa: F401 (fixture)
from tests.test_discord_catch_up import discord_side, path, stop  # noqa: F401 (fixtures)
from tests.seconds import Seconds


class Died(RuntimeError):
    """The process was killed here."""


@pytest.fixture
def seconds():
    return Seconds()


async def durable_start(config, clock, recorder, path, discord_side, outbox_dir, seconds):
    """A bot starting on the store at ``path`` with the durable outbox in ``outbox_dir``."""
    world = discord_side.connect(World(await start_bot(config, clock, store=TinyTicketStore.at(path)), recorder))
    outbox = world.bot.outbox
    outbox.courier = Courier(FileOutbox(outbox_dir, clock=seconds), DiscordSender(outbox), store=world.store,
                             platform="discord", clock=seconds)
    await world.cog.on_ready()  # connected: the catch-up
    return world


async def deliver(world, seconds) -> None:
    for _ in range(5):
        await asyncio.to_thread(world.bot.outbox.courier.deliver_due)
        seconds.now += 1


async def test_a_request_stored_before_a_crash_gets_its_intake_reply_and_announcement_once(
        config, clock, recorder, path, discord_side, tmp_path, seconds, monkeypatch):
    outbox_dir = tmp_path / "outbox"
    first = await durable_start(config, clock, recorder, path, discord_side, outbox_dir, seconds)

    async def killed(self, *args, **kwargs):
        raise Died("killed between the ticket and its posts' records")

    with monkeypatch.context() as dying:
        dying.setattr(DiscordOutbox, "_owe", killed)
        with pytest.raises(Died):
            await discord_side.live(first, "casey", REQUEST_TEXT, message_id=REQUEST)
    assert first.store.get("T-1") is not None and recorder.sent == []
    threads = list(recorder.threads)
    assert len(threads) == 1  # its thread was made (and linked) before the crash
    await discord_side.echo(first)  # the thread is on Discord: an active thread at the next connect
    first.store.close()  # killed: the channel's position was never written

    again = await durable_start(config, clock, recorder, path, discord_side, outbox_dir, seconds)
    await deliver(again, seconds)
    assert recorder.threads == threads  # the same thread: no second one for the same request
    in_thread = recorder.in_channel(REQUEST)
    assert [s.kwargs.get("embed") is not None for s in in_thread] == [True]  # the intake embed, once
    [announcement] = recorder.in_channel(TEAM)
    assert "New ticket T-1 from Casey" in announcement.text
    await stop(again, discord_side)

    third = await durable_start(config, clock, recorder, path, discord_side, outbox_dir, seconds)
    await deliver(third, seconds)
    assert len(recorder.in_channel(REQUEST)) == 1 and len(recorder.in_channel(TEAM)) == 1
