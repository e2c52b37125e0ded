"""Slow interactions are deferred before the desk works, so Discord's 3 s first-response window holds."""

from __future__ import annotations

import time

from bot.adapters.discord.components import TicketButton
from bot.replies import Action
from tests.test_discord import GENERAL, answers, opened, recorder, world  # noqa: F401 (fixtures)


def slow(monkeypatch, desk, name: str, interaction, *, seconds: float = 0.0) -> list[bool]:
    """Make ``desk.name`` take ``seconds``; record whether the interaction was deferred when it ran."""
    deferred: list[bool] = []
    real = getattr(desk, name)

    def call(*args, **kwargs):
        deferred.append(interaction.response.defer.await_count == 1)
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(desk, name, call)
    return deferred


async def test_open_ticket_is_deferred_before_a_slow_match(world, monkeypatch):
    message = world.message("casey", "btw the app crashes when I open the map", channel=GENERAL)
    interaction = world.interaction("maria", channel=GENERAL)
    first: list[float] = []
    interaction.response.defer.side_effect = lambda *a, **k: first.append(time.perf_counter())
    interaction.response.is_done.side_effect = lambda: bool(first)
    deferred = slow(monkeypatch, world.bot.desk, "open_ticket", interaction, seconds=2.0)

    started = time.perf_counter()
    await world.cog.open_ticket_menu(interaction, message)

    assert deferred == [True]
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    interaction.response.send_message.assert_not_called()
    assert answers(interaction)[0][:2] == (True, f"Opened T-1 <#{message.id}>.")
    print(f"\nOpen ticket, 2 s desk: first response after {(first[0] - started) * 1000:.3f} ms, "
          f"answer after {(time.perf_counter() - started) * 1000:.0f} ms")


async def test_a_button_is_deferred_before_the_desk_runs(opened, monkeypatch):
    interaction = opened.interaction("maria")
    deferred = slow(monkeypatch, opened.bot.desk, "on_action", interaction)

    await TicketButton(Action.CLAIM, "T-1").callback(interaction)

    assert deferred == [True]
    interaction.response.send_message.assert_not_called()
    assert answers(interaction), "the press is answered by a follow-up"
