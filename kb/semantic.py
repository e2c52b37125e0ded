"""The semantic signals: WordLlama embeddings of every phrasing and a classifier trained on them.

Three (queries x articles) signals, each from the knowledge base's own phrasings (titles,
questions, learned wordings; the KB is the training set, never a test set):

- ``nearest``: cosine to the article's closest phrasing (clipped at 0): one close wording wins.
- ``centroid``: cosine to the mean of the article's phrasing vectors: many wordings agree.
- ``vote``: the article shares of the ten nearest phrasings, each weighted by similarity: with
  many phrasings per article, several close ones are better evidence than the single closest.
- ``classifier``: multinomial logistic regression over standardised embeddings, its
  probability for each article. It learns which directions of the embedding separate the
  articles, which raw cosine cannot (banking77: 0.70 -> 0.76 top-1 with 5 phrasings).

For calibration, :meth:`SemanticIndex.held_out_signals` scores sampled phrasings as if they were
not in the index: exactly for ``nearest`` and ``centroid``, and by refitting the classifier
without them (a few folds; one for a large KB) for ``classifier``.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from kb.embedding import WordLlamaModel, wordllama
from kb.embedding_cache import EmbeddingCache

SEMANTIC_SIGNALS: tuple[str, ...] = ("classifier", "nearest", "centroid", "vote")
VOTE_K = 10  # neighbours that vote; 3/5/10 measured, 10 best with many phrasings per article
VOTE_TEMPERATURE = 10.0  # a neighbour 0.1 less similar weighs e^-1 as much (10 and 20 tied)
# C for standardised 256-dim features: 0.1 and 0.3 tie on banking77 (5 and all phrasings), 1
# and 3 lose with all (benchmarks/match_quality.py --ablation); 0.3 converges in fewer steps.
CLASSIFIER_C = 0.3
CLASSIFIER_TOL = 1e-3  # lbfgs stops within ~20 iterations; tighter changed no top-1 figure
# Every article weighs the same in the fit, however many phrasings it has: learned phrasings
# pile up on the articles that get tickets, and an unweighted fit then pulls every question
# towards them (banking77 with 18 articles taught 2,000 tickets: top-1 0.736 unweighted,
# 0.761 balanced; unchanged when articles have equal counts).
CLASS_WEIGHT = "balanced"
MAX_FOLD_SHARE = 0.2  # a calibration fold never removes more than this share of the phrasings
_caches: dict[Path | None, EmbeddingCache] = {}


def default_cache_dir() -> Path:
    """Where embeddings are cached when the deployment names no data directory."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("chatdesk", appauthor=False)) / "embeddings"


def embedding_cache(directory: Path | None) -> EmbeddingCache:
    """The process-wide cache for ``directory`` (None: memory only), so rebuilds share it."""
    key = Path(directory).resolve() if directory is not None else None
    if key not in _caches:
        _caches[key] = EmbeddingCache(key)
    return _caches[key]


def latin_share(text: str) -> float:
    """Share of the letters of ``text`` that are ASCII (what WordLlama's vocabulary covers)."""
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch.isascii() for ch in letters) / len(letters) if letters else 1.0


Folds = list[tuple[np.ndarray, np.ndarray]]  # (articles removed, their phrasings to score)


@dataclass(frozen=True, eq=False)
class SemanticIndex:
    """Unit phrasing vectors grouped by article (as :class:`kb.index.PhrasingIndex`), plus the
    classifier fitted on them."""

    model: WordLlamaModel
    owner: np.ndarray
    starts: np.ndarray
    vectors: np.ndarray  # phrasings x dim, unit length (or zero)
    sums: np.ndarray  # articles x dim: sum of the article's vectors
    centroids: np.ndarray  # sums, unit length
    mean: np.ndarray  # feature standardisation for the classifier
    scale: np.ndarray
    classifier: LogisticRegression | None = None  # None with one article: nothing to separate
    # Classifier probabilities fitted without the scored phrasings (see build), by sample.
    held_out: dict[bytes, np.ndarray] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        owner: np.ndarray,
        starts: np.ndarray,
        *,
        cache: EmbeddingCache,
        sample: np.ndarray | None = None,
        article_folds: Folds = (),
        model: WordLlamaModel | None = None,
    ) -> SemanticIndex:
        """Embed ``texts`` (normalised phrasings, grouped by ``owner``) and fit the classifier.

        For calibration, the classifier is first fitted without ``sample`` (non-title
        phrasings), fold by fold, and without each of ``article_folds``' articles; the final
        fit starts from the last phrasing fold's solution, so calibration costs little more
        than the fits themselves. :meth:`held_out_signals` then reads those results.
        """
        model = model or wordllama()
        vectors = cache.embed(model.model_id, list(texts), model.embed)
        sums = np.add.reduceat(vectors, starts, axis=0)
        scale = vectors.std(axis=0)
        scale[scale < 1e-6] = 1.0
        index = cls(model, owner, starts, vectors, sums, _unit(sums), vectors.mean(axis=0), scale)
        if len(starts) < 2:
            return index
        held: dict[bytes, np.ndarray] = {}
        last = None
        if sample is not None and sample.size:
            held[_key(sample)], last = index._phrasing_folds(sample)
        for articles, rows in article_folds:
            kept = np.flatnonzero(~np.isin(owner, articles))
            held[_key(rows)] = index._probabilities(index.fit(kept), vectors[rows])
        classifier = index.fit(np.arange(len(texts)), start=last)
        return dataclasses.replace(index, classifier=classifier, held_out=held)

    def fit(self, rows: np.ndarray, *, start: LogisticRegression | None = None) -> LogisticRegression:
        """The classifier on phrasings ``rows``.

        ``start`` (a fit on a subset of ``rows``' data, same articles) is the starting point.
        """
        classifier = copy.deepcopy(start) if start is not None else LogisticRegression(
            C=CLASSIFIER_C, tol=CLASSIFIER_TOL, max_iter=300, warm_start=True,
            class_weight=CLASS_WEIGHT,
        )
        # One BLAS thread: the figures are identical run to run and the fit never competes
        # with intake for every core.
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            classifier.fit(self._features(self.vectors[rows]), self.owner[rows])
        return classifier

    def _phrasing_folds(self, sample: np.ndarray) -> tuple[np.ndarray, LogisticRegression]:
        out = np.zeros((sample.size, len(self.starts)))
        share = MAX_FOLD_SHARE * len(self.owner)
        folds = min(sample.size, max(1, math.ceil(sample.size / share)))
        everything = np.arange(len(self.owner))
        classifier = None
        # Folds take every k-th sampled phrasing: the sample is sorted, so an article's
        # phrasings are neighbours and land in different folds (a contiguous block would strip
        # whole articles down to their titles). Each fold starts cold: a model that saw the
        # fold's phrasings would leak them.
        for start in range(folds):
            fold = np.arange(start, sample.size, folds)
            kept = np.setdiff1d(everything, sample[fold], assume_unique=True)
            classifier = self.fit(kept)
            out[fold] = self._probabilities(classifier, self.vectors[sample[fold]])
        assert classifier is not None
        return out, classifier

    def embed(self, queries: Sequence[str]) -> np.ndarray:
        """Unit vectors of normalised queries (not cached: each query is new)."""
        return self.model.embed(list(queries))

    def signals(self, queries: Sequence[str]) -> dict[str, np.ndarray]:
        """Each semantic signal as a (queries x articles) array, from normalised queries."""
        q = self.embed(queries)
        out = self._neighbours(q, None)
        out["centroid"] = np.clip(q @ self.centroids.T, 0.0, 1.0)
        out["classifier"] = self._probabilities(self.classifier, q)
        return out

    def held_out_signals(self, sample: np.ndarray) -> dict[str, np.ndarray]:
        """:meth:`signals` of indexed phrasings ``sample``, each scored as if not indexed.

        ``sample`` must not contain titles (the first phrasing of each article), so every
        article keeps at least one phrasing in every fold.
        """
        q = self.vectors[sample]
        own = self.owner[sample]
        rows = np.arange(sample.size)
        centroid = np.clip(q @ self.centroids.T, 0.0, 1.0)
        rest = self.sums[own] - q  # the own article's sum without the phrasing itself
        norms = np.linalg.norm(rest, axis=1)
        own_cos = np.einsum("ij,ij->i", q, rest) / np.where(norms > 1e-6, norms, 1.0)
        centroid[rows, own] = np.clip(np.where(norms > 1e-6, own_cos, 0.0), 0.0, 1.0)
        out = self._neighbours(q, sample)
        out["centroid"] = centroid
        if self.classifier is None:
            out["classifier"] = np.ones((sample.size, len(self.starts)))
        elif _key(sample) in self.held_out:
            out["classifier"] = self.held_out[_key(sample)].copy()
        else:
            out["classifier"] = self._phrasing_folds(sample)[0]
        return out

    def out_of_scope_signals(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """:meth:`signals` of phrasings ``rows`` (one of build's ``article_folds``), with the
        classifier fitted without their articles. The caller removes those articles' columns.
        """
        q = self.vectors[rows]
        out = self._neighbours(q, rows)
        out["centroid"] = np.clip(q @ self.centroids.T, 0.0, 1.0)
        if self.classifier is None:
            out["classifier"] = np.ones((rows.size, len(self.starts)))
        else:
            out["classifier"] = self.held_out[_key(rows)].copy()
        return out

    def _features(self, vectors: np.ndarray) -> np.ndarray:
        return ((vectors - self.mean) / self.scale).astype(np.float32)

    def _probabilities(self, classifier: LogisticRegression | None, q: np.ndarray) -> np.ndarray:
        if classifier is None or not q.shape[0]:
            return np.ones((q.shape[0], len(self.starts)))
        # No threadpool_limits here: entering it costs milliseconds, more than the product.
        known = classifier.predict_proba(self._features(q))
        # A fold may have lost an article's every non-title phrasing: it still has the title,
        # so every class is present, but map by label to be safe.
        out = np.zeros((q.shape[0], len(self.starts)))
        out[:, classifier.classes_] = known
        return out

    def _neighbours(self, q: np.ndarray, left_out: np.ndarray | None) -> dict[str, np.ndarray]:
        """``nearest`` and ``vote`` from one (queries x phrasings) product."""
        cos = q @ self.vectors.T
        rows = np.arange(q.shape[0])
        if left_out is not None:
            cos[rows, left_out] = -1.0
        nearest = np.clip(np.maximum.reduceat(cos, self.starts, axis=1), 0.0, 1.0)
        k = min(VOTE_K, cos.shape[1] - (left_out is not None))
        vote = np.zeros_like(nearest, dtype=np.float64)
        if k > 0:
            # argpartition then a stable sort by index: the same neighbours run after run.
            near = np.sort(np.argpartition(-cos, k - 1, axis=1)[:, :k], axis=1)
            weight = np.exp(VOTE_TEMPERATURE * (cos[rows[:, None], near] - 1.0))
            np.add.at(vote, (np.repeat(rows, k), self.owner[near].ravel()), weight.ravel())
            total = vote.sum(axis=1, keepdims=True)
            vote = np.divide(vote, total, out=np.zeros_like(vote), where=total > 0)
        return {"nearest": nearest, "vote": vote}


def _key(rows: np.ndarray) -> bytes:
    return np.asarray(rows, dtype=np.int64).tobytes()


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 1e-6)
