"""Forum channels: a customer's post is the request, its title the ticket's subject, and the post
(its thread) keeps that title behind the ticket's id: ``T-12 · <their title>``.

The post comes from a recorded THREAD_CREATE + MESSAGE_CREATE pair (tests/fixtures/discord/forum_post.json).
"""

from __future__ import annotations

import copy
from typing import Any

import discord

from bot.adapters import limits
from bot.domain import State
from tests.test_discord import (FORUM, PairingKnowledge, World, answers, load, press, recorder,  # noqa: F401
                                start_bot, world)

POST = load("forum_post.json")
POST_ID = int(POST["thread_create"]["id"])
TITLE = POST["thread_create"]["name"]
TEXT = POST["message_create"]["content"]


def posted(world: World, *, title: str = TITLE, content: str = TEXT, **message: Any) -> discord.Message:
    """The post as the gateway delivers it: the thread (THREAD_CREATE), then its opening message."""
    data = copy.deepcopy(POST["thread_create"])
    data["name"] = title
    thread = discord.Thread(guild=world.guild, state=world.state, data=data)
    world.guild._add_thread(thread)
    opening = copy.deepcopy(POST["message_create"])
    opening.update(content=content, **message)
    return discord.Message(state=world.state, channel=thread, data=opening)


def renames(world: World) -> list[str]:
    return [edit["name"] for thread, edit in world.recorder.thread_edits if thread == POST_ID and "name" in edit]


async def test_the_posts_title_is_the_subject_and_stays_in_the_name_after_the_ticket_id(world):
    await world.cog.on_message(posted(world))

    ticket = world.store.get("T-1")
    assert ticket.subject == TITLE and ticket.body == TEXT
    assert ticket.source.channel == str(FORUM)
    assert renames(world) == [f"T-1 · {TITLE}"]  # one rename: the ticket id in front of their title
    assert world.recorder.threads == []  # the post is the thread
    [intake] = world.recorder.in_channel(POST_ID)
    assert intake.kwargs["embed"].title == f"T-1 · {TITLE}"


async def test_a_long_title_keeps_the_id_within_discords_thread_name_limit(world):
    title = "Pairing " + "x" * (limits.DISCORD_THREAD_NAME - 8)  # a title of the full 100 characters
    await world.cog.on_message(posted(world, title=title))

    [name] = renames(world)
    assert len(name) == limits.DISCORD_THREAD_NAME and name.startswith("T-1 · Pairing xx") and name.endswith("…")
    assert world.store.get("T-1").subject == title  # the subject keeps all of it


async def test_the_title_is_matched_too_and_a_post_of_few_words_is_still_a_request(config, clock, recorder):
    world = World(await start_bot(config, clock, knowledge=PairingKnowledge()), recorder)
    await world.cog.on_message(posted(world, content="thanks in advance!"))  # small talk, under a real title

    ticket = world.store.get("T-1")
    assert ticket.subject == TITLE
    assert [s["slug"] for s in ticket.suggestions] == ["pair-tracker"]  # "pair" is only in the title


async def test_a_post_that_is_only_a_title_and_a_picture_opens_a_ticket(world):
    picture = {"id": "1310000000000000778", "filename": "screen.png", "size": 1024,
               "url": "https://cdn.discordapp.com/attachments/1/2/screen.png",
               "proxy_url": "https://media.discordapp.net/attachments/1/2/screen.png"}
    await world.cog.on_message(posted(world, content="", attachments=[picture]))
    ticket = world.store.get("T-1")
    assert ticket.subject == TITLE and ticket.body == picture["url"]


async def test_resolving_marks_the_name_and_keeps_the_title(world):
    await world.cog.on_message(posted(world))
    await press(world, "casey", "chatdesk:solved:T-1", channel=POST_ID)

    assert world.store.get("T-1").state is State.RESOLVED
    assert renames(world) == [f"T-1 · {TITLE}", f"✅ T-1 · {TITLE}"]
    assert world.guild.get_thread(POST_ID).archived


async def test_a_reply_in_the_post_joins_the_ticket_and_renames_nothing(world):
    await world.cog.on_message(posted(world))
    reply = copy.deepcopy(POST["message_create"])
    reply.update(id=str(POST_ID + 5), content="also tried restarting the phone")
    await world.cog.on_message(discord.Message(state=world.state, channel=world.guild.get_thread(POST_ID), data=reply))

    assert world.store.get("T-1").conversation[-1].text == "also tried restarting the phone"
    assert renames(world) == [f"T-1 · {TITLE}"]


async def test_open_ticket_on_a_forum_post_takes_its_title_too(world):
    opening = posted(world, content="the map crashes")
    interaction = world.interaction("maria", channel=FORUM)
    await world.cog.open_ticket_menu(interaction, opening)

    assert world.store.get("T-1").subject == TITLE
    assert renames(world) == [f"T-1 · {TITLE}"]
    assert answers(interaction)[0][0]  # told privately
