"""Discord posts through the durable outbox: what is recorded, and the courier's ``Sender``.

A post is recorded as what the desk wanted said (the reply, its ticket's id, and for an intake
the thread it goes into, made before the post) and rendered when it is sent: discord.py's
embeds and views are objects, not JSON, and the buttons (``chatdesk:claim:T-4``) are rebuilt
from the ticket as it is then. The sender runs on the bot's event loop from the courier's
thread. Discord's 403 and 404 (no access, an unknown channel or thread) and other 4xx answers
set the post aside; 5xx, rate limits (``RateLimited``'s ``retry_after``) and the network are
retried, each attempt with the post's own nonce, so a repeat of a send that did arrive shows once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.adapters.discord import PLATFORM
from bot.courier import Courier, Refused, TryLater, courier_for
from bot.desk import Action, Kind, Person, Reply, Suggestion, Ticket
from bot.outbox import Post

if TYPE_CHECKING:
    from bot.adapters.discord.outbox import DiscordOutbox

log = logging.getLogger(__name__)

ANSWER_WITHIN = 60.0  # seconds the courier waits for one post on the bot's loop


def post_nonce(key: str) -> int:
    """The message nonce of the post with ``key``: the same on every attempt. discord.py sends it
    with ``enforce_nonce``, so Discord answers a repeat within a few minutes (a retry after a
    timeout, a restart after a crash during the send) with the message it made, not a second one."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:15], 16)


def reply_record(reply: Reply) -> dict[str, Any]:
    """A reply as JSON: everything but its ticket, which is named by id and read again when sent."""
    return {"text": reply.text, "kind": reply.kind.value, "private": reply.private, "lines": list(reply.lines),
            "suggestions": [s.to_record() for s in reply.suggestions],
            "actions": [a.value for a in reply.actions], "attachments": list(reply.attachments),
            "mentions": [p.to_record() for p in reply.mentions],
            "ticket": reply.ticket.id if reply.ticket is not None else None}


def reply_from(record: Mapping[str, Any], ticket: Ticket | None) -> Reply:
    return Reply(str(record.get("text", "")), kind=Kind(record.get("kind", Kind.INFO.value)), ticket=ticket,
                 private=bool(record.get("private")), lines=tuple(record.get("lines") or ()),
                 suggestions=tuple(Suggestion.from_record(s) for s in record.get("suggestions") or ()),
                 actions=tuple(Action(a) for a in record.get("actions") or ()),
                 attachments=tuple(record.get("attachments") or ()),
                 mentions=tuple(Person.from_record(p) for p in record.get("mentions") or ()))


class DiscordSender:
    """Sends one recorded post through the bot: an announcement, a thread message or an intake."""

    def __init__(self, outbox: DiscordOutbox) -> None:
        self.outbox = outbox

    def send(self, post: Post) -> None:
        loop = self.outbox.loop
        if loop is None or loop.is_closed():
            raise TryLater("the Discord bot is not connected", after=2.0)
        future = asyncio.run_coroutine_threadsafe(self.perform(post.payload, nonce=post_nonce(post.key)), loop)
        try:
            future.result(timeout=ANSWER_WITHIN)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TryLater(f"Discord did not answer within {ANSWER_WITHIN:.0f} s") from None

    async def perform(self, payload: Mapping[str, Any], *, nonce: int | None = None) -> None:
        """Render and send; raises ``TryLater`` or ``Refused`` when Discord did not take it."""
        ticket = self.outbox.desk.find(payload.get("ticket")) if payload.get("ticket") else None
        reply = reply_from(payload.get("reply") or {}, ticket)
        try:
            if payload.get("op") == "team":
                await self.outbox.send_team(reply, nonce=nonce)
            elif ticket is None:
                raise Refused(f"ticket {payload.get('ticket')} is not in the store")
            elif payload.get("op") == "intake":
                thread = await self.outbox.channel(str(payload.get("thread")))
                if thread is None:
                    raise Refused(f"thread {payload.get('thread')} not found")
                await self.outbox.post_intake(reply, thread, nonce=nonce)
            else:
                await self.outbox.send_in_thread(ticket, reply, nonce=nonce)
        except discord.RateLimited as limited:
            raise TryLater("rate limited", after=limited.retry_after) from None
        except (discord.Forbidden, discord.NotFound) as error:
            raise Refused(f"{error.status} {error.text or type(error).__name__}") from None
        except discord.HTTPException as error:
            if error.status == 429 or error.status >= 500:
                raise TryLater(f"HTTP {error.status} {error.text}") from None
            raise Refused(f"HTTP {error.status} {error.text}") from None
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
            raise TryLater(f"{type(error).__name__}: {error}") from None


def discord_courier(outbox: DiscordOutbox) -> Courier:
    """The Discord courier over ``<data_dir>/outbox/discord/``."""
    return courier_for(outbox.desk, DiscordSender(outbox), platform=PLATFORM)
