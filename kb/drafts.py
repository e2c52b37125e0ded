"""Draft a help article from a solved ticket (a plain record), and publish a reviewed draft."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.articles import Article
from kb.errors import KnowledgeBaseError
from kb.scrub import scrub
from kb.site.text import slugify
from kb.sources import check_name, check_slug, load_articles, write_article

# Chat mentions carry user ids: <@U0123ABC> (Slack), <@123456789> / <@!123…> (Discord).
MENTIONS = (r"<@[!&]?[A-Z0-9]+(?:\|[^>]*)?>", r"<#[A-Z0-9]+(?:\|[^>]*)?>")
MAX_SLUG = 60
MAX_PHRASING = 200
NOTES_HEADING = "What the team did"


class DraftError(KnowledgeBaseError):
    """A draft cannot be made or published; the message says why, for the agent."""


@dataclass(frozen=True, slots=True)
class DraftResult:
    """The draft written, where, and whether it was new or an update of the ticket's draft."""

    article: Article
    path: Path
    created: bool


def people(ticket: Mapping[str, Any]) -> list[str]:
    """Display names of everyone on the ticket: requester, assignee and every event's actor."""
    names = [(ticket.get("requester") or {}).get("name"), (ticket.get("assignee") or {}).get("name")]
    names += [e.get("actor_name") for e in ticket.get("events") or ()]
    return [n for n in dict.fromkeys(names) if isinstance(n, str) and n.strip()]


def article_from_ticket(
    ticket: Mapping[str, Any],
    *,
    slug: str | None = None,
    existing: Article | None = None,
    patterns: Iterable[str] = (),
    region: str | None = None,
    language: str = "en",
    today: dt.date | None = None,
) -> Article:
    """The draft article for ``ticket``, scrubbed; ``existing`` is the ticket's earlier draft."""
    ticket_id = str(ticket["id"])
    clean = ticket_scrubber(ticket, patterns=patterns, region=region)
    subject = clean(str(ticket.get("subject") or "")).strip() or f"Question from {ticket_id}"
    title = subject[:1].upper() + subject[1:]
    questions = _phrasings(ticket, clean)
    body = _answer(ticket, clean)
    tickets = tuple(dict.fromkeys([*(existing.source_tickets if existing else ()), ticket_id]))
    if existing is not None:
        # Keep what a reviewer already changed in the draft's front matter; refresh the rest.
        questions = tuple(dict.fromkeys([*existing.questions, *questions]))
    return Article(
        slug=existing.slug if existing else (slug or draft_slug(title)),
        title=title,
        category=str(ticket.get("category") or (existing.category if existing else "general")),
        body=body,
        tags=tuple(dict.fromkeys([*(existing.tags if existing else ()), *(ticket.get("tags") or ())])),
        questions=questions,
        learned=existing.learned if existing else (),
        language=existing.language if existing else language,
        status="draft",
        source_tickets=tickets,
        source_store=existing.source_store if existing else None,
        updated=today or dt.date.today(),
        path=existing.path if existing else None,
    )


def draft_from_ticket(
    ticket: Mapping[str, Any],
    *,
    sources_dir: Path,
    patterns: Iterable[str] = (),
    region: str | None = None,
    language: str = "en",
    today: dt.date | None = None,
    store_id: str | None = None,
) -> DraftResult:
    """Write (or update) ``faq_sources/<slug>.md`` with status draft for a solved ticket.

    ``store_id`` names the ticket store: the draft of another store's T-1 is another draft.
    """
    if ticket.get("state") not in ("resolved", "closed"):
        raise DraftError(f"{ticket.get('id')} is {ticket.get('state')}: resolve it before drafting")
    articles = load_articles(sources_dir, default_language=language).articles
    ticket_id = str(ticket["id"])
    mine = [a for a in articles if ticket_id in a.source_tickets and a.source_store == store_id]
    published = [a for a in mine if a.published]
    if published:
        raise DraftError(
            f"{ticket_id} is already in the published article {published[0].slug!r}; edit that instead"
        )
    existing = mine[0] if mine else None
    taken = {a.slug for a in articles}
    article = article_from_ticket(
        ticket, existing=existing, patterns=patterns, region=region, language=language, today=today
    )
    if existing is None:
        article = dataclasses.replace(article, slug=_free_slug(article.slug, taken), source_store=store_id)
    _check_names(article, ticket_id)
    path = existing.path if existing and existing.path else sources_dir / f"{article.slug}.md"
    write_article(article, path)
    return DraftResult(dataclasses.replace(article, path=path), path, existing is None)


def publish(slug: str, *, sources_dir: Path, today: dt.date | None = None) -> Article:
    """Set an article's status to published: drafts never publish themselves, an agent does."""
    article = next((a for a in load_articles(sources_dir).articles if a.slug == slug), None)
    if article is None or article.path is None:
        raise DraftError(f"no article {slug!r} in {sources_dir}")
    if article.published:
        return article
    done = dataclasses.replace(article, status="published", updated=today or dt.date.today())
    write_article(done, article.path)
    return done


def draft_slug(title: str) -> str:
    """A URL slug from a title, cut at a word boundary so URLs stay readable."""
    slug = slugify(title)
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0] or slug[:MAX_SLUG]
    return check_slug(slug.strip("-_") or "article")


def _check_names(article: Article, ticket_id: str) -> None:
    for kind, value in (("category", article.category), *(("tag", tag) for tag in article.tags)):
        try:
            check_name(kind, value)
        except ValueError as error:
            raise DraftError(f"{ticket_id} has a {error}; shorten it on the ticket first") from None


def _free_slug(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate


def ticket_scrubber(
    ticket: Mapping[str, Any], *, patterns: Iterable[str], region: str | None = None
) -> Callable[[str], str]:
    """A scrub function for this ticket's text: its people, chat mentions and ``patterns`` go."""
    names = people(ticket)
    all_patterns = [*MENTIONS, *patterns]

    def clean(text: str) -> str:
        return scrub(text, names=names, patterns=all_patterns, region=region)

    return clean


def _events(ticket: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    return [e for e in ticket.get("events") or () if e.get("type") == kind]


def _phrasings(ticket: Mapping[str, Any], clean) -> tuple[str, ...]:
    # The customer's own words: the subject and the opening message (its first sentence or two).
    texts = [str(ticket.get("subject") or ""), str(ticket.get("body") or "")]
    texts += [str(e.get("text") or "") for e in _events(ticket, "opened")]
    found: dict[str, str] = {}
    for text in texts:
        phrasing = _shorten(clean(" ".join(text.split())))
        key = phrasing.casefold().rstrip("?.! ")
        if phrasing and key not in found:
            found[key] = phrasing
    return tuple(found.values())


def _shorten(text: str) -> str:
    if len(text) <= MAX_PHRASING:
        return text
    sentences = re.split(r"(?<=[.?!。？])\s+", text)
    short = ""
    for sentence in sentences:
        if len(short) + len(sentence) > MAX_PHRASING:
            break
        short = f"{short} {sentence}".strip()
    return short or text[:MAX_PHRASING].rsplit(" ", 1)[0]


def _answer(ticket: Mapping[str, Any], clean) -> str:
    resolutions = [str(e.get("resolution") or "").strip() for e in _events(ticket, "resolved")]
    resolutions = [r for r in resolutions if r]
    notes = _unique(clean(str(e.get("text") or "")).strip() for e in _events(ticket, "noted"))
    parts = [clean(resolutions[-1]) if resolutions else "TODO: write the answer."]
    if notes:
        parts.append(f"## {NOTES_HEADING}\n\n" + "\n".join(f"- {' '.join(n.split())}" for n in notes))
    return "\n\n".join(parts) + "\n"


def _unique(values: Iterable[str]) -> Sequence[str]:
    return [v for v in dict.fromkeys(values) if v]
