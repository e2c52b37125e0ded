"""Shared helpers for the help-site tests: the sample articles, a build, a local HTTP server."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from kb.articles import Article
from kb.site import BuildResult, SiteOptions, build_site
from kb.site.categories import load_category_names, names_path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SUPPORT_URL = "https://example.slack.com/archives/C0SUPPORT"
# The sample's category names per language (faq_sources/categories.yml), as `kb build` passes them.
CATEGORY_NAMES = load_category_names(REPO / "faq_sources")
OPTIONS = SiteOptions(site_name="Tilepoint Help Center", support_url=SUPPORT_URL,
                      category_names=CATEGORY_NAMES, category_names_file=names_path(REPO / "faq_sources"))

# A draft that must never reach the site; its title is unique so any leak is easy to spot.
DRAFT = Article(
    slug="unreleased-feature-draft",
    title="Zebracorn unreleased feature draft",
    category="billing",
    body="Zebracorn secret: this draft must not be published.",
    tags=("zebracorn-tag",),
    questions=("zebracorn question",),
    status="draft",
)


def sample_articles() -> list[Article]:
    """The sample help center from faq_sources/ (plus one draft), or a stand-in until it lands."""
    from kb.sources import load_articles

    if not any((REPO / "faq_sources").glob("*.md")):
        return [*_stand_in(), DRAFT]
    result = load_articles(REPO / "faq_sources")
    assert not result.errors, result.errors
    return [*result.articles, DRAFT]


def build_sample(root: Path, articles: Sequence[Article], *, strict: bool = False,
                 options: SiteOptions = OPTIONS) -> BuildResult:
    """Build ``articles`` in a scratch project at ``root`` with the repo's mkdocs.yml."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return build_site(articles, root=root, options=options, strict=strict)


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on an ephemeral localhost port; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Headless Debian Chromium through Playwright; a skip with the reason locally, a failure in CI."""
    import pytest

    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        reason = f"{CHROMIUM} not found: run scripts/ensure-chromium.sh (Debian package chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)  # the browser tests must run in CI: never skipped there
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def slugs_of(hrefs: Sequence[str]) -> list[str]:
    """Article slugs of search result links, in order (links may carry ?h=... highlights)."""
    return [m.group(1) for h in hrefs if (m := re.search(r"articles/([^/?#]+)", h))]


def ask_many(browser, url: str, queries: Sequence[str], *, material_search: bool = False) -> list[list[str]]:
    """Open ``url``, open search from the page's own prompt, type each query in turn: result links.

    ``material_search``: block the script that swaps in the chatdesk worker, so Material's own
    lunr search answers (for side-by-side measurements).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = browser.new_page()
    try:
        if material_search:
            page.route("**/assets/chatdesk-setup.js",
                       lambda route: route.fulfill(body="", content_type="text/javascript"))
        page.goto(url)
        page.click("label.kb-hero-search")  # the home page's big search prompt
        box = page.locator("input.md-search__input")
        box.wait_for(state="visible")
        # Material focuses its search box when the overlay opens: the customer just types.
        page.wait_for_function(
            "document.activeElement && document.activeElement.matches('input.md-search__input')",
            timeout=5_000,
        )
        links = page.locator(".md-search-result__item > a.md-search-result__link")
        answers = []
        for query in queries:
            box.fill("")
            page.keyboard.press("End")
            page.wait_for_function("!document.querySelector('.md-search-result__item')", timeout=5_000)
            page.keyboard.type(query, delay=5)
            # Playwright enters non-ASCII letters as text input, with no key events; Material
            # reads the query on keyup, so finish with a key that changes nothing.
            page.keyboard.press("End")
            try:
                links.first.wait_for(state="visible", timeout=5_000)
            except PlaywrightTimeout:  # nothing found: an empty answer, not a failure
                answers.append([])
                continue
            answers.append(_settled(page, links))
        return answers
    finally:
        page.close()


def _settled(page, links) -> list[str]:
    # Results update as each letter arrives: read them once they have stopped changing.
    hrefs: list[str] = []
    for _ in range(50):
        now = links.evaluate_all("links => links.map(link => link.getAttribute('href') || '')")
        if now and now == hrefs:
            break
        hrefs = now
        page.wait_for_timeout(150)
    return hrefs


def browser_search(browser, url: str, query: str, *, material_search: bool = False) -> list[str]:
    """Open ``url``, open search from the page's own prompt, type ``query``: result links."""
    return ask_many(browser, url, [query], material_search=material_search)[0]


def _stand_in() -> list[Article]:
    day = dt.date(2025, 3, 1)
    return [
        Article(
            slug="refund-subscription",
            title="Get a refund for your subscription",
            category="billing",
            body="You can ask for a refund within 30 days of a charge.\n\n## Steps\n\n"
            "1. Open the app\n2. Go to **Settings → Subscription**\n3. Tap *Request refund*\n",
            tags=("refund", "subscription"),
            questions=("can i get my money back", "I was charged twice for premium"),
            updated=day,
        ),
        Article(
            slug="update-payment-card",
            title="Change the card you pay with",
            category="billing",
            body="Go to **Settings → Payment method** and tap *Replace card*.",
            tags=("payment",),
            questions=("my card expired", "use a different credit card"),
            updated=day,
        ),
        Article(
            slug="pair-tracker",
            title="Pair a tracker with your phone",
            category="getting-started",
            body="Hold the button for 3 seconds until the light blinks blue, then open the app.",
            tags=("bluetooth", "pairing"),
            questions=("tracker won't connect to my phone", "bluetooth pairing fails"),
            updated=day,
        ),
        Article(
            slug="battery-replace",
            title="Replace the tracker battery",
            category="hardware",
            body="Twist the back cover open and insert a new CR2032 coin cell.",
            tags=("battery",),
            questions=("battery is dead", "what battery does the tag use"),
            updated=day,
        ),
        Article(
            slug="th-pair-tracker",
            title="วิธีจับคู่แท็กกับโทรศัพท์",
            category="getting-started",
            body="กดปุ่มค้างไว้สามวินาทีจนไฟกะพริบ แล้วเปิดแอปเพื่อจับคู่",
            tags=("bluetooth",),
            questions=("แท็กเชื่อมต่อกับโทรศัพท์ไม่ได้",),
            language="th",
            updated=day,
        ),
        Article(
            slug="fa-refund",
            title="بازپرداخت هزینهٔ اشتراک",
            category="billing",
            body="برای بازپرداخت، به تنظیمات بروید و روی «درخواست بازپرداخت» بزنید.",
            tags=("refund",),
            questions=("پول من را برگردانید", "لغو اشتراک و بازپرداخت"),
            language="fa",
            updated=day,
        ),
    ]
