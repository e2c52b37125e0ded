"""Weekly metrics and satisfaction surveys: ``/desk metrics``, ``chatdesk metrics`` and ``[surveys]``."""

from __future__ import annotations

from pydantic import StrictInt

from bot.commands import Param, ParamKind, Verb
from bot.commands.features import not_available
from bot.config_schema import Share, section
from bot.registry import Feature, add_feature


@section
class SurveysConfig:
    """``[surveys]``: the share of resolutions that ask for a score, and an optional seed."""

    rate: Share = 0.3
    seed: StrictInt | None = None


EXAMPLE = """\
# Satisfaction surveys: the share of resolved tickets whose requester is asked for a 1-5 score.
[surveys]
# rate = 0.3

# The desk's own timers (team time zone): the weekly metrics post, reminders, waiting nudges.
[schedule]
weekly_post = true
weekly_day = "monday"
weekly_time = "09:00"
reminders = true
waiting_nudge_days = 3
waiting_close_days = 4
"""

METRICS_VERB = Verb("metrics", "metrics [2026-W47]", "the weekly support numbers", not_available("metrics"),
                    params=(Param("week", ParamKind.WORD, "An ISO week such as 2026-W47 (default: last week)"),))

add_feature(Feature("metrics", install="bot.metrics:install", cli=("bot.cli.metrics",),
                    sections={"surveys": SurveysConfig}, placeholders=(METRICS_VERB,), order=20,
                    example=EXAMPLE))
