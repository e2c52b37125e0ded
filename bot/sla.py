"""Service-level targets: per-priority policies, counted in business minutes when the team has hours.

``[sla.<priority>]`` sets ``first_response_minutes``, ``resolution_minutes`` and
``warn_before_minutes``; ``[business_hours]`` (``days``, ``start``, ``end``, ``holidays``, in the
team's time zone) makes every target count only minutes inside those hours. Without business
hours a target counts real elapsed minutes (a clock change neither adds nor removes an hour).

The rule for a priority that changes while a ticket is open: a target is judged by the policy in
force when the response (or resolution) came, and a ticket still waiting is judged by the policy
of its current priority.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Protocol

from pydantic import Field

from bot.config_schema import Minutes, Text, TextList, section
from bot.domain import PRIORITIES

if TYPE_CHECKING:
    from bot.config import Config

UTC = dt.timezone.utc
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# How far ahead a deadline search may look before the calendar is declared to have no hours.
MAX_SEARCH_DAYS = 3 * 366


class Calendar(Protocol):
    """Counts the minutes that count towards a target."""

    def minutes_between(self, start: dt.datetime, end: dt.datetime) -> float: ...

    def add_minutes(self, start: dt.datetime, minutes: float) -> dt.datetime: ...


class AroundTheClock:
    """Every minute counts: real elapsed time, immune to clock changes."""

    def minutes_between(self, start: dt.datetime, end: dt.datetime) -> float:
        return max(0.0, (end - start).total_seconds() / 60)

    def add_minutes(self, start: dt.datetime, minutes: float) -> dt.datetime:
        return start + dt.timedelta(minutes=minutes)


def parse_clock_time(text: str, *, setting: str) -> tuple[int, int]:
    """``"09:00"`` as (hours, minutes); ``"24:00"`` is the end of the day."""
    try:
        hours_text, minutes_text = text.split(":")
        hours, minutes = int(hours_text), int(minutes_text)
    except ValueError:
        raise ValueError(f"{setting} = {text!r} is not a time of day like \"09:00\"") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValueError(f"{setting} = {text!r} is not a time of day between 00:00 and 24:00")
    return hours, minutes


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Working hours on working days in one time zone, less holidays."""

    tz: zoneinfo.ZoneInfo
    days: frozenset[int]  # ISO weekdays, Monday = 1
    start: tuple[int, int] = (9, 0)
    end: tuple[int, int] = (17, 0)
    holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        if not self.days:
            raise ValueError("business_hours.days names no working day")
        if self.end <= self.start:
            raise ValueError("business_hours.end must be later than business_hours.start")

    def windows(self, start: dt.datetime, end: dt.datetime | None = None) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The working windows (UTC) that end after ``start``, in order, up to ``end`` if given."""
        day = start.astimezone(self.tz).date() - dt.timedelta(days=1)
        last = (end.astimezone(self.tz).date() + dt.timedelta(days=1)) if end else None
        searched = 0
        while last is None or day <= last:
            if day.isoweekday() in self.days and day not in self.holidays:
                opens, closes = self._local(day, self.start), self._local(day, self.end)
                if end is not None and opens >= end:
                    return
                if closes > start:
                    yield max(opens, start), closes
                    searched = 0
            day += dt.timedelta(days=1)
            searched += 1
            if last is None and searched > MAX_SEARCH_DAYS:
                raise ValueError("business_hours leave no working time in the next three years")

    def minutes_between(self, start: dt.datetime, end: dt.datetime) -> float:
        total = 0.0
        for opens, closes in self.windows(start, end):
            total += (min(closes, end) - opens).total_seconds() / 60
        return total

    def add_minutes(self, start: dt.datetime, minutes: float) -> dt.datetime:
        left = dt.timedelta(minutes=minutes)
        for opens, closes in self.windows(start):
            if closes - opens >= left:
                return opens + left
            left -= closes - opens
        raise AssertionError("unreachable: windows() raises when it runs out")

    def _local(self, day: dt.date, clock: tuple[int, int]) -> dt.datetime:
        # Wall-clock arithmetic, then UTC: 09:00 stays 09:00 on the day the clocks change.
        hours, minutes = clock
        wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hours, minutes=minutes)
        return wall.replace(tzinfo=self.tz).astimezone(UTC)


def business_hours_from(*, timezone: str, days: Iterable[str], start: str, end: str,
                        holidays: Iterable[str]) -> BusinessHours:
    """Build business hours from the config's words (``monday``, ``"09:00"``, ``"2026-12-25"``)."""
    numbers = set()
    for name in days:
        key = name.strip().casefold()
        if key not in WEEKDAYS:
            raise ValueError(f"business_hours.days: {name!r} is not a weekday (monday … sunday)")
        numbers.add(WEEKDAYS.index(key) + 1)
    dates = set()
    for text in holidays:
        try:
            dates.add(dt.date.fromisoformat(text))
        except ValueError:
            raise ValueError(f"business_hours.holidays: {text!r} is not a date like 2026-12-25") from None
    return BusinessHours(zoneinfo.ZoneInfo(timezone), frozenset(numbers),
                         parse_clock_time(start, setting="business_hours.start"),
                         parse_clock_time(end, setting="business_hours.end"), frozenset(dates))


@dataclass(frozen=True, slots=True)
class Policy:
    """The targets of one priority, in minutes that count (None: no target)."""

    priority: str
    first_response_minutes: float | None
    resolution_minutes: float | None = None
    warn_before_minutes: float | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """How one ticket stands against one target."""

    target_minutes: float
    due_at: dt.datetime
    elapsed_minutes: float
    done: bool  # the response (or resolution) came

    @property
    def breached(self) -> bool:
        return self.elapsed_minutes > self.target_minutes

    @property
    def met(self) -> bool | None:
        """True or False once the response came; None while it is still awaited and in time."""
        if self.done:
            return not self.breached
        return False if self.breached else None


@dataclass(frozen=True, slots=True)
class Policies:
    """Every priority's policy and the calendar they count in."""

    by_priority: Mapping[str, Policy]
    default: Policy
    calendar: Calendar

    @property
    def business_hours(self) -> bool:
        return isinstance(self.calendar, BusinessHours)

    def for_priority(self, priority: str) -> Policy:
        return self.by_priority.get(priority, self.default)

    def first_response(self, *, opened_at: dt.datetime, responded_at: dt.datetime | None,
                       priority_then: str, now: dt.datetime) -> Check | None:
        """The first-response target: ``priority_then`` is the priority when it came (or now)."""
        return self._check(self.for_priority(priority_then).first_response_minutes,
                           opened_at, responded_at, now)

    def resolution(self, *, opened_at: dt.datetime, resolved_at: dt.datetime | None,
                   priority_then: str, now: dt.datetime) -> Check | None:
        return self._check(self.for_priority(priority_then).resolution_minutes, opened_at, resolved_at, now)

    def _check(self, target: float | None, start: dt.datetime, finished: dt.datetime | None,
               now: dt.datetime) -> Check | None:
        if target is None:
            return None
        until = finished if finished is not None else now
        return Check(target, self.calendar.add_minutes(start, target),
                     self.calendar.minutes_between(start, until), finished is not None)


def priority_at(changes: Iterable[tuple[dt.datetime, str]], moment: dt.datetime, *, initial: str) -> str:
    """The priority in force at ``moment`` given the (time, new priority) changes, oldest first."""
    current = initial
    for at, priority in changes:
        if at > moment:
            break
        current = priority
    return current


# -- configuration -----------------------------------------------------------------------

@section
class PolicySection:
    """``[sla.<priority>]``: that priority's targets, in minutes that count."""

    first_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    warn_before_minutes: Minutes | None = None


@section
class BusinessHoursSection:
    """``[business_hours]``: when targets count, in the team's time zone."""

    days: Annotated[TextList, Field(min_length=1)] = ("monday", "tuesday", "wednesday", "thursday", "friday")
    start: Text = "09:00"
    end: Text = "17:00"
    holidays: TextList = ()

    def __post_init__(self) -> None:
        # The same checks as the calendar itself, so a bad value is a config error at start.
        business_hours_from(timezone="UTC", days=self.days, start=self.start, end=self.end, holidays=self.holidays)


@section
class SlaSection:
    """``[sla]``: a table per priority (the names are the desk's priorities)."""

    low: PolicySection | None = None
    normal: PolicySection | None = None
    high: PolicySection | None = None
    urgent: PolicySection | None = None


assert tuple(SlaSection.__dataclass_fields__) == PRIORITIES, "one [sla.<priority>] table per priority"


def policies_from(config: Config) -> Policies:
    """The team's SLA policies: ``[sla.*]`` tables over the top-level first-response target."""
    found: SlaSection | None = config.validated("sla")
    tables = {name: table for name in PRIORITIES if found and (table := getattr(found, name)) is not None}
    default = Policy("normal", config.first_response_minutes)
    by_priority = {
        name: Policy(name,
                     table.first_response_minutes if table.first_response_minutes is not None
                     else config.first_response_minutes,
                     table.resolution_minutes, table.warn_before_minutes)
        for name, table in tables.items()
    }
    hours: BusinessHoursSection | None = config.validated("business_hours")
    calendar: Calendar = AroundTheClock() if hours is None else business_hours_from(
        timezone=config.timezone, days=hours.days, start=hours.start, end=hours.end, holidays=hours.holidays)
    return Policies(by_priority, default=default, calendar=calendar)
