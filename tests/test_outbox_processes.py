"""The durable outbox through the real process: `chatdesk run --platform slack --http` whose Web API
fails, killed with its replies still owed, started again on the same data once Slack is back; and
`chatdesk status` on what a desk owes, including a post that expired."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.courier import Courier, TryLater
from bot.outbox import FileOutbox, Owed
from tests.slack_fake_api import fake, signed_headers  # noqa: F401 (fixture)
from tests.test_inbox_processes import message, start_desk
from tests.test_slack_e2e import free_port, post

REQUESTS = 6


def owed_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "data" / "outbox" / "slack").glob("*.json"))


def wait_until(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_replies_owed_at_a_sigkill_are_delivered_once_after_the_restart(fake, tmp_path):
    for number in range(REQUESTS):
        fake.users[f"UCUST{number:03d}"] = {"name": f"cust{number}", "profile": {"display_name": f"Customer {number}"}}
    fake.fail("chat.postMessage", status=500, error="internal_error", times=None)  # Slack is down
    port = free_port()
    process = start_desk(fake, tmp_path, port)
    threads = []
    for number in range(REQUESTS):
        body, ts = message(number)
        assert post(f"http://127.0.0.1:{port}/slack/events", body,
                    signed_headers(body, content_type="application/json")) == 200
        threads.append(ts)
    wait_until(lambda: len(owed_files(tmp_path)) == REQUESTS, "every intake reply to be recorded")
    process.kill()  # SIGKILL, with every reply still owed
    process.wait(timeout=10)
    process.stderr.close()
    assert len(owed_files(tmp_path)) == REQUESTS

    fake.recover("chat.postMessage")  # Slack is back
    fake.calls.clear()
    process = start_desk(fake, tmp_path, port)
    try:
        wait_until(lambda: not owed_files(tmp_path), "the owed replies to be delivered")
    finally:
        process.terminate()
        code = process.wait(timeout=30)
        errors = process.stderr.read()
    replied = sorted(c.body.get("thread_ts") for c in fake.of("chat.postMessage"))
    print(f"\nowed at the kill {REQUESTS}, delivered after the restart {len(replied)}")
    assert replied == sorted(threads)  # each exactly once
    assert code == 0, f"the desk exited with {code} on SIGTERM: {errors}"  # not SIGABRT at shutdown
    assert "Traceback" not in errors, errors


def test_status_shows_retrying_and_expired_posts_and_exits_1(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    now = [time.time() - 25 * 3600]
    box = FileOutbox(data / "outbox" / "slack", clock=lambda: now[0])

    class Down:
        def send(self, post):
            raise TryLater("chat.postMessage: internal_error")

    courier = Courier(box, Down(), clock=lambda: now[0])
    courier.owe([Owed("metrics:weekly-post:slack:2026-W48", "slack:CTEAM:-", {"method": "chat.postMessage"})])
    courier.deliver_due()  # a day ago: failed, and then the desk was down for 25 hours
    now[0] += 25 * 3600
    courier.deliver_due()
    courier.owe([Owed("slack:intake:T-7", "slack:CSUPPORT:1.2", {"method": "chat.postMessage"})])
    courier.deliver_due()
    monkeypatch.setenv("CHATDESK_DATA", str(data))
    monkeypatch.chdir(tmp_path)
    assert main(["status"]) == 1  # an expired post needs an operator
    shown = capsys.readouterr().out
    assert "Outbox (slack): 0 pending, 1 retrying, 1 expired, 0 set aside" in shown
    assert "expired   metrics:weekly-post:slack:2026-W48" in shown
    assert "expired after 1 attempt(s); last error: chat.postMessage: internal_error" in shown
    assert "retrying  slack:intake:T-7" in shown and "attempt 1, next at" in shown
    assert "Needs an operator" in shown


def test_status_of_a_desk_that_owes_nothing_exits_0(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    assert main(["status", "--json"]) == 0
    assert '"attention": false' in capsys.readouterr().out


def test_status_reads_the_outbox_table_when_the_tickets_are_in_postgresql(postgres_url, tmp_path, capsys,
                                                                         monkeypatch):
    from bot.pg_outbox import PostgresOutbox

    now = [time.time()]
    box = PostgresOutbox(postgres_url, platform="discord", clock=lambda: now[0])
    try:
        Courier(box, Refusing(), clock=lambda: now[0]).owe([Owed("discord:intake:T-2", "discord:1", {})])
        Courier(box, Refusing(), clock=lambda: now[0]).deliver_due()
    finally:
        box.close()
    monkeypatch.setenv("CHATDESK_STORE_URL", postgres_url)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    assert main(["status"]) == 1
    shown = capsys.readouterr().out
    assert "Outbox (discord): 0 pending, 0 retrying, 0 expired, 1 set aside" in shown
    assert "refused: 403 Missing Access" in shown


class Refusing:
    def send(self, post):
        from bot.courier import Refused

        raise Refused("403 Missing Access")
