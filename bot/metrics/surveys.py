"""Which resolved tickets get the satisfaction survey: a random sample at a configured rate.

The policy draws once per resolution: from an injected ``random.Random`` when given (seeded in
tests, or by ``[surveys] seed``), else from a hash of the ticket id and its resolution time, a
draw that is uniform across tickets yet the same in every process and after a restart. It
records a ``survey_asked`` event on the tickets it picks, so the response rate is a count of
events like every other figure, and a ticket is never asked twice for one resolution.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from typing import Any

from bot import messages
from bot.clock import Clock, to_iso
from bot.config import Config
from bot.domain import DESK_ACTOR, Event, EventType, Ticket
from bot.errors import ConfigError
from bot.store.base import TicketStore

DEFAULT_RATE = 0.3


def survey_rate(config: Config) -> float:
    """``[surveys] rate`` (or top-level ``survey_rate``), a share from 0 to 1; default 0.3."""
    section: Mapping[str, Any] = config.section("surveys")
    value = section.get("rate", config.settings.get("survey_rate", DEFAULT_RATE))
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = -1.0
    if isinstance(value, bool) or not 0.0 <= rate <= 1.0:
        raise ConfigError(messages.CONFIG_BAD_VALUE, path=str(config.path or "configuration"),
                          setting="surveys.rate", problem=messages.SURVEY_BAD_RATE.format(value=value))
    return rate


class SurveyPolicy:
    """Callable as ``desk.survey_policy``: True when this resolution's requester should be asked."""

    def __init__(self, store: TicketStore, clock: Clock, *, rate: float = DEFAULT_RATE,
                 rng: random.Random | None = None) -> None:
        self.store = store
        self.clock = clock
        self.rate = rate
        self.rng = rng

    def draw(self, ticket: Ticket) -> float:
        """A number in [0, 1) for this resolution of the ticket."""
        if self.rng is not None:
            return self.rng.random()
        digest = hashlib.sha256(f"{ticket.id}:{ticket.resolved_at}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def __call__(self, ticket: Ticket) -> bool:
        if self.draw(ticket) >= self.rate:
            return False
        asked = Event(EventType.SURVEY_ASKED, to_iso(self.clock.now()), DESK_ACTOR.user_id, DESK_ACTOR.name)

        appended = False

        def decide(current: Ticket) -> list[Event]:
            nonlocal appended
            kinds = [event.type for event in current.events]
            resolved = _last_index(kinds, EventType.RESOLVED)
            # asked already for this resolution (a retried press, another process): ask once
            appended = resolved is not None and (_last_index(kinds, EventType.SURVEY_ASKED) or -1) < resolved
            return [asked] if appended else []

        self.store.mutate(ticket.id, decide)
        return appended


def _last_index(kinds: list[str], kind: str) -> int | None:
    return max((i for i, k in enumerate(kinds) if k == kind), default=None)
