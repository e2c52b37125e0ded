"""Satisfaction surveys: a seeded random sample of resolutions, asked once, answered by the requester only."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from bot import metrics
from bot.errors import ConfigError
from bot.metrics.surveys import SurveyPolicy, survey_rate
from bot.replies import Kind
from tests.desk_support import CUSTOMER, MARIA, OTHER_CUSTOMER, Transcript, make_desk


def with_settings(config, **sections):
    return replace(config, settings={**config.settings, **sections})


def open_and_resolve(desk, clock, count: int) -> list[bool]:
    """Open ``count`` tickets and resolve each; True where the survey was asked."""
    from bot.desk import Inbound

    asked = []
    for n in range(count):
        outcome = desk.on_message(Inbound(CUSTOMER, f"My tracker number {n} will not pair", "support", f"m{n}"))
        clock.advance(minutes=5)
        replies = desk.on_command(MARIA, f"/desk resolve {outcome.ticket.id} re-paired it")
        asked.append(any(r.kind is Kind.SURVEY for r in replies))
    return asked


def test_sampling_follows_the_seeded_random_source(config, clock):
    desk = make_desk(with_settings(config, surveys={"rate": 0.5}), clock)
    metrics.install(desk, rng=random.Random(42))
    asked = open_and_resolve(desk, clock, 12)
    reference = random.Random(42)
    assert asked == [reference.random() < 0.5 for _ in range(12)]
    assert 0 < sum(asked) < 12
    # Each question asked is recorded on its ticket, so the response rate can be counted.
    for number, was_asked in enumerate(asked, start=1):
        types = [e.type for e in desk.service.get(f"T-{number}").events]
        assert types.count("survey_asked") == int(was_asked)


def test_rate_zero_never_asks_and_rate_one_always_does(config, clock):
    never = make_desk(with_settings(config, surveys={"rate": 0}), clock)
    assert open_and_resolve(never, clock, 5) == [False] * 5
    always = make_desk(with_settings(config, survey_rate=1.0), clock)
    assert open_and_resolve(always, clock, 5) == [True] * 5


def test_the_default_rate_is_three_in_ten_and_bad_rates_are_named(config):
    assert survey_rate(config) == 0.3
    assert survey_rate(with_settings(config, surveys={"rate": 0.05})) == 0.05
    for bad in (1.5, -0.1, "often", True):
        with pytest.raises(ConfigError, match="surveys.rate"):
            survey_rate(with_settings(config, surveys={"rate": bad}))


def test_without_a_seed_the_draw_is_stable_per_resolution(config, clock):
    desk = make_desk(config, clock)
    policy = desk.survey_policy
    assert isinstance(policy, SurveyPolicy) and policy.rng is None
    ticket = desk.service.open_ticket(CUSTOMER, "Charged twice", _source("x1"))[0]
    ticket = desk.service.resolve(MARIA, ticket.id, "refunded")
    assert policy.draw(ticket) == policy.draw(ticket)  # the same in every process and after a restart
    assert 0 <= policy.draw(ticket) < 1


def test_one_question_per_resolution(config, clock):
    desk = make_desk(with_settings(config, surveys={"rate": 1}), clock)
    ticket = desk.service.open_ticket(CUSTOMER, "Charged twice", _source("x1"))[0]
    ticket = desk.service.resolve(MARIA, ticket.id, "refunded")
    assert desk.survey_policy(ticket) is True
    assert desk.survey_policy(ticket) is False  # a retried press does not ask again
    desk.service.reopen(MARIA, ticket.id)
    clock.advance(minutes=1)
    ticket = desk.service.resolve(MARIA, ticket.id, "refunded again")
    assert desk.survey_policy(ticket) is True  # a new resolution is a new question


def test_only_the_requester_answers_and_only_once(config, clock):
    desk = make_desk(with_settings(config, surveys={"rate": 1}), clock)
    chat = Transcript(desk)
    chat.push("Charged twice for Premium")
    chat.push("/as maria")
    out = chat.push("/desk resolve T-1 Refunded the second charge")
    assert "how satisfied are you with how T-1 was handled?" in out
    assert "[1] [2] [3] [4] [5]   (/survey T-1 1-5 [comment])" in out
    assert "only the person who asked" in chat.push("/survey T-1 5")  # maria is not the requester
    chat.push("/as robin")
    assert "only the person who asked" in chat.push("/survey T-1 1 terrible")
    chat.push("/as casey")
    assert "1 (unhappy) to 5" in chat.push("/survey T-1 9")
    assert "Usage: /survey T-1 1-5 [comment]" in chat.push("/survey T-1")
    assert "Thank you for the feedback on T-1!" in chat.push("/survey T-1 4 quick and friendly")
    assert "already answered" in chat.push("/survey T-1 5")
    survey = desk.service.get("T-1").survey
    assert survey["score"] == 4 and survey["comment"] == "quick and friendly"


def test_on_survey_refuses_someone_else(config, clock):
    desk = make_desk(config, clock)
    ticket = desk.service.open_ticket(CUSTOMER, "Charged twice", _source("x1"))[0]
    desk.service.resolve(MARIA, ticket.id, "refunded")
    [reply] = desk.on_survey(OTHER_CUSTOMER, ticket.id, 5)
    assert reply.kind is Kind.REFUSED and reply.private
    assert desk.service.get(ticket.id).survey is None


def _source(message: str):
    from bot.domain import Source

    return Source("console", "support", message, message)
