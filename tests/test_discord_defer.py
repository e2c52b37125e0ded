"""Slow interactions are deferred before the desk works, so Discord's 3 s first-response window holds.

The fake interaction (``tests.test_discord.Answering``) records every call in order with its time
and shows each answer with the privacy Discord would give it; a "slow desk" makes every core call
the adapter makes (``DeskBot.call``) take a while, as a store waiting on a lock would.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import discord
import pytest

from bot import messages
from bot.adapters.discord import cog as cog_module
from bot.adapters.discord import messages as discord_messages
from bot.adapters.discord.components import ResolveModal, TicketButton
from bot.domain import State
from bot.replies import Action
from tests.test_discord import (GENERAL, REQUEST, TEAM, answers, opened, recorder, sub,  # noqa: F401 (fixtures)
                                world)


class SlowDesk:
    """Every core call takes ``seconds``; ``seen`` holds, per call, what ``watched`` had been answered with."""

    def __init__(self, monkeypatch, bot, seconds: float, watched=None) -> None:
        self.seconds = seconds
        self.watched = watched
        self.seen: list[list[str]] = []
        self.real = bot.call
        monkeypatch.setattr(bot, "call", self.call)

    async def call(self, function, *args, **kwargs):
        if self.watched is not None:
            self.seen.append(list(self.watched.answering.order))
        return await self.real(lambda: (time.sleep(self.seconds), function(*args, **kwargs))[1])


def slow_desk(monkeypatch, bot, seconds: float, interaction=None) -> list[list[str]]:
    return SlowDesk(monkeypatch, bot, seconds, interaction).seen


def values_for(world, command) -> dict[str, Any]:
    """Values for a subcommand's required options (in T-1's thread, T-1 is implied)."""
    values: dict[str, Any] = {}
    for parameter in command.parameters:
        if not parameter.required:
            continue
        if parameter.type is discord.AppCommandOptionType.user:
            values[parameter.name] = world.members["sam"]
        elif parameter.choices:
            values[parameter.name] = parameter.choices[0].value
        else:
            values[parameter.name] = "T-1" if parameter.name == "ticket" else "pairing"
    return values


def leaf_commands(world):
    return [c for c in world.bot.tree.get_command("desk").walk_commands()
            if isinstance(c, discord.app_commands.Command)]


async def test_every_desk_subcommand_is_deferred_before_the_desk_runs(opened, monkeypatch):
    commands = leaf_commands(opened)
    assert len(commands) > 15
    desk = SlowDesk(monkeypatch, opened.bot, 0.0)
    for command in commands:
        interaction = desk.watched = opened.interaction("maria", channel=REQUEST)
        desk.seen = seen = []
        await command.callback(interaction, **values_for(opened, command))

        order = interaction.answering.order
        name = command.qualified_name
        if name in ("desk resolve", "desk reply"):  # bare: the form, the one answer that cannot follow a defer
            assert order == ["send_modal"], name
            continue
        assert order[0] == "defer" and seen and all(calls[:1] == ["defer"] for calls in seen), (name, order, seen)
        assert "send_message" not in order and answers(interaction), name  # answered through follow-ups


async def test_a_two_second_metrics_gets_its_first_response_at_once_and_the_chart_in_the_follow_up(
        opened, monkeypatch):
    interaction = opened.interaction("maria", channel=GENERAL)
    slow_desk(monkeypatch, opened.bot, 2.0)

    started = time.perf_counter()
    await sub(opened, "metrics").callback(interaction)

    answering = interaction.answering
    assert answering.order == ["defer", "delete_original_response", "followup.send"]
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    [(private, text, kwargs)] = answers(interaction)
    assert not private and "week" in text.lower()  # the numbers are for the channel, as before
    [chart] = kwargs["files"]
    assert chart.filename.endswith(".png")
    print(f"\n/desk metrics, 2 s desk: first response after {answering.first_response_after(started) * 1000:.1f} ms, "
          f"answer after {(time.perf_counter() - started) * 1000:.0f} ms")


async def test_a_private_answer_takes_the_placeholders_place(opened):
    interaction = opened.interaction("sam", channel=GENERAL)
    await sub(opened, "queue").callback(interaction)

    assert interaction.answering.order == ["defer", "followup.send"]  # no delete: the placeholder is private
    [(private, text, _)] = answers(interaction)
    assert private and "T-1" in text


async def test_a_public_answer_after_a_private_refusal_keeps_each_ones_privacy(opened):
    interaction = opened.interaction("casey", channel=REQUEST)
    await sub(opened, "claim").callback(interaction)
    assert answers(interaction)[0][:2] == (True, messages.AGENTS_ONLY.format(verb="claim"))

    agent = opened.interaction("maria", channel=REQUEST)
    await sub(opened, "claim").callback(agent)
    assert agent.answering.order == ["defer", "delete_original_response", "followup.send"]
    assert answers(agent)[0][:2] == (False, "Maria (Homing) claimed T-1.")


async def test_an_answer_after_the_tokens_15_minutes_goes_to_the_channel_when_public(opened, caplog):
    public = opened.interaction("maria", channel=REQUEST)
    public.is_expired.return_value = True
    await sub(opened, "claim").callback(public)
    assert opened.store.get("T-1").state is State.CLAIMED
    assert [s.text for s in opened.recorder.in_channel(REQUEST)] == ["Maria (Homing) claimed T-1."]
    public.followup.send.assert_not_called()

    private = opened.interaction("maria", channel=GENERAL)
    private.is_expired.return_value = True
    with caplog.at_level(logging.ERROR):
        await sub(opened, "queue").callback(private)
    assert "after the interaction's 15 minutes" in caplog.text
    private.followup.send.assert_not_called()


async def test_a_refused_placeholder_delete_still_delivers_the_answer(opened, caplog):
    interaction = opened.interaction("maria", channel=REQUEST)
    interaction.delete_original_response.side_effect = discord.HTTPException(
        type("R", (), {"status": 500, "reason": "Server Error"})(), "boom")
    await sub(opened, "claim").callback(interaction)
    assert answers(interaction)[0][1] == "Maria (Homing) claimed T-1."
    assert "could not remove the private placeholder" in caplog.text


async def test_a_failing_desk_after_the_defer_is_apologised_for_privately(opened, monkeypatch):
    interaction = opened.interaction("maria", channel=REQUEST)

    def broken(*args, **kwargs):
        raise RuntimeError("store on fire")

    monkeypatch.setattr(opened.bot.desk, "on_command", broken)
    with pytest.raises(RuntimeError):
        await sub(opened, "claim").callback(interaction)
    await opened.cog.cog_app_command_error(interaction, discord.app_commands.AppCommandError("store on fire"))
    assert interaction.answering.order == ["defer", "followup.send"]
    assert answers(interaction) == [(True, discord_messages.DISCORD_ERROR, answers(interaction)[0][2])]


# -- the resolve form: a modal cannot follow a defer ------------------------------------------------

async def test_the_resolve_form_opens_if_the_desk_finds_it_in_time_and_says_so_if_not(opened, monkeypatch):
    monkeypatch.setattr(cog_module, "FORM_DEADLINE", 0.2)
    desk = SlowDesk(monkeypatch, opened.bot, 0.01)
    quick = opened.interaction("maria", channel=REQUEST)
    await sub(opened, "resolve").callback(quick)
    [call] = quick.response.send_modal.call_args_list
    assert isinstance(call.args[0], ResolveModal) and call.args[0].ticket_id == "T-1"

    desk.seconds = 0.5
    slow = opened.interaction("maria", channel=REQUEST)
    await sub(opened, "resolve").callback(slow)
    assert slow.answering.order == ["send_message"]  # in time, and no modal after a defer
    assert answers(slow) == [(True, discord_messages.DISCORD_FORM_SLOW, answers(slow)[0][2])]
    await asyncio.sleep(0.6)  # the form lookup still finishes, quietly
    assert opened.store.get("T-1").state is State.OPEN


async def test_resolve_with_a_resolution_is_deferred(opened, monkeypatch):
    interaction = opened.interaction("maria", channel=REQUEST)
    seen = slow_desk(monkeypatch, opened.bot, 0.0, interaction)
    await sub(opened, "resolve").callback(interaction, resolution="Re-paired it")
    assert seen == [["defer"]] and opened.store.get("T-1").state is State.RESOLVED


async def test_autocomplete_the_desk_is_too_slow_for_offers_nothing(opened, monkeypatch):
    monkeypatch.setattr(cog_module, "AUTOCOMPLETE_DEADLINE", 0.05)
    slow_desk(monkeypatch, opened.bot, 0.5)
    assert await opened.cog.ticket_autocomplete(opened.interaction("maria"), "") == []
    await asyncio.sleep(0.6)


# -- buttons and the message menu ------------------------------------------------------------------

async def test_open_ticket_is_deferred_before_a_slow_match(world, monkeypatch):
    message = world.message("casey", "btw the app crashes when I open the map", channel=GENERAL)
    interaction = world.interaction("maria", channel=GENERAL, kind=discord.InteractionType.component)
    interaction.type = discord.InteractionType.application_command  # a context menu is a command
    seen = slow_desk(monkeypatch, world.bot, 2.0, interaction)

    started = time.perf_counter()
    await world.cog.open_ticket_menu(interaction, message)

    assert seen and all(calls[:1] == ["defer"] for calls in seen)
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    interaction.response.send_message.assert_not_called()
    assert answers(interaction)[0][:2] == (True, f"Opened T-1 <#{message.id}>.")
    print(f"\nOpen ticket, 2 s desk: first response after "
          f"{interaction.answering.first_response_after(started) * 1000:.1f} ms, "
          f"answer after {(time.perf_counter() - started) * 1000:.0f} ms")


async def test_a_button_is_deferred_before_the_desk_runs(opened, monkeypatch):
    interaction = opened.interaction("maria", channel=TEAM, kind=discord.InteractionType.component)
    seen = slow_desk(monkeypatch, opened.bot, 0.0, interaction)

    await TicketButton(Action.CLAIM, "T-1").callback(interaction)

    assert seen and seen[0] == ["defer"]
    interaction.response.send_message.assert_not_called()
    assert answers(interaction), "the press is answered by a follow-up"


# -- modal submissions: each defers before the desk runs, and answers through follow-ups ----------

MODAL = discord.InteractionType.modal_submit


async def submitted_slowly(monkeypatch, world, interaction, modal, what: str) -> None:
    """Submit ``modal`` with every desk call taking 2 s: each must come after the defer."""
    seen = slow_desk(monkeypatch, world.bot, 2.0, interaction)
    started = time.perf_counter()
    await modal.on_submit(interaction)
    finished = time.perf_counter()
    assert seen and all(calls[:1] == ["defer"] for calls in seen), f"{what}: the desk ran before the defer"
    interaction.response.send_message.assert_not_called()
    assert answers(interaction), f"{what}: answered through follow-ups"
    print(f"\n{what}, 2 s desk: first response after "
          f"{interaction.answering.first_response_after(started) * 1000:.1f} ms, "
          f"answer after {(finished - started) * 1000:.0f} ms")


async def test_the_resolve_modal_defers_before_a_slow_desk(opened, monkeypatch):
    modal = ResolveModal("T-1")
    modal.resolution._value = "Reset the tracker"
    interaction = opened.interaction("maria", channel=REQUEST, kind=MODAL)
    await submitted_slowly(monkeypatch, opened, interaction, modal, "Resolve modal")
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert opened.store.get("T-1").resolution == "Reset the tracker"
    assert interaction.answering.order[:2] == ["defer", "delete_original_response"]  # then the public answer
    assert not answers(interaction)[0][0], "the resolution is said in the thread, in the open"


async def test_the_note_modal_defers_privately_before_a_slow_desk(opened, monkeypatch):
    from bot.adapters.discord.components import NoteModal

    modal = NoteModal("T-1")
    modal.note._value = "Asked for the phone model"
    interaction = opened.interaction("maria", channel=REQUEST, kind=MODAL)
    await submitted_slowly(monkeypatch, opened, interaction, modal, "Note modal")
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert opened.store.get("T-1").last_event("noted").get("text") == "Asked for the phone model"
    [(private, text, _)] = answers(interaction)
    assert private and "T-1" in text


async def test_the_survey_comment_defers_privately_before_a_slow_desk(opened, monkeypatch):
    from bot.adapters.discord.components import SurveyModal
    from bot.metrics import SurveyPolicy

    desk = opened.bot.desk
    desk.survey_policy = SurveyPolicy(desk.service.store, desk.service.clock, rate=1.0)
    await TicketButton(Action.SOLVED, "T-1").callback(
        opened.interaction("casey", channel=REQUEST, kind=discord.InteractionType.component))
    modal = SurveyModal("T-1", 5)
    modal.comment._value = "Quick"
    interaction = opened.interaction("casey", channel=REQUEST, kind=MODAL)
    await submitted_slowly(monkeypatch, opened, interaction, modal, "Survey comment")
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert opened.store.get("T-1").survey["comment"] == "Quick"
    assert answers(interaction)[0][0], "the thanks is the requester's alone"


async def test_the_intake_form_defers_privately_before_a_slow_desk(config, clock, recorder, monkeypatch):
    from bot.adapters.discord.forms import NewTicketButton
    from tests.test_discord_forms import filled, start

    world = await start(config, clock, recorder, monkeypatch)
    press = world.interaction("casey", kind=discord.InteractionType.component)
    await NewTicketButton().callback(press)
    modal = press.response.send_modal.call_args.args[0]
    interaction = world.interaction("casey", kind=MODAL)
    await submitted_slowly(monkeypatch, world, interaction, filled(modal, interaction), "Intake form")
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert world.store.get("T-1") is not None
    [(private, text, _)] = answers(interaction)
    assert private and "T-1" in text
