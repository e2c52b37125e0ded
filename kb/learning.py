"""Close the loop, with review: a resolved ticket's wording is proposed, an agent accepts it.

A proposed wording waits in the article's ``pending`` list (with its ticket); only accepted
wordings join ``learned``, which the matcher indexes and the help site shows. A customer's
words are not the team's: nothing a customer wrote is public until an agent accepts it. The
caller scrubs personal data first; this module decides whether a wording is new and writes
the source file safely.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from kb.articles import Article, Pending
from kb.normalize import normalize
from kb.sources import parse_article, write_article

MAX_LEARNED_CHARS = 300  # a whole conversation is not a phrasing: it would match everything


@dataclass(frozen=True, slots=True)
class Review:
    """One pending wording, the article it was proposed for and that article's file."""

    slug: str
    title: str
    pending: Pending
    path: Path


def add_learned_phrasing(
    path: Path, text: str, *, default_language: str = "en", max_chars: int = MAX_LEARNED_CHARS
) -> bool:
    """Append ``text`` to the article at ``path``'s accepted (learned) phrasings; False if not added.

    Not added: empty after normalisation, longer than ``max_chars``, or already known (title,
    questions or learned, compared normalised). Raises ``SourceProblem`` for an invalid file.
    """
    wording = _wording(text, max_chars=max_chars)

    def change(article: Article) -> Article | None:
        if wording is None or normalize(wording) in _known(article):
            return None
        return dataclasses.replace(article, learned=article.learned + (wording,))

    return _rewrite(Path(path), change, default_language=default_language) is not None


def propose_phrasing(
    path: Path, text: str, *, ticket: str, default_language: str = "en",
    max_chars: int = MAX_LEARNED_CHARS,
) -> bool:
    """Add ``text`` to the article's pending wordings for review; False if empty, too long or known."""
    wording = _wording(text, max_chars=max_chars)

    def change(article: Article) -> Article | None:
        if wording is None:
            return None
        key = normalize(wording)
        if key in _known(article) or key in {normalize(p.text) for p in article.pending}:
            return None
        return dataclasses.replace(article, pending=article.pending + (Pending(wording, ticket),))

    return _rewrite(Path(path), change, default_language=default_language) is not None


def pending_reviews(articles: Iterable[Article]) -> list[Review]:
    """Every pending wording of ``articles``, in article then proposal order."""
    return [
        Review(a.slug, a.title, p, a.path)
        for a in articles
        if a.path is not None
        for p in a.pending
    ]


def decide_pending(
    path: Path, ticket: str, *, accept: bool, default_language: str = "en"
) -> tuple[str, ...]:
    """Accept (into ``learned``) or reject (drop) the wordings ``ticket`` proposed; returns them."""
    decided: list[str] = []

    def change(article: Article) -> Article | None:
        chosen = [p for p in article.pending if p.ticket.casefold() == ticket.casefold()]
        if not chosen:
            return None
        decided.extend(p.text for p in chosen)
        known = _known(article)
        learned = article.learned + tuple(
            p.text for p in chosen if accept and normalize(p.text) not in known
        )
        rest = tuple(p for p in article.pending if p not in chosen)
        return dataclasses.replace(article, learned=learned, pending=rest)

    _rewrite(Path(path), change, default_language=default_language)
    return tuple(decided)


def _wording(text: str, *, max_chars: int) -> str | None:
    wording = " ".join(text.split())
    if not normalize(wording) or len(wording) > max_chars:
        return None
    return wording


def _known(article: Article) -> set[str]:
    return {normalize(t) for t in (article.title, *article.phrasings)}


def _rewrite(
    path: Path, change: Callable[[Article], Article | None], *, default_language: str
) -> Article | None:
    # Two bots (Slack and Discord) and the CLI may write at once: serialise read-modify-write.
    with FileLock(str(path.with_name(f".{path.name}.lock"))):
        article = parse_article(
            path.read_text(encoding="utf-8"),
            slug=path.stem,
            path=path,
            default_language=default_language,
        )
        changed = change(article)
        if changed is not None:
            write_article(changed, path)
    return changed


def decide_reviews(
    reviews: Iterable[Review], ticket: str, *, accept: bool, default_language: str = "en"
) -> list[tuple[str, tuple[str, ...]]]:
    """Accept or reject ``ticket``'s pending wordings in every article; ``(slug, wordings)`` each."""
    done = []
    for path, slug in dict.fromkeys((r.path, r.slug) for r in reviews if r.pending.ticket.casefold()
                                    == ticket.casefold()):
        wordings = decide_pending(path, ticket, accept=accept, default_language=default_language)
        if wordings:
            done.append((slug, wordings))
    return done
