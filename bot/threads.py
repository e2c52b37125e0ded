"""Where a ticket's conversation lives on a platform, folded from its ``linked`` events.

A ticket starts in its own message's thread (``Source``). When the desk makes a thread for it
(Discord), moves it into a parent thread (Slack's shortcut on a reply), or posts its intake
message there, a ``linked`` event records the platform's ids; the latest value of each wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Ticket
from bot.events import EventType

LINKED = EventType.LINKED


@dataclass(frozen=True, slots=True)
class ThreadLink:
    """A ticket's place on one platform: channel, thread, and the ids of the desk's messages there."""

    channel: str
    thread: str | None
    refs: dict[str, str]

    def get(self, name: str) -> str | None:
        """An id the adapter recorded (``intake``: the intake message), or ``None``."""
        value = self.refs.get(name)
        return str(value) if value is not None else None


def thread_link(ticket: Ticket, platform: str) -> ThreadLink | None:
    """The ticket's thread on ``platform``: its links folded over its source; ``None`` elsewhere."""
    if ticket.source.platform != platform:
        return None
    channel = ticket.source.channel
    thread = ticket.source.thread or ticket.source.message
    refs: dict[str, str] = {}
    for event in ticket.events:
        if event.type != LINKED or event.get("platform") != platform:
            continue
        channel = str(event.get("channel") or channel)
        thread = str(event.get("thread") or thread)
        refs.update({k: str(v) for k, v in event.data.items()
                     if k not in ("platform", "channel", "thread", "key") and v is not None})
    return ThreadLink(channel, thread, refs)
