"""Intake forms: configured fields, asked one by one in the console, stored on the ticket."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.config import load_config
from bot.errors import ConfigError
from tests.desk_support import Transcript, make_desk

FORM = """\
[console]
channels = ["support"]
agents = ["maria"]
[[categories]]
name = "billing"
[[categories]]
name = "technical"
[intake]
form = true
[[intake.fields]]
name = "order"
label = "Order number"
[[intake.fields]]
name = "topic"
label = "What is it about?"
required = true
options = ["billing", "technical"]
category = true
"""


def desk_with(tmp_path, text=FORM):
    path = tmp_path / "chatdesk.toml"
    path.write_text(text, encoding="utf-8")
    return make_desk(load_config(path, env={}), FakeClock("2026-11-30T09:00:00+00:00"))


def test_the_console_asks_field_by_field_and_stores_the_answers(tmp_path):
    desk = desk_with(tmp_path)
    talk = Transcript(desk)
    assert "What do you need help with?" in talk.push("/new")
    assert "Order number (optional: - to skip)" in talk.push("I was charged twice")
    assert "What is it about? [billing, technical]" in talk.push("A-123")
    again = talk.push("shipping")
    assert "“shipping” is not one of the choices" in again and "What is it about?" in again
    opened = talk.push("Billing")
    assert "I've opened ticket T-1" in opened
    assert "team › New ticket T-1 from casey: I was charged twice" in opened
    assert "Order number: A-123" in opened and "What is it about?: billing" in opened
    ticket = desk.service.get("T-1")
    assert ticket.category == "billing"  # the field set it
    assert ticket.events[0].get("fields") == {"order": "A-123", "topic": "billing"}
    talk.push("/as maria")
    shown = talk.push("/desk show T-1")
    assert "Order number: A-123" in shown


def test_a_skipped_required_field_is_asked_again_and_cancel_opens_nothing(tmp_path):
    desk = desk_with(tmp_path)
    talk = Transcript(desk)
    talk.push("/new")
    assert "Please fill in “What do you need help with?”" in talk.push("-")
    talk.push("It does not pair")
    assert "Form cancelled" in talk.push("/cancel")
    assert desk.find("T-1") is None


def test_without_a_form_new_says_how_to_turn_it_on(tmp_path):
    desk = desk_with(tmp_path, '[console]\nagents = ["maria"]\n')
    assert "[intake] form = true" in Transcript(desk).push("/new")


def test_a_resubmitted_form_opens_one_ticket(tmp_path):
    desk = desk_with(tmp_path)
    actor = desk.resolve_person("console", "casey")[0]
    from bot.domain import Actor

    casey = Actor("console", actor.user_id, actor.name)
    answers = {"request": "I was charged twice", "topic": "billing"}
    first = desk.submit_form(casey, answers, channel="support", message_id="view-1")
    again = desk.submit_form(casey, answers, channel="support", message_id="view-1")
    assert first.created and not again.created and again.ticket.id == "T-1"


@pytest.mark.parametrize("extra, named", [
    ('[[intake.fields]]\nname = "Order No"\nlabel = "Order"\n', "intake.fields[0].name"),
    ('[[intake.fields]]\nname = "request"\nlabel = "Again"\n', "intake"),
    ('[[intake.fields]]\nname = "a"\nlabel = "A"\nrequired = "yes"\n', "intake.fields[0].required"),
])
def test_bad_form_settings_are_named(tmp_path, extra, named):
    path = tmp_path / "chatdesk.toml"
    path.write_text("[intake]\nform = true\n" + extra, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert named in str(caught.value)
