"""Intake, ``/desk`` and "Open ticket": Discord events in, core calls, replies to the outbox.

``/desk`` is an ``app_commands`` group whose subcommands are the core's verbs with typed options;
each one is turned back into the verb's text (``claim T-12``) for ``Desk.on_command``, so the
rules and the answers stay the core's. Inside a ticket's thread the ticket may be left out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters import limits
from bot.adapters.discord import PLATFORM, messages
from bot.adapters.discord.catch_up import CatchUp
from bot.adapters.discord.deferral import defer_privately
from bot.adapters.discord.forms import is_private, reply_command
from bot.adapters.discord.render import CHOICE_LIMIT, clip
from bot.adapters.discord.request_threads import is_forum_post_start, request_thread, thread_again
from bot.adapters.discord.slash import desk_commands
from bot.commands import Param, ParamKind
from bot.commands.params import command_text
from bot.desk import Inbound, Kind, Outcome, Reply, Ticket, parse_ticket_id
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.adapters.discord.client import DeskBot

log = logging.getLogger(__name__)
T = TypeVar("T")

PERSON_MESSAGES = (discord.MessageType.default, discord.MessageType.reply)
AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 choices
# A modal must be Discord's first response, so the resolve form cannot hide behind a defer: the
# desk gets half of the 3 s to find the ticket, and past that the agent is told to try again.
FORM_DEADLINE = limits.DISCORD_INTERACTION_SECONDS / 2
# Autocomplete cannot be deferred either: choices that are not ready by then are none.
AUTOCOMPLETE_DEADLINE = limits.DISCORD_INTERACTION_SECONDS / 2


def normalise_ticket(text: str | None) -> str | None:
    """``T-12``, ``t12`` or ``12`` → ``T-12``; other text is passed on for the core to refuse."""
    if not text or not text.strip():
        return None
    text = text.strip()
    if text.isdigit():
        text = f"T-{text}"
    return parse_ticket_id(text) or text


@app_commands.guild_only()
class DeskCog(commands.GroupCog, group_name="desk", group_description=messages.DISCORD_COMMAND_DESCRIPTION):
    """The desk on Discord: intake in support channels, ``/desk``, and the "Open ticket" menu."""

    def __init__(self, bot: DeskBot) -> None:
        self.bot = bot
        self.catch_up = CatchUp(bot, lambda message: self.take(message, caught_up=True))
        special = {"resolve": self.resolve_command, "reply": partial(reply_command, self)}  # their forms
        for command in desk_commands(self, bot.desk.verbs, special=special):
            self.app_command.add_command(command)
        self.open_menu = app_commands.guild_only()(
            app_commands.ContextMenu(name=messages.DISCORD_MENU_OPEN, callback=self.open_ticket_menu))

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.open_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.open_menu.name, type=self.open_menu.type)

    @property
    def desk(self):
        return self.bot.desk

    # -- autocomplete (defined first: the decorators below refer to them) -------------------------

    async def ticket_autocomplete(self, interaction: discord.Interaction,
                                  current: str) -> list[app_commands.Choice[str]]:
        """Tickets the member may see (what ``show`` allows them), active first, matching ``current``."""
        actor = self.bot.directory.actor(interaction.user)
        tickets = await self._choices(self.bot.call(self.desk.pickable_tickets, actor, current,
                                                    limit=AUTOCOMPLETE_LIMIT))
        return [app_commands.Choice(name=clip(f"{t.id} · {t.state.value} · {t.subject}", CHOICE_LIMIT), value=t.id)
                for t in tickets]

    async def article_autocomplete(self, interaction: discord.Interaction,
                                   current: str) -> list[app_commands.Choice[str]]:
        """Published articles matching what is typed (``desk.search_articles``)."""
        if not current.strip():
            return []
        found = await self._choices(self.bot.call(self.desk.search_articles, current, limit=AUTOCOMPLETE_LIMIT))
        return [app_commands.Choice(name=clip(f"{s.title} ({s.slug})", CHOICE_LIMIT), value=s.slug[:CHOICE_LIMIT])
                for s in found]

    async def _choices(self, work: Awaitable[list[T]]) -> list[T]:
        try:
            return await self._in_time(work, AUTOCOMPLETE_DEADLINE)
        except TimeoutError:
            log.warning("autocomplete took over %.1f s; no choices offered", AUTOCOMPLETE_DEADLINE)
            return []

    async def category_autocomplete(self, interaction: discord.Interaction,
                                    current: str) -> list[app_commands.Choice[str]]:
        wanted = current.strip().casefold()
        return [app_commands.Choice(name=c.name, value=c.name) for c in self.desk.config.categories
                if wanted in c.name.casefold()][:AUTOCOMPLETE_LIMIT]

    async def verb_autocomplete(self, interaction: discord.Interaction,
                                current: str) -> list[app_commands.Choice[str]]:
        wanted = current.strip().casefold()
        return [app_commands.Choice(name=v.name, value=v.name) for v in self.desk.verbs
                if v.name.startswith(wanted)][:AUTOCOMPLETE_LIMIT]

    # -- running a verb ------------------------------------------------------------------------

    @staticmethod
    def location(channel: Any) -> tuple[str | None, str | None]:
        """(channel, thread) as the core knows them: a thread is named with its parent channel."""
        if channel is None:
            return None, None
        if isinstance(channel, discord.Thread):
            return str(channel.parent_id), str(channel.id)
        return str(channel.id), None

    def _command(self, actor, verb: str, ticket: str | None, rest: str, channel: str | None,
                 thread: str | None) -> list[Reply]:
        # The thread's ticket is named explicitly so free text that starts like an id ("T-3 was a
        # duplicate") is never taken for one.
        ticket_id = normalise_ticket(ticket) or self.desk.ticket_in_thread(PLATFORM, channel, thread)
        text = " ".join(part for part in (verb, ticket_id, rest.strip()) if part)
        return self.desk.on_command(actor, text, channel=channel, thread=thread)

    async def run(self, interaction: discord.Interaction, verb: str, ticket: str | None = None,
                  rest: str = "") -> None:
        """``/desk VERB`` with its options: deferred at once, answered through the outbox."""
        answer = await defer_privately(interaction)
        actor = self.bot.directory.actor(interaction.user)
        channel, thread = self.location(interaction.channel)
        replies = await self.bot.call(self._command, actor, verb, ticket, rest or "", channel, thread)
        await self.bot.outbox.deliver(replies, interaction=answer)

    async def cog_app_command_error(self, interaction: discord.Interaction,
                                    error: app_commands.AppCommandError) -> None:
        log.error("/desk failed", exc_info=error)
        await _apologise(interaction)

    # -- /desk subcommands, generated from the verbs (bot.adapters.discord.slash) ------------------

    def autocomplete_for(self, kind: ParamKind):
        """The autocomplete of an argument kind, if it has one."""
        return {ParamKind.TICKET: self.ticket_autocomplete, ParamKind.ARTICLE: self.article_autocomplete,
                ParamKind.CATEGORY: self.category_autocomplete, ParamKind.VERB: self.verb_autocomplete}.get(kind)

    async def run_words(self, interaction: discord.Interaction, words: tuple[str, ...], params: tuple[Param, ...],
                        values: dict[str, Any]) -> None:
        """A generated subcommand: typed values back into the verb's text (a member as their mention)."""
        text_values: dict[str, str | None] = {}
        for param in params:
            value = values.get(param.name)
            if param.kind is ParamKind.PERSON and value is not None:
                self.bot.directory.actor(value)  # so the core's person lookup knows them and their role
                value = f"<@{value.id}>"
            text_values[param.name] = value
        ticket = next((text_values.pop(p.name) for p in params if p.kind is ParamKind.TICKET), None)
        rest = command_text((), params, text_values)
        await self.run(interaction, " ".join(words), ticket, rest)

    async def resolve_command(self, interaction: discord.Interaction, values: dict[str, Any]) -> None:
        """With a resolution (or article): resolve at once; without: the resolve modal."""
        ticket, resolution, article = values.get("ticket"), values.get("resolution"), values.get("article")
        actor = self.bot.directory.actor(interaction.user)
        channel, thread = self.location(interaction.channel)
        if resolution is None and article is None:  # an agent gets the form; anyone else the verb's answer
            try:
                form = await self._in_time(self.bot.call(
                    self.desk.form_for, actor, f"resolve {normalise_ticket(ticket) or ''}".strip(),
                    channel=channel, thread=thread, search=False), FORM_DEADLINE)
            except TimeoutError:  # a modal must be the first response: it cannot wait behind a defer
                await interaction.response.send_message(messages.DISCORD_FORM_SLOW, ephemeral=True)
                return
            if form is not None:
                from bot.adapters.discord.components import ResolveModal

                await interaction.response.send_modal(ResolveModal(form.ticket.id, article=form.article,
                                                                   macros=form.macros))
                return
        answer = await defer_privately(interaction)
        replies = await self.bot.call(self._resolve, actor, ticket, resolution, article, channel, thread)
        await self.bot.outbox.deliver(replies, interaction=answer)

    def _resolve(self, actor, ticket: str | None, resolution: str | None, article: str | None,
                 channel: str | None, thread: str | None) -> list[Reply]:
        ticket_id = normalise_ticket(ticket) or self.desk.ticket_in_thread(PLATFORM, channel, thread)
        found = self.desk.find(ticket_id)
        if found is None or (resolution is None and article is None):  # the core says which, or why not
            return self._command(actor, "resolve", ticket, resolution or "", channel, thread)
        return self.desk.resolve(actor, found.id, resolution or "", article=article)

    @staticmethod
    async def _in_time(work: Awaitable[T], seconds: float) -> T:
        """``work``'s result if it comes within ``seconds`` (else TimeoutError; it still finishes)."""
        task = asyncio.ensure_future(work)
        task.add_done_callback(_log_late_failure)
        return await asyncio.wait_for(asyncio.shield(task), seconds)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Connected: resolve the served servers and the agent role's id in each, or stop and say why;
        then catch up on what was said while the bot was away."""
        try:
            self.bot.directory.resolve(self.bot.guilds)
        except ConfigError as error:
            log.error("%s", error.message)
            self.bot.fatal = error
            await self.bot.close()
            return
        await self.catch_up.run("start")

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        """Reconnected: Discord replays what the session missed, and the catch-up covers the rest."""
        await self.catch_up.run("resume")

    # -- intake ----------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A customer's message in a support channel opens a ticket; one in a ticket's thread joins it."""
        await self.take(message)

    async def take(self, message: discord.Message, *, caught_up: bool = False) -> None:
        """Hand a message (live, or read back by the catch-up) to the desk, and keep how far its
        channel is handled. The position moves once the desk has it stored and its answers are
        handed over (recorded in the durable outbox), or failed: a crash before then reads it
        again, and the ticket's first posts are owed again if they were never recorded. A live
        failure of the desk holds the position before it, so the next start reads it again; a
        failure on catching up sets it aside (the catch-up logs it)."""
        inbound = self.inbound(message)
        if inbound is None:
            return
        positions, places = self.catch_up.positions, self.places(message)
        await self.catch_up.direct.note(message, inbound)  # a DM's channel: Discord lists none to a bot
        for place in places:
            positions.begin(place, message.id)
        try:
            outcome: Outcome = await self.bot.call(self.desk.on_message, inbound)
        except BaseException:
            if caught_up:
                for place in places:
                    positions.end(place, message.id, keep=True)
            raise
        keep = caught_up or self.follows(message, inbound, outcome)  # the catch-up reads only what it follows
        try:
            await self.answer(message, inbound, outcome)
        finally:  # a reply Discord refused is logged: it does not hold the channel back
            for place in places:
                positions.end(place, message.id, keep=keep)

    @staticmethod
    def places(message: discord.Message) -> list[str]:
        """Whose position a message moves: its channel or thread, and a forum for a new post."""
        places = [str(message.channel.id)]
        if is_forum_post_start(message):
            places.append(str(message.channel.parent_id))
        return places

    def follows(self, message: discord.Message, inbound: Inbound, outcome: Outcome) -> bool:
        """Whether the desk follows the message's channel: a support channel, a ticket's thread
        (the desk's own posts there included), a forum's post, a direct message's channel."""
        if outcome.ticket is not None or inbound.direct:
            return True
        if inbound.thread is None:
            return self.desk.is_support_channel(PLATFORM, inbound.channel)
        own = self.bot.user is not None and message.author.id == self.bot.user.id
        return own  # the desk posts only in ticket threads

    async def answer(self, message: discord.Message, inbound: Inbound, outcome: Outcome) -> None:
        """Post what the desk said about a message: in a new ticket's thread, or where it was said."""
        if outcome.ignored:
            log.debug("message %s: %s", message.id, outcome.ignored)
        if outcome.ticket is not None and not outcome.created and not outcome.replies:
            await self.answer_again(message, inbound, outcome.ticket)
            return
        if outcome.ticket is None or not (outcome.created or outcome.replies):
            return
        # A follow-up in a ticket's thread (a reopen, a follow-up ticket) or a DM is answered where it was said.
        here = inbound.thread or inbound.direct
        target = message.channel if here else await request_thread(self.bot, message, outcome.ticket)
        await self.bot.outbox.deliver(outcome.replies, here=target)

    async def answer_again(self, message: discord.Message, inbound: Inbound, ticket: Ticket) -> None:
        """The message that opened ``ticket`` was read again (the desk stopped before its answers
        were recorded): owe what was not recorded, in the ticket's thread."""
        if self.bot.outbox.durable and ticket.source.message == str(message.id):
            target = await thread_again(self.bot, message, inbound, ticket)
            await self.bot.outbox.owe_first_posts(ticket, target)

    def inbound(self, message: discord.Message, *, menu: bool = False) -> Inbound | None:
        """The core's view of a message; ``None`` for system messages (joins, pins, …), and for DMs
        unless ``[discord] private = true`` (then a DM is private intake)."""
        if message.type not in PERSON_MESSAGES:
            return None
        if message.guild is None:
            return direct_inbound(self.bot, message) if not menu else None
        if not self.bot.directory.serves(message.guild):  # a server the desk does not serve
            return None
        channel = message.channel
        thread: str | None = None
        subject: str | None = None
        if isinstance(channel, discord.Thread):
            where = str(channel.parent_id)
            # A forum post's opening message is a request like a top-level message; the post is its
            # thread, and the title the customer gave it is the ticket's subject.
            if is_forum_post_start(message):
                subject = " ".join(channel.name.split()) or None
            elif not menu:
                thread = str(channel.id)
        else:
            where = str(channel.id)
        return Inbound(actor=self.bot.directory.actor(message.author), text=message_text(message),
                       channel=where, message_id=str(message.id), thread=thread, link=message.jump_url,
                       from_bot=bool(message.author.bot or message.webhook_id), subject=subject)

    # -- the "Open ticket" message menu ----------------------------------------------------------

    async def open_ticket_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """An agent turns someone's message into a ticket (the core refuses everyone else)."""
        try:
            # Matching, the thread and its posts take longer than the 3 s Discord allows a first response.
            await interaction.response.defer(ephemeral=True, thinking=True)
            agent = self.bot.directory.actor(interaction.user)
            inbound = self.inbound(message, menu=True)
            if inbound is None:
                await self.bot.outbox.deliver(
                    [Reply(messages.DISCORD_MENU_NOT_HERE, kind=Kind.REFUSED, private=True)], interaction=interaction)
                return
            outcome: Outcome = await self.bot.call(self.desk.open_ticket, inbound, opened_by=agent)
            if not outcome.created or outcome.ticket is None:
                replies = outcome.replies or [Reply(outcome.ignored or messages.DISCORD_DONE, kind=Kind.INFO,
                                                    ticket=outcome.ticket, private=True)]
                await self.bot.outbox.deliver(replies, interaction=interaction)
                return
            target = await request_thread(self.bot, message, outcome.ticket)
            await self.bot.outbox.deliver(outcome.replies, interaction=interaction, here=target,
                                          ack=messages.DISCORD_OPENED.format(
                                              ticket_id=outcome.ticket.id,
                                              where=getattr(target, "mention", "")))
        except Exception:
            log.exception("Open ticket failed")
            await _apologise(interaction)


def direct_inbound(bot: DeskBot, message: discord.Message) -> Inbound | None:
    """A direct message to the bot, as private intake (only with ``[discord] private = true``); its
    channel is a ``DMChannel`` live, a ``PartialMessageable`` of a DM when read back by the catch-up."""
    if not is_private(bot) or getattr(message.channel, "type", None) is not discord.ChannelType.private:
        return None
    return Inbound(actor=bot.directory.actor(message.author), text=message_text(message),
                   channel=str(message.channel.id), message_id=str(message.id), link=message.jump_url,
                   from_bot=bool(message.author.bot), direct=True)


def message_text(message: discord.Message) -> str:
    """What was typed (mentions shown as names), plus links to any attached files."""
    parts = [message.clean_content]
    parts += [attachment.url for attachment in message.attachments]
    return "\n".join(part for part in parts if part)


def _log_late_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a desk call failed after its interaction was answered", exc_info=task.exception())


async def _apologise(interaction: discord.Interaction) -> None:
    try:
        if interaction.response.is_done():
            await interaction.followup.send(messages.DISCORD_ERROR, ephemeral=True)
        else:
            await interaction.response.send_message(messages.DISCORD_ERROR, ephemeral=True)
    except discord.HTTPException:
        log.exception("could not apologise for a failed interaction")
