"""Suggestion quality on banking77: the fused matcher next to single-scorer baselines.

Run: ``.venv/bin/python benchmarks/match_quality.py [--data ../shared/data/banking77]``

Each of the 77 intents is one article (title = intent name, phrasings = its first N training
queries); every test query is matched. Printed, all from this one run:

1. the matcher (``kb.matcher``) with 5 phrasings and with all (~10,000) phrasings;
2. refusal: 10 intents (fixed seed) left out of the KB, their test queries must be refused;
3. single rapidfuzz scorers (best phrasing per article, ``process.cdist``), the baselines;
4. each of the matcher's signals alone, through the same code (the fusion's ablation);
5. index build time for all phrasings.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb.articles import Article  # noqa: E402
from kb.evaluation import EvalReport, Labelled, articles_from_labelled, evaluate, read_labelled  # noqa: E402
from kb.index import SIGNALS  # noqa: E402
from kb.matcher import Matcher  # noqa: E402
from kb.normalize import normalize  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77"
HELD_OUT = 10
SEED = 7
COLUMNS = ("top1", "top3", "answered_top1", "answered_rate", "oos_recall", "oos_precision",
           "p50_ms", "p95_ms")


def main() -> int:
    """Run every measurement and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--timed", type=int, default=None,
                        help="time only the first N queries per run (default: all)")
    args = parser.parse_args()
    train = read_labelled(args.data / "train.csv")
    test = read_labelled(args.data / "test.csv")
    intents = sorted({label for _, label in train})
    held = set(random.Random(SEED).sample(intents, HELD_OUT))
    print(f"banking77: {len(train)} train, {len(test)} test, {len(intents)} intents; "
          f"held out (seed {SEED}): {', '.join(sorted(held))}\n")
    print(f"{'run':48s} " + " ".join(f"{c:>13s}" for c in COLUMNS))
    for phrasings in (5, None):
        name = "all" if phrasings is None else str(phrasings)
        articles = articles_from_labelled(train, phrasings=phrasings)
        _row(f"matcher, {name} phrasings", evaluate(articles, test, timed=args.timed))
        kept = [a for a in articles if a.slug not in held]
        _row(f"matcher, {name} phrasings, 10 intents held out", evaluate(kept, test,
                                                                         timed=args.timed))
        for scorer in ("token_set_ratio", "token_sort_ratio", "WRatio", "ratio"):
            _baseline(f"rapidfuzz {scorer} alone, {name} phrasings", articles, test, scorer)
        for signal in SIGNALS:
            report = evaluate(articles, test, weights={signal: 1.0}, timed=200)
            _row(f"signal {signal} alone, {name} phrasings", report)
    _build_time(articles_from_labelled(train))
    return 0


def _row(name: str, report: EvalReport) -> None:
    values = report.as_dict()
    cells = ("n/a" if values[c] is None else f"{values[c]:.3f}" for c in COLUMNS)
    print(f"{name:48s} " + " ".join(f"{cell:>13s}" for cell in cells), flush=True)


def _baseline(name: str, articles: list[Article], queries: list[Labelled], scorer: str) -> None:
    """Top-1/top-3 of one rapidfuzz scorer over normalised phrasings, best phrasing per article."""
    texts = [normalize(q) for a in articles for q in a.questions]
    owner = np.repeat(np.arange(len(articles)), [len(a.questions) for a in articles])
    starts = np.concatenate(([0], np.cumsum([len(a.questions) for a in articles])[:-1]))
    scores = process.cdist([normalize(t) for t, _ in queries], texts,
                           scorer=getattr(fuzz, scorer), dtype=np.float32, workers=-1)
    per_article = np.maximum.reduceat(scores, starts, axis=1)
    assert per_article.shape[1] == owner.max() + 1
    order = np.argsort(-per_article, axis=1, kind="stable")[:, :3]
    slugs = np.array([a.slug for a in articles])
    gold = np.array([label for _, label in queries])
    top1 = float((slugs[order[:, 0]] == gold).mean())
    top3 = float((slugs[order] == gold[:, None]).any(axis=1).mean())
    cells = [f"{top1:.3f}", f"{top3:.3f}"] + ["-"] * (len(COLUMNS) - 2)
    print(f"{name:48s} " + " ".join(f"{cell:>13s}" for cell in cells), flush=True)


def _build_time(articles: list[Article]) -> None:
    phrasings = sum(len(a.questions) for a in articles)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        matcher = Matcher.build(articles)
        times.append(time.perf_counter() - start)
    print(f"\nbuild, {phrasings} phrasings (incl. calibration): best {min(times):.2f} s, "
          f"worst {max(times):.2f} s; calibrated threshold {matcher.threshold:.3f}")


if __name__ == "__main__":
    sys.exit(main())
