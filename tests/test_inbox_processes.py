"""The durable inbox through the real process: `chatdesk run --platform slack --http` against the fake
Web API, killed right after its last acknowledgement and started again on the same data (message
events; commands, presses and a modal submission); a signed command replayed to two processes
sharing a store; and an inbox that cannot be written, which answers Slack with an error status
and makes /healthz 503."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.store import TinyTicketStore
from tests.slack_fake_api import (
    BOT_TOKEN,
    SIGNING_SECRET,
    command_body,
    event_body,
    fake,  # noqa: F401 (fixture)
    fixture,
    fresh_action_ts,
    fresh_trigger,
    interaction_body,
    signed_headers,
)
from tests.test_slack_e2e import free_port, post

ROOT = Path(__file__).resolve().parents[1]
EVENTS = 30


def start_desk(fake, tmp_path: Path, port: int, *, agents: str = "UMARIA", store_url: str | None = None) -> subprocess.Popen:
    """The Slack desk over HTTP on ``port``, its data in ``tmp_path/data`` (tickets and inbox in
    PostgreSQL at ``store_url`` when given); returns once /healthz is 200."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": fake.url, "CHATDESK_DATA": str(tmp_path / "data"), "CHATDESK_SLACK_CHANNELS": "CSUPPORT",
           "CHATDESK_SLACK_AGENTS": agents, "CHATDESK_SLACK_HOST": "127.0.0.1"}
    env.pop("CHATDESK_STORE_URL", None)
    if store_url:
        env["CHATDESK_STORE_URL"] = store_url
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "run", "--platform", "slack", "--http", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while health(port)[0] != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Slack desk did not start: {process.communicate()[1]}")
        time.sleep(0.1)
    return process


def health(port: int) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def message(number: int) -> tuple[str, str]:
    """A signed-ready event body for customer ``number``'s request, and its ts."""
    ts = f"1763283600.{number:06d}"
    event = fixture("event_message.json")
    event.pop("blocks", None)
    event.update(user=f"UCUST{number:03d}", ts=ts, event_ts=ts,
                 text=f"Order {number} was charged twice and the invoice shows the wrong address")
    return event_body(event, event_id=f"Ev{number:06d}"), ts


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    return process.stderr.read()


def tickets(tmp_path: Path, store_url: str | None = None) -> list:
    if store_url:
        from bot.store.postgres import PostgresTicketStore

        store = PostgresTicketStore.connect(store_url)
    else:
        store = TinyTicketStore.at(tmp_path / "data" / "tickets.json")
    try:
        return store.tickets()
    finally:
        store.close()


def unhandled(tmp_path: Path, store_url: str | None = None) -> int:
    """Requests recorded and not handled: files in the inbox directory, or rows of the inbox table."""
    if store_url:
        import psycopg

        with psycopg.connect(store_url) as conn:
            return conn.execute("SELECT count(*) FROM inbox WHERE handled IS NULL").fetchone()[0]
    return len(list((tmp_path / "data" / "inbox").glob("*.json")))


@pytest.fixture(params=["file", "postgres"])
def store_url(request) -> str | None:
    """Each process test on the embedded store (inbox in files) and on PostgreSQL (inbox table)."""
    return request.getfixturevalue("postgres_url") if request.param == "postgres" else None


def test_every_acknowledged_event_becomes_one_ticket_across_a_sigkill(fake, tmp_path):
    for number in range(EVENTS):
        fake.users[f"UCUST{number:03d}"] = {"name": f"cust{number}", "real_name": f"Customer {number}",
                                            "profile": {"display_name": f"Customer {number}"}}
    fake.delay("users.info", 0.5)  # the work lags behind the acknowledgements, as under load
    port = free_port()
    process = start_desk(fake, tmp_path, port)
    sent: list[str] = []
    for number in range(EVENTS):
        body, ts = message(number)
        assert post(f"http://127.0.0.1:{port}/slack/events", body,
                    signed_headers(body, content_type="application/json")) == 200
        sent.append(ts)
    process.kill()  # SIGKILL right after the last 200
    process.wait(timeout=10)
    process.stderr.close()
    inbox = tmp_path / "data" / "inbox"
    pending = sorted(inbox.glob("*.json"))
    stored_at_kill = len(tickets(tmp_path))
    assert pending, "the kill came after every event was handled: the test proves nothing"

    fake.delay("users.info", 0)
    process = start_desk(fake, tmp_path, port)  # catches up before it answers /healthz
    errors = stop(process)
    stored = tickets(tmp_path)
    print(f"\nacknowledged {len(sent)}, stored {len(stored)} "
          f"({stored_at_kill} before the kill, {len(pending)} events pending in the inbox)")
    assert sorted(t.source.message for t in stored) == sent
    assert len({t.id for t in stored}) == len(sent)
    assert not list(inbox.glob("*.json")) and not (inbox / "failed").exists()
    assert "Traceback" not in errors, errors


def test_an_inbox_that_cannot_be_written_answers_an_error_and_is_not_ready(fake, tmp_path):
    port = free_port()
    process = start_desk(fake, tmp_path, port)
    inbox = tmp_path / "data" / "inbox"
    try:
        # Make the inbox unwritable whoever runs the tests (root ignores a read-only mode): a file
        # where its directory should be.
        shutil.rmtree(inbox)
        inbox.write_text("not a directory")
        body, ts = message(1)
        status = post(f"http://127.0.0.1:{port}/slack/events", body, signed_headers(body, content_type="application/json"))
        assert status == 503
        code, reason = health(port)
        assert code == 503 and "inbox" in reason and str(inbox) in reason
        # Slack retries; once the inbox is writable again the retry is taken and becomes the ticket
        inbox.unlink()
        inbox.mkdir()
        assert health(port)[0] == 200
        assert post(f"http://127.0.0.1:{port}/slack/events", body,
                    signed_headers(body, content_type="application/json", retry=1)) == 200
        fake.wait_for("chat.postMessage", 1, timeout=15)
    finally:
        errors = stop(process)
    assert [t.source.message for t in tickets(tmp_path)] == [ts]
    assert "Traceback" not in errors, errors
    assert json.loads(body)["event"]["ts"] == ts


# -- commands, button presses and a modal submission in flight -------------------------------

FORM = "application/x-www-form-urlencoded"
TICKETS = 12
AGENTS = [f"UAG{number:02d}" for number in range(1, TICKETS + 2)]


class Sender:
    """Signed interactions into the desk on ``port``: what each was, once acknowledged, and each ack's latency."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/slack/events"
        self.sent: list[str] = []
        self.latencies: list[float] = []

    def send(self, body: str, what: str) -> None:
        started = time.perf_counter()
        assert post(self.url, body, signed_headers(body, content_type=FORM)) == 200, what
        self.latencies.append(time.perf_counter() - started)
        self.sent.append(what)

    def note_and_claim(self, numbers: range) -> None:
        """A note command and a Claim press on T-n by agent n."""
        for number in numbers:
            agent = AGENTS[number - 1]
            self.send(command_body(f"note T-{number} checked the cable of {number}", user=agent,
                                   trigger_id=fresh_trigger()), f"note T-{number}")
            payload = fixture("block_actions.json")
            payload["user"] = {"id": agent, "username": agent.lower(), "name": agent.lower(), "team_id": "T0TEST"}
            payload["actions"][0].update(value=f"T-{number}", action_ts=fresh_action_ts())
            payload["trigger_id"] = fresh_trigger()
            self.send(interaction_body(payload), f"claim T-{number}")

    def resolve(self, number: int) -> None:
        """The Resolve modal of T-n submitted by agent n."""
        view = fixture("view_submission_resolve.json")
        view["user"] = {"id": AGENTS[number - 1], "username": "agent", "name": "agent", "team_id": "T0TEST"}
        view["view"].update(private_metadata=json.dumps({"ticket": f"T-{number}", "channel": "CSUPPORT"}),
                            state={"values": {"resolution": {"value": {"type": "plain_text_input",
                                                                       "value": "Replaced the charger"}}}})
        self.send(interaction_body(view), f"resolve T-{number}")


def taken_effect(stored: list) -> list[str]:
    """What the acknowledged requests did to the tickets, one line per change (so twice shows)."""
    done = []
    for ticket in stored:
        done += [f"note {ticket.id}" for e in ticket.events if e.type == "noted"
                 and e.get("text") == f"checked the cable of {ticket.number}"]
        done += [f"claim {ticket.id}" for e in ticket.events if e.type == "claimed"]
        done += [f"resolve {ticket.id}" for e in ticket.events if e.type == "resolved"
                 and e.get("resolution") == "Replaced the charger"]
    return done


def test_every_acknowledged_command_press_and_submission_takes_effect_once_across_a_sigkill(fake, tmp_path,
                                                                                           store_url):
    for number in range(TICKETS + 1):
        fake.users[f"UCUST{number:03d}"] = {"name": f"cust{number}", "profile": {"display_name": f"Customer {number}"}}
    for agent in AGENTS:
        fake.users[agent] = {"name": agent.lower(), "profile": {"display_name": f"Agent {agent[3:]}"}}
    port = free_port()
    process = start_desk(fake, tmp_path, port, agents=",".join(AGENTS), store_url=store_url)
    for number in range(TICKETS + 1):
        body, _ = message(number)
        assert post(f"http://127.0.0.1:{port}/slack/events", body,
                    signed_headers(body, content_type="application/json")) == 200
    deadline = time.monotonic() + 60
    while len(tickets(tmp_path, store_url)) < TICKETS + 1 or unhandled(tmp_path, store_url):
        assert time.monotonic() < deadline, "the tickets were not opened"
        time.sleep(0.1)
    # At the kill, half the requests have changed their ticket and are still posting the answers
    # (the Web API lags, as under a 429 burst), so they are not marked handled: the replay must
    # not change their tickets again. The other half still wait for their agent's name and have
    # changed nothing: the replay must make their change.
    fake.delay("chat.postMessage", 5)
    fake.delay("response_url", 5)
    sender = Sender(port)
    half = TICKETS // 2
    sender.note_and_claim(range(1, half + 1))
    sender.resolve(TICKETS + 1)
    deadline = time.monotonic() + 30
    while len(taken_effect(tickets(tmp_path, store_url))) < len(sender.sent):
        assert time.monotonic() < deadline, "the first half did not take effect"
        time.sleep(0.05)
    fake.delay("users.info", 10)
    sender.note_and_claim(range(half + 1, TICKETS + 1))
    sent, latencies = sender.sent, sender.latencies
    process.kill()  # SIGKILL right after the last 200
    process.wait(timeout=10)
    process.stderr.close()
    pending = unhandled(tmp_path, store_url)
    at_kill = taken_effect(tickets(tmp_path, store_url))
    assert pending, "every request was handled before the kill: the test proves nothing"
    assert 0 < len(at_kill) < len(sent), at_kill  # both cases happened

    fake.delay("users.info", 0)
    fake.delay("chat.postMessage", 0)
    fake.delay("response_url", 0)
    process = start_desk(fake, tmp_path, port, agents=",".join(AGENTS), store_url=store_url)  # catches up, then answers /healthz
    errors = stop(process)
    done = taken_effect(tickets(tmp_path, store_url))
    latencies.sort()
    print(f"\n[{'postgres' if store_url else 'file'}] acknowledged {len(sent)} commands/presses/submissions, took effect {len(done)} "
          f"({len(at_kill)} before the kill, {pending} pending in the inbox); ack p50 "
          f"{latencies[len(latencies) // 2] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    assert sorted(done) == sorted(sent)
    assert unhandled(tmp_path, store_url) == 0
    assert "Traceback" not in errors, errors


def test_a_replayed_signed_command_runs_once_across_two_processes_sharing_a_store(fake, tmp_path, store_url):
    one_port, two_port = free_port(), free_port()
    one = start_desk(fake, tmp_path, one_port, store_url=store_url)
    two = start_desk(fake, tmp_path, two_port, store_url=store_url)
    try:
        body, _ = message(1)
        assert post(f"http://127.0.0.1:{one_port}/slack/events", body,
                    signed_headers(body, content_type="application/json")) == 200
        fake.wait_for("chat.postMessage", 1, timeout=15)
        command = command_body("note T-1 replayed or not", user="UMARIA", trigger_id=fresh_trigger(),
                               response_url=fake.response_url)
        headers = signed_headers(command, content_type=FORM)  # one signed request, sent to both
        assert post(f"http://127.0.0.1:{one_port}/slack/events", command, headers) == 200
        assert post(f"http://127.0.0.1:{two_port}/slack/events", command, headers) == 200
        assert post(f"http://127.0.0.1:{one_port}/slack/events", command, headers) == 200
        fake.wait_for("response_url", 1, timeout=15)
        time.sleep(1.0)  # a second run, were there one, would have answered by now
    finally:
        errors = stop(one) + stop(two)
    [ticket] = tickets(tmp_path, store_url)
    assert [e.get("text") for e in ticket.events if e.type == "noted"] == ["replayed or not"]
    assert len(fake.of("response_url")) == 1
    assert "Traceback" not in errors, errors
