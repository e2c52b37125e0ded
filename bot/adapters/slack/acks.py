"""Acknowledge first, work after, and never let an acknowledgement wait behind work.

Bolt runs the app with ``process_before_response``: the listener it calls is a small function
that acknowledges and hands the work to a pool, in the thread that received the request, so its
answer goes back at once however busy the pools are. (With Bolt's default, every listener ran in
one pool of five threads and acknowledged from there: five posts stuck behind 429s, and a Claim
press waited 3 s for a thread and got a 404.) Two pools: ``work`` for what the core does and the
posts it makes (sized for bursts), and ``interactive`` for what must happen within the 3 s a
``trigger_id`` lives (``views.open``) and for modal submissions.

A modal submission is the one listener whose answer depends on the work: a refusal is shown in
the modal (``response_action: errors``). Its core call runs on the interactive pool and is waited
for at most ``VIEW_SECONDS`` (``ModalAnswer``); past that the modal is closed and the outcome is
posted when ready.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from bot.adapters import limits
from bot.replies import Reply

log = logging.getLogger(__name__)

WORK_THREADS = 32
INTERACTIVE_THREADS = 8
# How long a modal submission waits for the core before closing the modal: well inside Slack's
# 3 s, leaving time for the answer to travel.
VIEW_SECONDS = limits.SLACK_ACK_SECONDS - 1.0


@dataclass(frozen=True, slots=True)
class Pools:
    """Where listeners' work runs: ``work`` (core and posts) and ``interactive`` (modals)."""

    work: Executor
    interactive: Executor

    @classmethod
    def start(cls, executor: Executor | None = None) -> Pools:
        """Two thread pools; one given ``executor`` (tests run work inline) serves as both."""
        if executor is not None:
            return cls(executor, executor)
        return cls(ThreadPoolExecutor(WORK_THREADS, thread_name_prefix="slack-work"),
                   ThreadPoolExecutor(INTERACTIVE_THREADS, thread_name_prefix="slack-modal"))


def acked(work: Callable[..., Any], pool: Executor) -> Callable[..., None]:
    """A Bolt listener that calls ``ack()`` and runs ``work`` on ``pool`` with the same arguments.

    Bolt passes a listener the arguments its parameters name, so the listener gets the
    parameters of ``work`` (plus ``ack``) as its signature.
    """
    names = [name for name in inspect.signature(work).parameters if name != "ack"]

    def listener(**kwargs: Any) -> None:
        kwargs.pop("ack")()
        submit(pool, work, **kwargs)

    listener.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in ("ack", *names)])
    listener.__name__ = listener.__qualname__ = getattr(work, "__name__", "listener")
    return listener


def submit(pool: Executor, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
    """Run ``work`` on ``pool``; a failure is logged with its traceback, as Bolt would."""
    def logged() -> Any:
        try:
            return work(*args, **kwargs)
        except Exception:
            log.exception("Slack listener %s failed after its acknowledgement", getattr(work, "__name__", work))
            raise

    return pool.submit(logged)


def within(future: Future, seconds: float, *, late: Callable[[Any], None]) -> tuple[bool, Any]:
    """``(True, result)`` when ``future`` finishes within ``seconds``; otherwise ``(False, None)``
    and ``late(result)`` runs once it does finish (a failure is already logged by ``submit``)."""
    try:
        return True, future.result(timeout=seconds)
    except FutureTimeout:
        def finished(done: Future) -> None:
            if not done.cancelled() and done.exception() is None:
                late(done.result())

        future.add_done_callback(finished)
        return False, None


def all_refused(replies: Sequence[Reply] | None) -> bool:
    """Replies that are only refusals: a modal shows them under its field and stays open."""
    return bool(replies) and all(reply.refused for reply in replies)  # type: ignore[union-attr]


class ModalAnswer:
    """Between a modal submission's listener, which must answer within 3 s, and its work.

    The work ``offer``s the core's replies. While the listener still waits, replies that are all
    refusals are the listener's to show in the modal, and the work posts nothing; once the
    listener has given up (the modal closed), or when nobody waits (a replay at start), the work
    posts every reply itself. The lock makes the two sides agree on which case it was.
    """

    def __init__(self, *, waiting: bool = True) -> None:
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._waiting = waiting
        self._replies: list[Reply] | None = None

    def offer(self, replies: Sequence[Reply] | None) -> bool:
        """The work's outcome; True when the listener shows it in the modal (do not post it)."""
        with self._lock:
            if not self._waiting or self._ready.is_set():
                return False
            self._replies = list(replies) if replies is not None else None
            self._ready.set()
            return all_refused(self._replies)

    def wait(self, seconds: float) -> list[Reply] | None:
        """The listener's side: the offered replies, or ``None`` (too slow, or failed)."""
        self._ready.wait(seconds)
        with self._lock:
            self._waiting = False
            return self._replies if self._ready.is_set() else None
