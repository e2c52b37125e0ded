"""The Discord desk's posts through the durable outbox: the real cog and outbox with spec'd fakes of
Discord's HTTP API (tests/test_discord.py's ``Recorder``), the courier on a fake clock.

Discord answering 503 for a minute loses no post and keeps each thread's order; a 403 sets the
post aside with the reason; the intake embed's message id is linked once it is accepted; the
scheduler's weekly post is marked sent only when Discord took it."""

from __future__ import annotations

import asyncio
from unittest.mock import MagicMock

import discord
import pytest

from bot.adapters.discord.owed import DiscordSender
from bot.courier import Courier
from bot.outbound import Handed
from bot.outbox import MemoryOutbox
from bot.replies import Kind, Reply
from tests.seconds import Seconds
from tests.test_discord import REQUEST, TEAM, UnfiledPairingKnowledge, World, recorder, start_bot  # noqa: F401


@pytest.fixture
async def durable(config, clock, recorder, monkeypatch):
    world = World(await start_bot(config, clock, knowledge=UnfiledPairingKnowledge()), recorder)
    seconds = Seconds()
    outbox = world.bot.outbox
    outbox.courier = Courier(MemoryOutbox(clock=seconds), DiscordSender(outbox), store=world.store,
                             platform="discord", clock=seconds)
    world.seconds = seconds
    world.outage = None  # an exception every send raises while set
    send = discord.abc.Messageable.send

    async def failing_send(channel, content=None, **kwargs):
        if world.outage is not None:
            raise world.outage
        return await send(channel, content, **kwargs)

    monkeypatch.setattr(discord.abc.Messageable, "send", failing_send)
    return world


async def run_for(world, total: float, *, step: float = 1.0) -> None:
    end = world.seconds.now + total
    while world.seconds.now < end:
        await asyncio.to_thread(world.bot.outbox.courier.deliver_due)  # the courier's thread; the loop stays free
        world.seconds.now += step


def server_error():
    return discord.DiscordServerError(MagicMock(status=503, reason="Service Unavailable"), "upstream down")


async def test_discord_down_for_a_minute_loses_no_post_and_keeps_the_threads_order(durable):
    durable.outage = server_error()
    await durable.request()  # T-1: its thread is made at once; intake and announcement are owed
    assert durable.recorder.threads and durable.recorder.sent == []
    ticket = durable.store.get("T-1")
    await asyncio.to_thread(durable.bot.outbox.to_thread, ticket,
                            Reply("Still there, Casey?", kind=Kind.NOTICE, ticket=ticket))
    await run_for(durable, 60)
    assert durable.recorder.sent == [] and len(durable.bot.outbox.courier.outbox.pending()) == 3

    durable.outage = None
    await run_for(durable, 300, step=5)
    in_thread = durable.recorder.in_channel(REQUEST)
    assert [s.kwargs.get("embed") is not None for s in in_thread] == [True, False]  # the intake embed first
    assert in_thread[1].text == "Still there, Casey?"
    [announcement] = durable.recorder.in_channel(TEAM)
    assert "New ticket T-1 from Casey" in announcement.text and "chatdesk:claim:T-1" in announcement.custom_ids
    assert durable.bot.desk.thread_link("T-1", "discord").get("intake")  # linked once it was accepted
    assert durable.bot.outbox.courier.outbox.pending() == []


async def test_a_post_discord_forbids_is_set_aside_with_the_reason(durable):
    durable.outage = discord.Forbidden(MagicMock(status=403, reason="Forbidden"), "Missing Access")
    await durable.request()
    await run_for(durable, 3)
    aside = durable.bot.outbox.courier.outbox.given_up()
    assert [p.key for p in aside][0] == "discord:intake:T-1"
    assert all(p.given_up == "refused: 403 Missing Access" and not p.expired for p in aside) and len(aside) == 2


async def test_a_rate_limit_waits_for_its_retry_after(durable):
    durable.outage = discord.RateLimited(20.0)
    await durable.request()
    await run_for(durable, 1)
    durable.outage = None
    await run_for(durable, 18)
    assert durable.recorder.sent == []
    await run_for(durable, 4)
    assert len(durable.recorder.sent) == 2


async def test_the_weekly_post_is_marked_only_once_discord_accepted_it(durable):
    durable.outage = server_error()
    reply = Reply("**Support metrics 2026-W48**", kind=Kind.ANNOUNCE)
    key = "metrics:weekly-post:discord:2026-W48"
    handed = await asyncio.to_thread(durable.bot.outbox.to_team, reply, key=key, mark=key)
    assert handed is Handed.OWED and durable.bot.outbox.holds(key)
    await run_for(durable, 10)
    assert durable.store.recall(key) is None
    durable.outage = None
    await run_for(durable, 30)
    assert durable.store.recall(key) is not None
    assert [s.text for s in durable.recorder.in_channel(TEAM)] == ["**Support metrics 2026-W48**"]


async def test_an_owed_reminder_still_mentions_only_the_agents_on_duty(durable):
    from bot.domain import Person

    sam = Person("discord", "900000000000000444", "Sam")
    reply = Reply("T-1 is still unclaimed", kind=Kind.ANNOUNCE, mentions=(sam,))
    assert await asyncio.to_thread(durable.bot.outbox.to_team, reply) is Handed.OWED
    await run_for(durable, 2)
    [sent] = durable.recorder.in_channel(TEAM)
    assert sent.text.startswith("<@900000000000000444>")
    assert [user.id for user in sent.kwargs["allowed_mentions"].users] == [900000000000000444]


async def test_a_post_discord_made_but_whose_answer_was_lost_shows_once(durable, monkeypatch):
    """Discord made the message and the answer was lost (a 503 after it): the courier sends it
    again with the same nonce, and Discord answers with the message it made."""
    send = discord.abc.Messageable.send
    nonces = []

    async def made_then_lost(channel, content=None, **kwargs):
        nonces.append(kwargs.get("nonce"))
        await send(channel, content, **kwargs)
        if len(nonces) == 1:
            raise server_error()

    monkeypatch.setattr(discord.abc.Messageable, "send", made_then_lost)
    await durable.request()  # the intake embed (made, answer lost), then the announcement
    await run_for(durable, 30)
    assert len(nonces) == 3 and nonces[0] is not None  # the intake, the announcement, the intake again
    assert nonces[0] == nonces[2] != nonces[1]  # one nonce per post, the same on each attempt
    assert len(durable.recorder.in_channel(REQUEST)) == 1 and len(durable.recorder.in_channel(TEAM)) == 1
    assert durable.bot.outbox.courier.outbox.pending() == []


def test_discord_py_asks_discord_to_enforce_the_nonce():
    """The contract the courier relies on: a nonce goes out with ``enforce_nonce``."""
    from discord.http import handle_message_parameters

    from bot.adapters.discord.owed import post_nonce

    nonce = post_nonce("discord:intake:T-1")
    with handle_message_parameters(content="hello", nonce=nonce) as params:
        assert params.payload["nonce"] == str(nonce) and params.payload["enforce_nonce"] is True
    assert len(str(nonce)) <= 25 and post_nonce("discord:intake:T-1") == nonce != post_nonce("discord:intake:T-2")
