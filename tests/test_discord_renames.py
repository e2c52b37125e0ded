"""Discord thread renames: only on a change, at most 2 per 10 minutes per thread, the last wanted name kept."""

from __future__ import annotations

from bot.adapters.discord.renames import Pending, RenameBudget
from tests.seconds import Seconds


def rename(budget: RenameBudget, names: dict[str, str], thread: str, wanted: str) -> bool:
    """What the outbox does: ask, and rename when allowed."""
    if budget.ask(thread, names[thread], wanted):
        names[thread] = wanted
        budget.renamed(thread, wanted)
        return True
    return False


def test_the_same_name_is_never_sent_again():
    budget = RenameBudget(clock=Seconds(1_000.0))
    assert not budget.ask("1", "T-1 · hello", "T-1 · hello")
    assert budget.waiting() == []


def test_resolve_reopen_resolve_renames_twice_and_keeps_the_last_name_for_later():
    clock = Seconds(1_000.0)
    budget = RenameBudget(clock=clock)
    names = {"1": "T-1 · tracker"}
    assert rename(budget, names, "1", "✅ T-1 · tracker")  # resolved
    clock.now += 60
    assert rename(budget, names, "1", "T-1 · tracker")  # reopened
    clock.now += 60
    assert not rename(budget, names, "1", "✅ T-1 · tracker")  # resolved again: the window is full
    assert budget.waiting() == [Pending("1", "✅ T-1 · tracker", 1_600.0)]
    assert budget.next_due() == 1_600.0
    clock.now = 1_599.0
    assert budget.due() == []
    clock.now = 1_600.0
    [due] = budget.due()
    assert (due.thread, due.name) == ("1", "✅ T-1 · tracker")
    assert rename(budget, names, "1", due.name)
    assert budget.waiting() == [] and names["1"] == "✅ T-1 · tracker"


def test_only_the_latest_wanted_name_waits():
    clock = Seconds(1_000.0)
    budget = RenameBudget(clock=clock)
    names = {"1": "a"}
    assert rename(budget, names, "1", "b") and rename(budget, names, "1", "c")
    assert not rename(budget, names, "1", "d")
    assert not rename(budget, names, "1", "e")
    assert [p.name for p in budget.waiting()] == ["e"]
    assert not rename(budget, names, "1", "c")  # wanted back what it has: nothing waits any more
    assert budget.waiting() == []


def test_threads_have_budgets_of_their_own():
    budget = RenameBudget(clock=Seconds(1_000.0))
    names = {"1": "a", "2": "a"}
    assert rename(budget, names, "1", "b") and rename(budget, names, "1", "c")
    assert rename(budget, names, "2", "b") and rename(budget, names, "2", "c")
    assert not rename(budget, names, "1", "d")


def test_a_rate_limit_from_discord_fills_the_window():
    clock = Seconds(1_000.0)
    budget = RenameBudget(clock=clock)
    budget.refused("1", "✅ T-1 · x")
    assert not budget.ask("1", "T-1 · x", "✅ T-1 · x")
    assert budget.next_due() == 1_600.0
    clock.now += 600
    assert [p.name for p in budget.due()] == ["✅ T-1 · x"]


# -- through the bot: resolve, reopen, resolve with spec'd fakes and a fake clock ---------------------

import discord  # noqa: E402
import pytest  # noqa: E402

from bot.adapters.discord.client import MAX_RATELIMIT_WAIT  # noqa: E402
from tests.test_discord import REQUEST, REQUEST_TEXT, desk, opened, press, recorder, world  # noqa: E402,F401

DONE = f"✅ T-1 · {REQUEST_TEXT}"[:100]
ACTIVE = f"T-1 · {REQUEST_TEXT}"[:100]


@pytest.fixture
def timed(opened):
    clock = Seconds(1_000.0)
    opened.bot.outbox.renamer.budget = RenameBudget(clock=clock)
    return opened, clock


async def test_resolve_reopen_resolve_renames_twice_archives_every_time_and_renames_later(timed):
    world, clock = timed
    await press(world, "casey", "chatdesk:solved:T-1")
    clock.now += 60
    await desk(world, "maria", "reopen", reason="it came back")
    clock.now += 60
    await press(world, "casey", "chatdesk:solved:T-1")
    edits = world.recorder.thread_edits
    assert edits == [(REQUEST, {"name": DONE}), (REQUEST, {"archived": True}),
                     (REQUEST, {"archived": False}), (REQUEST, {"name": ACTIVE}),
                     (REQUEST, {"archived": True})]  # the third rename waits; the archive does not
    assert world.thread().archived and world.thread().name == ACTIVE
    edits.clear()
    clock.now += 480  # ten minutes after the first rename
    await world.bot.outbox.renamer.apply_due()
    assert edits == [(REQUEST, {"archived": False}), (REQUEST, {"name": DONE}), (REQUEST, {"archived": True})]
    assert world.thread().archived and world.thread().name == DONE
    edits.clear()
    await world.bot.outbox.renamer.apply_due()
    assert edits == []  # nothing left waiting


async def test_a_held_back_rename_that_is_no_longer_wanted_is_dropped(timed):
    world, clock = timed
    await press(world, "casey", "chatdesk:solved:T-1")
    await desk(world, "maria", "reopen", reason="again")
    await press(world, "casey", "chatdesk:solved:T-1")  # wants ✅, held back
    await desk(world, "maria", "reopen", reason="and again")  # wants the plain name: which it has
    clock.now += 600
    world.recorder.thread_edits.clear()
    await world.bot.outbox.renamer.apply_due()
    assert world.recorder.thread_edits == []
    assert not world.thread().archived and world.thread().name == ACTIVE


async def test_a_rename_discord_rate_limits_anyway_is_kept_and_blocks_nothing(timed, monkeypatch):
    world, clock = timed

    async def limited(thread, **kwargs):
        if "name" in kwargs:
            raise discord.RateLimited(540.0)
        thread.archived = kwargs.get("archived", thread.archived)

    monkeypatch.setattr(discord.Thread, "edit", limited)
    await press(world, "casey", "chatdesk:solved:T-1")
    assert world.thread().archived  # archived even though the name could not change
    [pending] = world.bot.outbox.renamer.budget.waiting()
    assert pending.name == DONE and pending.at == clock.now + 600


def test_the_bot_never_sleeps_long_on_a_rate_limit(world):
    assert world.bot.http.max_ratelimit_timeout == MAX_RATELIMIT_WAIT == 30.0

