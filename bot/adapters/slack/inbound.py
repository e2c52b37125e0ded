"""Slack events through the durable inbox: recorded before the acknowledgement, handled after.

An Events API delivery that got a 200 (or a Socket Mode envelope that was acknowledged) is never
sent again, so the event is written to the inbox (``bot.inbox``) before ``ack()``; when it
cannot be, the listener answers 503 instead, and Slack retries (HTTP) or redelivers the
unacknowledged envelope (Socket Mode). At start, ``catch_up`` handles what the last process
recorded and did not finish, before new events are let in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import BoltResponse

from bot.adapters.slack.acks import submit
from bot.inbox import InboxError, Receiver

log = logging.getLogger(__name__)


def recorded(work: Callable[..., Any], pool: Executor, receiver: Receiver) -> Callable[..., BoltResponse | None]:
    """A Bolt event listener: record ``event``, then ``ack()`` and run ``work(event, client)`` on ``pool``."""

    def listener(ack, event: dict[str, Any], client) -> BoltResponse | None:
        try:
            entry = receiver.accept({"event": event})
        except InboxError as error:
            log.error("Slack event not acknowledged (Slack will retry): %s", error)
            return BoltResponse(status=503, body=f"the desk cannot record this event: {error}")
        ack()
        submit(pool, receiver.handle, entry, lambda payload: work(dict(payload["event"]), client))
        return None

    listener.__name__ = listener.__qualname__ = getattr(work, "__name__", "listener")
    return listener


def catch_up(receiver: Receiver, work: Callable[..., Any], client) -> tuple[int, int]:
    """Handle, oldest first, the events recorded before the last stop and not handled."""
    return receiver.catch_up(lambda payload: work(dict(payload["event"]), client))

