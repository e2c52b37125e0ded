"""SLA figures of a hand-computed week (2026-W48, Europe/Berlin, Mon–Fri 09:00–17:00, Tuesday a holiday),
imported with ``chatdesk import`` and read back through ``chatdesk metrics --format json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main

FIXTURE = Path(__file__).parent / "fixtures" / "metrics" / "sla_week48.jsonl"
CONFIG = """\
timezone = "Europe/Berlin"
first_response_minutes = 120
[console]
channels = ["support"]
agents = ["maria"]
[sla.urgent]
first_response_minutes = 30
resolution_minutes = 240
[sla.high]
first_response_minutes = 60
[business_hours]
days = ["monday", "tuesday", "wednesday", "thursday", "friday"]
start = "09:00"
end = "17:00"
holidays = ["2026-11-24"]
"""


@pytest.fixture
def report(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("CHATDESK_TZ", raising=False)
    (tmp_path / "chatdesk.toml").write_text(CONFIG, encoding="utf-8")
    assert main(["import", str(FIXTURE)]) == 0
    capsys.readouterr()
    assert main(["metrics", "--format", "json", "--week", "2026-W48"]) == 0
    return json.loads(capsys.readouterr().out)


def test_breaches_follow_each_tickets_policy(report):
    # T-2 (weekend, 150 > 120), T-4 (urgent in force when claimed, 50 > 30), T-5 (never answered).
    assert report["opened"] == 6 and report["breaches"] == 3


def test_first_response_in_business_minutes(report):
    # Real minutes: 20, 50, 2490, 2970, 3890; business minutes: 20, 50, 50, 90, 150.
    assert report["frt_median_min"] == 2490.0
    assert report["frt_business_median_min"] == 50.0


def test_share_of_tickets_that_met_every_target(report):
    # Decided: all six; met: T-1, T-3 (30 and 240 both met), T-6.
    assert report["sla_met_rate"] == 0.5


def test_figures_per_priority(report):
    assert report["by_priority"] == {
        "normal": {"opened": 3, "breaches": 1, "frt_median_min": 2970.0, "frt_business_median_min": 90.0,
                   "resolution_business_median_min": 105.0, "sla_met_rate": 0.667},
        "high": {"opened": 1, "breaches": 1, "frt_median_min": None, "frt_business_median_min": None,
                 "resolution_business_median_min": None, "sla_met_rate": 0.0},
        "urgent": {"opened": 2, "breaches": 1, "frt_median_min": 35.0, "frt_business_median_min": 35.0,
                   "resolution_business_median_min": 135.0, "sla_met_rate": 0.5},
    }


def test_without_sla_tables_the_business_figures_equal_the_plain_ones(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    (tmp_path / "chatdesk.toml").write_text('timezone = "Europe/Berlin"\nfirst_response_minutes = 120\n'
                                            '[console]\nagents = ["maria"]\n', encoding="utf-8")
    assert main(["import", str(FIXTURE)]) == 0
    capsys.readouterr()
    assert main(["metrics", "--format", "json", "--week", "2026-W48"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frt_business_median_min"] == report["frt_median_min"] == 2490.0
    # Around the clock with 120 minutes for everyone: T-1, T-2, T-5 and T-6 breach.
    assert report["breaches"] == 4


def test_the_post_and_the_chart_show_compliance_per_priority(report, tmp_path, capsys):
    assert main(["metrics", "--week", "2026-W48"]) == 0
    post = capsys.readouterr().out
    assert "50% of decided tickets met every target" in post and "business hours: median 50 min" in post
    assert "**By priority**" in post
    assert "• urgent: 2 opened, 1 breached, 50% met · first response 35 min (35 min counted)" in post
    chart = tmp_path / "chart.png"
    assert main(["metrics", "--week", "2026-W48", "--format", "png", "--output", str(chart)]) == 0
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
