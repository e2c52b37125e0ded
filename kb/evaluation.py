"""``chatdesk kb eval``: measure suggestion quality on labelled queries, as a help desk meets it.

The knowledge base is built from a ``text,label`` CSV (each label one article, its texts the
phrasings); every query of a second CSV is then matched. A query whose label is empty, or names
no article, has no answer: the right move is to refuse.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from kb.articles import Article
from kb.errors import KnowledgeBaseError
from kb.index import DEFAULT_WEIGHTS
from kb.matcher import Matcher

Labelled = tuple[str, str]  # (text, label); label "" = out of scope


@dataclass(frozen=True, slots=True)
class EvalReport:
    """The figures issue 7 defines; rates in 0..1, latencies in ms per query."""

    top1: float | None
    top3: float | None
    answered_top1: float | None
    answered_rate: float | None
    oos_recall: float | None
    oos_precision: float | None
    p50_ms: float
    p95_ms: float
    n: int
    # How the engine was set up for this knowledge base (issue 17): the calibrated threshold,
    # the leave-phrasings-out top-1 it was calibrated on, the fusion weights, the build time.
    threshold: float = 0.0
    loo_top1: float | None = None
    fusion: str = ""
    build_s: float = 0.0

    def as_dict(self) -> dict[str, float | int | None]:
        """The report as a plain dict, in field order (what ``--json`` prints)."""
        return asdict(self)


def read_labelled(path: Path) -> list[Labelled]:
    """Rows of a CSV with a text column and a label column (``label`` or ``category``)."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = {f.strip().lower(): f for f in reader.fieldnames or ()}
        label = fields.get("label") or fields.get("category")
        if "text" not in fields or label is None:
            raise KnowledgeBaseError("needs a header with text,label columns", path=path)
        return [((row[fields["text"]] or "").strip(), (row[label] or "").strip()) for row in reader]


def articles_from_labelled(
    rows: Iterable[Labelled], *, phrasings: int | None = None
) -> list[Article]:
    """One published article per label, titled by the label, with its first ``phrasings`` texts."""
    grouped: dict[str, list[str]] = {}
    for text, label in rows:
        if label and text:
            grouped.setdefault(label, [])
            if phrasings is None or len(grouped[label]) < phrasings:
                grouped[label].append(text)
    return [
        Article(
            slug=label,
            # A label such as "card_arrival" is the nearest thing this data has to a title.
            title=label.replace("_", " ").replace("-", " "),
            category="eval",
            body=label,
            questions=tuple(texts),
        )
        for label, texts in grouped.items()
    ]


def evaluate(
    articles: Sequence[Article],
    queries: Sequence[Labelled],
    *,
    threshold: float | None = None,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    timed: int | None = None,
    **options: Any,
) -> EvalReport:
    """Build a matcher on ``articles`` and score ``queries`` (text, label) against it.

    Ranking comes from one batched search; latency from ``suggest`` called once per query, as
    intake does (``timed`` caps how many queries are timed, for quick runs).
    """
    started = time.perf_counter()
    matcher = Matcher.build(articles, threshold=threshold, weights=weights, **options)
    build_s = time.perf_counter() - started
    slugs = {a.slug for a in matcher.articles}
    texts = [text for text, _ in queries]
    results = matcher.search_many(texts, limit=3)
    gold = [label if label in slugs else "" for _, label in queries]
    inside = np.array([bool(g) for g in gold])
    first = np.array([bool(r) and r[0].slug == g for r, g in zip(results, gold)])
    in_top3 = np.array([any(s.slug == g for s in r) for r, g in zip(results, gold)])
    answered = np.array([bool(r) and r[0].score >= matcher.threshold for r in results])
    latencies = suggest_latencies(matcher, texts[:timed] if timed is not None else texts)
    refused = ~answered
    return EvalReport(
        top1=_share(first, inside),
        top3=_share(in_top3, inside),
        answered_top1=_share(first & answered, inside),
        answered_rate=_share(answered, inside),
        oos_recall=_share(refused, ~inside),
        # null when there is no out-of-scope query, and when nothing was refused (0/0).
        oos_precision=_share(~inside, refused) if (~inside).any() else None,
        p50_ms=round(float(np.percentile(latencies, 50)), 3) if latencies.size else 0.0,
        p95_ms=round(float(np.percentile(latencies, 95)), 3) if latencies.size else 0.0,
        n=len(queries),
        threshold=round(matcher.threshold, 4),
        loo_top1=None if matcher.calibration.loo_top1 is None
        else round(matcher.calibration.loo_top1, 4),
        fusion=" ".join(f"{k}={v:g}" for k, v in matcher.calibration.weights.items() if v)
        or "lexical only",
        build_s=round(build_s, 2),
    )


def _share(hits: np.ndarray, among: np.ndarray) -> float | None:
    return round(float(hits[among].mean()), 4) if among.any() else None


def suggest_latencies(matcher: Matcher, texts: Sequence[str]) -> np.ndarray:
    """Milliseconds each ``suggest`` takes, one query after another on one core."""
    times = []
    # One core, as the latency target is stated: BLAS threads would only add contention.
    with threadpool_limits(1):
        for text in texts:
            start = time.perf_counter()
            matcher.suggest(text)
            times.append((time.perf_counter() - start) * 1000)
    return np.array(times)


def evaluate_files(
    kb_csv: Path, queries_csv: Path, *, phrasings: int | None = None,
    threshold: float | None = None,
) -> EvalReport:
    """:func:`evaluate` from the two CSV files ``kb eval`` takes."""
    articles = articles_from_labelled(read_labelled(kb_csv), phrasings=phrasings)
    return evaluate(articles, read_labelled(queries_csv), threshold=threshold)


def format_report(report: EvalReport) -> str:
    """Human-readable lines for the terminal."""
    lines = []
    for name, value in report.as_dict().items():
        shown = "n/a" if value is None else value
        lines.append(f"{name:>14}: {shown}")
    return "\n".join(lines)
