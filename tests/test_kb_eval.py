"""kb eval on a small fixture: every metric as issue 7 defines it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main
from kb.evaluation import articles_from_labelled, evaluate, evaluate_files, read_labelled

FIXTURES = Path(__file__).parent / "fixtures" / "kb"
KB, QUERIES = FIXTURES / "eval_kb.csv", FIXTURES / "eval_queries.csv"
KEYS = ["top1", "top3", "answered_top1", "answered_rate", "oos_recall", "oos_precision",
        "p50_ms", "p95_ms", "n", "threshold", "loo_top1", "fusion", "build_s"]


def test_articles_from_labelled_takes_the_first_n_phrasings() -> None:
    articles = articles_from_labelled(read_labelled(KB), phrasings=2)
    assert [a.slug for a in articles] == ["password", "delivery", "billing", "sound"]
    assert articles[0].questions == ("I forgot my password", "how do I reset my password")


def test_eval_on_fixture() -> None:
    report = evaluate_files(KB, QUERIES)
    assert report.n == 9
    assert report.top1 == 1.0 and report.top3 == 1.0
    assert report.oos_recall == 1.0  # the two off-topic queries are refused
    assert report.oos_precision is not None and 0 < report.oos_precision <= 1
    assert report.answered_top1 == report.answered_rate  # every answer was right
    assert 0 <= report.p50_ms <= report.p95_ms


def test_metrics_follow_their_definitions() -> None:
    articles = articles_from_labelled(read_labelled(KB))
    queries = [("I cannot remember the password I use", "password"), ("charged two times", "delivery"),
               ("pizza", ""), ("what is the capital of france", "")]
    # Threshold 0: everything answered, so nothing is refused.
    eager = evaluate(articles, queries, threshold=0.0)
    assert (eager.top1, eager.answered_top1, eager.answered_rate) == (0.5, 0.5, 1.0)
    assert eager.oos_recall == 0.0 and eager.oos_precision is None  # no refusal: undefined
    # Threshold 1: everything refused; all out-of-scope refused, half the refusals right.
    shy = evaluate(articles, queries, threshold=1.0)
    assert (shy.answered_rate, shy.answered_top1, shy.oos_recall) == (0.0, 0.0, 1.0)
    assert shy.oos_precision == 0.5
    no_oos = evaluate(articles, queries[:2])
    assert no_oos.oos_recall is None and no_oos.oos_precision is None


def test_cli_eval_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["kb", "eval", "--kb-csv", str(KB), "--queries-csv", str(QUERIES), "--json"]
    assert main(argv + ["--phrasings", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == KEYS and data["n"] == 9
    assert 0 < data["threshold"] <= 1 and "classifier=" in data["fusion"] and data["build_s"] >= 0


def test_cli_eval_reports_a_bad_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("question,answer\nx,y\n", "utf-8")
    assert main(["kb", "eval", "--kb-csv", str(bad), "--queries-csv", str(QUERIES)]) == 1
    assert "text,label" in capsys.readouterr().err
