"""Canned replies: ``[macros]`` in chatdesk.toml and ``macros/NAME.md`` files for long ones.

A macro's text may use ``{customer}``, ``{ticket}``, ``{agent}`` and ``{article_link}``; a file
with another field, or that cannot be read, is logged with its path and left out (the others
still load).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot import messages
from bot.domain import Person, Ticket
from bot.workflow.settings import _known_fields

log = logging.getLogger(__name__)
NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass(frozen=True, slots=True)
class MacroChoice:
    """A macro as a reply or resolve form offers it: its name and the start of its text."""

    name: str
    preview: str


def load_macros(table: Mapping[str, str] | None, folder: Path) -> dict[str, str]:
    """Macros by name: the config's table, then the folder's files (a file wins over the table)."""
    found = dict(table or {})
    if folder.is_dir():
        for path in sorted(folder.glob("*.md")):
            if path.is_symlink() or not NAME.match(path.stem):
                log.error(messages.MACRO_FILE_BAD.format(path=path, problem="not a plain macros/NAME.md file"))
                continue
            try:
                found[path.stem] = _known_fields(path.read_text(encoding="utf-8").strip())
            except (OSError, UnicodeDecodeError, ValueError) as problem:
                log.error(messages.MACRO_FILE_BAD.format(path=path, problem=problem))
    return found


def fill(text: str, *, ticket: Ticket, agent: Person, article_link: str | None) -> str:
    """The macro with its fields filled in for this ticket."""
    return text.format(customer=ticket.requester.name, ticket=ticket.id, agent=agent.name,
                       article_link=article_link or messages.MACRO_NO_ARTICLE)


def preview(text: str, *, limit: int = 80) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"
