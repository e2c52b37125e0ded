"""SLA warnings and breach notices for the scheduler: before a target passes, and when it has.

Each notice is a ``reminded`` event (reason ``first_response_warning``, ``resolution_warning`` or
``resolution``) appended under the store's lock, so a restarted or second scheduler never sends
one twice; its post is built from the event (``sla_notice``), so it can be owed again after a
crash (``bot.scheduled_posts``). Minutes count in the team's SLA calendar (business hours when
configured).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot import messages
from bot.clock import parse_iso
from bot.domain import ACTIVE_STATES, Event, Ticket
from bot.replies import Action, Kind, Reply
from bot.scheduled_posts import To
from bot.sla import Policies

if TYPE_CHECKING:
    from bot.scheduler import Scheduler

FIRST_RESPONSE_WARNING = "first_response_warning"
RESOLUTION_WARNING = "resolution_warning"
RESOLUTION = "resolution"
SLA_REASONS = (FIRST_RESPONSE_WARNING, RESOLUTION_WARNING, RESOLUTION)
TEXTS = {FIRST_RESPONSE_WARNING: messages.REMINDER_FIRST_RESPONSE_SOON,
         RESOLUTION_WARNING: messages.REMINDER_RESOLUTION_SOON,
         RESOLUTION: messages.REMINDER_RESOLUTION_BREACHED}


def first_response_warning(scheduler: Scheduler, ticket: Ticket, now: dt.datetime,
                           since: dt.datetime) -> list[str]:
    """Warn the team ``warn_before_minutes`` before an unclaimed ticket's first-response target."""
    policies: Policies = scheduler.policies
    policy = policies.for_priority(ticket.priority)
    if not policy.warn_before_minutes or not policy.first_response_minutes:
        return []
    left = policy.first_response_minutes - policies.calendar.minutes_between(since, now)
    if not 0 < left <= policy.warn_before_minutes:
        return []
    return _notify_once(scheduler, ticket, now, reason=FIRST_RESPONSE_WARNING, since=since)


def resolution_notices(scheduler: Scheduler, ticket: Ticket, now: dt.datetime) -> list[str]:
    """Warn before an active ticket's resolution target, and announce it once when it passes."""
    policies: Policies = scheduler.policies
    policy = policies.for_priority(ticket.priority)
    if ticket.state not in ACTIVE_STATES or not policy.resolution_minutes:
        return []
    opened = parse_iso(ticket.opened_at)
    left = policy.resolution_minutes - policies.calendar.minutes_between(opened, now)
    if left <= 0:
        return _notify_once(scheduler, ticket, now, reason=RESOLUTION, since=opened)
    if policy.warn_before_minutes and left <= policy.warn_before_minutes:
        return _notify_once(scheduler, ticket, now, reason=RESOLUTION_WARNING, since=opened)
    return []


def _notify_once(scheduler: Scheduler, ticket: Ticket, now: dt.datetime, *, reason: str,
                 since: dt.datetime) -> list[str]:
    def decide(current: Ticket) -> list[Event]:
        if current.state not in ACTIVE_STATES or _sent(current, reason, since):
            return []
        return [scheduler._event("reminded", now, reason=reason)]

    if _sent(ticket, reason, since) or not scheduler.change(ticket.id, decide):
        return []
    return [f"{reason.replace('_', ' ')} notice {ticket.id}"]


def sla_notice(scheduler: Scheduler, ticket: Ticket, event: Event) -> tuple[To, Reply] | None:
    """The team's post for an SLA ``reminded`` event, its time left counted to the event's moment."""
    from bot.metrics.report import duration
    from bot.scheduler import unclaimed_since

    reason = str(event.get("reason"))
    policies: Policies = scheduler.policies
    policy = policies.for_priority(ticket.priority)
    at = parse_iso(event.at)
    if reason == FIRST_RESPONSE_WARNING:
        target, since, actions = policy.first_response_minutes, unclaimed_since(ticket), (Action.CLAIM,)
    else:
        target, since, actions = policy.resolution_minutes, parse_iso(ticket.opened_at), ()
    if not target or reason not in TEXTS:
        return None
    left = target - policies.calendar.minutes_between(since, at)
    owner = ticket.assignee.name if ticket.assignee else messages.REMINDER_NOBODY
    text = TEXTS[reason].format(ticket_id=ticket.id, priority=ticket.priority, left=duration(abs(left)),
                                owner=owner, subject=ticket.subject)
    return To.TEAM, team_reminder(scheduler, ticket, text, actions=actions)


def team_reminder(scheduler: Scheduler, ticket: Ticket, text: str, *, actions: tuple[Action, ...] = ()) -> Reply:
    """A reminder for the team channel; a ticket in a team queue names the queue and mentions only
    its agents (those on duty, else all of them), so the other teams are not called for it."""
    workflow = getattr(scheduler.desk, "workflow", None)
    audience = workflow.queue_audience(ticket) if workflow is not None else None
    if audience is None:
        return Reply(text, kind=Kind.ANNOUNCE, ticket=ticket, actions=actions)
    queue, people = audience
    return Reply(messages.REMINDER_IN_QUEUE.format(queue=queue, text=text), kind=Kind.ANNOUNCE, ticket=ticket,
                 actions=actions, mentions=people)


def _sent(ticket: Ticket, reason: str, since: dt.datetime) -> bool:
    return any(e.type == "reminded" and e.get("reason") == reason and parse_iso(e.at) >= since
               for e in ticket.events)
