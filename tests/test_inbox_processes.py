"""The durable inbox through the real process: `chatdesk run --platform slack --http` against the fake
Web API, killed right after its last acknowledgement and started again on the same data; and an
inbox that cannot be written, which answers Slack with an error status and makes /healthz 503."""

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
    event_body,
    fake,  # noqa: F401 (fixture)
    fixture,
    signed_headers,
)
from tests.test_slack_e2e import free_port, post

ROOT = Path(__file__).resolve().parents[1]
EVENTS = 30


def start_desk(fake, tmp_path: Path, port: int) -> subprocess.Popen:
    """The Slack desk over HTTP on ``port``, its data in ``tmp_path/data``; returns once /healthz is 200."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": fake.url, "CHATDESK_DATA": str(tmp_path / "data"), "CHATDESK_SLACK_CHANNELS": "CSUPPORT",
           "CHATDESK_SLACK_AGENTS": "UMARIA", "CHATDESK_SLACK_HOST": "127.0.0.1"}
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


def tickets(tmp_path: Path) -> list:
    store = TinyTicketStore.at(tmp_path / "data" / "tickets.json")
    try:
        return store.tickets()
    finally:
        store.close()


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
