"""'Open as ticket' in a channel the bot is not in: join a public one, refuse (and say why) otherwise."""

from __future__ import annotations

import pytest

from tests.slack_fake_api import SlackHarness, fake, fixture, slack_config  # noqa: F401 (fixtures)


@pytest.fixture
def slack(slack_config, fake, clock):
    return SlackHarness(slack_config, fake, clock=clock)


def channel_info(fake, **channel):
    fake.answer("conversations.info", {"ok": True, "channel": {"id": "CGENERAL", **channel}})


def test_a_public_channel_the_bot_is_not_in_is_joined_and_the_ticket_opened(slack, fake):
    channel_info(fake, is_member=False, is_private=False)
    slack.interact(fixture("message_action_open_ticket.json"))
    [join] = fake.of("conversations.join")
    assert join.body["channel"] == "CGENERAL"
    assert slack.store.get("T-1") is not None
    assert [c.body["channel"] for c in fake.of("chat.postMessage")][:1] == ["CGENERAL"]


def test_a_channel_the_bot_is_in_is_not_joined_again(slack, fake):
    channel_info(fake, is_member=True, is_private=True)
    slack.interact(fixture("message_action_open_ticket.json"))
    assert fake.of("conversations.join") == []
    assert slack.store.get("T-1") is not None


@pytest.mark.parametrize("answer", [
    {"ok": True, "channel": {"id": "CGENERAL", "is_member": False, "is_private": True}},
    {"ok": True, "channel": {"id": "CGENERAL", "is_member": False, "is_im": True}},
    {"ok": False, "error": "channel_not_found"},
])
def test_a_channel_the_bot_cannot_join_opens_nothing_and_tells_the_agent(slack, fake, answer):
    fake.answer("conversations.info", answer)
    slack.interact(fixture("message_action_open_ticket.json"))
    assert slack.store.tickets() == []
    assert fake.of("conversations.join") == [] and fake.of("chat.postMessage") == []
    [told] = [c.body for c in fake.of("response_url")]
    assert told["response_type"] == "ephemeral" and "No ticket opened" in told["text"]
    assert "Invite the app" in told["text"]


def test_a_failed_join_opens_nothing(slack, fake):
    channel_info(fake, is_member=False, is_private=False)
    fake.fail("conversations.join", status=200, error="is_archived")
    slack.interact(fixture("message_action_open_ticket.json"))
    assert slack.store.tickets() == []


def test_a_customer_pressing_the_shortcut_makes_the_bot_join_nothing(slack, fake):
    payload = fixture("message_action_open_ticket.json")
    payload["user"] = {"id": "UCASEY", "username": "casey", "team_id": "T0TEST", "name": "casey"}
    slack.interact(payload)
    assert fake.of("conversations.info") == [] and fake.of("conversations.join") == []
    assert slack.store.tickets() == []
