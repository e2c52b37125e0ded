"""Typed arguments of the ``/desk`` verbs, for platforms that offer typed options (Discord).

The core parses a verb from its text (``resolve T-12 --article refunds Fixed``); a ``Param``
says what that text is made of, so an adapter can offer a typed option per argument, with
choices or autocomplete, and turn the values back into the same text. Nothing here is tied to
a platform: the names and descriptions are the verb's own.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

OPTION_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class ParamKind(enum.Enum):
    """What an argument holds, which says how a platform offers it."""

    TICKET = "ticket"  # a ticket id; optional inside the ticket's thread
    TEXT = "text"  # free text, the rest of the line
    WORD = "word"  # one word (a week, a slug)
    PERSON = "person"  # someone on the platform (written as their mention)
    CHOICE = "choice"  # one of ``choices``
    ARTICLE = "article"  # a help article's slug (searchable)
    CATEGORY = "category"  # one of the team's categories
    VERB = "verb"  # the name of a verb


@dataclass(frozen=True, slots=True)
class Param:
    """One argument: its option name, kind, description, and how it is written in the verb's text."""

    name: str
    kind: ParamKind
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    flag: str | None = None  # written as ``--flag VALUE`` (``resolve --article SLUG``)

    def __post_init__(self) -> None:
        if not OPTION_NAME.match(self.name):
            raise ValueError(f"argument name {self.name!r}: lowercase letters, digits, - or _, at most 32")
        if self.kind is ParamKind.CHOICE and not self.choices:
            raise ValueError(f"argument {self.name!r} is a choice without choices")


@dataclass(frozen=True, slots=True)
class Subcommand:
    """A second word of a verb (``kb search``), with its own summary and arguments."""

    name: str
    summary: str
    params: tuple[Param, ...] = ()


TICKET = Param("ticket", ParamKind.TICKET, "The ticket, e.g. T-12 (leave it out inside the ticket's thread)")


def command_text(words: tuple[str, ...], params: tuple[Param, ...], values: Mapping[str, str | None]) -> str:
    """The verb's text from typed values: ``("resolve",)`` + ticket, flags and words in order."""
    parts = list(words)
    ticket = next((values.get(p.name) for p in params if p.kind is ParamKind.TICKET), None)
    if ticket:
        parts.append(ticket)
    for param in params:
        value = values.get(param.name)
        if param.kind is ParamKind.TICKET or value is None or not str(value).strip():
            continue
        parts += [f"--{param.flag}", str(value).strip()] if param.flag else [str(value).strip()]
    return " ".join(parts)
