"""Fuse the lexical and semantic signals into one score per (query, article), weights chosen
on the knowledge base itself.

The fused score is the weighted mean of ``lexical`` (:class:`kb.index.PhrasingIndex`'s own
fused score) and the four semantic signals of :mod:`kb.semantic`; every signal is in 0..1, so
the fused score is too and :func:`kb.calibration.confidence` applies unchanged. A plain mean of
raw scores measured as well as z-scored or rank fusion on banking77 and keeps the scale that
refusal is calibrated on.

Which signal deserves most weight depends on the KB: with a few phrasings per article the
classifier generalises best; with a hundred, the nearest phrasing and the lexical signal catch
up. So the weights are picked from a small grid by top-1 on the held-out phrasings that
calibration scores anyway, with :data:`DEFAULT_FUSION` kept when the KB is too small to tell.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np

FUSED_SIGNALS: tuple[str, ...] = ("classifier", "lexical", "nearest", "centroid", "vote")
SHARES: tuple[str, ...] = ("classifier", "vote")  # signals that sum to 1 over the articles
# The best grid point with 5 phrasings per article on banking77 (leave-phrasings-out).
DEFAULT_FUSION: Mapping[str, float] = {"classifier": 2.0, "lexical": 1.0, "nearest": 1.0,
                                       "centroid": 0.5, "vote": 0.0}
_GRID = {"classifier": (2.0, 1.0, 0.5), "lexical": (1.0, 0.5), "nearest": (1.0, 0.5),
         "centroid": (0.5, 0.0, 1.0), "vote": (0.0, 0.5, 1.0)}
MIN_SAMPLES_TO_CHOOSE = 100  # below this, one phrasing more or less would flip the choice
# A grid point must beat the default by this much top-1 to replace it: ties and noise keep it.
MIN_GAIN = 0.005


def fusion_grid() -> list[dict[str, float]]:
    """Every candidate weighting, the default first."""
    grid = [dict(zip(_GRID, values)) for values in itertools.product(*_GRID.values())]
    default = dict(DEFAULT_FUSION)
    return [default] + [w for w in grid if w != default]


def fuse(signals: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """Weighted mean of the signals named in ``weights`` (missing ones are skipped)."""
    used = [name for name in FUSED_SIGNALS if weights.get(name, 0.0) and name in signals]
    if not used:
        raise ValueError(f"fusion weights {dict(weights)} name none of {sorted(signals)}")
    total = sum(weights[name] for name in used)
    fused = sum(weights[name] * np.asarray(signals[name], dtype=np.float64) for name in used)
    return np.clip(fused / total, 0.0, 1.0)


def without_articles(signals: Mapping[str, np.ndarray], removed: np.ndarray) -> dict[str, np.ndarray]:
    """The signals as if the articles marked in ``removed`` (rows x articles, bool) did not exist.

    Their columns score 0 (the lowest), so they never lead. Shares (classifier probabilities,
    the neighbours' vote) are renormalised over the remaining articles, as softmax does when a
    class is removed.
    """
    out = {}
    for name, values in signals.items():
        kept = np.where(removed, 0.0, np.asarray(values, dtype=np.float64))
        if name in SHARES:
            total = kept.sum(axis=1, keepdims=True)
            kept = np.divide(kept, total, out=np.zeros_like(kept), where=total > 0)
        out[name] = kept
    return out


def choose_weights(signals: Mapping[str, np.ndarray], own: np.ndarray) -> dict[str, float]:
    """The grid weighting with the best held-out top-1 (the default unless clearly beaten)."""
    default = dict(DEFAULT_FUSION)
    if own.size < MIN_SAMPLES_TO_CHOOSE:
        return default
    best, best_top1 = default, _top1(fuse(signals, default), own) + MIN_GAIN
    for weights in fusion_grid()[1:]:
        top1 = _top1(fuse(signals, weights), own)
        if top1 > best_top1:
            best, best_top1 = weights, top1
    return best


def _top1(scores: np.ndarray, own: np.ndarray) -> float:
    return float((np.argmax(scores, axis=1) == own).mean())
