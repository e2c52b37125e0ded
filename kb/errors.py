"""One error hierarchy for the knowledge base: every error says what was wrong and where.

``KnowledgeBaseError`` carries the problem and, when known, the file and line; ``str()`` reads
``path:line: problem`` so a command line or an adapter can show it as it is. It subclasses
``ValueError`` so code written against the older, separate exceptions keeps working.
"""

from __future__ import annotations

import os


class KnowledgeBaseError(ValueError):
    """Base of every knowledge-base error; ``path`` and ``line`` say where, when known."""

    def __init__(self, problem: str, *, path: str | os.PathLike[str] | None = None,
                 line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path = path
        self.line = line

    @property
    def where(self) -> str:
        """``path:line``, ``path``, or "" when the error is about no file."""
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}" if self.where else self.problem


class SettingError(KnowledgeBaseError):
    """A knowledge-base or help-site setting is out of range (a threshold, a colour, a link)."""


class OutputDirectoryError(KnowledgeBaseError, FileExistsError):
    """A generated directory holds files the knowledge base did not write; nothing was removed."""
