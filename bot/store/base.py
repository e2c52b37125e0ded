"""The ticket store interface the service depends on; backends live beside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain import Event, Ticket
from bot.events import EventType

# Decides, given the freshest ticket, which events to append; raising a DeskError aborts.
Decide = Callable[[Ticket], Sequence[Event]]


def linked_keys(events: Sequence[Event]) -> list[str]:
    """The thread keys that ``linked`` events ask the store to point at their ticket."""
    return [str(e.get("key")) for e in events if e.type == EventType.LINKED and e.get("key")]


@dataclass(frozen=True, slots=True)
class NewTicket:
    """What intake knows about a ticket before it has an id."""

    subject: str
    body: str
    requester: Mapping[str, Any]
    source: Mapping[str, Any]
    opened: Event
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportReport:
    """How an import went: ids imported, and bad lines by number with the reason."""

    imported: tuple[str, ...]
    errors: tuple[tuple[int, str], ...]


class TicketStore(Protocol):
    """Durable tickets with atomic, serialised changes.

    Every change goes through ``open`` or ``mutate``, which run under the store's lock with
    the freshest data, so two processes claiming one ticket leave exactly one owner.
    """

    location: str

    def open(self, new: NewTicket, *, dedupe_key: str | None = None) -> tuple[Ticket, bool]:
        """Create a ticket with the next id, or return the one ``dedupe_key`` already opened."""

    def get(self, ticket_id: str) -> Ticket | None:
        """The ticket with this id, or ``None``."""

    def mutate(self, ticket_id: str, decide: Decide) -> Ticket:
        """Append the events ``decide`` returns for the current ticket, atomically.

        A ``linked`` event's ``key`` (see ``linked_keys``) is pointed at the ticket in the same
        transaction, unless that key already names a ticket.
        """

    def find(self, key: str) -> Ticket | None:
        """The ticket a key (a thread, a platform message) points at."""

    def link(self, key: str, ticket_id: str) -> None:
        """Point ``key`` at a ticket (say, a thread created after the ticket)."""

    def tickets(self) -> list[Ticket]:
        """Every ticket, oldest first (exports and copies; hot paths use the queries below)."""

    def active(self) -> list[Ticket]:
        """Open, claimed and waiting tickets, oldest first."""

    def requested_by(self, platform: str, user_id: str) -> list[Ticket]:
        """The tickets this person asked for, oldest first."""

    def touched(self, since: dt.datetime, until: dt.datetime | None = None) -> list[Ticket]:
        """Tickets with at least one event in [since, until), oldest first."""

    def recent(self, limit: int) -> list[Ticket]:
        """The ``limit`` highest-numbered tickets, oldest first."""

    def remember(self, key: str, value: Any = True) -> bool:
        """Store ``key`` if absent; True when this call stored it (a once-only marker)."""

    def recall(self, key: str) -> Any:
        """The value stored under ``key`` by ``remember``/``put``, or ``None``."""

    def put(self, key: str, value: Any) -> None:
        """Store or overwrite a small value (schedules, caches)."""

    def exclusive(self, name: str) -> AbstractContextManager[bool]:
        """Hold the lock ``name`` across processes (and hosts, on PostgreSQL) while the block runs.

        Yields True for the one holder and False at once for everyone else, so N replicas run a
        scheduler tick once: ``with store.exclusive("tick") as mine: if mine: ...``.
        """

    def import_records(self, records: Iterable[tuple[int, Mapping[str, Any]]]) -> ImportReport:
        """Insert exported tickets; a bad or clashing line is reported and nothing of it stored."""

    def close(self) -> None:
        """Release files and locks."""
