"""The requester is a member of the ticket's thread, so Discord notifies them of the answers."""

from __future__ import annotations

import discord
import pytest

from tests.test_discord import REQUEST, recorder, world  # noqa: F401 (fixtures)


@pytest.fixture
def added(world):
    return world.recorder.thread_members


async def test_the_requester_is_added_to_the_thread_made_on_their_message(world, added):
    message = await world.request("casey")
    assert added == [(REQUEST, message.author.id)]


async def test_a_ticket_opened_by_an_agent_adds_the_messages_author(world, added):
    message = world.message("robin", "I was charged twice this month", message_id=REQUEST + 5)
    interaction = world.interaction("maria", message=message)
    await world.cog.open_ticket_menu(interaction, message)
    assert added == [(REQUEST + 5, message.author.id)]


async def test_a_refused_add_keeps_the_ticket_and_the_thread(world, monkeypatch, caplog):
    async def refuse(thread, user):
        raise discord.Forbidden(type("R", (), {"status": 403, "reason": "Forbidden"})(), "Missing Access")

    monkeypatch.setattr(discord.Thread, "add_user", refuse)
    await world.request("casey")
    assert world.store.get("T-1") is not None and world.thread() is not None
    assert "could not add the requester to the thread" in caplog.text


# -- surveys keep the thread open ---------------------------------------------------------------------

async def test_a_thread_with_a_survey_waiting_is_archived_only_once_it_is_answered(world):
    from bot.adapters.discord.components import SurveyModal
    from bot.metrics.surveys import SurveyPolicy
    from tests.test_discord import press

    await world.request("casey")
    desk = world.bot.desk
    desk.survey_policy = SurveyPolicy(desk.service.store, desk.service.clock, rate=1.0)  # ask every time
    await press(world, "casey", "chatdesk:solved:T-1")
    assert world.store.get("T-1").survey_pending
    thread = world.thread()
    assert thread.name.startswith("✅ T-1") and not thread.archived  # the survey's buttons still work
    modal = SurveyModal("T-1", 5)
    modal.comment._value = "Thanks!"
    await modal.on_submit(world.interaction("casey", channel=REQUEST))
    assert world.store.get("T-1").survey["score"] == 5 and not world.store.get("T-1").survey_pending
    assert world.thread().archived


async def test_without_a_survey_the_thread_is_archived_at_once(world):
    from tests.test_discord import press

    await world.request("casey")
    await press(world, "casey", "chatdesk:solved:T-1")
    assert not world.store.get("T-1").survey_pending and world.thread().archived
