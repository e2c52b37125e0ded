"""The Discord adapter, tested the way discord.py tests itself: the real cog, command, button and
modal callbacks, called with spec'd fakes (``MagicMock(spec=discord.Interaction)`` with
``AsyncMock`` responses). Guilds, members, channels and messages are real discord.py objects
built from recorded gateway payloads (``tests/fixtures/discord/``); every call that would reach
Discord's HTTP API (send, create_thread, edit) is replaced by a recorder. No network.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.metrics.surveys import SurveyPolicy

from bot import messages
from bot.adapters.discord import messages as discord_messages
from bot.adapters.discord.client import DeskBot, intents
from bot.adapters.discord.components import (FormButton, NoteModal, ResolveModal, SurveyButton, SurveyModal,
                                             TicketButton)
from bot.adapters.discord.render import THREAD_NAME_LIMIT, thread_name
from bot.adapters.discord.runner import build_bot
from bot.config import PlatformConfig
from bot.domain import State
from bot.replies import Kind, Reply, Suggestion
from bot.store import TinyTicketStore

FIXTURES = Path(__file__).parent / "fixtures" / "discord"
GUILD = 900000000000000100
SUPPORT = 900000000000000200
TEAM = 900000000000000210
GENERAL = 900000000000000220
FORUM = 900000000000000230
AGENT_ROLE = 900000000000000555
REQUEST = 1310000000000000001  # the id of message_create.json: also the id of its thread
REQUEST_TEXT = "My tracker won't pair with the app after the update, it keeps spinning"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# -- fakes ---------------------------------------------------------------------------------------

@dataclass
class Sent:
    channel: int
    content: str | None
    kwargs: dict[str, Any]
    message_id: int | None = None

    @property
    def text(self) -> str:
        return text_of(self.content, self.kwargs)

    @property
    def custom_ids(self) -> list[str]:
        view = self.kwargs.get("view")
        return [item.custom_id for item in view.children] if view else []


def text_of(content: str | None, kwargs: dict[str, Any]) -> str:
    parts = [content or kwargs.get("content") or ""]
    embed = kwargs.get("embed")
    if embed is not None:
        parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
    return "\n".join(p for p in parts if p)


@dataclass
class Recorder:
    """Stands in for Discord's HTTP API: what the bot sent, which threads it made, what it edited."""

    sent: list[Sent] = field(default_factory=list)
    threads: list[tuple[int, str, int]] = field(default_factory=list)
    thread_edits: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    message_edits: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    thread_members: list[tuple[int, int]] = field(default_factory=list)  # (thread, user) added
    ids: Any = field(default_factory=lambda: itertools.count(1310000000000000100))

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        recorder = self

        made_with_nonce: dict[Any, Any] = {}

        async def send(channel, content=None, **kwargs):
            # discord.py sends a nonce with enforce_nonce: Discord answers a repeat of it with the
            # message it made then, and makes no second one.
            if kwargs.get("nonce") is not None and kwargs["nonce"] in made_with_nonce:
                return made_with_nonce[kwargs["nonce"]]
            message = MagicMock(spec=discord.Message)
            message.id = next(recorder.ids)
            recorder.sent.append(Sent(channel.id, content, kwargs, message.id))
            if kwargs.get("nonce") is not None:
                made_with_nonce[kwargs["nonce"]] = message
            return message

        async def create_thread(message, *, name, auto_archive_duration=None, **kwargs):
            thread = make_thread(message.guild, message._state, thread_id=message.id, parent_id=message.channel.id,
                                 name=name)
            recorder.threads.append((message.id, name, auto_archive_duration))
            return thread

        async def edit_thread(thread, **kwargs):
            recorder.thread_edits.append((thread.id, kwargs))
            thread.name = kwargs.get("name", thread.name)
            thread.archived = kwargs.get("archived", thread.archived)
            return thread

        async def add_user(thread, user):
            recorder.thread_members.append((thread.id, user.id))

        async def edit_message(message, **kwargs):
            recorder.message_edits.append((message.id, kwargs))
            return message

        monkeypatch.setattr(discord.abc.Messageable, "send", send)
        monkeypatch.setattr(discord.Message, "create_thread", create_thread)
        monkeypatch.setattr(discord.Thread, "edit", edit_thread)
        monkeypatch.setattr(discord.Thread, "add_user", add_user)
        monkeypatch.setattr(discord.PartialMessage, "edit", edit_message)

    def in_channel(self, channel_id: int) -> list[Sent]:
        return [s for s in self.sent if s.channel == channel_id]


def make_thread(guild: discord.Guild, state, *, thread_id: int, parent_id: int, name: str,
                archived: bool = False) -> discord.Thread:
    thread = discord.Thread(guild=guild, state=state, data={
        "id": str(thread_id), "guild_id": str(guild.id), "parent_id": str(parent_id), "owner_id": "900000000000000777",
        "name": name, "type": 11, "message_count": 0, "member_count": 0, "rate_limit_per_user": 0,
        "thread_metadata": {"archived": archived, "auto_archive_duration": 10080,
                            "archive_timestamp": "2026-11-16T09:00:00+00:00", "locked": False}})
    guild._add_thread(thread)
    return thread


class World:
    """A guild from ``guild.json`` in the bot's own cache, and ways to speak in it."""

    def __init__(self, bot: DeskBot, recorder: Recorder) -> None:
        self.bot = bot
        self.recorder = recorder
        self.state = bot._connection
        data = load("guild.json")
        self.guild = discord.Guild(data=copy.deepcopy(data["guild"]), state=self.state)
        self.state._add_guild(self.guild)
        for channel in data["channels"]:
            kind = discord.ForumChannel if channel["type"] == 15 else discord.TextChannel
            self.guild._add_channel(kind(state=self.state, guild=self.guild, data=channel))
        self.member_data = data["members"]
        self.members = {name: discord.Member(data=copy.deepcopy(m), guild=self.guild, state=self.state)
                        for name, m in data["members"].items()}
        for member in self.members.values():
            self.guild._add_member(member)
        self.ids = itertools.count(REQUEST + 1000)
        bot.fetch_channel = AsyncMock(side_effect=discord.NotFound(MagicMock(status=404), "Unknown Channel"))

    @property
    def cog(self):
        return self.bot.get_cog("DeskCog")

    @property
    def store(self):
        return self.bot.desk.service.store

    def message(self, author: str, content: str, *, channel: int = SUPPORT, message_id: int | None = None,
                kind: int = 0) -> discord.Message:
        data = load("message_create.json")
        member = copy.deepcopy(self.member_data[author])
        data.update(id=str(message_id or next(self.ids)), channel_id=str(channel), content=content, type=kind,
                    author=member.pop("user"), member=member)
        return discord.Message(state=self.state, channel=self.bot.get_channel(channel), data=data)

    async def post(self, author: str, content: str, **options: Any) -> discord.Message:
        message = self.message(author, content, **options)
        await self.cog.on_message(message)
        return message

    async def request(self, author: str = "casey", text: str = REQUEST_TEXT, **options: Any) -> discord.Message:
        """A customer's top-level request in #support (T-1 for the first one)."""
        options.setdefault("message_id", REQUEST)
        return await self.post(author, text, **options)

    def interaction(self, who: str, *, channel: int = SUPPORT, message: discord.Message | None = None,
                    kind: discord.InteractionType = discord.InteractionType.application_command):
        """A spec'd interaction that answers as Discord does (``Answering``): one response, then
        follow-ups, the first of which after a slash command's defer takes the placeholder's privacy."""
        interaction = MagicMock(spec=discord.Interaction)
        interaction.client = self.bot
        interaction.user = self.members[who]
        interaction.guild = self.guild
        interaction.channel = self.bot.get_channel(channel)
        interaction.message = message
        interaction.type = kind
        interaction.is_expired.return_value = False
        interaction.response = MagicMock(spec=discord.InteractionResponse)
        interaction.followup = MagicMock(spec=discord.Webhook)
        interaction.answering = Answering(interaction)
        return interaction

    def thread(self, thread_id: int = REQUEST) -> discord.Thread:
        return self.guild.get_thread(thread_id)


class Answering:
    """Discord's side of answering one interaction, recorded in order with the time of each call.

    One response (a message, a modal, a defer, an edit), then only follow-ups. A slash command's
    defer (or a component's with ``thinking``) shows a placeholder whose privacy is set then; the
    first follow-up replaces it and takes that privacy whatever its own flag says, unless the
    placeholder was deleted first (discord/discord-api-docs#2742).
    """

    def __init__(self, interaction) -> None:
        self.interaction = interaction
        self.calls: list[tuple[str, float]] = []  # (what, time.perf_counter())
        self.sent: list[tuple[bool, str, dict[str, Any]]] = []  # (shown privately, text, kwargs)
        self.placeholder: bool | None = None  # the pending placeholder's privacy
        self.responded = False
        for name in ("send_message", "send_modal", "defer", "edit_message"):
            setattr(interaction.response, name, AsyncMock(side_effect=self._responder(name)))
        interaction.response.is_done.side_effect = lambda: self.responded
        interaction.followup.send = AsyncMock(side_effect=self._follow_up)
        interaction.delete_original_response = AsyncMock(side_effect=self._delete)

    def _note(self, what: str) -> None:
        self.calls.append((what, time.perf_counter()))

    def _responder(self, name: str):
        async def respond(content: Any = None, **kwargs: Any) -> None:
            if self.interaction.response.is_done():
                raise discord.InteractionResponded(self.interaction)
            self._note(name)
            self.responded = True
            if name == "defer":
                command = self.interaction.type is discord.InteractionType.application_command
                if command or kwargs.get("thinking"):
                    self.placeholder = bool(kwargs.get("ephemeral"))
            elif name == "send_message":
                self.sent.append((bool(kwargs.get("ephemeral")), text_of(content, kwargs), kwargs))
        return respond

    async def _follow_up(self, content: Any = None, **kwargs: Any) -> MagicMock:
        if not self.interaction.response.is_done():
            raise discord.NotFound(MagicMock(status=404), "Unknown Webhook")  # nothing to follow up yet
        self._note("followup.send")
        private = bool(kwargs.get("ephemeral"))
        if self.placeholder is not None:
            private, self.placeholder = self.placeholder, None
        self.sent.append((private, text_of(content, kwargs), kwargs))
        return MagicMock(spec=discord.WebhookMessage)

    async def _delete(self) -> None:
        self._note("delete_original_response")
        self.placeholder = None

    def first_response_after(self, started: float) -> float:
        """Seconds from ``started`` to the first call Discord counts as the response."""
        return next(at for what, at in self.calls if not what.startswith(("followup", "delete"))) - started

    @property
    def order(self) -> list[str]:
        return [what for what, _ in self.calls]


def answers(interaction) -> list[tuple[bool, str, dict[str, Any]]]:
    """What the interaction was answered with, as its user sees it: (private, text, kwargs), in order."""
    return list(interaction.answering.sent)


class PairingKnowledge:
    """A knowledge base that knows one article, about pairing."""

    article_slug = "pair-tracker"

    def suggest(self, text: str, *, limit: int = 3) -> list[Suggestion]:
        if "pair" not in text.lower():
            return []
        return [Suggestion(self.article_slug, "Pair your tracker [Bluetooth]", "https://help.example/articles/pair-tracker/",
                           0.87)]

    def search(self, text: str, *, limit: int = 5) -> list[Suggestion]:
        return self.suggest("pair") if text else []

    def article(self, slug: str):
        return ("Pair your tracker", "installation") if slug == self.article_slug else None

    def learn(self, slug: str, wording: str) -> bool:
        return True


class UnfiledPairingKnowledge(PairingKnowledge):
    """The pairing article without a category: the ticket's category stays the team's to set."""

    def article(self, slug: str):
        return ("Pair your tracker", None) if slug == self.article_slug else None


def discord_config(config):
    platforms = dict(config.platforms)
    platforms["discord"] = PlatformConfig(channels=(str(SUPPORT), str(FORUM)), agent_role="Support",
                                          team_channel=str(TEAM))
    return replace(config, platforms=platforms)


async def start_bot(config, clock, *, store=None, knowledge: Any = False, extra_verbs=()) -> DeskBot:
    bot = build_bot(discord_config(config), store=store or TinyTicketStore.memory(), clock=clock,
                    knowledge=knowledge, scheduler=False)
    bot.desk.survey_policy = lambda ticket: False  # deterministic; the survey test turns it on
    for verb in extra_verbs:  # as a feature's install would, before the cog is built
        bot.desk.verbs.register(verb)
    await bot.setup_hook()
    return bot


@pytest.fixture
def recorder(monkeypatch):
    recorder = Recorder()
    recorder.install(monkeypatch)
    return recorder


@pytest.fixture
async def world(config, clock, recorder):
    """A bot whose knowledge base knows pairing, as the recorded request asks about: "This solved
    it" is offered for it (an unmatched request is any other text)."""
    bot = await start_bot(config, clock, knowledge=UnfiledPairingKnowledge())
    return World(bot, recorder)


@pytest.fixture
async def opened(world):
    """T-1 opened by Casey in #support, its thread made; the recorder starts empty."""
    await world.request()
    world.recorder.sent.clear()
    world.recorder.thread_edits.clear()
    world.recorder.message_edits.clear()
    return world


# -- intake ----------------------------------------------------------------------------------------

async def test_a_request_opens_a_thread_named_after_the_ticket_with_the_customers_buttons(world):
    await world.request()

    ticket = world.store.get("T-1")
    assert ticket.requester.name == "Casey" and ticket.source.channel == str(SUPPORT)
    assert world.recorder.threads == [(REQUEST, f"T-1 · {REQUEST_TEXT}", 10080)]
    [intake] = world.recorder.in_channel(REQUEST)  # the thread made on the message has the message's id
    assert intake.kwargs["embed"].title.startswith("T-1 · ")
    # an article was suggested: the customer's two buttons, nothing agents-only
    assert intake.custom_ids == ["chatdesk:solved:T-1", "chatdesk:need_help:T-1"]
    assert [b.item.label for b in intake.kwargs["view"].children] == ["This solved it", "Still need help"]
    assert world.bot.desk.ticket_in_thread("discord", str(SUPPORT), str(REQUEST)) == "T-1"
    assert world.bot.desk.thread_link("T-1", "discord").get("intake") == "1310000000000000100"  # its first send
    [announcement] = world.recorder.in_channel(TEAM)
    assert "New ticket T-1 from Casey" in announcement.text
    assert announcement.custom_ids == ["chatdesk:claim:T-1", "chatdesk:resolve_modal:T-1", "chatdesk:note_modal:T-1"]
    assert [b.item.label for b in announcement.kwargs["view"].children] == ["Claim", "Resolve…", "Add note…"]


async def test_an_unmatched_request_gets_only_still_need_help_and_the_team_gets_theirs(world):
    await world.request(text="asdf qwer zxcv uiop")

    [intake] = world.recorder.in_channel(REQUEST)
    assert "an agent will be with you" in intake.text.lower()
    assert intake.custom_ids == ["chatdesk:need_help:T-1"]  # no "This solved it": nothing was suggested
    assert "This solved it" not in intake.text  # nor the hint about it
    [announcement] = world.recorder.in_channel(TEAM)
    assert announcement.custom_ids == ["chatdesk:claim:T-1", "chatdesk:resolve_modal:T-1", "chatdesk:note_modal:T-1"]


async def test_suggestions_link_to_the_help_site_with_their_confidence(config, clock, recorder):
    world = World(await start_bot(config, clock, knowledge=PairingKnowledge()), recorder)
    await world.request()

    [intake] = world.recorder.in_channel(REQUEST)
    description = intake.kwargs["embed"].description
    assert "[Pair your tracker (Bluetooth)](https://help.example/articles/pair-tracker/)" in description
    assert "87% match" in description
    assert world.store.get("T-1").category == "installation"


@pytest.mark.parametrize("text", ["hello!", "thanks", "Thank you so much"])
async def test_greetings_and_thanks_are_not_tickets(world, text):
    await world.post("casey", text)
    assert world.store.tickets() == [] and world.recorder.threads == [] and world.recorder.sent == []


async def test_the_same_message_delivered_twice_opens_one_ticket(world):
    await world.request()
    await world.request()  # a gateway resume replays MESSAGE_CREATE with the same id
    assert [t.id for t in world.store.tickets()] == ["T-1"]
    assert len(world.recorder.threads) == 1 and len(world.recorder.in_channel(REQUEST)) == 1


@pytest.mark.parametrize("author, channel", [("casey", GENERAL), ("maria", SUPPORT), ("chatdesk", SUPPORT)])
async def test_other_channels_agents_top_level_messages_and_bots_are_not_tickets(world, author, channel):
    await world.post(author, "The tracker will not pair with my phone", channel=channel)
    assert world.store.tickets() == [] and world.recorder.sent == []


async def test_system_messages_are_ignored(world):
    await world.post("casey", "Casey pinned a message", kind=6)  # MessageType.pins_add
    assert world.store.tickets() == []


async def test_messages_in_the_thread_join_the_ticket(opened):
    await opened.post("casey", "I'm on Android 14, app 3.2.1", channel=REQUEST)
    await opened.post("maria", "Thanks Casey, could you try toggling Bluetooth?", channel=REQUEST)

    ticket = opened.store.get("T-1")
    assert [m.text for m in ticket.conversation][1:] == ["I'm on Android 14, app 3.2.1",
                                                         "Thanks Casey, could you try toggling Bluetooth?"]
    assert [m.from_agent for m in ticket.conversation] == [False, False, True]
    assert ticket.first_response_at is not None
    assert opened.recorder.sent == []  # joining says nothing


async def test_a_follow_up_in_a_resolved_thread_reopens_it_and_says_so_there(opened):
    await press(opened, "casey", "chatdesk:solved:T-1")
    opened.recorder.sent.clear()
    await opened.post("casey", "it broke again, same problem", channel=REQUEST)

    assert opened.store.get("T-1").state is State.OPEN
    assert any("T-1 is open again" in sent.text for sent in opened.recorder.in_channel(REQUEST))
    assert any("Casey reopened T-1" in sent.text for sent in opened.recorder.in_channel(TEAM))


async def test_a_forum_post_is_a_request_and_the_post_is_its_thread(world):
    post = make_thread(world.guild, world.state, thread_id=REQUEST + 7, parent_id=FORUM, name="Pairing trouble")
    await world.post("casey", REQUEST_TEXT, channel=post.id, message_id=post.id)

    assert world.store.get("T-1").source.channel == str(FORUM)
    assert world.recorder.threads == []  # no new thread: the post is one
    assert post.name == "T-1 · Pairing trouble"  # the customer's title, after the ticket's id
    assert world.store.get("T-1").subject == "Pairing trouble"
    assert world.recorder.in_channel(post.id)[0].custom_ids[0] == "chatdesk:solved:T-1"
    await world.post("casey", "Still spinning", channel=post.id)
    assert world.store.get("T-1").conversation[-1].text == "Still spinning"


def test_thread_names_fit_discords_limit_and_finished_ones_get_a_check_mark(world):
    ticket = replace(replace_subject(world, "x" * 300), subject="x" * 300)
    assert len(thread_name(ticket)) == THREAD_NAME_LIMIT and thread_name(ticket).endswith("…")
    assert thread_name(ticket, done=True).startswith("✅ T-1 · ") and len(thread_name(ticket, done=True)) <= 100


def replace_subject(world, subject):
    from bot.desk import Inbound
    from bot.domain import Actor

    outcome = world.bot.desk.on_message(Inbound(Actor("discord", "42", "Casey"), subject, str(SUPPORT), "9"))
    return outcome.ticket


# -- buttons -------------------------------------------------------------------------------------------

async def press(world, who: str, custom_id: str, *, channel: int = REQUEST):
    """Press a button the way discord.py does: rebuild the item from its custom_id, then call it."""
    interaction = world.interaction(who, channel=channel, kind=discord.InteractionType.component)
    for item_class in (TicketButton, FormButton, SurveyButton):
        match = item_class.__discord_ui_compiled_template__.fullmatch(custom_id)
        if match:
            item = await item_class.from_custom_id(interaction, MagicMock(), match)
            await item.callback(interaction)
            return interaction
    raise AssertionError(f"no button matches {custom_id}")


async def test_claim_button_by_an_agent_claims_in_the_thread(opened):
    interaction = await press(opened, "maria", "chatdesk:claim:T-1")

    ticket = opened.store.get("T-1")
    assert ticket.state is State.CLAIMED and ticket.assignee.name == "Maria (Homing)"
    ephemeral, text, _ = answers(interaction)[0]
    assert not ephemeral and text == "Maria (Homing) claimed T-1."  # said in the thread, for everyone
    [(message_id, edit)] = opened.recorder.message_edits  # the intake message shows the owner
    assert "Claimed by Maria (Homing)" in edit["embed"].footer.text
    # and the buttons the core offers once it is held: no more Claim (the forms are /desk commands here)
    assert [b.item.custom_id for b in edit["view"].children] == ["chatdesk:solved:T-1", "chatdesk:need_help:T-1"]


async def test_claim_button_in_the_team_channel_posts_in_the_thread_and_tells_the_agent(opened):
    interaction = await press(opened, "sam", "chatdesk:claim:T-1", channel=TEAM)

    assert opened.store.get("T-1").assignee.name == "Sam"
    [posted] = opened.recorder.in_channel(REQUEST)
    assert posted.text == "Sam claimed T-1."
    [(ephemeral, text, _)] = answers(interaction)
    assert ephemeral and text.startswith("Sam claimed T-1.") and f"<#{REQUEST}>" in text


@pytest.mark.parametrize("who", ["casey", "robin"])
async def test_claim_button_by_a_non_agent_is_refused_privately(opened, who):
    interaction = await press(opened, who, "chatdesk:claim:T-1")

    assert opened.store.get("T-1").state is State.OPEN
    [(ephemeral, text, _)] = answers(interaction)
    assert ephemeral and text == messages.AGENTS_ONLY.format(verb="claim")
    assert opened.recorder.sent == []


async def test_solved_by_the_requester_resolves_it_and_archives_the_thread(opened):
    interaction = await press(opened, "casey", "chatdesk:solved:T-1")

    ticket = opened.store.get("T-1")
    assert ticket.state is State.RESOLVED and ticket.self_served
    ephemeral, text, _ = answers(interaction)[0]
    assert not ephemeral and text.startswith("Glad that helped, Casey!")
    thread = opened.thread()
    assert thread.name == f"✅ T-1 · {REQUEST_TEXT}"[:100] and thread.archived
    # the name and the archive state in calls of their own: a rename held back by Discord's limit
    # must not hold back the archiving
    assert opened.recorder.thread_edits == [(REQUEST, {"name": thread.name}), (REQUEST, {"archived": True})]


REQUESTERS_BUTTON = {"robin": messages.NOT_YOUR_TICKET.format(ticket_id="T-1"),
                     "maria": messages.REQUESTER_BUTTON.format(button="{button}", ticket_id="T-1", name="Casey")}


@pytest.mark.parametrize("who", ["robin", "maria"])
async def test_solved_by_anyone_but_the_requester_is_refused(opened, who):
    interaction = await press(opened, who, "chatdesk:solved:T-1")

    assert opened.store.get("T-1").state is State.OPEN
    [(ephemeral, text, _)] = answers(interaction)
    assert ephemeral and text == REQUESTERS_BUTTON[who].replace("{button}", messages.BUTTON_SOLVED)
    assert opened.recorder.thread_edits == []


async def test_still_need_help_flags_it_for_the_team(opened):
    interaction = await press(opened, "casey", "chatdesk:need_help:T-1")

    assert opened.store.get("T-1").escalated
    assert answers(interaction)[0][1] == messages.ESCALATED.format(name="Casey", ticket_id="T-1")
    [announcement] = opened.recorder.in_channel(TEAM)
    assert "T-1 still needs help" in announcement.text
    assert announcement.custom_ids == ["chatdesk:claim:T-1", "chatdesk:resolve_modal:T-1", "chatdesk:note_modal:T-1"]


@pytest.mark.parametrize("who", ["robin", "maria"])
async def test_still_need_help_by_someone_else_is_refused(opened, who):
    interaction = await press(opened, who, "chatdesk:need_help:T-1")
    assert not opened.store.get("T-1").escalated
    refusal = REQUESTERS_BUTTON[who].replace("{button}", messages.BUTTON_NEED_HELP)
    assert answers(interaction) == [(True, refusal, answers(interaction)[0][2])]


async def test_a_stale_solved_press_on_an_unmatched_ticket_is_refused_and_it_stays_open(world):
    await world.request(text="asdf qwer zxcv uiop")
    world.recorder.sent.clear()
    interaction = await press(world, "casey", "chatdesk:solved:T-1")  # an old message's, or a forged id

    ticket = world.store.get("T-1")
    assert ticket.state is State.OPEN and not ticket.self_served
    [(ephemeral, text, _)] = answers(interaction)
    assert ephemeral and text == messages.SOLVED_NOTHING_SUGGESTED.format(ticket_id="T-1")
    assert world.recorder.sent == [] and not world.thread().archived  # nothing said in the thread, nor done


async def test_the_team_announcements_buttons_work_from_the_team_channel(opened):
    resolve = await press(opened, "maria", "chatdesk:resolve_modal:T-1", channel=TEAM)
    modal = resolve.response.send_modal.call_args.args[0]
    assert isinstance(modal, ResolveModal) and modal.article.default == "pair-tracker"
    resolve.response.defer.assert_not_called()  # a modal must be the first response

    note = await press(opened, "sam", "chatdesk:note_modal:T-1", channel=TEAM)
    note_modal = note.response.send_modal.call_args.args[0]
    assert isinstance(note_modal, NoteModal) and note_modal.ticket_id == "T-1"
    note_modal.note._value = "Asked for the phone model"
    noted = opened.interaction("sam", channel=TEAM)
    await note_modal.on_submit(noted)
    assert [n.get("text") for n in opened.store.get("T-1").notes] == ["Asked for the phone model"]
    assert answers(noted)[0][:2] == (True, messages.NOTED.format(ticket_id="T-1"))  # only Sam sees it

    modal.resolution._value = "Re-paired after the update"
    submitted = opened.interaction("maria", channel=TEAM)
    await modal.on_submit(submitted)
    ticket = opened.store.get("T-1")
    assert ticket.state is State.RESOLVED and not ticket.self_served and ticket.article == "pair-tracker"
    # the intake message in the thread is refreshed with the customer's button only
    assert [b.item.custom_id for b in opened.recorder.message_edits[-1][1]["view"].children] == [
        "chatdesk:need_help:T-1"]


async def test_a_form_button_on_a_busy_desk_says_so_instead_of_timing_out(opened, monkeypatch):
    import time

    from bot.adapters.discord import components

    monkeypatch.setattr(components, "FORM_DEADLINE", 0.05)  # Discord's half of 3 s, shortened
    real = opened.bot.desk.open_form
    monkeypatch.setattr(opened.bot.desk, "open_form", lambda *a, **k: (time.sleep(0.3), real(*a, **k))[1])
    interaction = await press(opened, "maria", "chatdesk:note_modal:T-1", channel=TEAM)

    interaction.response.send_modal.assert_not_called()
    [(ephemeral, text, _)] = answers(interaction)
    assert ephemeral and text == discord_messages.DISCORD_FORM_BUTTON_SLOW.format(form="note", ticket_id="T-1")


@pytest.mark.parametrize("custom_id", ["chatdesk:resolve_modal:T-1", "chatdesk:note_modal:T-1"])
async def test_a_customer_pressing_an_agents_form_button_is_refused_privately(opened, custom_id):
    interaction = await press(opened, "casey", custom_id, channel=TEAM)
    interaction.response.send_modal.assert_not_called()
    [(ephemeral, text, _)] = answers(interaction)
    assert ephemeral and "only agents" in text.lower()
    assert opened.store.get("T-1").state is State.OPEN


async def test_the_refreshed_intake_message_never_carries_agents_buttons(opened):
    await press(opened, "sam", "chatdesk:claim:T-1", channel=TEAM)
    await desk(opened, "sam", "resolve", resolution="re-paired")
    await desk(opened, "sam", "reopen", reason="it came back")
    await desk(opened, "sam", "close", reason="duplicate")
    shown = [[b.item.custom_id for b in edit["view"].children] for _, edit in opened.recorder.message_edits]
    assert shown and all(not any(agents in i for i in ids for agents in ("claim", "resolve_modal", "note_modal"))
                         for ids in shown)
    assert shown[-1] == []  # closed is for good: no button left to press
    # the embed names the buttons only while both are there to press
    hints = [messages.INTAKE_BUTTONS_HINT in edit["embed"].description for _, edit in opened.recorder.message_edits]
    assert hints == [True, False, True, False]  # claimed, resolved, reopened, closed


async def test_an_agents_show_carries_the_agents_buttons_privately(opened):
    agent = await desk(opened, "maria", "show", ticket="T-1", channel=GENERAL)
    [(ephemeral, text, kwargs)] = answers(agent)
    assert ephemeral and "T-1" in text
    assert [b.custom_id for b in kwargs["view"].children] == [
        "chatdesk:claim:T-1", "chatdesk:resolve_modal:T-1", "chatdesk:note_modal:T-1"]
    customer = await desk(opened, "casey", "show", ticket="T-1", channel=GENERAL)
    assert "view" not in answers(customer)[0][2]


async def test_buttons_work_after_a_restart(config, clock, recorder, tmp_path):
    """A new bot on the same store handles a press on a message the old one posted."""
    path = tmp_path / "tickets.json"
    first = World(await start_bot(config, clock, store=TinyTicketStore.at(path)), recorder)
    await first.request()
    await first.bot.close()
    first.store.close()

    second_bot = await start_bot(config, clock, store=TinyTicketStore.at(path))
    second = World(second_bot, recorder)
    make_thread(second.guild, second.state, thread_id=REQUEST, parent_id=SUPPORT, name=f"T-1 · {REQUEST_TEXT}")
    intake = discord.Message(state=second.state, channel=second.thread(), data=load("intake_message.json"))
    interaction = second.interaction("maria", channel=REQUEST, message=intake)
    interaction.data = {"custom_id": "chatdesk:claim:T-1", "component_type": 2}

    # discord.py's own routing: the view store of the *new* bot matches the id against the
    # DynamicItem templates registered in setup_hook and calls the rebuilt item.
    second.state._view_store.dispatch_view(2, "chatdesk:claim:T-1", interaction)
    await asyncio.gather(*[t for t in asyncio.all_tasks() if t.get_name().startswith("discord-ui-dynamic-item")])

    assert second.store.get("T-1").assignee.name == "Maria (Homing)"
    assert answers(interaction)[0][1] == "Maria (Homing) claimed T-1."
    second.store.close()


@pytest.mark.parametrize("custom_id, parsed", [
    ("chatdesk:claim:T-12", ("claim", "T-12")),
    ("chatdesk:solved:T-7", ("solved", "T-7")),
    ("chatdesk:need_help:T-123456789", ("need_help", "T-123456789")),
])
async def test_ticket_button_ids_parse_back(custom_id, parsed):
    match = TicketButton.__discord_ui_compiled_template__.fullmatch(custom_id)
    item = await TicketButton.from_custom_id(MagicMock(), MagicMock(), match)
    assert (item.action.value, item.ticket_id) == parsed and item.custom_id == custom_id


@pytest.mark.parametrize("custom_id", ["chatdesk:claim:12", "chatdesk:delete:T-1", "other:claim:T-1",
                                       "chatdesk:survey:T-1:6", "chatdesk:claim:T-1:extra"])
def test_foreign_or_malformed_ids_are_not_ours(custom_id):
    assert all(cls.__discord_ui_compiled_template__.fullmatch(custom_id) is None
               for cls in (TicketButton, SurveyButton))


# -- /desk ------------------------------------------------------------------------------------------

def sub(world, name):
    """The /desk subcommand as registered (bound to the cog)."""
    return world.cog.__cog_app_commands_group__.get_command(name)


async def desk(world, who, verb, *, channel=REQUEST, **options):
    interaction = world.interaction(who, channel=channel)
    await sub(world, verb).callback(interaction, **options)
    return interaction


async def test_desk_claim_in_the_thread_needs_no_ticket_id(opened):
    interaction = await desk(opened, "maria", "claim")
    assert opened.store.get("T-1").state is State.CLAIMED
    assert answers(interaction)[0][:2] == (False, "Maria (Homing) claimed T-1.")


async def test_desk_claim_refusals_are_polite_and_private(opened):
    await desk(opened, "maria", "claim")
    by_customer = await desk(opened, "casey", "claim")
    by_other_agent = await desk(opened, "sam", "claim", channel=GENERAL, ticket="T-1")

    assert answers(by_customer) == [(True, messages.AGENTS_ONLY.format(verb="claim"), answers(by_customer)[0][2])]
    [(ephemeral, text, _)] = answers(by_other_agent)
    assert ephemeral and text.startswith("T-1 is already claimed by Maria (Homing) since")
    assert opened.store.get("T-1").assignee.name == "Maria (Homing)"


async def test_desk_claim_outside_a_thread_without_an_id_asks_which(opened):
    interaction = await desk(opened, "maria", "claim", channel=GENERAL)
    [(ephemeral, text, _)] = answers(interaction)
    assert ephemeral and text.startswith("Which ticket?")


async def test_desk_claim_accepts_a_bare_number(opened):
    await desk(opened, "maria", "claim", channel=GENERAL, ticket="1")
    assert opened.store.get("T-1").state is State.CLAIMED


async def test_desk_note_is_private_and_keeps_text_that_looks_like_an_id(opened):
    interaction = await desk(opened, "maria", "note", text="T-9 was the same problem; sent the reset link")
    ticket = opened.store.get("T-1")
    assert [n.get("text") for n in ticket.notes] == ["T-9 was the same problem; sent the reset link"]
    assert answers(interaction) == [(True, "Noted on T-1.", answers(interaction)[0][2])]
    assert opened.recorder.sent == []  # notes are internal


async def test_desk_note_by_a_customer_is_refused(opened):
    interaction = await desk(opened, "casey", "note", text="sneaky")
    assert opened.store.get("T-1").notes == ()
    assert answers(interaction)[0][:2] == (True, messages.AGENTS_ONLY.format(verb="note"))


async def test_desk_resolve_with_a_resolution_renames_and_archives_the_thread(opened):
    await desk(opened, "maria", "claim")
    interaction = await desk(opened, "maria", "resolve", resolution="Re-paired after a tracker reset")

    ticket = opened.store.get("T-1")
    assert ticket.state is State.RESOLVED and ticket.resolution == "Re-paired after a tracker reset"
    assert answers(interaction)[0][:2] == (False, "T-1 is resolved: Re-paired after a tracker reset.")
    assert opened.thread().name.startswith("✅ T-1 · ") and opened.thread().archived
    # the intake message was refreshed before archiving (an archived thread's messages can't be edited)
    assert "Resolved" in opened.recorder.message_edits[-1][1]["embed"].footer.text


async def test_desk_resolve_by_another_customer_is_refused(opened):
    interaction = await desk(opened, "robin", "resolve", resolution="mine now")
    assert opened.store.get("T-1").state is State.OPEN
    assert answers(interaction)[0][:2] == (True, messages.NOT_YOUR_TICKET.format(ticket_id="T-1"))
    assert not opened.thread().archived


async def test_desk_resolve_without_text_opens_the_modal_and_the_modal_resolves(config, clock, recorder):
    world = World(await start_bot(config, clock, knowledge=PairingKnowledge()), recorder)
    await world.request()
    interaction = await desk(world, "maria", "resolve")

    [call] = interaction.response.send_modal.call_args_list
    modal = call.args[0]
    assert isinstance(modal, ResolveModal) and modal.ticket_id == "T-1"
    assert modal.article.default == "pair-tracker"  # the top suggestion, ready to confirm

    submit = world.interaction("maria", channel=REQUEST)
    modal.resolution._value = "Reset the tracker,\nthen paired again"
    modal.article._value = "pair-tracker"
    await modal.on_submit(submit)

    ticket = world.store.get("T-1")
    assert ticket.resolution == "Reset the tracker,\nthen paired again" and ticket.article == "pair-tracker"
    assert answers(submit)[0][1].startswith("T-1 is resolved with the article “Pair your tracker”")
    assert world.thread().archived


async def test_desk_resolve_without_text_opens_no_modal_for_a_customer(opened):
    interaction = await desk(opened, "casey", "resolve")
    interaction.response.send_modal.assert_not_called()  # the form is for agents (Slack agrees)
    ticket = opened.store.get("T-1")
    assert ticket.state is State.RESOLVED and ticket.self_served  # the requester's own resolve, as typed


async def test_the_resolve_modal_refuses_an_unknown_article(config, clock, recorder):
    world = World(await start_bot(config, clock, knowledge=PairingKnowledge()), recorder)
    await world.request()
    modal = ResolveModal("T-1")
    modal.resolution._value = "done"
    modal.article._value = "no-such-article"
    submit = world.interaction("maria", channel=REQUEST)
    await modal.on_submit(submit)

    assert world.store.get("T-1").state is State.OPEN
    assert answers(submit)[0][:2] == (True, messages.ARTICLE_NOT_FOUND.format(slug="no-such-article"))


async def test_desk_reopen_unarchives_and_renames_back(opened):
    await press(opened, "casey", "chatdesk:solved:T-1")
    assert opened.thread().archived
    interaction = await desk(opened, "maria", "reopen", reason="it came back")

    assert opened.store.get("T-1").state is State.OPEN
    assert answers(interaction)[0][1] == "Maria (Homing) reopened T-1."
    assert not opened.thread().archived and opened.thread().name == f"T-1 · {REQUEST_TEXT}"[:100]


async def test_desk_queue_and_mine_for_agents(opened):
    await opened.request("robin", "Where is my invoice for November?", message_id=REQUEST + 1)
    await desk(opened, "maria", "claim", ticket="T-2", channel=GENERAL)

    queue = await desk(opened, "sam", "queue", channel=GENERAL)
    [(ephemeral, text, kwargs)] = answers(queue)
    assert ephemeral and kwargs["embed"].title == "Open and active tickets (2):"
    assert "T-1" in text and "T-2" in text

    mine = await desk(opened, "maria", "mine", channel=GENERAL)
    [(ephemeral, text, _)] = answers(mine)
    assert ephemeral and "Your tickets (1):" in text and "T-2" in text and "T-1 " not in text


@pytest.mark.parametrize("verb", ["queue", "mine"])
async def test_desk_queue_and_mine_are_refused_to_customers(opened, verb):
    interaction = await desk(opened, "casey", verb, channel=GENERAL)
    assert answers(interaction)[0][:2] == (True, messages.AGENTS_ONLY.format(verb=verb))


async def test_desk_show_for_an_agent_the_requester_and_a_stranger(opened):
    agent = await desk(opened, "maria", "show")
    requester = await desk(opened, "casey", "show")
    stranger = await desk(opened, "robin", "show", ticket="T-1", channel=GENERAL)

    assert answers(agent)[0][0] and "T-1" in answers(agent)[0][1]
    assert answers(requester)[0][0] and "T-1" in answers(requester)[0][1]
    assert answers(stranger)[0][:2] == (True, messages.NOT_YOUR_TICKET.format(ticket_id="T-1"))


async def test_desk_show_of_an_unknown_ticket(opened):
    interaction = await desk(opened, "maria", "show", ticket="T-99", channel=GENERAL)
    assert answers(interaction)[0][:2] == (True, messages.TICKET_NOT_FOUND.format(ticket_id="T-99"))


async def test_desk_assign_to_a_member_with_the_agent_role(opened):
    interaction = await desk(opened, "maria", "assign", agent=opened.members["sam"])
    assert opened.store.get("T-1").assignee.name == "Sam"
    assert answers(interaction)[0][1] == "Maria (Homing) assigned T-1 to Sam."

    refused = await desk(opened, "maria", "assign", agent=opened.members["robin"], ticket="T-1")
    assert answers(refused)[0][0] and "Robin is not an agent" in answers(refused)[0][1]


async def test_desk_priority_category_tag_wait_and_close(opened):
    await desk(opened, "maria", "claim")
    await desk(opened, "maria", "priority", level="high")
    category = await desk(opened, "maria", "category", name="installation")
    await desk(opened, "maria", "tag", tags="android bluetooth")
    await desk(opened, "maria", "wait", text="asked for the firmware version")
    ticket = opened.store.get("T-1")
    assert (ticket.priority, ticket.category, ticket.tags, ticket.state) == (
        "high", "installation", ("android", "bluetooth"), State.WAITING)
    assert any(e and "Checklist" in t for e, t, _ in answers(category))  # the checklist, privately

    await desk(opened, "maria", "close", reason="no answer")
    assert opened.store.get("T-1").state is State.CLOSED and opened.thread().archived


async def test_desk_kb_and_help_pass_through_to_the_core(opened):
    search = opened.interaction("maria", channel=GENERAL)
    await sub(opened, "kb").get_command("search").callback(search, text="pairing")
    assert answers(search)[0][:2] == (True, messages.NOT_AVAILABLE.format(verb="kb search"))

    helped = await desk(opened, "casey", "help", channel=GENERAL)
    ephemeral, text, _ = answers(helped)[0]
    assert ephemeral and "/desk show" in text and "/desk claim" not in text  # customers see their verbs


# -- autocomplete ---------------------------------------------------------------------------------

async def test_ticket_autocomplete_offers_what_the_member_may_see(opened):
    await opened.request("robin", "Where is my invoice for November?", message_id=REQUEST + 1)
    cog = opened.cog

    agent = await cog.ticket_autocomplete(opened.interaction("maria"), "")
    customer = await cog.ticket_autocomplete(opened.interaction("casey"), "")
    typed = await cog.ticket_autocomplete(opened.interaction("maria"), "invoice")

    assert [c.value for c in agent] == ["T-2", "T-1"]
    assert [c.value for c in customer] == ["T-1"]  # never another customer's subject
    assert [c.value for c in typed] == ["T-2"] and typed[0].name.startswith("T-2 · open · Where is my invoice")


async def test_article_autocomplete_searches_the_knowledge_base(config, clock, recorder):
    world = World(await start_bot(config, clock, knowledge=PairingKnowledge()), recorder)
    found = await world.cog.article_autocomplete(world.interaction("maria"), "pair")
    assert [(c.name, c.value) for c in found] == [("Pair your tracker [Bluetooth] (pair-tracker)", "pair-tracker")]
    assert await world.cog.article_autocomplete(world.interaction("maria"), "") == []


# -- the "Open ticket" message menu ------------------------------------------------------------------

async def test_an_agent_opens_a_ticket_from_any_message(world):
    message = world.message("casey", "btw the app crashes when I open the map", channel=GENERAL)
    interaction = world.interaction("maria", channel=GENERAL)
    await world.cog.open_ticket_menu(interaction, message)

    ticket = world.store.get("T-1")
    assert ticket.requester.name == "Casey" and ticket.body == "btw the app crashes when I open the map"
    assert world.recorder.threads == [(message.id, "T-1 · btw the app crashes when I open the map", 10080)]
    assert world.recorder.in_channel(message.id)[0].custom_ids == ["chatdesk:need_help:T-1"]  # the customer's: nothing matched
    assert world.recorder.in_channel(TEAM)[0].custom_ids[0] == "chatdesk:claim:T-1"  # the team's
    assert answers(interaction) == [(True, f"Opened T-1 <#{message.id}>.", answers(interaction)[0][2])]

    again = world.interaction("sam", channel=GENERAL)
    await world.cog.open_ticket_menu(again, message)
    assert answers(again)[0][:2] == (True, messages.IGNORED_DUPLICATE.format(ticket_id="T-1"))
    assert len(world.store.tickets()) == 1


async def test_the_menu_is_refused_to_non_agents(world):
    message = world.message("robin", "the app crashes", channel=GENERAL)
    interaction = world.interaction("casey", channel=GENERAL)
    await world.cog.open_ticket_menu(interaction, message)

    assert world.store.tickets() == [] and world.recorder.threads == []
    assert answers(interaction)[0][:2] == (True, messages.AGENTS_ONLY.format(verb="open ticket"))


# -- surveys ---------------------------------------------------------------------------------------

async def test_the_survey_asks_with_five_buttons_and_takes_a_comment(opened):
    desk = opened.bot.desk  # the real policy, asking every requester: answers count only where asked
    desk.survey_policy = SurveyPolicy(desk.service.store, desk.service.clock, rate=1.0)
    solved = await press(opened, "casey", "chatdesk:solved:T-1")
    survey = [answer for answer in answers(solved) if "how satisfied" in answer[1]]
    assert survey and not survey[0][0]  # asked in the thread, in the open
    assert [i.custom_id for i in survey[0][2]["view"].children] == [f"chatdesk:survey:T-1:{n}" for n in range(1, 6)]

    pressed = await press(opened, "casey", "chatdesk:survey:T-1:4")
    modal = pressed.response.send_modal.call_args.args[0]
    assert isinstance(modal, SurveyModal) and modal.score == 4
    submit = opened.interaction("casey", channel=REQUEST)
    modal.comment._value = "Quick and kind"
    await modal.on_submit(submit)

    assert opened.store.get("T-1").survey["score"] == 4
    assert opened.store.get("T-1").survey["comment"] == "Quick and kind"
    assert answers(submit)[0][:2] == (True, messages.SURVEY_THANKS.format(ticket_id="T-1"))


async def test_someone_else_cannot_answer_the_survey(opened):
    await press(opened, "casey", "chatdesk:solved:T-1")
    modal = SurveyModal("T-1", 1)
    submit = opened.interaction("robin", channel=REQUEST)
    await modal.on_submit(submit)
    assert opened.store.get("T-1").survey is None
    assert answers(submit)[0][:2] == (True, messages.SURVEY_NOT_YOURS.format(ticket_id="T-1"))


# -- the outbox (the scheduler's port) ------------------------------------------------------------------

async def test_the_scheduler_posts_through_the_outbox_from_its_worker_thread(opened):
    outbox = opened.bot.outbox
    ticket = opened.store.get("T-1")
    await asyncio.to_thread(outbox.to_thread, ticket, Reply("Still there, Casey?", kind=Kind.INFO, ticket=ticket))
    await asyncio.to_thread(outbox.to_team, Reply("Reminder: T-1 waits", kind=Kind.ANNOUNCE, ticket=ticket))
    assert [s.text for s in opened.recorder.in_channel(REQUEST)] == ["Still there, Casey?"]
    assert [s.text for s in opened.recorder.in_channel(TEAM)] == ["Reminder: T-1 waits"]


async def test_without_a_team_channel_announcements_are_not_posted(config, clock, recorder):
    bot = await start_bot(config, clock)
    settings = bot.desk.config.platforms["discord"]
    bot.desk.service.config = bot.desk.config = replace(
        bot.desk.config, platforms={**bot.desk.config.platforms, "discord": replace(settings, team_channel=None)})
    world = World(bot, recorder)
    await world.request()
    assert world.recorder.in_channel(TEAM) == [] and world.recorder.in_channel(REQUEST)


# -- the bot --------------------------------------------------------------------------------------

def test_intents_are_the_minimum():
    wanted = intents()
    assert wanted.guilds and wanted.guild_messages and wanted.message_content
    assert not (wanted.members or wanted.presences or wanted.dm_messages or wanted.guild_reactions)


async def test_the_bot_never_pings_everyone_and_registers_everything_in_setup_hook(world):
    assert world.bot.allowed_mentions.everyone is False and world.bot.allowed_mentions.roles is False
    names = {c.name for c in world.bot.tree.get_commands()}
    assert names == {"desk", discord_messages.DISCORD_MENU_OPEN}
    desk_group = world.bot.tree.get_command("desk")
    assert {c.qualified_name for c in desk_group.walk_commands()} >= {
        f"desk {v}" for v in ("claim", "unclaim", "assign", "note", "wait", "resolve", "reopen", "close",
                              "priority", "category", "tag", "queue", "mine", "show", "help", "metrics",
                              "kb search", "kb draft", "kb gaps")}
    for command in world.bot.tree.get_commands():  # what sync would send is well-formed
        json.dumps(command.to_dict(world.bot.tree))
    assert world.bot.persistent_views == [] and world.state._view_store._dynamic_items  # buttons, not views


async def test_agent_role_by_id_or_name_and_agents_by_id(config, clock, recorder):
    world = World(await start_bot(config, clock), recorder)
    directory = world.bot.directory
    assert directory.has_agent_role(world.members["maria"]) and not directory.has_agent_role(world.members["casey"])
    directory.agent_role = str(AGENT_ROLE)
    assert directory.has_agent_role(world.members["sam"]) and not directory.has_agent_role(world.members["robin"])
    directory.agent_role = None
    assert not directory.has_agent_role(world.members["maria"])
