"""The scheduler on a fake clock: weekly post, first-response reminders, waiting nudges, auto-close.

No test sleeps: time moves with ``FakeClock.advance`` and ``tick()`` does whatever is due.
The demo team is in Europe/Berlin (UTC+1 in November) with a 60-minute first-response target;
the weekly post goes out on Monday at 09:00 Berlin = 08:00 UTC.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

import pytest

from bot.clock import FakeClock
from bot.domain import Source, State
from bot.errors import ConfigError
from bot.outbound import Handed
from bot.replies import Action, Kind
from bot.scheduler import Schedule, Scheduler
from bot.store import TinyTicketStore
from tests.desk_support import CUSTOMER, MARIA, make_desk


@dataclass
class FakeOutbox:
    """Records what the scheduler would post: ("team", reply) or ("thread", ticket id, reply)."""

    posts: list = field(default_factory=list)

    def to_team(self, reply, *, key=None, mark=None) -> None:
        self.posts.append(("team", reply))

    def to_thread(self, ticket, reply, *, key=None) -> None:
        self.posts.append(("thread", ticket.id, reply))

    def take(self) -> list:
        posts, self.posts = self.posts, []
        return posts


@pytest.fixture
def file_store(tmp_path):
    store = TinyTicketStore.at(tmp_path / "tickets.json")
    yield store
    store.close()


def setup(config, clock, store, tmp_path, **schedule):
    config = replace(config, data_dir=tmp_path / "data",
                     settings={**config.settings, "schedule": schedule} if schedule else config.settings)
    desk = make_desk(config, clock, store=store)
    outbox = FakeOutbox()
    return desk, outbox, Scheduler(desk, outbox)


def open_ticket(desk, text="Tracker will not pair", message="m1", platform="console"):
    actor = replace(CUSTOMER, platform=platform)
    return desk.service.open_ticket(actor, text, Source(platform, "support", message, message))[0]


# -- weekly post ------------------------------------------------------------------------

def test_weekly_post_goes_out_on_monday_at_nine_once(config, file_store, tmp_path):
    clock = FakeClock("2026-11-16T07:59:00+00:00")  # Monday 08:59 in Berlin
    desk, outbox, scheduler = setup(config, clock, file_store, tmp_path, weekly_post=True, reminders=False)
    scheduler.store.remember(scheduler.weekly_key("2026-W45"), "sent last Monday")
    assert scheduler.tick() == [] and outbox.take() == []
    clock.advance(minutes=1)  # 09:00 Berlin
    assert scheduler.tick() == ["weekly post 2026-W46"]
    [(where, reply)] = outbox.take()
    assert where == "team" and reply.kind is Kind.ANNOUNCE
    assert reply.text.startswith("**Support metrics 2026-W46**")
    assert reply.attachments and reply.attachments[0].endswith("metrics-2026-W46.png")
    clock.advance(minutes=1)
    assert scheduler.tick() == [] and outbox.take() == []
    clock.advance(days=6, hours=23)  # Monday 08:59 again: next week's is not due yet
    assert scheduler.tick() == []


def test_a_post_missed_while_down_is_sent_once_at_start(config, file_store, tmp_path):
    clock = FakeClock("2026-11-25T14:00:00+00:00")  # Wednesday: the bot was down on Monday morning
    desk, outbox, scheduler = setup(config, clock, file_store, tmp_path)
    open_ticket(desk)
    clock.set("2026-11-25T14:00:00+00:00")
    assert "weekly post 2026-W47" in scheduler.tick()
    assert [p[0] for p in outbox.take()].count("team") >= 1
    # A restart (a new scheduler, a new store handle on the same file) does not post it again,
    restarted_store = TinyTicketStore.at(tmp_path / "tickets.json")
    try:
        again = Scheduler(make_desk(desk.config, clock, store=restarted_store), outbox)
        clock.advance(hours=1)
        assert [line for line in again.tick() if line.startswith("weekly")] == []
        # ...and next Monday's post goes out on time.
        clock.set("2026-11-30T08:00:00+00:00")
        assert [line for line in again.tick() if line.startswith("weekly")] == ["weekly post 2026-W48"]
    finally:
        restarted_store.close()


class FlakyOutbox(FakeOutbox):
    """A direct outbox whose platform refuses the first ``failures`` team posts."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def to_team(self, reply, *, key=None, mark=None):
        if self.failures:
            self.failures -= 1
            return Handed.NOT_POSTED
        super().to_team(reply)
        return Handed.ACCEPTED


def weekly_lines(lines):
    return [line for line in lines if line.startswith("weekly")]


def test_a_weekly_post_the_platform_refused_is_tried_again_and_marked_only_once_accepted(
        config, file_store, tmp_path):
    clock = FakeClock("2026-11-30T08:00:00+00:00")  # Monday 09:00 Berlin
    desk, _, _ = setup(config, clock, file_store, tmp_path, reminders=False)
    outbox = FlakyOutbox(failures=2)
    scheduler = Scheduler(desk, outbox)
    scheduler.store.remember(scheduler.weekly_key("2026-W47"), "sent last Monday")
    assert weekly_lines(scheduler.tick()) == [] and outbox.take() == []
    assert scheduler.store.recall(scheduler.weekly_key("2026-W48")) is None  # not marked: not sent
    clock.advance(minutes=1)
    assert weekly_lines(scheduler.tick()) == []
    clock.advance(minutes=1)
    assert weekly_lines(scheduler.tick()) == ["weekly post 2026-W48"]
    [(where, reply)] = outbox.take()
    assert where == "team" and reply.text.startswith("**Support metrics 2026-W48**")
    assert scheduler.store.recall(scheduler.weekly_key("2026-W48")) is not None
    clock.advance(minutes=1)
    assert weekly_lines(scheduler.tick()) == [] and outbox.take() == []  # once accepted, never again


def test_every_week_missed_while_down_is_posted_oldest_first(config, file_store, tmp_path):
    clock = FakeClock("2026-12-02T10:00:00+00:00")  # Wednesday; the last post went out for W44
    desk, outbox, scheduler = setup(config, clock, file_store, tmp_path, reminders=False)
    scheduler.store.remember(scheduler.weekly_key("2026-W44"), "sent")
    assert weekly_lines(scheduler.tick()) == ["weekly post 2026-W45", "weekly post 2026-W46",
                                              "weekly post 2026-W47", "weekly post 2026-W48"]
    assert [reply.text.split(",")[0] for _, reply in outbox.take()] == [
        f"**Support metrics 2026-W{week}**" for week in (45, 46, 47, 48)]
    again = Scheduler(make_desk(desk.config, clock, store=TinyTicketStore.at(tmp_path / "tickets.json")), outbox)
    try:
        assert weekly_lines(again.tick()) == [] and outbox.take() == []  # each exactly once, restart or not
    finally:
        again.store.close()


def test_a_failure_mid_catch_up_keeps_the_order(config, file_store, tmp_path):
    clock = FakeClock("2026-12-02T10:00:00+00:00")
    desk, _, _ = setup(config, clock, file_store, tmp_path, reminders=False)
    scheduler = Scheduler(desk, FlakyOutbox(failures=0))
    scheduler.store.remember(scheduler.weekly_key("2026-W45"), "sent")
    original = scheduler.outbox.to_team
    calls = []

    def second_fails(reply, *, key=None, mark=None):
        calls.append(key)
        return Handed.NOT_POSTED if len(calls) == 2 else original(reply, key=key, mark=mark)

    scheduler.outbox.to_team = second_fails
    assert weekly_lines(scheduler.tick()) == ["weekly post 2026-W46"]  # W47 failed: W48 waits behind it
    assert weekly_lines(scheduler.tick()) == ["weekly post 2026-W47", "weekly post 2026-W48"]


def test_after_a_long_stop_only_the_newest_weeks_up_to_the_limit_go_out(config, file_store, tmp_path, caplog):
    clock = FakeClock("2026-12-02T10:00:00+00:00")
    desk, outbox, scheduler = setup(config, clock, file_store, tmp_path, reminders=False, weekly_catch_up=3)
    scheduler.store.remember(scheduler.weekly_key("2026-W40"), "sent")
    with caplog.at_level("WARNING", logger="bot.weekly_post"):
        assert weekly_lines(scheduler.tick()) == ["weekly post 2026-W46", "weekly post 2026-W47",
                                                  "weekly post 2026-W48"]
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert [m.split()[2] for m in skipped] == ["2026-W45", "2026-W44", "2026-W43", "2026-W42", "2026-W41"]
    caplog.clear()
    clock.advance(hours=1)
    assert weekly_lines(scheduler.tick()) == [] and not caplog.records  # skipped ones logged once


def test_weekly_day_and_time_are_configurable(config, file_store, tmp_path):
    clock = FakeClock("2026-11-24T15:29:00+00:00")  # Tuesday 16:29 Berlin
    desk, outbox, scheduler = setup(config, clock, file_store, tmp_path, weekly_day="tuesday",
                                    weekly_time="16:30", reminders=False)
    scheduler.store.remember(scheduler.weekly_key("2026-W46"), True)  # last Tuesday's post: done
    assert scheduler.tick() == []
    clock.advance(minutes=1)
    assert scheduler.tick() == ["weekly post 2026-W47"]
    assert scheduler.weekly_due(clock.now()).isoformat() == "2026-11-24T15:30:00+00:00"


def test_bad_schedule_settings_are_named(config):
    for setting, value in (("weekly_time", "nine"), ("weekly_day", "funday"), ("waiting_nudge_days", 0),
                           ("weekly_catch_up", 0)):
        bad = replace(config, settings={**config.settings, "schedule": {setting: value}})
        with pytest.raises(ConfigError, match=setting):
            Schedule.from_config(bad)


# -- first-response reminders ---------------------------------------------------------------

def test_an_unclaimed_ticket_is_announced_again_once_per_target_window(config, store, tmp_path):
    clock = FakeClock("2026-11-17T10:00:00+00:00")
    desk, outbox, scheduler = setup(config, clock, store, tmp_path, weekly_post=False)
    ticket = open_ticket(desk)
    clock.advance(minutes=59)
    assert scheduler.tick() == []
    clock.advance(minutes=2)  # 61 minutes unclaimed
    assert scheduler.tick() == ["reminded T-1 (window 1)"]
    [(where, reply)] = outbox.take()
    assert where == "team" and reply.kind is Kind.ANNOUNCE and reply.actions == (Action.CLAIM,)
    assert reply.text.startswith("Reminder: T-1 from casey has waited 1 h 1 min with no agent")
    clock.advance(minutes=30)
    assert scheduler.tick() == []  # still the first window
    clock.advance(minutes=30)  # 121 minutes
    assert scheduler.tick() == ["reminded T-1 (window 2)"]
    reminded = [e for e in desk.service.get(ticket.id).events if e.type == "reminded"]
    assert [(e.get("reason"), e.get("window")) for e in reminded] == [("first_response", 1), ("first_response", 2)]
    # Claimed: no more reminders, and the ticket shows as a breach in the metrics (it waited past 60).
    desk.service.claim(MARIA, ticket.id)
    clock.advance(hours=3)
    assert scheduler.tick() == []


def test_reminders_survive_a_restart_and_a_second_process(config, file_store, tmp_path):
    clock = FakeClock("2026-11-17T10:00:00+00:00")
    desk, outbox, first = setup(config, clock, file_store, tmp_path, weekly_post=False)
    open_ticket(desk)
    clock.advance(minutes=61)
    other_store = TinyTicketStore.at(tmp_path / "tickets.json")  # another process on the same file
    try:
        second = Scheduler(make_desk(desk.config, clock, store=other_store), outbox)
        assert first.tick() + second.tick() == ["reminded T-1 (window 1)"]
        assert len(outbox.take()) == 1
    finally:
        other_store.close()


def test_a_released_ticket_counts_its_wait_from_the_release(config, store, tmp_path):
    clock = FakeClock("2026-11-17T10:00:00+00:00")
    desk, outbox, scheduler = setup(config, clock, store, tmp_path, weekly_post=False)
    ticket = open_ticket(desk)
    clock.advance(minutes=10)
    desk.service.claim(MARIA, ticket.id)
    clock.advance(minutes=100)
    desk.service.unclaim(MARIA, ticket.id)
    clock.advance(minutes=59)
    assert scheduler.tick() == []
    clock.advance(minutes=2)
    assert scheduler.tick() == ["reminded T-1 (window 1)"]


def test_each_platform_reminds_only_its_own_tickets(config, store, tmp_path):
    clock = FakeClock("2026-11-17T10:00:00+00:00")
    desk, outbox, _ = setup(config, clock, store, tmp_path, weekly_post=False)
    open_ticket(desk, platform="slack", message="s1")
    open_ticket(desk, platform="console", message="c1")
    clock.advance(minutes=61)
    slack = Scheduler(desk, outbox, platform="slack")
    assert slack.tick() == ["reminded T-1 (window 1)"]


# -- waiting on the customer -----------------------------------------------------------------

def waiting_ticket(desk, clock):
    ticket = open_ticket(desk)
    desk.service.claim(MARIA, ticket.id)
    desk.service.wait(MARIA, ticket.id, "asked for the phone model")
    return ticket


def test_waiting_ticket_is_nudged_then_closed_with_a_note(config, store, tmp_path):
    clock = FakeClock("2026-11-17T10:00:00+00:00")
    desk, outbox, scheduler = setup(config, clock, store, tmp_path, weekly_post=False,
                                    waiting_nudge_days=3, waiting_close_days=4)
    ticket = waiting_ticket(desk, clock)
    clock.advance(days=2, hours=23)
    assert scheduler.tick() == []
    clock.advance(hours=1)
    assert scheduler.tick() == ["nudged T-1"]
    [(where, ticket_id, reply)] = outbox.take()
    assert (where, ticket_id) == ("thread", "T-1") and "closes automatically in 4 day(s)" in reply.text
    clock.advance(days=3, hours=23)
    assert scheduler.tick() == []
    clock.advance(hours=1)
    assert scheduler.tick() == ["closed T-1"]
    [(where, ticket_id, reply)] = outbox.take()
    assert where == "thread" and reply.kind is Kind.CHANGED and "we heard nothing for 7 day(s)" in reply.text
    closed = desk.service.get(ticket.id)
    assert closed.state is State.CLOSED
    assert closed.notes[-1].get("text") == "closed automatically: no answer from the customer for 7 day(s)"
    assert closed.last_event("closed").get("auto") is True
    clock.advance(days=10)
    assert scheduler.tick() == []


def test_a_customer_reply_brings_it_back_and_restarts_the_count(config, store, tmp_path):
    clock = FakeClock("2026-11-17T10:00:00+00:00")
    desk, outbox, scheduler = setup(config, clock, store, tmp_path, weekly_post=False)
    ticket = waiting_ticket(desk, clock)
    clock.advance(days=3)
    assert scheduler.tick() == ["nudged T-1"]
    clock.advance(days=1)
    desk.service.add_message(CUSTOMER, ticket.id, "It's a Pixel 8", message_id="r1")
    assert desk.service.get(ticket.id).state is State.CLAIMED
    clock.advance(days=5)
    assert scheduler.tick() == []  # claimed again: no auto-close
    desk.service.wait(MARIA, ticket.id, "trying a fix, tell us if it works")
    clock.advance(days=2)
    assert scheduler.tick() == []  # the earlier nudge belongs to the earlier wait
    clock.advance(days=1)
    assert scheduler.tick() == ["nudged T-1"]


def test_a_deadline_passed_while_down_is_acted_on_once(config, file_store, tmp_path):
    clock = FakeClock("2026-11-17T10:00:00+00:00")
    desk, outbox, scheduler = setup(config, clock, file_store, tmp_path, weekly_post=False)
    waiting_ticket(desk, clock)
    clock.advance(days=20)  # down for the nudge and the close deadline alike
    assert scheduler.tick() == ["nudged T-1"]  # the customer still gets the full warning period
    assert scheduler.tick() == []
    clock.advance(days=4)
    assert scheduler.tick() == ["closed T-1"]


# -- the loop --------------------------------------------------------------------------------

def overdue(config, store, tmp_path):
    """A scheduler with one ticket 61 minutes unclaimed: the next tick sends one reminder."""
    clock = FakeClock("2026-11-17T10:00:00+00:00")
    desk, outbox, scheduler = setup(config, clock, store, tmp_path, weekly_post=False)
    open_ticket(desk)
    clock.advance(minutes=61)
    return outbox, scheduler


def test_run_forever_ticks_until_stopped(config, store, tmp_path):
    outbox, scheduler = overdue(config, store, tmp_path)

    class StopAfterOne(threading.Event):
        def wait(self, timeout=None):  # no sleeping: the first wait stops the loop
            self.set()
            return True

    scheduler.run_forever(StopAfterOne(), interval=60)
    assert len(outbox.take()) == 1


def test_a_started_scheduler_is_stopped_and_joined(config, store, tmp_path):
    clock = FakeClock("2026-11-17T10:00:00+00:00")
    _, outbox, scheduler = setup(config, clock, store, tmp_path, weekly_post=False)
    running = scheduler.start(interval=3600)
    assert running.thread.is_alive()
    assert running.stop() and not running.thread.is_alive()  # ended before the runner returns


async def test_run_async_ticks_until_stopped(config, store, tmp_path):
    import asyncio

    outbox, scheduler = overdue(config, store, tmp_path)
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run_async(stop, interval=3600))
    while not outbox.posts:
        await asyncio.sleep(0)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert len(outbox.take()) == 1


def test_a_failing_outbox_does_not_stop_the_tick(config, store, tmp_path):
    clock = FakeClock("2026-11-17T10:00:00+00:00")
    desk, _, _ = setup(config, clock, store, tmp_path, weekly_post=False)

    class Broken(FakeOutbox):
        def to_team(self, reply, **keys):
            raise OSError("network down")

    outbox = Broken()
    scheduler = Scheduler(desk, outbox)
    open_ticket(desk, message="a")
    open_ticket(desk, message="b")
    waiting = open_ticket(desk, message="c")
    desk.service.claim(MARIA, waiting.id)
    desk.service.wait(MARIA, waiting.id)
    clock.advance(days=3)
    assert scheduler.tick() == ["nudged T-3"]  # the two reminders failed to post, the nudge went out
    assert [e.type for e in desk.service.get("T-1").events].count("reminded") == 1  # at most once
