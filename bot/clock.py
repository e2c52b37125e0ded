"""Clocks: every timestamp and timer reads time through one of these, so tests can move it."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: dt.datetime | str = "2026-11-16T09:00:00+00:00") -> None:
        if isinstance(start, str):
            start = dt.datetime.fromisoformat(start)
        self._now = start.astimezone(dt.timezone.utc)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, **delta: float) -> dt.datetime:
        """Move forward by ``timedelta(**delta)`` and return the new time."""
        self._now += dt.timedelta(**delta)
        return self._now

    def set(self, when: dt.datetime | str) -> None:
        """Jump to an absolute time."""
        if isinstance(when, str):
            when = dt.datetime.fromisoformat(when)
        self._now = when.astimezone(dt.timezone.utc)


def to_iso(moment: dt.datetime) -> str:
    """Format an aware datetime as ISO-8601 UTC with a ``Z``-free ``+00:00`` offset."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def parse_iso(text: str) -> dt.datetime:
    """Parse an ISO-8601 timestamp; naive values are taken as UTC."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)
