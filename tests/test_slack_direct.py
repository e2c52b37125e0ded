"""Private intake on Slack: a direct message to the bot opens a ticket the team works from its channel."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.adapters.slack.manifest import manifest
from bot.domain import State
from tests.desk_support import MARIA
from tests.slack_fake_api import SlackHarness, fake, fixture, slack_config  # noqa: F401 (fixtures)

DM = "DCASEY"


@pytest.fixture
def slack(slack_config, fake, clock):
    return SlackHarness(slack_config, fake, clock=clock)


def direct(text: str, ts: str, **extra) -> dict:
    event = dict(fixture("event_direct_message.json"))
    event.update({"text": text, "ts": ts, "event_ts": ts, **extra})
    return event


def test_a_direct_message_opens_a_private_ticket_announced_to_the_team(slack, fake):
    assert slack.event(fixture("event_direct_message.json")).status == 200
    ticket = slack.store.get("T-1")
    assert ticket is not None and ticket.source.channel == DM and ticket.requester.user_id == "UCASEY"
    [answer] = [c for c in fake.of("chat.postMessage") if c.body.get("channel") == DM]
    assert "T-1" in answer.body["text"]
    [announce] = [c for c in fake.of("chat.postMessage") if c.body.get("channel") == "CTEAM"]
    assert "New ticket T-1 from Casey" in announce.body["text"]
    assert not [c for c in fake.of("chat.postMessage") if c.body.get("channel") == "CSUPPORT"]  # private


def test_later_direct_messages_join_the_active_ticket(slack, fake):
    slack.event(fixture("event_direct_message.json"))
    slack.event(direct("it is casey@example.com now, I want casey@example.org", "1763284000.000400"))
    assert slack.store.get("T-2") is None
    assert [m.text for m in slack.store.get("T-1").conversation][-1].startswith("it is casey@example.com")


def test_after_a_resolution_a_direct_message_is_a_new_request(slack, fake):
    slack.event(fixture("event_direct_message.json"))
    agent = replace(MARIA, platform="slack", user_id="UMARIA", name="Maria")
    slack.desk.service.resolve(agent, "T-1", "Changed the email")
    slack.event(direct("The app does not show my tag on the map", "1763284100.000500"))
    assert slack.store.get("T-1").state is State.RESOLVED
    assert slack.store.get("T-2").body == "The app does not show my tag on the map"


def test_the_manifest_subscribes_to_direct_messages():
    data = manifest()
    assert "message.im" in data["settings"]["event_subscriptions"]["bot_events"]
    assert {"im:history", "im:write"} <= set(data["oauth_config"]["scopes"]["bot"])
    assert data["features"]["app_home"]["messages_tab_enabled"] is True
