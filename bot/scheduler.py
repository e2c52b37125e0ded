"""The desk's own timers: the Monday metrics post, first-response reminders, waiting nudges
and auto-close.

Everything is decided in ``Scheduler.tick()`` from the injected clock and the tickets' events,
never from in-memory timers, so a restarted bot picks up exactly where it left off: deadlines
come from the events, every reminder and auto-close is itself an event (appended under the
store's lock, so two processes never both send it), and the platform is reached only through an
``Outbox`` (the durable one records the post before anything is sent). Each post is built from
its event and keyed by it (``bot.scheduled_posts``), so the first tick of a new process owes
again any post whose event was made just before a crash and whose record was not.

The weekly post is marked sent in the store (``remember``, once only) when the platform has
accepted it, not before: a post that failed is tried again at the next tick (a durable outbox
retries it itself and sets the mark on acceptance). After a longer stop, every missed week goes
out, oldest first, up to ``weekly_catch_up`` weeks; older ones are logged as skipped. Ticks run
under the store's ``exclusive`` lock, so N processes (or hosts, on PostgreSQL) post a week once.

Configuration (``chatdesk.toml``), all optional::

    [schedule]
    weekly_post = true          # post the metrics summary to the team channel
    weekly_day = "monday"
    weekly_time = "09:00"       # in the team's time zone
    weekly_catch_up = 8         # after a long stop, post at most this many missed weeks
    reminders = true            # announce unclaimed tickets past first_response_minutes again
    waiting_nudge_days = 3      # nudge the customer after this long waiting on them
    waiting_close_days = 4      # then close this long after the nudge
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import messages
from bot.clock import Clock, parse_iso, to_iso
from bot.config import Config
from bot.domain import DESK_ACTOR, Event, State, Ticket
from bot.errors import ConfigError
from bot.outbound import Outbox
from bot.scheduled_posts import as_of, hand_over, owe_missing, post_for
from bot.sla import policies_from
from bot.sla_reminders import first_response_warning, resolution_notices

log = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FIRST_RESPONSE = "first_response"
WAITING = "waiting"
WEEKLY_CATCH_UP = 8  # missed weekly posts sent after a long stop, newest ones kept
STOP_TIMEOUT = 5.0  # seconds a stopping runner waits for the scheduler thread


@dataclass(frozen=True, slots=True)
class Schedule:
    """When the timers fire; read from ``[schedule]``."""

    weekly_post: bool = True
    weekly_day: int = 0  # Monday
    weekly_time: dt.time = dt.time(9, 0)
    weekly_catch_up: int = WEEKLY_CATCH_UP
    reminders: bool = True
    nudge_after: dt.timedelta = dt.timedelta(days=3)
    close_after: dt.timedelta = dt.timedelta(days=4)  # counted from the nudge

    @classmethod
    def from_config(cls, config: Config) -> Schedule:
        section: Mapping[str, Any] = config.section("schedule")
        where = str(config.path or "built-in demo configuration")
        return cls(
            weekly_post=bool(section.get("weekly_post", True)),
            weekly_day=_weekday(section.get("weekly_day", "monday"), where),
            weekly_time=_time_of_day(section.get("weekly_time", "09:00"), where),
            weekly_catch_up=_count(section.get("weekly_catch_up", WEEKLY_CATCH_UP), "weekly_catch_up", where),
            reminders=bool(section.get("reminders", True)),
            nudge_after=dt.timedelta(days=_days(section.get("waiting_nudge_days", 3), "waiting_nudge_days", where)),
            close_after=dt.timedelta(days=_days(section.get("waiting_close_days", 4), "waiting_close_days", where)),
        )


class Scheduler:
    """Runs whatever is due at the clock's time; ``tick()`` is safe to call as often as you like."""

    def __init__(self, desk, outbox: Outbox, *, platform: str | None = None, clock: Clock | None = None,
                 schedule: Schedule | None = None) -> None:
        self.desk = desk
        self.outbox = outbox
        self.platform = platform
        self.clock = clock or desk.service.clock
        self.config: Config = desk.config
        self.schedule = schedule or Schedule.from_config(self.config)
        self.policies = policies_from(self.config)
        self._repaired = False  # the first tick owes again what a crash left unrecorded

    @property
    def store(self):
        return self.desk.service.store

    # -- the one entry point -------------------------------------------------------------

    def tick(self) -> list[str]:
        """Do everything due now; returns a line per thing done (for logs and tests)."""
        # Replicas sharing a store (N Slack HTTP processes on one database) take turns: one runs the tick.
        with self.store.exclusive(f"scheduler-tick:{self.platform or 'all'}") as mine:
            return self._tick() if mine else []

    def _tick(self) -> list[str]:
        now = self.clock.now()
        done: list[str] = []
        if not self._repaired:
            done += self._guarded(self._owe_missing, now)
            self._repaired = True
        if self.schedule.weekly_post:
            done += self._guarded(self._weekly_post, now)
        for ticket in self.store.active():
            if self.platform and ticket.source.platform != self.platform:
                continue
            if ticket.state is State.OPEN and self.schedule.reminders:
                done += self._guarded(self._remind, ticket, now)
                done += self._guarded(first_response_warning, self, ticket, now, unclaimed_since(ticket))
            elif ticket.state is State.WAITING:
                done += self._guarded(self._waiting, ticket, now)
            if self.schedule.reminders:
                done += self._guarded(resolution_notices, self, ticket, now)
        return done

    # -- weekly post ---------------------------------------------------------------------

    def weekly_due(self, now: dt.datetime) -> dt.datetime:
        """The latest weekly post moment at or before ``now``."""
        local = now.astimezone(self.config.tz)
        monday = local.date() - dt.timedelta(days=local.weekday())
        for weeks_back in (0, 1):
            day = monday + dt.timedelta(days=self.schedule.weekly_day, weeks=-weeks_back)
            moment = dt.datetime.combine(day, self.schedule.weekly_time, tzinfo=self.config.tz)
            if moment <= local:
                return moment.astimezone(dt.timezone.utc)
        raise AssertionError("unreachable: one of the last two weeks' post moments has passed")

    def weekly_key(self, week_label: str) -> str:
        from bot.weekly_post import weekly_key

        return weekly_key(self.platform, week_label)

    def _weekly_post(self, now: dt.datetime) -> list[str]:
        from bot.weekly_post import post_weeks_owed

        return post_weeks_owed(self, now)

    # -- first-response reminders ---------------------------------------------------------

    def _remind(self, ticket: Ticket, now: dt.datetime) -> list[str]:
        # Announced again once per target window of the ticket's policy, in minutes that count.
        target = self.policies.for_priority(ticket.priority).first_response_minutes
        if not target:
            return []
        since = unclaimed_since(ticket)
        window = math.floor(self.policies.calendar.minutes_between(since, now) / target)
        if window < 1 or _reminded(ticket, FIRST_RESPONSE, since) >= window:
            return []

        def decide(current: Ticket) -> list[Event]:
            if current.state is not State.OPEN or unclaimed_since(current) != since:
                return []
            if _reminded(current, FIRST_RESPONSE, since) >= window:
                return []
            return [self._event("reminded", now, reason=FIRST_RESPONSE, window=window)]

        if not self.change(ticket.id, decide):
            return []
        return [f"reminded {ticket.id} (window {window})"]

    # -- waiting on the customer ------------------------------------------------------------

    def _waiting(self, ticket: Ticket, now: dt.datetime) -> list[str]:
        since = _waiting_since(ticket)
        if since is None:
            return []
        nudged = _last_reminded(ticket, WAITING, since)
        if nudged is None:
            if now - since < self.schedule.nudge_after:
                return []
            return self._nudge(ticket, since, now)
        if now - nudged < self.schedule.close_after:
            return []
        return self._auto_close(ticket, since, now)

    def _nudge(self, ticket: Ticket, since: dt.datetime, now: dt.datetime) -> list[str]:
        def decide(current: Ticket) -> list[Event]:
            if current.state is not State.WAITING or _waiting_since(current) != since:
                return []
            if _last_reminded(current, WAITING, since) is not None:
                return []
            return [self._event("reminded", now, reason=WAITING)]

        return [f"nudged {ticket.id}"] if self.change(ticket.id, decide) else []

    def _auto_close(self, ticket: Ticket, since: dt.datetime, now: dt.datetime) -> list[str]:
        reason = messages.AUTO_CLOSE_REASON.format(days=whole_days(now - since))

        def decide(current: Ticket) -> list[Event]:
            # the customer may have answered since we looked: then it is back with the agent
            if current.state is not State.WAITING or _waiting_since(current) != since:
                return []
            return [self._event("noted", now, text=reason),
                    self._event("closed", now, reason=reason, auto=True)]

        return [f"closed {ticket.id}"] if self.change(ticket.id, decide) else []

    # -- changes and their posts -------------------------------------------------------------

    def change(self, ticket_id: str, decide) -> bool:
        """Append what ``decide`` returns under the store's lock, then hand over the posts those
        events call for (``bot.scheduled_posts``); False when there was nothing to do."""
        appended: list[Event] = []

        def wrapped(current: Ticket) -> list[Event]:
            appended[:] = decide(current)
            return list(appended)

        ticket = self.store.mutate(ticket_id, wrapped)
        first = len(ticket.events) - len(appended)
        for offset, event in enumerate(appended):
            then = as_of(ticket, first + offset)
            if (post := post_for(self, then, event)) is not None:
                hand_over(self, then, post)
        return bool(appended)

    def _owe_missing(self, now: dt.datetime) -> list[str]:
        from bot.courier import outbox_settings

        return owe_missing(self, now, window=dt.timedelta(hours=outbox_settings(self.config).expire_hours))

    # -- running it ------------------------------------------------------------------------

    def run_forever(self, stop_event: threading.Event, interval: float = 60.0) -> None:
        """Tick now and then every ``interval`` seconds until ``stop_event`` is set (a thread body)."""
        while not stop_event.is_set():
            self._tick_logged()
            stop_event.wait(interval)

    def start(self, interval: float = 60.0) -> Running:
        """Run ``run_forever`` in a daemon thread; ``stop()`` the returned handle to end and join it."""
        stop = threading.Event()
        thread = threading.Thread(target=self.run_forever, args=(stop, interval), name="chatdesk-scheduler",
                                  daemon=True)
        thread.start()
        return Running(stop, thread)

    async def run_async(self, stop_event: asyncio.Event, interval: float = 60.0) -> None:
        """The same loop for asyncio adapters; each tick runs in a worker thread (the store blocks)."""
        while not stop_event.is_set():
            await asyncio.to_thread(self._tick_logged)
            try:
                await asyncio.wait_for(stop_event.wait(), timeout=interval)
            except asyncio.TimeoutError:
                pass

    def _tick_logged(self) -> None:
        try:
            for line in self.tick():
                log.info("scheduler: %s", line)
        except Exception:  # a bad tick must not stop the next one
            log.exception("scheduler tick failed")

    # -- helpers ---------------------------------------------------------------------------

    def _guarded(self, step, *args) -> list[str]:
        try:
            return step(*args)
        except Exception:  # one failing ticket or post must not block the others
            log.exception("scheduler step %s failed", getattr(step, "__name__", step))
            return []

    @staticmethod
    def _event(kind: str, now: dt.datetime, **data: Any) -> Event:
        return Event(kind, to_iso(now), DESK_ACTOR.user_id, DESK_ACTOR.name, data)


@dataclass(frozen=True, slots=True)
class Running:
    """A scheduler thread: ``stop()`` asks it to end and waits for it.

    The runner joins it when it stops: a thread still logging while the interpreter shuts down
    can abort the process (SIGABRT). It stays a daemon so that a tick that overruns the wait (a
    store lock, a slow chart) cannot hold the process up after that.
    """

    event: threading.Event
    thread: threading.Thread

    def stop(self, *, timeout: float = STOP_TIMEOUT) -> bool:
        """Set the stop event and join the thread (at most ``timeout`` s); True when it ended."""
        self.event.set()
        self.thread.join(timeout)
        if self.thread.is_alive():
            log.warning("the scheduler did not stop within %.0f s (a tick is still running)", timeout)
            return False
        return True


def unclaimed_since(ticket: Ticket) -> dt.datetime:
    """When an open ticket last became unclaimed (opened, released, or reopened with no owner)."""
    event = ticket.last_event("opened", "unclaimed", "reopened")
    return parse_iso(event.at if event else ticket.opened_at)


def _waiting_since(ticket: Ticket) -> dt.datetime | None:
    event = ticket.last_event("waiting")
    return parse_iso(event.at) if event else None


def _reminders(ticket: Ticket, reason: str, since: dt.datetime) -> list[Event]:
    return [e for e in ticket.events if e.type == "reminded" and e.get("reason", FIRST_RESPONSE) == reason
            and parse_iso(e.at) >= since]


def _reminded(ticket: Ticket, reason: str, since: dt.datetime) -> int:
    """The highest target window already announced since ``since`` (0 for none)."""
    return max((int(e.get("window", 1)) for e in _reminders(ticket, reason, since)), default=0)


def _last_reminded(ticket: Ticket, reason: str, since: dt.datetime) -> dt.datetime | None:
    found = _reminders(ticket, reason, since)
    return parse_iso(found[-1].at) if found else None


def whole_days(delta: dt.timedelta) -> int:
    """A duration in whole days, at least one (for "we heard nothing for N days")."""
    return max(1, round(delta.total_seconds() / 86400))


def _weekday(value: Any, where: str) -> int:
    name = str(value).strip().lower()
    if name not in WEEKDAYS:
        raise ConfigError(messages.CONFIG_BAD_VALUE, path=where, setting="schedule.weekly_day",
                          problem=messages.SCHEDULE_BAD_DAY.format(value=value))
    return WEEKDAYS.index(name)


def _time_of_day(value: Any, where: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(messages.CONFIG_BAD_VALUE, path=where, setting="schedule.weekly_time",
                          problem=messages.SCHEDULE_BAD_TIME.format(value=value)) from None


def _count(value: Any, setting: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(messages.CONFIG_BAD_NUMBER, setting=f"{where}: schedule.{setting}", value=value)
    return value


def _days(value: Any, setting: str, where: str) -> float:
    try:
        days = float(value)
    except (TypeError, ValueError):
        days = 0.0
    if days <= 0:
        raise ConfigError(messages.CONFIG_BAD_NUMBER, setting=f"{where}: schedule.{setting}", value=value)
    return days
