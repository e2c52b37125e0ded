"""The Slack desk's posts through the durable outbox: the real Bolt app, the fake Web API, a fake clock.

A Web API that fails for a minute loses no post, and the posts go out afterwards in order (the
intake reply, then the thread notice, then the refresh of the intake message that needs its ts);
a post Slack refuses for good is set aside with Slack's error; interactive answers stay direct.
"""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.outbox import FileOutbox
from tests.seconds import Seconds
from tests.slack_fake_api import (  # noqa: F401 (fixtures)
    PairingKnowledge,
    SlackHarness,
    fake,
    fixture,
    slack_config,
)

TS = "1763283600.000100"


@pytest.fixture
def seconds():
    return Seconds()

@pytest.fixture
def slack(slack_config, fake, tmp_path, seconds):
    outbox = FileOutbox(tmp_path / "outbox", clock=seconds)
    return SlackHarness(slack_config, fake, clock=FakeClock("2026-11-16T09:00:00+00:00"),
                        knowledge=PairingKnowledge(), outbox=outbox, outbox_clock=seconds)

def run_for(slack, seconds, total: float, *, step: float = 1.0) -> None:
    """Let the courier work through ``total`` seconds of the fake clock."""
    end = seconds.now + total
    while seconds.now < end:
        slack.courier.deliver_due()
        seconds.now += step

def test_a_web_api_down_for_a_minute_loses_no_post_and_keeps_their_order(slack, fake, seconds, tmp_path):
    fake.fail("chat.postMessage", status=500, error="internal_error", times=None)
    fake.fail("chat.update", status=500, error="internal_error", times=None)
    assert slack.event(fixture("event_message.json")).status == 200  # T-1: intake reply + announcement
    slack.press("chatdesk:claim", "T-1", user="UMARIA")  # a notice in the thread, then a refresh
    run_for(slack, seconds, 60)
    failed = len(fake.of("chat.postMessage"))
    assert failed >= 2 and slack.store.get("T-1").assignee.user_id == "UMARIA"
    assert len(list((tmp_path / "outbox").glob("*.json"))) == 4  # all still owed, none lost

    fake.recover("chat.postMessage")
    fake.recover("chat.update")
    fake.calls.clear()
    run_for(slack, seconds, 400, step=5)
    posts = [(c.body.get("channel"), c.body.get("thread_ts"), c.body.get("text")) for c in fake.of("chat.postMessage")]
    thread = [text for channel, thread_ts, text in posts if thread_ts == TS]
    assert len(thread) == 2 and "T-1" in thread[0] and "Maria claimed T-1" in thread[1]  # intake first
    assert [channel for channel, thread_ts, _ in posts if thread_ts is None] == ["CTEAM"]
    [update] = fake.of("chat.update")
    intake_ts = slack.desk.thread_link("T-1", "slack").get("intake")
    assert intake_ts and update.body["ts"] == intake_ts  # the refresh found the ts the intake reply got
    assert "Maria" in update.blocks_text()
    assert list((tmp_path / "outbox").glob("*.json")) == []

def test_an_interactive_answer_stays_direct_while_the_web_api_posts_fail(slack, fake, seconds):
    slack.event(fixture("event_message.json"))
    fake.fail("chat.postMessage", status=500, error="internal_error", times=None)
    fake.calls.clear()
    slack.press("chatdesk:claim", "T-1", user="UCASEY")  # refused: only Casey sees why, at once
    assert [c.method for c in fake.calls] == ["response_url"]

def test_a_post_slack_refuses_for_good_is_set_aside_with_the_reason(slack, fake, seconds, tmp_path):
    fake.fail("chat.postMessage", status=200, error="channel_not_found", times=1)
    slack.event(fixture("event_message.json"))
    run_for(slack, seconds, 5)
    [aside] = slack.courier.outbox.given_up()
    assert aside.key == "slack:intake:T-1" and aside.given_up == "refused: chat.postMessage: channel_not_found"
    assert len([c for c in fake.of("chat.postMessage") if c.body.get("thread_ts") == TS]) == 1  # tried once
    assert [c.body["channel"] for c in fake.of("chat.postMessage") if "thread_ts" not in c.body] == ["CTEAM"]

def test_a_rate_limited_post_waits_for_retry_after(slack, fake, seconds):
    fake.fail("chat.postMessage", status=429, retry_after="30", times=1)
    slack.event(fixture("event_message.json"))
    run_for(slack, seconds, 29)
    assert len(fake.of("chat.postMessage")) == 1  # the 429 only: nothing else tried before 30 s
    run_for(slack, seconds, 5)
    assert len(fake.of("chat.postMessage")) == 3

def test_a_redelivered_event_owes_its_intake_reply_once(slack, fake, seconds):
    slack.event(fixture("event_message.json"))
    slack.event(fixture("event_message.json"), retry=1)
    run_for(slack, seconds, 5)
    assert len([c for c in fake.of("chat.postMessage") if c.body.get("thread_ts") == TS]) == 1


def test_a_crash_between_the_ticket_and_its_recorded_reply_is_mended_by_the_inbox_replay(
        slack_config, fake, tmp_path, seconds, monkeypatch):
    from bot.adapters.slack.outbox import SlackOutbox
    from bot.inbox import MemoryInbox, Receiver
    from bot.store import TinyTicketStore

    store, inbox, outbox = TinyTicketStore.memory(), MemoryInbox(), FileOutbox(tmp_path / "outbox", clock=seconds)
    real = SlackOutbox.post_intake

    def dies(self, *args, **kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(SlackOutbox, "post_intake", dies)
    first = SlackHarness(slack_config, fake, clock=FakeClock("2026-11-16T09:00:00+00:00"), store=store,
                         knowledge=PairingKnowledge(), receiver=Receiver(inbox), outbox=outbox, outbox_clock=seconds)
    assert first.event(fixture("event_message.json")).status == 200
    assert store.get("T-1") is not None and len(inbox.pending()) == 1  # stored, but no reply recorded
    monkeypatch.setattr(SlackOutbox, "post_intake", real)
    restarted = SlackHarness(slack_config, fake, clock=FakeClock("2026-11-16T09:01:00+00:00"), store=store,
                             knowledge=PairingKnowledge(), receiver=Receiver(inbox), outbox=outbox,
                             outbox_clock=seconds)  # its start handles what the inbox still holds
    run_for(restarted, seconds, 5)
    intake = [c for c in fake.of("chat.postMessage") if c.body.get("thread_ts") == TS]
    assert len(intake) == 1 and "T-1" in intake[0].body["text"]
    assert inbox.pending() == [] and restarted.desk.thread_link("T-1", "slack").get("intake")
    restarted.event(fixture("event_message.json"), retry=1)  # Slack's own retry owes nothing more
    run_for(restarted, seconds, 5)
    assert len([c for c in fake.of("chat.postMessage") if c.body.get("thread_ts") == TS]) == 1
    assert len(announcements(fake, "T-1")) == 1


def announcements(fake, ticket_id: str) -> list[str]:
    return [c.body["text"] for c in fake.of("chat.postMessage")
            if c.body.get("channel") == "CTEAM" and f"New ticket {ticket_id}" in c.body.get("text", "")]


def test_a_crash_between_the_intake_reply_and_the_announcement_owes_the_announcement_once(
        slack_config, fake, tmp_path, seconds, monkeypatch):
    from bot.adapters.slack.outbox import SlackOutbox
    from bot.inbox import MemoryInbox, Receiver
    from bot.store import TinyTicketStore

    store, inbox = TinyTicketStore.memory(), MemoryInbox()

    def process(clock: str) -> SlackHarness:
        return SlackHarness(slack_config, fake, clock=FakeClock(clock), store=store, knowledge=PairingKnowledge(),
                            receiver=Receiver(inbox), outbox=FileOutbox(tmp_path / "outbox", clock=seconds),
                            outbox_clock=seconds)

    def dies(self, *args, **kwargs):
        raise RuntimeError("the process died here")

    with monkeypatch.context() as dying:
        dying.setattr(SlackOutbox, "to_team", dies)
        first = process("2026-11-16T09:00:00+00:00")
        assert first.event(fixture("event_message.json")).status == 200
    assert len(inbox.pending()) == 1  # the intake reply is recorded, the announcement is not
    restarted = process("2026-11-16T09:01:00+00:00")
    run_for(restarted, seconds, 5)
    assert len(announcements(fake, "T-1")) == 1
    assert len([c for c in fake.of("chat.postMessage") if c.body.get("thread_ts") == TS]) == 1
    again = process("2026-11-16T09:02:00+00:00")  # a second replay or retry owes nothing more
    again.event(fixture("event_message.json"), retry=1)
    run_for(again, seconds, 5)
    assert len(announcements(fake, "T-1")) == 1


def test_a_press_handled_again_after_a_crash_owes_its_posts_once(slack_config, fake, tmp_path, seconds):
    """The process handled a "Still need help" press (the team was told) and died before the inbox
    heard: the next start handles the press again, and owes none of its posts a second time."""
    from bot.inbox import MemoryInbox, Receiver
    from bot.store import TinyTicketStore
    from tests.test_slack_inbox_interactions import press

    class Crashing(MemoryInbox):
        dying = False

        def done(self, entry_id: str) -> None:
            if not self.dying:  # once dying, the process 'dies' before each mark lands
                super().done(entry_id)

    store, inbox, clock = TinyTicketStore.memory(), Crashing(), FakeClock("2026-11-16T09:00:00+00:00")

    def process():
        return SlackHarness(slack_config, fake, clock=clock, knowledge=PairingKnowledge(), store=store,
                            outbox=FileOutbox(tmp_path / "outbox", clock=seconds), outbox_clock=seconds,
                            receiver=Receiver(inbox, clock=seconds))

    first = process()
    first.event(fixture("event_message.json"))
    run_for(first, seconds, 5)
    fake.calls.clear()
    inbox.dying = True
    assert first.dispatch(press("chatdesk:need_help", "T-1", user="UCASEY"),
                          content_type="application/x-www-form-urlencoded").status == 200
    run_for(first, seconds, 5)
    posted = [c.body for c in fake.of("chat.postMessage")]
    assert posted and len(inbox.pending()) == 1  # told the team; the press is still unmarked

    inbox.dying = False  # the next process marks what it handles
    again = process()  # handles the press again as it starts
    run_for(again, seconds, 5)
    assert inbox.pending() == []
    assert [c.body for c in fake.of("chat.postMessage")] == posted  # nothing posted a second time


def test_a_post_whose_answer_was_lost_is_found_in_its_thread_and_not_posted_again(slack, fake, seconds):
    fake.lose_answers("chat.postMessage")  # the intake reply is made, and Slack answers 500
    slack.event(fixture("event_message.json"))
    run_for(slack, seconds, 30)
    intake = [c for c in fake.of("chat.postMessage") if c.body.get("thread_ts") == TS]
    assert len(intake) == 1  # looked for (conversations.replies) and found: not sent again
    [looked] = fake.of("conversations.replies")
    assert looked.body["ts"] == TS and str(looked.body["include_all_metadata"]).lower() in ("1", "true")
    assert slack.desk.thread_link("T-1", "slack").get("intake") == fake.posted["CSUPPORT"][0]["ts"]
    assert len([c for c in fake.of("chat.postMessage") if c.body.get("channel") == "CTEAM"]) == 1
    assert slack.courier.outbox.pending() == []


def test_a_post_that_failed_before_slack_made_it_is_sent_after_looking(slack, fake, seconds):
    fake.fail("chat.postMessage", status=500, error="internal_error", times=1)  # nothing was made
    slack.event(fixture("event_message.json"))
    run_for(slack, seconds, 30)
    made = fake.posted["CSUPPORT"]
    assert len(made) == 1 and made[0]["thread_ts"] == TS
    assert len(fake.of("conversations.replies")) == 1  # looked once, found nothing, sent


def test_a_process_killed_after_slack_took_a_post_does_not_post_it_again(slack_config, fake, tmp_path, seconds,
                                                                         monkeypatch):
    """Slack made the message; the process died before the outbox heard (its record stays,
    marked as begun): the next process finds the message by its tag instead of posting it twice."""
    from bot.outbox import FileOutbox as Files

    def process(clock: str) -> SlackHarness:
        return SlackHarness(slack_config, fake, clock=FakeClock(clock), knowledge=PairingKnowledge(),
                            outbox=Files(tmp_path / "outbox", clock=seconds), outbox_clock=seconds)

    first = process("2026-11-16T09:00:00+00:00")
    first.event(fixture("event_message.json"))

    def died(self, post):
        raise KeyboardInterrupt("killed after Slack's answer, before the record was removed")

    with monkeypatch.context() as dying:
        dying.setattr(Files, "delivered", died)
        with pytest.raises(KeyboardInterrupt):
            first.courier.deliver_due()
    assert len(fake.posted["CSUPPORT"]) == 1
    [left] = [p for p in first.courier.outbox.pending() if p.key == "slack:intake:T-1"]
    assert left.uncertain

    again = SlackHarness(slack_config, fake, clock=FakeClock("2026-11-16T09:01:00+00:00"),
                         knowledge=PairingKnowledge(), store=first.store,
                         outbox=Files(tmp_path / "outbox", clock=seconds), outbox_clock=seconds)
    run_for(again, seconds, 10)
    assert len(fake.posted["CSUPPORT"]) == 1  # the intake reply once
    assert len(fake.posted["CTEAM"]) == 1  # and the announcement, which had not been sent, once
    assert again.courier.outbox.pending() == []
