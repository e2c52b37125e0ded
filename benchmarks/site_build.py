"""Time a real help-site build for 100 and 1,000 synthetic articles; print build time and size.

Run: .venv/bin/python benchmarks/site_build.py [--sizes 100 1000 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import logging
import os
import random
import resource
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb.articles import Article
from kb.site import SiteOptions, build_site

CATEGORIES = ("billing", "account", "installation", "technical", "hardware", "app", "shipping", "privacy")
WORDS = ["tracker", "app", "phone", "bluetooth", "battery", "subscription", "refund", "invoice", "password", "login", "sync", "map", "alert", "beep", "share", "family", "export", "history", "update", "firmware", "pair", "reset", "offline", "range", "ring"]


def synthetic_articles(n: int, *, seed: int = 7) -> list[Article]:
    """``n`` published articles with steps, a table, an admonition, tags and phrasings."""
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        words = rng.sample(WORDS, 5)
        title = f"How to {words[0]} the {words[1]} when {words[2]} {i}"
        body = (
            f"If your {words[1]} does not {words[0]}, follow these steps.\n\n## Steps\n\n"
            + "".join(f"{k}. Open **{rng.choice(WORDS)}** and tap *{rng.choice(WORDS)}*.\n" for k in range(1, 6))
            + "\n!!! note\n    This works on iOS and Android.\n\n"
            + "| Plan | Included |\n|---|---|\n| Basic | no |\n| Premium | yes |\n\n"
            + " ".join(rng.choice(WORDS) for _ in range(120)) + ".\n"
        )
        articles.append(
            Article(
                slug=f"article-{i:05d}",
                title=title,
                category=CATEGORIES[i % len(CATEGORIES)],
                body=body,
                tags=tuple(rng.sample(WORDS, 3)),
                questions=tuple(f"{rng.choice(WORDS)} {w} not working" for w in words[:3]),
                updated=dt.date(2025, 1, 1) + dt.timedelta(days=i % 300),
            )
        )
    return articles


def _cpu_seconds() -> float:
    # This process and any finished children: wall time alone swings with the machine's load.
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def measure(n: int) -> tuple[float, float, int, int, int]:
    """Build ``n`` articles in a temp project: wall and CPU seconds, site bytes, HTML pages, gzipped search index bytes."""
    with tempfile.TemporaryDirectory(prefix=f"site-bench-{n}-") as tmp:
        root = Path(tmp)
        shutil.copyfile(REPO / "mkdocs.yml", root / "mkdocs.yml")
        articles = synthetic_articles(n)
        cpu = _cpu_seconds()
        result = build_site(articles, root=root, options=SiteOptions(languages=("en",)))
        cpu = _cpu_seconds() - cpu
        files = [p for p in (root / "site").rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        pages = sum(1 for p in files if p.suffix == ".html")
        index = gzip.compress((root / "site" / "search" / "search_index.json").read_bytes())
        return result.seconds, cpu, size, pages, len(index)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'articles':>8}  {'build s':>8}  {'cpu s':>8}  {'site MB':>8}  {'pages':>6}  {'index MB gz':>11}")
    for n in args.sizes:
        seconds, cpu, size, pages, index = measure(n)
        print(f"{n:>8}  {seconds:>8.2f}  {cpu:>8.2f}  {size / 1e6:>8.1f}  {pages:>6}  {index / 1e6:>11.2f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
