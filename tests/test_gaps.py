"""Recurring topics without an article, clustered from a fixture of solved tickets."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from kb.gaps import find_gaps, missed

FIXTURES = Path(__file__).parent / "fixtures" / "tickets" / "tickets.jsonl"


def _tickets() -> list[dict]:
    return [json.loads(line) for line in FIXTURES.read_text(encoding="utf-8").splitlines()]


def test_recurring_topics_ranked_by_count_with_examples() -> None:
    topics = find_gaps(_tickets(), since=dt.date(2025, 3, 2))
    assert [t.count for t in topics] == [5, 3]
    export, beeping = topics
    assert set(export.ticket_ids) == {"T-100", "T-101", "T-102", "T-103", "T-104"}
    assert "export" in export.label.lower() or "history" in export.label.lower()
    assert export.category == "app"
    assert set(beeping.ticket_ids) == {"T-200", "T-201", "T-202"}
    assert "beep" in beeping.label.lower() and beeping.category == "hardware"


def test_one_offs_and_covered_tickets_are_left_out() -> None:
    ids = {i for t in find_gaps(_tickets(), since=dt.date(2025, 3, 2)) for i in t.ticket_ids}
    assert "T-300" not in ids  # asked once
    assert "T-400" not in ids  # got a confident suggestion
    assert "T-401" not in ids  # resolved with a linked article
    assert "T-402" not in ids  # still open
    assert "T-403" not in ids  # before --since


def test_without_since_older_tickets_count() -> None:
    topics = find_gaps(_tickets())
    assert topics[0].count == 6 and "T-403" in find_gaps(_tickets(), examples=10)[0].ticket_ids


def test_missed_rules() -> None:
    by_id = {t["id"]: t for t in _tickets()}
    assert missed(by_id["T-100"])
    assert not missed(by_id["T-400"]) and not missed(by_id["T-401"]) and not missed(by_id["T-402"])


def test_labels_are_scrubbed_and_empty_input_is_fine() -> None:
    ticket = _tickets()[0]  # T-42, subject without personal data; make one with some
    twins = []
    for n in (1, 2):
        t = json.loads(json.dumps(ticket))
        t["id"] = f"T-9{n}"
        t["subject"] = "Maria Lopez refund for double charge maria.lopez@example.com"
        twins.append(t)
    (topic,) = find_gaps(twins)
    assert "maria" not in topic.label.lower() and "[email]" in topic.label
    assert find_gaps([]) == []
