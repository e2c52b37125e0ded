"""Delivers the outbox's posts: in order per lane, with retries and backoff, until accepted or expired.

A platform ``Sender`` makes the call for one post. It returns when the platform accepted it,
raises ``TryLater`` for what may work later (a 5xx, a timeout, the network, a 429 with its
``Retry-After``) and ``Refused`` for what never will (``channel_not_found``, Discord's 403/404):
such a post is set aside with its reason, not retried forever. A post not accepted before it
expires is given up too, logged, and kept for an operator (``chatdesk status``).

A post shows once even when a send's outcome is unknown: the process died during it, or the
request left and the answer was lost (a timeout, a dropped connection, a 5xx). Where the
platform can be asked (Slack: each message carries its post's tag in its metadata), a send is
noted as begun (``Post.uncertain``) before it is made, and an uncertain post is looked for
before it is sent again; where the platform dedupes a repeat itself (Discord's enforced nonce,
for a few minutes), the post is simply sent again with the same nonce. What remains is the
platforms' own limit: a Discord post retried after its nonce's few minutes, or a file upload,
can show twice. One courier delivers an outbox at a time (a lock file in it, an advisory lock in
PostgreSQL), so two processes sharing an outbox never send one post at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Protocol

from pydantic import Field

from bot.config_schema import StrictNumber, register_section, section
from bot.outbox import EXPIRE_AFTER, FileOutbox, Outbox, OutboxError, Owed, Post

log = logging.getLogger(__name__)

FIRST_DELAY = 2.0  # seconds before the first retry; doubled after each failure
MAX_DELAY = 300.0  # never wait longer than this between attempts (unless the platform asks)
IDLE = 5.0  # how often the worker looks for due posts when nobody woke it


@section
class OutboxConfig:
    """``[outbox]``: how long a post the desk owes is retried before it is given up."""

    expire_hours: Annotated[StrictNumber, Field(gt=0, le=24 * 30)] = EXPIRE_AFTER / 3600


register_section("outbox", OutboxConfig, doc="expire_hours = 24: how long a post is retried before it is given up")


def outbox_settings(config: Any) -> OutboxConfig:
    """The ``[outbox]`` table of ``config`` (validated when the file was read)."""
    return config.validated("outbox") or OutboxConfig()


def outbox_dir(config: Any, platform: str) -> Path:
    """``<data_dir>/outbox/<platform>/``: beside the store (and the inbox), one folder per platform."""
    from bot.store import default_data_dir

    return Path(config.data_dir or default_data_dir()) / "outbox" / platform


class TryLater(Exception):
    """The platform did not take the post now; ``after`` is its own ``Retry-After`` when it gave one.

    ``unknown``: the request may have reached the platform (a timeout, a dropped connection, a
    5xx), so the post may be out after all: it is looked for before it is sent again.
    """

    def __init__(self, reason: str, *, after: float | None = None, unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after
        self.unknown = unknown


class Refused(Exception):
    """The platform will never take this post as it is (a missing channel, no access, bad blocks)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Sender(Protocol):
    """Makes the platform call for one post; returns what later steps need (say, the message's ts).

    A sender that can tell whether a post is already on the platform also has
    ``already_sent(post) -> bool`` (doing what acceptance would have done, such as linking the
    intake message's ts); the courier then records each send as begun before making it, and asks
    before sending again a post whose last send ended unknown. A sender whose platform makes a
    repeated send harmless itself (Discord's enforced nonce) needs neither.
    """

    def send(self, post: Post) -> None:
        ...


def backoff(attempts: int, *, first: float = FIRST_DELAY, cap: float = MAX_DELAY) -> float:
    """Seconds to wait after ``attempts`` failed tries: 2, 4, 8 … up to ``cap``."""
    return min(cap, first * 2 ** max(0, attempts - 1))


class Courier:
    """Delivers what an ``Outbox`` owes through a ``Sender``; ``deliver_due()`` is one pass."""

    def __init__(self, outbox: Outbox, sender: Sender, *, store: Any = None, platform: str = "",
                 clock: Callable[[], float] = time.time, first_delay: float = FIRST_DELAY,
                 max_delay: float = MAX_DELAY) -> None:
        self.outbox = outbox
        self.sender = sender
        self.store = store  # where the once-accepted marks go; optional in tests
        self.platform = platform
        self.clock = clock
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.quiet_until = 0.0  # a rate limit holds every lane back, not only the post that met it
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pass = threading.Lock()

    # -- recording --------------------------------------------------------------------------

    def owe(self, owed: Iterable[Owed]) -> list[Post]:
        """Record posts (raises ``OutboxError`` when it cannot) and wake the worker to send them."""
        posts = self.outbox.record(owed)
        if posts:
            self._wake.set()
        return posts

    def holds(self, key: str) -> bool:
        return self.outbox.holds(key)

    def accepted(self, key: str) -> bool:
        """True when the post with ``key`` was recorded and every part of it delivered (a long
        reply is several posts: ``key``, ``key#2``…)."""
        if not self.outbox.holds(key):
            return False
        return not any(post.key == key or post.key.startswith(f"{key}#")
                       for post in [*self.outbox.pending(), *self.outbox.given_up()])

    # -- delivering -------------------------------------------------------------------------

    def deliver_due(self) -> list[str]:
        """Send every post that is due, lane by lane in order; a line per post delivered or given up."""
        with self.outbox.delivering() as mine:  # another process delivering these posts: leave them to it
            return self._deliver_due() if mine else []

    def _deliver_due(self) -> list[str]:
        with self._pass:
            done: list[str] = []
            waiting: set[str] = set()  # lanes whose head is not delivered: the rest of the lane waits
            for post in self.outbox.pending():
                if post.lane in waiting:
                    continue
                now = self.clock()
                if now < self.quiet_until or self._stop.is_set():
                    break
                if now >= post.expires:
                    done.append(self._give_up(post, f"expired after {post.attempts} attempt(s)"
                                                    + (f"; last error: {post.last_error}" if post.last_error else ""),
                                              expired=True))
                    continue
                if post.next_attempt > now:
                    waiting.add(post.lane)
                    continue
                line = self._attempt(post, now)
                if line is None:
                    waiting.add(post.lane)
                else:
                    done.append(line)
            return done

    def _attempt(self, post: Post, now: float) -> str | None:
        already_sent = getattr(self.sender, "already_sent", None)
        if callable(already_sent):
            try:
                if post.uncertain and already_sent(post):
                    log.info("post %s (%s) was already on the platform: not sent again", post.id, post.key)
                    return self._accepted(post, now)
                if not post.uncertain:  # written before the call: a crash during it leaves the post uncertain
                    post = replace(post, uncertain=True)
                    self.outbox.update(post)
            except TryLater as later:
                self._retry_later(post, now, f"looking for it: {later.reason}", later.after, unknown=True)
                return None
            except (Refused, OutboxError) as error:  # cannot look (or note it): send, at least once
                log.warning("post %s: could not check or note its delivery (%s); sending it", post.id, error)
        try:
            self.sender.send(post)
        except Refused as refusal:
            return self._give_up(post, f"refused: {refusal.reason}", expired=False)
        except TryLater as later:
            self._retry_later(post, now, later.reason, later.after, unknown=later.unknown)
            return None
        except Exception as error:  # an unexpected failure is retried (and expires), never lost
            log.exception("delivering post %s failed unexpectedly", post.id)
            self._retry_later(post, now, f"{type(error).__name__}: {error}", None, unknown=True)
            return None
        return self._accepted(post, now)

    def _accepted(self, post: Post, now: float) -> str:
        self.outbox.delivered(post)  # at once: the window in which a restart could repeat it
        if post.mark and self.store is not None:
            try:
                self.store.remember(post.mark, self._iso(now))
            except Exception:  # the post is out; the mark is retried by whoever owes it next
                log.exception("post %s was delivered but its mark %s could not be stored", post.id, post.mark)
        return f"delivered {post.key}"

    def _retry_later(self, post: Post, now: float, reason: str, after: float | None, *,
                     unknown: bool = False) -> None:
        attempts = post.attempts + 1
        wait = backoff(attempts, first=self.first_delay, cap=self.max_delay)
        if after is not None:  # the platform said when: never earlier than that
            wait = max(after, 0.0)
            self.quiet_until = max(self.quiet_until, now + wait)
        updated = replace(post, attempts=attempts, next_attempt=now + wait, last_error=reason, uncertain=unknown)
        log.warning("post %s (%s) not accepted (attempt %d: %s); next try in %.0f s",
                    post.id, post.key, attempts, reason, wait)
        try:
            self.outbox.update(updated)
        except OutboxError as error:  # the post stays as it was, and is tried again sooner
            log.error("could not record the retry of post %s: %s", post.id, error)

    def _give_up(self, post: Post, reason: str, *, expired: bool) -> str:
        log.error("post %s (%s) given up, kept for an operator (chatdesk status): %s", post.id, post.key, reason)
        self.outbox.give_up(replace(post, given_up=reason, expired=expired))
        return f"{'expired' if expired else 'set aside'} {post.key}"

    @staticmethod
    def _iso(now: float) -> str:
        import datetime as dt

        return dt.datetime.fromtimestamp(now, dt.timezone.utc).isoformat(timespec="seconds")

    # -- the worker thread ------------------------------------------------------------------

    def start(self, *, idle: float = IDLE) -> Courier:
        """Deliver in a thread of its own until ``stop()``: at once when woken, else every ``idle`` s."""
        if self._thread is None:
            # A daemon joined by stop(): a pass that overruns the wait cannot hold the process up.
            self._thread = threading.Thread(target=self._run, args=(idle,), name=f"chatdesk-outbox-{self.platform}",
                                            daemon=True)
            self._thread.start()
        return self

    def _run(self, idle: float) -> None:
        pruned = 0.0
        while not self._stop.is_set():
            self._wake.clear()
            if (forget := getattr(self.outbox, "forget_old_keys", None)) and time.monotonic() - pruned > 3600:
                pruned = time.monotonic()  # the keys of posts delivered long ago: once an hour is plenty
                forget()
            try:
                for line in self.deliver_due():
                    log.info("outbox: %s", line)
            except Exception:  # a bad pass must not stop the next one
                log.exception("outbox delivery pass failed")
            self._wake.wait(self._next_wait(idle))

    def _next_wait(self, idle: float) -> float:
        try:
            due = [max(post.next_attempt, self.quiet_until) for post in self.outbox.pending()]
        except OutboxError:
            return idle
        if not due:
            return idle
        return min(idle, max(0.05, min(due) - self.clock()))

    def stop(self, *, timeout: float = 5.0) -> bool:
        """Stop the worker and wait for it (at most ``timeout`` s); True when it ended."""
        self._stop.set()
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        ended = not self._thread.is_alive()
        if not ended:
            log.warning("the outbox worker did not stop within %.0f s; what it holds is sent at the next start",
                        timeout)
        return ended


def courier_for(desk: Any, sender: Sender, *, platform: str) -> Courier:
    """The courier of ``platform``'s posts: its outbox beside the store, ``[outbox]`` settings applied."""
    return Courier(outbox_for(desk.config, platform), sender, store=desk.service.store, platform=platform)


def outbox_for(config: Any, platform: str) -> Outbox:
    """The ``outbox`` table when the tickets are in PostgreSQL (every process and host shares it),
    else ``<data_dir>/outbox/<platform>/``."""
    from bot.store.settings import is_postgres, store_settings

    expire_after = outbox_settings(config).expire_hours * 3600
    store = store_settings(config)
    if is_postgres(store.url):
        from bot.pg_outbox import PostgresOutbox

        return PostgresOutbox(str(store.url), platform=platform, expire_after=expire_after,
                              connect_timeout=store.connect_timeout)
    return FileOutbox(outbox_dir(config, platform), expire_after=expire_after)
