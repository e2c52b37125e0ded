"""Generated page parts: listing excerpts end at a sentence; the support box only with a link."""

from __future__ import annotations

import pytest

from kb.articles import Article
from kb.site import pages
from kb.site.text import summary

PLANS = (
    "Tags work without a subscription: you can always [ring them](ring-your-tag.md) and see their "
    "[last-seen location](last-seen-location.md). **Homing Plus** adds:\n\n- Separation alerts;\n"
    "- 60 days of location history.\n"
)


@pytest.mark.parametrize(("body", "expected"), [
    # The sentence that introduces a list is dropped: the list is not in the excerpt.
    (PLANS, "Tags work without a subscription: you can always ring them and see their last-seen location."),
    ("1. Go to **Settings › Account**.\n2. Enter the new address.\n", "Go to Settings › Account."),
    ("One. Two. Three.", "One. Two. Three."),
    ("To pair:\n\n1. Press the button.\n2. Open the app.\n", "Press the button."),
    ("First sentence is short. " + "word " * 40, "First sentence is short."),
    ("لطفاً صبر کنید؟ سپس دوباره امتحان کنید.", "لطفاً صبر کنید؟ سپس دوباره امتحان کنید."),
])
def test_excerpt_is_whole_sentences(body: str, expected: str) -> None:
    assert summary(body) == expected


def test_an_opening_sentence_longer_than_the_limit_is_cut_at_a_word() -> None:
    text = summary("alpha beta gamma delta epsilon zeta eta theta", limit=20)
    assert text == "alpha beta gamma…" and len(text) <= 20


def _page(support_url: str | None) -> str:
    article = Article(slug="a", title="A", category="billing", body="Body.")
    category = pages.Category("billing", "billing", "Billing", (article,))
    return pages.article_page(article, language="en", category=category, related=[], tags=[],
                              support_label="#support", support_url=support_url)


def test_support_box_links_to_the_configured_channel() -> None:
    url = "https://discord.com/channels/1234/5678"
    html = _page(url)
    assert f'<a href="{url}"><bdi dir="ltr">#support</bdi></a>' in html
    assert "Still need help?" in html


def test_support_box_is_left_out_without_a_channel_link() -> None:
    html = _page(None)
    assert "Still need help?" not in html and "admonition" not in html and "#support" not in html
