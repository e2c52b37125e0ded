"""The customer's journey after a resolution, and the agent's view of it, as console transcripts."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.config import demo_config
from bot.domain import EventType
from tests.desk_support import Transcript, make_desk


@pytest.fixture
def desk(tmp_path):
    return make_desk(demo_config(root=tmp_path), FakeClock("2026-11-30T09:00:00+00:00"))


@pytest.fixture
def talk(desk):
    return Transcript(desk)


def resolved_ticket(talk):
    talk.push("My tracker will not pair with my phone")
    talk.push("/as maria")
    talk.push("/desk claim T-1")
    talk.push("/desk resolve T-1 Reset the tracker and re-pair")
    talk.push("/as casey")


def test_a_follow_up_in_a_resolved_thread_reopens_it_and_tells_the_team(talk, desk):
    resolved_ticket(talk)
    talk.push("/thread T-1")
    said = talk.push("it broke again, same problem")
    assert "casey, T-1 is open again and the team has been told." in said
    assert "team › casey reopened T-1 (with maria): “it broke again, same problem”" in said
    ticket = desk.service.get("T-1")
    assert ticket.state.value == "claimed" and ticket.assignee.user_id == "maria"
    reopened = ticket.last_event(EventType.REOPENED)
    assert reopened.get("reason") == "it broke again, same problem"


def test_an_agent_reply_in_a_resolved_thread_does_not_reopen(talk, desk):
    resolved_ticket(talk)
    talk.push("/as maria")
    talk.push("/thread T-1")
    talk.push("glad it works now")
    assert desk.service.get("T-1").state.value == "resolved"


def test_closed_means_closed_and_a_follow_up_opens_a_new_linked_ticket(talk, desk):
    resolved_ticket(talk)
    talk.push("/as maria")
    talk.push("/desk close T-1 done")
    talk.push("/as casey")
    assert "T-1 is closed for good" in talk.push("/desk reopen T-1")
    assert "T-1 is closed for good" in talk.push("/press help T-1")
    assert desk.service.get("T-1").state.value == "closed"
    talk.push("/thread T-1")
    said = talk.push("still broken, sorry")
    assert "casey, T-1 is closed, so I've opened T-2 for this (it follows T-1)." in said
    new = desk.service.get("T-2")
    assert new.events[0].get("follows") == "T-1"
    # The thread now carries the new ticket: the next message joins T-2, not a third ticket.
    talk.push("it is the blue one")
    assert [m.text for m in desk.service.get("T-2").conversation][-1] == "it is the blue one"
    assert desk.find("T-3") is None


def test_an_agent_may_still_reopen_a_closed_ticket(talk, desk):
    resolved_ticket(talk)
    talk.push("/as maria")
    talk.push("/desk close T-1 spam")
    assert "maria reopened T-1." in talk.push("/desk reopen T-1 not spam")


def test_a_customers_reopen_is_announced_to_the_team(talk):
    resolved_ticket(talk)
    said = talk.push("/desk reopen T-1 the light blinks red")
    assert "team › casey reopened T-1 (with maria): “the light blinks red”" in said


def test_still_need_help_after_an_agents_resolution_says_so(talk):
    resolved_ticket(talk)
    said = talk.push("/press help T-1")
    assert "T-1 still needs help after maria resolved it" in said
    assert "the suggestions did not solve it" not in said


def test_the_owner_hears_when_a_waiting_customer_replies(talk):
    talk.push("My tracker will not pair with my phone")
    talk.push("/as maria")
    talk.push("/desk claim T-1")
    asked = talk.push("/desk wait T-1 which phone do you use?")
    assert "bot › T-1 is now waiting on the customer: which phone do you use?" in asked  # in the thread
    talk.push("/as casey")
    talk.push("/thread T-1")
    said = talk.push("an iPhone 15")
    assert "team › casey answered on T-1, which was waiting on them (with maria): “an iPhone 15”" in said


def test_a_survey_nobody_asked_for_is_refused(talk, desk):
    resolved_ticket(talk)
    asked = desk.service.get("T-1").last_event(EventType.SURVEY_ASKED)
    said = talk.push("/survey T-1 5")
    if asked is None:
        assert "There is no survey open for T-1." in said
        assert desk.service.get("T-1").survey is None
    else:  # sampled: the answer counts once
        assert "Thank you" in said and "already answered" in talk.push("/survey T-1 4")


def test_show_tells_the_story_with_reasons_and_time_zone(talk):
    resolved_ticket(talk)
    talk.push("/press help T-1")
    talk.push("/as maria")
    talk.push("/desk wait T-1 need the firmware version")
    talk.push("/desk close T-1 spam")
    talk.push("/desk reopen T-1 not spam")
    shown = talk.push("/desk show 1")  # a bare number means T-1
    story = shown[shown.index("history"):]
    for line in ("casey opened it: My tracker will not pair with my phone", "maria claimed it",
                 "maria resolved it: Reset the tracker and re-pair", "casey reopened it: still need help",
                 "maria is waiting on the customer: need the firmware version", "maria closed it: spam",
                 "maria reopened it: not spam"):
        assert line in story
    assert story.index("closed it: spam") < story.index("reopened it: not spam")  # newest last
    assert "10:00 CET" in shown  # 09:00 UTC in the demo team's Europe/Berlin


def test_long_stories_are_paged_and_all_shows_everything(talk):
    talk.push("My tracker will not pair with my phone")
    talk.push("/thread T-1")
    for n in range(70):
        talk.push(f"detail number {n}")
    talk.push("/as maria")
    paged = talk.push("/desk show T-1")
    assert "earlier event(s): `/desk show T-1 --all` shows everything" in paged and "detail number 69" in paged
    assert "detail number 0\n" not in paged
    everything = talk.push("/desk show T-1 --all")
    assert "detail number 0" in everything and "earlier event" not in everything


def test_customers_see_their_story_without_internal_notes(talk):
    talk.push("My tracker will not pair with my phone")
    talk.push("/as maria")
    talk.push("/desk note T-1 customer sounds upset")
    talk.push("/as casey")
    shown = talk.push("/desk show T-1")
    assert "history" in shown and "customer sounds upset" not in shown


def test_agent_names_match_case_insensitively_in_the_console(talk):
    assert "You are now maria, an agent." in talk.push("/as Maria")
    talk.push("/as casey")
    talk.push("My tracker will not pair with my phone")
    talk.push("/as MARIA")
    talk.push("/desk claim T-1")
    talk.push("/as maria")
    assert "You already hold T-1" in talk.push("/desk claim T-1")  # the same person as "MARIA"


def test_an_agents_plain_text_gets_a_hint_the_console_can_follow(talk):
    talk.push("/as maria")
    said = talk.push("hello team")
    assert "shortcut" not in said and "/as NAME to write as a customer" in said
