"""Suggest help articles for a customer's message, and stay quiet when unsure.

``Matcher.build(articles)`` indexes the titles and phrasings (hand-written and learned) of the
published articles twice: lexically (:mod:`kb.index`: character and word n-grams, edit
distance) and semantically (:mod:`kb.semantic`: WordLlama embeddings and a classifier trained on
the phrasings). The signals are fused (:mod:`kb.fusion`) and refusal is calibrated on the KB
by leaving phrasings out (:mod:`kb.calibration`).

Queries in scripts the embedding model does not read (Thai, Persian: under half of their letters
ASCII) take the lexical route alone, with its own calibrated threshold; their scores are mapped
onto the fused scale so that one :attr:`Matcher.threshold` holds for every query.

``suggest`` is what intake calls: only confident matches, or nothing. ``search`` ranks without
refusing, for agents who know what they are looking for.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.articles import Article
from kb.calibration import (
    MIN_LEAD_THRESHOLD, Calibration, article_folds, calibrate, calibration_sample, confidence,
    lead_confidence,
)
from kb.embedding import ModelUnavailable
from kb.errors import SettingError
from kb.fusion import DEFAULT_FUSION, choose_weights, fuse, without_articles
from kb.index import DEFAULT_WEIGHTS, PhrasingIndex
from kb.normalize import normalize
from kb.semantic import SemanticIndex, embedding_cache, latin_share

log = logging.getLogger(__name__)
# rapidfuzz's edit distance adds nothing once the embeddings are fused in (banking77: top-1
# 0.760 -> 0.760 with 5 phrasings, 0.919 -> 0.921 with all) and costs 40% of a query at 10,000
# phrasings; it stays in the lexical route, for scripts the embeddings cannot read.
LEXICAL_IN_FUSION = frozenset({"char_max", "char_centroid", "word_centroid"})
MIN_LATIN_SHARE = 0.5  # at least this share of ASCII letters: the embedding model can read it
KEEP_BUILT = 4  # matchers kept for reuse; each holds its index (~40 MB at 10,000 phrasings)
_CHUNK = 512


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One matched article; ``score`` is the confidence in 0..1 that it answers the question."""

    slug: str
    title: str
    category: str
    score: float
    language: str
    similarity: float = 0.0  # the fused similarity before the margin, for debugging and eval


_BUILT: OrderedDict[tuple, Matcher] = OrderedDict()


class Matcher:
    """An immutable index over published articles; rebuild it when the articles change."""

    def __init__(
        self,
        articles: tuple[Article, ...],
        index: PhrasingIndex | None,
        calibration: Calibration,
        semantic: SemanticIndex | None = None,
    ) -> None:
        self.articles = articles
        self._index = index
        self._semantic = semantic
        self.calibration = calibration

    @classmethod
    def build(
        cls,
        articles: Iterable[Article],
        *,
        threshold: float | None = None,
        weights: Mapping[str, float] = DEFAULT_WEIGHTS,
        fusion: Mapping[str, float] | None = None,
        semantic: bool = True,
        cache_dir: Path | None = None,
        fresh: bool = False,
    ) -> Matcher:
        """Index published articles (sorted by slug, for determinism) and calibrate refusal.

        ``threshold`` overrides the calibrated one (config ``[kb] threshold``). ``weights``
        (lexical signals), ``fusion`` (fused signals; None = chosen on the KB) and
        ``semantic=False`` (lexical only) exist so benchmarks can measure each choice through
        the same code. Embeddings are cached in ``cache_dir`` (None: in memory only).

        The same articles and options give the same matcher, so the last few builds are kept
        and reused (two bots in one process, a reload that changed nothing); ``fresh`` skips
        that, for benchmarks that time the build.
        """
        published = tuple(sorted((a for a in articles if a.published), key=lambda a: a.slug))
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise SettingError(f"threshold must be between 0 and 1, got {threshold}")
        if not published:
            return cls((), None, Calibration(threshold if threshold is not None else 1.0, 0,
                                             None, None, None, threshold is not None))
        key = (published, tuple(sorted(weights.items())),
               None if fusion is None else tuple(sorted(fusion.items())), semantic)
        built = None if fresh else _BUILT.get(key)
        if built is None:
            built = cls._build(published, weights=weights, fusion=fusion, semantic=semantic,
                               cache_dir=cache_dir)
            _BUILT[key] = built
            while len(_BUILT) > KEEP_BUILT:
                _BUILT.popitem(last=False)
        _BUILT.move_to_end(key)
        if threshold is None:
            return built
        calibration = dataclasses.replace(built.calibration, threshold=threshold, overridden=True)
        return cls(built.articles, built._index, calibration, built._semantic)

    @classmethod
    def _build(
        cls,
        published: tuple[Article, ...],
        *,
        weights: Mapping[str, float],
        fusion: Mapping[str, float] | None,
        semantic: bool,
        cache_dir: Path | None,
    ) -> Matcher:
        groups = [_phrasings(a) for a in published]
        index = PhrasingIndex.build(groups, weights=weights)
        titles = np.zeros(len(index.owner), dtype=bool)
        titles[index.starts] = True  # each group starts with the title
        sample = calibration_sample(titles, index.owner)
        own = index.owner[sample]
        folds = article_folds(index.owner, titles)
        oos_rows = np.concatenate([rows for _, rows in folds]) if folds else np.zeros(0, int)
        removed = np.zeros((oos_rows.size, index.article_count), dtype=bool)
        start = 0
        for articles, rows in folds:
            removed[start : start + rows.size, articles] = True
            start += rows.size
        lexical_in = _lexical_held_out(index, sample)
        lexical_oos = _lexical_held_out(index, oos_rows)
        calibration = calibrate(index.fuse(lexical_in), own,
                                np.where(removed, 0.0, index.fuse(lexical_oos)))
        engine = _semantic_index(groups, index, sample, folds, cache_dir) if semantic else None
        if engine is not None:
            chosen = dict(DEFAULT_FUSION)
            fused = calibration
            if sample.size and folds:
                held = engine.held_out_signals(sample)
                held["lexical"] = _lexical_in_fusion(index, lexical_in)
                parts = [engine.out_of_scope_signals(rows) for _, rows in folds]
                oos = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
                oos["lexical"] = _lexical_in_fusion(index, lexical_oos)
                chosen = dict(fusion) if fusion is not None else choose_weights(held, own)
                fused = calibrate(fuse(held, chosen), own,
                                  fuse(without_articles(oos, removed), chosen),
                                  measure=lead_confidence, floor=MIN_LEAD_THRESHOLD)
            calibration = dataclasses.replace(fused, weights=chosen,
                                              lexical_threshold=calibration.threshold)
        return cls(published, index, calibration, engine)

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
        for rows, scores, conf in self._scored([queries[i] for i in live]):
            for row, sim, cf in zip(rows, scores, conf):
                # The stable sort keeps true ties in slug order, run after run.
                order = np.argsort(-sim, kind="stable")[:limit]
                results[live[row]] = [self._suggestion(a, cf[a], sim[a]) for a in order]
        return results

    def _scored(self, queries: list[str]) -> Iterable[tuple[list[int], np.ndarray, np.ndarray]]:
        """(rows, fused scores, confidences) per route: semantic+lexical, and lexical alone."""
        assert self._index is not None
        readable = [self._semantic is not None and latin_share(q) >= MIN_LATIN_SHARE
                    for q in queries]
        fused_rows = [i for i, ok in enumerate(readable) if ok]
        lexical_rows = [i for i, ok in enumerate(readable) if not ok]
        if fused_rows:
            assert self._semantic is not None
            signals = self._semantic.signals([queries[i] for i in fused_rows])
            signals["lexical"] = self._index.fuse(
                self._index.signals([queries[i] for i in fused_rows], only=LEXICAL_IN_FUSION))
            scores = fuse(signals, self.calibration.weights)
            yield fused_rows, scores, lead_confidence(scores)
        if lexical_rows:
            scores = self._index.scores([queries[i] for i in lexical_rows])
            yield lexical_rows, scores, self._on_fused_scale(confidence(scores))

    def _on_fused_scale(self, conf: np.ndarray) -> np.ndarray:
        """Lexical-route confidences mapped so its own threshold lands on :attr:`threshold`."""
        own = self.calibration.lexical_threshold
        if own is None or self._semantic is None:
            return conf
        target = self.threshold
        own = min(max(own, 1e-6), 1 - 1e-6)
        return np.where(conf < own, conf * (target / own),
                        target + (conf - own) * ((1 - target) / (1 - own)))

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


def _lexical_held_out(index: PhrasingIndex, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Lexical signals of indexed phrasings ``rows``, each as if it were not in the index."""
    parts = [index.left_out_signals(rows[i : i + _CHUNK]) for i in range(0, rows.size, _CHUNK)]
    if not parts:
        return {name: np.zeros((0, index.article_count)) for name in index.weights}
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def _lexical_in_fusion(index: PhrasingIndex, signals: dict[str, np.ndarray]) -> np.ndarray:
    return index.fuse({k: v for k, v in signals.items() if k in LEXICAL_IN_FUSION})


def _semantic_index(
    groups: list[list[str]],
    index: PhrasingIndex,
    sample: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    cache_dir: Path | None,
) -> SemanticIndex | None:
    try:
        return SemanticIndex.build(
            [t for g in groups for t in g], index.owner, index.starts,
            cache=embedding_cache(cache_dir), sample=sample, article_folds=folds,
        )
    except ModelUnavailable as error:
        # Suggestions still work, lexically: worse, but a help desk without them is worse still.
        log.warning("semantic matching off, lexical only: %s", error)
        return None
