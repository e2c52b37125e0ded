"""Help-site search, measured in headless Chromium: hit rates side by side, speed and index size.

Quality: the question set in tests/fixtures/site_questions.json (customers' own words) asked of
``kb.Matcher`` (what `chatdesk kb search` and the bot use), of the site's chatdesk search worker,
and of Material's own lunr search over the same index (the worker swapped out): share of
questions whose article is in the top 3. Speed, on a 5,000-article index (synthetic, as
benchmarks/site_build.py makes them), two ways:
- the worker alone: each query is sent the way Material sends it, once per keystroke, and timed
  from the last keystroke to its answer;
- the built site, as a customer types: a real 5,000-article site is built and opened, each
  question is typed into Material's search box at 40 ms a key, and the time runs from the last
  key's keyup to the last change of the result list it caused (a MutationObserver), so Material's
  own rendering of the results is counted.

Run: .venv/bin/python benchmarks/site_search.py [--articles 5000] [--chromium /usr/bin/chromium]
     [--skip-typed] (the typed measurement builds the large site first: about a minute)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))

from kb_site_support import CHROMIUM_ARGS, ask_many, build_sample, sample_articles, serve, slugs_of  # noqa: E402
from site_build import synthetic_articles  # noqa: E402

from kb.matcher import Matcher  # noqa: E402
from kb.site.search import search_docs  # noqa: E402
from kb.sources import load_articles  # noqa: E402

QUESTIONS = REPO / "tests" / "fixtures" / "site_questions.json"
WORKER = REPO / "kb" / "site" / "assets" / "chatdesk-search.js"
TIMING_PAGE = """<!doctype html><meta charset="utf-8"><script>
window.bench = async function (docs, queries) {
  const worker = new Worker("chatdesk-search.js")
  const next = () => new Promise(resolve => worker.addEventListener("message", e => resolve(e.data), { once: true }))
  const answered = async (query) => { let m; do { m = await next() } while (!m.data || m.data.query !== query); return m }
  let started = performance.now()
  worker.postMessage({ type: 0, data: { config: { stop_words: [] }, docs: docs } })
  await next()
  const ready = performance.now() - started
  const latencies = []
  for (const query of queries) {
    for (let i = 1; i <= query.length; i++) worker.postMessage({ type: 2, data: query.slice(0, i) })
    started = performance.now()
    await answered(query)
    latencies.push(performance.now() - started)
  }
  worker.terminate()
  return { ready, latencies }
}
</script>"""


def questions() -> list[dict]:
    return json.loads(QUESTIONS.read_text(encoding="utf-8"))["en"]


def top3(slugs: list[str], expected: list[str]) -> bool:
    return bool(set(slugs[:3]) & set(expected))


def quality(browser, base_url: str, articles) -> dict[str, float]:
    asked = questions()
    matcher = Matcher.build(articles)
    kb = sum(top3([s.slug for s in matcher.search(q["q"], limit=3)], q["slugs"]) for q in asked)
    rates = {"kb search (kb.Matcher)": kb / len(asked)}
    for name, material in (("site: chatdesk worker", False), ("site: Material lunr, same index", True)):
        answers = ask_many(browser, base_url + "/", [q["q"] for q in asked], material_search=material)
        rates[name] = sum(top3(slugs_of(a), q["slugs"]) for a, q in zip(answers, asked)) / len(asked)
    return rates


def speed(browser, n: int, tmp: Path) -> tuple[float, list[float], int, int]:
    docs = search_docs(synthetic_articles(n))
    raw = json.dumps({"config": {}, "docs": docs}, ensure_ascii=False, separators=(",", ":")).encode()
    (tmp / "index.html").write_text(TIMING_PAGE, encoding="utf-8")
    shutil.copyfile(WORKER, tmp / "chatdesk-search.js")
    typed = [q["q"] for q in questions()[:20]]
    with serve(tmp) as url:
        page = browser.new_page()
        page.goto(url + "/index.html")
        result = page.evaluate("([docs, queries]) => window.bench(docs, queries)", [docs, typed])
        page.close()
    return result["ready"], result["latencies"], len(raw), len(gzip.compress(raw))


# Times, in the page: the last keyup in the search box and the last change of the results.
TYPED_PROBE = """() => {
  window.__typed = { key: 0, shown: 0 }
  document.addEventListener("keyup", event => {
    if (event.target.matches && event.target.matches("input.md-search__input")) window.__typed.key = performance.now()
  }, true)
  new MutationObserver(() => { window.__typed.shown = performance.now() })
    .observe(document.querySelector(".md-search-result"), { childList: true, subtree: true, characterData: true })
}"""


def typed_speed(browser, n: int, tmp: Path) -> tuple[list[float], int]:
    """Type each question into a built n-article site: ms from the last keyup to the results, and misses."""
    from kb.site import SiteOptions, build_site

    shutil.copyfile(REPO / "mkdocs.yml", tmp / "mkdocs.yml")
    built = build_site(synthetic_articles(n), root=tmp, options=SiteOptions(languages=("en",)))
    latencies, unchanged = [], 0
    with serve(built.site_dir) as url:
        page = browser.new_page()
        page.goto(url + "/")
        page.click("label.kb-hero-search")
        box = page.locator("input.md-search__input")
        box.wait_for(state="visible")
        page.wait_for_function(  # the worker has loaded the index
            "!/Initializ/i.test(document.querySelector('.md-search-result__meta').textContent)",
            timeout=60_000)
        page.evaluate(TYPED_PROBE)
        for question in [q["q"] for q in questions()[:20]]:
            box.fill("")
            page.wait_for_function("!document.querySelector('.md-search-result__item')", timeout=10_000)
            page.evaluate("() => { window.__typed.key = 0; window.__typed.shown = 0 }")
            page.keyboard.type(question, delay=40)
            # Settled: nothing changed in the results for a second after the last key.
            page.wait_for_function(
                "performance.now() - Math.max(window.__typed.key, window.__typed.shown) > 1000", timeout=30_000)
            times = page.evaluate("() => window.__typed")
            if times["shown"] > times["key"]:
                latencies.append(times["shown"] - times["key"])
            else:  # the last key changed nothing on screen (the answer was already shown)
                unchanged += 1
        page.close()
    return latencies, unchanged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--skip-typed", action="store_true", help="leave out typing into a built large site")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    sample = [a for a in load_articles(REPO / "faq_sources").articles]
    with tempfile.TemporaryDirectory(prefix="site-search-") as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        built = build_sample(Path(tmp) / "sample", sample_articles())
        with serve(built.site_dir) as url:
            rates = quality(browser, url, sample)
        print(f"top-3 hit rate on {len(questions())} customer questions (sample help center):")
        for name, rate in rates.items():
            print(f"  {name:<34} {rate:6.1%}")
        (Path(tmp) / "speed").mkdir()
        started = time.perf_counter()
        ready, latencies, size, packed = speed(browser, args.articles, Path(tmp) / "speed")
        typed: list[float] = []
        unchanged = 0
        if not args.skip_typed:
            (Path(tmp) / "typed").mkdir()
            typed, unchanged = typed_speed(browser, args.articles, Path(tmp) / "typed")
        browser.close()
    print(f"{args.articles} articles: index {size / 1e6:.2f} MB, {packed / 1e6:.2f} MB gzip; "
          f"worker ready in {ready:.0f} ms")
    latencies.sort()
    print(f"last keystroke to result (every keystroke queried, {len(latencies)} questions): "
          f"median {statistics.median(latencies):.0f} ms, max {latencies[-1]:.0f} ms "
          f"({time.perf_counter() - started:.1f} s)")
    if typed:
        typed.sort()
        p90 = typed[min(len(typed) - 1, int(0.9 * len(typed)))]
        print(f"typed into the built {args.articles}-article site, last keyup to results on screen "
              f"({len(typed)} questions, {unchanged} whose last key changed nothing): "
              f"median {statistics.median(typed):.0f} ms, p90 {p90:.0f} ms, max {typed[-1]:.0f} ms")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
