"""Per-operation latency of the ticket store at 1k and 10k tickets, next to plain TinyDB.

    .venv/bin/python benchmarks/store.py [--sizes 1000 10000] [--repeat 30]

Both stores rewrite the whole JSON file on every write (TinyDB's storage model), so write
latency grows with the number of tickets; ours adds a file lock, an fsync and a rename per
write, which is the price of surviving a crash and of sharing the file between processes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinydb import Query, TinyDB  # noqa: E402

from bot.domain import Actor, Event, Source  # noqa: E402
from bot.store import NewTicket, TinyTicketStore  # noqa: E402

CUSTOMER = Actor("slack", "U0CUSTOMER", "Ana")
AT = "2026-11-16T09:00:00+00:00"


def record(number: int) -> dict:
    """A realistic ticket: a request, a claim, two messages, a note and a resolution."""
    text = f"My tracker number {number} will not pair with my phone after the last app update"
    events = [
        {"type": "opened", "at": AT, "actor": "U0CUSTOMER", "actor_name": "Ana", "text": text},
        {"type": "suggested", "at": AT, "actor": "chatdesk", "suggestions": [
            {"slug": "pair-a-tracker", "title": "Pair your tracker", "score": 0.71}], "confident": True},
        {"type": "claimed", "at": AT, "actor": "U0AGENT", "actor_name": "Maria"},
        {"type": "replied", "at": AT, "actor": "U0AGENT", "actor_name": "Maria", "text": "Which phone?",
         "message_id": f"{number}.2"},
        {"type": "message", "at": AT, "actor": "U0CUSTOMER", "actor_name": "Ana", "text": "A Pixel 8",
         "message_id": f"{number}.3"},
        {"type": "noted", "at": AT, "actor": "U0AGENT", "actor_name": "Maria", "text": "asked for model"},
    ]
    return {"id": f"T-{number}", "subject": text[:60], "body": text,
            "requester": CUSTOMER.to_record(),
            "source": {"platform": "slack", "channel": "C0SUPPORT", "message": f"{number}.1",
                       "thread": f"{number}.1"},
            "events": events}


def timed(operation: Callable[[int], object], repeat: int) -> list[float]:
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        operation(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def bench_chatdesk(directory: Path, size: int, repeat: int) -> dict[str, list[float]]:
    store = TinyTicketStore.at(directory / "tickets.json")
    store.import_records((n, record(n)) for n in range(1, size + 1))
    store = TinyTicketStore.at(directory / "tickets.json")  # a cold process
    note = Event("noted", AT, "U0AGENT", "Maria", {"text": "called back"})

    def open_ticket(i: int) -> None:
        source = Source("slack", "C0SUPPORT", message=f"new.{i}", thread=f"new.{i}")
        store.open(NewTicket("New", "New request", CUSTOMER.to_record(), source.to_record(),
                             Event("opened", AT, "U0CUSTOMER", "Ana", {"text": "New request"}),
                             keys=(source.thread_key,)), dedupe_key=source.delivery_key)

    return {
        "get": timed(lambda i: store.get(f"T-{1 + (i * 37) % size}"), repeat),
        "find thread": timed(lambda i: store.find(f"thread:slack:C0SUPPORT:{1 + (i * 53) % size}.1"), repeat),
        "append event": timed(lambda i: store.mutate(f"T-{1 + (i * 41) % size}", lambda t: [note]), repeat),
        "open ticket": timed(open_ticket, repeat),
        "list all": timed(lambda i: store.tickets(), max(3, repeat // 5)),
    }


def bench_tinydb(directory: Path, size: int, repeat: int) -> dict[str, list[float]]:
    path = directory / "plain.json"
    db = TinyDB(path)
    tickets = db.table("tickets")
    tickets.insert_multiple(record(n) | {"thread": f"thread:slack:C0SUPPORT:{n}.1"} for n in range(1, size + 1))
    db.close()
    db = TinyDB(path)
    tickets = db.table("tickets", cache_size=0)
    thread = Query().thread

    def append(i: int) -> None:
        doc_id = 1 + (i * 41) % size
        doc = tickets.get(doc_id=doc_id)
        tickets.update({"events": [*doc["events"], {"type": "noted", "at": AT, "text": "called back"}]},
                       doc_ids=[doc_id])

    return {
        "get": timed(lambda i: tickets.get(doc_id=1 + (i * 37) % size), repeat),
        "find thread": timed(lambda i: tickets.get(thread == f"thread:slack:C0SUPPORT:{1 + (i * 53) % size}.1"),
                             repeat),
        "append event": timed(append, repeat),
        "open ticket": timed(lambda i: tickets.insert(record(size + i + 1)), repeat),
        "list all": timed(lambda i: tickets.all(), max(3, repeat // 5)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    print(f"{'tickets':>8} {'operation':<13} {'chatdesk p50':>13} {'p95':>9} {'TinyDB p50':>11} {'p95':>9} "
          f"{'ratio p50':>9}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as plain:
            mine = bench_chatdesk(Path(ours), size, args.repeat)
            theirs = bench_tinydb(Path(plain), size, args.repeat)
            file_mb = (Path(ours) / "tickets.json").stat().st_size / 1e6
        for operation in mine:
            m50, m95 = summary(mine[operation])
            t50, t95 = summary(theirs[operation])
            ratio = m50 / t50 if t50 else float("nan")
            print(f"{size:>8} {operation:<13} {m50:>10.2f} ms {m95:>6.2f} ms {t50:>8.2f} ms {t95:>6.2f} ms "
                  f"{ratio:>8.2f}x")
        print(f"{size:>8} {'file size':<13} {file_mb:>10.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
