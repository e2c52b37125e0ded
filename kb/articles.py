"""The article model: one Markdown file with YAML front matter in ``faq_sources/``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ArticleStatus = Literal["draft", "published"]
STATUSES: tuple[str, ...] = ("draft", "published")


@dataclass(frozen=True, slots=True)
class Pending:
    """A customer's wording proposed for an article, waiting for an agent to accept or reject it."""

    text: str
    ticket: str = ""


@dataclass(frozen=True, slots=True)
class Article:
    """A help article; ``questions`` are hand-written, ``learned`` came from tickets and were accepted.

    ``pending`` wordings are proposed but not reviewed: nothing matches or shows them.
    """

    slug: str
    title: str
    category: str
    body: str
    tags: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    learned: tuple[str, ...] = ()
    pending: tuple[Pending, ...] = ()
    language: str = "en"
    # Articles in different languages that share this key are translations of each other; an
    # article without one is keyed by its slug, so a translation may name the original's slug.
    translation_key: str | None = None
    status: ArticleStatus = "published"
    source_tickets: tuple[str, ...] = ()
    # The ticket store the source tickets belong to: T-1 of a new store is another ticket.
    source_store: str | None = None
    updated: dt.date | None = None
    path: Path | None = field(default=None, compare=False)

    @property
    def published(self) -> bool:
        """Only published articles are matched and shown on the help site."""
        return self.status == "published"

    @property
    def translation_group(self) -> str:
        """What this article's translations share: its ``translation_key``, else its slug."""
        return self.translation_key or self.slug

    @property
    def phrasings(self) -> tuple[str, ...]:
        """Every wording a customer has used for this article: hand-written, then learned."""
        return self.questions + self.learned
