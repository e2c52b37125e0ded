"""Buttons that survive restarts, and the modals.

Each button is a ``discord.ui.DynamicItem`` whose ``custom_id`` carries everything needed to
handle a press (``chatdesk:claim:T-12``, ``chatdesk:survey:T-12:4``): the bot registers the
classes in ``setup_hook`` and discord.py rebuilds the item from the id on every press, so a
button posted before a restart (or by the other process) still works. The callbacks reach the
desk through ``interaction.client`` (a ``DeskBot``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters import limits
from bot.adapters.discord import messages
from bot.adapters.discord.deferral import defer_privately
from bot.adapters.discord.macro_picker import macro_picker, picked
from bot.adapters.discord.people import ServedOnly
from bot.desk import MacroChoice
from bot.replies import Action, Reply

if TYPE_CHECKING:
    from bot.adapters.discord.client import DeskBot

log = logging.getLogger(__name__)

NAMESPACE = "chatdesk"
TICKET_PATTERN = r"T-\d{1,9}"
BUTTON_STYLES = {
    Action.SOLVED: discord.ButtonStyle.success,
    Action.NEED_HELP: discord.ButtonStyle.secondary,
    Action.CLAIM: discord.ButtonStyle.primary,
}
FORM_VERBS = {Action.RESOLVE_FORM: "resolve", Action.NOTE_FORM: "note"}  # buttons that open a modal
# A modal must be Discord's first response, so a form button cannot defer: the desk gets half of
# the 3 s to check the press, and past that the agent is told to try again (as /desk resolve does).
FORM_DEADLINE = limits.DISCORD_INTERACTION_SECONDS / 2
MODAL_TEXT_LIMIT = limits.DISCORD_TEXT_INPUT_VALUE
MODAL_TITLE_LIMIT = limits.DISCORD_MODAL_TITLE


def desk_bot(interaction: discord.Interaction) -> DeskBot:
    """The bot that received the interaction, which carries the desk."""
    return interaction.client  # type: ignore[return-value]


class TicketButton(ServedOnly, discord.ui.DynamicItem[discord.ui.Button],
                   template=rf"{NAMESPACE}:(?P<action>solved|need_help|claim):(?P<ticket>{TICKET_PATTERN})"):
    """"This solved it", "Still need help" or "Claim" on one ticket."""

    def __init__(self, action: Action | str, ticket_id: str) -> None:
        self.action = Action(action)
        self.ticket_id = ticket_id
        super().__init__(discord.ui.Button(label=self.action.label, style=BUTTON_STYLES[self.action],
                                           custom_id=custom_id(self.action.value, ticket_id)))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> TicketButton:
        return cls(match["action"], match["ticket"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()  # the desk may take over 3 s; follow-ups keep their own privacy
        bot = desk_bot(interaction)
        actor = bot.directory.actor(interaction.user)
        replies = await bot.call(bot.desk.on_action, actor, self.action, self.ticket_id)
        await bot.outbox.deliver(replies, interaction=interaction)


class SurveyButton(ServedOnly, discord.ui.DynamicItem[discord.ui.Button],
                   template=rf"{NAMESPACE}:survey:(?P<ticket>{TICKET_PATTERN}):(?P<score>[1-5])"):
    """A 1–5 answer to the satisfaction survey; opens a modal for an optional comment."""

    def __init__(self, ticket_id: str, score: int) -> None:
        self.ticket_id = ticket_id
        self.score = int(score)
        super().__init__(discord.ui.Button(label=str(self.score), style=discord.ButtonStyle.secondary,
                                           custom_id=custom_id("survey", ticket_id, str(self.score))))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> SurveyButton:
        return cls(match["ticket"], int(match["score"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(SurveyModal(self.ticket_id, self.score))


class FormButton(ServedOnly, discord.ui.DynamicItem[discord.ui.Button],
                 template=rf"{NAMESPACE}:(?P<action>resolve_modal|note_modal):(?P<ticket>{TICKET_PATTERN})"):
    """"Resolve…" or "Add note…" on the team channel's announcement: the form, for agents only."""

    def __init__(self, action: Action | str, ticket_id: str) -> None:
        self.action = Action(action)
        self.ticket_id = ticket_id
        super().__init__(discord.ui.Button(label=self.action.label, style=discord.ButtonStyle.secondary,
                                           custom_id=custom_id(self.action.value, ticket_id)))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> FormButton:
        return cls(match["action"], match["ticket"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = desk_bot(interaction)
        actor = bot.directory.actor(interaction.user)
        verb = FORM_VERBS[self.action]
        # One store read, no article search; it may still wait on the other process's lock.
        opening = asyncio.ensure_future(bot.call(bot.desk.open_form, actor, verb, self.ticket_id, search=False))
        opening.add_done_callback(_log_failure)
        try:
            form = await asyncio.wait_for(asyncio.shield(opening), FORM_DEADLINE)
        except TimeoutError:  # nothing changes by opening a form: the late answer is dropped
            await interaction.response.send_message(
                messages.DISCORD_FORM_BUTTON_SLOW.format(form=verb, ticket_id=self.ticket_id), ephemeral=True)
            return
        if isinstance(form, Reply):  # refused (not an agent, no such ticket): said privately
            await bot.outbox.deliver([form], interaction=interaction)
            return
        modal = ResolveModal(form.ticket.id, article=form.article) if verb == "resolve" else NoteModal(form.ticket.id)
        await interaction.response.send_modal(modal)


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("opening a form failed", exc_info=task.exception())


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (TicketButton, FormButton, SurveyButton)


def custom_id(*parts: str) -> str:
    """A namespaced ``custom_id`` (``chatdesk:claim:T-12``); Discord allows 100 characters."""
    value = ":".join((NAMESPACE, *parts))
    if len(value) > 100:
        raise ValueError(f"custom_id too long: {value!r}")
    return value


def ticket_view(ticket_id: str, actions: Iterable[Action]) -> discord.ui.View:
    """The persistent buttons under a ticket's message: the ones the core offers there."""
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(FormButton(action, ticket_id) if action in FORM_VERBS else TicketButton(action, ticket_id))
    return view


def survey_view(ticket_id: str) -> discord.ui.View:
    """Five persistent buttons, 1 (unhappy) to 5 (very happy)."""
    view = discord.ui.View(timeout=None)
    for score in range(1, 6):
        view.add_item(SurveyButton(ticket_id, score))
    return view


# -- modals -----------------------------------------------------------------------------------

def labelled(text: str, item: discord.ui.Item[Any]) -> discord.ui.Label[Any]:
    """A modal input under its label (``TextInput(label=)`` is deprecated since discord.py 2.6)."""
    return discord.ui.Label(text=text[:limits.DISCORD_LABEL_TEXT], component=item)


class SurveyModal(ServedOnly, discord.ui.Modal):
    """The optional comment that goes with a survey score."""

    def __init__(self, ticket_id: str, score: int) -> None:
        super().__init__(title=messages.DISCORD_SURVEY_TITLE.format(ticket_id=ticket_id, score=score)[:MODAL_TITLE_LIMIT],
                         custom_id=custom_id("survey_comment", ticket_id, str(score)))
        self.ticket_id = ticket_id
        self.score = score
        self.comment: discord.ui.TextInput[SurveyModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, required=False, max_length=1000)
        self.add_item(labelled(messages.DISCORD_SURVEY_COMMENT, self.comment))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # the thanks is the requester's alone
        bot = desk_bot(interaction)
        actor = bot.directory.actor(interaction.user)
        replies = await bot.call(bot.desk.on_survey, actor, self.ticket_id, self.score, self.comment.value or "")
        await bot.outbox.deliver(replies, interaction=interaction)
        await bot.outbox.sync_thread(self.ticket_id)  # answered: the thread may be archived now


class NoteModal(ServedOnly, discord.ui.Modal):
    """An internal note on a ticket (what the team did or found), from the announcement's button."""

    def __init__(self, ticket_id: str) -> None:
        super().__init__(title=messages.DISCORD_NOTE_TITLE.format(ticket_id=ticket_id)[:MODAL_TITLE_LIMIT],
                         custom_id=custom_id("note", ticket_id))
        self.ticket_id = ticket_id
        self.note: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, required=True, max_length=MODAL_TEXT_LIMIT)
        self.add_item(labelled(messages.DISCORD_NOTE_TEXT, self.note))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # The note waits on the store like any change, which may outlast Discord's 3 s: defer
        # privately first (the "Noted" answer is the agent's alone).
        answer = await defer_privately(interaction)
        bot = desk_bot(interaction)
        actor = bot.directory.actor(interaction.user)
        replies = await bot.call(bot.desk.on_command, actor, f"note {self.ticket_id} {self.note.value or ''}")
        await bot.outbox.deliver(replies, interaction=answer)


class ResolveModal(ServedOnly, discord.ui.Modal):
    """How the ticket was resolved, and the article that answers it (teaches it the wording)."""

    def __init__(self, ticket_id: str, *, article: str | None = None, resolution: str | None = None,
                 macros: Sequence[MacroChoice] = ()) -> None:
        super().__init__(title=messages.DISCORD_RESOLVE_TITLE.format(ticket_id=ticket_id)[:MODAL_TITLE_LIMIT],
                         custom_id=custom_id("resolve", ticket_id))
        self.ticket_id = ticket_id
        self.resolution: discord.ui.TextInput[ResolveModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, required=False, max_length=MODAL_TEXT_LIMIT, default=resolution)
        self.article: discord.ui.TextInput[ResolveModal] = discord.ui.TextInput(
            placeholder=messages.DISCORD_RESOLVE_ARTICLE_HINT[:limits.DISCORD_TEXT_INPUT_PLACEHOLDER],
            required=False, max_length=100, default=article)
        self.add_item(labelled(messages.DISCORD_RESOLVE_RESOLUTION, self.resolution))
        self.add_item(labelled(messages.DISCORD_RESOLVE_ARTICLE, self.article))
        picker = macro_picker(macros)  # a macro, filled in, starts the resolution the customer reads
        self.macro = picker[1] if picker else None
        if picker:
            self.add_item(labelled(*picker))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # Resolving (learning the wording, the survey) may outlast 3 s. A private placeholder, removed
        # before a public answer, so the resolution is said in the open and a refusal privately.
        answer = await defer_privately(interaction)
        bot = desk_bot(interaction)
        actor = bot.directory.actor(interaction.user)
        replies = await bot.call(bot.desk.resolve, actor, self.ticket_id, self.resolution.value or "",
                                 article=(self.article.value or "").strip() or None, macro=picked(self.macro))
        await bot.outbox.deliver(replies, interaction=answer)


