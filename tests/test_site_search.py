"""The help site's search finds what customers mean about as well as the bot (headless Chromium)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from kb_site_support import REPO, ask_many, build_sample, chromium, sample_articles, serve, slugs_of

from kb.articles import Article
from kb.matcher import Matcher
from kb.site.search import search_docs

QUESTIONS = json.loads((REPO / "tests" / "fixtures" / "site_questions.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return sample_articles()


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, articles: list[Article]) -> Iterator[str]:
    result = build_sample(tmp_path_factory.mktemp("search"), articles)
    with serve(result.site_dir) as url:
        yield url


def _hits(answers: list[list[str]], questions: list[dict]) -> int:
    return sum(bool(set(a[:3]) & set(q["slugs"])) for a, q in zip(answers, questions, strict=True))


def test_question_set_is_customers_words_not_the_phrasings(articles) -> None:
    questions = QUESTIONS["en"]
    assert len(questions) >= 30
    written = {" ".join(t.casefold().split()) for a in articles for t in (a.title, *a.phrasings)}
    slugs = {a.slug for a in articles if a.published}
    for q in questions:
        assert " ".join(q["q"].casefold().split()) not in written, q["q"]
        assert set(q["slugs"]) <= slugs, q


def test_site_top3_is_within_5_points_of_kb_search(browser, base_url, articles) -> None:
    questions = QUESTIONS["en"]
    matcher = Matcher.build(articles)
    kb = _hits([[s.slug for s in matcher.search(q["q"], limit=3)] for q in questions], questions)
    site_answers = [slugs_of(a) for a in ask_many(browser, base_url + "/", [q["q"] for q in questions])]
    site = _hits(site_answers, questions)
    print(f"top-3 on {len(questions)} customer questions: site {site}, kb search {kb}")
    assert site / len(questions) >= kb / len(questions) - 0.05, (site, kb)


def test_results_show_an_excerpt_and_no_missing_words(browser, base_url) -> None:
    page = browser.new_page()
    try:
        page.goto(base_url + "/")
        page.click("label.kb-hero-search")
        page.keyboard.type("can I get my money back", delay=5)
        page.keyboard.press("End")
        first = page.locator(".md-search-result__item").first
        first.wait_for(state="visible", timeout=10_000)
        page.wait_for_timeout(300)
        assert "articles/refunds/" in (first.locator("a").first.get_attribute("href") or "")
        assert "full refund within 14 days" in first.inner_text()  # the article's own excerpt
        assert page.locator(".md-search-result__terms").count() == 0  # no "Missing: ..."
    finally:
        page.close()


def test_index_holds_the_matchers_signals_and_stays_small(articles) -> None:
    docs = search_docs(articles)
    assert all(d["phrasings"] and d["excerpt"] is not None for d in docs)
    refunds = next(d for d in docs if d["location"] == "articles/refunds/")
    assert refunds["phrasings"][0] == "refunds" and "can i get my money back" in refunds["phrasings"]
    assert not any(d["location"].startswith("articles/unreleased") for d in docs)  # drafts stay out
