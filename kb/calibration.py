"""Self-calibrated refusal: pick the confidence threshold from the knowledge base alone.

Sampled phrasings are scored against the index with themselves left out. Each gives two
outcomes: an in-scope one (is its own article still first?) and an out-of-scope one (the best
score among the *other* articles, as if its article did not exist). The threshold is the median
confidence of those out-of-scope outcomes: the engine stays quiet for at least half of the
questions it has no article for, measured on its own articles, never on a test set.

Measured alternatives (banking77, ``benchmarks/match_quality.py``): a precision target (0.7-0.9)
or a cost rule (answer when more likely right than wrong) refused far more in-scope queries
with 5 phrasings; the top score alone, without the margin, ranked refusals worse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.index import PhrasingIndex

MAX_SAMPLES = 1000  # a stable median (within ~0.005 of 1500 samples) in a 10k build < 2 s
SAMPLE_SEED = 0
OOS_QUANTILE = 0.5
FALLBACK_THRESHOLD = 0.45  # used when the KB is too small to measure (no phrasing to leave out)
MIN_THRESHOLD = 0.3  # never answer on less, however unlike each other the articles are
# Below this many samples the median is noise, and a handful of articles gives every query a
# large lead over the runner-up: stay at least as strict as the fallback.
MIN_TRUSTED_SAMPLES = 30
_CHUNK = 512


@dataclass(frozen=True, slots=True)
class Calibration:
    """How the refusal threshold was chosen, for ``kb eval`` and the logs."""

    threshold: float
    samples: int
    loo_top1: float | None  # share of left-out phrasings whose own article still ranked first
    loo_answered_top1: float | None
    loo_oos_recall: float | None  # share of simulated out-of-scope queries refused
    overridden: bool = False


def confidence(scores: np.ndarray) -> np.ndarray:
    """Each article's score plus its lead over the best *other* article, clipped to 0..1.

    The margin matters: a question that half-fits two articles is less safe to answer than one
    that clearly fits one, even at the same similarity.
    """
    if scores.shape[1] == 0:
        return scores.copy()
    if scores.shape[1] == 1:
        return np.clip(scores, 0.0, 1.0)  # nothing to lead over: similarity alone
    order = np.sort(scores, axis=1)
    best, second = order[:, -1:], order[:, -2:-1]
    best_other = np.where(scores >= best, second, best)
    return np.clip(2 * scores - best_other, 0.0, 1.0)


def calibrate(index: PhrasingIndex, *, titles: np.ndarray) -> Calibration:
    """Leave-one-phrasing-out calibration over a fixed-seed sample of non-title phrasings."""
    candidates = np.flatnonzero(~titles)
    if candidates.size == 0 or index.article_count < 2:
        return Calibration(FALLBACK_THRESHOLD, 0, None, None, None)
    rng = np.random.default_rng(SAMPLE_SEED)
    size = min(MAX_SAMPLES, candidates.size)
    sample = np.sort(rng.choice(candidates, size=size, replace=False))
    own_conf, correct, oos_conf = [], [], []
    for start in range(0, sample.size, _CHUNK):
        chunk = sample[start : start + _CHUNK]
        scores = index.fuse(index.left_out_signals(chunk))
        own = index.owner[chunk]
        rows = np.arange(chunk.size)
        conf = confidence(scores)
        top = np.argmax(scores, axis=1)
        own_conf.append(conf[rows, top])
        correct.append(top == own)
        scores[rows, own] = -np.inf  # the article "does not exist": an out-of-scope question
        oos_conf.append(confidence(np.where(np.isinf(scores), 0.0, scores)).max(axis=1))
    own_c, ok, oos_c = map(np.concatenate, (own_conf, correct, oos_conf))
    floor = MIN_THRESHOLD if size >= MIN_TRUSTED_SAMPLES else FALLBACK_THRESHOLD
    threshold = max(floor, float(np.quantile(oos_c, OOS_QUANTILE)))
    return Calibration(
        threshold=round(threshold, 6),
        samples=int(size),
        loo_top1=float(ok.mean()),
        loo_answered_top1=float((ok & (own_c >= threshold)).mean()),
        loo_oos_recall=float((oos_c < threshold).mean()),
    )
