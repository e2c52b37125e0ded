"""The durable inbox: files written atomically and removed once handled, the in-memory twin, the
receiver's catch-up and health, and Slack message events recorded before they are acknowledged."""

from __future__ import annotations

import json
import logging

import pytest

from bot.file_inbox import FileInbox
from bot.inbox import InboxError, MemoryInbox, Receiver
from tests.slack_fake_api import SlackHarness, fake, fixture, slack_config  # noqa: F401 (fixtures)

TS = "1763283600.000100"


@pytest.fixture(params=["file", "memory"])
def inbox(request, tmp_path):
    return FileInbox(tmp_path / "inbox") if request.param == "file" else MemoryInbox()


def test_recorded_events_wait_in_order_until_done(inbox):
    first = inbox.record({"event": {"ts": "1"}})
    second = inbox.record({"event": {"ts": "2"}})
    assert [e.payload["event"]["ts"] for e in inbox.pending()] == ["1", "2"]
    inbox.done(first.id)
    assert [e.id for e in inbox.pending()] == [second.id]
    inbox.done(second.id)
    inbox.done(second.id)  # twice is harmless
    assert inbox.pending() == []


def test_a_file_inbox_keeps_one_small_file_per_pending_event_and_no_temporary_files(tmp_path):
    inbox = FileInbox(tmp_path / "inbox")
    entry = inbox.record({"event": {"ts": TS, "text": "ünïcode"}})
    [path] = [p for p in (tmp_path / "inbox").iterdir() if p.name != "owners"]
    assert path.name == f"{entry.id}.json"
    assert [p.name for p in (tmp_path / "inbox" / "owners").iterdir()] == [f"{inbox.owner}.lock"]  # its liveness
    assert json.loads(path.read_text(encoding="utf-8"))["payload"]["event"]["text"] == "ünïcode"
    # a second process (a restart) sees what the first recorded
    assert [e.payload for e in FileInbox(tmp_path / "inbox").pending()] == [entry.payload]


def test_a_corrupt_inbox_file_is_set_aside_and_named(tmp_path, caplog):
    inbox = FileInbox(tmp_path / "inbox")
    good = inbox.record({"event": {"ts": "1"}})
    (tmp_path / "inbox" / "00000000000000000001-bad.json").write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="bot.file_inbox"):
        assert [e.id for e in inbox.pending()] == [good.id]
    assert "00000000000000000001-bad.json" in caplog.text
    assert (tmp_path / "inbox" / "failed" / "00000000000000000001-bad.json").exists()


def test_an_unwritable_inbox_refuses_with_the_path(tmp_path):
    where = tmp_path / "inbox"
    where.write_text("a file where the directory should be")
    inbox = FileInbox(where)
    with pytest.raises(InboxError, match=str(where)):
        inbox.record({"event": {}})
    with pytest.raises(InboxError):
        inbox.check()
    assert "inbox" in Receiver(inbox).health()


def test_the_receiver_forgets_only_what_was_handled_and_sets_aside_what_fails_again():
    inbox = MemoryInbox()
    receiver = Receiver(inbox)
    entry = receiver.accept({"n": 1})

    def broken(entry):
        raise RuntimeError("store is read-only")

    assert receiver.handle(entry, broken) is False
    assert [e.id for e in inbox.pending()] == [entry.id]
    assert "store is read-only" in receiver.health()
    receiver.accept({"n": 2})
    seen = []
    assert receiver.catch_up(lambda e: seen.append(e.payload["n"]) if e.payload["n"] == 2 else broken(e)) == (1, 1)
    assert seen == [2] and inbox.pending() == [] and list(inbox.aside.values())[0].payload == {"n": 1}
    assert receiver.health() is None  # the last handling succeeded


def test_health_reports_a_backlog_of_old_unhandled_events():
    now = [1000.0]
    inbox = MemoryInbox(clock=lambda: now[0])
    receiver = Receiver(inbox, clock=lambda: now[0], backlog_count=2, backlog_seconds=30)
    for n in range(3):
        receiver.accept({"n": n})
    assert receiver.health() is None  # new, not old
    now[0] += 31
    assert receiver.health() == "inbox: 3 events unhandled for more than 30 s (limit 2)"
    inbox.done(inbox.pending()[0].id)
    assert receiver.health() is None


def test_a_slack_message_is_recorded_before_the_ack_and_forgotten_once_it_is_a_ticket(slack_config, fake, clock):
    inbox = MemoryInbox()
    seen = []
    original = inbox.record
    inbox.record = lambda payload, key=None: seen.append(payload["event"]["ts"]) or original(payload, key=key)
    slack = SlackHarness(slack_config, fake, clock=clock, receiver=Receiver(inbox))
    assert slack.message("My tracker will not pair with my phone").status == 200
    assert seen == [TS] and inbox.pending() == []
    assert slack.store.get("T-1").source.message == TS


def test_a_slack_message_the_inbox_cannot_take_gets_503_and_nothing_is_done(slack_config, fake, clock):
    inbox = MemoryInbox()
    inbox.broken = "disk full"
    slack = SlackHarness(slack_config, fake, clock=clock, receiver=Receiver(inbox))
    response = slack.message("My tracker will not pair with my phone")
    assert response.status == 503 and "disk full" in response.body
    assert slack.store.tickets() == [] and fake.of("chat.postMessage") == []
    inbox.broken = None
    assert slack.message("My tracker will not pair with my phone", retry=1).status == 200
    assert [t.id for t in slack.store.tickets()] == ["T-1"]


def test_what_was_recorded_and_not_handled_is_handled_at_start_once(slack_config, fake, clock):
    inbox = MemoryInbox()
    event = fixture("event_message.json")
    inbox.record({"event": event})
    inbox.record({"event": event})  # recorded twice (a retry before the crash): still one ticket
    slack = SlackHarness(slack_config, fake, clock=clock, receiver=Receiver(inbox))
    assert [t.source.message for t in slack.store.tickets()] == [TS]
    assert inbox.pending() == []
    assert len([c for c in fake.of("chat.postMessage") if "opened ticket" in c.body.get("text", "")]) == 1
