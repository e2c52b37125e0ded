"""The intake form, private threads and direct messages on Discord, through the real button,
modal and cog callbacks with spec'd fakes (see tests/test_discord.py)."""

from __future__ import annotations

import copy
from dataclasses import replace

import discord
import pytest

from bot.adapters.discord import DiscordConfig
from bot.adapters.discord.client import intents
from bot.adapters.discord.forms import IntakeModal, NewTicketButton, post_button
from bot.adapters.discord.runner import build_bot
from bot.intake_form import IntakeField, IntakeSection
from bot.store import TinyTicketStore
from tests.test_discord import (AGENT_ROLE, REQUEST, SUPPORT, TEAM, World, answers, load, make_thread,  # noqa: F401
                                recorder)

FORM = IntakeSection(form=True, fields=(
    IntakeField(name="order", label="Order number"),
    IntakeField(name="topic", label="What is it about?", required=True, options=("billing", "technical"),
                category=True),
))


async def start(config, clock, recorder, monkeypatch, *, private: bool = False, form: bool = True) -> World:
    platform = DiscordConfig(channels=(str(SUPPORT),), agent_role="Support", team_channel=str(TEAM), private=private)
    config = replace(config, platforms={**config.platforms, "discord": platform},
                     sections={**config.sections, **({"intake": FORM} if form else {})})
    bot = build_bot(config, store=TinyTicketStore.memory(), clock=clock, knowledge=False, scheduler=False)
    bot.desk.survey_policy = lambda ticket: False
    await bot.setup_hook()
    world = World(bot, recorder)
    world.made = []  # threads started on the channel (no starter message): (name, type, invitable)
    ids = iter(range(1320000000000000001, 1320000000000000100))

    async def create_thread(channel, *, name, type=None, invitable=True, auto_archive_duration=None, **kwargs):
        world.made.append((name, type, invitable))
        return make_thread(channel.guild, channel._state, thread_id=next(ids), parent_id=channel.id, name=name)

    monkeypatch.setattr(discord.TextChannel, "create_thread", create_thread)
    return world


def filled(modal: IntakeModal, interaction, **changes) -> IntakeModal:
    """The modal as discord.py fills it from a recorded MODAL_SUBMIT payload."""
    data = load("modal_submit_intake_form.json")
    for component in data["components"]:
        inner = component["component"]
        if inner["custom_id"] in changes:
            inner["values" if inner["type"] == 3 else "value"] = changes[inner["custom_id"]]
    modal._refresh(interaction, data["components"], {})
    return modal


async def submit(world: World, who: str = "casey", **changes):
    press = world.interaction(who)
    await NewTicketButton().callback(press)
    modal = press.response.send_modal.call_args.args[0]
    interaction = world.interaction(who)
    await filled(modal, interaction, **changes).on_submit(interaction)
    return modal, interaction


async def test_the_button_opens_a_modal_with_the_fields_under_their_labels(config, clock, recorder, monkeypatch):
    world = await start(config, clock, recorder, monkeypatch)
    press = world.interaction("casey")
    await NewTicketButton().callback(press)
    modal = press.response.send_modal.call_args.args[0]
    assert isinstance(modal, IntakeModal) and modal.title == "New support request"
    labels = [item for item in modal.children if isinstance(item, discord.ui.Label)]
    assert [label.text for label in labels] == ["What do you need help with?", "Order number", "What is it about?"]
    request, order, topic = (label.component for label in labels)
    assert request.style is discord.TextStyle.paragraph and request.required
    assert order.style is discord.TextStyle.short and not order.required
    assert isinstance(topic, discord.ui.Select) and [o.value for o in topic.options] == ["billing", "technical"]
    assert modal.custom_id.startswith("chatdesk:intake_form:")


async def test_the_submission_opens_the_ticket_in_a_public_thread_of_its_own(config, clock, recorder, monkeypatch):
    world = await start(config, clock, recorder, monkeypatch)
    _, interaction = await submit(world)
    ticket = world.store.get("T-1")
    assert ticket.body == "I was charged twice for November" and ticket.category == "billing"
    assert ticket.events[0].get("fields") == {"order": "A-123", "topic": "billing"}
    [(name, kind, _)] = world.made
    assert name.startswith("T-1 · ") and kind is discord.ChannelType.public_thread
    thread = world.bot.desk.thread_link("T-1", "discord").thread
    assert world.recorder.in_channel(int(thread)) and not world.recorder.in_channel(SUPPORT)  # nothing public
    assert (int(thread), world.members["casey"].id) in world.recorder.thread_members
    [(ephemeral, text, _)] = answers(interaction)
    assert ephemeral and "T-1" in text
    # A message in that thread joins the ticket.
    await world.post("casey", "the second charge is on the 3rd", channel=int(thread))
    assert [m.text for m in world.store.get("T-1").conversation][-1] == "the second charge is on the 3rd"


async def test_the_same_form_submitted_twice_opens_one_ticket(config, clock, recorder, monkeypatch):
    world = await start(config, clock, recorder, monkeypatch)
    modal, _ = await submit(world)
    again = world.interaction("casey")
    await modal.on_submit(again)
    assert world.store.get("T-2") is None and len(world.made) == 1


async def test_a_missing_required_answer_is_refused_privately_and_opens_nothing(config, clock, recorder, monkeypatch):
    world = await start(config, clock, recorder, monkeypatch)
    _, interaction = await submit(world, topic=[])
    assert world.store.tickets() == [] and world.made == []
    [(ephemeral, text, _)] = answers(interaction)
    assert ephemeral and "Please fill in “What is it about?”" in text


async def test_without_a_form_the_button_says_so(config, clock, recorder, monkeypatch):
    world = await start(config, clock, recorder, monkeypatch, form=False)
    press = world.interaction("casey")
    await NewTicketButton().callback(press)
    press.response.send_modal.assert_not_called()
    assert "no intake form" in press.response.send_message.call_args.args[0]


async def test_the_button_is_persistent_and_posted_by_the_cli_helper(config, clock, recorder, monkeypatch):
    world = await start(config, clock, recorder, monkeypatch)
    assert NewTicketButton in world.state._view_store._dynamic_items.values()
    await post_button(world.bot, SUPPORT)
    [posted] = world.recorder.in_channel(SUPPORT)
    assert posted.custom_ids == ["chatdesk:new_ticket"] and "New ticket" in posted.content


async def test_private_threads_hold_the_requester_and_the_agents(config, clock, recorder, monkeypatch):
    world = await start(config, clock, recorder, monkeypatch, private=True)
    await world.request()  # a message in the channel: its ticket gets a private thread too
    [(name, kind, invitable)] = world.made
    assert kind is discord.ChannelType.private_thread and invitable is False and world.recorder.threads == []
    thread = int(world.bot.desk.thread_link("T-1", "discord").thread)
    added = {user for t, user in world.recorder.thread_members if t == thread}
    agents = {m.id for m in world.members.values() if world.bot.directory.has_agent_role(m) and not m.bot}
    assert added == {world.members["casey"].id, *agents} and world.members["robin"].id not in added
    await submit(world)
    assert [k for _, k, _ in world.made] == [discord.ChannelType.private_thread] * 2


def dm(world: World, text: str, message_id: int) -> discord.Message:
    data = load("message_create_dm.json")
    data.update(id=str(message_id), content=text)
    channel = discord.DMChannel(me=world.bot.user, state=world.state, data={
        "id": data["channel_id"], "type": 1, "recipients": [copy.deepcopy(data["author"])]})
    return discord.Message(state=world.state, channel=channel, data=data)


async def test_with_private_a_direct_message_opens_a_ticket_answered_in_the_dm(config, clock, recorder, monkeypatch):
    world = await start(config, clock, recorder, monkeypatch, private=True)
    first = dm(world, "I need to change the email on my account, it is private", 1310000000000000501)
    await world.cog.on_message(first)
    ticket = world.store.get("T-1")
    assert ticket.source.channel == str(first.channel.id) and ticket.requester.name == "Casey"
    assert world.recorder.in_channel(first.channel.id)  # answered in the DM
    assert "New ticket T-1 from Casey" in world.recorder.in_channel(TEAM)[0].text
    assert world.made == [] and not world.recorder.in_channel(SUPPORT)
    await world.cog.on_message(dm(world, "the new one is casey@example.org", 1310000000000000502))
    assert world.store.get("T-2") is None
    assert [m.text for m in world.store.get("T-1").conversation][-1] == "the new one is casey@example.org"


async def test_without_private_direct_messages_are_not_read(config, clock, recorder, monkeypatch):
    world = await start(config, clock, recorder, monkeypatch)
    await world.cog.on_message(dm(world, "I need to change the email on my account", 1310000000000000501))
    assert world.store.tickets() == [] and world.recorder.sent == []
    assert not intents().dm_messages and intents(direct=True).dm_messages
