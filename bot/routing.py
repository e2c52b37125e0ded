"""Where each reply goes: one decision for every platform; adapters only render and post.

``route`` maps a reply to a ``Destination`` from its kind; ``plan`` does so for a batch and
says which tickets' intake messages to bring up to date afterwards (their state changed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.replies import Kind, Reply

# Replies about a ticket that everyone in its thread (its requester first) should see.
THREAD_KINDS = frozenset({Kind.INTAKE, Kind.CHANGED, Kind.SURVEY, Kind.NOTICE})


class Destination(StrEnum):
    """The places a reply can go."""

    THREAD = "thread"  # the ticket's thread, where its requester sees it
    TEAM = "team"  # the team channel; nowhere when none is configured (customers would see it)
    INVOKER = "invoker"  # only the person who acted (ephemeral where the platform can)
    HERE = "here"  # the conversation it was asked in, for everyone there


def route(reply: Reply) -> Destination:
    """The one rule from a reply to where it is posted."""
    if reply.kind is Kind.ANNOUNCE:
        return Destination.TEAM
    if reply.private:
        return Destination.INVOKER
    if reply.ticket is not None and reply.kind in THREAD_KINDS:
        return Destination.THREAD
    return Destination.HERE


@dataclass(frozen=True, slots=True)
class Plan:
    """Replies with their destinations, in order, and the tickets whose intake message to refresh."""

    steps: tuple[tuple[Destination, Reply], ...]
    refresh: tuple[str, ...]


def plan(replies: Iterable[Reply]) -> Plan:
    """Route every reply; a ticket that changed gets its intake message refreshed once, after."""
    steps = tuple((route(reply), reply) for reply in replies)
    refresh = tuple(dict.fromkeys(reply.ticket.id for _, reply in steps
                                  if reply.kind is Kind.CHANGED and reply.ticket is not None))
    return Plan(steps, refresh)
