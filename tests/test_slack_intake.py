"""Slack intake through the real Bolt app and a fake Web API: tickets, threads, retries, failures."""

from __future__ import annotations

import json
import logging
import time

import pytest

from bot.domain import State
from tests.slack_fake_api import PairingKnowledge, SlackHarness, fake, fixture, slack_config  # noqa: F401 (fixtures)

TS = "1763283600.000100"


@pytest.fixture
def slack(slack_config, fake, clock):
    return SlackHarness(slack_config, fake, clock=clock)


def intake_post(fake):
    return [c for c in fake.of("chat.postMessage") if c.body.get("channel") == "CSUPPORT"]


def test_a_request_opens_a_ticket_answered_in_its_thread_with_buttons(slack, fake):
    response = slack.event(fixture("event_message.json"))
    assert response.status == 200
    ticket = slack.store.get("T-1")
    assert ticket is not None and ticket.state is State.OPEN
    assert ticket.body == "My tracker will not pair with my phone & the app says <error 12>"  # unescaped
    assert (ticket.requester.user_id, ticket.requester.name, ticket.requester.contact) == (
        "UCASEY", "Casey", "casey@example.com")
    assert ticket.source.link == f"https://homing-support.slack.com/archives/CSUPPORT/p{TS.replace('.', '')}"

    [post] = intake_post(fake)
    assert post.body["thread_ts"] == TS
    assert "T-1" in post.body["text"] and "An agent will be with you" in post.body["text"]
    # nothing was suggested: the customer gets only "Still need help" (nothing agents-only)
    [actions] = [b for b in post.body["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["chatdesk:need_help"]
    # announced to the team channel, with the agents' buttons
    [announce] = [c for c in fake.of("chat.postMessage") if c.body.get("channel") == "CTEAM"]
    assert "New ticket T-1 from Casey" in announce.body["text"]
    actions = next(b for b in announce.body["blocks"] if b["type"] == "actions")
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("chatdesk:claim", "T-1"), ("chatdesk:resolve_modal", "T-1"), ("chatdesk:note_modal", "T-1")]
    assert [e["text"]["text"] for e in actions["elements"]] == ["Claim", "Resolve…", "Add note…"]
    # the intake reply is remembered, so later changes can update it
    ref = slack.desk.thread_link("T-1", "slack")
    assert ref.channel == "CSUPPORT" and ref.get("intake").startswith("1800000000.")  # the ts the fake answered


def test_suggestions_link_to_the_help_site_with_their_confidence(slack_config, fake, clock):
    slack = SlackHarness(slack_config, fake, clock=clock, knowledge=PairingKnowledge())
    slack.event(fixture("event_message.json"))
    [post] = intake_post(fake)
    text = post.blocks_text()
    # the title is escaped, the link is Slack's <url|title>
    assert "<http://help.test/pair-tracker/|Pair your tracker &lt;fast&gt;>" in text
    assert "91% match" in text
    assert slack.store.get("T-1").confident_suggestion


def test_a_greeting_is_not_a_ticket(slack, fake):
    slack.message("hello!")
    slack.message("thanks :)", ts="1763283601.000100")
    assert slack.store.tickets() == []
    assert fake.of("chat.postMessage") == []


def test_a_retried_delivery_never_opens_a_second_ticket(slack, fake):
    event = fixture("event_message.json")
    slack.event(event)
    again = slack.event(event, retry=1)
    third = slack.event(event, retry=2)
    assert again.status == third.status == 200
    assert [t.id for t in slack.store.tickets()] == ["T-1"]
    assert len(intake_post(fake)) == 1


def test_a_retry_after_a_restart_is_still_deduplicated(slack_config, fake, clock, tmp_path):
    from bot.store import TinyTicketStore

    path = tmp_path / "tickets.json"
    first = SlackHarness(slack_config, fake, clock=clock, store=TinyTicketStore.at(path))
    first.event(fixture("event_message.json"))
    first.store.close()
    second = SlackHarness(slack_config, fake, clock=clock, store=TinyTicketStore.at(path))
    second.event(fixture("event_message.json"), retry=1)
    assert [t.id for t in second.store.tickets()] == ["T-1"]
    assert len(intake_post(fake)) == 1


def test_thread_replies_join_the_ticket_and_an_agent_reply_is_the_first_response(slack, fake, clock):
    slack.event(fixture("event_message.json"))
    slack.event(fixture("event_thread_reply.json"))
    clock.advance(minutes=5)
    slack.message("Try resetting it: hold the button for 10 s", user="UMARIA", ts="1763283800.000300", thread_ts=TS)
    ticket = slack.store.get("T-1")
    assert [(m.author, m.from_agent) for m in ticket.conversation] == [
        ("UCASEY", False), ("UCASEY", False), ("UMARIA", True)]
    assert ticket.conversation[1].text == "It is an iPhone 15, app version 4.2"
    assert ticket.first_response_at == ticket.conversation[2].at
    # nothing was posted for the thread replies themselves
    assert len(intake_post(fake)) == 1


def test_a_reply_in_a_thread_that_is_no_ticket_is_ignored(slack, fake):
    slack.message("random chatter in an old thread", ts="1763283700.000200", thread_ts="1763000000.000001")
    assert slack.store.tickets() == []
    assert "users.info" not in fake.methods()


@pytest.mark.parametrize("name", ["event_channel_join.json", "event_bot_message.json"])
def test_joins_and_bot_messages_are_ignored(slack, fake, name):
    slack.event(fixture(name))
    assert slack.store.tickets() == []
    assert fake.of("chat.postMessage") == []


def test_the_bots_own_messages_are_ignored(slack, fake):
    own = fixture("event_message.json")
    own.update(user="UBOT", bot_id="BBOT", text="Thanks Casey, I've opened ticket T-1 and it needs work.")
    slack.event(own)
    assert slack.store.tickets() == []


def test_messages_outside_the_support_channels_and_by_agents_are_not_tickets(slack, fake):
    slack.message("My tracker is broken and will not charge", channel="CRANDOM")
    slack.message("My tracker is broken and will not charge", user="UMARIA", ts="1763283601.000100")
    slack.message("My tracker is broken and will not charge", user="USAM", ts="1763283602.000100")  # via group
    assert slack.store.tickets() == []


def test_edits_and_deletions_of_a_tickets_messages_are_recorded(slack, fake):
    slack.event(fixture("event_message.json"))
    slack.event(fixture("event_thread_reply.json"))
    slack.event(fixture("event_message_changed.json"))
    slack.event(fixture("event_message_deleted.json"))
    ticket = slack.store.get("T-1")
    edited = ticket.last_event("edited")
    assert edited.get("message_id") == TS and edited.get("text") == "My tracker will not pair with my Android phone"
    assert ticket.body == "My tracker will not pair with my Android phone"
    assert ticket.last_event("deleted").get("message_id") == "1763283700.000200"
    # history is kept: the original text is still in the opened event
    assert ticket.events[0].get("text").startswith("My tracker will not pair with my phone")


def test_a_retried_edit_is_recorded_once(slack, fake):
    slack.event(fixture("event_message.json"))
    slack.event(fixture("event_message_changed.json"))
    slack.event(fixture("event_message_changed.json"), retry=1)
    assert [e.type for e in slack.store.get("T-1").events].count("edited") == 1


def test_an_edit_that_changes_no_words_is_not_recorded(slack, fake):
    slack.event(fixture("event_message.json"))
    unfurl = fixture("event_message_changed.json")
    unfurl["message"]["text"] = unfurl["previous_message"]["text"]
    slack.event(unfurl)
    assert slack.store.get("T-1").last_event("edited") is None


def test_a_bad_or_old_signature_is_refused_with_401(slack, fake):
    body = json.dumps({**fixture("event_callback.json"), "event": fixture("event_message.json")})
    assert slack.dispatch(body, content_type="application/json", secret="not-the-secret").status == 401
    old = int(time.time()) - 10 * 60
    assert slack.dispatch(body, content_type="application/json", timestamp=old).status == 401
    assert slack.store.tickets() == []


def test_a_rate_limited_post_is_retried_after_retry_after(slack, fake):
    fake.fail("chat.postMessage", status=429, times=1, retry_after="0")
    slack.event(fixture("event_message.json"))
    posts = intake_post(fake)
    assert len(posts) == 2  # the 429, then the retry
    ref = slack.desk.thread_link("T-1", "slack")
    assert ref.channel == "CSUPPORT" and ref.get("intake")  # the retry was answered, and its ts kept


def test_a_failing_web_api_never_loses_the_ticket(slack, fake, caplog):
    fake.fail("chat.postMessage", status=500, times=None, error="internal_error")
    with caplog.at_level(logging.ERROR, logger="bot.adapters.slack.outbox"):
        response = slack.event(fixture("event_message.json"))
    assert response.status == 200
    assert slack.store.get("T-1") is not None
    assert slack.desk.thread_link("T-1", "slack").get("intake") is None
    assert any("chat.postMessage failed" in r.getMessage() for r in caplog.records)


def test_names_fall_back_to_the_user_id_when_users_info_fails(slack, fake):
    fake.fail("users.info", status=500, times=None, error="fatal_error")
    slack.event(fixture("event_message.json"))
    assert slack.store.get("T-1").requester.name == "UCASEY"


def test_the_event_is_acknowledged_before_the_work_is_done(slack_config, fake, clock):
    slack = SlackHarness(slack_config, fake, clock=clock, inline=False)  # Bolt's real thread pool
    fake.delay("users.info", 1.5)
    started = time.monotonic()
    response = slack.event(fixture("event_message.json"))
    assert response.status == 200
    assert time.monotonic() - started < 1.0, "Slack needs the ack within 3 s; it must not wait for the work"
    fake.wait_for("chat.postMessage", 2, timeout=10)
    assert slack.store.get("T-1") is not None
