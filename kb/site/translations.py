"""Which pages of the language sites are one page in several languages.

Articles are translations of each other when they share ``translation_key`` in front matter;
an article without one is keyed by its slug, so ``faq_sources/th/pair-a-tracker-th.md`` with
``translation_key: pair-a-tracker`` is the Thai ``pair-a-tracker.md``. A category page's
translations are the same category's pages on the other sites. Each such page carries
``translations`` (language -> URL from the site root) in its front matter; kb/site/hooks.py turns
them into the language switcher's links and the page's hreflang alternates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from kb.articles import Article
from kb.errors import KnowledgeBaseError
from kb.site.options import SiteOptions
from kb.site.pages import page_url
from kb.site.text import slugify


class TranslationKeyError(KnowledgeBaseError):
    """Two articles of one language claim to be the same article: the switcher could not choose."""


@dataclass(frozen=True, slots=True)
class Translations:
    """Language -> URL of each page that exists in more than one language."""

    articles: Mapping[str, Mapping[str, str]]  # by slug
    categories: Mapping[str, Mapping[str, str]]  # by category key

    def of_article(self, article: Article) -> Mapping[str, str]:
        """The article's page in each language it is written in ({} when only in its own)."""
        return self.articles.get(article.slug, {})

    def of_category(self, key: str) -> Mapping[str, str]:
        """The category's page on each site that lists it ({} when on one site only)."""
        return self.categories.get(key, {})


def site_origin(options: SiteOptions) -> str:
    """"https://help.example.com" of the configured site URL ("" without one)."""
    parts = urlsplit(options.site_url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def language_root(language: str, *, options: SiteOptions) -> str:
    """The language site's home, from the web server's root: "/" for the default, "/th/"."""
    base = urlsplit(options.site_url).path if options.site_url else "/"
    base = base.rstrip("/") + "/"
    return base if language == options.default_language else f"{base}{language}/"


def find_translations(
    by_language: Mapping[str, Sequence[Article]], *, options: SiteOptions, directory_urls: bool = True
) -> Translations:
    """The translations among each language's published articles; a key twice in one language is an error."""
    groups: dict[str, dict[str, Article]] = {}
    categories: dict[str, dict[str, str]] = {}
    for language, articles in by_language.items():
        root = language_root(language, options=options)
        for article in articles:
            group = groups.setdefault(article.translation_group, {})
            first = group.get(language)
            if first is not None:
                raise _clash(first, article, language=language)
            group[language] = article
            key = article.category or "general"
            categories.setdefault(key, {})[language] = root + page_url(
                f"categories/{slugify(key)}.md", directory_urls=directory_urls)
    articles_by_slug: dict[str, dict[str, str]] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        urls = {
            language: language_root(language, options=options)
            + page_url(f"articles/{article.slug}.md", directory_urls=directory_urls)
            for language, article in group.items()
        }
        for article in group.values():
            articles_by_slug[article.slug] = urls
    return Translations(
        articles=articles_by_slug,
        categories={key: urls for key, urls in categories.items() if len(urls) > 1},
    )


def _clash(first: Article, second: Article, *, language: str) -> TranslationKeyError:
    def where(article: Article) -> str:
        return str(article.path) if article.path is not None else f"article {article.slug!r}"

    return TranslationKeyError(
        f"{where(first)} and {where(second)} are both the {language} translation of "
        f"{second.translation_group!r} (translation_key, or the file name where none is given): "
        "give one of them its own translation_key",
        path=second.path,
    )


def page_links(
    translations: Mapping[str, str] | None,
    *,
    languages: Sequence[Mapping[str, str]],
    language: str,
    default_language: str,
    url: str,
    is_homepage: bool = False,
    origin: str = "",
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(hreflang alternates, language switcher entries) for one page, as Material's ``extra.alternate``.

    ``languages`` are the sites' entries (name, lang, home link); ``url`` is the page's URL
    within its own site. The switcher offers every language: the page's translation when there
    is one, else that language's home. The alternates list only pages that are this page in
    another language, the page itself, and x-default (the default language's version), as
    full URLs when ``origin`` (the configured site URL's scheme and host) is known.
    """
    homes = {entry["lang"]: entry["link"] for entry in languages}
    own = homes.get(language, "/") + url
    if is_homepage:
        found = dict(homes)
    elif translations:
        found = {entry["lang"]: translations[entry["lang"]] for entry in languages if entry["lang"] in translations}
    else:
        found = {language: own}
    switcher = [{**entry, "link": found.get(entry["lang"], entry["link"])} for entry in languages]
    alternates = [{**entry, "link": origin + found[entry["lang"]]} for entry in languages if entry["lang"] in found]
    if len(found) > 1 and default_language in found:
        alternates.append({"name": "x-default", "lang": "x-default", "link": origin + found[default_language]})
    return alternates, switcher
