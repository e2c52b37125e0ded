"""Catching up on start and on resume: what was said while the bot was away becomes tickets and
conversation exactly once, read with ``after=`` from the last message seen, never the whole history.

``Discord`` below stands in for Discord's side: every message posted (live or while the bot was
away) in the gateway's payload shape, the active threads it sends at connect, and
``GET /channels/{id}/messages`` answered as the API does (``http.logs_from``), so discord.py's own
``history()`` runs unchanged. A "start" is a new bot on the same store file.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import logging
from collections import defaultdict
from dataclasses import replace
from typing import Any

import discord
import pytest

from bot.adapters.discord import DiscordConfig, catch_up
from bot.adapters.discord.catch_up import Positions
from bot.adapters.discord.runner import build_bot
from bot.store import TinyTicketStore
from tests.test_discord import (FORUM, REQUEST, REQUEST_TEXT, SUPPORT, TEAM, World, load, make_thread,  # noqa: F401
                                recorder, start_bot)


BOT_USER = {"id": "900000000000000777", "username": "chatdesk", "discriminator": "0", "avatar": None, "bot": True}
DMS = {"casey": 1310000000000000500, "robin": 1310000000000000600}  # each customer's DM channel with the bot


class Discord:
    """Discord's side: messages per channel, active threads, and the message history endpoint."""

    def __init__(self, recorder) -> None:
        self.messages: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.threads: dict[int, tuple[int, str]] = {}  # id → (parent, name)
        self.requests: list[tuple[int, dict[str, Any]]] = []  # history requests: (channel, params)
        self.recorder = recorder
        self.ids = recorder.ids = itertools.count(REQUEST + 5000)  # one clock for every snowflake
        self._absorbed = 0

    def say(self, world: World, author: str, content: str, *, channel: int = SUPPORT,
            message_id: int | None = None) -> dict[str, Any]:
        """Post a message (Discord keeps it); returns its MESSAGE_CREATE payload."""
        data = load("message_create.json")
        member = copy.deepcopy(world.member_data[author])
        data.update(id=str(message_id or next(self.ids)), channel_id=str(channel), content=content,
                    author=member.pop("user"), member=member)
        self.messages[channel].append(data)
        return data

    async def live(self, world: World, author: str, content: str, **options: Any) -> discord.Message:
        """Post while the bot listens: the gateway delivers it to ``on_message``."""
        message = self.delivered(world, self.say(world, author, content, **options))
        await world.cog.on_message(message)
        return message

    @staticmethod
    def delivered(world: World, data: dict[str, Any]) -> discord.Message:
        """The payload as a bot's gateway delivers it."""
        channel = world.bot.get_channel(int(data["channel_id"]))
        return discord.Message(state=world.state, channel=channel, data=copy.deepcopy(data))

    def dm(self, world: World, author: str, content: str) -> dict[str, Any]:
        """A direct message to the bot (Discord keeps it); returns its MESSAGE_CREATE payload."""
        data = load("message_create_dm.json")
        data.update(id=str(next(self.ids)), channel_id=str(DMS[author]), content=content,
                    author=copy.deepcopy(world.member_data[author]["user"]))
        self.messages[DMS[author]].append(data)
        return data

    async def live_dm(self, world: World, author: str, content: str) -> None:
        """A DM while the bot listens: the gateway delivers it (its channel as discord.py makes it)."""
        await world.cog.on_message(self.delivered_dm(world, self.dm(world, author, content)))

    @staticmethod
    def delivered_dm(world: World, data: dict[str, Any]) -> discord.Message:
        channel, _ = world.state._get_guild_channel(data)  # discord.py's own parse_message_create does this
        return discord.Message(state=world.state, channel=channel, data=copy.deepcopy(data))

    def forum_post(self, world: World, author: str, title: str, content: str) -> int:
        """A new post in the forum: a thread, whose opening message has the thread's id."""
        post = next(self.ids)
        self.threads[post] = (FORUM, title)
        self.messages[FORUM].append({"id": str(post)})  # a forum's newest "message" is its newest post
        self.say(world, author, content, channel=post, message_id=post)
        return post

    async def echo(self, world: World) -> None:
        """What the bot posted is on Discord too, and the gateway delivers it back to the bot (as
        it does every message the bot can see, its own included); its threads stay active."""
        for thread in world.guild.threads:
            self.threads.setdefault(thread.id, (thread.parent_id, thread.name))
        for sent in self.recorder.sent[self._absorbed:]:
            direct = sent.channel in DMS.values()
            data = load("message_create_dm.json" if direct else "message_create.json")
            data.update(id=str(sent.message_id), channel_id=str(sent.channel), content=sent.text,
                        author=dict(BOT_USER))
            data.pop("member", None)
            self.messages[sent.channel].append(data)
            if direct:
                await world.cog.on_message(self.delivered_dm(world, data))
            elif world.bot.get_channel(sent.channel) is not None:
                await world.cog.on_message(self.delivered(world, data))
        self._absorbed = len(self.recorder.sent)

    def forget_sent(self) -> None:
        """Start the recorder afresh (what was sent stays on Discord)."""
        self.recorder.sent.clear()
        self._absorbed = 0

    def connect(self, world: World) -> World:
        """What the gateway tells a bot at connect: who it is, each channel's newest message, the
        active threads."""
        world.bot._connection.user = discord.ClientUser(state=world.state, data=dict(BOT_USER))
        for channel_id, (parent, name) in self.threads.items():
            if world.guild.get_thread(channel_id) is None:
                make_thread(world.guild, world.state, thread_id=channel_id, parent_id=parent, name=name)
        for channel in [*world.guild.channels, *world.guild.threads]:
            if self.messages.get(channel.id):
                channel.last_message_id = max(int(m["id"]) for m in self.messages[channel.id])
        world.bot._connection.http.logs_from = self.logs_from
        return world

    async def logs_from(self, channel_id, limit, before=None, after=None, around=None):
        """``GET /channels/{id}/messages``: newest first; with ``after``, the ``limit`` oldest after it."""
        self.requests.append((int(channel_id), {"limit": limit, "before": before, "after": after}))
        found = sorted((m for m in self.messages.get(int(channel_id), []) if "content" in m), key=lambda m: int(m["id"]))
        if before is not None:
            found = [m for m in found if int(m["id"]) < int(before)]
        if after is not None:
            found = [m for m in found if int(m["id"]) > int(after)][:limit]
        else:
            found = found[-limit:]
        return copy.deepcopy(list(reversed(found)))


@pytest.fixture
def discord_side(recorder):
    return Discord(recorder)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "tickets.json"


async def start(config, clock, recorder, path, discord_side: Discord) -> World:
    """A bot starting on the store at ``path``: connected, then its ``on_ready``."""
    world = discord_side.connect(World(await start_bot(config, clock, store=TinyTicketStore.at(path)), recorder))
    await world.cog.on_ready()
    return world


async def stop(world: World, discord_side: Discord) -> None:
    await discord_side.echo(world)
    await world.bot.close()
    world.store.close()


@pytest.fixture
async def was_running(config, clock, recorder, path, discord_side):
    """A bot ran, saw Casey's request live (T-1 and its thread), and stopped."""
    world = await start(config, clock, recorder, path, discord_side)
    await discord_side.live(world, "casey", REQUEST_TEXT, message_id=REQUEST)
    await stop(world, discord_side)
    discord_side.forget_sent()
    recorder.threads.clear()
    return world


# -- start ---------------------------------------------------------------------------------------

async def test_what_was_said_while_away_is_handled_once_at_start(config, clock, recorder, path, discord_side,
                                                                 was_running):
    away = was_running
    discord_side.say(away, "robin", "I was charged twice for November")
    discord_side.say(away, "casey", "still spinning after a reinstall", channel=REQUEST)
    discord_side.say(away, "robin", "thanks!")  # small talk: read, not a ticket

    world = await start(config, clock, recorder, path, discord_side)

    assert [(t.id, t.requester.name) for t in world.store.tickets()] == [("T-1", "Casey"), ("T-2", "Robin")]
    assert world.store.get("T-2").subject == "I was charged twice for November"
    assert world.store.get("T-1").conversation[-1].text == "still spinning after a reinstall"
    assert [name for _, name, _ in recorder.threads] == ["T-2 · I was charged twice for November"]
    assert any("T-2" in sent.text for sent in recorder.sent)
    # one bounded request per channel with something new: the newest messages, back to the last seen
    assert sorted(channel for channel, _ in discord_side.requests) == [SUPPORT, REQUEST]
    assert {params["limit"] for _, params in discord_side.requests} == {catch_up.MESSAGE_LIMIT + 1}


async def test_a_second_start_repeats_nothing_and_reads_nothing(config, clock, recorder, path, discord_side,
                                                                was_running):
    discord_side.say(was_running, "robin", "I was charged twice for November")
    first = await start(config, clock, recorder, path, discord_side)
    await stop(first, discord_side)
    discord_side.forget_sent()
    recorder.threads.clear()
    discord_side.requests.clear()

    again = await start(config, clock, recorder, path, discord_side)

    assert [t.id for t in again.store.tickets()] == ["T-1", "T-2"]
    assert recorder.sent == [] and recorder.threads == []
    assert discord_side.requests == []  # every channel's newest message was already handled


async def test_a_crash_before_the_positions_were_kept_reads_again_and_repeats_nothing(
        config, clock, recorder, path, discord_side):
    world = await start(config, clock, recorder, path, discord_side)
    await discord_side.live(world, "casey", REQUEST_TEXT, message_id=REQUEST)
    await discord_side.live(world, "casey", "I'm on Android 14", channel=REQUEST)
    await discord_side.echo(world)
    world.store.close()  # killed: no close(), the positions of the last second were never written
    discord_side.forget_sent()
    recorder.threads.clear()

    restarted = await start(config, clock, recorder, path, discord_side)

    assert [t.id for t in restarted.store.tickets()] == ["T-1"]
    assert [m.text for m in restarted.store.get("T-1").conversation] == [REQUEST_TEXT, "I'm on Android 14"]
    assert recorder.sent == [] and recorder.threads == []


async def test_a_first_start_marks_the_channels_without_reading_their_history(config, clock, recorder, path,
                                                                             discord_side):
    world = World(await start_bot(config, clock, store=TinyTicketStore.at(path)), recorder)
    discord_side.say(world, "robin", "an old question from last year")
    discord_side.connect(world)
    await world.cog.on_ready()

    assert world.store.tickets() == [] and discord_side.requests == []
    discord_side.say(world, "casey", "My tracker won't pair")  # while the bot is away, after its first start
    await stop(world, discord_side)
    later = await start(config, clock, recorder, path, discord_side)
    assert [t.subject for t in later.store.tickets()] == ["My tracker won't pair"]


# -- resume --------------------------------------------------------------------------------------

async def test_a_resume_catches_up_on_what_the_gateway_did_not_replay(config, clock, recorder, path, discord_side):
    world = await start(config, clock, recorder, path, discord_side)
    await discord_side.live(world, "casey", REQUEST_TEXT, message_id=REQUEST)
    discord_side.say(world, "robin", "Where is my invoice?")  # sent during the disconnect
    discord_side.say(world, "casey", "any news?", channel=REQUEST)
    discord_side.connect(world)

    await world.cog.on_resumed()
    await world.cog.on_resumed()  # twice: still once each

    assert [t.subject for t in world.store.tickets()] == [world.store.get("T-1").subject, "Where is my invoice?"]
    assert [m.text for m in world.store.get("T-1").conversation] == [REQUEST_TEXT, "any news?"]
    assert len(recorder.threads) == 2


async def test_a_message_handled_live_and_read_back_is_one_ticket(config, clock, recorder, path, discord_side):
    world = await start(config, clock, recorder, path, discord_side)
    message = discord_side.delivered(world, discord_side.say(world, "robin", "Where is my invoice?"))
    discord_side.connect(world)
    await world.cog.on_resumed()  # read back first …
    await world.cog.on_message(message)  # … and the gateway delivers it late
    assert [t.id for t in world.store.tickets()] == ["T-1"] and len(recorder.threads) == 1


# -- limits ----------------------------------------------------------------------------------------

async def test_past_the_limit_the_newest_are_handled_and_the_skipped_ones_logged(
        config, clock, recorder, path, discord_side, was_running, monkeypatch, caplog):
    monkeypatch.setattr(catch_up, "MESSAGE_LIMIT", 3)
    said = [int(discord_side.say(was_running, "robin", f"Question number {n} about my invoice")["id"])
            for n in range(5)]

    with caplog.at_level(logging.WARNING):
        world = await start(config, clock, recorder, path, discord_side)

    assert [t.subject for t in world.store.tickets()][1:] == [f"Question number {n} about my invoice"
                                                              for n in (2, 3, 4)]
    assert f"skipped the older ones ({REQUEST} < id < {said[2]})" in caplog.text
    assert [params["limit"] for _, params in discord_side.requests if _ == SUPPORT] == [4]  # one request


async def test_a_channel_the_bot_may_not_read_is_logged_and_the_others_still_caught_up(
        config, clock, recorder, path, discord_side, was_running, caplog):
    discord_side.say(was_running, "casey", "still spinning", channel=REQUEST)
    discord_side.say(was_running, "robin", "Where is my invoice?")
    real = discord_side.logs_from

    async def refuse_support(channel_id, *args, **kwargs):
        if int(channel_id) == SUPPORT:
            raise discord.Forbidden(type("R", (), {"status": 403, "reason": "Forbidden"})(), "Missing Access")
        return await real(channel_id, *args, **kwargs)

    world = World(await start_bot(config, clock, store=TinyTicketStore.at(path)), recorder)
    discord_side.connect(world)
    world.bot._connection.http.logs_from = refuse_support
    await world.cog.on_ready()

    assert "could not read #support" in caplog.text
    assert world.store.get("T-1").conversation[-1].text == "still spinning"


# -- forums ------------------------------------------------------------------------------------------

async def test_a_forum_post_made_while_away_becomes_a_ticket_with_its_title(config, clock, recorder, path,
                                                                           discord_side, was_running):
    post = discord_side.forum_post(was_running, "robin", "Invoice shows the wrong VAT",
                                   "My November invoice has 21% instead of 9%")
    discord_side.say(was_running, "robin", "here is a screenshot", channel=post)

    world = await start(config, clock, recorder, path, discord_side)

    ticket = world.store.get("T-2")
    assert ticket.subject == "Invoice shows the wrong VAT" and ticket.body == "My November invoice has 21% instead of 9%"
    assert ticket.conversation[-1].text == "here is a screenshot"
    assert world.guild.get_thread(post).name == "T-2 · Invoice shows the wrong VAT"


# -- the position bookkeeping ------------------------------------------------------------------------

def test_a_position_never_passes_a_message_still_in_hand(config, clock):
    class Desk:
        kept: dict[str, str] = {}

        def read_position(self, platform, channel):
            return self.kept.get(channel)

        def keep_position(self, platform, channel, message_id):
            self.kept[channel] = message_id

    class Bot:
        desk = Desk()

    positions = Positions(Bot())
    positions.begin("c", 10)
    positions.begin("c", 11)
    positions.end("c", 11, keep=True)  # the newer one finished first
    positions.write()
    assert Bot.desk.kept.get("c") in (None, "9")  # not 11: 10 is still being handled
    positions.end("c", 10, keep=True)
    positions.write()
    assert Bot.desk.kept["c"] == "11"
    positions.begin("c", 12)
    positions.end("c", 12, keep=False)  # not the desk's business (a thread that is no ticket's)
    positions.write()
    assert Bot.desk.kept["c"] == "11"


async def test_live_messages_during_a_catch_up_do_not_move_the_position_past_what_is_still_to_read(
        config, clock, recorder, path, discord_side, was_running):
    discord_side.say(was_running, "robin", "I was charged twice for November")
    world = discord_side.connect(World(await start_bot(config, clock, store=TinyTicketStore.at(path)), recorder))
    catching_up = world.cog.catch_up
    real, kept = catching_up.handle, []

    async def handle(message):
        if not kept:  # while the first message read back is in hand, a new one arrives live
            await discord_side.live(world, "casey", "Where is my invoice for October?")
            await world.bot.call(catching_up.positions.write)
            kept.append(world.bot.desk.read_position("discord", str(SUPPORT)))
        await real(message)

    catching_up.handle = handle
    await world.cog.on_ready()

    assert kept == [str(REQUEST)]  # not the live message's id: a crash now must still read the other
    assert [t.subject for t in world.store.tickets()][1:] == ["Where is my invoice for October?",
                                                              "I was charged twice for November"]
    newest = max(int(m["id"]) for m in discord_side.messages[SUPPORT])
    assert world.bot.desk.read_position("discord", str(SUPPORT)) == str(newest)


async def test_a_reply_discord_refuses_after_the_ticket_is_stored_does_not_hold_the_channel_back(
        config, clock, recorder, path, discord_side, monkeypatch):
    world = await start(config, clock, recorder, path, discord_side)

    async def refused(*args, **kwargs):
        raise discord.RateLimited(600.0)  # past max_ratelimit_timeout: raised, not slept

    monkeypatch.setattr(world.bot.outbox, "deliver", refused)
    with pytest.raises(discord.RateLimited):
        await discord_side.live(world, "casey", REQUEST_TEXT, message_id=REQUEST)
    await world.bot.call(world.cog.catch_up.positions.write)

    assert world.store.get("T-1") is not None
    assert world.bot.desk.read_position("discord", str(SUPPORT)) == str(REQUEST)


@pytest.mark.parametrize("event", ["ready", "resumed"])
async def test_discord_pys_ready_and_resumed_events_start_the_catch_up(config, clock, recorder, path, discord_side,
                                                                       was_running, event):
    discord_side.say(was_running, "robin", "I was charged twice for November")
    world = discord_side.connect(World(await start_bot(config, clock, store=TinyTicketStore.at(path)), recorder))
    world.bot.loop = asyncio.get_running_loop()  # as login does

    world.bot.dispatch(event)  # as the gateway's READY / RESUMED do
    pending = [t for t in asyncio.all_tasks() if t.get_name().startswith("discord.py: on_")]
    await asyncio.gather(*pending)

    assert [t.subject for t in world.store.tickets()][-1] == "I was charged twice for November"


# -- direct messages (private intake) ----------------------------------------------------------------

async def start_private(config, clock, recorder, path, discord_side: Discord, *, private: bool = True) -> World:
    """A bot with ``[discord] private = true`` (DMs are private intake) starting on the store at ``path``."""
    platform = DiscordConfig(channels=(str(SUPPORT), str(FORUM)), agent_role="Support", team_channel=str(TEAM),
                             private=private)
    bot = build_bot(replace(config, platforms={**config.platforms, "discord": platform}),
                    store=TinyTicketStore.at(path), clock=clock, knowledge=False, scheduler=False)
    bot.desk.survey_policy = lambda ticket: False
    await bot.setup_hook()
    world = discord_side.connect(World(bot, recorder))
    await world.cog.on_ready()
    return world


def dm_requests(discord_side: Discord) -> list[int]:
    return [channel for channel, _ in discord_side.requests if channel in DMS.values()]


@pytest.fixture
async def greeted(config, clock, recorder, path, discord_side):
    """A private-intake bot ran; Casey and Robin each said hello in a DM (small talk: no ticket), and it stopped."""
    world = await start_private(config, clock, recorder, path, discord_side)
    await discord_side.live_dm(world, "casey", "hello")
    await discord_side.live_dm(world, "robin", "hi there")
    assert world.store.tickets() == []
    await stop(world, discord_side)
    discord_side.requests.clear()
    return world


async def test_a_direct_message_sent_while_away_becomes_a_ticket_at_the_next_start_once(
        config, clock, recorder, path, discord_side, greeted):
    request = discord_side.dm(greeted, "casey", "I need to change the email on my account")

    world = await start_private(config, clock, recorder, path, discord_side)

    [ticket] = world.store.tickets()
    assert (ticket.subject, ticket.requester.name) == ("I need to change the email on my account", "Casey")
    assert ticket.source.channel == str(DMS["casey"]) and ticket.source.message == request["id"]
    answered = recorder.in_channel(DMS["casey"])
    assert len(answered) == 1 and "T-1" in answered[0].text  # answered in the DM
    assert "New ticket T-1 from Casey" in recorder.in_channel(TEAM)[0].text
    # read after the last message handled there, one bounded request per known DM channel
    assert sorted(dm_requests(discord_side)) == sorted(DMS.values())
    assert {params["limit"] for _, params in discord_side.requests} == {catch_up.MESSAGE_LIMIT + 1}

    await world.cog.on_resumed()  # caught up a second time (the DM read again): nothing new
    assert [t.id for t in world.store.tickets()] == ["T-1"] and len(recorder.in_channel(DMS["casey"])) == 1
    await stop(world, discord_side)
    discord_side.forget_sent()
    again = await start_private(config, clock, recorder, path, discord_side)
    assert [t.id for t in again.store.tickets()] == ["T-1"] and recorder.sent == []


async def test_a_later_direct_message_sent_while_away_joins_the_customers_ticket(
        config, clock, recorder, path, discord_side):
    world = await start_private(config, clock, recorder, path, discord_side)
    await discord_side.live_dm(world, "casey", "I need to change the email on my account")
    await stop(world, discord_side)
    discord_side.dm(world, "casey", "the new one is casey@example.org")

    world = await start_private(config, clock, recorder, path, discord_side)

    assert [t.id for t in world.store.tickets()] == ["T-1"]
    assert world.store.get("T-1").conversation[-1].text == "the new one is casey@example.org"


async def test_a_direct_message_channel_the_bot_may_not_read_is_logged_forgotten_and_the_others_caught_up(
        config, clock, recorder, path, discord_side, greeted, caplog):
    discord_side.dm(greeted, "casey", "I need to change the email on my account")
    discord_side.dm(greeted, "robin", "Where is my invoice for October?")
    real = discord_side.logs_from

    async def refuse_caseys_dm(channel_id, *args, **kwargs):
        if int(channel_id) == DMS["casey"]:  # Casey blocked the bot since
            raise discord.Forbidden(type("R", (), {"status": 403, "reason": "Forbidden"})(), "Missing Access")
        return await real(channel_id, *args, **kwargs)

    world = World(build_bot(greeted.bot.desk.config, store=TinyTicketStore.at(path), clock=clock, knowledge=False,
                            scheduler=False), recorder)
    await world.bot.setup_hook()
    discord_side.connect(world)
    world.bot._connection.http.logs_from = refuse_caseys_dm
    with caplog.at_level(logging.WARNING):
        await world.cog.on_ready()

    assert [(t.subject, t.requester.name) for t in world.store.tickets()] == [
        ("Where is my invoice for October?", "Robin")]
    assert f"the DM of user {greeted.members['casey'].id} ({DMS['casey']}) is gone or closed to the bot" in caplog.text
    assert [c.channel for c in world.bot.desk.direct_channels("discord")] == [str(DMS["robin"])]
    discord_side.requests.clear()
    await world.cog.on_resumed()
    assert DMS["casey"] not in dm_requests(discord_side)  # forgotten: not asked again


async def test_past_the_limit_the_most_recently_active_direct_messages_are_read_and_the_rest_logged(
        config, clock, recorder, path, discord_side, greeted, monkeypatch, caplog):
    monkeypatch.setattr(catch_up, "DIRECT_LIMIT", 1)
    world = await start_private(config, clock, recorder, path, discord_side)
    await discord_side.live_dm(world, "robin", "thanks!")  # Robin's DM is now the most recently active
    await stop(world, discord_side)
    discord_side.requests.clear()
    discord_side.dm(world, "casey", "I need to change the email on my account")
    discord_side.dm(world, "robin", "Where is my invoice for October?")

    with caplog.at_level(logging.WARNING):
        world = await start_private(config, clock, recorder, path, discord_side)

    assert [t.subject for t in world.store.tickets()] == ["Where is my invoice for October?"]
    assert dm_requests(discord_side) == [DMS["robin"]]
    assert f"skipped the DM of user {world.members['casey'].id} ({DMS['casey']})" in caplog.text


async def test_without_private_intake_no_direct_message_channel_is_read(config, clock, recorder, path, discord_side,
                                                                        greeted):
    discord_side.dm(greeted, "casey", "I need to change the email on my account")

    world = await start_private(config, clock, recorder, path, discord_side, private=False)

    assert dm_requests(discord_side) == [] and world.store.tickets() == []
