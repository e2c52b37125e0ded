"""Headless Chromium reads the Persian and Thai sites as drawn: bidi islands, switcher, phone header."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kb_site_support import build_sample, chromium, sample_articles, serve

from kb.articles import Article

# Each island in a paragraph of its own, so none is split over two lines at 1280 px.
ISLANDS = {
    "date": ("تغییر قیمت‌ها از تاریخ 2026-10-12 اعمال می‌شود.", "2026-10-12"),
    "channel": ("اگر پاسخی نگرفتید، در #support بپرسید.", "#support"),
    "ticket": ("شماره پیگیری شما T-42 است و سفارش ORD-2026-0042 ثبت شده.", "ORD-2026-0042"),
    "email": ("به no-reply@homing.io ایمیل نزنید؛ پاسخ داده نمی‌شود.", "no-reply@homing.io"),
    "url": ("صفحه https://app.homing.io/billing?plan=plus را ببینید.", "https://app.homing.io/billing?plan=plus"),
    "unit": ("ردیاب را کمتر از 30 cm از گوشی نگه دارید.", "30 cm"),
    "phone": ("با شماره +49 30 1234567 تماس بگیرید.", "+49 30 1234567"),
}
BIDI = Article(
    slug="bidi-check-fa",
    title="تاریخ‌ها و کدها",
    category="account",
    body="\n\n".join(sentence for sentence, _ in ISLANDS.values()),
    language="fa",
    status="published",
)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    result = build_sample(tmp_path_factory.mktemp("languages-browser"), [*sample_articles(), BIDI])
    with serve(result.site_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


# Where each character of the first occurrence of ``island`` inside ``selector`` is drawn.
_DRAWN = """([selector, island]) => {
  const chars = []
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
    for (let node; (node = walker.nextNode()); ) for (let i = 0; i < node.length; i++) chars.push([node, i])
  }
  const text = chars.map(([node, i]) => node.data[i]).join("")
  const at = text.indexOf(island)
  if (at < 0) return null
  return chars.slice(at, at + island.length).map(([node, i]) => {
    const range = document.createRange()
    range.setStart(node, i)
    range.setEnd(node, i + 1)
    const box = range.getBoundingClientRect()
    return {ch: node.data[i], x: box.left + box.width / 2, top: Math.round(box.top)}
  })
}"""


def _as_drawn(page, selector: str, island: str) -> str:
    """The island's characters read left to right as they appear on screen."""
    boxes = page.evaluate(_DRAWN, [selector, island])
    assert boxes, f"{island!r} is not in {selector}"
    assert len({b["top"] for b in boxes}) == 1, f"{island!r} is split over lines"
    return "".join(b["ch"] for b in sorted(boxes, key=lambda b: b["x"]))


def _open(browser, url: str, *, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url)
    return page


@pytest.mark.parametrize("kind", sorted(ISLANDS))
def test_left_to_right_runs_read_as_written_inside_persian_text(browser, base_url, kind) -> None:
    _, island = ISLANDS[kind]
    page = _open(browser, base_url + "/fa/articles/bidi-check-fa/")
    try:
        assert page.get_attribute("body", "dir") == "rtl"
        assert _as_drawn(page, "article.md-content__inner", island) == island
    finally:
        page.close()


def test_the_persian_date_and_support_channel_read_as_written(browser, base_url) -> None:
    page = _open(browser, base_url + "/fa/articles/pair-a-tracker-fa/")
    try:
        assert _as_drawn(page, ".kb-updated", "2026-10-12") == "2026-10-12"
        assert _as_drawn(page, ".kb-support", "#support") == "#support"
        # The Persian words around them still run right to left: the date is left of the label.
        label = page.evaluate(_DRAWN, [".kb-updated", "آخرین"])
        date = page.evaluate(_DRAWN, [".kb-updated", "2026"])
        assert max(b["x"] for b in date) < min(b["x"] for b in label)
    finally:
        page.close()


@pytest.mark.parametrize(("start", "language", "lands_on"), [
    ("/fa/articles/pair-a-tracker-fa/", "th", "/th/articles/pair-a-tracker-th/"),
    ("/fa/articles/pair-a-tracker-fa/", "en", "/articles/pair-a-tracker/"),
    ("/articles/ring-your-tag/", "th", "/th/articles/ring-your-tag-th/"),
    ("/fa/articles/reset-password-fa/", "th", "/th/"),  # no Thai translation: the Thai home
    ("/articles/refunds/", "fa", "/fa/"),
])
def test_the_language_switcher_goes_to_the_translation_else_home(browser, base_url, start, language, lands_on) -> None:
    page = _open(browser, base_url + start)
    try:
        page.hover(".md-header__option .md-select")
        link = page.locator(f"a.md-select__link[hreflang={language}]")
        link.wait_for(state="visible")
        link.click()
        page.wait_for_url(base_url + lands_on, timeout=10_000)
        assert page.get_attribute("html", "lang") == language
    finally:
        page.close()


# The site name in the header: every character shown (no ellipsis, no clipped line) and clear of
# the header's buttons.
_HEADER = """() => {
  const name = document.querySelector(".md-header__topic .md-ellipsis")
  const box = name.getBoundingClientRect()
  const buttons = [...document.querySelectorAll(".md-header__inner > .md-header__button, .md-header__option, .md-header__inner > label")]
    .map(b => b.getBoundingClientRect()).filter(b => b.width > 0)
  return {
    text: name.textContent.trim(),
    cut: name.scrollWidth > name.clientWidth + 1 || name.scrollHeight > name.clientHeight + 1,
    overlaps: buttons.some(b => b.left < box.right - 1 && b.right > box.left + 1 && b.top < box.bottom && b.bottom > box.top),
    inside: box.left >= 0 && box.right <= window.innerWidth,
  }
}"""


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize(("language", "path"), [
    ("en", "/"), ("en", "/articles/pair-a-tracker/"),
    ("th", "/th/"), ("th", "/th/articles/pair-a-tracker-th/"),
    ("fa", "/fa/"), ("fa", "/fa/articles/pair-a-tracker-fa/"),
])
def test_the_header_shows_the_whole_site_name_on_a_phone(browser, base_url, width, language, path) -> None:
    page = _open(browser, base_url + path, width=width)
    try:
        header = page.evaluate(_HEADER)
        assert header["text"] and not header["cut"], header
        assert not header["overlaps"] and header["inside"], header
    finally:
        page.close()
