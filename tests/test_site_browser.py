"""Headless Chromium searches the built help site the way a customer would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kb_site_support import build_sample, chromium, sample_articles, serve
from kb_site_support import browser_search as _search

from kb.articles import Article

@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return sample_articles()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, articles: list[Article]) -> Iterator[str]:
    result = build_sample(tmp_path_factory.mktemp("browser"), articles)
    with serve(result.site_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


# Phrasings known to be distinctive in the sample help center. The first phrasing of the first
# article is not always one: "how many tags can I have" shares only "tag" with most articles of a
# tag maker's help center, so lunr ranks it below the top 3.
PREFERRED: dict[str, tuple[str, str]] = {"en": ("cannot-sign-in", "login keeps failing")}


def _case(articles: list[Article], language: str) -> tuple[Article, str]:
    """A published article in ``language`` and a customer phrasing that is not its title."""
    slug, question = PREFERRED.get(language, ("", ""))
    for article in articles:
        if article.published and article.slug == slug and question in article.questions:
            return article, question
    for article in articles:
        if article.published and article.language == language and article.questions:
            return article, article.questions[0]
    pytest.fail(f"the sample help center has no published {language} article with questions")


@pytest.mark.parametrize("language", ["en", "th", "fa"])
def test_customer_question_finds_the_article(browser, base_url, articles, language) -> None:
    article, question = _case(articles, language)
    prefix = "/" if language == "en" else f"/{language}/"
    hrefs = _search(browser, base_url + prefix, question)
    assert any(f"articles/{article.slug}/" in href for href in hrefs[:3]), (question, hrefs[:5])


@pytest.mark.parametrize(("question", "slug"), [
    # "I", "a", "do" would otherwise match as prefixes ("i*": install, invoices, iOS) and win.
    ("I was charged two times", "charged-twice"),
    ("how do I get a refund", "refunds"),
    ("where can I download my invoices", "download-invoices"),
])
def test_whole_questions_find_the_article_despite_little_words(browser, base_url, question, slug) -> None:
    hrefs = _search(browser, base_url + "/", question)
    assert f"articles/{slug}/" in hrefs[0], (question, hrefs[:5])


def test_draft_is_not_found(browser, base_url) -> None:
    page = browser.new_page()
    try:
        page.goto(base_url + "/")
        page.click("label.kb-hero-search")
        page.keyboard.type("zebracorn", delay=10)
        page.locator(".md-search-result__meta").wait_for(state="visible")
        page.wait_for_timeout(300)
        assert page.locator(".md-search-result__item").count() == 0
    finally:
        page.close()


def test_thai_words_are_found_inside_unspaced_text(browser, tmp_path: Path) -> None:
    # Neither the query nor the page has spaces between words; only word breaks can match them.
    pairing = Article(
        slug="th-pairing", title="วิธีจับคู่แท็กกับโทรศัพท์", category="installation", language="th",
        body="กดปุ่มค้างไว้สามวินาทีจนไฟกะพริบแล้วเปิดแอปเพื่อจับคู่กับโทรศัพท์",
    )
    battery = Article(
        slug="th-battery", title="วิธีเปลี่ยนแบตเตอรี่", category="installation", language="th",
        body="เปิดฝาหลังแล้วใส่แบตเตอรี่ก้อนใหม่",
    )
    result = build_sample(tmp_path, [pairing, battery])
    with serve(result.site_dir) as url:
        hrefs = _search(browser, url + "/th/", "โทรศัพท์จับคู่ไม่ได้")
    assert hrefs and "articles/th-pairing/" in hrefs[0], hrefs


PERSIAN = [
    Article(
        slug="fa-card", title="تغییر کارت بانکی", category="billing", language="fa",
        body="برای تغییر کارت بانکی به تنظیمات پرداخت بروید و کارت جدید را وارد کنید.",
    ),
    # Written on an Arabic keyboard: ي and ك. The site shows and indexes the Persian letters.
    Article(
        slug="fa-battery", title="تعويض باتري ردياب", category="installation", language="fa",
        body="درب پشتي را باز كنيد و باتري جديد بگذاريد.",
    ),
    Article(
        slug="fa-sign-in", title="مشکل ورود به حساب", category="account", language="fa",
        body="اگر نمی‌توانم وارد شوم را می‌بینید، رمز عبور را بازیابی کنید.",
    ),
]


@pytest.fixture(scope="module")
def persian_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    result = build_sample(tmp_path_factory.mktemp("persian"), PERSIAN)
    with serve(result.site_dir) as url:
        yield url + "/fa/"


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("تغيير كارت", "fa-card"),  # typed with Arabic ي and ك; the page has Persian ی and ک
        ("باتری ردیاب", "fa-battery"),  # typed in Persian; the source had Arabic letters
        ("باتري", "fa-battery"),  # Arabic letters on both sides
        ("نمي‌توانم وارد شوم", "fa-sign-in"),  # Arabic ي next to a zero-width non-joiner
        ("نمی توانم وارد شوم", "fa-sign-in"),  # a space where the page has a non-joiner
    ],
)
def test_persian_query_with_arabic_letter_variants_finds_the_article(
    browser, persian_url, query, slug
) -> None:
    hrefs = _search(browser, persian_url, query)
    assert hrefs and f"articles/{slug}/" in hrefs[0], (query, hrefs[:3])


def test_persian_pages_show_persian_letters(tmp_path: Path) -> None:
    site = build_sample(tmp_path, PERSIAN).site_dir / "fa"
    html = (site / "articles" / "fa-battery" / "index.html").read_text(encoding="utf-8")
    assert "باتری ردیاب" in html and "كنيد" not in html
    index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "\\u064a" not in index and "ي" not in index and "ك" not in index
