"""Thread renames within Discord's limit: at most 2 per 10 minutes per thread.

Discord answers a third rename inside the window with a 429 whose ``retry_after`` can be close to
600 s, and discord.py sleeps that long inside the call, holding up whatever awaited it (the
scheduler timed out behind it). So the desk asks here first: a rename that is not allowed yet is
kept (the latest wanted name wins) and applied once the window has room. ``RenameBudget`` is the
bookkeeping, with an injected clock; ``Renamer`` makes the calls for the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from bot.adapters import limits

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pending:
    """A rename held back: the thread, the name it should get, and when it may."""

    thread: str
    name: str
    at: float


class RenameBudget:
    """Per thread, the times of its recent renames and the name still waiting, if any."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, renames: int = limits.DISCORD_RENAMES,
                 window: float = limits.DISCORD_RENAME_WINDOW_SECONDS) -> None:
        self.clock = clock
        self.renames = renames
        self.window = window
        self._done: dict[str, deque[float]] = {}
        self._waiting: dict[str, str] = {}
        self._lock = threading.Lock()

    def ask(self, thread: str, current: str, wanted: str) -> bool:
        """True when ``thread`` may be renamed to ``wanted`` now (the caller then renames it and
        calls ``renamed``); False when there is nothing to do or it has to wait (then it is kept)."""
        with self._lock:
            if current == wanted:
                self._waiting.pop(thread, None)  # back to the name it has: nothing left to apply
                return False
            if self._room(thread) > 0:
                return True
            self._waiting[thread] = wanted
            return False

    def renamed(self, thread: str, name: str) -> None:
        """Count a rename Discord accepted; it fulfils what was waiting for that name."""
        with self._lock:
            self._done.setdefault(thread, deque()).append(self.clock())
            if self._waiting.get(thread) == name:
                del self._waiting[thread]

    def refused(self, thread: str, wanted: str) -> None:
        """Discord refused the rename for its rate limit anyway (another client renamed it): the
        window is full now, so keep the name for later."""
        with self._lock:
            done = self._done.setdefault(thread, deque())
            now = self.clock()
            while len(done) < self.renames:
                done.append(now)
            self._waiting[thread] = wanted

    def due(self) -> list[Pending]:
        """Renames that waited and may be made now."""
        with self._lock:
            return [Pending(thread, name, self.clock()) for thread, name in self._waiting.items()
                    if self._room(thread) > 0]

    def waiting(self) -> list[Pending]:
        """Every rename still held back, with the time it becomes allowed."""
        with self._lock:
            return [Pending(thread, name, self._next(thread)) for thread, name in self._waiting.items()]

    def next_due(self) -> float | None:
        """When the earliest held-back rename becomes allowed (clock time), or None."""
        times = [pending.at for pending in self.waiting()]
        return min(times) if times else None

    def _room(self, thread: str) -> int:
        done = self._done.get(thread)
        if not done:
            return self.renames
        now = self.clock()
        while done and done[0] <= now - self.window:
            done.popleft()
        return self.renames - len(done)

    def _next(self, thread: str) -> float:
        done = self._done.get(thread)
        if not done or len(done) < self.renames:
            return self.clock()
        return done[len(done) - self.renames] + self.window


class Renamer:
    """Makes the renames the budget allows, keeps the others and makes them when their time comes.

    Archiving is always a call of its own (``archive``): a rename held back by the limit must
    never hold back the archive state with it, as one PATCH of both did.
    """

    def __init__(self, budget: RenameBudget | None = None) -> None:
        self.budget = budget or RenameBudget()
        self._timer: asyncio.TimerHandle | None = None
        self.fetch: Callable[[str], Awaitable[Any]] | None = None  # the outbox's channel lookup

    async def rename(self, thread: Any, name: str) -> bool:
        """Rename ``thread`` (not archived) to ``name`` if that changes it and the limit allows;
        True when Discord accepted it."""
        key = str(thread.id)
        if not self.budget.ask(key, thread.name, name):
            self._wake()
            return False
        try:
            await thread.edit(name=name)
        except discord.RateLimited as limited:  # renamed elsewhere too: Discord's window is fuller
            log.warning("Discord: renaming thread %s is rate limited for %.0f s; kept for later", key,
                        limited.retry_after)
            self.budget.refused(key, name)
            self._wake()
            return False
        except discord.HTTPException as error:
            log.error("Discord: could not rename thread %s (the ticket is stored either way): %s", key, error)
            return False
        self.budget.renamed(key, name)
        return True

    @staticmethod
    async def archive(thread: Any, archived: bool) -> None:
        """Archive or unarchive ``thread`` when it is not so already (never rate limited like a name)."""
        if thread.archived == archived:
            return
        try:
            await thread.edit(archived=archived)
        except (discord.HTTPException, discord.RateLimited) as error:
            log.error("Discord: could not %s thread %s: %s", "archive" if archived else "unarchive", thread.id, error)

    async def apply_due(self) -> None:
        """Make the renames that waited and are allowed now (an archived thread is reopened for
        the rename and archived again)."""
        for pending in self.budget.due():
            thread = await self.fetch(pending.thread) if self.fetch is not None else None
            if not isinstance(thread, discord.Thread):
                self.budget.renamed(pending.thread, pending.name)  # gone: nothing left to rename
                continue
            archived = thread.archived
            await self.archive(thread, False)
            await self.rename(thread, pending.name)
            await self.archive(thread, archived)
        self._wake()

    def _wake(self) -> None:
        """Have ``apply_due`` run when the earliest held-back rename is allowed."""
        when = self.budget.next_due()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if when is None:
            return
        if self._timer is not None:
            self._timer.cancel()
        delay = max(0.0, when - self.budget.clock()) + 1.0
        self._timer = loop.call_later(delay, lambda: loop.create_task(self.apply_due()))
