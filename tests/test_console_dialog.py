"""The console desk as a newcomer uses it: transcripts of lines in, replies out."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from tests.desk_support import PairingKnowledge, Transcript, make_desk


@pytest.fixture
def talk(config, clock):
    return Transcript(make_desk(config, clock))


def test_request_opens_ticket_and_small_talk_does_not(talk):
    assert "opened ticket T-1" in talk.push("My tracker will not pair with my phone")
    assert "no ticket opened" in talk.push("hi")
    assert "no ticket opened" in talk.push("thanks!")
    assert "no ticket opened" in talk.push("👍")
    assert "opened ticket T-2" in talk.push("The app crashes when I open the map")


def test_agent_works_a_ticket_from_claim_to_resolution(talk):
    talk.push("I was charged twice this month")
    talk.push("/as maria")
    talk.push("/desk category T-1 billing")
    claimed = talk.push("/desk claim T-1")
    assert "maria claimed T-1." in claimed
    assert "Check the plan and the last invoice" in claimed  # the billing checklist
    assert "Noted on T-1." in talk.push("/desk note T-1 refunded the duplicate charge")
    assert "T-1 is resolved: Refunded the duplicate charge." in talk.push("/desk resolve T-1 Refunded the duplicate charge")
    shown = talk.push("/desk show T-1")
    assert "state: resolved" in shown and "refunded the duplicate charge" in shown


def test_thread_replies_join_the_ticket_and_id_may_be_left_out(talk):
    talk.push("My tracker battery drains in a day")
    talk.push("/as sam")
    assert "In T-1's thread" in talk.push("/thread T-1")
    assert "added to T-1 as a reply" in talk.push("Which firmware version do you have?")
    assert "sam claimed T-1." in talk.push("/desk claim")
    talk.push("/as casey")
    assert "added to T-1 as a message" in talk.push("Version 2.4.1")
    talk.push("/as sam")
    shown = talk.push("/desk show")
    assert "sam (agent): Which firmware version do you have?" in shown
    assert "casey: Version 2.4.1" in shown


def test_refusals_are_polite_and_change_nothing(talk):
    talk.push("I can't log in to my account")
    assert "only agents can use `/desk claim`" in talk.push("/desk claim T-1")
    talk.push("/as maria")
    talk.push("/desk claim T-1")
    talk.push("/as sam")
    refused = talk.push("/desk claim T-1")
    assert "already claimed by maria since" in refused
    assert "I can't find ticket T-99" in talk.push("/desk claim T-99")
    assert "Which ticket?" in talk.push("/desk claim")
    assert "I don't know `/desk frobnicate`" in talk.push("/desk frobnicate")
    assert "Usage: `/desk priority" in talk.push("/desk priority T-1")
    assert "There is no priority 'soon'" in talk.push("/desk priority T-1 soon")


def test_customer_can_self_serve_and_reopen_their_own_ticket(config, clock):
    talk = Transcript(make_desk(config, clock, knowledge=PairingKnowledge()))
    assert "[This solved it]  [Still need help]" in talk.push("My tracker will not pair with my phone")
    assert "Glad that helped" in talk.push("/press solved T-1")
    talk.push("/as robin")
    assert "only the person who asked" in talk.push("/desk reopen T-1")
    talk.push("/as casey")
    assert "casey reopened T-1." in talk.push("/desk reopen T-1 it stopped working again")


def _customer_post(said: str) -> str:
    """The lines the customer sees of what the desk printed (not the team channel's post)."""
    return said.split("team ›")[0]


def test_an_unmatched_request_gets_no_solved_button_and_a_forged_press_is_refused(config, clock):
    desk = make_desk(config, clock, knowledge=PairingKnowledge())
    talk = Transcript(desk)
    said = talk.push("asdf qwer zxcv")
    assert "An agent will be with you shortly" in said
    customer = _customer_post(said)
    # Only "Still need help" (to flag it as still waiting): nothing was suggested to mark as solved.
    assert "[Still need help]   (/press help T-1)" in customer and "This solved it" not in customer
    refused = talk.push("/press solved T-1")  # an old client, a typed press: the core refuses it
    assert "(only you)" in refused
    assert "No articles were suggested for T-1, so there is nothing to mark as solved" in refused
    ticket = desk.find("T-1")
    assert ticket.state.value == "open" and not ticket.self_served
    assert [e.type for e in ticket.events] == ["opened", "suggested"]  # the press left no trace


def test_a_matched_request_offers_this_solved_it_for_the_suggested_article(config, clock):
    desk = make_desk(config, clock, knowledge=PairingKnowledge())
    talk = Transcript(desk)
    said = _customer_post(talk.push("My tracker will not pair with my phone"))
    assert "1. Pair your tracker (90%)" in said
    assert "[This solved it]  [Still need help]   (/press solved T-1 · /press help T-1)" in said
    assert "Glad that helped" in talk.push("/press solved T-1")
    ticket = desk.find("T-1")
    assert ticket.self_served and ticket.article == "pair-tracker"


def test_agents_buttons_are_on_the_team_post_and_work_from_there(config, clock):
    talk = Transcript(make_desk(config, clock, knowledge=PairingKnowledge()))
    said = talk.push("My tracker will not pair with my phone")
    customer, team = said.split("team ›")
    for agents_only in ("[Claim]", "[Resolve…]", "[Add note…]"):
        assert agents_only not in customer and agents_only in team
    assert "(/press claim T-1 · /desk resolve T-1 … · /desk note T-1 …)" in team
    assert "only agents" in talk.push("/press claim T-1")  # the customer cannot, were they to try
    talk.push("/as maria")
    assert "maria claimed T-1." in talk.push("/press claim T-1")
    assert "is for casey, who asked for T-1" in talk.push("/press solved T-1")  # the customer's button
    assert "Noted on T-1." in talk.push("/desk note T-1 asked for the phone model")
    assert "T-1 is resolved: re-paired." in talk.push("/desk resolve T-1 re-paired")


def test_help_lists_verbs_for_agents_and_customers(talk):
    customer_help = talk.push("/desk help")
    assert "/desk resolve" in customer_help and "/desk claim" not in customer_help
    talk.push("/as maria")
    agent_help = talk.push("/desk help")
    for verb in ("claim", "unclaim", "assign", "note", "resolve", "reopen", "close", "priority", "category",
                 "tag", "queue", "mine", "show", "kb search", "kb draft", "kb gaps", "metrics", "help"):
        assert f"/desk {verb}" in agent_help, verb


def test_feature_verbs_answer_politely_until_installed(config, clock, caplog, tmp_path):
    from dataclasses import replace

    talk = Transcript(make_desk(replace(config, data_dir=tmp_path / "data"), clock))
    talk.push("/as maria")
    with caplog.at_level(logging.ERROR):
        searched = talk.push("/desk kb search pairing")
        measured = talk.push("/desk metrics")
    assert searched == "bot (only you) › `/desk kb search` is not available yet on this desk.\n"
    assert measured.startswith("bot › Support metrics 2026-W46") and "Sorry" not in measured
    # the console turns a crash into "Sorry, ...": the log is where a swallowed error would show
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []


def test_piped_console_walkthrough_then_export(tmp_path):
    """The README's walk-through, end to end through the real command line."""
    script = "\n".join([
        "My tracker will not pair with my phone", "hi", "thanks!", "/as maria", "/desk claim T-1",
        "/desk note T-1 asked for model", "/desk resolve T-1 Reset the tracker and re-pair", "/desk frobnicate",
    ]) + "\n"
    env = {**os.environ, "CHATDESK_DATA": str(tmp_path / "data")}
    run = subprocess.run([sys.executable, "-m", "bot.cli.main", "run", "--no-site"], input=script, text=True,
                         capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "Traceback" not in out + run.stderr
    assert out.count("opened ticket") == 1
    assert "maria claimed T-1." in out and "T-1 is resolved: Reset the tracker and re-pair." in out and "I don't know `/desk frobnicate`" in out
    export = subprocess.run([sys.executable, "-m", "bot.cli.main", "export"], text=True, capture_output=True,
                            env=env, cwd=tmp_path, timeout=60)
    assert export.returncode == 0, export.stderr
    [record] = [json.loads(line) for line in export.stdout.splitlines()]
    assert record["id"] == "T-1" and record["state"] == "resolved"
    types = [event["type"] for event in record["events"]]
    for expected in ("opened", "claimed", "noted", "resolved"):
        assert expected in types


def test_run_builds_the_help_site_first_and_says_where(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    import shutil

    shutil.copytree(os.path.join(repo, "faq_sources"), root / "faq_sources")
    shutil.copy(os.path.join(repo, "mkdocs.yml"), root / "mkdocs.yml")
    shutil.copy(os.path.join(repo, "chatdesk.toml"), root / "chatdesk.toml")
    env = {**os.environ, "CHATDESK_DATA": str(tmp_path / "data"), "PYTHONPATH": repo}
    run = subprocess.run([sys.executable, "-m", "bot.cli.main", "run"], input="", text=True, capture_output=True,
                         env=env, cwd=root, timeout=300)
    assert run.returncode == 0, run.stderr
    assert f"help site built at {root / 'site' / 'index.html'}" in run.stderr
    assert (root / "site" / "index.html").is_file()
    assert f"tickets are stored in {tmp_path / 'data' / 'tickets.json'}" in run.stderr


def test_console_announces_an_unclaimed_ticket_past_the_first_response_target(config, clock):
    from bot.cli.desk import _console_scheduler

    talk = Transcript(make_desk(config, clock))
    talk.console.scheduler = _console_scheduler(talk.console.desk, talk.console)
    talk.push("My tracker will not pair with my phone")
    clock.advance(minutes=61)
    reminded = talk.push("/whoami")
    assert "T-1" in reminded and "team" in reminded
    assert "T-1" not in talk.push("/whoami")  # once per target window
    # the weekly post belongs to the chat bots: a console left open over Monday morning stays quiet
    clock.advance(days=7)
    assert "Support metrics" not in talk.push("/whoami")


def test_control_characters_never_reach_the_agents_terminal(talk):
    talk.push("My tracker \x1b[2J\x1b]0;pwned\x07 will not pair \u202eevil")
    talk.push("/as maria")
    shown = talk.push("/desk show T-1")
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\x1b[2J" in shown and "\\u202e" in shown  # shown as codes, so the agent sees something was there
