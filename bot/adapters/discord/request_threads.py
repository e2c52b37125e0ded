"""Where a request's conversation lives on Discord: the thread made on it, a forum post, or the DM.

A request in a support channel gets a thread made on its message (``T-12 · …``; private with
``[discord] private = true``), linked to the ticket at once, so replies there join it while its
intake post is still owed, and a restart finds that thread rather than making a second one. A
forum post is its own thread, renamed after the ticket.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.discord.catch_up import FORUMS
from bot.adapters.discord.forms import add_people, new_thread
from bot.adapters.discord.render import thread_name
from bot.desk import Inbound, Ticket

if TYPE_CHECKING:
    from bot.adapters.discord.client import DeskBot

log = logging.getLogger(__name__)


def is_forum_post_start(message: discord.Message) -> bool:
    """The opening message of a forum post (it has the post's id)."""
    channel = message.channel
    return isinstance(channel, discord.Thread) and message.id == channel.id and isinstance(channel.parent, FORUMS)


async def request_thread(bot: DeskBot, message: discord.Message, ticket: Ticket) -> Any:
    """Where the new ticket's conversation lives: a thread made on the message (``T-12 · …``)."""
    channel = message.channel
    if isinstance(channel, discord.Thread):
        if is_forum_post_start(message):  # the post is the thread: name it after the ticket
            await bot.outbox.renamer.rename(channel, thread_name(ticket))
        return channel
    if not isinstance(channel, discord.TextChannel):
        return channel
    try:  # private with [discord] private = true (bot.adapters.discord.forms)
        thread = await new_thread(bot, channel, ticket, message)
    except discord.HTTPException as error:
        log.error("could not create the thread of %s (answering in the channel): %s", ticket.id, error)
        return channel
    await bot.call(bot.outbox.remember_thread, ticket, thread)
    # A thread made on someone's message does not make them a member, and only members are
    # notified of what is said there: the requester would never hear the answer.
    await add_people(bot, thread, message.author)
    return thread


async def thread_again(bot: DeskBot, message: discord.Message, inbound: Inbound, ticket: Ticket) -> Any:
    """The ticket's thread for a request read again: the one made the first time (linked, or
    started on the message), made now only when there is none."""
    if inbound.thread or inbound.direct:
        return message.channel
    found = await bot.outbox.thread_for(ticket) or getattr(message, "thread", None)
    return found if found is not None else await request_thread(bot, message, ticket)
