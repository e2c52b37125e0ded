"""One error hierarchy for the core; adapters turn ``DeskError.message`` into user text.

Each error carries a template from ``bot.messages`` and its parameters, so the wording
lives in one module and the code that raises stays about *what* went wrong.
"""

from __future__ import annotations

from typing import Any

from bot import messages


class DeskError(Exception):
    """Base of every error a user may be told about; nothing was changed when it is raised."""

    def __init__(self, template: str, /, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The polite, user-facing sentence."""
        try:
            return self.template.format(**self.params)
        except (KeyError, IndexError):  # a template bug must not hide the error itself
            return self.template


class NotFound(DeskError):
    """The ticket, article or person named does not exist."""


class NotAllowed(DeskError):
    """The actor may not do this (not an agent, not the requester)."""


class InvalidMove(DeskError):
    """The move does not fit the ticket's state (claim a held ticket, resolve a closed one)."""


class UsageError(DeskError):
    """A command was spelled wrongly; the message says how to use it."""


class WhichTicket(UsageError):
    """A command needs a ticket and neither named one nor was typed in a ticket's thread."""


class Unavailable(DeskError):
    """A feature is not set up here (no knowledge base, no metrics yet)."""


class ConfigError(DeskError):
    """The configuration file or environment is wrong; the message names the setting."""


class StoreError(DeskError):
    """The store could not be read or written; the previous state is intact."""


class ImportRecordError(DeskError):
    """One line of an import file is not a valid ticket."""


class RecordError(StoreError, ValueError):
    """A ticket record (an import line, a stored ticket) breaks the domain's rules; names ticket and field."""

    def __init__(self, problem: str, *, ticket_id: str, field: str) -> None:
        self.problem, self.ticket_id, self.field = problem, ticket_id, field
        where = ticket_id if not field or problem.startswith(field) else f"{ticket_id}, {field}"
        super().__init__(messages.RECORD_INVALID, problem=problem, where=where)
