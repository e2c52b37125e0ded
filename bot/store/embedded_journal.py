"""The embedded store's journal: committed changes kept in the head until they are applied to files.

A commit writes only the head (one file, one fsync): the changes it carries join the head's
``pending`` table, which every reader prefers to the partition and bucket files. Once pending
holds more than ``PENDING_SOFT`` entries, each commit first applies the file with the most
pending entries (one more fsync) and drops them from pending in the same head write; past
``PENDING_HARD`` it applies them all. Only entries of earlier, durable commits are applied
before a head write, so a crash at any point leaves the files and the head agreeing on the
last commit that reached the disk.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

PARTITION = 500  # tickets per file: about 0.7 MB of typical tickets, a few ms to rewrite
BUCKETS = 64  # key and memo files; at 100k tickets each holds about 5,000 keys
PENDING_SOFT = 256  # pending entries kept in the head before commits start applying them
PENDING_HARD = 2048  # beyond this a commit applies every pending entry
REQUESTER_INDEX = "requester_index"  # the head's meta says the index (``r00.json``…) is complete


class Change:
    """What one commit writes, or what the head still owes its files: ticket records, keys, memo,
    and the requester index (``platform:user`` → the partitions holding that person's tickets)."""

    def __init__(self, tickets: Mapping[str, Any] | None = None, keys: Mapping[str, str] | None = None,
                 memo: Mapping[str, Any] | None = None, requesters: Mapping[str, list[int]] | None = None) -> None:
        self.tickets: dict[str, dict[str, Any]] = dict(tickets or {})
        self.keys: dict[str, str] = dict(keys or {})
        self.memo: dict[str, Any] = dict(memo or {})
        self.requesters: dict[str, list[int]] = dict(requesters or {})
        self.head_only = False  # a change of the head alone (say, the counter set by a repair)

    @classmethod
    def pending_in(cls, head: Mapping[str, Any]) -> Change:
        """The head's committed changes not yet applied to the files (a copy to edit)."""
        pending = (head.get("pending") or {}).get("1") or {}
        return cls(pending.get("tickets"), pending.get("keys"), pending.get("memo"), pending.get("requesters"))

    def to_record(self) -> dict[str, Any]:
        return {"tickets": self.tickets, "keys": self.keys, "memo": self.memo, "requesters": self.requesters}

    def is_empty(self) -> bool:
        return not (self.tickets or self.keys or self.memo or self.requesters or self.head_only)

    def add(self, later: Change) -> None:
        """Take ``later``'s values over this change's (records carry all their events)."""
        self.tickets.update(later.tickets)
        self.keys.update(later.keys)
        self.memo.update(later.memo)
        self.requesters.update(later.requesters)
        self.head_only = self.head_only or later.head_only

    def size(self) -> int:
        return len(self.tickets) + len(self.keys) + len(self.memo) + len(self.requesters)

    def due(self) -> Change:
        """The part of these pending entries the next commit applies to files (often nothing)."""
        if self.size() <= PENDING_SOFT:
            return Change()
        files: dict[str, Change] = {}
        for n, record in self.tickets.items():
            files.setdefault(partition_name(int(n)), Change()).tickets[n] = record
        for key, value in self.keys.items():
            files.setdefault(bucket_name("k", key), Change()).keys[key] = value
        for key, value in self.memo.items():
            files.setdefault(bucket_name("m", key), Change()).memo[key] = value
        for key, value in self.requesters.items():
            files.setdefault(bucket_name("r", key), Change()).requesters[key] = value
        if self.size() > PENDING_HARD:
            return self.copy()
        return max(files.values(), key=Change.size)

    def copy(self) -> Change:
        return Change(self.tickets, self.keys, self.memo, self.requesters)

    def without(self, applied: Change) -> Change:
        """These entries less those ``applied`` wrote to files (same values only)."""
        def keep(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in mine.items() if k not in theirs or theirs[k] is not v}

        return Change(keep(self.tickets, applied.tickets), keep(self.keys, applied.keys),
                      keep(self.memo, applied.memo), keep(self.requesters, applied.requesters))


def partition_name(number: int) -> str:
    return f"t{number // PARTITION:06d}.json"


def bucket_name(kind: str, key: str) -> str:
    return f"{kind}{zlib.crc32(key.encode('utf-8')) % BUCKETS:02d}.json"


def requester_key(platform: str, user_id: str) -> str:
    """A requester's line in the index: the platform name has no colon, so the split is unambiguous."""
    return f"{platform}:{user_id}"
