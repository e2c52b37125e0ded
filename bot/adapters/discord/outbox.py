"""Posting the desk's replies on Discord, and the ticket thread's look (name, archived, intake footer).

Where a reply goes is the core's ``route``; this module renders and posts it:

- INVOKER: ephemeral to whoever pressed or typed (only interactions can be ephemeral);
- THREAD: the ticket's thread (answered in place when the interaction came from it, otherwise
  posted there and echoed ephemerally to the invoker); the intake embed carries the persistent
  buttons, and its message id is kept in the ticket's ``linked`` event;
- TEAM: the team channel, or nowhere when none is configured (customers would see it);
- HERE: where it was asked.

A resolved or closed ticket's thread is renamed ``✅ T-12 · …`` and archived (once the survey, if
one was asked, is answered); a reopened one is
unarchived and renamed back: the rename only when the name changes and at most twice per 10
minutes per thread (``renames.py`` keeps a later one for when it is allowed), the archive state
in a call of its own. Discord failures are logged: the ticket is stored either way.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.discord import messages
from bot.adapters.discord import PLATFORM
from bot.adapters.discord.components import survey_view, ticket_view
from bot.adapters.discord.renames import Renamer
from bot.adapters.discord.render import CONTENT_LIMIT, clip, files_of, intake_embed, reply_body, thread_name
from bot.adapters.discord.owed import reply_record
from bot.courier import Courier, Refused
from bot.desk import Destination, Kind, Reply, Ticket, plan
from bot.outbound import Handed
from bot.outbox import OutboxError, Owed, post_key
from bot.domain import State

if TYPE_CHECKING:
    from bot.adapters.discord.client import DeskBot

log = logging.getLogger(__name__)

FINISHED = (State.RESOLVED, State.CLOSED)


class Responder:
    """Answers an interaction: the first message through ``response``, the rest as follow-ups."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        # A deferred interaction has had its response: every answer is then a follow-up.
        self.deferred = interaction.response.is_done()
        self.done = False

    async def send(self, *, ephemeral: bool, **kwargs: Any) -> None:
        kwargs = {key: value for key, value in kwargs.items() if value is not None}
        if not self.done and not self.deferred:
            self.done = True
            await self.interaction.response.send_message(ephemeral=ephemeral, **kwargs)
        else:
            self.done = True
            await self.interaction.followup.send(ephemeral=ephemeral, **kwargs)


def _nonce(nonce: int | None) -> dict[str, int]:
    """``send``'s nonce argument when there is one (discord.py then asks Discord to enforce it)."""
    return {"nonce": nonce} if nonce is not None else {}


def once_key(reply: Reply) -> str | None:
    """The outbox key of a post the core names to be owed once (``Reply.once``)."""
    return f"{PLATFORM}:{reply.once}" if reply.once else None


class DiscordOutbox:
    """Delivers core replies on Discord; also the scheduler's ``Outbox`` (reminders, weekly post)."""

    def __init__(self, bot: DeskBot) -> None:
        self.bot = bot
        self.loop: asyncio.AbstractEventLoop | None = None  # set when the bot starts
        self._tasks: set[asyncio.Task[Any]] = set()
        self.renamer = Renamer()
        self.renamer.fetch = self.channel
        self.courier: Courier | None = None  # the durable outbox (``chatdesk run``); None: post at once

    @property
    def desk(self):
        return self.bot.desk

    # -- the Outbox protocol (called from the scheduler's worker thread) -----------------------

    def to_team(self, reply: Reply, *, key: str | None = None, mark: str | None = None) -> Handed:
        """Post in the team channel; without one, post nothing (customers would see it)."""
        team = self.desk.config.platform(PLATFORM).team_channel
        if not team:
            return Handed.NOWHERE
        if self.courier is not None:
            return self._owe_now("team", reply, lane=f"{PLATFORM}:{team}", key=key, mark=mark)
        return self._run(self.post_team(reply))

    def to_thread(self, ticket: Ticket, reply: Reply, *, key: str | None = None) -> Handed:
        """Post in a ticket's thread, where its requester sees it."""
        if self.courier is not None and (link := self.desk.thread_link(ticket.id, PLATFORM)) and link.thread:
            return self._owe_now("thread", reply, lane=f"{PLATFORM}:{link.thread}", key=key)
        return self._run(self.post_in_thread(ticket, reply))

    def holds(self, key: str) -> bool:
        """True when the durable outbox still owes (or gave up) the post with ``key``."""
        return self.courier is not None and self.courier.holds(key)

    @property
    def durable(self) -> bool:
        """True when posts are recorded in the durable outbox (``chatdesk run``), not made at once."""
        return self.courier is not None

    def accepted(self, key: str) -> bool:
        """True when the platform accepted the recorded post with ``key``."""
        return self.courier is not None and self.courier.accepted(key)

    def _owe_now(self, op: str, reply: Reply, *, lane: str, key: str | None = None, mark: str | None = None,
                 **extra: Any) -> Handed:
        """Record a post for the courier (from a worker thread, or via ``_owe`` on the loop)."""
        assert self.courier is not None
        payload = {"op": op, "reply": reply_record(reply), "ticket": reply.ticket.id if reply.ticket else None,
                   **extra}
        try:
            self.courier.owe([Owed(key or post_key(PLATFORM), lane, payload, mark=mark)])
        except OutboxError as error:
            log.error("the outbox cannot record a Discord post (%s); it is not sent: %s", error, reply.text)
            return Handed.NOT_POSTED
        return Handed.OWED

    async def _owe(self, op: str, reply: Reply, *, lane: str, key: str | None = None, **extra: Any) -> None:
        await asyncio.to_thread(functools.partial(self._owe_now, op, reply, lane=lane, key=key, **extra))

    def _run(self, coroutine: Awaitable[Any]) -> Handed:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None:  # already on the bot's loop: do not block it
            task = running.create_task(coroutine)  # type: ignore[arg-type]
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return Handed.ACCEPTED  # handed to the loop: counted as sent, so a retried tick never doubles it
        if self.loop is None or self.loop.is_closed():
            log.warning("the Discord bot is not running; message not sent")
            coroutine.close()  # type: ignore[attr-defined]
            return Handed.NOT_POSTED
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)  # type: ignore[arg-type]
        try:
            future.result(timeout=60)
        except Exception:
            log.exception("posting to Discord from the scheduler failed")
            return Handed.NOT_POSTED
        return Handed.ACCEPTED

    # -- replies to something someone did ---------------------------------------------------

    async def deliver(self, replies: Iterable[Reply], *, interaction: discord.Interaction | None = None,
                      here: Any = None, ack: str | None = None) -> None:
        """Post every reply where its kind says it belongs; then bring the threads up to date.

        ``here`` is where it happened (the interaction's channel, or the new ticket's thread);
        ``ack`` answers the interaction when no reply did (it must always be answered).
        """
        responder = Responder(interaction) if interaction is not None else None
        if here is None and interaction is not None:
            here = interaction.channel
        routed = plan(replies)
        for destination, reply in routed.steps:
            try:
                await self._deliver_one(destination, reply, responder, here)
            except discord.HTTPException as error:
                log.error("Discord refused a reply (the ticket is stored; only this message is lost): %s",
                          error)
        for ticket_id in routed.refresh:
            await self.sync_thread(ticket_id)
        if responder is not None and not responder.done:
            await self._safe(responder.send(ephemeral=True, content=ack or messages.DISCORD_DONE), "acknowledge")

    async def _deliver_one(self, destination: Destination, reply: Reply, responder: Responder | None,
                           here: Any) -> None:
        ticket = reply.ticket
        if destination is Destination.TEAM and self.courier is not None:
            if team := self.desk.config.platform(PLATFORM).team_channel:
                await self._owe("team", reply, lane=f"{PLATFORM}:{team}", key=once_key(reply))
        elif destination is Destination.TEAM:
            await self.post_team(reply)
        elif destination is Destination.INVOKER:
            if responder is None:
                log.info("no one to show a private reply to: %s", reply.text)
                return
            view = ticket_view(ticket.id, reply.actions) if reply.actions and ticket is not None else None
            await responder.send(ephemeral=True, **reply_body(reply), files=files_of(reply) or None, view=view)
        elif destination is Destination.THREAD and reply.kind is Kind.INTAKE and ticket is not None:
            thread = here if here is not None else await self.thread_for(ticket)
            if thread is not None and self.courier is not None:  # the thread exists: its id is recorded
                await self._owe("intake", reply, lane=f"{PLATFORM}:{thread.id}", key=f"{PLATFORM}:intake:{ticket.id}",
                                thread=str(thread.id))
            elif thread is not None:
                await self.post_intake(reply, thread)
        elif (destination is Destination.THREAD and ticket is not None and responder is None
              and self.courier is not None and (link := self.desk.thread_link(ticket.id, PLATFORM)) and link.thread):
            await self._owe("thread", reply, lane=f"{PLATFORM}:{link.thread}")
        elif destination is Destination.THREAD and ticket is not None:
            thread = await self.thread_for(ticket)
            view = survey_view(ticket.id) if reply.kind is Kind.SURVEY else None
            body = reply_body(reply)
            if responder is not None and (thread is None or _same_channel(here, thread)):
                await responder.send(ephemeral=thread is None, **body, view=view)
            else:
                if thread is not None:
                    await thread.send(**body, **({"view": view} if view else {}))
                if responder is not None:
                    note = messages.DISCORD_POSTED_IN_THREAD.format(thread=thread.mention)
                    await responder.send(ephemeral=True, content=clip(f"{reply.text}\n{note}", CONTENT_LIMIT))
        elif responder is not None:
            await responder.send(ephemeral=False, **reply_body(reply), files=files_of(reply) or None)
        elif here is not None:
            files = files_of(reply)
            await here.send(**reply_body(reply), **({"files": files} if files else {}))

    async def post_intake(self, reply: Reply, thread: Any, *, nonce: int | None = None) -> None:
        """The intake embed and its buttons in the ticket's thread; the message id is kept."""
        ticket = reply.ticket
        assert ticket is not None
        message = await thread.send(embed=intake_embed(reply), view=ticket_view(ticket.id, reply.actions),
                                    **_nonce(nonce))
        self.remember_thread(ticket, thread, intake=getattr(message, "id", None))

    async def owe_first_posts(self, ticket: Ticket, thread: Any) -> None:
        """A message read again (a catch-up after a crash) owes its ticket's intake reply and the
        team's announcement, unless each was recorded or posted already: the crash may have come
        between the ticket and the records. Only with the durable outbox, which knows its keys."""
        if self.courier is None:
            return
        link = self.desk.thread_link(ticket.id, PLATFORM)
        intake_key = f"{PLATFORM}:intake:{ticket.id}"
        if thread is not None and not (link and link.get("intake")) and not self.holds(intake_key) \
                and (view := self.desk.intake_view(ticket.id)) is not None:
            log.info("%s: its intake reply was not recorded before the last stop; owed now", ticket.id)
            await self._owe("intake", view, lane=f"{PLATFORM}:{thread.id}", key=intake_key, thread=str(thread.id))
        announcement = self.desk.announcement(ticket.id)
        team = self.desk.config.platform(PLATFORM).team_channel
        if announcement is not None and team and not self.holds(key := once_key(announcement) or ""):
            log.info("%s: its announcement was not recorded before the last stop; owed now", ticket.id)
            await self._owe("team", announcement, lane=f"{PLATFORM}:{team}", key=key)

    async def post_team(self, reply: Reply) -> None:
        """An announcement in the team channel now; a failure is logged."""
        await self._safe(self.send_team(reply), "announce")

    async def send_team(self, reply: Reply, *, nonce: int | None = None) -> None:
        """An announcement in the team channel, with a Claim button when the reply offers one; raises."""
        channel_id = self.desk.config.platform(PLATFORM).team_channel
        if not channel_id:
            return
        channel = await self.channel(channel_id)
        if channel is None:
            raise Refused(f"team channel {channel_id} not found")
        extra: dict[str, Any] = {}
        if reply.actions and reply.ticket is not None:
            extra["view"] = ticket_view(reply.ticket.id, reply.actions)
        files = files_of(reply)
        if files:
            extra["files"] = files
        await channel.send(**reply_body(reply), **extra, **_nonce(nonce))

    async def post_in_thread(self, ticket: Ticket, reply: Reply) -> None:
        """An unprompted message in a ticket's thread now (waiting nudges, auto-close); a failure is logged."""
        await self._safe(self.send_in_thread(ticket, reply), "post")

    async def send_in_thread(self, ticket: Ticket, reply: Reply, *, nonce: int | None = None) -> None:
        """A message in a ticket's thread, then the thread's look when the ticket changed; raises."""
        thread = await self.thread_for(ticket)
        if thread is None:
            raise Refused(f"{ticket.id} has no Discord thread")
        view = survey_view(ticket.id) if reply.kind is Kind.SURVEY else None
        await thread.send(**reply_body(reply), **({"view": view} if view else {}), **_nonce(nonce))
        if reply.kind is Kind.CHANGED:
            await self.sync_thread(ticket.id)

    # -- threads ----------------------------------------------------------------------------

    def remember_thread(self, ticket: Ticket, thread: Any, *, intake: int | None = None) -> None:
        """Link the thread to the ticket (so messages there join it), with its intake message's id."""
        parent = str(getattr(thread, "parent_id", None) or ticket.source.channel)
        refs = {"intake": str(intake)} if intake is not None else {}
        self.desk.link_thread(ticket.id, platform=PLATFORM, channel=parent, thread=str(thread.id), **refs)

    async def thread_for(self, ticket: Ticket) -> Any:
        """The Discord thread a ticket's conversation lives in, or ``None``."""
        link = self.desk.thread_link(ticket.id, PLATFORM)
        return await self.channel(link.thread) if link is not None and link.thread else None

    async def channel(self, channel_id: str | int) -> Any:
        """A channel or thread by id: from the cache, else fetched (archived threads are not cached)."""
        try:
            wanted = int(channel_id)
        except (TypeError, ValueError):
            return None
        found = self.bot.get_channel(wanted)
        if found is not None:
            return found
        try:
            return await self.bot.fetch_channel(wanted)
        except (discord.HTTPException, discord.InvalidData) as error:
            log.warning("channel %s unavailable: %s", wanted, error)
            return None

    async def sync_thread(self, ticket_id: str) -> None:
        """Name, archive state and intake footer follow the ticket: ✅ and archived once finished."""
        ticket = self.desk.find(ticket_id)
        thread = await self.thread_for(ticket) if ticket is not None else None
        if ticket is None or not isinstance(thread, discord.Thread):
            return
        if not self.desk.owns_thread(ticket.id, PLATFORM, str(thread.parent_id), str(thread.id)):
            return  # a thread the ticket only borrows keeps its look
        finished = ticket.state in FINISHED
        name = thread_name(ticket)
        if finished:
            await self.refresh_intake(ticket, thread)
            if not thread.archived:  # an archived thread cannot be renamed: the name first
                await self.renamer.rename(thread, name)
            if not ticket.survey_pending:  # its buttons could fail in an archived thread
                await self.renamer.archive(thread, True)
        else:
            await self.renamer.archive(thread, False)
            await self.renamer.rename(thread, name)
            await self.refresh_intake(ticket, thread)

    async def refresh_intake(self, ticket: Ticket, thread: Any) -> None:
        """Show the ticket's current state and owner on its intake message."""
        link = self.desk.thread_link(ticket.id, PLATFORM)
        view = self.desk.intake_view(ticket.id)
        if link is None or view is None or not link.get("intake"):
            return
        message = thread.get_partial_message(int(link.get("intake") or 0))
        buttons = ticket_view(ticket.id, view.actions)  # the buttons the core offers in this state
        await self._safe(message.edit(embed=intake_embed(view), view=buttons), "refresh the intake message")

    @staticmethod
    async def _safe(awaitable: Awaitable[Any], what: str) -> Any:
        try:
            return await awaitable
        except (discord.HTTPException, discord.RateLimited, Refused) as error:  # RateLimited: past max_ratelimit_timeout
            log.error("Discord: could not %s (the ticket is stored either way): %s", what, error)
            return None


def _same_channel(here: Any, thread: Any) -> bool:
    return here is not None and thread is not None and getattr(here, "id", None) == getattr(thread, "id", None)
