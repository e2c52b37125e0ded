"""Markdown for each generated page: home, category, article, tags index and one page per tag."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from kb.articles import Article
from kb.site.strings import count_articles, text
from kb.site.text import GENERATED_NOTE, clean_tag, html_text, md_text, slugify, summary


@dataclass(frozen=True, slots=True)
class Category:
    """One category of one language's site, with its published articles sorted by title."""

    key: str
    slug: str
    title: str
    articles: tuple[Article, ...]


def _front_matter(meta: dict[str, object]) -> str:
    # JSON values are valid YAML and ~10x quicker to write than yaml.safe_dump (1,000s of pages).
    lines = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in meta.items())
    return f"---\n{lines}---\n\n{GENERATED_NOTE}\n\n"


def home_page(
    categories: Sequence[Category], *, language: str, site_name: str
) -> str:
    """The landing page: a big search prompt, then a card per category."""
    parts = [
        _front_matter(
            {"title": html_text(site_name), "hide": ["navigation", "toc"], "search": {"exclude": True}}
        ),
        '<div class="kb-hero" markdown>\n\n',
        f"# {md_text(text(language, 'hero_title'))}\n\n",
        # The label toggles Material's own search overlay (the #__search checkbox in the header).
        f'<label class="kb-hero-search" for="__search">{html_text(text(language, "hero_search"))}'
        "</label>\n\n</div>\n\n",
        f"## {md_text(text(language, 'categories'))}\n\n",
    ]
    if not categories:
        parts.append(md_text(text(language, "no_articles")) + "\n")
        return "".join(parts)
    parts.append('<div class="grid cards" markdown>\n\n')
    for category in categories:
        parts.append(
            f"-   [**{md_text(category.title)}**](categories/{category.slug}.md)\n\n"
            f"    {md_text(count_articles(language, len(category.articles)))}\n\n"
        )
    parts.append("</div>\n")
    return "".join(parts)


def category_page(category: Category, *, language: str) -> str:
    """A category: every published article in it, with a one-line summary."""
    parts = [
        _front_matter({"title": html_text(category.title), "search": {"exclude": True}}),
        f"# {md_text(category.title)}\n\n",
        f"{md_text(count_articles(language, len(category.articles)))}\n\n",
    ]
    for article in category.articles:
        line = f"- [{md_text(article.title)}](../articles/{article.slug}.md)"
        blurb = summary(article.body)
        parts.append(f"{line}  \n  {md_text(blurb)}\n" if blurb else f"{line}\n")
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
) -> str:
    """An article: its body, the ways customers ask it, related articles and where to get help."""
    meta: dict[str, object] = {"title": html_text(article.title)}
    if tags:
        meta["tags"] = list(tags)
    description = summary(article.body)
    if description:
        meta["description"] = html_text(description)
    parts = [
        _front_matter(meta),
        f"# {md_text(article.title)}\n\n",
        # Boilerplate is kept out of search, so "support" does not match every article.
        f'<div class="kb-breadcrumb" data-search-exclude markdown>\n\n'
        f"[{md_text(category.title)}](../categories/{category.slug}.md)\n\n</div>\n\n",
        article.body.strip("\n"),
        "\n\n",
    ]
    phrasings = _unique(article.phrasings, exclude=article.title)
    if phrasings:
        # Collapsed, but still indexed: a customer's own words find the article in search.
        parts.append(f'??? question "{_attr_text(text(language, "also_asked"))}"\n\n')
        parts.extend(f"    - {md_text(p)}\n" for p in phrasings)
        parts.append("\n")
    parts.append('<div class="kb-footer" data-search-exclude markdown>\n\n')
    if related:
        parts.append(f"## {md_text(text(language, 'related'))}\n\n")
        parts.extend(f"- [{md_text(a.title)}]({a.slug}.md)\n" for a in related)
        parts.append("\n")
    if article.updated is not None:
        parts.append(
            f"{md_text(text(language, 'updated'))}: {article.updated.isoformat()}\n"
            "{ .kb-updated }\n\n"
        )
    # Isolated, so "#support" keeps its "#" in front inside right-to-left text.
    channel = "\u2066" + md_text(support_label) + "\u2069"
    if support_url:
        channel = f"[{channel}]({support_url})"
    parts.append(
        f'!!! tip "{_attr_text(text(language, "still_need_help"))}"\n\n'
        f"    {text(language, 'ask_in', channel=channel)}\n\n</div>\n"
    )
    return "".join(parts)


def tags_index_page(tag_counts: Sequence[tuple[str, int]], *, language: str) -> str:
    """Every tag with how many articles carry it, linking to the tag's page."""
    title = text(language, "tags")
    parts = [
        _front_matter({"title": html_text(title), "search": {"exclude": True}}),
        f"# {md_text(title)}\n\n",
        f"{md_text(text(language, 'tags_intro'))}\n\n",
    ]
    parts.extend(
        f"- [{md_text(tag)}]({slugify(tag)}.md): {md_text(count_articles(language, n))}\n"
        for tag, n in tag_counts
    )
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


def _attr_text(value: str) -> str:
    # Admonition titles sit inside double quotes; they are rendered as inline Markdown.
    return md_text(value).replace('"', "&quot;")
