"""Platforms and features register themselves: a new one needs no edit of the core."""

from __future__ import annotations

import sys
import types

import pytest

from bot import config_schema, registry
from bot.app import build_desk, scratch_store
from bot.cli.desk import choose_platform
from bot.cli.main import main
from bot.commands import CommandContext, Verb
from bot.commands.features import not_available
from bot.config import demo_config, example_config, load_config
from bot.config_schema import PlatformConfig, section
from bot.domain import Actor
from bot.errors import ConfigError


@pytest.fixture
def scratch_registry(monkeypatch):
    """Registrations made by a test vanish with it."""
    registry.discover()
    monkeypatch.setattr(registry, "_PLATFORMS", dict(registry._PLATFORMS))
    monkeypatch.setattr(registry, "_FEATURES", dict(registry._FEATURES))
    monkeypatch.setattr(config_schema, "_SECTIONS", dict(config_schema._SECTIONS))


@section
class ZulipConfig(PlatformConfig):
    """A made-up platform's table: the common settings and a site of its own."""

    site: str = "https://chat.example.org"


def zulip_runner(config, args) -> int:
    print(f"zulip desk for {config.team} at {config.platform('zulip').site}")
    return 0


def zulip_cli(commands, kb_commands) -> None:
    zulip = commands.add_parser("zulip", help="Zulip set-up")
    zulip.set_defaults(func=lambda args: print("zulip set-up") or 0)


def install_zulip(monkeypatch) -> None:
    module = types.ModuleType("zulip_adapter")
    module.run, module.register = zulip_runner, zulip_cli
    monkeypatch.setitem(sys.modules, "zulip_adapter", module)
    registry.add_platform(registry.Platform(
        name="zulip", summary="a Zulip bot", runner="zulip_adapter:run", section=ZulipConfig,
        example="[zulip]\nchannels = []\n", cli=("zulip_adapter",), detect=("ZULIP_API_KEY",), order=30))


def test_the_built_in_platforms_and_features_are_found_by_discovery():
    assert [p.name for p in registry.platforms()] == ["console", "slack", "discord"]
    assert {f.name for f in registry.features()} >= {"knowledge", "metrics"}
    assert {"console", "slack", "discord", "surveys", "kb"} <= set(config_schema.sections())


def test_an_unknown_table_is_an_error_until_its_platform_registers(tmp_path, monkeypatch, scratch_registry, capsys):
    path = tmp_path / "chatdesk.toml"
    path.write_text("team = 'T'\n[zulip]\nchannels = ['general']\nsite = 'https://z.example'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 2, zulip: is not a known section"):
        load_config(path, env={})
    install_zulip(monkeypatch)
    config = load_config(path, env={"CHATDESK_ZULIP_SITE": "https://other.example"})
    assert config.platform("zulip").channels == ("general",)
    assert config.platform("zulip").site == "https://other.example"  # env overrides come for free
    path.write_text("[zulip]\nsite = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 2, zulip.site: expected text"):
        load_config(path, env={})
    path.write_text("team = 'T'\n", encoding="utf-8")
    assert main(["--config", str(path), "run", "--platform", "zulip"]) == 0
    assert "zulip desk for T at https://chat.example.org" in capsys.readouterr().out
    assert main(["zulip"]) == 0 and "zulip set-up" in capsys.readouterr().out
    assert choose_platform(None, {"ZULIP_API_KEY": "k"}) == "zulip"
    assert "[zulip]" in example_config()


def test_platforms_are_chosen_by_their_credentials_in_order():
    assert choose_platform(None, {}) == "console"
    assert choose_platform(None, {"DISCORD_TOKEN": "x"}) == "discord"
    assert choose_platform(None, {"DISCORD_TOKEN": "x", "SLACK_BOT_TOKEN": "y"}) == "slack"
    assert choose_platform("discord", {"SLACK_BOT_TOKEN": "y"}) == "discord"


def test_a_feature_brings_its_table_cli_and_verb(tmp_path, monkeypatch, scratch_registry):
    @section
    class PagerConfig:
        rotation: tuple[str, ...] = ()

    registry.add_feature(registry.Feature("pager", sections={"pager": PagerConfig},
                                          placeholders=(Verb("page", "page", "page the on-call", not_available("page")),)))
    path = tmp_path / "chatdesk.toml"
    path.write_text("[pager]\nrotation = ['maria']\n", encoding="utf-8")
    assert load_config(path, env={}).validated("pager") == PagerConfig(rotation=("maria",))
    path.write_text("[pager]\nrotaton = ['maria']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'rotation'"):
        load_config(path, env={})
    desk = build_desk(demo_config(), knowledge=False, store=scratch_store())
    assert desk.verbs.get("page") is not None and "page" in desk.verbs.dispatch(
        CommandContext(Actor("console", "maria", "maria", is_agent=True), desk), "/desk page")[0].text
