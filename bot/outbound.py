"""The port through which the core speaks unprompted (reminders, weekly posts, surveys)."""

from __future__ import annotations

from typing import Protocol

from bot.domain import Ticket
from bot.replies import Reply


class Outbox(Protocol):
    """Where unprompted messages go; each adapter implements it for its platform."""

    def to_team(self, reply: Reply) -> None:
        """Post in the team channel; when none is configured, do not post (customers would see it)."""

    def to_thread(self, ticket: Ticket, reply: Reply) -> None:
        """Post in a ticket's thread, where its requester will see it."""
