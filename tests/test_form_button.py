"""The intake form's "New ticket" message is kept at start: posted once per support channel, found
again after a restart through the store's memo (never a second copy), posted again when it was
deleted. Slack as a real `chatdesk run` process against the fake Web API; Discord through the
bot's on_ready with the recorder and a spec'd fetch_message."""

from __future__ import annotations

import os
import subprocess
import sys

import discord
import pytest

from bot.adapters.discord.forms import keep_buttons_when_ready, keep_form_buttons
from tests.slack_fake_api import BOT_TOKEN, SIGNING_SECRET, fake  # noqa: F401 (fixture)
from tests.test_discord import SUPPORT, World, recorder  # noqa: F401 (fixture)
from tests.test_discord_forms import start as start_discord
from tests.test_slack_e2e import ROOT, free_port, wait_until_up

CONFIG = """\
[slack]
channels = ["CSUPPORT", "CHELP"]
agents = ["UMARIA"]
[intake]
form = true
"""


def run_slack_once(fake, tmp_path) -> None:
    """Start `chatdesk run --platform slack --http`, wait until it is up, stop it."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.url, "CHATDESK_DATA": str(tmp_path / "data"),
           "CHATDESK_SLACK_HOST": "127.0.0.1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "--config", str(tmp_path / "chatdesk.toml"), "run", "--platform",
         "slack", "--http", "--port", str(port)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(process, f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)
    errors = process.stderr.read()
    assert "Traceback" not in errors, errors


def buttons(fake) -> list[tuple[str, str]]:
    return [(c.body["channel"], c.body.get("ts", "")) for c in fake.of("chat.postMessage")
            if "chatdesk:new_ticket" in c.blocks_text()]


def test_slack_posts_the_button_at_start_once_and_again_when_deleted(fake, tmp_path):
    (tmp_path / "chatdesk.toml").write_text(CONFIG, encoding="utf-8")
    run_slack_once(fake, tmp_path)
    assert [channel for channel, _ in buttons(fake)] == ["CSUPPORT", "CHELP"]
    # none stored yet: each channel's latest messages were looked through first, and held none
    assert [c.body["channel"] for c in fake.of("conversations.history")] == ["CSUPPORT", "CHELP"]
    [(_, first), (_, second)] = [(m["ts"], m) for channel in ("CSUPPORT", "CHELP") for m in fake.posted[channel]]

    # Restarted: both messages are still there, so nothing is posted.
    fake.calls.clear()
    run_slack_once(fake, tmp_path)
    looked = [(c.body["channel"], c.body["latest"]) for c in fake.of("conversations.history")]
    assert looked == [("CSUPPORT", fake.posted["CSUPPORT"][0]["ts"]), ("CHELP", fake.posted["CHELP"][0]["ts"])]
    assert buttons(fake) == []

    # Someone deleted the one in CHELP: it comes back there, and only there.
    fake.calls.clear()
    fake.delete("CHELP", fake.posted["CHELP"][0]["ts"])
    run_slack_once(fake, tmp_path)
    assert [channel for channel, _ in buttons(fake)] == ["CHELP"]


def test_slack_finds_a_button_posted_just_before_a_crash_instead_of_posting_another(fake, tmp_path):
    """The message was posted and the process died before its ts was stored: the next start finds
    it among the channel's latest messages and keeps it."""
    (tmp_path / "chatdesk.toml").write_text(CONFIG, encoding="utf-8")
    from bot.adapters.slack.forms import button_blocks
    from slack_sdk import WebClient

    client = WebClient(token=BOT_TOKEN, base_url=fake.url)
    posted = client.chat_postMessage(channel="CSUPPORT", text="New ticket", blocks=button_blocks())["ts"]
    client.chat_postMessage(channel="CSUPPORT", text="a customer's question, after it")
    fake.calls.clear()
    run_slack_once(fake, tmp_path)
    assert [channel for channel, _ in buttons(fake)] == ["CHELP"]  # only where there was none
    fake.calls.clear()
    run_slack_once(fake, tmp_path)  # and it was kept: found again by its ts, nothing posted
    assert buttons(fake) == [] and fake.of("conversations.history")[0].body["latest"] == posted


def test_slack_does_not_post_when_it_cannot_tell_whether_the_button_is_there(fake, tmp_path):
    (tmp_path / "chatdesk.toml").write_text(CONFIG, encoding="utf-8")
    run_slack_once(fake, tmp_path)
    fake.calls.clear()
    fake.fail("conversations.history", status=200, error="missing_scope", times=None)
    run_slack_once(fake, tmp_path)
    assert buttons(fake) == []  # a second copy is worse than a late one; the log says why


def test_slack_without_a_form_posts_no_button(fake, tmp_path):
    (tmp_path / "chatdesk.toml").write_text(CONFIG.replace("form = true", "form = false"), encoding="utf-8")
    run_slack_once(fake, tmp_path)
    assert buttons(fake) == []


# -- Discord ---------------------------------------------------------------------------------

class Channel:
    """Which messages still exist, for ``fetch_message``."""

    def __init__(self, monkeypatch) -> None:
        self.deleted: set[int] = set()
        self.fetched: list[int] = []
        channel = self

        async def fetch_message(messageable, message_id: int):
            channel.fetched.append(message_id)
            if message_id in channel.deleted:
                raise discord.NotFound(type("R", (), {"status": 404, "reason": "Not Found"})(), "Unknown Message")
            return object()

        monkeypatch.setattr(discord.TextChannel, "fetch_message", fetch_message)


async def ready(world: World) -> None:
    """What discord.py does once connected: dispatch on_ready to the listeners, and wait for them."""
    await keep_form_buttons(world.bot)


async def test_discord_keeps_one_button_across_restarts(config, clock, recorder, monkeypatch):
    world = await start_discord(config, clock, recorder, monkeypatch)
    channel = Channel(monkeypatch)
    await ready(world)
    [posted] = world.recorder.in_channel(SUPPORT)
    assert posted.custom_ids == ["chatdesk:new_ticket"]
    message_id = world.bot.desk.service.store.recall(f"intake-form-button:discord:{SUPPORT}")

    # A restart on the same store (the same bot, its memo kept): found again, nothing posted.
    await ready(world)
    assert channel.fetched == [int(message_id)] and len(world.recorder.in_channel(SUPPORT)) == 1

    channel.deleted.add(int(message_id))  # someone deleted it
    await ready(world)
    assert len(world.recorder.in_channel(SUPPORT)) == 2


async def test_discord_posts_nothing_without_a_form(config, clock, recorder, monkeypatch):
    world = await start_discord(config, clock, recorder, monkeypatch, form=False)
    Channel(monkeypatch)
    await ready(world)
    assert world.recorder.in_channel(SUPPORT) == []


async def test_the_runner_keeps_the_buttons_on_every_ready(config, clock, recorder, monkeypatch):
    world = await start_discord(config, clock, recorder, monkeypatch)
    Channel(monkeypatch)
    keep_buttons_when_ready(world.bot)
    [listener] = [f for f in world.bot.extra_events["on_ready"] if "keep_buttons_when_ready" in f.__qualname__]
    await listener()  # connected
    await listener()  # resumed after a reconnect: still one message
    assert [s.custom_ids for s in world.recorder.in_channel(SUPPORT)] == [["chatdesk:new_ticket"]]


async def test_discord_finds_a_button_posted_just_before_a_crash_instead_of_posting_another(
        config, clock, recorder, monkeypatch):
    """The message was posted and the process died before its id was stored: the next start finds
    the bot's own "New ticket" message among the channel's latest and keeps it."""
    from tests.test_discord import load
    from tests.test_discord_catch_up import BOT_USER

    world = await start_discord(config, clock, recorder, monkeypatch)
    Channel(monkeypatch)
    world.bot._connection.user = discord.ClientUser(state=world.state, data=dict(BOT_USER))
    store = world.bot.desk.service.store
    key = f"intake-form-button:discord:{SUPPORT}"

    async def logs_from(channel_id, limit, before=None, after=None, around=None):
        """``GET /channels/{id}/messages``: what the recorder saw sent there, newest first."""
        found = []
        for sent in world.recorder.in_channel(int(channel_id)):
            data = load("message_create.json")
            view = sent.kwargs.get("view")
            data.update(id=str(sent.message_id), channel_id=str(channel_id), content=sent.text or "",
                        author=dict(BOT_USER), components=view.to_components() if view else [])
            data.pop("member", None)
            found.append(data)
        return list(reversed(found))[:limit]

    world.bot._connection.http.logs_from = logs_from
    inner = store.inner  # the store under the desk's once-per-delivery wrapper
    real_put = inner.put

    def dies(name, value):
        if name == key:
            raise KeyboardInterrupt("killed before the button's id was stored")
        return real_put(name, value)

    with monkeypatch.context() as dying:
        dying.setattr(inner, "put", dies)
        with pytest.raises(KeyboardInterrupt):
            await ready(world)
    [posted] = world.recorder.in_channel(SUPPORT)
    assert store.recall(key) is None

    await ready(world)  # the restart
    assert len(world.recorder.in_channel(SUPPORT)) == 1  # found, not posted again
    assert store.recall(key) == str(posted.message_id)
