"""Once per delivery: a request handled again (a replay after a crash) changes no ticket twice.

The inbox hands a recorded request to its handler until the handler has finished and the
entry is marked done; a process that dies between the two leaves the entry for the next start,
which handles it again. For a message that is harmless (intake is idempotent on the message
id), but a button press, a command or a modal submission would claim, note or resolve twice.

So a handling runs inside ``delivering(key)`` (``key``: the platform's id of the request, a
button's ``action_ts`` or a command's ``trigger_id``), and ``OncePerDelivery`` (the store the
service uses) stamps every event a change appends with ``<key>#<n>``: the n-th change of that
ticket in this handling. The stamp is written in the same transaction as the change, so when
the same request is handled again, the n-th change finds its stamp on the ticket and appends
nothing, and the desk answers as if it had acted (the answer the first handling may never have
posted). Outside a delivery (the console, the scheduler, message intake) nothing changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from bot.domain import Event, Ticket
from bot.errors import StoreError
from bot.store.base import Decide, TicketStore

STAMP = "delivery"  # the event field that names the request (and the change) it came from


@dataclass
class Delivery:
    """The request being handled: its key, and how many changes it made to each ticket so far."""

    key: str
    changes: Counter = field(default_factory=Counter)
    repeated: int = 0  # changes found already made (this is a replay)
    # The store refused a change (not the desk's rules: the store itself). The desk tells the
    # person, but the request is not done: it stays in the inbox and is handled again.
    failure: StoreError | None = None
    posts: int = 0  # posts owed so far while handling it

    def next_post_key(self) -> str:
        """The n-th post's key: a replay owes the same posts in the same order, under the same keys."""
        self.posts += 1
        return f"{self.key}:post{self.posts}"

    def next_stamp(self, ticket_id: str) -> str:
        self.changes[ticket_id] += 1
        return f"{self.key}#{self.changes[ticket_id]}"


_current: ContextVar[Delivery | None] = ContextVar("chatdesk_delivery", default=None)


@contextmanager
def delivering(key: str | None) -> Iterator[Delivery | None]:
    """Handle one request: changes made inside are stamped with ``key`` (no key: not stamped)."""
    if not key:
        yield None
        return
    delivery = Delivery(key)
    token = _current.set(delivery)
    try:
        yield delivery
    finally:
        _current.reset(token)


def current() -> Delivery | None:
    """The request being handled in this thread, if any."""
    return _current.get()


def stamped(event: Event, stamp: str) -> Event:
    return Event(event.type, event.at, event.actor, event.actor_name, {**event.data, STAMP: stamp})


class OncePerDelivery:
    """A ``TicketStore`` that makes each change of a delivery once; everything else passes through."""

    def __init__(self, store: TicketStore) -> None:
        self._store = store

    @property
    def inner(self) -> TicketStore:
        return self._store

    def mutate(self, ticket_id: str, decide: Decide) -> Ticket:
        delivery = _current.get()
        if delivery is None:
            return self._store.mutate(ticket_id, decide)
        stamp = delivery.next_stamp(ticket_id)
        refused = False

        def once(ticket: Ticket) -> list[Event]:
            nonlocal refused
            if any(event.get(STAMP) == stamp for event in ticket.events):
                delivery.repeated += 1
                return []  # made by an earlier handling of this request
            try:
                events = decide(ticket)
            except Exception:
                refused = True
                raise
            return [stamped(event, stamp) for event in events]

        try:
            return self._store.mutate(ticket_id, once)
        except StoreError as error:
            if not refused:
                delivery.failure = error
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def once_per_delivery(store: TicketStore) -> TicketStore:
    """``store`` wrapped so a replayed delivery changes nothing twice (wrapping twice is harmless)."""
    return store if isinstance(store, OncePerDelivery) else OncePerDelivery(store)  # type: ignore[return-value]
