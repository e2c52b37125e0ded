"""The weekly figures of issue 8, computed from ticket events and nothing else.

Each ticket is first reduced to its ``Timeline`` (when it opened, its first agent response,
every resolution with the claimed time before it, reopens, surveys, its state over time);
the figures of a week are then plain counts, rates and percentiles over those timelines.
Nothing here reads a clock: the caller says up to when events count (``as_of``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.clock import parse_iso
from bot.config import Config
from bot.domain import ACTIVE_STATES, Event, EventType, State, StateSpan, Ticket, acted_by_desk
from bot.metrics.sla_figures import sla_figures
from bot.metrics.weeks import Week
from bot.sla import Policies, priority_at

UNCATEGORIZED = "uncategorized"
# The figures every week has, in the order of issue 8 (``by_agent``, ``by_category``, ``previous`` apart).
FIGURE_KEYS: tuple[str, ...] = (
    "opened", "resolved", "reopened", "backlog", "frt_median_min", "frt_p90_min", "handle_median_min",
    "resolution_median_min", "auto_resolution_rate", "kb_coverage", "csat_avg", "csat_satisfied_rate",
    "csat_responses", "csat_response_rate", "breaches", "frt_business_median_min", "sla_met_rate",
)
AGENT_KEYS: tuple[str, ...] = ("name", "resolved", "handle_median_min", "first_responses", "frt_median_min")


@dataclass(frozen=True, slots=True)
class Response:
    """The first agent response on a ticket."""

    at: dt.datetime
    actor: str
    name: str


@dataclass(frozen=True, slots=True)
class Resolution:
    """One ``resolved`` event, with what the figures need to know about it."""

    at: dt.datetime
    actor: str
    name: str
    self_served: bool
    claimed_minutes: float  # time in the claimed state from opening up to this resolution


@dataclass(frozen=True, slots=True)
class Timeline:
    """One ticket's history as the figures read it, up to ``as_of``."""

    ticket_id: str
    opened_at: dt.datetime
    category: str
    first_response: Response | None
    resolutions: tuple[Resolution, ...]
    reopens: tuple[dt.datetime, ...]
    states: tuple[tuple[dt.datetime, State], ...]  # (from when, state), in order
    confident: bool
    surveys: tuple[tuple[dt.datetime, int], ...]
    survey_asks: tuple[dt.datetime, ...]
    agents: Mapping[str, str] = field(default_factory=dict)  # user id -> display name
    initial_priority: str = "normal"
    priority_changes: tuple[tuple[dt.datetime, str], ...] = ()  # (when, new priority), oldest first

    def state_at(self, moment: dt.datetime) -> State | None:
        """The state just before ``moment`` (None before the ticket existed)."""
        current = None
        for since, state in self.states:
            if since >= moment:
                break
            current = state
        return current

    def final_resolution_in(self, week: Week) -> Resolution | None:
        """The week's last resolution, unless a reopen in the week came after it."""
        inside = [r for r in self.resolutions if week.contains(r.at)]
        if not inside:
            return None
        last = inside[-1]
        if any(week.contains(at) and at > last.at for at in self.reopens):
            return None
        return last

    def current_resolution(self, as_of: dt.datetime) -> Resolution | None:
        """The resolution in force at ``as_of`` (not undone by a later reopen)."""
        if not self.resolutions:
            return None
        last = self.resolutions[-1]
        if any(at > last.at for at in self.reopens) or last.at > as_of:
            return None
        return last

    def priority_at(self, moment: dt.datetime) -> str:
        """The priority in force at ``moment``."""
        return priority_at(self.priority_changes, moment, initial=self.initial_priority)

    def self_served_before_response(self, as_of: dt.datetime) -> bool:
        """Whether the requester solved it themselves before any agent answered (no target applies)."""
        first = self.first_response.at if self.first_response else as_of
        return any(r.self_served and r.at <= first for r in self.resolutions)

    @property
    def frt_minutes(self) -> float | None:
        """Opening to first agent response; none when the requester self-served before any."""
        if self.first_response is None:
            return None
        if any(r.self_served and r.at <= self.first_response.at for r in self.resolutions):
            return None
        return _minutes(self.opened_at, self.first_response.at)


def timeline(ticket: Ticket, *, is_agent: Callable[[str, str], bool], as_of: dt.datetime) -> Timeline:
    """Reduce a ticket to the facts the figures use, counting only events up to ``as_of``."""
    platform = ticket.source.platform if ticket.source.platform != "unknown" else ticket.requester.platform
    requester = ticket.requester.user_id
    events = [ticket.events[0], *(e for e in ticket.events[1:] if _at(e) <= as_of)]
    opened_at = _at(events[0])
    # State and owner over time are the domain's: the figures only read its spans.
    spans = ticket.history(until=as_of)
    states = [(span.start, span.state) for position, span in enumerate(spans)
              if position == 0 or span.state is not spans[position - 1].state]

    def agent_acts(event: Event) -> bool:
        if acted_by_desk(event):
            return False
        if event.type in (EventType.CLAIMED, EventType.REPLIED, EventType.ASSIGNED):
            return True
        return event.actor != requester and is_agent(platform, event.actor)

    first_response: Response | None = None
    resolutions: list[Resolution] = []
    reopens: list[dt.datetime] = []
    surveys: list[tuple[dt.datetime, int]] = []
    asks: list[dt.datetime] = []
    agents: dict[str, str] = {}
    confident = False
    category = events[0].get("category")
    initial_priority = str(events[0].get("priority") or "normal")
    priority_changes: list[tuple[dt.datetime, str]] = []

    for event in events[1:]:
        at, kind = _at(event), event.type
        if (first_response is None and kind in (EventType.CLAIMED, EventType.REPLIED, EventType.MESSAGE)
                and agent_acts(event)):
            first_response = Response(at, event.actor, event.actor_name or event.actor)
            agents.setdefault(event.actor, first_response.name)
        if kind == EventType.REOPENED:
            reopens.append(at)
        elif kind == EventType.CATEGORY:
            category = event.get("category")
        elif kind == EventType.PRIORITY and event.get("priority"):
            priority_changes.append((at, str(event.get("priority"))))
        elif kind == EventType.SUGGESTED:
            offered = event.get("suggestions") or ()
            confident = confident or bool(event.get("confident", bool(offered)))
        elif kind == EventType.SURVEY and event.get("score") is not None:
            surveys.append((at, int(event.get("score"))))
        elif kind == EventType.SURVEY_ASKED:
            asks.append(at)
        if kind == EventType.RESOLVED:
            served = _self_served(event, requester=requester, platform=platform, is_agent=is_agent)
            resolutions.append(Resolution(at, event.actor, event.actor_name or event.actor, served,
                                          _claimed_minutes(spans, until=at)))
            if not served:
                agents.setdefault(event.actor, event.actor_name or event.actor)
        elif agent_acts(event):
            agents.setdefault(event.actor, event.actor_name or event.actor)

    return Timeline(
        ticket_id=ticket.id,
        opened_at=opened_at,
        category=str(category or UNCATEGORIZED),
        first_response=first_response,
        resolutions=tuple(resolutions),
        reopens=tuple(reopens),
        states=tuple(states),
        confident=confident,
        surveys=tuple(surveys),
        survey_asks=tuple(asks),
        agents=agents,
        initial_priority=initial_priority,
        priority_changes=tuple(priority_changes),
    )


def _claimed_minutes(spans: Sequence[StateSpan], *, until: dt.datetime) -> float:
    """Time spent in the claimed state in spans that ended by ``until`` (the handle time so far)."""
    return sum(span.minutes() or 0.0 for span in spans
               if span.state is State.CLAIMED and span.end is not None and span.end <= until)


def _self_served(event: Event, *, requester: str, platform: str, is_agent: Callable[[str, str], bool]) -> bool:
    if "self_served" in event.data:
        return bool(event.get("self_served"))
    return event.actor == requester and not is_agent(platform, event.actor)


def _at(event: Event) -> dt.datetime:
    return parse_iso(event.at)


def _minutes(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 60


# -- statistics ------------------------------------------------------------------------

def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th quantile with linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Iterable[float]) -> float | None:
    return percentile(values, 0.5)


def _minutes_figure(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 3)


# -- the figures of a week ----------------------------------------------------------------

def week_figures(lines: Sequence[Timeline], week: Week, *, policies: Policies,
                 as_of: dt.datetime) -> dict[str, Any]:
    """The scalar figures of issue 8 for one week over some tickets (all, a category, ...)."""
    opened = [t for t in lines if week.contains(t.opened_at)]
    finals = [(t, r) for t in lines if (r := t.final_resolution_in(week)) is not None]
    by_agent = [(t, r) for t, r in finals if not r.self_served]
    frts = [m for t in opened if (m := t.frt_minutes) is not None]
    self_served = sum(1 for t in opened if (r := t.current_resolution(as_of)) is not None and r.self_served)
    scores = [score for t in lines for at, score in t.surveys if week.contains(at)]
    asked, answered = _survey_cohort(lines, week)
    return {
        "opened": len(opened),
        "resolved": len(finals),
        "reopened": sum(1 for t in lines if any(week.contains(at) for at in t.reopens)),
        "backlog": sum(1 for t in lines if t.state_at(week.end) in ACTIVE_STATES),
        "frt_median_min": _minutes_figure(median(frts)),
        "frt_p90_min": _minutes_figure(percentile(frts, 0.9)),
        "handle_median_min": _minutes_figure(median(r.claimed_minutes for _, r in by_agent)),
        "resolution_median_min": _minutes_figure(median(_minutes(t.opened_at, r.at) for t, r in finals)),
        "auto_resolution_rate": _rate(self_served, len(opened)),
        "kb_coverage": _rate(sum(1 for t in opened if t.confident), len(opened)),
        "csat_avg": round(sum(scores) / len(scores), 2) if scores else None,
        "csat_satisfied_rate": _rate(sum(1 for s in scores if s >= 4), len(scores)),
        "csat_responses": len(scores),
        "csat_response_rate": _rate(answered, asked),
        **sla_figures(opened, policies, as_of=as_of),
    }


def _survey_cohort(lines: Sequence[Timeline], week: Week) -> tuple[int, int]:
    """Surveys asked in the week, and how many of those got an answer before the next ask."""
    asked = answered = 0
    for line in lines:
        for position, at in enumerate(line.survey_asks):
            if not week.contains(at):
                continue
            asked += 1
            until = line.survey_asks[position + 1] if position + 1 < len(line.survey_asks) else None
            if any(s_at >= at and (until is None or s_at < until) for s_at, _ in line.surveys):
                answered += 1
    return asked, answered


def agent_figures(lines: Sequence[Timeline], week: Week) -> dict[str, dict[str, Any]]:
    """Per agent: tickets resolved (not self-served), their median handle time, first responses."""
    names: dict[str, str] = {}
    resolved: dict[str, list[Resolution]] = {}
    responses: dict[str, list[float]] = {}
    active: set[str] = set()
    for line in lines:
        names.update(line.agents)
        final = line.final_resolution_in(week)
        if final is not None and not final.self_served:
            resolved.setdefault(final.actor, []).append(final)
            active.add(final.actor)
        if week.contains(line.opened_at) and line.first_response is not None:
            frt = line.frt_minutes
            responder = line.first_response.actor
            active.add(responder)
            if frt is not None:
                responses.setdefault(responder, []).append(frt)
    keys = _agent_keys({agent: names.get(agent, agent) for agent in active})
    figures = {}
    for agent in sorted(active, key=lambda a: keys[a].casefold()):
        handled = resolved.get(agent, [])
        figures[keys[agent]] = {
            "name": names.get(agent, agent),
            "resolved": len(handled),
            "handle_median_min": _minutes_figure(median(r.claimed_minutes for r in handled)),
            "first_responses": len(responses.get(agent, [])),
            "frt_median_min": _minutes_figure(median(responses.get(agent, []))),
        }
    return figures


def _agent_keys(names: Mapping[str, str]) -> dict[str, str]:
    """Agents keyed by display name; two agents sharing a name are told apart by their id."""
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    return {agent: name if counts[name.casefold()] == 1 else f"{name} ({agent})" for agent, name in names.items()}


def category_figures(lines: Sequence[Timeline], week: Week, *, policies: Policies,
                     as_of: dt.datetime) -> dict[str, dict[str, Any]]:
    """The week's figures per ticket category (as categorised now); quiet categories left out."""
    groups: dict[str, list[Timeline]] = {}
    for line in lines:
        groups.setdefault(line.category, []).append(line)
    ordered = {name: groups[name] for name in sorted(groups, key=lambda c: (c == UNCATEGORIZED, c))}
    return group_figures(ordered, week, policies=policies, as_of=as_of)


def group_figures(groups: Mapping[str, Sequence[Timeline]], week: Week, *, policies: Policies,
                  as_of: dt.datetime) -> dict[str, dict[str, Any]]:
    """The week's figures for each named group of tickets, in order; groups with nothing that week left out."""
    figures = {}
    for name, group in groups.items():
        result = week_figures(group, week, policies=policies, as_of=as_of)
        if any(result[k] for k in ("opened", "resolved", "reopened", "backlog", "csat_responses")):
            figures[name] = result
    return figures


def timelines(tickets: Iterable[Ticket], config: Config, *, as_of: dt.datetime) -> list[Timeline]:
    """Every ticket opened by ``as_of``, reduced to its timeline."""
    return [timeline(t, is_agent=config.is_agent, as_of=as_of) for t in tickets
            if parse_iso(t.opened_at) <= as_of]
