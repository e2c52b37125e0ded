"""The outbox in PostgreSQL: the ``outbox`` table (migration 3), beside the tickets in the same database.

When the tickets are in PostgreSQL the desk may run as several processes on several hosts, so
what the desk owes is there too: a recorded post survives its process and its host, and whichever
process of the platform delivers next sends it. Recording is one ``INSERT … ON CONFLICT DO
NOTHING`` per post (the unique ``(platform, key)`` index keeps a post owed once across every
process); a delivered row is kept ``KEEP_KEYS`` for that, then swept. One process at a time
delivers a platform's posts: a session advisory lock on the platform, held for one pass.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from bot.outbox import EXPIRE_AFTER, KEEP_KEYS, OutboxError, Owed, Post
from bot.store.pg_schema import migrate
from bot.store.settings import safe_location

log = logging.getLogger(__name__)

DELIVERY_LOCK_CLASS = 0x6F757462  # "outb": pg_advisory_lock(class, platform hash)
_COLUMNS = ("id, key, lane, payload, recorded, expires, mark, attempts, next_attempt, last_error, given_up, state,"
            " uncertain")


class PostgresOutbox:
    """The ``outbox`` table for one platform; implements ``bot.outbox.Outbox``."""

    def __init__(self, url: str, *, platform: str, clock: Callable[[], float] = time.time,
                 expire_after: float = EXPIRE_AFTER, keep_keys: float = KEEP_KEYS, pool_size: int = 3,
                 connect_timeout: int = 10) -> None:
        self.location = safe_location(url)
        self.platform = platform
        self.clock = clock
        self.expire_after = expire_after
        self.keep_keys = keep_keys
        self._lock_key = int.from_bytes(hashlib.blake2b(platform.encode(), digest_size=4).digest(), "big", signed=True)
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout) as conn:
                migrate(conn, location=self.location)
        except psycopg.Error as error:
            raise OutboxError(f"cannot open the outbox in {self.location}: {_first_line(error)}") from None
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False, name=f"chatdesk-outbox-{platform}",
                                    check=ConnectionPool.check_connection, kwargs={"connect_timeout": connect_timeout})
        self._pool.open(wait=False)

    @contextmanager
    def _connection(self, what: str) -> Iterator[psycopg.Connection]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except (psycopg.Error, OSError) as error:
            raise OutboxError(f"cannot {what} in the outbox of {self.location}: {_first_line(error)}") from None

    def record(self, owed: Iterable[Owed]) -> list[Post]:
        kept = []
        with self._connection("record a post") as conn, conn.transaction():  # one change's posts together
            for item in owed:
                now = self.clock()
                row = conn.execute(
                    "INSERT INTO outbox (platform, key, lane, payload, mark, recorded, expires)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (platform, key) DO NOTHING RETURNING id",
                    [self.platform, item.key, item.lane, Jsonb(dict(item.payload)), item.mark, now,
                     now + self.expire_after]).fetchone()
                if row is not None:
                    kept.append(Post(_post_id(row[0]), item.key, item.lane, dict(item.payload), now,
                                     now + self.expire_after, mark=item.mark))
        return kept

    def holds(self, key: str) -> bool:
        with self._connection("look up a post") as conn:
            return conn.execute("SELECT 1 FROM outbox WHERE platform = %s AND key = %s",
                                [self.platform, key]).fetchone() is not None

    def pending(self) -> list[Post]:
        return self._select("state = 'pending'")

    def given_up(self) -> list[Post]:
        return self._select("state IN ('expired', 'aside')")

    def _select(self, where: str) -> list[Post]:
        with self._connection("read the posts") as conn:
            rows = conn.cursor(row_factory=dict_row).execute(f"SELECT {_COLUMNS} FROM outbox WHERE platform = %s AND {where} ORDER BY id",
                                [self.platform]).fetchall()
        return [Post(_post_id(r["id"]), r["key"], r["lane"], r["payload"], r["recorded"], r["expires"],
                     mark=r["mark"], attempts=r["attempts"], next_attempt=r["next_attempt"],
                     last_error=r["last_error"], given_up=r["given_up"], expired=r["state"] == "expired",
                     uncertain=r["uncertain"])
                for r in rows]

    def update(self, post: Post) -> None:
        with self._connection("record a retry") as conn:
            conn.execute("UPDATE outbox SET attempts = %s, next_attempt = %s, last_error = %s, uncertain = %s"
                         " WHERE id = %s AND state = 'pending'",
                         [post.attempts, post.next_attempt, post.last_error, post.uncertain, int(post.id)])

    def delivered(self, post: Post) -> None:
        try:
            with self._connection("mark a post delivered") as conn:
                conn.execute("UPDATE outbox SET state = 'delivered', done = %s WHERE id = %s",
                             [self.clock(), int(post.id)])
                conn.execute("DELETE FROM outbox WHERE platform = %s AND state = 'delivered' AND done < %s",
                             [self.platform, self.clock() - self.keep_keys])
        except OutboxError as error:  # sent again by the next pass: the trade-off of at-least-once
            log.warning("could not mark post %s delivered: %s", post.id, error)

    def give_up(self, post: Post) -> None:
        with self._connection("set a post aside") as conn:
            conn.execute("UPDATE outbox SET state = %s, given_up = %s, attempts = %s, last_error = %s,"
                         " done = %s WHERE id = %s",
                         ["expired" if post.expired else "aside", post.given_up, post.attempts, post.last_error,
                          self.clock(), int(post.id)])

    def check(self) -> None:
        with self._connection("check") as conn:
            if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                raise OutboxError(f"the database of {self.location} is read-only (a standby)")

    @contextmanager
    def delivering(self) -> Iterator[bool]:
        with self._connection("take the delivery lock") as conn:
            conn.autocommit = True
            mine = bool(conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                     [DELIVERY_LOCK_CLASS, self._lock_key]).fetchone()[0])
            try:
                yield mine
            finally:
                if mine and not conn.closed:
                    conn.execute("SELECT pg_advisory_unlock(%s, %s)", [DELIVERY_LOCK_CLASS, self._lock_key])
                conn.autocommit = False

    def close(self) -> None:
        self._pool.close()

    @staticmethod
    def platforms(url: str, *, connect_timeout: int = 10) -> list[str]:
        """The platforms with posts in the table (``chatdesk status``)."""
        with psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout) as conn:
            migrate(conn, location=safe_location(url))
            return [row[0] for row in conn.execute("SELECT DISTINCT platform FROM outbox ORDER BY 1")]


def _post_id(number: Any) -> str:
    return f"{int(number):020d}"


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
