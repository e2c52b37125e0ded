"""What the core needs from the knowledge base, as a narrow protocol (``kb/`` implements it)."""

from __future__ import annotations

from typing import Protocol

from bot.replies import Suggestion


class Knowledge(Protocol):
    """Suggestions for requests, search for agents, and learning from resolved tickets."""

    def suggest(self, text: str, *, limit: int = 3) -> list[Suggestion]:
        """Articles that confidently fit ``text``, best first; empty when unsure."""

    def search(self, text: str, *, limit: int = 5) -> list[Suggestion]:
        """Best matches without refusal, for agents looking something up."""

    def article(self, slug: str) -> tuple[str, str] | None:
        """``(title, category)`` of a published article, or ``None``."""

    def learn(self, slug: str, wording: str, *, ticket: str = "") -> bool:
        """Propose a customer's (scrubbed) wording for an article; it waits for an agent's review."""
