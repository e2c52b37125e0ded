"""The port through which the core speaks unprompted (reminders, weekly posts, surveys)."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from bot.domain import Ticket
from bot.replies import Reply


class Handed(StrEnum):
    """What became of a post handed to an ``Outbox``."""

    ACCEPTED = "accepted"  # the platform took it (a direct outbox)
    OWED = "owed"  # recorded durably: the courier delivers it, and sets its ``mark`` once accepted
    NOWHERE = "nowhere"  # nowhere to post it (no team channel, no thread): nothing owed, nothing to retry
    NOT_POSTED = "not posted"  # the platform failed and nothing records it: try again later


class Outbox(Protocol):
    """Where unprompted messages go; each adapter implements it for its platform.

    ``key`` names the post so it is owed once however often it is handed over (a second process,
    a retried tick); ``mark`` is a store memo key to ``remember`` once the platform accepted it
    (the weekly post is marked sent only then). A durable outbox records the post and returns
    ``OWED``; a direct one posts at once and returns ``ACCEPTED`` (the caller then marks it).
    """

    def to_team(self, reply: Reply, *, key: str | None = None, mark: str | None = None) -> Handed | None:
        """Post in the team channel; when none is configured, do not post (customers would see it)."""

    def to_thread(self, ticket: Ticket, reply: Reply, *, key: str | None = None) -> Handed | None:
        """Post in a ticket's thread, where its requester will see it."""


def owes(outbox: object, key: str) -> bool:
    """True when ``outbox`` holds a post with ``key``: still to deliver, given up, or delivered
    recently (direct outboxes hold none)."""
    holds = getattr(outbox, "holds", None)
    return bool(holds(key)) if callable(holds) else False


def remembers(outbox: object) -> bool:
    """True when ``outbox`` records its posts durably under their keys, so ``owes`` can say which
    posts it has (a direct outbox posts at once and remembers nothing)."""
    return bool(getattr(outbox, "durable", False))


def accepted(outbox: object, key: str) -> bool:
    """True when the platform accepted every part of the post with ``key`` (it is no longer owed)."""
    check = getattr(outbox, "accepted", None)
    return bool(check(key)) if callable(check) else False
