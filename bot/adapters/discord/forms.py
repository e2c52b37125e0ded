"""The intake form and the reply form on Discord, and private ticket threads.

A "New ticket" button (``chatdesk:new_ticket``, a ``DynamicItem`` so it works after a restart)
opens a modal of the form's fields: a text input for free text, a select for a field with
options, each under its label. The submission opens the ticket through ``Desk.submit_form``
(the modal's id is the submission's message id, for dedupe) and the ticket gets a thread of its
own in the channel, started without a message, so the request is never shown in the channel.

``/desk reply`` without text opens the reply modal: the answer, and the team's macros to start
it from (``macro_picker.py``); its submission goes down the path of ``/desk reply T-12 :NAME``.

With ``[discord] private = true`` every ticket thread the desk makes is private
(``ChannelType.private_thread``, not invitable): the requester and the agent role's members the
bot knows are added; members with Manage Threads see every private thread anyway.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot import messages as core_messages
from bot.adapters import limits
from bot.adapters.discord import PLATFORM, messages
from bot.adapters.discord.components import (MODAL_TEXT_LIMIT, MODAL_TITLE_LIMIT, NAMESPACE, custom_id, desk_bot,
                                             labelled)
from bot.adapters.discord.deferral import defer_privately
from bot.adapters.discord.macro_picker import macro_picker, picked
from bot.adapters.discord.people import ServedOnly
from bot.adapters.discord.render import thread_name
from bot.desk import FormField, Kind, MacroChoice, Reply, Ticket

if TYPE_CHECKING:
    from bot.adapters.discord.client import DeskBot
    from bot.adapters.discord.cog import DeskCog

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES = 10080  # a week: Discord's longest auto-archive
OPTION_TEXT_LIMIT = limits.DISCORD_SELECT_OPTION_TEXT
MAX_ADDED_AGENTS = 50  # a private thread's invitations are one call each; the rest have Manage Threads
NEW_TICKET_ID = f"{NAMESPACE}:new_ticket"  # the button's custom id
BUTTON_LOOK_BACK = 50  # latest messages searched for a "New ticket" message whose id was never stored


def is_private(bot: DeskBot) -> bool:
    """``[discord] private = true``: tickets get private threads."""
    return bool(getattr(bot.desk.config.platform(PLATFORM), "private", False))


class NewTicketButton(ServedOnly, discord.ui.DynamicItem[discord.ui.Button], template=NEW_TICKET_ID):
    """The persistent "New ticket" button posted in a support channel."""

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label=core_messages.FORM_BUTTON, style=discord.ButtonStyle.primary,
                                           custom_id=custom_id("new_ticket")))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> NewTicketButton:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        fields = desk_bot(interaction).desk.intake_form()
        if not fields:
            await interaction.response.send_message(core_messages.FORM_NOT_CONFIGURED, ephemeral=True)
            return
        await interaction.response.send_modal(IntakeModal(fields))


async def post_button(bot: DeskBot, channel_id: int) -> discord.Message:
    """Post the "New ticket" invitation in a support channel (``chatdesk discord post-form-button``)."""
    channel = await bot.outbox.channel(channel_id)
    if channel is None:
        raise LookupError(messages.DISCORD_FORM_NO_CHANNEL.format(channel=channel_id))
    return await channel.send(core_messages.FORM_INVITE, view=button_view())


def keep_buttons_when_ready(bot: DeskBot) -> None:
    """Once connected (and after every reconnect), keep the "New ticket" message in the support channels."""
    async def on_ready() -> None:
        try:
            await keep_form_buttons(bot)
        except Exception:  # the desk works without the button; the log says why it is missing
            log.exception("could not keep the New ticket buttons")

    bot.add_listener(on_ready, "on_ready")


async def keep_form_buttons(bot: DeskBot) -> list[int]:
    """With an intake form: the "New ticket" message in every support channel, posted once (its id
    kept by the desk), posted again where it was deleted; the channels it was posted in."""
    if not bot.desk.intake_form():
        return []
    loop = asyncio.get_running_loop()
    posted: list[int] = []
    for channel_id in bot.desk.config.platform(PLATFORM).channels:
        channel = await bot.outbox.channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            log.warning("support channel %s is not a text channel the bot can see: no New ticket button", channel_id)
            continue

        def on_loop(coroutine: Any) -> Any:  # the desk decides in a worker thread; Discord is on the loop
            return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)

        def exists(message_id: str, channel: discord.TextChannel = channel) -> bool:
            return on_loop(_still_there(channel, message_id))

        def post(channel: discord.TextChannel = channel) -> str:
            return str(on_loop(channel.send(core_messages.FORM_INVITE, view=button_view())).id)

        def find(channel: discord.TextChannel = channel) -> str | None:
            return on_loop(_find_button(bot, channel))

        try:
            if await bot.call(bot.desk.keep_form_button, PLATFORM, str(channel_id), exists=exists, post=post,
                              find=find):
                log.info("posted the New ticket button in %s", channel_id)
                posted.append(channel.id)
        except discord.HTTPException as error:
            log.error("could not check or post the New ticket button in %s (nothing posted): %s", channel_id, error)
    return posted


async def _find_button(bot: DeskBot, channel: discord.TextChannel) -> str | None:
    """The id of a "New ticket" message of the bot's among the channel's latest, if one is there."""
    if bot.user is None:  # not connected: nothing of ours can be told apart
        return None
    me = bot.user.id
    async for message in channel.history(limit=BUTTON_LOOK_BACK):
        if message.author.id == me and any(
                getattr(item, "custom_id", None) == NEW_TICKET_ID for row in message.components
                for item in getattr(row, "children", ())):
            return str(message.id)
    return None


async def _still_there(channel: discord.TextChannel, message_id: str) -> bool:
    try:
        await channel.fetch_message(int(message_id))
    except discord.NotFound:
        return False
    return True


def button_view() -> discord.ui.View:
    """The view of the message that invites people to press "New ticket"."""
    view = discord.ui.View(timeout=None)
    view.add_item(NewTicketButton())
    return view


class IntakeModal(ServedOnly, discord.ui.Modal):
    """The form's fields; the first is the request itself."""

    def __init__(self, fields: Sequence[FormField]) -> None:
        self.form_id = uuid.uuid4().hex
        super().__init__(title=core_messages.FORM_TITLE[:MODAL_TITLE_LIMIT],
                         custom_id=custom_id("intake_form", self.form_id))
        self.fields = tuple(fields)
        self.inputs: dict[str, discord.ui.TextInput[Any] | discord.ui.Select[Any]] = {}
        for number, field in enumerate(self.fields):
            item = _input(field, request=number == 0)
            self.inputs[field.name] = item
            self.add_item(labelled(field.label, item))

    def answers(self) -> dict[str, str]:
        """What was filled in, by field name (a select's chosen option)."""
        found: dict[str, str] = {}
        for name, item in self.inputs.items():
            if isinstance(item, discord.ui.Select):
                found[name] = item.values[0] if item.values else ""
            else:
                found[name] = item.value or ""
        return found

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # Matching, the thread and its posts outlast Discord's 3 s; the answer is the requester's alone.
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = desk_bot(interaction)
        actor = bot.directory.actor(interaction.user)
        channel = interaction.channel
        where = str(getattr(channel, "parent_id", None) or getattr(channel, "id", ""))
        outcome = await bot.call(bot.desk.submit_form, actor, self.answers(), channel=where,
                                 message_id=f"form-{self.form_id}")
        if not outcome.created or outcome.ticket is None:
            replies = outcome.replies or [Reply(outcome.ignored or messages.DISCORD_DONE, kind=Kind.INFO,
                                                ticket=outcome.ticket, private=True)]
            await bot.outbox.deliver(replies, interaction=interaction)
            return
        thread = await form_thread(bot, channel, outcome.ticket, interaction.user)
        await bot.outbox.deliver(outcome.replies, interaction=interaction, here=thread,
                                 ack=messages.DISCORD_OPENED.format(ticket_id=outcome.ticket.id,
                                                                    where=getattr(thread, "mention", "")))


async def reply_command(cog: DeskCog, interaction: discord.Interaction, values: dict[str, Any]) -> None:
    """``/desk reply``: with text, the verb as typed; without, the reply modal (agents; others get the verb's answer)."""
    from bot.adapters.discord.cog import FORM_DEADLINE, normalise_ticket

    ticket, text = values.get("ticket"), values.get("text")
    if not text:
        actor = cog.bot.directory.actor(interaction.user)
        channel, thread = cog.location(interaction.channel)
        try:  # a modal must be the first response, so it cannot wait behind a defer (as resolve's form)
            form = await cog._in_time(cog.bot.call(
                cog.desk.form_for, actor, f"reply {normalise_ticket(ticket) or ''}".strip(), channel=channel,
                thread=thread, search=False), FORM_DEADLINE)
        except TimeoutError:
            await interaction.response.send_message(messages.DISCORD_FORM_SLOW, ephemeral=True)
            return
        if form is not None:
            await interaction.response.send_modal(ReplyModal(form.ticket.id, macros=form.macros))
            return
    await cog.run(interaction, "reply", ticket, text or "")


class ReplyModal(ServedOnly, discord.ui.Modal):
    """The agent's answer to the customer, and a macro to start it from."""

    def __init__(self, ticket_id: str, *, macros: Sequence[MacroChoice] = ()) -> None:
        super().__init__(title=core_messages.REPLY_FORM_TITLE.format(ticket_id=ticket_id)[:MODAL_TITLE_LIMIT],
                         custom_id=custom_id("reply", ticket_id))
        self.ticket_id = ticket_id
        self.text: discord.ui.TextInput[ReplyModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, required=not macros, max_length=MODAL_TEXT_LIMIT)
        self.add_item(discord.ui.Label(text=core_messages.REPLY_FORM_TEXT[:limits.DISCORD_LABEL_TEXT],
                                       description=core_messages.REPLY_FORM_TEXT_HINT[:limits.DISCORD_LABEL_DESCRIPTION],
                                       component=self.text))
        picker = macro_picker(macros)
        self.macro = picker[1] if picker else None
        if picker:
            self.add_item(labelled(*picker))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        answer = await defer_privately(interaction)  # the reply is said in the open, a refusal privately
        bot = desk_bot(interaction)
        actor = bot.directory.actor(interaction.user)
        replies = await bot.call(bot.desk.send_reply, actor, self.ticket_id, self.text.value or "",
                                 macro=picked(self.macro))
        await bot.outbox.deliver(replies, interaction=answer)


def _input(field: FormField, *, request: bool) -> discord.ui.TextInput[Any] | discord.ui.Select[Any]:
    if field.options:
        options = [discord.SelectOption(label=o[:OPTION_TEXT_LIMIT], value=o[:OPTION_TEXT_LIMIT])
                   for o in field.options[:limits.DISCORD_SELECT_OPTIONS]]
        return discord.ui.Select(custom_id=field.name, options=options, required=field.required,
                                 min_values=1 if field.required else 0, max_values=1)
    return discord.ui.TextInput(custom_id=field.name, required=field.required,
                                style=discord.TextStyle.paragraph if request else discord.TextStyle.short,
                                max_length=limits.DISCORD_TEXT_INPUT_VALUE)


async def form_thread(bot: DeskBot, channel: Any, ticket: Ticket, requester: discord.abc.User) -> Any:
    """A thread of its own for a ticket from the form (private with ``private = true``), or the channel."""
    if not isinstance(channel, discord.TextChannel):
        return channel
    try:
        thread = await new_thread(bot, channel, ticket)
    except discord.HTTPException as error:
        log.error("could not create the thread of %s (answering in the channel): %s", ticket.id, error)
        return channel
    await add_people(bot, thread, requester)
    return thread


async def new_thread(bot: DeskBot, channel: discord.TextChannel, ticket: Ticket,
                     message: discord.Message | None = None) -> discord.Thread:
    """The ticket's thread: private (and not invitable) when configured, else public, on ``message`` if given."""
    if is_private(bot):
        return await channel.create_thread(name=thread_name(ticket), type=discord.ChannelType.private_thread,
                                           invitable=False, auto_archive_duration=THREAD_ARCHIVE_MINUTES)
    if message is not None:
        return await message.create_thread(name=thread_name(ticket), auto_archive_duration=THREAD_ARCHIVE_MINUTES)
    return await channel.create_thread(name=thread_name(ticket), type=discord.ChannelType.public_thread,
                                       auto_archive_duration=THREAD_ARCHIVE_MINUTES)


async def add_people(bot: DeskBot, thread: discord.Thread, requester: discord.abc.User) -> None:
    """The requester (only members hear what is said in a thread); in a private one the agents too."""
    await bot.outbox._safe(thread.add_user(requester), "add the requester to the thread")
    if not is_private(bot):
        return
    agents = [m for m in thread.guild.members if bot.directory.has_agent_role(m) and not m.bot]
    for member in agents[:MAX_ADDED_AGENTS]:
        await bot.outbox._safe(thread.add_user(member), "add an agent to the private thread")
