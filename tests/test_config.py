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


# -- the typed schema: every wrong type, unknown key and out-of-range number is named -------------

@pytest.mark.parametrize(("text", "key", "expected"), [
    ("[console]\nagents = 'maria'", "line 2, console.agents", "expected a list of text values, got 'maria'"),
    ("[slack]\nchannels = 'C0SUPPORT'", "line 2, slack.channels", "expected a list of text values"),
    ("[privacy]\nscrub_patterns = 'tracker'", "line 2, privacy.scrub_patterns", "expected a list of text values"),
    ("first_response_minutes = 1.9", "line 1, first_response_minutes", "expected a whole number above zero"),
    ("first_response_minutes = true", "line 1, first_response_minutes", "got True (true/false)"),
    ("first_response_minutes = 99999999999999999", "line 1, first_response_minutes", "at most 525600"),
    ("[[categories]]\nname = 'billing'\nchecklst = ['a']", "line 3, categories[0].checklst",
     "did you mean 'checklist'?"),
    ("help_site = 'x'", "line 1, help_site", "expected a table, got 'x'"),
    ("kb = 5", "line 1, kb", "expected a table, got 5"),
    ("privacy = 'on'", "line 1, privacy", "expected a table, got 'on'"),
    ("[kb]\nthreshold = 'high'", "line 2, kb.threshold", "expected a number at least 0.0 and at most 1.0"),
    ("[kb]\nthreshold = 1.5", "line 2, kb.threshold", "at most 1.0"),
    ("data_dir = 5", "line 1, data_dir", "expected text (a quoted string), got 5"),
    ("[zulip]\ntoken = 'x'", "line 1, zulip", "is not a known section or top-level setting"),
    ("team = 'A'\ntimezon = 'UTC'", "line 2, timezon", "did you mean 'timezone'?"),
    ("[schedule]\nreminders = 'yes'", "line 2, schedule.reminders", "expected true or false"),
    ("[schedule]\nweekly_day = 'mondy'", "line 2, schedule.weekly_day", "'mondy' is not a weekday"),
    ("[schedule]\nweekly_time = '9 am'", "line 2, schedule.weekly_time", "'9 am' is not a time of day"),
    ("[surveys]\nrate = 2", "line 2, surveys.rate", "at most 1.0"),
    ("[help_site]\nlanguages = []", "line 2, help_site.languages", "not empty"),
])
def test_a_wrong_setting_is_named_with_file_line_key_and_expected_type(tmp_path, text, key, expected):
    path = tmp_path / "chatdesk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    message = caught.value.message
    assert str(path) in message and key in message and expected in message


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    path = tmp_path / "chatdesk.toml"
    path.write_text("data_dir = 5\n[console]\nagents = 'maria'\nchanels = []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    lines = caught.value.message.splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == [
        "line 3, console.agents", "line 4, console.chanels", "line 1, data_dir"]


def test_a_file_that_is_not_utf8_is_named_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "chatdesk.toml"
    path.write_bytes(b"team = \"Caf\xe9\"\n")
    assert main(["--config", str(path), "metrics"]) == 1
    err = capsys.readouterr().err
    assert f"{path} is not UTF-8" in err and "Traceback" not in err


def test_the_cli_reports_a_bad_setting_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "chatdesk.toml"
    path.write_text("first_response_minutes = true\n", encoding="utf-8")
    assert main(["--config", str(path), "export"]) == 1
    err = capsys.readouterr().err
    assert "first_response_minutes" in err and "Traceback" not in err


def test_a_huge_first_response_target_never_reaches_the_scheduler(tmp_path):
    path = tmp_path / "chatdesk.toml"
    path.write_text("first_response_minutes = 10000000000000\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="at most 525600"):
        load_config(path, env={})


@pytest.mark.parametrize(("env", "message"), [
    ({"CHATDESK_FIRST_RESPONSE_MINUTES": "1.9"}, "CHATDESK_FIRST_RESPONSE_MINUTES"),
    ({"CHATDESK_FIRST_RESPONSE_MINUTES": "0"}, "above zero"),
    ({"CHATDESK_TZ": "Mars/Olympus"}, "not a known time zone"),
])
def test_environment_overrides_go_through_the_same_schema(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(ROOT / "chatdesk.toml", env=env)


def test_categories_may_be_written_as_names(tmp_path):
    path = tmp_path / "chatdesk.toml"
    path.write_text("categories = ['billing', {name = 'account', checklist = ['verify']}]\n", encoding="utf-8")
    config = load_config(path, env={})
    assert [(c.name, c.checklist) for c in config.categories] == [("billing", ()), ("account", ("verify",))]


def test_config_check_reports_a_valid_file_and_names_every_problem(tmp_path, capsys):
    assert main(["--config", str(ROOT / "chatdesk.toml"), "config", "check"]) == 0
    out = capsys.readouterr().out
    assert "chatdesk.toml: valid" in out and "platforms: console, slack, discord" in out
    bad = tmp_path / "chatdesk.toml"
    bad.write_text("[console]\nagents = 'maria'\n[zulip]\n", encoding="utf-8")
    assert main(["--config", str(bad), "config", "check"]) == 1
    err = capsys.readouterr().err
    assert "line 2, console.agents" in err and "line 3, zulip" in err and "Traceback" not in err
