"""The durable outbox, the inbox's twin: a post the desk owes is written down before the platform call.

The ticket is stored first; every post the change calls for (the intake reply, a thread notice,
a team announcement, a reminder, a survey, the weekly post) is then recorded here before anything
is sent, and the ``Courier`` (``bot.courier``) delivers it, retrying with backoff, until the
platform accepts it or it expires. A post that was recorded is never lost to a restart: the next
process delivers it. What a post needs to be sent is in its ``payload`` (what the platform sender
reads; JSON), so it survives the process that recorded it.

Each post has a ``key``, unique for as long as the outbox remembers it (``KEEP_KEYS``): a key that
was recorded once is not recorded again, so a redelivered event, an inbox replay or two scheduler
processes owe a post once. Posts of one ``lane`` (a ticket's thread, the team channel) go out in the
order they were recorded: a notice never overtakes the intake reply it follows.

``FileOutbox`` keeps one small file per owed post in ``<data_dir>/outbox/<platform>/``, written
atomically (temporary file, fsync, ``os.replace``, fsync of the directory) and removed once the
platform accepted it; ``keys/`` holds one empty file per key (created with ``O_EXCL``: two processes
recording one key keep one post). Posts that expired (``expired/``) or that the platform refused for
good (``aside/``) are kept, with the reason, for an operator (``chatdesk status``). ``MemoryOutbox``
is its twin for tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.delivery import current as current_delivery
from bot.durable_files import write_durably

log = logging.getLogger(__name__)

SUFFIX = ".json"
EXPIRED = "expired"  # past their time to live: logged, kept for an operator
SET_ASIDE = "aside"  # refused for good by the platform (channel_not_found, 403…), with the reason
KEYS = "keys"
EXPIRE_AFTER = 24 * 3600.0  # seconds a post is retried before it is given up ([outbox] expire_hours)
KEEP_KEYS = 14 * 86400.0  # how long a delivered post's key keeps a replay from owing it again


class OutboxError(Exception):
    """The outbox could not record (or read) a post; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Owed:
    """A post to record: its key, its lane, what the sender needs, and the memo mark set once accepted."""

    key: str
    lane: str
    payload: Mapping[str, Any]
    mark: str | None = None  # a store memo key remembered when the platform accepts it (the weekly post)


@dataclass(frozen=True, slots=True)
class Post:
    """One recorded post and how its delivery is going."""

    id: str
    key: str
    lane: str
    payload: Mapping[str, Any]
    recorded: float
    expires: float
    mark: str | None = None
    attempts: int = 0
    next_attempt: float = 0.0
    last_error: str | None = None
    given_up: str | None = None  # why it is no longer tried: it expired, or the platform refused it for good
    expired: bool = False
    # A send was begun and how it ended is not known (the process died during it, or the network
    # failed after the request left): the sender looks for it on the platform before sending again.
    uncertain: bool = False

    def to_record(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Post:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in record.items() if key in names})


class Outbox(Protocol):
    """Where owed posts wait until the platform accepted them."""

    def record(self, owed: Iterable[Owed]) -> list[Post]:
        """Keep each post whose key is new, durably and in order; returns those kept."""
        ...

    def holds(self, key: str) -> bool:
        """True when a post with ``key`` is owed, given up, or was delivered recently."""
        ...

    def pending(self) -> list[Post]:
        """The posts still to deliver, oldest first."""
        ...

    def update(self, post: Post) -> None:
        """Write a post's new delivery state (attempts, next attempt, last error, uncertain)."""
        ...

    def delivered(self, post: Post) -> None:
        """The platform accepted the post: forget it (its key stays, so it is not owed again)."""
        ...

    def give_up(self, post: Post) -> None:
        """Stop trying ``post`` (its ``given_up`` says why, ``expired`` which); keep it for an operator."""
        ...

    def given_up(self) -> list[Post]:
        """Expired and set-aside posts, oldest first."""
        ...

    def check(self) -> None:
        """Raise ``OutboxError`` when a new post could not be recorded now."""
        ...

    def delivering(self) -> AbstractContextManager[bool]:
        """Held by one deliverer at a time (True), across the processes sharing this outbox; False at once otherwise."""
        ...


def post_key(platform: str) -> str:
    """The key of a post owed now. While a request is handled (a press, a command, a form) it
    comes from the request's id and the post's place among its posts, so handling the same
    request again after a crash owes none of them a second time; otherwise it is unique."""
    delivery = current_delivery()
    if delivery is None:
        return f"{platform}:{uuid.uuid4().hex}"
    return f"{platform}:{delivery.next_post_key()}"


def key_name(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class _Sequence:
    """Post ids that grow strictly within a process even when the clock stands still (tests)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.last = 0
        self.lock = threading.Lock()

    def next(self) -> tuple[str, float]:
        now = self.clock()
        with self.lock:
            stamp = max(int(now * 1_000_000), self.last + 1)
            self.last = stamp
        return f"{stamp:020d}-{uuid.uuid4().hex[:12]}", now


class FileOutbox:
    """One file per owed post in ``directory``; implements ``Outbox``."""

    def __init__(self, directory: str | os.PathLike[str], *, clock: Callable[[], float] = time.time,
                 expire_after: float = EXPIRE_AFTER, keep_keys: float = KEEP_KEYS) -> None:
        self.directory = Path(directory)
        self.clock = clock
        self.expire_after = expire_after
        self.keep_keys = keep_keys
        self._ids = _Sequence(clock)
        try:
            for folder in (self.directory, self.directory / KEYS):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # reported by check() and record(): the desk still starts
            log.error("the outbox directory %s cannot be created: %s", self.directory, error)

    # -- recording ------------------------------------------------------------------------

    def record(self, owed: Iterable[Owed]) -> list[Post]:
        kept = []
        for item in owed:
            post_id, now = self._ids.next()
            post = Post(post_id, item.key, item.lane, item.payload, now, now + self.expire_after, mark=item.mark)
            # The post first, then its key: a crash between the two leaves a post that is delivered
            # (never one that is lost); a key that exists already means another recorder owns it.
            self._write(self.directory, post)
            if not self._claim_key(item.key):
                (self.directory / f"{post.id}{SUFFIX}").unlink(missing_ok=True)
                continue
            kept.append(post)
        return kept

    def _claim_key(self, key: str) -> bool:
        path = self.directory / KEYS / key_name(key)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            return False
        except OSError as error:
            raise OutboxError(f"cannot record a post's key in {path}: {error.strerror or error}") from error
        return True

    def holds(self, key: str) -> bool:
        return (self.directory / KEYS / key_name(key)).exists()

    def _write(self, folder: Path, post: Post) -> None:
        final = folder / f"{post.id}{SUFFIX}"
        temporary = folder / f".{post.id}.{uuid.uuid4().hex[:6]}.tmp"
        data = json.dumps(post.to_record(), ensure_ascii=False).encode("utf-8")
        try:
            write_durably(final, data, temporary=temporary)
        except OSError as error:
            raise OutboxError(f"cannot record a post in {final}: {error.strerror or error}") from error

    # -- delivering -----------------------------------------------------------------------

    def pending(self) -> list[Post]:
        return self._read(self.directory)

    def update(self, post: Post) -> None:
        if (self.directory / f"{post.id}{SUFFIX}").exists():  # not delivered by another process meanwhile
            self._write(self.directory, post)

    def delivered(self, post: Post) -> None:
        try:
            (self.directory / f"{post.id}{SUFFIX}").unlink(missing_ok=True)
        except OSError as error:  # delivered again by the next process: the trade-off of at-least-once
            log.warning("could not remove delivered post %s from the outbox %s: %s", post.id, self.directory, error)

    def give_up(self, post: Post) -> None:
        folder = self.directory / (EXPIRED if post.expired else SET_ASIDE)
        try:
            folder.mkdir(exist_ok=True)
            self._write(folder, post)
            (self.directory / f"{post.id}{SUFFIX}").unlink(missing_ok=True)
        except (OSError, OutboxError) as error:
            log.error("could not move post %s to %s: %s", post.id, folder, error)

    def given_up(self) -> list[Post]:
        posts = [*self._read(self.directory / EXPIRED), *self._read(self.directory / SET_ASIDE)]
        return sorted(posts, key=lambda post: post.id)

    def forget_old_keys(self) -> int:
        """Drop the keys of posts delivered more than ``keep_keys`` ago (their files are gone)."""
        held = {key_name(post.key) for post in (*self.pending(), *self.given_up())}
        cutoff = self.clock() - self.keep_keys
        dropped = 0
        try:
            for path in (self.directory / KEYS).iterdir():
                if path.name not in held and path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    dropped += 1
        except OSError as error:
            log.warning("could not prune the outbox keys in %s: %s", self.directory / KEYS, error)
        return dropped

    def _read(self, folder: Path) -> list[Post]:
        try:
            names = sorted(p.name for p in folder.iterdir() if p.name.endswith(SUFFIX))
        except FileNotFoundError:
            return []
        except OSError as error:
            raise OutboxError(f"cannot read the outbox {folder}: {error.strerror or error}") from error
        posts = []
        for name in names:
            path = folder / name
            try:
                posts.append(Post.from_record(json.loads(path.read_text(encoding="utf-8"))))
            except FileNotFoundError:  # delivered by another process while we listed
                continue
            except (OSError, ValueError, TypeError) as error:
                log.error("outbox file %s is unreadable (%s); moved to %s/", path, error, SET_ASIDE)
                aside = self.directory / SET_ASIDE
                aside.mkdir(exist_ok=True)
                os.replace(path, aside / f"{name}.unreadable")
        return posts

    @contextmanager
    def delivering(self) -> Iterator[bool]:
        # A lock file in the outbox itself: whoever shares these files (processes on one data_dir,
        # containers on one volume) shares the lock, whatever the store is.
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.directory / ".delivering.lock"), timeout=0)
        try:
            lock.acquire()
        except (Timeout, OSError):
            yield False
            return
        try:
            yield True
        finally:
            lock.release()

    def check(self) -> None:
        probe = Post(f".probe-{uuid.uuid4().hex[:12]}", "", "", {}, 0.0, 0.0)
        self._write(self.directory, probe)
        (self.directory / f"{probe.id}{SUFFIX}").unlink(missing_ok=True)


class MemoryOutbox:
    """The in-memory twin of ``FileOutbox``; ``broken`` makes it refuse, as a full disk would."""

    def __init__(self, *, clock: Callable[[], float] = time.time, expire_after: float = EXPIRE_AFTER) -> None:
        self.clock = clock
        self.expire_after = expire_after
        self.posts: dict[str, Post] = {}
        self.gone: dict[str, Post] = {}
        self.keys: set[str] = set()
        self.broken: str | None = None
        self._ids = _Sequence(clock)
        self._lock = threading.Lock()
        self._delivering = threading.Lock()

    def record(self, owed: Iterable[Owed]) -> list[Post]:
        self.check()
        kept = []
        with self._lock:
            for item in owed:
                if item.key in self.keys:
                    continue
                post_id, now = self._ids.next()
                post = Post(post_id, item.key, item.lane, json.loads(json.dumps(item.payload)), now,
                            now + self.expire_after, mark=item.mark)
                self.keys.add(item.key)
                self.posts[post.id] = post
                kept.append(post)
        return kept

    def holds(self, key: str) -> bool:
        return key in self.keys

    def pending(self) -> list[Post]:
        with self._lock:
            return [self.posts[name] for name in sorted(self.posts)]

    def update(self, post: Post) -> None:
        with self._lock:
            if post.id in self.posts:
                self.posts[post.id] = post

    def delivered(self, post: Post) -> None:
        with self._lock:
            self.posts.pop(post.id, None)

    def give_up(self, post: Post) -> None:
        with self._lock:
            self.posts.pop(post.id, None)
            self.gone[post.id] = post

    def given_up(self) -> list[Post]:
        with self._lock:
            return [self.gone[name] for name in sorted(self.gone)]

    def check(self) -> None:
        if self.broken:
            raise OutboxError(self.broken)

    @contextmanager
    def delivering(self) -> Iterator[bool]:
        mine = self._delivering.acquire(blocking=False)
        try:
            yield mine
        finally:
            if mine:
                self._delivering.release()
