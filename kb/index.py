"""The suggestion index: per-article similarity signals over titles and phrasings, fused.

Each signal scores every (query, article) pair in 0..1; the fused score is their weighted mean.
Signals, and why each is here (figures from ``benchmarks/match_quality.py`` on banking77):

- ``char_max``: best character n-gram TF-IDF cosine against any one phrasing. Robust to typos
  and inflection, and works for Thai, which has no spaces between words.
- ``char_centroid``: cosine against the mean of the article's phrasing vectors: with few
  phrasings this generalises better than any single nearest phrasing.
- ``word_centroid``: the same with word unigrams + bigrams, which catch multi-word cues.
- ``fuzzy``: rapidfuzz ``token_sort_ratio`` (as ``ratio`` on tokens sorted up front, ten times
  faster) without English stop words, best phrasing per article: word-order-free edit distance.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

SIGNALS: tuple[str, ...] = ("char_max", "char_centroid", "word_centroid", "fuzzy")
DEFAULT_WEIGHTS: Mapping[str, float] = {name: 1.0 for name in SIGNALS}
_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)


def fuzzy_key(text: str) -> str:
    """Normalised text without English stop words, tokens sorted: the input to ``fuzzy``."""
    words = text.split()
    kept = [w for w in words if w not in _STOP_WORDS] or words
    return " ".join(sorted(kept))


@dataclass(frozen=True, slots=True)
class PhrasingIndex:
    """Vectors and fuzzy keys of every phrasing, grouped contiguously by article."""

    owner: np.ndarray  # article index of each phrasing, non-decreasing
    starts: np.ndarray  # first phrasing of each article, for np.maximum.reduceat
    char_vectorizer: TfidfVectorizer
    word_vectorizer: TfidfVectorizer
    char_matrix: sp.csr_matrix  # phrasings x char n-grams, rows L2-normalised
    char_sums: sp.csr_matrix  # articles x char n-grams: sum of the article's rows
    char_matrix_t: sp.csr_matrix  # the transpose, kept as CSR: a query's product is cheap
    char_centroids_t: sp.csr_matrix  # char_sums, L2-normalised, transposed
    word_matrix: sp.csr_matrix
    word_sums: sp.csr_matrix
    word_centroids_t: sp.csr_matrix
    char_shared: np.ndarray  # features in 2+ phrasings (see _unseen_dropped)
    word_shared: np.ndarray
    fuzzy_keys: tuple[str, ...]
    weights: Mapping[str, float]

    @classmethod
    def build(
        cls, groups: Sequence[Sequence[str]], *, weights: Mapping[str, float] = DEFAULT_WEIGHTS
    ) -> PhrasingIndex:
        """Index normalised phrasings, one group per article; every group must be non-empty."""
        if not groups or any(not g for g in groups):
            raise ValueError("every article needs at least one phrasing (its title counts)")
        unknown = set(weights) - set(SIGNALS)
        if unknown or not any(weights.get(s, 0) for s in SIGNALS):
            raise ValueError(f"weights must name some of {SIGNALS}, got {dict(weights)}")
        texts = [t for g in groups for t in g]
        sizes = np.array([len(g) for g in groups])
        owner = np.repeat(np.arange(len(groups)), sizes)
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        membership = sp.csr_matrix(
            (np.ones(len(texts)), (owner, np.arange(len(texts)))), shape=(len(groups), len(texts))
        )
        # sublinear tf and (2,4)-grams measured best on banking77; char_wb keeps n-grams
        # inside words, which also suits Thai runs.
        char_vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, dtype=np.float32
        )
        word_vectorizer = TfidfVectorizer(
            analyzer="word", ngram_range=(1, 2), token_pattern=r"\S+", sublinear_tf=True,
            dtype=np.float32,
        )
        char_matrix = char_vectorizer.fit_transform(texts).tocsr()
        word_matrix = word_vectorizer.fit_transform(texts).tocsr()
        char_sums = (membership @ char_matrix).tocsr()
        word_sums = (membership @ word_matrix).tocsr()
        return cls(
            owner=owner,
            starts=starts,
            char_vectorizer=char_vectorizer,
            word_vectorizer=word_vectorizer,
            char_matrix=char_matrix,
            char_sums=char_sums,
            char_matrix_t=char_matrix.T.tocsr(),
            char_centroids_t=l2_normalize(char_sums).T.tocsr(),
            word_matrix=word_matrix,
            word_sums=word_sums,
            word_centroids_t=l2_normalize(word_sums).T.tocsr(),
            char_shared=np.diff(char_matrix.tocsc().indptr) > 1,
            word_shared=np.diff(word_matrix.tocsc().indptr) > 1,
            fuzzy_keys=tuple(fuzzy_key(t) for t in texts),
            weights=dict(weights),
        )

    @property
    def article_count(self) -> int:
        """How many articles (groups) the index holds."""
        return len(self.starts)

    def signals(
        self, queries: Sequence[str], *, only: Collection[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Each active signal (of ``only``, if given) as a (queries x articles) array in 0..1,
        from normalised queries."""
        keys = [fuzzy_key(q) for q in queries] if self._active("fuzzy", only) else []
        return self._signals(
            lambda: self.char_vectorizer.transform(queries),
            lambda: self.word_vectorizer.transform(queries),
            keys,
            None,
            only,
        )

    def left_out_signals(self, left_out: np.ndarray) -> dict[str, np.ndarray]:
        """:meth:`signals` of indexed phrasings, each scored as if it were not in the index.

        This is the leave-one-out view used to calibrate refusal. It reuses the stored rows,
        minus the features no other phrasing has: an index built without the phrasing would
        not know them, just as it ignores a real query's unknown words.
        """
        def rows(matrix: sp.csr_matrix, shared: np.ndarray) -> sp.csr_matrix:
            return l2_normalize(matrix[left_out].multiply(shared[np.newaxis, :]).tocsr())

        return self._signals(
            lambda: rows(self.char_matrix, self.char_shared),
            lambda: rows(self.word_matrix, self.word_shared),
            [self.fuzzy_keys[i] for i in left_out],
            left_out,
            None,
        )

    def _active(self, name: str, only: Collection[str] | None = None) -> bool:
        return bool(self.weights.get(name, 0)) and (only is None or name in only)

    def _signals(
        self,
        char_queries: Callable[[], sp.csr_matrix],
        word_queries: Callable[[], sp.csr_matrix],
        fuzzy_keys: Sequence[str],
        left_out: np.ndarray | None,
        only: Collection[str] | None,
    ) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        active = functools.partial(self._active, only=only)
        if active("char_max") or active("char_centroid"):
            q_char = char_queries()
            if active("char_max"):
                scores = _dense_product(q_char, self.char_matrix, self.char_matrix_t)
                out["char_max"] = self.per_article_max(self._mask(scores, left_out))
            if active("char_centroid"):
                out["char_centroid"] = self._centroid_scores(
                    q_char, self.char_matrix, self.char_sums, self.char_centroids_t, left_out
                )
        if active("word_centroid"):
            out["word_centroid"] = self._centroid_scores(
                word_queries(), self.word_matrix, self.word_sums, self.word_centroids_t, left_out
            )
        if active("fuzzy"):
            out["fuzzy"] = self.per_article_max(self._mask(self.fuzzy_scores(fuzzy_keys), left_out))
        return out

    @staticmethod
    def _mask(scores: np.ndarray, left_out: np.ndarray | None) -> np.ndarray:
        if left_out is not None:
            scores[np.arange(len(left_out)), left_out] = 0.0
        return scores

    def _centroid_scores(
        self,
        queries: sp.csr_matrix,
        rows: sp.csr_matrix,
        sums: sp.csr_matrix,
        centroids_t: sp.csr_matrix,
        left_out: np.ndarray | None,
    ) -> np.ndarray:
        scores = (queries @ centroids_t).toarray()
        if left_out is None:
            return scores
        # The own article's centroid without the left-out row v: q.(S - v) / |S - v|.
        own = self.owner[left_out]
        taken = rows[left_out]
        own_sums = sums[own]
        dot_sum = np.asarray(queries.multiply(own_sums).sum(axis=1)).ravel()
        dot_row = np.asarray(queries.multiply(taken).sum(axis=1)).ravel()
        norm2 = (
            np.asarray(own_sums.multiply(own_sums).sum(axis=1)).ravel()
            - 2 * np.asarray(own_sums.multiply(taken).sum(axis=1)).ravel()
            + np.asarray(taken.multiply(taken).sum(axis=1)).ravel()
        )
        norm = np.sqrt(np.clip(norm2, 0.0, None))
        safe = norm > 1e-6  # nothing left of the article's centroid: no similarity
        corrected = np.where(safe, (dot_sum - dot_row) / np.where(safe, norm, 1.0), 0.0)
        scores[np.arange(len(left_out)), own] = corrected
        return scores

    def fuzzy_scores(self, keys: Sequence[str]) -> np.ndarray:
        """rapidfuzz similarity (0..1) of each :func:`fuzzy_key` to each phrasing, one core."""
        scores = process.cdist(
            keys, self.fuzzy_keys, scorer=fuzz.ratio, dtype=np.float32, workers=1
        )
        return scores / np.float32(100)

    def per_article_max(self, phrasing_scores: np.ndarray) -> np.ndarray:
        """Best phrasing score per article: (queries x phrasings) -> (queries x articles)."""
        return np.maximum.reduceat(phrasing_scores, self.starts, axis=1)

    def fuse(self, signals: Mapping[str, np.ndarray]) -> np.ndarray:
        """Weighted mean of the signals, so the fused score stays in 0..1."""
        total = sum(self.weights.get(name, 0.0) for name in signals)
        fused = sum(self.weights.get(name, 0.0) * value for name, value in signals.items())
        return np.clip(np.asarray(fused, dtype=np.float64) / total, 0.0, 1.0)

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        """Fused (queries x articles) scores for normalised queries."""
        return self.fuse(self.signals(queries))


def _dense_product(
    queries: sp.csr_matrix, matrix: sp.csr_matrix, matrix_t: sp.csr_matrix
) -> np.ndarray:
    """``queries @ matrix.T`` as a dense array, by whichever product is fast for the batch."""
    if queries.shape[0] <= 8:
        # One query touches only the rows of its own n-grams in the transposed matrix.
        return (queries @ matrix_t).toarray()
    # Many queries give a dense result: sparse x dense beats building a huge sparse product.
    return np.asarray(matrix @ queries.T.toarray()).T
