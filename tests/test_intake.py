"""Intake: requests open tickets; small talk, agents, bots and redeliveries do not."""

from __future__ import annotations

import pytest

from bot.desk import Inbound
from bot.domain import Actor
from bot.intake import is_small_talk
from tests.desk_support import CUSTOMER, MARIA, make_desk


@pytest.mark.parametrize("text", ["hi", "Hello!", "thanks!", "Thank you so much!!", "ok", "okkk", "👍", "🙏🙏",
                                  "good morning all", "hiii team", "ขอบคุณครับ", "สวัสดีค่ะ", "سلام", "مرسی", "   "])
def test_small_talk(text):
    assert is_small_talk(text)


@pytest.mark.parametrize("text", ["My tracker will not pair with my phone", "help", "How do I cancel?",
                                  "no it still does not work", "แท็กไม่เชื่อมต่อกับโทรศัพท์", "ردیاب وصل نمی‌شود",
                                  "thanks, but the refund never arrived"])
def test_requests(text):
    assert not is_small_talk(text)


def inbound(text, *, actor=CUSTOMER, message_id="m1", thread=None, channel="support", from_bot=False):
    return Inbound(actor=actor, text=text, channel=channel, message_id=message_id, thread=thread, from_bot=from_bot)


def test_a_request_opens_a_ticket_with_intake_reply_and_announcement(config, clock):
    desk = make_desk(config, clock)
    outcome = desk.on_message(inbound("My tracker will not pair"))
    assert outcome.created and outcome.ticket.id == "T-1"
    kinds = [r.kind.value for r in outcome.replies]
    assert kinds == ["intake", "announce"]
    assert "An agent will be with you" in outcome.replies[0].text
    # Nothing was suggested: no "This solved it", only "Still need help", for the customer; the
    # team's announcement carries the agents' buttons.
    assert [a.value for a in outcome.replies[0].actions] == ["need_help"]
    assert [a.value for a in outcome.replies[1].actions] == ["claim", "resolve_modal", "note_modal"]
    assert outcome.ticket.last_event("suggested").get("confident") is False


def test_redelivery_never_opens_a_second_ticket(config, clock):
    desk = make_desk(config, clock)
    desk.on_message(inbound("My tracker will not pair", message_id="1700.01"))
    again = desk.on_message(inbound("My tracker will not pair", message_id="1700.01"))
    assert not again.created and again.replies == [] and "already received" in again.ignored
    assert len(desk.service.store.tickets()) == 1


def test_bots_agents_and_other_channels_open_nothing(config, clock):
    desk = make_desk(config, clock)
    assert desk.on_message(inbound("My tracker will not pair", from_bot=True)).ignored
    assert desk.on_message(inbound("Deploying the fix now", actor=MARIA)).ignored
    assert desk.on_message(inbound("My tracker will not pair", channel="random")).ignored
    assert desk.service.store.tickets() == []


def test_thread_replies_join_and_redelivered_replies_do_not_repeat(config, clock):
    desk = make_desk(config, clock)
    ticket = desk.on_message(inbound("My tracker will not pair", message_id="root")).ticket
    clock.advance(minutes=12)
    desk.on_message(inbound("Which phone do you use?", actor=MARIA, message_id="r1", thread="root"))
    desk.on_message(inbound("A Pixel 8", message_id="r2", thread="root"))
    desk.on_message(inbound("A Pixel 8", message_id="r2", thread="root"))
    ticket = desk.service.get(ticket.id)
    assert [m.text for m in ticket.conversation] == ["My tracker will not pair", "Which phone do you use?",
                                                     "A Pixel 8"]
    assert ticket.first_response_at == "2026-11-16T09:12:00+00:00"  # the agent's first reply


def test_messages_in_unknown_threads_are_ignored(config, clock):
    desk = make_desk(config, clock)
    assert desk.on_message(inbound("side chat", thread="not-a-ticket")).ignored == "not a ticket thread"


def test_customer_reply_brings_a_waiting_ticket_back_to_work(config, clock):
    desk = make_desk(config, clock)
    ticket = desk.on_message(inbound("Battery drains fast", message_id="root")).ticket
    desk.service.claim(MARIA, ticket.id)
    desk.service.wait(MARIA, ticket.id, "asked for firmware version")
    assert desk.service.get(ticket.id).state.value == "waiting"
    desk.on_message(inbound("It's 2.4.1", message_id="r1", thread="root"))
    assert desk.service.get(ticket.id).state.value == "claimed"


def test_still_need_help_flags_the_ticket_for_the_team(config, clock):
    desk = make_desk(config, clock)
    ticket = desk.on_message(inbound("Battery drains fast")).ticket
    replies = desk.on_action(CUSTOMER, "need_help", ticket.id)
    assert [r.kind.value for r in replies] == ["changed", "announce"]
    assert desk.service.get(ticket.id).escalated
    refused = desk.on_action(Actor("console", "robin", "robin"), "need_help", ticket.id)
    assert refused[0].kind.value == "refused"


def test_agents_can_turn_any_message_into_a_ticket_and_customers_cannot(config, clock):
    desk = make_desk(config, clock)
    message = inbound("Deploy broke the map for me too", actor=Actor("console", "robin", "robin"), message_id="x1",
                      channel="random")
    refused = desk.open_ticket(message, opened_by=CUSTOMER)
    assert refused.replies[0].kind.value == "refused" and desk.service.store.tickets() == []
    opened = desk.open_ticket(message, opened_by=MARIA)
    assert opened.created and opened.ticket.requester.user_id == "robin"
    assert opened.ticket.events[0].actor == "maria" and opened.ticket.events[0].get("on_behalf_of") == "robin"
