"""Acknowledgements never wait behind work: a 429 burst, a slow core, real thread pools (not inline)."""

from __future__ import annotations

import json
import time

import pytest

from bot.adapters import limits
from bot.adapters.slack.acks import VIEW_SECONDS
from bot.domain import State
from tests.slack_fake_api import SlackHarness, fake, fixture, slack_config  # noqa: F401 (fixtures)

TS = "1763283600.000100"


@pytest.fixture
def slack(slack_config, fake, clock):
    harness = SlackHarness(slack_config, fake, clock=clock, inline=False)  # Bolt and the pools as in production
    harness.event(fixture("event_message.json"))  # T-1, from Casey, in CSUPPORT at TS
    fake.wait_for("chat.postMessage", 1)
    return harness


def wait_until(check, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_claim_press_is_acknowledged_at_once_during_a_429_burst(slack, fake, capsys):
    fake.fail("chat.postMessage", status=429, times=None, retry_after="1")  # every post: wait 1 s, again
    for n in range(10):  # ten new tickets, each intake post retried after Retry-After, 4 tries
        ts = f"1763283700.{n:06d}"
        assert slack.message(f"Tracker number {n} will not charge", ts=ts, user="UROBIN").status == 200
    fake.wait_for("chat.postMessage", 10)
    started = time.perf_counter()
    response = slack.press("chatdesk:claim", "T-1", user="UMARIA")
    latency = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nClaim press acknowledged in {latency * 1000:.0f} ms during a 429 burst on 10 tickets")
    assert response.status == 200 and latency < limits.SLACK_ACK_SECONDS
    wait_until(lambda: slack.store.get("T-1").state is State.CLAIMED)  # and the claim itself happens
    assert len(slack.store.tickets()) == 11
    settled(fake)


def settled(fake, *, quiet: float = 1.5) -> None:
    """Wait until the fake has had no call for ``quiet`` seconds (the retried posts are done)."""
    def still() -> bool:
        before = len(fake.calls)
        time.sleep(quiet)
        return len(fake.calls) == before

    wait_until(still, timeout=60)


def test_a_slow_modal_submission_closes_the_modal_in_time_and_posts_the_outcome(slack, fake, monkeypatch):
    original = slack.desk.on_command

    def slow(*args, **kwargs):
        time.sleep(VIEW_SECONDS + 1.0)  # a cold '/desk metrics' took 2.8 s
        return original(*args, **kwargs)

    monkeypatch.setattr(slack.desk, "on_command", slow)
    view = {"callback_id": "chatdesk:command", "private_metadata": json.dumps({"channel": "CSUPPORT", "thread": TS})}
    payload = fixture("view_submission_resolve.json")
    payload["user"] = {"id": "UMARIA", "username": "maria", "name": "maria", "team_id": "T0TEST"}
    payload["view"].update(callback_id=view["callback_id"], private_metadata=view["private_metadata"],
                           state={"values": {"command": {"value": {"type": "plain_text_input", "value": "claim"}}}})
    started = time.perf_counter()
    response = slack.interact(payload)
    latency = time.perf_counter() - started
    assert response.status == 200 and response.body == ""  # the modal closed
    assert VIEW_SECONDS - 0.1 <= latency < limits.SLACK_ACK_SECONDS
    wait_until(lambda: slack.store.get("T-1").state is State.CLAIMED)
    fake.wait_for("chat.update", 1)  # the intake shows the claim, posted after the modal closed


def test_a_quick_refusal_still_shows_in_the_modal(slack, fake):
    view = {"callback_id": "chatdesk:command", "private_metadata": json.dumps({"channel": "CSUPPORT", "thread": TS})}
    payload = fixture("view_submission_resolve.json")
    payload["user"] = {"id": "UCASEY", "username": "casey", "name": "casey", "team_id": "T0TEST"}
    payload["view"].update(callback_id=view["callback_id"], private_metadata=view["private_metadata"],
                           state={"values": {"command": {"value": {"type": "plain_text_input", "value": "claim"}}}})
    body = json.loads(slack.interact(payload).body)
    assert body["response_action"] == "errors" and "only agents" in body["errors"]["command"]
