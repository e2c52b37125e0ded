"""The help site's search index: per article, what the in-browser ranker needs to rank like the bot.

Material's search (lunr) ranks words in page text, which finds a customer's question about two
times in three where the bot's matcher finds it nine in ten. So the site ranks with the bot's
signals instead (assets/chatdesk-search.js, a web worker in Material's search protocol) over
this index: each published article's title and accepted phrasings, normalised by kb.normalize
exactly as kb.Matcher indexes them, plus what a result shows (title, a one-sentence excerpt),
and the body's normalised words, for a fifth signal the bot does not have: how many of the
question's words the article's text has.
Article pages are kept out of Material's own indexing (their ``search: exclude``), which saves
parsing every page; search_hook.py writes these entries into ``search/search_index.json``, so
Material's lunr worker still searches them if the chatdesk worker is not in place.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from kb.articles import Article
from kb.normalize import normalize
from kb.sanitize import plain_text
from kb.site.pages import page_url
from kb.site.text import summary
from kb.site.thai import ZWSP


def _unbroken(text: str) -> str:
    # The Thai site's word breaks (kb.site.thai) are for Material's search, not the matcher's
    # n-grams; Persian letters are folded for display, which kb.normalize folds the same way.
    return text.replace(ZWSP, "")


def phrasings(article: Article) -> list[str]:
    """Title first, then the unique normalised phrasings in file order (as kb.Matcher indexes)."""
    seen: dict[str, None] = {}
    for text in (article.title, *article.phrasings):
        key = normalize(_unbroken(text))
        if key:
            seen.setdefault(key, None)
    return list(seen) or [article.slug.replace("-", " ")]


BODY_LIMIT = 3000  # characters of body text per article: enough for its words, small at 5,000


def body_text(body: str) -> str:
    """The body's words, normalised, without link targets (the worker's body signal)."""
    text = re.sub(r"\]\([^)]*\)", "]", body)  # [text](target.md): keep the text only
    return normalize(plain_text(_unbroken(text)))[:BODY_LIMIT]


def search_docs(articles: Sequence[Article], *, directory_urls: bool = True) -> list[dict[str, Any]]:
    """One entry per published article, in slug order (the matcher's order, so ties agree)."""
    docs = []
    for article in sorted((a for a in articles if a.published), key=lambda a: a.slug):
        # Shown as HTML by Material (and by the chatdesk worker): escaped here, like its own index.
        title = html.escape(" ".join(plain_text(_unbroken(article.title)).split()))
        excerpt = html.escape(_unbroken(summary(article.body)))
        docs.append({
            "location": page_url(f"articles/{article.slug}.md", directory_urls=directory_urls),
            "title": title,
            # lunr (the fallback) reads `text`; the chatdesk worker shows `excerpt`.
            "text": html.escape(_unbroken(" ".join([summary(article.body), *article.phrasings]).strip())),
            "excerpt": excerpt,
            "phrasings": phrasings(article),
            "body": body_text(article.body),
        })
    return docs


def write_index(articles: Sequence[Article], path: Path, *, directory_urls: bool = True) -> Path:
    """Write the index that search_hook.py puts into the built site's search_index.json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "docs": search_docs(articles, directory_urls=directory_urls),
        "stop_words": sorted(ENGLISH_STOP_WORDS),  # the matcher's fuzzy signal leaves them out
    }
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return path
