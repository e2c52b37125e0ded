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
from kb.scrub import NAME, PLACEHOLDERS, scrub
from kb.site.text import slugify
from kb.sources import check_name, check_slug, load_articles, write_article

# Chat mentions carry user ids: <@U0123ABC> (Slack), <@123456789> / <@!123…> (Discord), and
# channels <#C123|support> or roles <@&123>: a person's becomes [name], the rest [redacted].
MENTIONS = (r"<@[!&]?[A-Z0-9]+(?:\|[^>]*)?>", r"<#[A-Z0-9]+(?:\|[^>]*)?>")
_PERSON_MENTION = re.compile(r"<@!?[A-Z0-9]+(?:\|[^>]*)?>")
MAX_SLUG = 60
MAX_TITLE = 80
MAX_PHRASING = 200
# A draft this close (matcher confidence) to a published article repeats it: publish asks --force.
DUPLICATE_SCORE = 0.4  # confidence as lead_confidence: mean of score and lead (0.8 on the old scale)
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
_SENTENCE = re.compile(r"(?<=[.?!。？؟])\s+")
_CLAUSE = re.compile(r"\s*[,;:]\s+|\s+[-–—]\s+")
_DANGLING = frozenset("is are was am my our your me at to for on of in and or the a an number email e-mail "
                      "phone address name card account id i i'm".split())
# Openers that carry no question: "Hi, …", "Hello team, …", "Thanks! …".
_FILLER = re.compile(r"(?i)^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|thanks?|thank you|"
                     r"please|sorry|ok|okay)\b(?:\s+\w+)?[.!?]*$")
NOTES_HEADING = "What the team did"


class DraftError(KnowledgeBaseError):
    """A draft cannot be made or published; the message says why, for the agent."""


class NearDuplicate(DraftError):
    """Publishing would repeat a published article; ``similar`` holds ``(slug, title, score)``."""

    def __init__(self, message: str, *, similar: Sequence[tuple[str, str, float]]) -> None:
        super().__init__(message)
        self.similar = tuple(similar)


@dataclass(frozen=True, slots=True)
class DraftResult:
    """The draft written, where, and whether it was new or an update of the ticket's draft.

    ``linked`` means the ticket was resolved with a published article: instead of a
    near-duplicate draft, its wording was proposed for that article (``proposed``: it was new).
    """

    article: Article
    path: Path
    created: bool
    linked: bool = False
    proposed: bool = False


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
    title = draft_title(clean(str(ticket.get("subject") or ""))) or f"Question from {ticket_id}"
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
    linked = _linked(ticket, articles)
    if linked is not None and linked.path is not None:
        return _propose_for(linked, ticket, patterns=patterns, region=region, language=language)
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


def publish(
    slug: str, *, sources_dir: Path, today: dt.date | None = None, force: bool = False,
    threshold: float | None = None,
) -> Article:
    """Set an article's status to published: drafts never publish themselves, an agent does.

    Raises :class:`NearDuplicate` when a published article already answers the draft's
    title or questions with a matcher confidence of :data:`DUPLICATE_SCORE` or more, unless
    ``force``: two articles for one question split the matcher's votes and confuse readers.
    """
    articles = load_articles(sources_dir).articles
    article = next((a for a in articles if a.slug == slug), None)
    if article is None or article.path is None:
        raise DraftError(f"no article {slug!r} in {sources_dir}")
    if article.published:
        return article
    similar = () if force else near_duplicates(article, articles, threshold=threshold)
    if similar:
        listed = ", ".join(f"{s!r} ({t}, {score:.0%})" for s, t, score in similar)
        raise NearDuplicate(f"{slug!r} repeats the published {listed}: merge it there, or publish with --force",
                            similar=similar)
    done = dataclasses.replace(article, status="published", updated=today or dt.date.today())
    write_article(done, article.path)
    return done


def near_duplicates(
    article: Article, articles: Iterable[Article], *, threshold: float | None = None
) -> list[tuple[str, str, float]]:
    """Published articles (other than ``article``) the matcher confidently gives for its phrasings."""
    from kb.matcher import Matcher

    matcher = Matcher.build([a for a in articles if a.slug != article.slug], threshold=threshold)
    bar = max(matcher.threshold, DUPLICATE_SCORE)
    best: dict[str, tuple[str, str, float]] = {}
    for found in matcher.search_many([article.title, *article.questions], limit=1):
        for match in found:
            if match.score >= bar and match.score > best.get(match.slug, ("", "", 0.0))[2]:
                best[match.slug] = (match.slug, match.title, float(match.score))
    return sorted(best.values(), key=lambda item: -item[2])


def draft_title(subject: str) -> str:
    """A title from a (scrubbed) subject: its first real sentence, without placeholders or greetings."""
    text = " ".join(subject.split()).rstrip("…").strip()
    for sentence in _SENTENCE.split(text):
        clauses = [c for c in map(_before_placeholder, _CLAUSE.split(sentence))
                   if c.strip(" .!?") and not _FILLER.match(c.strip())]
        if clauses:
            title = ", ".join(clauses)
            if len(title) > MAX_TITLE:
                cut = title[:MAX_TITLE]
                title = cut[: cut.rfind(",")] if "," in cut[20:] else _trim_dangling(cut.rsplit(" ", 1)[0])
            title = title.rstrip(" ,;:-–—")
            return title[:1].upper() + title[1:]
    return ""


def draft_slug(title: str) -> str:
    """A URL slug from a title, cut at a word boundary so URLs stay readable; no placeholders."""
    slug = slugify(_PLACEHOLDER.sub(" ", title))
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0] or slug[:MAX_SLUG]
    return check_slug(slug.strip("-_") or "article")


def _before_placeholder(clause: str) -> str:
    # "Refund for order [order number] please" -> "Refund for order"; "my email is [email]" -> "".
    found = _PLACEHOLDER.search(clause)
    if found is None:
        return clause
    kept = _trim_dangling(clause[: found.start()])
    return kept if len(kept.split()) >= 2 else ""


def _trim_dangling(text: str) -> str:
    words = text.split()
    while words and words[-1].casefold().strip(",.") in _DANGLING:
        words.pop()
    return " ".join(words)


def _linked(ticket: Mapping[str, Any], articles: Sequence[Article]) -> Article | None:
    # The article the ticket's last resolution linked, when it is published.
    resolved = _events(ticket, "resolved")
    slug = ticket.get("article") or (resolved[-1].get("article") if resolved else None)
    return next((a for a in articles if a.slug == slug and a.published), None) if slug else None


def _propose_for(
    article: Article, ticket: Mapping[str, Any], *, patterns: Iterable[str], region: str | None, language: str
) -> DraftResult:
    from kb.learning import propose_phrasing

    clean = ticket_scrubber(ticket, patterns=patterns, region=region)
    opening = str(ticket.get("body") or ticket.get("subject") or "")
    wording = _shorten(" ".join(clean(opening).split()))
    proposed = bool(wording) and propose_phrasing(
        article.path, wording, ticket=str(ticket["id"]), default_language=language
    )
    return DraftResult(article, article.path, created=False, linked=True, proposed=proposed)


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
        return scrub(_PERSON_MENTION.sub(NAME, text), names=names, patterns=all_patterns, region=region)

    return clean


def _events(ticket: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    return [e for e in ticket.get("events") or () if e.get("type") == kind]


def _phrasings(ticket: Mapping[str, Any], clean) -> tuple[str, ...]:
    # The customer's own words: the subject and the opening message (its first sentence or two).
    texts = [str(ticket.get("subject") or ""), str(ticket.get("body") or "")]
    texts += [str(e.get("text") or "") for e in _events(ticket, "opened")]
    found: dict[str, str] = {}
    for text in texts:
        phrasing = _shorten(" ".join(clean(text).split()))  # scrub first: signatures need their lines
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
