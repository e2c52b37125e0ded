"""Weekly metrics: hand-computed figures for a small week, imported and reported through the CLI.

The fixture ``tests/fixtures/metrics/week47.jsonl`` holds eight console tickets; the demo team's
time zone is Europe/Berlin (UTC+1 in November), agents are maria and sam, the first-response
target is 60 minutes. Week 2026-W47 in Berlin is [2026-11-15T23:00Z, 2026-11-22T23:00Z).

    T-1 billing   opened Mon 16 08:00Z; maria claims 08:20 (FRT 20), replies 08:30, waiting 08:40,
                  customer answers 10:40 (back to claimed), maria resolves 11:00.
                  handle = 20 (08:20-08:40) + 20 (10:40-11:00) = 40, the 2 h waiting excluded;
                  resolution 180. Survey asked, answered 5.
    T-2 technical opened Mon 16 09:00Z, confident suggestion; self-served 09:05. No FRT; resolution 5.
                  Survey asked, never answered.
    T-3 technical opened Tue 17 10:00Z, confident; self-served 10:02, reopened 10:30 ("still need
                  help"), sam claims 11:30, resolves 12:00. No FRT (self-served before any agent);
                  handle 30; resolution 120. Survey answered 4.
    T-4 account   opened Wed 18 13:00Z; maria claims 15:00 (FRT 120: a breach), releases 15:10,
                  sam claims 15:30, resolves 16:00. handle = 10 + 30 = 40; resolution 180. Survey 3.
    T-5 install.  opened Sun 15 23:30Z = Mon 16 00:30 Berlin: in W47 here (W46 in UTC). Never
                  answered, still open: backlog and a breach.
    T-6 account   opened Sun 22 23:30Z = Mon 23 00:30 Berlin: W48 here (W47 in UTC); maria claims
                  Mon 23 08:00Z (FRT 510), resolves 08:30.
    T-7 technical opened in W46 (Tue 10 10:00Z), maria claims 10:10, resolves 10:40; reopened in
                  W47 (Tue 17 09:00Z, back to maria), resolved 09:20. handle = 30 + 20 = 50;
                  resolution from the opening = 7 d - 40 min = 10040.
    T-8 billing   opened Thu 19 09:00Z; sam replies 09:10 (FRT 10) and resolves 09:30 without
                  claiming; the customer reopens Fri 20 10:00Z: not resolved this week, backlog.

W47 by hand:
    opened 6 (T-1, T-2, T-3, T-4, T-5, T-8); resolved 5 (T-1, T-2, T-3, T-4, T-7; T-8's resolution
    was followed by a reopen in the week); reopened 3 (T-3, T-7, T-8); backlog 2 (T-5, T-8).
    FRT over tickets opened in the week: [10, 20, 120] → median 20; p90 by linear interpolation:
    rank (3-1)*0.9 = 1.8 → 20 + 0.8*(120-20) = 100.
    handle (resolved by an agent): T-1 40, T-3 30, T-4 40, T-7 50 → median 40.
    resolution (all resolved): [5, 120, 180, 180, 10040] → median 180.
    auto-resolution: T-2 only of 6 → 0.167.  kb coverage: T-2, T-3 of 6 → 0.333.
    surveys answered in the week 5, 4, 3 → avg 4.0, satisfied 2/3 = 0.667, 3 responses; asked 4
    (T-1..T-4), answered 3 → response rate 0.75.
    breaches: T-4 (120 > 60) and T-5 (no answer, open past the target) → 2.
    by agent: Maria resolved T-1 (40), T-7 (50) → 2, median 45; first responses T-1 (20),
              T-4 (120) → median 70.  Sam resolved T-3 (30), T-4 (40) → 2, median 35; first
              response T-8 (10).
    by category: account (T-4): 1 opened, 1 resolved, FRT 120, 1 breach, csat 3.0;
              billing (T-1, T-8): 2 opened, 1 resolved, 1 reopened, backlog 1, FRT [10, 20] →
              median 15, p90 10 + 0.9*10 = 19; installation (T-5): 1 opened, backlog 1, figures
              null, 1 breach; technical (T-2, T-3, T-7): 2 opened, 3 resolved, 2 reopened, no FRT,
              handle [30, 50] → 40, resolution [5, 120, 10040] → 120, auto 1/2, coverage 2/2,
              response rate 1/2.
W46 (previous): T-7 only: opened 1, resolved 1, FRT 10, handle 30, resolution 40, backlog 0,
    one survey asked and not answered (response rate 0.0, csat null).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.clock import FakeClock
from bot.config import demo_config
from bot.domain import Ticket
from bot.metrics.figures import median, percentile, timeline
from bot.metrics.report import build_report, markdown
from bot.metrics.weeks import Week
from tests.desk_support import Transcript, make_desk

FIXTURE = Path(__file__).parent / "fixtures" / "metrics" / "week47.jsonl"
FIGURES = ("opened", "resolved", "reopened", "backlog", "frt_median_min", "frt_p90_min", "handle_median_min",
           "resolution_median_min", "auto_resolution_rate", "kb_coverage", "csat_avg", "csat_satisfied_rate",
           "csat_responses", "breaches")


@pytest.fixture
def imported(tmp_path, monkeypatch, capsys):
    """The fixture week imported with ``chatdesk import`` into a fresh data directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("CHATDESK_TZ", raising=False)
    assert main(["import", str(FIXTURE)]) == 0
    capsys.readouterr()
    return tmp_path


def metrics_json(capsys, *args: str) -> dict:
    assert main(["metrics", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_hand_computed_week(imported, capsys):
    report = metrics_json(capsys, "--week", "2026-W47")
    assert {key: report[key] for key in FIGURES} == {
        "opened": 6, "resolved": 5, "reopened": 3, "backlog": 2,
        "frt_median_min": 20.0, "frt_p90_min": 100.0, "handle_median_min": 40.0, "resolution_median_min": 180.0,
        "auto_resolution_rate": 0.167, "kb_coverage": 0.333,
        "csat_avg": 4.0, "csat_satisfied_rate": 0.667, "csat_responses": 3, "breaches": 2,
    }
    assert report["csat_response_rate"] == 0.75
    assert report["week"] == "2026-W47" and report["timezone"] == "Europe/Berlin"
    assert report["from"] == "2026-11-15T23:00:00+00:00" and report["to"] == "2026-11-22T23:00:00+00:00"
    assert report["by_agent"] == {
        "Maria": {"name": "Maria", "resolved": 2, "handle_median_min": 45.0, "first_responses": 2,
                  "frt_median_min": 70.0},
        "Sam": {"name": "Sam", "resolved": 2, "handle_median_min": 35.0, "first_responses": 1,
                "frt_median_min": 10.0},
    }
    categories = report["by_category"]
    assert list(categories) == ["account", "billing", "installation", "technical"]
    account = categories["account"]
    assert (account["opened"], account["resolved"], account["frt_median_min"], account["breaches"],
            account["csat_avg"]) == (1, 1, 120.0, 1, 3.0)
    billing = categories["billing"]
    assert (billing["opened"], billing["resolved"], billing["reopened"], billing["backlog"]) == (2, 1, 1, 1)
    assert (billing["frt_median_min"], billing["frt_p90_min"]) == (15.0, 19.0)
    installation = categories["installation"]
    assert (installation["opened"], installation["backlog"], installation["breaches"]) == (1, 1, 1)
    assert installation["frt_median_min"] is None and installation["resolution_median_min"] is None
    technical = categories["technical"]
    assert (technical["opened"], technical["resolved"], technical["reopened"]) == (2, 3, 2)
    assert technical["frt_median_min"] is None
    assert (technical["handle_median_min"], technical["resolution_median_min"]) == (40.0, 120.0)
    assert (technical["auto_resolution_rate"], technical["kb_coverage"], technical["csat_response_rate"]) == \
        (0.5, 1.0, 0.5)


def test_previous_week_and_reopen_across_weeks(imported, capsys):
    previous = metrics_json(capsys, "--week", "2026-W47")["previous"]
    # T-7 was resolved in W46 and that still counts there, though it was reopened in W47.
    assert previous["week"] == "2026-W46"
    assert {key: previous[key] for key in FIGURES} == {
        "opened": 1, "resolved": 1, "reopened": 0, "backlog": 0,
        "frt_median_min": 10.0, "frt_p90_min": 10.0, "handle_median_min": 30.0, "resolution_median_min": 40.0,
        "auto_resolution_rate": 0.0, "kb_coverage": 0.0,
        "csat_avg": None, "csat_satisfied_rate": None, "csat_responses": 0, "breaches": 0,
    }
    assert previous["csat_response_rate"] == 0.0
    assert metrics_json(capsys, "--week", "2026-W46")["resolved"] == 1


def test_week_boundaries_follow_the_team_time_zone(imported, capsys, monkeypatch):
    # In UTC, T-5 (Sun 15 23:30Z) falls in W46 and T-6 (Sun 22 23:30Z) in W47 instead:
    # opened T-1, T-2, T-3, T-4, T-6, T-8 = 6; FRT [10, 20, 120, 510] → median 70,
    # p90 rank 2.7 → 120 + 0.7*390 = 393; backlog at Mon 23 00:00Z: T-6, T-8 and T-5 = 3;
    # breaches T-4 and T-6 (510 min) = 2; account now has T-4 and T-6; installation nothing opened.
    monkeypatch.setenv("CHATDESK_TZ", "UTC")
    report = metrics_json(capsys, "--week", "2026-W47")
    assert report["from"] == "2026-11-16T00:00:00+00:00"
    assert (report["opened"], report["backlog"], report["breaches"]) == (6, 3, 2)
    assert (report["frt_median_min"], report["frt_p90_min"]) == (70.0, 393.0)
    assert report["by_category"]["account"]["opened"] == 2
    assert report["by_category"]["installation"]["opened"] == 0
    assert report["previous"]["opened"] == 2  # T-7 and T-5


def test_a_week_with_no_tickets_has_null_figures(imported, capsys):
    report = metrics_json(capsys, "--week", "2026-W20")
    assert report["opened"] == report["resolved"] == report["reopened"] == report["breaches"] == 0
    assert report["backlog"] == 0 and report["csat_responses"] == 0
    for key in ("frt_median_min", "frt_p90_min", "handle_median_min", "resolution_median_min",
                "auto_resolution_rate", "kb_coverage", "csat_avg", "csat_satisfied_rate"):
        assert report[key] is None, key
    assert report["by_agent"] == {} and report["by_category"] == {}


def test_an_empty_store_reports_nulls_not_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "empty"))
    report = metrics_json(capsys)
    assert report["opened"] == 0 and report["frt_median_min"] is None and report["previous"]["csat_avg"] is None
    assert main(["metrics", "--week", "2026-W47"]) == 0
    # The week it speaks of, by name: the default is last week, so "this week" would be wrong.
    assert "No tickets in 2026-W47." in capsys.readouterr().out


def test_markdown_is_the_post(imported, capsys):
    assert main(["metrics", "--week", "2026-W47"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("**Support metrics 2026-W47**, Mon 16 Nov – Sun 22 Nov 2026 (Europe/Berlin)")
    assert "• Opened 6 (+5) · resolved 5 (+4) · reopened 3 · backlog 2 (+2)" in text
    assert "• First response: median 20 min (+10 min), p90 1 h 40 min · target 1 h: 2 breached" in text
    assert "• Maria: 2 resolved, median handle 45 min · 2 first response(s), median 1 h 10 min" in text
    assert "• Satisfaction: 4.0/5, 67% satisfied (4–5) · 3 answer(s), response rate 75%" in text


def test_output_file_and_bad_week(imported, capsys):
    target = imported / "w47.json"
    assert main(["metrics", "--week", "2026-W47", "--format", "json", "--output", str(target)]) == 0
    assert json.loads(target.read_text())["opened"] == 6
    assert main(["metrics", "--week", "2026-W60"]) == 1
    assert "2026 has no ISO week 60" in capsys.readouterr().err


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_png_chart_has_the_expected_size(imported, capsys):
    target = imported / "chart.png"
    assert main(["metrics", "--week", "2026-W47", "--format", "png", "--output", str(target)]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    assert png_size(target) == (1000, 600)
    from PIL import Image  # matplotlib's own dependency: decode it fully, not just the header

    with Image.open(target) as image:
        image.load()
        assert image.size == (1000, 600)


def test_desk_metrics_in_the_console_shows_text_and_chart(tmp_path, imported):
    config = demo_config(root=tmp_path)
    from dataclasses import replace

    from bot.store import open_store

    config = replace(config, data_dir=tmp_path / "data")
    desk = make_desk(config, FakeClock("2026-11-23T09:00:00+00:00"), store=open_store(config.data_dir))
    chat = Transcript(desk)
    assert "only agents" in chat.push("/desk metrics")
    chat.push("/as maria")
    out = chat.push("/desk metrics")
    assert "bot › Support metrics 2026-W47," in out and "Opened 6" in out
    chart = tmp_path / "data" / "charts" / "metrics-2026-W47.png"
    assert f"(attached: {chart})" in out
    assert png_size(chart) == (1000, 600)
    assert "Opened 1" in chat.push("/desk metrics 2026-W46")
    assert "no ISO week 54" in chat.push("/desk metrics 2026-W54")


# -- the pieces ---------------------------------------------------------------------

def test_weeks_are_iso_weeks_in_the_team_time_zone():
    import zoneinfo

    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    week = Week.parse("2026-w47", berlin)
    assert week.label == "2026-W47" and str(week.previous()) == "2026-W46" and str(week.next()) == "2026-W48"
    # The week of the autumn clock change is 169 hours long.
    dst = Week.parse("2026-W43", berlin)
    assert (dst.end - dst.start).total_seconds() == 169 * 3600
    assert str(Week.parse("2027-W01", berlin).previous()) == "2026-W53"
    clock = FakeClock("2026-11-22T23:30:00+00:00")  # Monday 00:30 in Berlin
    assert str(Week.last_full(clock.now(), berlin)) == "2026-W47"
    with pytest.raises(ValueError):
        Week.parse("last week", berlin)


def test_percentiles_interpolate_between_ranks():
    assert median([]) is None and percentile([], 0.9) is None
    assert median([7]) == 7 and percentile([7], 0.9) == 7
    assert median([30, 40, 40, 50]) == 40
    assert percentile([10, 20, 120], 0.9) == pytest.approx(100)


def test_waiting_time_is_not_handle_time(config):
    record = json.loads(FIXTURE.read_text().splitlines()[0])  # T-1: two hours waiting on the customer
    line = timeline(Ticket.from_record(record), is_agent=config.is_agent,
                    as_of=FakeClock("2026-12-01T00:00:00+00:00").now())
    assert [r.claimed_minutes for r in line.resolutions] == [40.0]
    assert line.frt_minutes == 20.0


def test_agents_come_from_configuration_for_plain_messages(config):
    # An imported history where the agent's answer is a plain message: the configuration says
    # "sam" is an agent, so it is the first response; the requester's own message is not.
    record = {"id": "T-9", "subject": "s", "body": "b", "requester": {"platform": "console", "user_id": "kim"},
              "events": [{"type": "opened", "at": "2026-11-17T10:00:00Z", "actor": "kim"},
                         {"type": "message", "at": "2026-11-17T10:05:00Z", "actor": "kim", "text": "hello?"},
                         {"type": "message", "at": "2026-11-17T10:25:00Z", "actor": "sam", "text": "on it"},
                         {"type": "resolved", "at": "2026-11-17T10:30:00Z", "actor": "sam"}]}
    now = FakeClock("2026-12-01T00:00:00+00:00").now()
    line = timeline(Ticket.from_record(record), is_agent=config.is_agent, as_of=now)
    assert line.frt_minutes == 25.0
    assert [r.self_served for r in line.resolutions] == [False]
    report = build_report([Ticket.from_record(record)], config, Week.parse("2026-W47", config.tz), as_of=now,
                          with_gaps=False)
    assert list(report.by_agent) == ["sam"] and report.by_agent["sam"]["resolved"] == 1
    assert "sam: 1 resolved" in markdown(report)


def test_the_demo_data_reports_eight_weeks(tmp_path, monkeypatch, capsys):
    # tests/fixtures/metrics/demo.jsonl is written by make_demo.py (seeded): the README's example.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    assert main(["import", str(FIXTURE.with_name("demo.jsonl"))]) == 0
    capsys.readouterr()
    report = metrics_json(capsys, "--week", "2026-W47")
    assert report["opened"] == 12 and report["frt_median_min"] < report["previous"]["frt_median_min"]
    assert set(report["by_agent"]) == {"Maria", "Sam"}
    assert report["gaps"] and report["gaps"][0]["count"] >= 2
    assert main(["metrics", "--week", "2026-W47", "--format", "png", "--output", str(tmp_path / "c.png")]) == 0
    assert png_size(tmp_path / "c.png") == (1000, 600)


def test_self_service_counts_only_presses_on_suggested_articles(config, clock):
    """A "This solved it" press on a request nothing was suggested for (a stale or forged button)
    is refused, so the week's self-service figure counts only the knowledge base's real answers."""
    from bot.desk import Inbound
    from tests.desk_support import CUSTOMER, MARIA, PairingKnowledge

    desk = make_desk(config, clock, knowledge=PairingKnowledge())
    desk.survey_policy = None

    def ask(text, message_id):
        return desk.on_message(Inbound(actor=CUSTOMER, text=text, channel="support", message_id=message_id)).ticket

    gibberish = ask("asdf qwer zxcv", "m1")
    [refused] = desk.on_action(CUSTOMER, "solved", gibberish.id)
    assert refused.refused and desk.find(gibberish.id).state.value == "open"
    matched = ask("My tracker will not pair", "m2")
    desk.on_action(CUSTOMER, "solved", matched.id)
    by_team = ask("The strap broke", "m3")
    desk.on_action(CUSTOMER, "solved", by_team.id)  # refused too
    desk.on_command(MARIA, f"/desk resolve {by_team.id} sent a new strap")
    clock.advance(days=7)
    report = build_report(desk.service.store.tickets(), config, Week.parse("2026-W47", config.tz), as_of=clock.now(),
                          with_gaps=False)
    assert report.figures["opened"] == 3 and report.figures["resolved"] == 2
    assert report.figures["auto_resolution_rate"] == 0.333  # one real self-serve of three
    assert report.figures["kb_coverage"] == 0.333
    assert desk.find(gibberish.id).self_served is False and desk.find(by_team.id).self_served is False
