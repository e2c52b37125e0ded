"""ISO weeks in the team's time zone: Monday 00:00 local to the next Monday 00:00 local."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

WEEK_LABEL = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$")


@dataclass(frozen=True, slots=True, order=True)
class Week:
    """One ISO week (``2026-W47``) read in a time zone; bounds are aware UTC datetimes."""

    year: int
    number: int
    tz: zoneinfo.ZoneInfo

    @classmethod
    def parse(cls, text: str, tz: zoneinfo.ZoneInfo) -> Week:
        """``2026-W47`` (also ``2026W47``, ``2026-w47``); raises ValueError for anything else."""
        match = WEEK_LABEL.match(text)
        if not match:
            raise ValueError(f"{text!r} is not an ISO week such as 2026-W47")
        year, number = int(match.group(1)), int(match.group(2))
        try:
            dt.date.fromisocalendar(year, number, 1)
        except ValueError:
            raise ValueError(f"{year} has no ISO week {number}") from None
        return cls(year, number, tz)

    @classmethod
    def containing(cls, moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> Week:
        """The week a moment falls in, as the team's calendar sees it."""
        year, number, _ = moment.astimezone(tz).isocalendar()
        return cls(year, number, tz)

    @classmethod
    def last_full(cls, now: dt.datetime, tz: zoneinfo.ZoneInfo) -> Week:
        """The most recent week that has ended by ``now`` (the default report)."""
        return cls.containing(now, tz).previous()

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def start(self) -> dt.datetime:
        """Monday 00:00 local, in UTC (local midnight, so DST weeks are 167 or 169 hours)."""
        return _local_midnight(self.monday, self.tz)

    @property
    def end(self) -> dt.datetime:
        """The next Monday 00:00 local, in UTC; the week is ``start <= t < end``."""
        return _local_midnight(self.monday + dt.timedelta(days=7), self.tz)

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end

    def previous(self, weeks: int = 1) -> Week:
        year, number, _ = (self.monday - dt.timedelta(weeks=weeks)).isocalendar()
        return Week(year, number, self.tz)

    def next(self) -> Week:
        year, number, _ = (self.monday + dt.timedelta(weeks=1)).isocalendar()
        return Week(year, number, self.tz)

    def __str__(self) -> str:
        return self.label


def _local_midnight(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz).astimezone(dt.timezone.utc)
