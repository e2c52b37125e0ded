"""Group commit: the writers that queue up while one commit is being made share the next one.

A commit's cost is mostly its fsyncs, and they cost the same for one change or thirty. So a
writer does not commit alone: it queues its change and waits. Whoever finds no commit under
way becomes the leader, takes the whole queue, runs each change in turn on the freshest data
(each sees the ones before it), makes one durable commit of them all, and wakes the others.
Nobody returns before the commit that holds their change is on disk, and a change that fails
(its decision refused, say) fails alone: the others in the batch still commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Request(Generic[T]):
    """One writer's change waiting for a commit: its body, then its result or its error."""

    __slots__ = ("body", "result", "error", "done")

    def __init__(self, body: Callable[..., T]) -> None:
        self.body = body
        self.result: T | None = None
        self.error: BaseException | None = None
        self.done = False


class GroupCommit:
    """Serialises changes and batches them; ``commit_batch`` makes one commit of a list of requests.

    ``commit_batch`` runs in the leader's thread and must set each request's ``result`` or
    ``error``; whatever it raises becomes the error of every request it did not settle.
    """

    def __init__(self, commit_batch: Callable[[list[Request[Any]]], None]) -> None:
        self._commit_batch = commit_batch
        self._cond = threading.Condition(threading.Lock())
        self._queue: list[Request[Any]] = []
        self._leader: int | None = None
        self.commits = 0  # how many batches were committed (benchmarks and tests read it)

    def run(self, body: Callable[..., T]) -> T:
        """Queue ``body`` for the next commit and return its result once that commit is durable."""
        request: Request[T] = Request(body)
        me = threading.get_ident()
        with self._cond:
            if self._leader == me:  # a body starting another change would wait for itself forever
                raise RuntimeError("a store change tried to start another change inside itself")
            self._queue.append(request)
            while not request.done and self._leader is not None:
                self._cond.wait()
            batch: list[Request[Any]] = []
            if not request.done:
                self._leader = me
                batch, self._queue = self._queue, []
        if batch:
            self._lead(batch)
        if request.error is not None:
            raise request.error
        return request.result  # type: ignore[return-value]

    def _lead(self, batch: list[Request[Any]]) -> None:
        try:
            self._commit_batch(batch)
            self.commits += 1
        except BaseException as exc:
            interrupted = exc if isinstance(exc, Exception) else RuntimeError("the commit was interrupted")
            for request in batch:
                if request.error is None:
                    request.error = interrupted
            if not isinstance(exc, Exception):
                raise
        finally:
            with self._cond:
                for request in batch:
                    request.done = True
                self._leader = None
                self._cond.notify_all()
