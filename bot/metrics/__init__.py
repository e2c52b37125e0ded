"""Weekly metrics, satisfaction surveys, and the ``/desk metrics`` verb.

``install(desk)`` is called by ``bot.app.build_desk``: it replaces the "not available yet"
``metrics`` placeholder with the real verb and sets the desk's survey sampling policy.
The figures themselves (``bot.metrics.figures``) are pure functions of ticket events.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from pathlib import Path

from bot import messages
from bot.commands import CommandContext, Verb, bad_usage
from bot.config import Config
from bot.domain import Ticket
from bot.errors import UsageError
from bot.metrics.report import Report, build_report, markdown, markdown_lines, markdown_title
from bot.metrics.surveys import SurveyPolicy, survey_rate
from bot.metrics.weeks import Week
from bot.replies import Kind, Reply

log = logging.getLogger(__name__)

__all__ = [
    "Report", "SurveyPolicy", "Week", "build_report", "chart_path", "install", "markdown", "parse_week",
    "report_tickets", "weekly_reply",
]


def parse_week(text: str | None, config: Config, *, now: dt.datetime) -> Week:
    """The week a user named (``2026-W47``), or the last full week; a polite error otherwise."""
    if not text:
        return Week.last_full(now, config.tz)
    try:
        return Week.parse(text, config.tz)
    except ValueError as exc:
        raise UsageError(messages.METRICS_BAD_WEEK, problem=_sentence(str(exc))) from None


def chart_path(config: Config, week: Week) -> Path:
    """Where a week's chart is written: ``<data dir>/charts/metrics-2026-W47.png``."""
    from bot.store import default_data_dir

    return Path(config.data_dir or default_data_dir()) / "charts" / f"metrics-{week.label}.png"


def report_tickets(store, week: Week, *, history_weeks: int = 8) -> list[Ticket]:
    """The tickets a week's report reads: any event since its history began, or still active."""
    from bot.metrics.report import GAP_WEEKS

    since = week.previous(max(history_weeks, GAP_WEEKS) - 1).start
    chosen = {t.number: t for t in (*store.touched(since), *store.active())}
    return [chosen[n] for n in sorted(chosen)]


def weekly_reply(tickets: list[Ticket], config: Config, week: Week, *, now: dt.datetime,
                 kind: Kind = Kind.INFO) -> Reply:
    """The Markdown summary of a week with its chart attached (the post and ``/desk metrics``)."""
    from bot.metrics.chart import draw_chart

    report = build_report(tickets, config, week, as_of=now)
    lines = markdown_lines(report)
    attachments: tuple[str, ...] = ()
    try:
        attachments = (str(draw_chart(report, chart_path(config, week))),)
    except Exception as exc:  # the numbers matter more than the picture
        log.exception("metrics chart for %s failed", week.label)
        lines.append(messages.METRICS_CHART_FAILED.format(problem=exc))
    return Reply(markdown_title(report), kind=kind, lines=tuple(lines), attachments=attachments)


def metrics_command(ctx: CommandContext, args: str) -> Reply:
    """``/desk metrics [2026-W47]``: the week's summary and chart (default: last full week)."""
    words = args.split()
    if len(words) > 1:
        raise bad_usage()
    desk = ctx.desk
    now = desk.service.clock.now()
    week = parse_week(words[0] if words else None, desk.config, now=now)
    return weekly_reply(report_tickets(desk.service.store, week), desk.config, week, now=now)


METRICS_VERB = Verb("metrics", "metrics [2026-W47]", "the weekly support numbers, with a chart (default: last week)",
                    metrics_command, agents_only=True)


def install(desk, *, rng: random.Random | None = None) -> None:
    """Register ``/desk metrics`` and sample resolved tickets for the satisfaction survey."""
    desk.verbs.register(METRICS_VERB)
    seed = desk.config.section("surveys").get("seed")
    source = rng or (random.Random(seed) if seed is not None else None)
    desk.survey_policy = SurveyPolicy(desk.service.store, desk.service.clock, rate=survey_rate(desk.config),
                                      rng=source)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
