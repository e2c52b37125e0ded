"""End to end: `chatdesk run --platform slack --http` as a process, its Web API at the fake, driven by
signed HTTP requests; plus the manifest command and the runner's set-up errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot.adapters.slack import blocks as kit
from bot.cli.main import main
from bot.store import TinyTicketStore
from tests.slack_fake_api import (
    BOT_TOKEN,
    SIGNING_SECRET,
    fake,  # noqa: F401 (fixture)
    command_body,
    event_body,
    fixture,
    signed_headers,
)

ROOT = Path(__file__).resolve().parents[1]
TS = "1763283600.000100"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post(url: str, body: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body.encode("utf-8"), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_until_up(process: subprocess.Popen, base: str) -> None:
    """Wait until the desk's /healthz answers 200; fail with its stderr if it stops or takes 30 s."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                out, err = process.communicate()
                pytest.fail(f"the Slack desk did not start: {err}")
            time.sleep(0.1)


@pytest.fixture
def bot_process(fake, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "CHATDESK_DATA": str(tmp_path / "data"),
        "CHATDESK_SLACK_CHANNELS": "CSUPPORT",
        "CHATDESK_SLACK_AGENTS": "UMARIA,SAGENTS",
        "CHATDESK_SLACK_HOST": "127.0.0.1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "run", "--platform", "slack", "--http", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(process, base)
    yield process, base, tmp_path / "data" / "tickets.json"
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_the_slack_desk_runs_over_http_against_the_fake_web_api(bot_process, fake):
    process, base, store_path = bot_process
    events = f"{base}/slack/events"
    body = event_body(fixture("event_message.json"))
    assert post(events, body, signed_headers(body, content_type="application/json")) == 200
    fake.wait_for("chat.postMessage", 1, timeout=15)
    # Slack retries the same event: still one ticket, one intake reply
    assert post(events, body, signed_headers(body, content_type="application/json", retry=1)) == 200
    # an agent claims it with /desk
    command = command_body("claim T-1", user="UMARIA", response_url=fake.response_url)
    assert post(events, command, signed_headers(command, content_type="application/x-www-form-urlencoded")) == 200
    [update] = fake.wait_for("chat.update", 1, timeout=15)
    assert "Claimed by Maria" in update.blocks_text()
    # a forged request is refused
    assert post(events, body, signed_headers(body, content_type="application/json", secret="forged")) == 401

    process.terminate()
    assert process.wait(timeout=10) == 0
    errors = process.stderr.read()
    assert "Traceback" not in errors and "ERROR" not in errors, errors
    intake = [c for c in fake.of("chat.postMessage") if c.body.get("thread_ts") == TS and "opened ticket" in
              c.body["text"]]
    assert len(intake) == 1
    store = TinyTicketStore.at(store_path)
    try:
        [ticket] = store.tickets()
        assert ticket.id == "T-1" and ticket.assignee.user_id == "UMARIA"
    finally:
        store.close()


def test_the_runner_names_the_missing_tokens(tmp_path, monkeypatch, capsys):
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--platform", "slack"]) == 1
    assert "SLACK_BOT_TOKEN and SLACK_APP_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    assert main(["run", "--platform", "slack", "--http"]) == 1
    assert "SLACK_SIGNING_SECRET" in capsys.readouterr().err


def test_a_rejected_bot_token_is_a_clear_error(tmp_path, monkeypatch, capsys, fake):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake.url)
    fake.fail("auth.test", status=200, times=None, error="invalid_auth")
    assert main(["run", "--platform", "slack", "--http", "--port", str(free_port())]) == 1
    assert "Slack did not accept the bot token" in capsys.readouterr().err


def test_socket_mode_starts_the_socket_mode_handler(tmp_path, monkeypatch, fake):
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    started = []
    monkeypatch.setattr(SocketModeHandler, "start", lambda self: started.append(self.app_token))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-test")
    monkeypatch.setenv("SLACK_API_URL", fake.url)
    assert main(["run", "--platform", "slack"]) == 0
    assert started == ["xapp-1-test"]


def test_the_manifest_declares_what_the_listeners_handle(capsys):
    assert main(["slack", "manifest"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    features = data["features"]
    assert features["slash_commands"][0]["command"] == "/desk"
    assert features["slash_commands"][0]["should_escape"] is True
    assert {s["callback_id"] for s in features["shortcuts"]} == {kit.SHORTCUT_OPEN, kit.SHORTCUT_COMMAND}
    assert "Open as ticket" in {s["name"] for s in features["shortcuts"]}
    assert {"chat:write", "commands", "channels:history", "usergroups:read", "users:read"} <= set(
        data["oauth_config"]["scopes"]["bot"])
    assert data["settings"]["event_subscriptions"]["bot_events"] == ["message.channels", "message.groups", "message.im"]
    assert data["settings"]["interactivity"]["is_enabled"] and data["settings"]["socket_mode_enabled"]


def test_the_http_manifest_points_everything_at_the_request_url(capsys):
    url = "https://desk.example.com/slack/events"
    assert main(["slack", "manifest", "--format", "json", "--request-url", url]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["socket_mode_enabled"] is False
    assert data["settings"]["event_subscriptions"]["request_url"] == url
    assert data["settings"]["interactivity"]["request_url"] == url
    assert data["features"]["slash_commands"][0]["url"] == url
