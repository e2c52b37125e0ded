"""Team workflow in the console: duty, automatic assignment, macros and replies, queues and transfers."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.config import load_config
from bot.domain import DESK_ACTOR
from bot.errors import ConfigError
from bot.store import TinyTicketStore
from tests.desk_support import Transcript, make_desk

CONFIG = """\
[console]
channels = ["support"]
agents = ["maria", "sam", "lee"]
[assignment]
mode = "{mode}"
[macros]
refund = "Hi {{customer}}, your refund for {{ticket}} is on its way ({{article_link}}). {{agent}}"
[[queues]]
name = "billing-team"
categories = ["billing"]
agents = ["sam", "lee"]
[[queues]]
name = "tech"
categories = ["technical", "installation"]
agents = ["maria", "sam"]
"""


def desk_for(tmp_path, mode="round-robin", extra=""):
    path = tmp_path / "chatdesk.toml"
    path.write_text(CONFIG.format(mode=mode) + extra, encoding="utf-8")
    config = load_config(path, env={})
    return make_desk(config, FakeClock("2026-11-30T09:00:00+00:00"), store=TinyTicketStore.memory())


def talk(desk, *lines):
    transcript = Transcript(desk)
    return [transcript.push(line) for line in lines]


def test_customers_cannot_go_on_duty_transfer_or_use_macros(tmp_path):
    desk = desk_for(tmp_path)
    replies = talk(desk, "My tracker will not pair", "/desk duty on", "/desk transfer T-1 tech",
                   "/desk reply T-1 :refund", "/desk macros")
    for reply in replies[1:]:
        assert "only agents can use" in reply


def test_duty_on_off_and_who_is_on(tmp_path):
    desk = desk_for(tmp_path)
    replies = talk(desk, "/as maria", "/desk duty", "/desk duty on", "/desk duty on", "/as sam", "/desk duty on",
                   "/desk duty", "/desk duty off", "/desk duty", "/desk duty maybe")
    assert "Nobody is on duty" in replies[1]
    assert "maria is on duty" in replies[2] and "already on duty" in replies[3]
    assert "On duty: maria, sam." in replies[6]
    assert "sam is off duty" in replies[7] and "On duty: maria." in replies[8]
    assert "duty [on|off]" in replies[9]


def test_round_robin_goes_to_the_least_recently_assigned_in_config_order(tmp_path):
    desk = desk_for(tmp_path)
    talk(desk, "/as sam", "/desk duty on", "/as maria", "/desk duty on", "/as casey")
    out = talk(desk, "My tracker will not pair", "The app crashes on start", "I cannot sign in")
    # Ties (never assigned) go in config order: maria before sam; then whoever waited longest.
    assert "T-1 is assigned to maria (round-robin)" in out[0]
    assert "T-2 is assigned to sam (round-robin)" in out[1]
    assert "T-3 is assigned to maria (round-robin)" in out[2]
    ticket = desk.service.get("T-1")
    assert ticket.assignee.user_id == "maria"
    assigned = [e for e in ticket.events if e.type == "assigned"]
    assert assigned[0].actor == DESK_ACTOR.user_id and assigned[0].get("auto") == "round-robin"
    assert ticket.first_response_at is None  # the desk's assignment is not a response


def test_least_busy_goes_to_whoever_holds_fewest(tmp_path):
    desk = desk_for(tmp_path, mode="least-busy")
    talk(desk, "/as maria", "/desk duty on", "/as sam", "/desk duty on", "/as casey")
    talk(desk, "My tracker will not pair", "The app crashes on start")
    talk(desk, "/as sam", "/desk resolve T-2 fixed", "/as casey")
    out = talk(desk, "I cannot sign in")
    assert "T-3 is assigned to sam (least-busy)" in out[0]  # maria holds T-1, sam holds nothing now


def test_nobody_on_duty_leaves_it_unclaimed(tmp_path):
    desk = desk_for(tmp_path)
    out = talk(desk, "My tracker will not pair")
    assert "assigned to" not in out[0] and desk.service.get("T-1").assignee is None


def test_claim_mode_assigns_nobody(tmp_path):
    desk = desk_for(tmp_path, mode="claim")
    replies = talk(desk, "/as maria", "/desk duty on", "/as casey", "My tracker will not pair")
    assert "duty only shows who is around" in replies[1]
    assert desk.service.get("T-1").assignee is None


def test_reply_with_text_and_with_a_macro_counts_as_first_response(tmp_path):
    desk = desk_for(tmp_path, mode="claim")
    replies = talk(desk, "I was charged twice", "/as sam", "/desk reply T-1 Looking into it now",
                   "/desk reply T-1 :refund", "/desk reply T-1 :nope", "/desk reply T-1", "/desk macros")
    assert "sam (for T-1): Looking into it now" in replies[2]
    assert desk.service.get("T-1").first_response_at is not None
    assert "Hi casey, your refund for T-1 is on its way ((no article linked yet)). sam" in replies[3]
    assert "There is no macro `nope`" in replies[4] and ":refund:" in replies[4]
    assert "Say what to send" in replies[5]
    assert "Macros (1)" in replies[6]
    texts = [m.text for m in desk.service.get("T-1").conversation]
    assert "Looking into it now" in texts


def test_macro_files_load_and_a_bad_one_is_named_and_skipped(tmp_path, caplog):
    desk = desk_for(tmp_path, mode="claim")
    folder = tmp_path / "macros"
    folder.mkdir()
    (folder / "welcome.md").write_text("Welcome {customer}!\n\nWe are on {ticket}.", encoding="utf-8")
    (folder / "broken.md").write_text("Hi {nobody}", encoding="utf-8")
    replies = talk(desk, "Hello I need help with billing", "/as maria", "/desk macros", "/desk reply T-1 :welcome")
    assert ":welcome:" in replies[2] and ":broken:" not in replies[2]
    assert "broken.md" in caplog.text and "{nobody} is not a macro field" in caplog.text
    assert "Welcome casey!" in replies[3]


def test_queues_route_by_category_and_transfer_moves_and_releases(tmp_path):
    desk = desk_for(tmp_path, mode="claim")
    replies = talk(desk, "I was charged twice", "The app crashes on start", "/as maria",
                   "/desk category T-1 billing", "/desk category T-2 technical", "/desk claim T-2",
                   "/desk queue", "/desk queue billing-team", "/desk queue nope",
                   "/desk transfer T-2 billing-team", "/desk transfer T-2 billing-team", "/desk transfer T-1 moon",
                   "/desk mine")
    listing = replies[6]
    assert listing.index("billing-team queue (1)") < listing.index("tech queue (1)") or "tech queue (1)" in listing
    assert "T-1" in replies[7] and "T-2" not in replies[7]
    assert "There is no queue `nope`" in replies[8]
    assert "T-2 moved to the billing-team queue by maria (back in the queue, unclaimed)" in replies[9]
    assert desk.service.get("T-2").assignee is None  # maria is not in billing-team
    assert "already in the billing-team queue" in replies[10]
    assert "There is no queue `moon`. Queues: billing-team, tech." in replies[11]
    assert "You hold no tickets" in replies[12]


def test_assignment_stays_inside_the_tickets_queue(tmp_path):
    desk = desk_for(tmp_path)
    out = talk(desk, "/as maria", "/desk duty on", "/as sam", "/desk duty on", "/desk duty off", "/as lee",
               "/desk duty on", "/as casey", "I was charged twice", "/as maria", "/desk unclaim T-1",
               "/desk transfer T-1 billing-team")
    assert "T-1 is assigned to maria (round-robin)" in out[8]  # no queue yet: maria first in config order
    # billing-team is sam and lee; sam is off duty, so lee gets it.
    assert "T-1 moved to the billing-team queue by maria" in out[11]
    assert "T-1 is assigned to lee (round-robin)" in out[11]


@pytest.mark.parametrize("text, named", [
    ('[assignment]\nmode = "random"\n', "assignment.mode"),
    ('[assignment]\non_duty = "maria"\n', "assignment.on_duty"),
    ('[macros]\nhello = "Hi {name}"\n', "macros.hello"),
    ('[[queues]]\nname = "a b"\n', "queues[0].name"),
    ('[[queues]]\nname = "tech"\nagent = ["maria"]\n', "queues[0].agent"),
])
def test_bad_workflow_settings_are_named(tmp_path, text, named):
    path = tmp_path / "chatdesk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert named in str(caught.value) and "chatdesk.toml" in str(caught.value)


def test_metrics_per_team_queue(tmp_path, monkeypatch, capsys):
    import json
    from pathlib import Path

    from bot.cli.main import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    (tmp_path / "chatdesk.toml").write_text(CONFIG.format(mode="claim"), encoding="utf-8")
    fixture = Path(__file__).parent / "fixtures" / "metrics" / "sla_week48.jsonl"
    assert main(["import", str(fixture)]) == 0
    capsys.readouterr()
    assert main(["metrics", "--format", "json", "--week", "2026-W48"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["by_queue"]) == {"billing-team"}  # every fixture ticket is billing
    assert report["by_queue"]["billing-team"]["opened"] == 6
    assert main(["metrics", "--week", "2026-W48"]) == 0
    assert "**By team queue**" in capsys.readouterr().out
