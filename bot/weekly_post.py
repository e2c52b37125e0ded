"""The scheduled weekly metrics post: marked sent once the platform accepted it, missed weeks caught up.

A week's post is marked in the store (``remember``: once only, across processes and hosts) when it
was accepted, not before, so a failed post goes out at a later tick. A durable outbox records
the post under the same key and sets the mark itself on acceptance; while it holds the post, the
week is not built again, and once the post is out, a mark the process died before writing is
written by the next tick (so ``chatdesk status`` shows the week sent). After a stop of more than a week, every week since the last one sent
goes out, oldest first, at most ``[schedule] weekly_catch_up`` of them (the older ones are
logged and marked skipped). A desk that never sent a post owes the latest week only.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from bot.clock import to_iso
from bot.outbound import Handed, accepted, owes
from bot.replies import Kind

if TYPE_CHECKING:
    from bot.metrics import Week
    from bot.scheduler import Scheduler

log = logging.getLogger(__name__)

LOOK_BACK = 53  # weeks searched for the last one sent: about a year
SKIPPED = "skipped"


def post_weeks_owed(scheduler: Scheduler, now: dt.datetime) -> list[str]:
    """Hand every owed week's post to the outbox, oldest first; a line per week handed over."""
    from bot.metrics import report_tickets, weekly_reply

    done = []
    for week, moment in weeks_owed(scheduler, scheduler.weekly_due(now)):
        key = scheduler.weekly_key(week.label)
        if owes(scheduler.outbox, key):  # recorded earlier: being delivered, given up, or out
            if accepted(scheduler.outbox, key):  # out, and the process died before marking it
                scheduler.store.remember(key, to_iso(now))
                done.append(f"weekly post {week.label} marked sent (accepted before the last stop)")
            continue
        reply = weekly_reply(report_tickets(scheduler.store, week), scheduler.config, week, now=min(moment, now),
                             kind=Kind.ANNOUNCE)
        handed = scheduler.outbox.to_team(reply, key=key, mark=key)
        if handed is Handed.NOT_POSTED:
            log.warning("weekly post %s not accepted; tried again at the next tick", week.label)
            break  # oldest first: a newer week never goes out before an older one
        if handed is not Handed.OWED:  # posted now (or nowhere to post it): sent, once
            scheduler.store.remember(key, to_iso(now))
        done.append(f"weekly post {week.label}")
    return done


def weeks_owed(scheduler: Scheduler, due: dt.datetime) -> list[tuple[Week, dt.datetime]]:
    """The weeks after the last one sent, oldest first, each with its post moment (``due`` the latest)."""
    from bot.metrics import Week

    limit = scheduler.schedule.weekly_catch_up
    week, moment = Week.last_full(due, scheduler.config.tz), due
    missed: list[tuple[Week, dt.datetime]] = []
    for _ in range(max(LOOK_BACK, limit)):
        if scheduler.store.recall(scheduler.weekly_key(week.label)) is not None:
            break
        missed.append((week, moment))
        week, moment = week.previous(), moment - dt.timedelta(weeks=1)
    else:
        missed = missed[:1]  # none sent in a year: a new desk, which owes only the latest week
    for old, _ in missed[limit:]:
        log.warning("weekly post %s skipped: more than %d weeks were missed ([schedule] weekly_catch_up)",
                    old.label, limit)
        scheduler.store.remember(scheduler.weekly_key(old.label), SKIPPED)
    return missed[:limit][::-1]


def weekly_key(platform: str | None, week_label: str) -> str:
    """The memo key that marks a week's post sent (and names it in the outbox)."""
    return f"metrics:weekly-post:{platform or 'all'}:{week_label}"


def last_sent(store, platform: str, config, *, now: dt.datetime) -> dict[str, str] | None:
    """The latest week whose post was accepted, and when (``chatdesk status``); ``None`` in the last year."""
    from bot.metrics import Week

    week = Week.last_full(now, config.tz)
    for _ in range(LOOK_BACK):
        value = store.recall(weekly_key(platform, week.label))
        if value is not None and value != SKIPPED:
            return {"week": week.label, "sent": str(value)}
        week = week.previous()
    return None
