"""Macros in the Discord reply and resolve modals, through the real /desk callbacks and modal
submissions with spec'd fakes: a select inside a Label up to Discord's 25 options, a name field
past that; the core fills the macro as `/desk reply T-12 :NAME` does; the submission defers first."""

from __future__ import annotations

from dataclasses import replace

import discord
import pytest

from bot.adapters import limits
from bot.adapters.discord.components import ResolveModal
from bot.adapters.discord.forms import ReplyModal
from bot.domain import State
from tests.test_discord import REQUEST, World, answers, desk, recorder, start_bot  # noqa: F401 (fixtures)
from tests.test_discord_defer import MODAL, submitted_slowly

MACROS = {"refund": "Hi {customer}, your refund for {ticket} is on its way. {agent}",
          "thanks": "Thanks {customer}, glad it works again!"}


async def opened_with(config, clock, recorder, macros=MACROS) -> World:
    config = replace(config, sections={**config.sections, "macros": dict(macros)})
    world = World(await start_bot(config, clock), recorder)
    await world.request()
    world.recorder.sent.clear()
    return world


def pick(modal, name: str | None) -> None:
    """What discord.py sets from a MODAL_SUBMIT payload: the select's values, or the field's text."""
    if isinstance(modal.macro, discord.ui.Select):
        modal.macro._values = [name] if name else []
    else:
        modal.macro._value = name or ""


def thread_texts(world) -> list[str]:
    return [s.text for s in world.recorder.in_channel(REQUEST)]


async def test_desk_reply_without_text_opens_the_modal_with_a_macro_select(config, clock, recorder):
    world = await opened_with(config, clock, recorder)
    interaction = await desk(world, "maria", "reply")
    modal = interaction.response.send_modal.call_args.args[0]
    assert isinstance(modal, ReplyModal) and modal.ticket_id == "T-1"
    labels = [item for item in modal.children if isinstance(item, discord.ui.Label)]
    assert [label.text for label in labels] == ["Your answer to the customer", "Canned reply (macro)"]
    assert isinstance(modal.macro, discord.ui.Select) and not modal.text.required
    assert [(o.label, o.value) for o in modal.macro.options] == [(":refund", "refund"), (":thanks", "thanks")]

    submit = world.interaction("maria", channel=REQUEST, kind=MODAL)
    pick(modal, "refund")
    modal.text._value = "Sorry for the wait!"
    await modal.on_submit(submit)
    submit.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    sent = world.store.get("T-1").conversation[-1].text
    assert sent.startswith("Hi Casey") and "your refund for T-1" in sent and sent.endswith("\n\nSorry for the wait!")
    assert any("your refund for T-1" in text for _, text, _ in answers(submit))


async def test_desk_reply_with_text_sends_it_at_once(config, clock, recorder):
    world = await opened_with(config, clock, recorder)
    interaction = await desk(world, "maria", "reply", text=":thanks")
    interaction.response.send_modal.assert_not_called()
    assert world.store.get("T-1").conversation[-1].text.startswith("Thanks Casey")


async def test_a_removed_macro_answers_privately_with_the_list(config, clock, recorder):
    world = await opened_with(config, clock, recorder)
    modal = ReplyModal("T-1", macros=world.bot.desk.macro_choices())
    pick(modal, "gone")
    submit = world.interaction("maria", channel=REQUEST, kind=MODAL)
    await modal.on_submit(submit)
    [(ephemeral, text, _)] = answers(submit)
    assert ephemeral and "There is no macro `gone`" in text
    assert len(world.store.get("T-1").conversation) == 1


async def test_a_customer_gets_no_reply_modal(config, clock, recorder):
    world = await opened_with(config, clock, recorder)
    interaction = await desk(world, "casey", "reply")
    interaction.response.send_modal.assert_not_called()
    assert "only agents" in answers(interaction)[0][1]


async def test_the_resolve_modal_offers_the_macros(config, clock, recorder):
    world = await opened_with(config, clock, recorder)
    interaction = await desk(world, "maria", "resolve")
    modal = interaction.response.send_modal.call_args.args[0]
    assert isinstance(modal, ResolveModal) and isinstance(modal.macro, discord.ui.Select)
    assert len(modal.children) <= limits.DISCORD_MODAL_COMPONENTS
    pick(modal, "thanks")
    submit = world.interaction("maria", channel=REQUEST, kind=MODAL)
    await modal.on_submit(submit)
    ticket = world.store.get("T-1")
    assert ticket.state is State.RESOLVED and ticket.resolution == "Thanks Casey, glad it works again!"


async def test_with_120_macros_the_modal_asks_for_the_name(config, clock, recorder):
    many = {f"answer-{n:03d}": f"Answer {n} for {{customer}}: " + "long " * 50 for n in range(120)}
    world = await opened_with(config, clock, recorder, macros={**many, **MACROS})
    interaction = await desk(world, "maria", "reply")
    modal = interaction.response.send_modal.call_args.args[0]
    assert isinstance(modal.macro, discord.ui.TextInput)  # past 25 options no select holds them
    label = [item for item in modal.children if isinstance(item, discord.ui.Label)][-1]
    assert label.text == "Macro name (/desk macros lists all 122)" and len(label.text) <= limits.DISCORD_LABEL_TEXT
    pick(modal, ":refund")
    submit = world.interaction("maria", channel=REQUEST, kind=MODAL)
    await modal.on_submit(submit)
    assert world.store.get("T-1").conversation[-1].text.startswith("Hi Casey")


@pytest.mark.parametrize("count", [25, 26])
async def test_every_macro_select_stays_within_discords_limits(config, clock, recorder, count):
    names = {f"{'m' * 36}{n:04d}": "x" * 200 for n in range(count)}  # 40-character names, long texts
    world = await opened_with(config, clock, recorder, macros=names)
    modal = ReplyModal("T-1", macros=world.bot.desk.macro_choices())
    if count <= limits.DISCORD_SELECT_OPTIONS:
        assert len(modal.macro.options) == count
        for option in modal.macro.options:
            assert len(option.label) <= limits.DISCORD_SELECT_OPTION_TEXT
            assert len(option.description) <= limits.DISCORD_SELECT_OPTION_TEXT
    else:
        assert isinstance(modal.macro, discord.ui.TextInput)
    modal.to_dict()  # discord.py's own checks of the payload it would send


async def test_the_reply_modal_defers_before_a_slow_desk(config, clock, recorder, monkeypatch):
    world = await opened_with(config, clock, recorder)
    modal = ReplyModal("T-1", macros=world.bot.desk.macro_choices())
    pick(modal, "refund")
    interaction = world.interaction("maria", channel=REQUEST, kind=MODAL)
    await submitted_slowly(monkeypatch, world, interaction, modal, "Reply modal")
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert not answers(interaction)[0][0], "the reply is said in the open"
    assert world.store.get("T-1").conversation[-1].text.startswith("Hi Casey")
