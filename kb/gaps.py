"""Recurring questions with no article: cluster the wording of tickets the knowledge base missed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from kb.drafts import people
from kb.normalize import normalize
from kb.scrub import scrub

# Average-linkage cosine distance under which two groups of tickets are one topic. Character
# n-grams tolerate typos, inflections and scripts without spaces (Thai), like the matcher does.
DEFAULT_DISTANCE = 0.75


@dataclass(frozen=True, slots=True)
class Topic:
    """A recurring question: a representative wording, how often it came, example tickets."""

    label: str
    count: int
    ticket_ids: tuple[str, ...]
    category: str | None
    last_seen: dt.datetime | None


def missed(ticket: Mapping[str, Any], *, since: dt.datetime | None = None) -> bool:
    """True for a solved ticket that got no confident suggestion and was linked to no article."""
    if ticket.get("state") not in ("resolved", "closed"):
        return False
    events = ticket.get("events") or ()
    if any(e.get("type") == "suggested" and e.get("confident") for e in events):
        return False
    resolved = [e for e in events if e.get("type") == "resolved"]
    if not resolved or resolved[-1].get("article"):
        return False
    return since is None or (_when(resolved[-1]) or since) >= since


def find_gaps(
    tickets: Iterable[Mapping[str, Any]],
    *,
    since: dt.datetime | dt.date | None = None,
    min_count: int = 2,
    distance: float = DEFAULT_DISTANCE,
    patterns: Iterable[str] = (),
    examples: int = 5,
    covered: Callable[[str], bool] | None = None,
) -> list[Topic]:
    """Recurring topics among missed tickets, most frequent first, with example ticket ids.

    ``covered`` says whether today's knowledge base already answers a wording (say, a
    confident ``Matcher.suggest``): a topic whose article was written since is no gap.
    """
    since_dt = _as_datetime(since)
    chosen = [t for t in tickets if missed(t, since=since_dt)]
    if not chosen:
        return []
    texts = [normalize(_wording(t)) or str(t.get("id")) for t in chosen]
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit_transform(texts)
    labels = _cluster(vectors, distance=distance)
    topics = []
    for label in set(labels):
        members = [i for i, lab in enumerate(labels) if lab == label]
        if len(members) < min_count:
            continue
        group = [chosen[i] for i in members]
        centre = members[_medoid(vectors[members])]
        last = max((_resolved_at(t) for t in group), default=None, key=lambda d: d or dt.datetime.min.replace(tzinfo=dt.UTC))
        topics.append(
            Topic(
                label=_label(chosen[centre], patterns=patterns),
                count=len(group),
                ticket_ids=tuple(str(t["id"]) for t in sorted(group, key=_newest_first))[:examples],
                category=_common_category(group),
                last_seen=last,
            )
        )
    if covered is not None:
        topics = [t for t in topics if not covered(t.label)]
    topics.sort(key=lambda t: (-t.count, -(t.last_seen.timestamp() if t.last_seen else 0), t.label))
    return topics


def _cluster(vectors: Any, *, distance: float) -> list[int]:
    if vectors.shape[0] == 1:
        return [0]
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
    )
    return model.fit_predict(vectors.toarray()).tolist()


def _medoid(vectors: Any) -> int:
    # The ticket most similar to the rest of its topic names the topic.
    similarity = (vectors @ vectors.T).toarray()
    return int(np.argmax(similarity.sum(axis=1)))


def _wording(ticket: Mapping[str, Any]) -> str:
    opened = [str(e.get("text") or "") for e in ticket.get("events") or () if e.get("type") == "opened"]
    return " ".join([str(ticket.get("subject") or ""), str(ticket.get("body") or ""), *opened[:1]])


def _label(ticket: Mapping[str, Any], *, patterns: Iterable[str]) -> str:
    subject = " ".join(str(ticket.get("subject") or ticket.get("body") or "").split())
    return scrub(subject, names=people(ticket), patterns=patterns)[:120]


def _common_category(group: Sequence[Mapping[str, Any]]) -> str | None:
    categories = [t.get("category") for t in group if t.get("category")]
    return max(set(categories), key=categories.count) if categories else None


def _resolved_at(ticket: Mapping[str, Any]) -> dt.datetime | None:
    resolved = [e for e in ticket.get("events") or () if e.get("type") == "resolved"]
    return _when(resolved[-1]) if resolved else None


def _newest_first(ticket: Mapping[str, Any]) -> float:
    when = _resolved_at(ticket)
    return -when.timestamp() if when else 0.0


def _when(event: Mapping[str, Any]) -> dt.datetime | None:
    at = event.get("at")
    if not at:
        return None
    value = dt.datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _as_datetime(since: dt.datetime | dt.date | None) -> dt.datetime | None:
    if since is None or isinstance(since, dt.datetime):
        return since if since is None or since.tzinfo else since.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC)
