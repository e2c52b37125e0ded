"""Markdown for each generated page: home, category, article, tags index and one page per tag."""

from __future__ import annotations

import html
import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kb.articles import Article
from kb.site.strings import count_articles, text
from kb.site.text import GENERATED_NOTE, clean_tag, html_text, md_text, slugify, summary


@dataclass(frozen=True, slots=True)
class Category:
    """One category of one language's site, with its published articles sorted by title.

    ``title`` is already HTML-escaped (kb.site.text.html_text).
    """

    key: str
    slug: str
    title: str
    articles: tuple[Article, ...]


def _front_matter(meta: dict[str, object]) -> str:
    # JSON values are valid YAML and ~10x quicker to write than yaml.safe_dump (1,000s of pages).
    lines = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in meta.items())
    return f"---\n{lines}---\n\n{GENERATED_NOTE}\n\n"


def home_page(
    categories: Sequence[Category], *, language: str, directory_urls: bool = True
) -> str:
    """The landing page: a big search prompt, then a card per category."""
    parts = [
        # No title: Material then names the home page by the site name alone, not "name - name".
        _front_matter({"hide": ["navigation", "toc"], "search": {"exclude": True}}),
        '<div class="kb-hero">\n',
        f"<h1>{_html(text(language, 'hero_title'))}</h1>\n",
        # The label toggles Material's own search overlay (the #__search checkbox in the header).
        (
            f'<label class="kb-hero-search" for="__search">{html_text(text(language, "hero_search"))}'
            "</label>\n</div>\n\n"
        ),
        f"## {md_text(text(language, 'categories'))}\n\n",
    ]
    if not categories:
        parts.append(md_text(text(language, "no_articles")) + "\n")
        return "".join(parts)
    # Material's grid cards, written as the HTML its md_in_html syntax would produce.
    parts.append('<div class="grid cards">\n<ul>\n')
    for category in categories:
        href = _attr(link("index.md", f"categories/{category.slug}.md", directory_urls=directory_urls))
        parts.append(
            f'<li>\n<p><a href="{href}"><strong>{category.title}</strong></a></p>\n'
            f"<p>{_html(count_articles(language, len(category.articles)))}</p>\n</li>\n"
        )
    parts.append("</ul>\n</div>\n")
    return "".join(parts)


def page_url(path: str, *, directory_urls: bool = True) -> str:
    """The URL MkDocs gives the docs file ``path`` ("articles/x.md"), relative to the site root."""
    stem = path[: -len(".md")]
    if not directory_urls:
        return stem + ".html"
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def link(from_path: str, to_path: str, *, directory_urls: bool = True) -> str:
    """A relative link between two generated docs files, as MkDocs itself would write it."""
    source = page_url(from_path, directory_urls=directory_urls)
    target = page_url(to_path, directory_urls=directory_urls)
    # The browser resolves a relative link against the page URL's directory.
    base = source.rstrip("/") if source.endswith("/") else posixpath.dirname(source)
    relative = posixpath.relpath(target or ".", base or ".")
    if relative == ".":
        return "./"
    return relative + "/" if target.endswith("/") or not target else relative


def category_page(
    category: Category, *, language: str, directory_urls: bool = True,
    translations: Mapping[str, str] | None = None,
) -> str:
    """A category: every published article in it, with a one-line summary."""
    # Generated lists are written as HTML: Markdown's inline parsing of hundreds of links and
    # summaries per category page cost more than the rest of the page.
    here = f"categories/{category.slug}.md"
    parts = [
        _front_matter({"title": category.title, "search": {"exclude": True},
                       **({"translations": dict(translations)} if translations else {})}),
        f"# {md_text(html.unescape(category.title))}\n\n",
        f"{md_text(count_articles(language, len(category.articles)))}\n\n",
        '<ul class="kb-articles">\n',
    ]
    for article in category.articles:
        href = link(here, f"articles/{article.slug}.md", directory_urls=directory_urls)
        blurb = summary(article.body)
        parts.append(
            f'<li><a href="{_attr(href)}">{_html(article.title)}</a>'
            + (f"<br>\n{_html(blurb)}" if blurb else "")
            + "</li>\n"
        )
    parts.append("</ul>\n")
    return "".join(parts)


def article_page(
    article: Article,
    *,
    language: str,
    category: Category,
    related: Sequence[Article],
    tags: Sequence[str],
    support_label: str,
    support_url: str | None,
    directory_urls: bool = True,
    translations: Mapping[str, str] | None = None,
) -> str:
    """An article: its body, the ways customers ask it, related articles and where to get help."""
    # Searched through the chatdesk index (kb.site.search), not Material's page indexing.
    meta: dict[str, object] = {"title": html_text(article.title), "search": {"exclude": True}}
    if tags:
        meta["tags"] = list(tags)
    description = summary(article.body)
    if description:
        meta["description"] = html_text(description)
    if translations:  # language -> URL (kb.site.translations), for the switcher and hreflang
        meta["translations"] = dict(translations)
    here = f"articles/{article.slug}.md"

    def to(path: str) -> str:
        return _attr(link(here, path, directory_urls=directory_urls))

    # Only the body is Markdown. Everything the generator adds is written as HTML (raw HTML
    # blocks pass through Markdown untouched), which made 1,000-article builds markedly faster.
    # Boilerplate is kept out of search, so "support" does not match every article.
    parts = [
        _front_matter(meta),
        f"# {md_text(article.title)}\n\n",
        (
            '<div class="kb-breadcrumb" data-search-exclude><p>'
            f'<a href="{to(f"categories/{category.slug}.md")}">{category.title}</a></p></div>\n\n'
        ),
        article.body.strip("\n"),
        "\n\n",
    ]
    phrasings = _unique(article.phrasings, exclude=article.title)
    if phrasings:
        # Collapsed, but still indexed: a customer's own words find the article in search.
        parts.append(
            f'<details class="question">\n<summary>{_html(text(language, "also_asked"))}</summary>\n<ul>\n'
            + "".join(f"<li>{_html(p)}</li>\n" for p in phrasings)
            + "</ul>\n</details>\n\n"
        )
    parts.append('<div class="kb-footer" data-search-exclude>\n')
    if related:
        parts.append(f'<h2 class="kb-related">{_html(text(language, "related"))}</h2>\n<ul>\n')
        parts.extend(
            f'<li><a href="{to(f"articles/{a.slug}.md")}">{_html(a.title)}</a></li>\n' for a in related
        )
        parts.append("</ul>\n")
    if article.updated is not None:
        parts.append(
            f'<p class="kb-updated">{_html(text(language, "updated"))}: {article.updated.isoformat()}</p>\n'
        )
    if support_url:  # without a link to the channel the box would only say "ask somewhere"
        # An isolated left-to-right island, so "#support" keeps its "#" in front inside
        # right-to-left text (kb.site.bidi); unlike invisible Unicode isolates it survives copy-paste.
        channel = f'<a href="{_attr(support_url)}"><bdi dir="ltr">{_html(support_label)}</bdi></a>'
        parts.append(
            '<div class="admonition tip kb-support">\n'
            f'<p class="admonition-title">{_html(text(language, "still_need_help"))}</p>\n'
            f"<p>{text(language, 'ask_in', channel=channel)}</p>\n</div>\n"
        )
    parts.append("</div>\n")
    return "".join(parts)


def tags_index_page(
    tag_counts: Sequence[tuple[str, int]], *, language: str, directory_urls: bool = True
) -> str:
    """Every tag with how many articles carry it, linking to the tag's page."""
    title = text(language, "tags")
    here = "tags/index.md"
    parts = [
        _front_matter({"title": html_text(title), "search": {"exclude": True}}),
        f"# {md_text(title)}\n\n",
        f"{md_text(text(language, 'tags_intro'))}\n\n",
        '<ul class="kb-tags">\n',
    ]
    parts.extend(
        f'<li><a href="{_attr(link(here, f"tags/{slugify(tag)}.md", directory_urls=directory_urls))}">'
        f"{_html(tag)}</a>: {_html(count_articles(language, n))}</li>\n"
        for tag, n in tag_counts
    )
    parts.append("</ul>\n")
    return "".join(parts)


def tag_page(tag: str, *, language: str) -> str:
    """One tag: Material's tags plugin lists the articles; tag chips on articles link here."""
    listing = json.dumps({"include": [tag], "toc": False}, ensure_ascii=False)
    return "".join(
        [
            _front_matter({"title": html_text(tag), "search": {"exclude": True}}),
            f"# {md_text(text(language, 'tags'))}: {md_text(tag)}\n\n",
            f"<!-- material/tags {listing} -->\n",
        ]
    )


def page_tags(article: Article) -> list[str]:
    """The article's tags as shown on the site (cleaned, de-duplicated, order kept)."""
    return _unique([clean_tag(t) for t in article.tags])


def _unique(values: Sequence[str], *, exclude: str = "") -> list[str]:
    seen = {" ".join(exclude.casefold().split())} if exclude else set()
    result: list[str] = []
    for value in values:
        key = " ".join(value.casefold().split())
        if key and key not in seen:
            seen.add(key)
            result.append(value)
    return result


def _html(value: str) -> str:
    # Text from a source inside generated HTML: one line, markup shown as text, never parsed.
    return html.escape(" ".join(value.split()), quote=False)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)
