"""The week's service-level figures: breaches per each ticket's policy, business-minute times,
the share of targets met, and the same per priority.

Definitions (also in docs/metrics.md):

- A ticket's *priority* for grouping is its priority at the end of the report (``as_of``).
- A target is judged by the policy of the priority in force when the response (or resolution)
  came; a ticket still awaiting it is judged by its priority at ``as_of``.
- ``breaches``: tickets opened in the week that breached a target: answered later than their
  first-response target, or unanswered and still unresolved when it passed; or, where the policy
  sets a resolution target, resolved later than it or still unresolved when it passed.
- ``frt_business_median_min``: median first-response time in minutes that count (business hours
  when ``[business_hours]`` is set, otherwise every minute).
- ``sla_met_rate``: of the tickets opened in the week whose targets are all decided (met or
  breached) at ``as_of``, the share that met every one; none decided gives null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.domain import ACTIVE_STATES, PRIORITIES
from bot.sla import Check, Policies

if TYPE_CHECKING:
    from bot.metrics.figures import Timeline
    from bot.metrics.weeks import Week

PRIORITY_KEYS: tuple[str, ...] = (
    "opened", "breaches", "frt_median_min", "frt_business_median_min", "resolution_business_median_min",
)


def first_response_check(line: Timeline, policies: Policies, *, as_of: dt.datetime) -> Check | None:
    """The first-response target of one ticket (none when it self-served before any response)."""
    response = line.first_response
    if line.self_served_before_response(as_of):
        return None
    at = response.at if response is not None else None
    return policies.first_response(opened_at=line.opened_at, responded_at=at, now=as_of,
                                   priority_then=line.priority_at(at or as_of))


def resolution_check(line: Timeline, policies: Policies, *, as_of: dt.datetime) -> Check | None:
    """The resolution target, against the resolution in force at ``as_of`` (a reopen undoes it)."""
    resolution = line.current_resolution(as_of)
    at = resolution.at if resolution is not None else None
    return policies.resolution(opened_at=line.opened_at, resolved_at=at, now=as_of,
                               priority_then=line.priority_at(at or as_of))


def breached(line: Timeline, policies: Policies, *, as_of: dt.datetime) -> bool:
    """Whether a ticket breached any target of its policy by ``as_of``."""
    return any(_breached(check, line) for check in _checks(line, policies, as_of=as_of))


def _breached(check: Check | None, line: Timeline) -> bool:
    if check is None:
        return False
    if check.done:
        return check.breached
    # Unanswered: a breach only if the ticket was still active when the target passed.
    return check.breached and line.state_at(check.due_at + dt.timedelta(microseconds=1)) in ACTIVE_STATES


def _checks(line: Timeline, policies: Policies, *, as_of: dt.datetime) -> tuple[Check | None, Check | None]:
    return (first_response_check(line, policies, as_of=as_of), resolution_check(line, policies, as_of=as_of))


def sla_figures(opened: Sequence[Timeline], policies: Policies, *, as_of: dt.datetime) -> dict[str, Any]:
    """``breaches``, ``frt_business_median_min`` and ``sla_met_rate`` over the tickets opened in a week."""
    from bot.metrics.figures import _minutes_figure, _rate, median

    decided = met = breaches = 0
    for line in opened:
        checks = [c for c in _checks(line, policies, as_of=as_of) if c is not None]
        failed = any(_breached(c, line) for c in checks)
        breaches += failed
        if checks and (failed or all(c.done for c in checks)):
            decided += 1
            met += not failed
    business = [policies.calendar.minutes_between(line.opened_at, line.first_response.at)
                for line in opened if line.frt_minutes is not None and line.first_response is not None]
    return {
        "breaches": breaches,
        "frt_business_median_min": _minutes_figure(median(business)),
        "sla_met_rate": _rate(met, decided),
    }


def priority_figures(lines: Sequence[Timeline], week: Week, policies: Policies, *,
                     as_of: dt.datetime) -> dict[str, dict[str, Any]]:
    """Per priority (at ``as_of``), for tickets opened in the week: the keys of ``PRIORITY_KEYS``."""
    from bot.metrics.figures import _minutes_figure, median

    figures: dict[str, dict[str, Any]] = {}
    for priority in PRIORITIES:
        group = [t for t in lines if week.contains(t.opened_at) and t.priority_at(as_of) == priority]
        if not group:
            continue
        answered = [t for t in group if t.frt_minutes is not None and t.first_response is not None]
        resolved = [(t, r) for t in group if (r := t.current_resolution(as_of)) is not None]
        figures[priority] = {
            "opened": len(group),
            "breaches": sum(1 for t in group if breached(t, policies, as_of=as_of)),
            "frt_median_min": _minutes_figure(median(t.frt_minutes for t in answered)),
            "frt_business_median_min": _minutes_figure(median(
                policies.calendar.minutes_between(t.opened_at, t.first_response.at) for t in answered)),
            "resolution_business_median_min": _minutes_figure(median(
                policies.calendar.minutes_between(t.opened_at, r.at) for t, r in resolved)),
            "sla_met_rate": sla_figures(group, policies, as_of=as_of)["sla_met_rate"],
        }
    return figures
