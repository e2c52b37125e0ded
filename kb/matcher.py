"""Suggest help articles for a customer's message, and stay quiet when unsure.

``Matcher.build(articles)`` indexes the titles and phrasings (hand-written and learned) of the
published articles and calibrates its refusal threshold on them (see :mod:`kb.calibration`).
``suggest`` is what intake calls: only confident matches, or nothing. ``search`` ranks without
refusing, for agents who know what they are looking for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kb.articles import Article
from kb.calibration import Calibration, calibrate, confidence
from kb.errors import SettingError
from kb.index import DEFAULT_WEIGHTS, PhrasingIndex
from kb.normalize import normalize


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One matched article; ``score`` is the confidence in 0..1 that it answers the question."""

    slug: str
    title: str
    category: str
    score: float
    language: str
    similarity: float = 0.0  # the fused similarity before the margin, for debugging and eval


class Matcher:
    """An immutable index over published articles; rebuild it when the articles change."""

    def __init__(
        self,
        articles: tuple[Article, ...],
        index: PhrasingIndex | None,
        calibration: Calibration,
    ) -> None:
        self.articles = articles
        self._index = index
        self.calibration = calibration

    @classmethod
    def build(
        cls,
        articles: Iterable[Article],
        *,
        threshold: float | None = None,
        weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    ) -> Matcher:
        """Index published articles (sorted by slug, for determinism) and calibrate refusal.

        ``threshold`` overrides the calibrated one (config ``[kb] threshold``); ``weights``
        exists so benchmarks can measure single signals through the same code.
        """
        published = tuple(sorted((a for a in articles if a.published), key=lambda a: a.slug))
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise SettingError(f"threshold must be between 0 and 1, got {threshold}")
        if not published:
            return cls((), None, Calibration(threshold if threshold is not None else 1.0, 0,
                                             None, None, None, threshold is not None))
        groups = [_phrasings(a) for a in published]
        index = PhrasingIndex.build(groups, weights=weights)
        titles = np.zeros(sum(map(len, groups)), dtype=bool)
        titles[index.starts] = True  # each group starts with the title
        calibration = calibrate(index, titles=titles)
        if threshold is not None:
            calibration = Calibration(
                threshold, calibration.samples, calibration.loo_top1,
                calibration.loo_answered_top1, calibration.loo_oos_recall, overridden=True,
            )
        return cls(published, index, calibration)

    @property
    def threshold(self) -> float:
        """Confidence below which :meth:`suggest` refuses."""
        return self.calibration.threshold

    def suggest(self, text: str, *, limit: int = 3) -> list[Suggestion]:
        """Up to ``limit`` articles whose confidence reaches the threshold, best first."""
        return [s for s in self.search(text, limit=limit) if s.score >= self.threshold]

    def search(self, text: str, *, limit: int = 5) -> list[Suggestion]:
        """The ``limit`` best articles for ``text`` whatever their confidence, best first."""
        return self.search_many([text], limit=limit)[0]

    def search_many(self, texts: Sequence[str], *, limit: int = 5) -> list[list[Suggestion]]:
        """:meth:`search` for many texts at once (vectorised; used by ``kb eval``)."""
        results: list[list[Suggestion]] = [[] for _ in texts]
        queries = [normalize(t) for t in texts]
        live = [i for i, q in enumerate(queries) if q]
        if self._index is None or not live or limit <= 0:
            return results
        scores = self._index.scores([queries[i] for i in live])
        conf = confidence(scores)
        for row, i in enumerate(live):
            # Similarity orders like the unclipped confidence (2s - best other) but never ties
            # at the 0 clip; the stable sort keeps true ties in slug order, run after run.
            order = np.argsort(-scores[row], kind="stable")[:limit]
            results[i] = [self._suggestion(a, conf[row, a], scores[row, a]) for a in order]
        return results

    def _suggestion(self, position: int, score: float, similarity: float) -> Suggestion:
        article = self.articles[position]
        return Suggestion(
            slug=article.slug,
            title=article.title,
            category=article.category,
            score=round(float(score), 4),
            language=article.language,
            similarity=round(float(similarity), 4),
        )


def _phrasings(article: Article) -> list[str]:
    # Title first (calibration relies on it), then unique normalised phrasings in file order.
    seen: dict[str, None] = {}
    for text in (article.title, *article.phrasings):
        key = normalize(text)
        if key:
            seen.setdefault(key, None)
    return list(seen) or [article.slug.replace("-", " ")]
