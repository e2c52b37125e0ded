"""A week's report: the figures, last week's for comparison, per agent and category, and the
recurring questions that have no article; as JSON (the issue's keys) or Markdown (the post)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot import messages
from bot.config import Config
from bot.domain import EventType, Ticket
from bot.metrics.figures import (
    FIGURE_KEYS, agent_figures, category_figures, group_figures, timelines, week_figures,
)
from bot.metrics.sla_figures import priority_figures
from bot.sla import Policies, policies_from
from bot.metrics.weeks import Week

log = logging.getLogger(__name__)
GAP_WEEKS = 4  # recurring topics are mined over the four weeks up to the report's end
TOP_GAPS = 5


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the weekly post says, plus the series the chart draws."""

    week: Week
    figures: dict[str, Any]
    previous: dict[str, Any]
    by_agent: dict[str, dict[str, Any]]
    by_category: dict[str, dict[str, Any]]
    gaps: tuple[dict[str, Any], ...]
    gaps_available: bool
    history: tuple[tuple[Week, dict[str, Any]], ...]  # oldest first, ending with ``week``
    target_minutes: int
    by_priority: dict[str, dict[str, Any]]
    policies: Policies
    by_queue: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The issue's keys, then the week it covers and the recurring topics without an article."""
        return {
            **{key: self.figures[key] for key in FIGURE_KEYS},
            "by_agent": self.by_agent,
            "by_category": self.by_category,
            "by_priority": self.by_priority,
            **({"by_queue": self.by_queue} if self.by_queue else {}),
            "previous": {"week": self.week.previous().label, **{k: self.previous[k] for k in FIGURE_KEYS}},
            "week": self.week.label,
            "from": self.week.start.isoformat(),
            "to": self.week.end.isoformat(),
            "timezone": str(self.week.tz.key),
            "frt_target_min": self.target_minutes,
            "gaps": list(self.gaps),
        }


def build_report(tickets: Iterable[Ticket], config: Config, week: Week, *, as_of: dt.datetime,
                 history_weeks: int = 8, with_gaps: bool = True) -> Report:
    """Compute a week's report from tickets, counting events up to ``as_of``."""
    lines = timelines(tickets, config, as_of=as_of)
    target = config.first_response_minutes
    policies = policies_from(config)

    def figures(which: Week) -> dict[str, Any]:
        return week_figures(lines, which, policies=policies, as_of=as_of)

    weeks = [week.previous(n) for n in range(history_weeks - 1, -1, -1)]
    history = tuple((w, figures(w)) for w in weeks)
    gaps, available = (_gaps(tickets, config, week, as_of=as_of) if with_gaps else ((), False))
    return Report(
        week=week,
        figures=history[-1][1] if history else figures(week),
        previous=figures(week.previous()),
        by_agent=agent_figures(lines, week),
        by_category=category_figures(lines, week, policies=policies, as_of=as_of),
        gaps=gaps,
        gaps_available=available,
        history=history,
        target_minutes=target,
        by_priority=priority_figures(lines, week, policies, as_of=as_of),
        policies=policies,
        by_queue=_queue_figures(tickets, lines, config, week, policies=policies, as_of=as_of),
    )


def _queue_figures(tickets: Iterable[Ticket], lines, config: Config, week: Week, *, policies: Policies,
                   as_of: dt.datetime) -> dict[str, dict[str, Any]]:
    """The week's figures per team queue (``[[queues]]``; the queue a ticket is in now)."""
    queues = tuple(config.validated("queues") or ())
    if not queues:
        return {}
    from bot.workflow.queues import queue_of

    names = {t.id: (found.name if (found := queue_of(t, queues)) else None) for t in tickets}
    groups = {queue.name: [line for line in lines if names.get(line.ticket_id) == queue.name] for queue in queues}
    return group_figures(groups, week, policies=policies, as_of=as_of)


def _gaps(tickets: Iterable[Ticket], config: Config, week: Week, *,
          as_of: dt.datetime) -> tuple[tuple[dict[str, Any], ...], bool]:
    """Top recurring topics with no article (``kb.gaps``), over the weeks up to this one."""
    try:
        from kb.gaps import find_gaps
    except ImportError:  # the help-center side is not installed here
        return (), False
    until = min(week.end, as_of)
    records = []
    for ticket in tickets:
        events = [e for e in ticket.events if e.moment < until]
        if events and events[0].type == EventType.OPENED:
            records.append(Ticket.from_record({**ticket.to_record(), "events": [e.to_record() for e in events]})
                           .to_record())
    try:
        from bot.kb_bridge import covered_check

        topics = find_gaps(records, since=week.previous(GAP_WEEKS - 1).start, patterns=config.scrub_patterns,
                           covered=covered_check(config))
    except Exception:  # gap mining is a bonus: the weekly numbers must still go out
        log.exception("recurring-topic mining failed for %s", week.label)
        return (), False
    return tuple({"topic": t.label, "count": t.count, "category": t.category, "tickets": list(t.ticket_ids)}
                 for t in topics[:TOP_GAPS]), True


# -- Markdown ----------------------------------------------------------------------------

def markdown(report: Report) -> str:
    """The weekly post: headline figures with the change against last week, agents, categories."""
    return "\n".join([markdown_title(report), *markdown_lines(report)])


def markdown_title(report: Report) -> str:
    week = report.week
    return messages.METRICS_TITLE.format(week=week.label, monday=week.monday.strftime("%a %d %b"),
                                         sunday=week.sunday.strftime("%a %d %b %Y"), tz=week.tz.key,
                                         previous=week.previous().label)


def markdown_lines(report: Report) -> list[str]:
    now, before = report.figures, report.previous
    lines: list[str] = []
    if not any(now[k] for k in ("opened", "resolved", "reopened", "backlog", "csat_responses")):
        lines.append(messages.METRICS_NO_TICKETS.format(week=report.week.label))
    lines.append(messages.METRICS_VOLUME.format(
        opened=now["opened"], opened_change=_count_change(now["opened"], before["opened"]),
        resolved=now["resolved"], resolved_change=_count_change(now["resolved"], before["resolved"]),
        reopened=now["reopened"], backlog=now["backlog"],
        backlog_change=_count_change(now["backlog"], before["backlog"])))
    lines.append(messages.METRICS_FRT.format(
        median=duration(now["frt_median_min"]), p90=duration(now["frt_p90_min"]),
        change=_time_change(now["frt_median_min"], before["frt_median_min"]),
        target=duration(report.target_minutes), breaches=now["breaches"]))
    lines.append(messages.METRICS_TIMES.format(
        handle=duration(now["handle_median_min"]),
        handle_change=_time_change(now["handle_median_min"], before["handle_median_min"]),
        resolution=duration(now["resolution_median_min"]),
        resolution_change=_time_change(now["resolution_median_min"], before["resolution_median_min"])))
    lines.append(messages.METRICS_SELF_SERVICE.format(
        auto=percent(now["auto_resolution_rate"]),
        auto_change=_rate_change(now["auto_resolution_rate"], before["auto_resolution_rate"]),
        coverage=percent(now["kb_coverage"]),
        coverage_change=_rate_change(now["kb_coverage"], before["kb_coverage"])))
    if now["csat_responses"]:
        lines.append(messages.METRICS_CSAT.format(
            avg=f"{now['csat_avg']:.1f}", satisfied=percent(now["csat_satisfied_rate"]),
            responses=now["csat_responses"], rate=percent(now["csat_response_rate"])))
    else:
        lines.append(messages.METRICS_CSAT_NONE)
    if report.policies.by_priority or report.policies.business_hours:
        lines += _sla_lines(report)
    if report.by_agent:
        lines.append(messages.METRICS_AGENTS_HEADER)
        for key, agent in report.by_agent.items():
            lines.append(messages.METRICS_AGENT_LINE.format(
                name=key, resolved=agent["resolved"], handle=duration(agent["handle_median_min"]),
                responses=agent["first_responses"], frt=duration(agent["frt_median_min"])))
    lines += _group_lines(messages.METRICS_QUEUES_HEADER, report.by_queue)
    lines += _group_lines(messages.METRICS_CATEGORIES_HEADER, report.by_category)
    if report.gaps:
        lines.append(messages.METRICS_GAPS_HEADER)
        for gap in report.gaps:
            where = f" · {gap['category']}" if gap.get("category") else ""
            lines.append(messages.METRICS_GAP_LINE.format(count=gap["count"], topic=gap["topic"], where=where))
    return lines


def _group_lines(header: str, groups: dict[str, dict[str, Any]]) -> list[str]:
    """A header and a line per group (team queue, category); nothing when there are none."""
    if not groups:
        return []
    return [header, *(messages.METRICS_CATEGORY_LINE.format(
        name=name, opened=figures["opened"], resolved=figures["resolved"], backlog=figures["backlog"],
        frt=duration(figures["frt_median_min"]), auto=percent(figures["auto_resolution_rate"]))
        for name, figures in groups.items())]


def _sla_lines(report: Report) -> list[str]:
    """Compliance with the team's SLA policies, overall and per priority (only when it has some)."""
    now, before = report.figures, report.previous
    clock = messages.METRICS_SLA_BUSINESS if report.policies.business_hours else messages.METRICS_SLA_ALL_HOURS
    lines = [messages.METRICS_SLA.format(met=percent(now["sla_met_rate"]),
                                         met_change=_rate_change(now["sla_met_rate"], before["sla_met_rate"]),
                                         clock=clock, business=duration(now["frt_business_median_min"]))]
    if report.by_priority:
        lines.append(messages.METRICS_PRIORITIES_HEADER)
        for priority, figures in report.by_priority.items():
            lines.append(messages.METRICS_PRIORITY_LINE.format(
                priority=priority, opened=figures["opened"], breaches=figures["breaches"],
                met=percent(figures["sla_met_rate"]), frt=duration(figures["frt_median_min"]),
                business=duration(figures["frt_business_median_min"]),
                resolution=duration(figures["resolution_business_median_min"])))
    return lines


def duration(minutes: float | None) -> str:
    """``45 min``, ``2 h 5 min``, ``3 d 4 h``; an em dash when there is no figure."""
    if minutes is None:
        return "—"
    total = round(minutes)
    if total < 60:
        return f"{minutes:.0f} min" if minutes >= 1 or minutes == 0 else f"{minutes:.1f} min"
    hours, mins = divmod(total, 60)
    if hours < 24:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def _count_change(now: int, before: int) -> str:
    if now == before:
        return messages.METRICS_SAME
    return messages.METRICS_CHANGE.format(change=_signed(now - before))


def _signed(number: int) -> str:
    return f"+{number}" if number > 0 else f"−{-number}"


def _time_change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    delta = now - before
    if abs(delta) < 0.5:
        return messages.METRICS_SAME
    sign = "+" if delta > 0 else "−"
    return messages.METRICS_CHANGE.format(change=f"{sign}{duration(abs(delta))}")


def _rate_change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    points = round((now - before) * 100)
    if points == 0:
        return messages.METRICS_SAME
    return messages.METRICS_CHANGE.format(change=f"{_signed(points)} pts")
