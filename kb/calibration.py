"""Self-calibrated refusal: pick the confidence threshold from the knowledge base alone.

Sampled phrasings are scored with themselves left out of the index (and of the classifier's
training set). Each gives two outcomes: an in-scope one (is its own article still first?) and
an out-of-scope one (the best confidence among the *other* articles, as if its article did not
exist: the classifier's probabilities are renormalised over the remaining articles, exactly what
a model trained without that article's class would give for the same logits). The threshold
is a quantile of those out-of-scope confidences: the engine stays quiet for a set share of the
questions it has no article for, measured on its own articles, never on a test set.

Measured alternatives (banking77, ``benchmarks/match_quality.py``): a precision target (0.7-0.9)
or a cost rule (answer when more likely right than wrong) refused far more in-scope queries
with 5 phrasings; the top score alone, without the margin, ranked refusals worse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

MAX_SAMPLES = 1000  # a stable quantile (within ~0.005 of 1500 samples) in a 10k build
SAMPLE_SEED = 0
ARTICLE_FOLDS = 5  # out-of-scope simulation: each fold leaves a fifth of the articles out
SMALL_KB = 2000  # phrasings; up to this, every article is left out once (five fits)
# Refuse 60% of simulated out-of-scope questions: the median would promise exactly the 50%
# target, and real off-topic questions resemble the KB less than its own phrasings do only
# sometimes (banking77's held-out intents are close neighbours of the kept ones).
OOS_QUANTILE = 0.6
FALLBACK_THRESHOLD = 0.45  # used when the KB is too small to measure (no phrasing to leave out)
MIN_THRESHOLD = 0.3  # never answer on less, however unlike each other the articles are
MIN_LEAD_THRESHOLD = MIN_THRESHOLD / 2  # the same floor on the lead_confidence scale
# Below this many samples the quantile is noise, and a handful of articles gives every query
# a large lead over the runner-up: stay at least as strict as the fallback.
MIN_TRUSTED_SAMPLES = 30


@dataclass(frozen=True, slots=True)
class Calibration:
    """How the refusal threshold was chosen, for ``kb eval`` and the logs."""

    threshold: float
    samples: int
    loo_top1: float | None  # share of left-out phrasings whose own article still ranked first
    loo_answered_top1: float | None
    loo_oos_recall: float | None  # share of simulated out-of-scope queries refused
    overridden: bool = False
    weights: dict[str, float] = field(default_factory=dict)  # the fusion weights in use
    lexical_threshold: float | None = None  # for queries the embedding model cannot read


def confidence(scores: np.ndarray) -> np.ndarray:
    """Each article's score plus its lead over the best *other* article, clipped to 0..1.

    The margin matters: a question that half-fits two articles is less safe to answer than one
    that clearly fits one, even at the same similarity.
    """
    if scores.shape[1] == 1:
        return np.clip(scores, 0.0, 1.0)  # nothing to lead over: similarity alone
    return np.clip(confidence_unclipped(scores), 0.0, 1.0)


def lead_confidence(scores: np.ndarray) -> np.ndarray:
    """The mean of an article's score and its lead over the best other article, in 0..1.

    :func:`confidence` halved and never clipped at the top: it reaches 1 only for a perfect
    score with no rival. The fused score is often high (classifier probabilities near 1), and
    clipping would then give every clear winner the same confidence, leaving refusal blind.
    """
    return np.clip(confidence_unclipped(scores) / 2, 0.0, 1.0)


def confidence_unclipped(scores: np.ndarray) -> np.ndarray:
    """``2 * score - best other score`` (the score itself with fewer than two articles)."""
    if scores.shape[1] < 2:
        return 2 * scores if scores.shape[1] else scores.copy()
    order = np.sort(scores, axis=1)
    best, second = order[:, -1:], order[:, -2:-1]
    return 2 * scores - np.where(scores >= best, second, best)


def calibration_sample(titles: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """A fixed-seed sample (sorted) of about ``MAX_SAMPLES`` non-title phrasings, at most the
    same number from each article.

    Every article counts the same: an article rich in learned phrasings must not decide the
    fusion weights and the threshold for the others (sampling phrasings uniformly let the few
    articles that solved tickets had taught dominate, and top-1 fell as tickets were learned).
    """
    candidates = np.flatnonzero(~titles)
    if not candidates.size:
        return candidates
    rng = np.random.default_rng(SAMPLE_SEED)
    articles = int(owner.max()) + 1
    cap = max(1, -(-MAX_SAMPLES // articles))  # ceiling division
    chosen = []
    for article in range(articles):
        mine = candidates[owner[candidates] == article]
        chosen.append(rng.choice(mine, size=cap, replace=False) if mine.size > cap else mine)
    return np.sort(np.concatenate(chosen))


def article_folds(
    owner: np.ndarray, titles: np.ndarray, *, small: int = SMALL_KB
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Groups of articles to leave out whole, each with (at most) sampled phrasings of theirs.

    A small KB (``small`` phrasings or fewer) is split into five groups, so every article is
    left out once; a large one leaves out one fifth of its articles, which is plenty of
    phrasings and costs one classifier fit.
    """
    count = int(owner.max()) + 1 if owner.size else 0
    if count < 3:
        return []  # leaving one of two out leaves nothing to be confused with
    rng = np.random.default_rng(SAMPLE_SEED)
    order = rng.permutation(count)
    groups = [order[i::ARTICLE_FOLDS] for i in range(ARTICLE_FOLDS)]
    if owner.size > small:
        groups = groups[:1]
    per_fold = MAX_SAMPLES // len(groups)
    folds = []
    for articles in groups:
        if not articles.size or count - articles.size < 2:
            continue  # the rest must still hold two articles to tell apart
        articles = np.sort(articles)
        mine = np.isin(owner, articles)
        rows = np.flatnonzero(mine & ~titles)
        rows = rows if rows.size else np.flatnonzero(mine)  # title-only articles: the titles
        if rows.size > per_fold:
            rows = np.sort(rng.choice(rows, size=per_fold, replace=False))
        folds.append((articles, rows))
    return folds


def calibrate(
    in_scope: np.ndarray,
    own: np.ndarray,
    out_of_scope: np.ndarray,
    *,
    measure: Callable[[np.ndarray], np.ndarray] = confidence,
    floor: float = MIN_THRESHOLD,
) -> Calibration:
    """The threshold from held-out scores of phrasings (rows) against every article.

    ``in_scope`` are sampled phrasings' scores, each left out (``own`` their articles);
    ``out_of_scope`` are scores of phrasings whose articles were removed (their columns 0).
    """
    if own.size == 0 or in_scope.shape[1] < 2 or out_of_scope.shape[0] == 0:
        return Calibration(FALLBACK_THRESHOLD, 0, None, None, None)
    rows = np.arange(own.size)
    top = np.argmax(in_scope, axis=1)
    own_conf = measure(in_scope)[rows, top]
    correct = top == own
    oos_best = measure(out_of_scope).max(axis=1)
    trusted = own.size >= MIN_TRUSTED_SAMPLES
    threshold = max(floor if trusted else FALLBACK_THRESHOLD,
                    float(np.quantile(oos_best, OOS_QUANTILE)))
    return Calibration(
        threshold=round(threshold, 6),
        samples=int(own.size),
        loo_top1=float(correct.mean()),
        loo_answered_top1=float((correct & (own_conf >= threshold)).mean()),
        loo_oos_recall=float((oos_best < threshold).mean()),
    )
