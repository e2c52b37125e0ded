"""The post each scheduler event calls for, rebuilt from the event alone, and owed again after a crash.

A reminder, a waiting nudge, an SLA notice or an auto-close is an event first (appended under
the store's lock, so it happens once) and a post second (handed to the outbox). A process that
dies between the two has made the event and owes a post nobody recorded. So each post is a pure
function of its ticket and event (``post_for``: the text is built from the event's time, not the
clock's), and is keyed by them (``post_key``). When a scheduler starts, ``owe_missing`` looks at
the events the desk made within the outbox's time to live and hands over again each post the
outbox does not hold: recorded once already, a key is not recorded twice, so nothing is posted
twice and nothing is lost. Only a durable outbox can say what it holds; a direct one (the
console, tests) posts at once and is never asked.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot import messages
from bot.clock import parse_iso
from bot.domain import DESK_ACTOR, Event, Ticket
from bot.outbound import owes, remembers
from bot.replies import Action, Kind, Reply

if TYPE_CHECKING:
    from bot.scheduler import Scheduler

log = logging.getLogger(__name__)


class To(StrEnum):
    """Where a scheduled post goes."""

    TEAM = "team"
    THREAD = "thread"


@dataclass(frozen=True, slots=True)
class ScheduledPost:
    """What a scheduler event calls for: where it goes, what it says, and its key in the outbox."""

    to: To
    reply: Reply
    key: str


Builder = Callable[["Scheduler", Ticket, Event], "tuple[To, Reply] | None"]


def post_key(scheduler: Scheduler, ticket: Ticket, event: Event) -> str:
    """The outbox key of the post ``event`` calls for: the same whenever it is built again."""
    reason = event.get("reason", "")
    return f"{scheduler.platform or 'all'}:scheduled:{ticket.id}:{event.type}:{reason}:{event.at}"


def post_for(scheduler: Scheduler, ticket: Ticket, event: Event) -> ScheduledPost | None:
    """The post ``event`` (one of ``ticket``'s, made by the scheduler) calls for; ``None`` for none.

    ``ticket`` is the ticket as it was just after the event, so a post built again later says
    what the first one said.
    """
    build = _builder(event)
    if build is None:
        return None
    built = build(scheduler, ticket, event)
    if built is None:
        return None
    to, reply = built
    return ScheduledPost(to, reply, post_key(scheduler, ticket, event))


def hand_over(scheduler: Scheduler, ticket: Ticket, post: ScheduledPost) -> None:
    """Give ``post`` to the scheduler's outbox, under its key."""
    if post.to is To.TEAM:
        scheduler.outbox.to_team(post.reply, key=post.key)
    else:
        scheduler.outbox.to_thread(ticket, post.reply, key=post.key)


def owe_missing(scheduler: Scheduler, now: dt.datetime, *, window: dt.timedelta) -> list[str]:
    """Hand over again every post of a scheduler event made in the last ``window`` that the
    outbox does not hold (the process died between the event and the record); a line for each."""
    if not remembers(scheduler.outbox):
        return []
    done = []
    for ticket in scheduler.store.touched(now - window):
        if scheduler.platform and ticket.source.platform != scheduler.platform:
            continue
        for index, event in enumerate(ticket.events):
            if event.actor != DESK_ACTOR.user_id or _builder(event) is None or parse_iso(event.at) < now - window:
                continue
            if owes(scheduler.outbox, post_key(scheduler, ticket, event)):
                continue
            then = as_of(ticket, index)
            post = post_for(scheduler, then, event)
            if post is None:
                continue
            log.info("%s: the post for its %s event (%s) was not recorded before the last stop; owed now",
                     ticket.id, event.type, event.at)
            hand_over(scheduler, then, post)
            done.append(f"owed again: {post.key}")
    return done


def as_of(ticket: Ticket, index: int) -> Ticket:
    """``ticket`` as it was just after its ``index``-th event."""
    if index == len(ticket.events) - 1:
        return ticket
    record = ticket.to_record()
    record["events"] = record["events"][: index + 1]
    return Ticket.from_record(record)


# -- the posts -------------------------------------------------------------------------------


def _builder(event: Event) -> Builder | None:
    if event.type == "closed" and event.get("auto"):
        return _auto_closed
    if event.type != "reminded":
        return None
    from bot.scheduler import FIRST_RESPONSE, WAITING
    from bot.sla_reminders import SLA_REASONS, sla_notice

    reason = event.get("reason", FIRST_RESPONSE)
    if reason == FIRST_RESPONSE:
        return _unclaimed_reminder
    if reason == WAITING:
        return _waiting_nudge
    return sla_notice if reason in SLA_REASONS else None


def _unclaimed_reminder(scheduler: Scheduler, ticket: Ticket, event: Event) -> tuple[To, Reply] | None:
    from bot.metrics.report import duration
    from bot.scheduler import unclaimed_since
    from bot.sla_reminders import team_reminder

    target = scheduler.policies.for_priority(ticket.priority).first_response_minutes
    if not target:
        return None
    waited = duration((parse_iso(event.at) - unclaimed_since(ticket)).total_seconds() / 60)
    text = messages.REMINDER_UNCLAIMED.format(ticket_id=ticket.id, name=ticket.requester.name, waited=waited,
                                              target=duration(target), subject=ticket.subject)
    return To.TEAM, team_reminder(scheduler, ticket, text, actions=(Action.CLAIM,))


def _waiting_nudge(scheduler: Scheduler, ticket: Ticket, event: Event) -> tuple[To, Reply]:
    from bot.scheduler import whole_days

    text = messages.WAITING_NUDGE.format(name=ticket.requester.name, ticket_id=ticket.id,
                                         days=whole_days(scheduler.schedule.close_after))
    return To.THREAD, Reply(text, kind=Kind.NOTICE, ticket=ticket)


def _auto_closed(scheduler: Scheduler, ticket: Ticket, event: Event) -> tuple[To, Reply] | None:
    from bot.scheduler import whole_days

    waiting = ticket.last_event("waiting")
    if waiting is None:
        return None
    days = whole_days(parse_iso(event.at) - parse_iso(waiting.at))
    return To.THREAD, Reply(messages.AUTO_CLOSED.format(ticket_id=ticket.id, days=days), kind=Kind.CHANGED,
                            ticket=ticket)
