"""A scheduler post whose event was stored but whose record was not (the process died in between)
is owed again by the next process, once; and a weekly post accepted just before a crash is
marked sent. Through the real Slack outbox and courier against the fake Web API."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.adapters.slack.outbox import SlackOutbox
from bot.clock import FakeClock
from bot.domain import Actor
from bot.outbox import FileOutbox
from bot.scheduler import Scheduler
from bot.store import TinyTicketStore
from bot.weekly_post import last_sent
from tests.slack_fake_api import BOT_TOKEN, SlackHarness, fake, fixture, slack_config  # noqa: F401 (fixtures)
from tests.seconds import Seconds
from tests.test_outbox_slack import run_for

TS = "1763283600.000100"
MARIA = Actor("slack", "UMARIA", "Maria", is_agent=True)


class Died(RuntimeError):
    """The process was killed at this point."""


@pytest.fixture
def seconds():
    return Seconds()


@pytest.fixture
def desk_of(slack_config, fake, tmp_path, seconds):
    """A new process on the same store and outbox directory, at ``clock``'s time."""
    store = TinyTicketStore(tmp_path / "tickets.json")

    def start(clock: FakeClock) -> SlackHarness:
        return SlackHarness(slack_config, fake, clock=clock, store=store,
                            outbox=FileOutbox(tmp_path / "outbox", clock=seconds), outbox_clock=seconds)

    return start


def scheduler_of(slack: SlackHarness, clock: FakeClock) -> Scheduler:
    client = WebClient(token=BOT_TOKEN, base_url=slack.fake.url, retry_handlers=[])
    return Scheduler(slack.desk, SlackOutbox(slack.desk, client, courier=slack.courier), platform="slack",
                     clock=clock)


def dies_when_posting(monkeypatch, method: str) -> None:
    def killed(*args, **kwargs):
        raise Died("killed between the event and the post's record")

    monkeypatch.setattr(SlackOutbox, method, killed)


def team_posts(fake, text: str) -> list[str]:
    return [c.body["text"] for c in fake.of("chat.postMessage")
            if c.body.get("channel") == "CTEAM" and text in c.body.get("text", "")]


def test_a_reminder_whose_record_was_lost_is_owed_by_the_next_process_once(desk_of, fake, seconds, monkeypatch):
    clock = FakeClock("2026-11-16T09:00:00+00:00")
    first = desk_of(clock)
    first.event(fixture("event_message.json"))  # T-1, unclaimed
    run_for(first, seconds, 5)
    clock.advance(minutes=75)  # past the 60-minute first-response target
    with monkeypatch.context() as dying:
        dies_when_posting(dying, "to_team")
        scheduler_of(first, clock).tick()
    assert [e.get("reason") for e in first.store.get("T-1").events if e.type == "reminded"] == ["first_response"]
    run_for(first, seconds, 5)
    assert team_posts(fake, "Reminder: T-1") == []  # the event is stored; its post was never recorded

    clock.advance(minutes=30)  # the restart, later, before the second target window
    again = desk_of(clock)
    lines = scheduler_of(again, clock).tick()
    run_for(again, seconds, 5)
    [reminder] = team_posts(fake, "Reminder: T-1")
    assert "1 h 15 min" in reminder or "75 min" in reminder, reminder  # as of the event, not of the restart
    assert any(line.startswith("owed again: slack:scheduled:T-1:reminded") for line in lines)

    third = desk_of(clock)  # another restart owes nothing more: the key is held
    assert not [line for line in scheduler_of(third, clock).tick() if line.startswith("owed again")]
    run_for(third, seconds, 5)
    assert len(team_posts(fake, "Reminder: T-1")) == 1


def test_an_auto_close_whose_post_was_lost_is_told_in_the_thread_after_the_restart(desk_of, fake, seconds,
                                                                                   monkeypatch):
    clock = FakeClock("2026-11-16T09:00:00+00:00")
    first = desk_of(clock)
    first.event(fixture("event_message.json"))
    first.desk.service.claim(MARIA, "T-1")
    first.desk.service.wait(MARIA, "T-1", "Which card was it?")
    clock.advance(days=3, minutes=1)
    scheduler_of(first, clock).tick()  # the nudge
    clock.advance(days=4, minutes=1)
    with monkeypatch.context() as dying:
        dies_when_posting(dying, "to_thread")
        scheduler_of(first, clock).tick()  # closed, and killed before its post was recorded
    assert first.store.get("T-1").state.value == "closed"
    run_for(first, seconds, 5)
    fake.calls.clear()

    again = desk_of(clock)
    scheduler_of(again, clock).tick()
    run_for(again, seconds, 5)
    closed = [c.body["text"] for c in fake.of("chat.postMessage")
              if c.body.get("thread_ts") == TS and "is closed" in c.body.get("text", "")]
    assert len(closed) == 1 and "T-1" in closed[0] and "7 day" in closed[0]  # since it began waiting
    nudges = [c for c in fake.of("chat.postMessage") if "still waiting" in c.body.get("text", "")]
    assert nudges == []  # the nudge was recorded (and sent) the first time: not owed again


def test_a_weekly_post_accepted_just_before_a_crash_is_marked_sent(desk_of, fake, seconds, slack_config):
    clock = FakeClock("2026-11-23T09:05:00+00:00")  # a Monday, just after the weekly post's time
    first = desk_of(clock)
    scheduler_of(first, clock).tick()  # the week is owed
    first.courier.store = None  # killed after Slack accepted the post, before the mark was stored
    run_for(first, seconds, 5)
    posted = len(fake.of("chat.postMessage"))
    assert posted >= 1 and last_sent(first.store, "slack", slack_config, now=clock.now()) is None

    again = desk_of(clock)
    lines = scheduler_of(again, clock).tick()
    run_for(again, seconds, 5)
    sent = last_sent(again.store, "slack", slack_config, now=clock.now())
    assert sent is not None and sent["week"] == "2026-W47", lines
    assert len(fake.of("chat.postMessage")) == posted  # marked, not posted again


def test_a_direct_outbox_is_never_asked_to_post_again(slack_config, fake, tmp_path):
    """Without the durable outbox nothing says what was posted: a restart must not repeat reminders."""
    clock = FakeClock("2026-11-16T09:00:00+00:00")
    store = TinyTicketStore(tmp_path / "tickets.json")
    first = SlackHarness(slack_config, fake, clock=clock, store=store)
    first.event(fixture("event_message.json"))
    clock.advance(minutes=75)
    scheduler_of(first, clock).tick()
    assert len(team_posts(fake, "Reminder: T-1")) == 1
    again = SlackHarness(slack_config, fake, clock=clock, store=store)
    scheduler_of(again, clock).tick()
    assert len(team_posts(fake, "Reminder: T-1")) == 1
