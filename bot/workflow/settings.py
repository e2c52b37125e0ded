"""The team-workflow tables of ``chatdesk.toml``: ``[assignment]``, ``[macros]`` and ``[[queues]]``."""

from __future__ import annotations

import string
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from bot.config_schema import Text, TextList, section

MACRO_FIELDS = ("customer", "ticket", "agent", "article_link")
ASSIGNMENT_MODES = ("claim", "round-robin", "least-busy")


@section
class AssignmentSection:
    """``[assignment]``: who gets a new ticket. ``claim``: whoever claims it; otherwise an on-duty agent."""

    mode: Literal["claim", "round-robin", "least-busy"] = "claim"
    # Agents on duty when nobody has said ``/desk duty on|off`` yet (user ids, in config order).
    on_duty: TextList = ()
    # A platform group whose members are on duty (Slack: a user-group id such as S0ONCALL);
    # a member's own ``/desk duty off`` still takes them off.
    on_duty_group: Text | None = None


def _known_fields(text: str) -> str:
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None and name not in MACRO_FIELDS:
            known = ", ".join("{" + f + "}" for f in MACRO_FIELDS)
            raise ValueError(f"{{{name}}} is not a macro field (known: {known})")
    return text


MacroText = Annotated[Text, Field(min_length=1, max_length=4000), AfterValidator(_known_fields)]
Macros = dict[Annotated[Text, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")], MacroText]


@section
class QueueSection:
    """One ``[[queues]]`` entry: a team's queue, the categories routed to it and its agents."""

    name: Annotated[Text, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
    categories: TextList = ()
    agents: TextList = ()


Queues = tuple[QueueSection, ...]
