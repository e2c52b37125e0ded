"""What a store keeps per ticket so that queries never fold the whole history.

A summary is a few small fields (state, requester, first and last event time) written in
the same atomic change as the ticket. The embedded backends filter summaries in memory and
fold only the tickets that match; PostgreSQL keeps the same fields as indexed columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import copy

from bot.domain import State, Ticket, ticket_number
from bot.errors import StoreError
from bot.records import ticket_from_record

ACTIVE = frozenset({State.OPEN.value, State.CLAIMED.value, State.WAITING.value})


def number_of(ticket_id: str) -> int | None:
    """The number of a canonical ticket id, or ``None`` for anything else."""
    try:
        return ticket_number(ticket_id)
    except (IndexError, ValueError):
        return None


def summary_of(ticket: Ticket) -> dict[str, Any]:
    """The fields the queries filter on, as stored beside the ticket."""
    return {
        "state": ticket.state.value,
        "platform": ticket.requester.platform,
        "user": ticket.requester.user_id,
        "opened": ticket.events[0].moment.timestamp(),
        "updated": max(event.moment for event in ticket.events).timestamp(),
    }


def is_active(summary: Mapping[str, Any]) -> bool:
    """Open, claimed or waiting: a ticket someone still has to act on."""
    return summary["state"] in ACTIVE


def is_requester(summary: Mapping[str, Any], platform: str, user_id: str) -> bool:
    return summary["platform"] == platform and summary["user"] == user_id


def may_touch(summary: Mapping[str, Any], since: dt.datetime, until: dt.datetime | None) -> bool:
    """Whether the ticket's events span reaches into [since, until): a superset, checked exactly later."""
    return summary["updated"] >= since.timestamp() and (until is None or summary["opened"] < until.timestamp())


def touches(ticket: Ticket, since: dt.datetime, until: dt.datetime | None) -> bool:
    """True when one of the ticket's events happened in [since, until)."""
    return any(since <= event.moment and (until is None or event.moment < until) for event in ticket.events)


class Folding:
    """Folded tickets cached by (number, event count): events only grow, so that pair names a state."""

    _folded: dict[int, Ticket]

    def _fold(self, number: int, record: Mapping[str, Any]) -> Ticket:
        cached = self._folded.get(number)
        if cached is not None and cached.version == len(record["events"]):
            return cached
        ticket = ticket_from_record(copy.deepcopy(record))  # a damaged record raises RecordError
        self._folded[number] = ticket
        return ticket

    def _summary(self, number: int, record: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return summary_of(self._fold(number, record))
        except (KeyError, TypeError, ValueError, StoreError):  # reported by 'chatdesk store check'; never selected
            return {"state": "unreadable", "platform": "", "user": "", "opened": 0.0, "updated": 0.0}
