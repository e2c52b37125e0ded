"""Shared helpers for the help-site tests: the sample articles, a build, a local HTTP server."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from kb.articles import Article
from kb.site import BuildResult, SiteOptions, build_site

REPO = Path(__file__).resolve().parents[1]
SUPPORT_URL = "https://example.slack.com/archives/C0SUPPORT"
OPTIONS = SiteOptions(site_name="Tilepoint Help Center", support_url=SUPPORT_URL)

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


def build_sample(root: Path, articles: Sequence[Article], *, strict: bool = False) -> BuildResult:
    """Build ``articles`` in a scratch project at ``root`` with the repo's mkdocs.yml."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return build_site(articles, root=root, options=OPTIONS, strict=strict)


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
