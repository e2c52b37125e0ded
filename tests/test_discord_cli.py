"""``chatdesk discord sync|invite`` and ``chatdesk run --platform discord``, without a network:
the login call and the tree sync are the only two HTTP calls, and both are replaced."""

from __future__ import annotations

import base64
from types import SimpleNamespace
from unittest.mock import AsyncMock, MagicMock
from urllib.parse import parse_qs, urlparse

import discord
import pytest

from bot.adapters.discord import messages
from bot.adapters.discord.client import DeskBot
from bot.adapters.discord.runner import build_bot
from bot.adapters.discord.cli import application_id_from_token, sync_tree
from bot.cli.main import main
from bot.config import demo_config
from bot.store import TinyTicketStore

APP_ID = "1312345678901234567"
TOKEN = base64.b64encode(APP_ID.encode()).decode().rstrip("=") + ".GhIjKl.fake-secret-part"
ME = {"id": APP_ID, "username": "chatdesk", "discriminator": "0", "avatar": None, "bot": True}


@pytest.fixture
def no_network(monkeypatch):
    """Logging in and syncing answer locally; the synced commands are echoed back."""
    monkeypatch.setattr(discord.http.HTTPClient, "static_login", AsyncMock(return_value=ME))
    app = MagicMock(spec=discord.AppInfo, id=int(APP_ID), interactions_endpoint_url=None,
                    flags=discord.ApplicationFlags._from_value(0))
    monkeypatch.setattr(discord.Client, "application_info", AsyncMock(return_value=app))
    synced = MagicMock()

    async def sync(tree, *, guild=None):
        synced(guild=guild)
        commands = tree.get_commands(guild=guild)
        # what Discord echoes back, reduced to what the command prints
        return [SimpleNamespace(name=c.name, type=getattr(c, "type", discord.AppCommandType.chat_input))
                for c in commands]

    monkeypatch.setattr(discord.app_commands.CommandTree, "sync", sync)
    return synced


def test_invite_prints_the_url_with_scopes_and_the_needed_permissions(capsys, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.delenv("DISCORD_CLIENT_ID", raising=False)
    assert main(["discord", "invite"]) == 0
    url = urlparse(capsys.readouterr().out.strip())
    query = parse_qs(url.query)
    assert query["client_id"] == [APP_ID]  # read from the token
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert granted.send_messages_in_threads and granted.create_public_threads and granted.manage_threads
    assert granted.embed_links and granted.read_message_history and not granted.administrator
    # exactly these, written out here: more would ask servers for powers the bot never uses
    assert granted == discord.Permissions(
        view_channel=True, send_messages=True, send_messages_in_threads=True, create_public_threads=True,
        manage_threads=True, embed_links=True, attach_files=True, read_message_history=True)


def test_invite_without_an_id_or_token_says_what_to_do(capsys, monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_CLIENT_ID", raising=False)
    assert main(["discord", "invite"]) == 1
    assert "--client-id" in capsys.readouterr().err


def test_application_id_from_token():
    assert application_id_from_token(TOKEN) == APP_ID
    assert application_id_from_token("not a token") is None


def test_sync_to_one_guild(capsys, monkeypatch, no_network):
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    assert main(["discord", "sync", "--guild", "900000000000000100"]) == 0
    [call] = no_network.call_args_list
    assert call.kwargs["guild"].id == 900000000000000100
    out = capsys.readouterr().out
    assert out.strip() == f"synced to server 900000000000000100: /desk, “{messages.DISCORD_MENU_OPEN}”"


def test_sync_globally_and_clear(capsys, monkeypatch, no_network):
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    assert main(["discord", "sync"]) == 0
    assert no_network.call_args.kwargs["guild"] is None
    assert "all servers (global): /desk" in capsys.readouterr().out
    assert main(["discord", "sync", "--clear"]) == 0
    assert "synced to all servers (global): nothing" in capsys.readouterr().out


def test_sync_without_a_token_is_a_polite_error(capsys, monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["discord", "sync"]) == 1
    assert messages.DISCORD_CONFIG_MISSING in capsys.readouterr().err


async def test_sync_tree_copies_the_global_commands_to_the_guild(no_network):
    bot = build_bot(demo_config(), store=TinyTicketStore.memory(), knowledge=False, scheduler=False)
    async with bot:
        await bot.login(TOKEN)
        synced = await sync_tree(bot, guild_id=42)
    assert {c.name for c in synced} == {"desk", messages.DISCORD_MENU_OPEN}


async def test_login_runs_setup_hook_without_syncing_and_starts_the_scheduler(no_network):
    bot = build_bot(demo_config(), store=TinyTicketStore.memory(), knowledge=False)
    async with bot:
        await bot.login(TOKEN)
        assert bot.get_cog("DeskCog") is not None
        assert bot.scheduler_task is not None and not bot.scheduler_task.done()  # waits for READY
        assert no_network.call_count == 0  # never synced on start
    assert bot.scheduler_task.cancelled() or bot.scheduler_task.done()


def test_run_without_a_token_is_a_polite_error(capsys, monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["run", "--platform", "discord"]) == 1
    assert messages.DISCORD_CONFIG_MISSING in capsys.readouterr().err


def test_run_starts_the_bot_with_the_token(capsys, monkeypatch, tmp_path):
    started = {}
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("CHATDESK_DISCORD_CHANNELS", "900000000000000200")
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(DeskBot, "run", lambda self, token, **kw: started.update(token=token, bot=self))
    assert main(["run"]) == 0  # DISCORD_TOKEN alone chooses Discord
    assert started["token"] == TOKEN
    assert started["bot"].desk.config.platform("discord").channels == ("900000000000000200",)
    assert "Discord desk for" in capsys.readouterr().err


@pytest.mark.parametrize("error, expected", [
    (discord.LoginFailure("Improper token has been passed."), "did not accept the bot token"),
    (discord.PrivilegedIntentsRequired(None), "Message Content intent"),
])
def test_run_explains_login_and_intent_failures(capsys, monkeypatch, tmp_path, error, expected):
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path))
    monkeypatch.chdir(tmp_path)

    def fail(self, token, **kw):
        raise error

    monkeypatch.setattr(DeskBot, "run", fail)
    assert main(["run", "--platform", "discord"]) == 1
    assert expected in capsys.readouterr().err
