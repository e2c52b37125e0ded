"""Checks and copies that work on any backend: ``chatdesk store check`` and ``chatdesk store copy``.

A copy goes through the target's own ``import_records`` (so the target's rules decide, and
nothing already there is overwritten), then its keys and memo; it is verified by counting
and by a checksum over every ticket, key and memo entry in a canonical form, computed on
both sides after the copy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import orjson

from bot import messages
from bot.errors import StoreError
from bot.records import ticket_from_record


@dataclass
class CheckReport:
    """What ``check`` found, and what it repaired."""

    tickets: int = 0
    problems: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)


def check(store, *, repair: bool = False) -> CheckReport:
    """Unreadable records, a counter behind the highest number, keys to missing tickets; repair what is safe."""
    report = CheckReport()
    numbers: set[int] = set()
    for number, record in store.raw_tickets():
        numbers.add(number)
        try:
            ticket_from_record(record)  # the rules every read applies, so check finds what reads skip
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            report.problems.append(f"T-{number} can't be read ({exc}); it is kept as stored")
    report.tickets = len(numbers)
    highest = max(numbers, default=0)
    following = store.next_number()
    if following <= highest:
        report.problems.append(f"the ticket counter would give T-{following}, but T-{highest} exists")
        if repair:
            store.set_next_number(highest + 1)
            report.repaired.append(f"the counter now gives T-{highest + 1} next")
    dangling = sorted(key for key, ticket_id in store.key_map().items() if _number(ticket_id) not in numbers)
    for key in dangling:
        report.problems.append(f"key {key} points at a ticket that does not exist; it is kept")
    index_problems = getattr(store, "index_problems", lambda: [])()  # the embedded store's own indexes
    report.problems += index_problems
    if repair:
        changed = store.reindex()
        if changed:
            report.repaired.append(f"{changed} ticket summaries rebuilt from their events")
        if index_problems:
            report.repaired.append("the requester index rebuilt from the tickets")
    return report


@dataclass(frozen=True)
class CopyReport:
    tickets: int
    keys: int
    memo: int
    checksum: str


def copy_store(source, target) -> CopyReport:
    """Copy every ticket, key and memo entry into an empty ``target``; verify counts and checksum."""
    if target.recent(1):
        raise StoreError(messages.STORE_COPY_NOT_EMPTY, location=target.location)
    records = [(number, record) for number, record in source.raw_tickets()]
    report = target.import_records((number, record) for number, record in records)
    if report.errors:
        line, reason = report.errors[0]
        raise StoreError(messages.STORE_COPY_FAILED, source=source.location, target=target.location,
                         problem=f"T-{line}: {reason} ({len(report.errors)} refused)")
    keys, memo = source.key_map(), source.memo_map()
    target.restore(keys=keys, memo=memo)
    if target.next_number() < source.next_number():
        target.set_next_number(source.next_number())
    # The target's import also points each ticket's own thread and message keys at it: the copy
    # is verified on the source's keys, which must all be there with the same ticket.
    mine, theirs = checksum(source), checksum(target, keys=set(keys))
    if mine != theirs:
        raise StoreError(messages.STORE_COPY_FAILED, source=source.location, target=target.location,
                         problem=f"checksums differ after the copy ({mine[:12]} ≠ {theirs[:12]})")
    return CopyReport(len(records), len(keys), len(memo), mine)


def checksum(store, *, keys: set[str] | None = None) -> str:
    """SHA-256 over every ticket (its stored fields and events), key (or those of ``keys``) and memo entry."""
    digest = hashlib.sha256()
    for number, record in store.raw_tickets():
        stored = {name: record.get(name) for name in ("id", "subject", "body", "requester", "source", "events")}
        digest.update(b"T%d:" % number + orjson.dumps(stored, option=orjson.OPT_SORT_KEYS) + b"\n")
    for key, ticket_id in sorted(store.key_map().items()):
        if keys is not None and key not in keys:
            continue
        digest.update(b"K" + orjson.dumps([key, ticket_id]) + b"\n")
    for key, value in sorted(store.memo_map().items()):
        digest.update(b"M" + orjson.dumps([key, value], option=orjson.OPT_SORT_KEYS) + b"\n")
    return digest.hexdigest()


def _number(ticket_id: str) -> int | None:
    try:
        return int(ticket_id.split("-", 1)[1])
    except (IndexError, ValueError):
        return None
