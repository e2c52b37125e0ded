"""Macros in the reply and resolve forms: the console verb, the Desk port, Slack through the real
Bolt app and the fake Web API. The form and `/desk reply T-12 :NAME` fill a macro the same way
(one function), an unknown or removed macro answers with the list, and Slack's limits hold with
120 macros (an external select, answered from the list as the agent types)."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest

from bot import messages
from bot.adapters import limits
from bot.domain import State
from bot.replies import Kind
from tests.desk_support import CUSTOMER, MARIA
from tests.slack_fake_api import SlackHarness, fake, fixture, slack_config  # noqa: F401 (fixtures)
from tests.test_slack_acks import wait_until
from tests.test_slack_interactions import thread_posts, view_submission
from tests.test_workflow import desk_for, talk

TS = "1763283600.000100"
MACROS = {"refund": "Hi {customer}, your refund for {ticket} is on its way. {agent}",
          "thanks": "Thanks {customer}, glad it works again!"}
REFUND_FILLED = "Hi Casey Customer, your refund for T-1 is on its way. Maria"


# -- one way to fill a macro: the verb, the reply form and the resolve form ----------------------

def test_reply_with_a_macro_and_more_text_in_the_console(tmp_path):
    desk = desk_for(tmp_path, mode="claim")
    out = talk(desk, "I was charged twice", "/as maria", "/desk reply T-1 :refund Sorry for the wait!",
               "/desk reply T-1 :nope", "/desk reply T-1")
    sent = desk.service.get("T-1").conversation[-1].text
    assert sent.startswith("Hi casey, your refund for T-1 is on its way") and sent.endswith("\n\nSorry for the wait!")
    assert "There is no macro `nope`" in out[3] and ":refund:" in out[3]  # the list
    assert "Say what to send" in out[4]


def test_the_form_path_fills_exactly_as_the_verb(tmp_path):
    desk = desk_for(tmp_path, mode="claim")
    talk(desk, "I was charged twice", "My card was declined")
    maria = replace(MARIA, name="maria")
    [by_verb] = desk.on_command(maria, "reply T-1 :refund")
    [by_form] = desk.send_reply(maria, "T-2", "", macro="refund")
    first, second = desk.service.get("T-1").conversation[-1].text, desk.service.get("T-2").conversation[-1].text
    assert second == first.replace("T-1", "T-2") and by_form.kind is by_verb.kind is Kind.NOTICE
    [unknown] = desk.send_reply(maria, "T-2", "hello", macro="gone")
    assert unknown.kind is Kind.USAGE and "There is no macro `gone`" in unknown.text and unknown.lines
    [refused] = desk.send_reply(replace(CUSTOMER, name="casey"), "T-1", "", macro="refund")
    assert refused.refused and desk.service.get("T-1").conversation[-1].text == first


def test_resolve_with_a_macro_starts_the_resolution_with_it(tmp_path):
    desk = desk_for(tmp_path, mode="claim")
    talk(desk, "I was charged twice")
    maria = replace(MARIA, name="maria")
    [unknown] = desk.resolve(maria, "T-1", "", macro="gone")
    assert unknown.kind is Kind.USAGE and desk.service.get("T-1").state is State.OPEN
    replies = desk.resolve(maria, "T-1", "Refunded on the 3rd", macro="refund")
    ticket = desk.service.get("T-1")
    assert ticket.state is State.RESOLVED
    assert ticket.resolution.startswith("Hi casey, your refund for T-1") and ticket.resolution.endswith(
        "\n\nRefunded on the 3rd")
    assert ticket.resolution in replies[0].text  # the customer reads it in the thread


# -- Slack -----------------------------------------------------------------------------------------

def harness(slack_config, fake, clock, macros=MACROS, **options) -> SlackHarness:
    config = replace(slack_config, sections={**slack_config.sections, "macros": dict(macros)})
    slack = SlackHarness(config, fake, clock=clock, **options)
    slack.event(fixture("event_message.json"))  # T-1, from Casey, in CSUPPORT at TS
    fake.wait_for("chat.postMessage", 1)
    fake.calls.clear()
    return slack


def opened_view(fake) -> dict:
    return fake.of("views.open")[-1].body["view"]


def macro_element(view: dict) -> dict:
    return next(b for b in view["blocks"] if b["block_id"] == "macro")["element"]


def picked(name: str) -> dict:
    return {"macro": {"chatdesk:macro": {"type": "static_select", "selected_option": {
        "text": {"type": "plain_text", "text": f":{name}"}, "value": name}}}}


def test_slack_reply_form_offers_the_macros_and_posts_the_filled_one(slack_config, fake, clock):
    slack = harness(slack_config, fake, clock)
    slack.command("reply T-1", user="UMARIA")
    view = opened_view(fake)
    assert view["callback_id"] == "chatdesk:reply" and json.loads(view["private_metadata"])["ticket"] == "T-1"
    element = macro_element(view)
    assert element["type"] == "static_select" and [o["value"] for o in element["options"]] == ["refund", "thanks"]
    assert next(b for b in view["blocks"] if b["block_id"] == "reply")["optional"]  # a macro alone will do
    fake.calls.clear()
    response = slack.interact(view_submission(view, user="UMARIA", values={
        **picked("refund"), "reply": {"value": {"type": "plain_text_input", "value": "Sorry for the wait!"}}}))
    assert response.status == 200 and response.body == ""
    [post] = thread_posts(fake)
    text = slack.store.get("T-1").conversation[-1].text
    assert text.startswith("Hi Casey") and "your refund for T-1 is on its way" in text
    assert text.endswith("\n\nSorry for the wait!") and "your refund for T-1" in post.body["text"]


def test_slack_a_removed_macro_stays_in_the_modal_under_the_picker_with_the_list(slack_config, fake, clock):
    slack = harness(slack_config, fake, clock)
    slack.command("reply T-1", user="UMARIA")
    view = opened_view(fake)
    fake.calls.clear()
    body = json.loads(slack.interact(view_submission(view, user="UMARIA", values=picked("gone"))).body)
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["macro"]  # under the picker, where the agent chose it
    assert "There is no macro `gone`" in body["errors"]["macro"] and ":refund:" in body["errors"]["macro"]
    assert thread_posts(fake) == [] and len(slack.store.get("T-1").conversation) == 1


def test_slack_resolve_form_offers_macros_and_resolves_with_the_filled_one(slack_config, fake, clock):
    slack = harness(slack_config, fake, clock)
    slack.command("resolve T-1", user="UMARIA")
    view = opened_view(fake)
    assert [b["block_id"] for b in view["blocks"]] == ["resolution", "macro"]
    fake.calls.clear()
    slack.interact(view_submission(view, user="UMARIA", values={
        **picked("thanks"), "resolution": {"value": {"type": "plain_text_input", "value": None}}}))
    ticket = slack.store.get("T-1")
    assert ticket.state is State.RESOLVED and ticket.resolution.startswith("Thanks Casey")
    assert any("Thanks Casey" in p.body["text"] for p in thread_posts(fake))


def test_slack_with_120_macros_the_picker_searches_within_slacks_limits(slack_config, fake, clock):
    many = {f"answer-{n:03d}": f"Answer {n} for {{customer}}: " + "very long text " * 40 for n in range(120)}
    many["refund-" + "x" * 33] = MACROS["refund"]  # a 40-character name
    slack = harness(slack_config, fake, clock, macros=many)
    slack.command("reply T-1", user="UMARIA")
    view = opened_view(fake)
    element = macro_element(view)
    assert element["type"] == "external_select" and "options" not in element  # past 100 options
    assert len(view["blocks"]) <= limits.SLACK_MODAL_BLOCKS
    assert len(view["private_metadata"]) <= limits.SLACK_PRIVATE_METADATA
    suggestion = {"type": "block_suggestion", "user": {"id": "UMARIA", "team_id": "T0TEST"},
                  "team": {"id": "T0TEST"}, "api_app_id": "A0CHATDESK", "token": "legacy-verification-token",
                  "action_id": "chatdesk:macro", "block_id": "macro", "value": "",
                  "view": {"id": "V0REPLY", "callback_id": "chatdesk:reply", "type": "modal"}}
    everything = json.loads(slack.interact(suggestion).body)["options"]
    assert len(everything) == limits.SLACK_SELECT_OPTIONS  # the first 100; typing narrows it
    for option in everything:
        assert len(option["text"]["text"]) <= limits.SLACK_OPTION_TEXT
        assert len(option["description"]["text"]) <= limits.SLACK_OPTION_DESCRIPTION
        assert len(option["value"]) <= limits.SLACK_OPTION_VALUE
    narrowed = json.loads(slack.interact({**suggestion, "value": ":refund"}).body)["options"]
    assert [o["value"] for o in narrowed] == ["refund-" + "x" * 33]
    slack.interact(view_submission(view, user="UMARIA", values={"macro": {"chatdesk:macro": {
        "type": "external_select", "selected_option": narrowed[0]}}}))
    assert slack.store.get("T-1").conversation[-1].text.startswith("Hi Casey")


def test_slack_the_reply_form_is_acknowledged_while_the_desk_still_works(slack_config, fake, clock, monkeypatch):
    slack = harness(slack_config, fake, clock, inline=False)  # Bolt and the pools as in production
    slack.command("reply T-1", user="UMARIA")
    fake.wait_for("views.open", 1)
    view = opened_view(fake)
    release, running = threading.Event(), threading.Event()
    real = slack.desk.send_reply

    def held(*args, **kwargs):
        running.set()
        release.wait(30)  # the core is still working when Slack gets its answer
        return real(*args, **kwargs)

    monkeypatch.setattr(slack.desk, "send_reply", held)
    try:
        response = slack.interact(view_submission(view, user="UMARIA", values=picked("refund")))
        assert running.is_set() and not release.is_set()
        assert response.status == 200 and response.body == ""  # the modal closed; the answer is posted later
    finally:
        release.set()
    wait_until(lambda: slack.store.get("T-1").conversation[-1].text.startswith("Hi Casey"))


def test_slack_without_macros_the_forms_have_no_picker(slack_config, fake, clock):
    slack = harness(slack_config, fake, clock, macros={})
    slack.command("reply T-1", user="UMARIA")
    view = opened_view(fake)
    assert [b["block_id"] for b in view["blocks"]] == ["reply"] and not view["blocks"][0]["optional"]
    slack.interact(view_submission(view, user="UMARIA", values={
        "reply": {"value": {"type": "plain_text_input", "value": "On it!"}}}))
    assert slack.store.get("T-1").conversation[-1].text == "On it!"


def test_slack_a_customer_gets_no_reply_form(slack_config, fake, clock):
    slack = harness(slack_config, fake, clock)
    slack.command("reply T-1", user="UCASEY")
    assert fake.of("views.open") == []
    assert messages.AGENTS_ONLY.format(verb="reply") in fake.of("response_url")[-1].body["text"]
