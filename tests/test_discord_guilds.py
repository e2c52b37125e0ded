"""Discord agents by role id, in the configured server(s) only (a second server and a same-named role).

Someone who gives themselves a "support" role in another server the bot is in must get nothing:
no agent powers, no commands, buttons, forms or menus, no tickets from there.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from unittest.mock import AsyncMock

import discord
import pytest

from bot.adapters.discord import DiscordConfig
from bot.adapters.discord import messages as discord_messages
from bot.adapters.discord.components import ResolveModal, SurveyButton, TicketButton
from bot.adapters.discord.people import DeskTree
from bot.adapters.discord.runner import build_bot
from bot.config import load_config
from bot.errors import ConfigError
from bot.store import TinyTicketStore
from tests.test_discord import (AGENT_ROLE, GUILD, SUPPORT, TEAM, World, answers, load, opened, recorder,  # noqa: F401
                                world)

OTHER = 900000000000000900
OTHER_CHANNEL = 900000000000000901
OTHER_ROLE = 900000000000000955  # named "support" (lower case) in the other server


def served_config(config, **discord_settings):
    settings = dict(channels=(str(SUPPORT), str(OTHER_CHANNEL)), agent_role="Support", team_channel=str(TEAM),
                    guild=(str(GUILD),))
    settings.update(discord_settings)
    return replace(config, platforms={**config.platforms, "discord": DiscordConfig(**settings)})


def add_other_server(world: World) -> discord.Guild:
    """A second server the bot is in, where Mallory made herself a role named "support"."""
    data = load("guild.json")
    guild_data = copy.deepcopy(data["guild"])
    guild_data.update(id=str(OTHER), name="Elsewhere", roles=[
        {**guild_data["roles"][0], "id": str(OTHER)},
        {**guild_data["roles"][1], "id": str(OTHER_ROLE), "name": "support"}])
    guild = discord.Guild(data=guild_data, state=world.state)
    world.state._add_guild(guild)
    channel = {**data["channels"][0], "id": str(OTHER_CHANNEL), "guild_id": str(OTHER)}
    guild._add_channel(discord.TextChannel(state=world.state, guild=guild, data=channel))
    mallory = copy.deepcopy(data["members"]["robin"])
    mallory["user"].update(id="900000000000000966", username="mallory", global_name="Mallory")
    mallory["roles"] = [str(OTHER_ROLE)]
    member = discord.Member(data=mallory, guild=guild, state=world.state)
    guild._add_member(member)
    world.members["mallory"] = member
    world.member_data["mallory"] = {**mallory, "guild_id": str(OTHER)}
    return guild


async def two_servers(config, clock, recorder, **settings) -> World:  # noqa: F811
    bot = build_bot(served_config(config, **settings), store=TinyTicketStore.memory(), clock=clock,
                    knowledge=False, scheduler=False)
    bot.desk.survey_policy = lambda ticket: False
    await bot.setup_hook()
    here = World(bot, recorder)
    add_other_server(here)
    return here


def in_other_server(world: World, who: str = "mallory"):
    interaction = world.interaction(who, channel=OTHER_CHANNEL)
    interaction.guild = world.bot.get_guild(OTHER)
    interaction.type = discord.InteractionType.application_command
    return interaction


@pytest.fixture
async def both(config, clock, recorder):  # noqa: F811
    world = await two_servers(config, clock, recorder)
    await world.request()
    world.recorder.sent.clear()
    return world


async def test_a_same_named_role_in_another_server_makes_nobody_an_agent(both):
    directory = both.bot.directory
    assert directory.has_agent_role(both.members["maria"])  # "Support" in the served server, by its id
    assert directory.agent_roles == {GUILD: frozenset({AGENT_ROLE})}
    assert not directory.has_agent_role(both.members["mallory"])
    assert not both.bot.directory.actor(both.members["mallory"]).is_agent


async def test_commands_menus_and_autocomplete_from_another_server_are_refused(both):
    assert isinstance(both.bot.tree, DeskTree)
    refused = in_other_server(both)
    assert await both.bot.tree.interaction_check(refused) is False
    assert answers(refused) == [(True, discord_messages.DISCORD_OTHER_SERVER, {"ephemeral": True})]
    typing = in_other_server(both)
    typing.type = discord.InteractionType.autocomplete
    assert await both.bot.tree.interaction_check(typing) is False and answers(typing) == []
    here = both.interaction("maria")
    here.type = discord.InteractionType.application_command
    assert await both.bot.tree.interaction_check(here) is True

    # Even called directly, past the tree's check, the core sees a customer: T-1 stays unclaimed.
    claim = both.bot.tree.get_command("desk").get_command("claim")
    attempt = in_other_server(both)
    await claim.callback(attempt, ticket="T-1")
    assert both.store.get("T-1").assignee is None
    assert answers(attempt)[0][0] is True  # a private refusal


@pytest.mark.parametrize("item", [TicketButton("claim", "T-1"), SurveyButton("T-1", 5), ResolveModal("T-1")])
async def test_buttons_and_forms_from_another_server_are_refused(both, item):
    refused = in_other_server(both)
    refused.type = discord.InteractionType.component
    assert await item.interaction_check(refused) is False
    assert answers(refused)[0][:2] == (True, discord_messages.DISCORD_OTHER_SERVER)
    assert await item.interaction_check(both.interaction("casey")) is True


async def test_messages_in_another_server_open_no_ticket(both):
    await both.post("mallory", "my tracker won't pair, please help", channel=OTHER_CHANNEL)
    assert [t.id for t in both.store.tickets()] == ["T-1"]


async def test_without_a_guild_setting_two_servers_are_an_error_and_nothing_is_served(config, clock, recorder):  # noqa: F811
    world = await two_servers(config, clock, recorder, guild=())
    with pytest.raises(ConfigError, match=r"The bot is in 2 servers .*set \[discord\] guild"):
        world.bot.directory.resolve(world.bot.guilds)
    assert not world.bot.directory.has_agent_role(world.members["maria"])
    assert await world.bot.tree.interaction_check(world.interaction("maria")) is False

    world.bot.close = AsyncMock()
    await world.cog.on_ready()  # at start: the bot stops and says why
    world.bot.close.assert_awaited_once()
    assert "set [discord] guild" in world.bot.fatal.message


async def test_one_server_needs_no_guild_setting(world):
    assert world.bot.directory.guild_ids == frozenset()
    assert world.bot.directory.has_agent_role(world.members["maria"])


async def test_a_role_name_two_roles_share_is_an_error_and_an_id_is_exact(config, clock, recorder):  # noqa: F811
    world = await two_servers(config, clock, recorder)
    guild = world.bot.get_guild(GUILD)
    twin = {**load("guild.json")["guild"]["roles"][1], "id": "900000000000000557", "name": "SUPPORT"}
    guild._add_role(discord.Role(guild=guild, state=world.state, data=twin))
    with pytest.raises(ConfigError, match=r"agent_role 'Support' names 2 roles in server Homing .*use|set agent_role"):
        world.bot.directory.resolve(world.bot.guilds)
    assert not world.bot.directory.has_agent_role(world.members["maria"])

    world.bot.directory.agent_role = str(AGENT_ROLE)  # the id: no ambiguity
    assert world.bot.directory.has_agent_role(world.members["maria"])
    world.bot.directory.agent_role = str(OTHER_ROLE)  # another server's role id counts nowhere here
    assert not world.bot.directory.has_agent_role(world.members["maria"])
    assert not world.bot.directory.has_agent_role(world.members["mallory"])


@pytest.mark.parametrize(("text", "expected"), [
    ("[discord]\nguild = '900000000000000100'", ("900000000000000100",)),
    ("[discord]\nguild = 900000000000000100", ("900000000000000100",)),
    ("[discord]\nguild = ['900000000000000100', 900000000000000900]", ("900000000000000100", "900000000000000900")),
])
def test_the_guild_setting_takes_one_id_or_a_list(tmp_path, text, expected):
    path = tmp_path / "chatdesk.toml"
    path.write_text(text, encoding="utf-8")
    assert load_config(path, env={}).platform("discord").guild == expected


def test_a_bad_guild_setting_is_named(tmp_path):
    path = tmp_path / "chatdesk.toml"
    path.write_text("[discord]\nguild = 'Homing'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 2, discord.guild: 'Homing' is not a Discord server id"):
        load_config(path, env={})
    path.write_text("[discord]\nchannels = []\n", encoding="utf-8")
    overridden = load_config(path, env={"CHATDESK_DISCORD_GUILD": "900000000000000100, 900000000000000900"})
    assert overridden.platform("discord").guild == ("900000000000000100", "900000000000000900")
    with pytest.raises(ConfigError, match="CHATDESK_DISCORD_GUILD"):
        load_config(path, env={"CHATDESK_DISCORD_GUILD": "Homing"})



def test_run_stops_and_says_why_when_the_servers_are_ambiguous(capsys, monkeypatch, tmp_path):
    from bot.adapters.discord.client import DeskBot
    from bot.cli.main import main

    monkeypatch.setenv("DISCORD_TOKEN", "x.y.z")
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path))
    monkeypatch.chdir(tmp_path)

    def connected_to_two_servers(self, token, **kw):  # what on_ready leaves behind
        self.fatal = ConfigError(discord_messages.DISCORD_GUILD_REQUIRED, count=2, servers="Homing (1), Elsewhere (2)")

    monkeypatch.setattr(DeskBot, "run", connected_to_two_servers)
    assert main(["run", "--platform", "discord"]) == 1
    err = capsys.readouterr().err
    assert "The bot is in 2 servers" in err and "Traceback" not in err
