"""Configuration: the demo team by default, the shipped file, env overrides, clear errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import demo_config, load_config
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_no_file_means_the_demo_team(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.platform("console").agents == ("maria", "sam")
    assert [c.name for c in config.categories] == ["billing", "technical", "installation", "account"]
    assert config.first_response_minutes == 60
    assert config.is_agent("console", "maria") and not config.is_agent("console", "casey")
    assert config.path is None


def test_the_shipped_file_describes_the_same_demo_team():
    shipped = load_config(ROOT / "chatdesk.toml", env={})
    demo = demo_config(root=ROOT)
    assert replace(shipped, path=None, settings={}) == replace(demo, settings={})


def test_environment_overrides(tmp_path):
    config = load_config(ROOT / "chatdesk.toml", env={
        "CHATDESK_DATA": str(tmp_path), "CHATDESK_TZ": "Asia/Bangkok", "CHATDESK_FIRST_RESPONSE_MINUTES": "15",
        "CHATDESK_SLACK_CHANNELS": "C1, C2", "CHATDESK_SLACK_AGENTS": "U1,S9", "CHATDESK_DISCORD_AGENT_ROLE": "Helpers",
    })
    assert config.data_dir == tmp_path and config.timezone == "Asia/Bangkok"
    assert config.first_response_minutes == 15
    assert config.platform("slack").channels == ("C1", "C2") and config.platform("slack").agents == ("U1", "S9")
    assert config.platform("discord").agent_role == "Helpers"


@pytest.mark.parametrize(("text", "message"), [
    ("timezone = 'Mars/Olympus'", "not a known time zone"),
    ("first_response_minutes = -5", "must be a whole number above zero"),
    ("team = 'x'\n[[categories]]\nchecklist = ['a']", "each category needs a name"),
    ("[privacy]\nscrub_patterns = ['(unclosed']", "not a valid regular expression"),
    ("team = ", "not valid TOML"),
])
def test_bad_settings_fail_with_the_setting_named(tmp_path, text, message):
    path = tmp_path / "chatdesk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path, env={})


def test_bad_env_value_is_named(tmp_path):
    with pytest.raises(ConfigError, match="CHATDESK_TZ"):
        load_config(ROOT / "chatdesk.toml", env={"CHATDESK_TZ": "Nowhere/Else"})


def test_init_writes_a_file_that_loads_and_will_not_overwrite(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert load_config(tmp_path / "chatdesk.toml", env={}).team == "Homing Support"
    assert main(["init"]) == 1
    assert "already exists" in capsys.readouterr().err
