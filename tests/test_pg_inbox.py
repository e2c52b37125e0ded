"""The inbox in PostgreSQL (the throwaway cluster): one INSERT per request, the five-minute dedupe
across processes, handled rows swept, only this source's rows, and at start each pending row of a
dead process adopted by exactly one of the processes starting; Slack through it via the real Bolt app."""

from __future__ import annotations

import threading
from dataclasses import replace

import psycopg
import pytest

from bot.domain import State
from bot.file_inbox import FileInbox
from bot.inbox import InboxError, Receiver, receiver_for
from bot.pg_inbox import PostgresInbox
from bot.store.postgres import PostgresTicketStore
from tests.seconds import Seconds
from tests.slack_fake_api import SlackHarness, fake, fixture, slack_config  # noqa: F401 (fixtures)
from tests.test_slack_inbox_interactions import FORM, command, press, said


@pytest.fixture
def inboxes(postgres_url):
    opened: list[PostgresInbox] = []

    def make(source: str = "slack", clock=None) -> PostgresInbox:
        inbox = PostgresInbox(postgres_url, source=source, clock=clock or Seconds(1_763_290_000.0))
        opened.append(inbox)
        return inbox

    yield make
    for inbox in opened:
        try:
            inbox.close()
        except psycopg.Error:
            pass


def rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT source, key, handled IS NOT NULL FROM inbox ORDER BY id").fetchall()


def test_recorded_requests_wait_in_order_until_done_and_a_handled_event_leaves_no_row(inboxes, postgres_url):
    inbox = inboxes()
    first = inbox.record({"event": {"ts": "1"}})
    second = inbox.record({"kind": "command", "body": {"text": "queue"}}, key="slack:command:TR1")
    assert [e.payload for e in inbox.pending()] == [{"event": {"ts": "1"}}, {"kind": "command", "body": {"text": "queue"}}]
    assert inbox.take()[1].key == "slack:command:TR1"
    inbox.done(first.id)
    inbox.done(second.id)
    assert inbox.pending() == []
    assert rows(postgres_url) == [("slack", "slack:command:TR1", True)]  # kept for the dedupe window


def test_the_same_key_within_five_minutes_is_recorded_once_whichever_process_sees_it(inboxes, postgres_url):
    clock = Seconds(1_763_290_000.0)
    one, two = inboxes(clock=clock), inboxes(clock=clock)
    entry = one.record({"n": 1}, key="k")
    assert entry is not None and two.record({"n": 1}, key="k") is None
    one.done(entry.id)
    assert two.record({"n": 1}, key="k") is None  # handled, and still inside the window
    clock.now += 301
    again = two.record({"n": 2}, key="k")  # a new request under an old key: taken
    assert again is not None and [e.payload for e in two.pending()] == [{"n": 2}]
    clock.now += 301
    assert two.record({"n": 3}, key="k") is None  # pending rows are never replaced, however old
    assert inboxes(source="discord", clock=clock).record({"n": 1}, key="k") is not None  # another source's key


def test_handled_rows_past_the_window_are_swept(inboxes, postgres_url):
    clock = Seconds(1_763_290_000.0)
    inbox = inboxes(clock=clock)
    for n in range(3):
        inbox.done(inbox.record({"n": n}, key=f"k{n}").id)
    clock.now += 400
    inbox.record({"n": 9}, key="k9")
    assert rows(postgres_url) == [("slack", "k9", False)]


def test_a_live_process_keeps_its_rows_and_a_dead_ones_go_to_one_starting_process(inboxes, postgres_url):
    dead = inboxes()
    recorded = [dead.record({"n": n}, key=f"k{n}").id for n in range(20)]
    alive = inboxes()
    assert alive.take() == []  # their owner is alive (its lock is held): it is handling them
    assert len(alive.pending()) == 20  # but they count in the backlog
    dead.close()  # the process ends (a SIGKILL closes its connection the same way)
    b, c = inboxes(), inboxes()
    taken: dict[str, list[str]] = {}
    start = threading.Barrier(2)

    def starting(name: str, inbox: PostgresInbox) -> None:
        start.wait()
        taken[name] = [e.id for e in inbox.take()]

    threads = [threading.Thread(target=starting, args=(n, i)) for n, i in (("b", b), ("c", c))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken["b"] + taken["c"], key=int) == recorded  # each row to exactly one of them
    assert not set(taken["b"]) & set(taken["c"])
    assert inboxes(source="discord").take() == []  # never another source's rows


def test_an_unreachable_inbox_refuses_with_the_server_named(postgres_cluster):
    from tests.postgres_support import free_port

    with pytest.raises(InboxError, match="127.0.0.1"):
        PostgresInbox(f"postgresql://chatdesk@127.0.0.1:{free_port()}/nowhere", source="slack", connect_timeout=2)


def test_a_read_only_database_makes_the_receiver_not_ready(inboxes, postgres_url):
    from psycopg_pool import ConnectionPool

    inbox = inboxes()
    assert Receiver(inbox).health() is None
    inbox._pool.close()  # the server turns read-only (a standby after a failover, a full disk's guard)
    inbox._pool = ConnectionPool(postgres_url, min_size=1, max_size=1, open=True,
                                 kwargs={"options": "-c default_transaction_read_only=on"})
    assert "read-only" in Receiver(inbox).health()
    with pytest.raises(InboxError, match="cannot record"):
        inbox.record({"n": 1}, key="k")


def test_receiver_for_puts_the_inbox_beside_a_postgresql_store(postgres_url, config, monkeypatch, tmp_path):
    monkeypatch.setenv("CHATDESK_STORE_URL", postgres_url)
    receiver = receiver_for(replace(config, data_dir=tmp_path), source="slack")
    assert isinstance(receiver.inbox, PostgresInbox) and receiver.inbox.source == "slack"
    receiver.inbox.close()
    monkeypatch.delenv("CHATDESK_STORE_URL")
    assert isinstance(receiver_for(replace(config, data_dir=tmp_path), source="slack").inbox, FileInbox)


class Crashing(PostgresInbox):
    """A process that dies after handling and before the mark."""

    def done(self, entry_id: str) -> None:
        pass


def test_slack_requests_through_the_postgresql_inbox_take_effect_once_across_a_crash(slack_config, fake, clock,
                                                                                    postgres_url):
    store = PostgresTicketStore.connect(postgres_url)
    dying = Crashing(postgres_url, source="slack")
    try:
        first = SlackHarness(slack_config, fake, clock=clock, store=store, receiver=Receiver(dying))
        first.event(fixture("event_message.json"))
        assert first.dispatch(command("note T-1 swapped the battery"), content_type=FORM).status == 200
        body = press("chatdesk:claim", "T-1", user="UMARIA")
        assert first.dispatch(body, content_type=FORM).status == 200
        assert first.dispatch(body, content_type=FORM).status == 200  # replayed: acknowledged only
        assert len(dying.pending()) == 3  # handled, never marked
        answered = len(said(fake))
        dying.close()  # the process dies: its connection ends, and its owner lock with it
        fresh = PostgresInbox(postgres_url, source="slack")
        SlackHarness(slack_config, fake, clock=clock, store=store, receiver=Receiver(fresh))  # starts, catches up
        ticket = store.get("T-1")
        assert [e.get("text") for e in ticket.events if e.type == "noted"] == ["swapped the battery"]
        assert [e.type for e in ticket.events].count("claimed") == 1 and ticket.state is State.CLAIMED
        assert len(said(fake)) > answered  # answered again
        assert fresh.pending() == []
        fresh.close()
    finally:
        store.close()
