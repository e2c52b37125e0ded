"""The intake form on Slack: the New ticket button, its modal, and the ticket its submission opens."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import pytest

from bot.adapters.slack import cli
from bot.domain import State
from bot.intake_form import IntakeField, IntakeSection
from tests.slack_fake_api import BOT_TOKEN, SlackHarness, fake, fixture, slack_config  # noqa: F401 (fixtures)

FORM = IntakeSection(form=True, fields=(
    IntakeField(name="order", label="Order number"),
    IntakeField(name="topic", label="What is it about?", required=True, options=("billing", "technical"),
                category=True),
))


@pytest.fixture
def form_config(slack_config):
    return replace(slack_config, sections={**slack_config.sections, "intake": FORM})


@pytest.fixture
def slack(form_config, fake, clock):
    return SlackHarness(form_config, fake, clock=clock)


def submission(**values) -> dict:
    payload = fixture("view_submission_intake_form.json")
    state = payload["view"]["state"]["values"]
    for name, value in values.items():
        kind = state[f"field:{name}"]["value"]["type"]
        state[f"field:{name}"]["value"] = ({"type": kind, "selected_option": None} if value is None and
                                          kind == "static_select" else {"type": kind, "value": value})
    return payload


def test_the_button_opens_a_modal_with_the_forms_fields(slack, fake):
    assert slack.interact(fixture("block_actions_new_ticket.json")).status == 200
    [opened] = fake.of("views.open")
    view = opened.body["view"] if isinstance(opened.body["view"], dict) else json.loads(opened.body["view"])
    assert view["callback_id"] == "chatdesk:intake_form" and json.loads(view["private_metadata"]) == {
        "channel": "CSUPPORT"}
    request, order, topic = view["blocks"]
    assert request["label"]["text"] == "What do you need help with?" and request["optional"] is False
    assert request["element"]["type"] == "plain_text_input" and request["element"]["multiline"] is True
    assert order["label"]["text"] == "Order number" and order["optional"] is True
    assert topic["element"]["type"] == "static_select" and topic["optional"] is False
    assert [o["value"] for o in topic["element"]["options"]] == ["billing", "technical"]


def test_the_submission_opens_the_ticket_in_a_thread_of_its_own(slack, fake):
    response = slack.interact(fixture("view_submission_intake_form.json"))
    assert response.status == 200 and response.body == ""  # the modal closes
    ticket = slack.store.get("T-1")
    assert ticket.requester.user_id == "UCASEY" and ticket.body == "I was charged twice for November"
    assert ticket.events[0].get("fields") == {"order": "A-123", "topic": "billing"}
    assert ticket.category == "billing"
    posts = fake.of("chat.postMessage")
    request = posts[0]  # a new top-level message holds the ticket's thread
    assert request.body["channel"] == "CSUPPORT" and "thread_ts" not in request.body
    assert "<@UCASEY> asked for help: I was charged twice for November" == request.body["text"]
    ts = "1800000000.000001"
    [intake] = [c for c in posts if c.body.get("thread_ts") == ts]
    assert "T-1" in intake.body["text"]
    [announce] = [c for c in posts if c.body.get("channel") == "CTEAM"]
    assert "Order number: A-123" in announce.blocks_text()
    # A reply under the request's message joins the ticket.
    slack.message("the second charge is on the 3rd", ts="1800000100.000100", thread_ts=ts)
    assert [m.text for m in slack.store.get("T-1").conversation][-1] == "the second charge is on the 3rd"


def test_a_second_submission_of_the_same_view_opens_one_ticket(slack, fake):
    slack.interact(fixture("view_submission_intake_form.json"))
    posted = len(fake.of("chat.postMessage"))
    slack.interact(fixture("view_submission_intake_form.json"))
    assert slack.store.get("T-2") is None
    assert len(fake.of("chat.postMessage")) == posted


def test_a_missing_required_answer_keeps_the_modal_open_with_the_error_under_the_field(slack, fake):
    response = slack.interact(submission(topic=None))
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert body["errors"] == {"field:topic": "Please fill in “What is it about?”."}
    assert slack.store.get("T-1") is None and not fake.of("chat.postMessage")


def test_an_empty_request_is_named_and_nothing_opens(slack, fake):
    body = json.loads(slack.interact(submission(request="   ")).body)
    assert list(body["errors"]) == ["field:request"]
    assert slack.store.get("T-1") is None


def test_without_a_form_the_button_says_so_privately(slack_config, fake, clock):
    harness = SlackHarness(slack_config, fake, clock=clock)
    harness.interact(fixture("block_actions_new_ticket.json"))
    assert not fake.of("views.open")
    [said] = [c.body for c in fake.of("response_url")]
    assert "no intake form" in said["text"] and said["response_type"] == "ephemeral"


def test_post_form_button_posts_the_button_in_each_support_channel(tmp_path, fake, capsys):
    path = tmp_path / "chatdesk.toml"
    path.write_text('[slack]\nchannels = ["CSUPPORT", "CHELP"]\n[intake]\nform = true\n', encoding="utf-8")
    args = SimpleNamespace(config=str(path), channel=None)
    assert cli.post_form_button_command(args, env={"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.url}) == 0
    posts = fake.of("chat.postMessage")
    assert [p.body["channel"] for p in posts] == ["CSUPPORT", "CHELP"]
    assert '"action_id": "chatdesk:new_ticket"' in posts[0].blocks_text()
    assert "posted the New ticket button in CHELP" in capsys.readouterr().out


def test_post_form_button_refuses_without_a_form(tmp_path, fake, capsys):
    path = tmp_path / "chatdesk.toml"
    path.write_text('[slack]\nchannels = ["CSUPPORT"]\n', encoding="utf-8")
    args = SimpleNamespace(config=str(path), channel=None)
    assert cli.post_form_button_command(args, env={"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.url}) == 1
    assert "no intake form" in capsys.readouterr().err and not fake.of("chat.postMessage")


def test_a_submission_is_recorded_before_its_ack_and_one_left_by_a_dead_process_opens_its_ticket(form_config, fake,
                                                                                                 clock):
    from bot.inbox import MemoryInbox, Receiver
    from bot.store import TinyTicketStore

    broken = MemoryInbox()
    broken.broken = "disk full"
    slack = SlackHarness(form_config, fake, clock=clock, receiver=Receiver(broken))
    assert slack.interact(fixture("view_submission_intake_form.json")).status == 503  # never a 200 it could lose
    assert slack.store.tickets() == []

    store, inbox = TinyTicketStore.memory(), MemoryInbox()
    payload = fixture("view_submission_intake_form.json")
    inbox.record({"kind": "view:intake_form", "body": payload}, key="slack:view:intake_form:V1")
    SlackHarness(form_config, fake, clock=clock, store=store, receiver=Receiver(inbox))  # starts: catches up
    [ticket] = store.tickets()
    assert ticket.source.message == f"form-{payload['view']['id']}" and inbox.pending() == []
