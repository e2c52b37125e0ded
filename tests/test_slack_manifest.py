"""The Slack manifest against Slack's documented field limits (bot/adapters/limits.py)."""

from __future__ import annotations

import json

import pytest

from bot.adapters import limits
from bot.adapters.slack.manifest import check, manifest
from bot.cli.main import main
from bot.errors import ConfigError

URL = "https://desk.example.com/slack/events"


@pytest.mark.parametrize("request_url", [None, URL])
def test_every_field_of_the_manifest_is_within_slacks_limits(request_url):
    data = manifest(request_url=request_url)
    assert check(data) == []
    features = data["features"]
    assert all(len(s["name"]) <= limits.SLACK_SHORTCUT_NAME for s in features["shortcuts"])
    assert len(features["shortcuts"]) <= limits.SLACK_SHORTCUTS
    assert all(len(s["description"]) <= limits.SLACK_SHORTCUT_DESCRIPTION for s in features["shortcuts"])
    assert len(data["display_information"]["name"]) <= limits.SLACK_APP_NAME
    assert len(data["display_information"]["description"]) <= limits.SLACK_APP_DESCRIPTION
    for command in features["slash_commands"]:
        assert len(command["command"]) <= limits.SLACK_SLASH_COMMAND
        assert len(command["description"]) <= limits.SLACK_SLASH_DESCRIPTION
        assert len(command["usage_hint"]) <= limits.SLACK_SLASH_USAGE_HINT


def test_the_check_finds_a_shortcut_name_slack_would_refuse():
    data = manifest()
    data["features"]["shortcuts"][0]["name"] = "Open ticket from this message"  # 29 characters
    assert check(data) == [("features.shortcuts[].name", "Open ticket from this message", 24)]


def test_the_check_finds_too_many_shortcuts():
    data = manifest()
    data["features"]["shortcuts"] = data["features"]["shortcuts"] * 6
    assert [(field, limit) for field, _, limit in check(data)] == [("features.shortcuts", 10)]


def test_a_35_character_name_is_accepted_and_a_36_character_one_is_refused():
    assert manifest(name="n" * 35)["display_information"]["name"] == "n" * 35
    with pytest.raises(ConfigError) as raised:
        manifest(name="n" * 36)
    assert "display_information.name is 36 characters; Slack allows at most 35" in raised.value.message


def test_the_cli_refuses_a_long_name_with_a_clear_error_and_prints_no_manifest(capsys):
    name = "The Extremely Friendly Help Desk Bot"  # 36 characters
    assert main(["slack", "manifest", "--name", name]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "display_information.name is 36 characters; Slack allows at most 35" in err
    assert name in err


def test_the_cli_prints_a_manifest_for_a_name_at_the_limit(capsys):
    name = "The Extremely Friendly Help Desk Bo"  # 35 characters
    assert main(["slack", "manifest", "--format", "json", "--name", name]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["display_information"]["name"] == name and data["features"]["bot_user"]["display_name"] == name
