"""Per-operation latency of the ticket stores at 1k, 10k and 100k tickets, as ratios to plain TinyDB.

    .venv/bin/python benchmarks/store.py [--sizes 1000 10000 100000] [--repeat 40] [--no-postgres]

Backends: the embedded store (TinyDB files, what ``chatdesk`` uses without a URL), PostgreSQL
(a throwaway local cluster from tests/postgres_support.py; scripts/ensure-postgres.sh installs
the server) and plain TinyDB (one JSON file, the baseline measured in the same run).
The data is a year of realistic tickets: the newest 1% still active (the queue) plus one old
straggler in 5,000, the rest resolved.
Operations: get, find (by thread key), open, append (one event), queue (the active tickets,
sorted as the queue shows them), one metrics week (the tickets a report reads, and the report),
8 writers (each open's latency while eight threads open tickets at once) and cold start (a new
store object answering its first queue).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tinydb import Query, TinyDB  # noqa: E402

from bot.config import demo_config  # noqa: E402
from bot.domain import Actor, Event, Source  # noqa: E402
from bot.store import NewTicket, TinyTicketStore  # noqa: E402

CUSTOMER = Actor("slack", "U0CUSTOMER", "Ana")
START = dt.datetime(2025, 11, 24, 9, tzinfo=dt.timezone.utc)
NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.timezone.utc)
STRAGGLER_EVERY = 5000  # an old ticket nobody closed
WRITERS = 8  # threads opening tickets at once ("8 writers": Slack's listener pool does this under load)


def is_active(number: int, size: int) -> bool:
    """The newest 1% of tickets are still being worked on, and a few old ones were forgotten."""
    return number > size * 0.99 or number % STRAGGLER_EVERY == 0


def record(number: int, size: int) -> dict:
    """A ticket opened at its place in the year: a request, a suggestion, a claim, messages, a note."""
    opened = START + (NOW - START) * (number / (size + 1))

    def at(minutes: int) -> str:
        return (opened + dt.timedelta(minutes=minutes)).isoformat()

    text = f"My tracker number {number} will not pair with my phone after the last app update"
    events = [
        {"type": "opened", "at": at(0), "actor": "U0CUSTOMER", "actor_name": "Ana", "text": text},
        {"type": "suggested", "at": at(0), "actor": "chatdesk", "suggestions": [
            {"slug": "pair-a-tracker", "title": "Pair your tracker", "score": 0.71}], "confident": True},
        {"type": "claimed", "at": at(12), "actor": "U0AGENT", "actor_name": "Maria"},
        {"type": "replied", "at": at(15), "actor": "U0AGENT", "actor_name": "Maria", "text": "Which phone?",
         "message_id": f"{number}.2"},
        {"type": "message", "at": at(30), "actor": "U0CUSTOMER", "actor_name": "Ana", "text": "A Pixel 8",
         "message_id": f"{number}.3"},
        {"type": "noted", "at": at(31), "actor": "U0AGENT", "actor_name": "Maria", "text": "asked for model"},
    ]
    if not is_active(number, size):
        events.append({"type": "resolved", "at": at(90), "actor": "U0AGENT", "actor_name": "Maria",
                       "resolution": "re-paired after a reset"})
    return {"id": f"T-{number}", "subject": text[:60], "body": text, "requester": CUSTOMER.to_record(),
            "source": {"platform": "slack", "channel": "C0SUPPORT", "message": f"{number}.1",
                       "thread": f"{number}.1"}, "events": events}


def concurrently(operation: Callable[[int], object], repeat: int, *, writers: int = WRITERS) -> list[float]:
    """Each of ``writers`` threads runs ``operation`` ``repeat`` times at once: the latency of each call."""
    samples: list[float] = []

    def writer(k: int) -> None:
        samples.extend(timed(lambda i: operation(k * repeat + i), repeat))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


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


def bench_store(make: Callable[[], object], size: int, repeat: int) -> dict[str, list[float]]:
    """The chatdesk operations on a store that ``make`` opens (filled once, then reopened cold)."""
    from bot.metrics import Week, report_tickets
    from bot.metrics.report import build_report
    from bot.service import TicketService

    filler = make()
    for first in range(1, size + 1, 5000):
        filler.import_records((n, record(n, size)) for n in range(first, min(size, first + 4999) + 1))
    filler.close()
    config = demo_config()
    agent = Actor("slack", "U0AGENT", "Maria", is_agent=True)
    cold: list[float] = []
    for _ in range(3):
        start = time.perf_counter()
        store = make()
        TicketService(store, config).queue(agent)
        cold.append((time.perf_counter() - start) * 1000)
        store.close()
    store = make()
    service = TicketService(store, config)
    note = Event("noted", NOW.isoformat(), "U0AGENT", "Maria", {"text": "called back"})
    week = Week.last_full(NOW, config.tz)

    def open_ticket(i: int) -> None:
        source = Source("slack", "C0SUPPORT", message=f"new.{i}", thread=f"new.{i}")
        store.open(NewTicket("New", "New request", CUSTOMER.to_record(), source.to_record(),
                             Event("opened", NOW.isoformat(), "U0CUSTOMER", "Ana", {"text": "New request"}),
                             keys=(source.thread_key,)), dedupe_key=source.delivery_key)

    def metrics_week(i: int) -> None:
        build_report(report_tickets(store, week), config, week, as_of=NOW, with_gaps=False)

    results = {
        "get": timed(lambda i: store.get(f"T-{1 + (i * 37) % size}"), repeat),
        "find": timed(lambda i: store.find(f"thread:slack:C0SUPPORT:{1 + (i * 53) % size}.1"), repeat),
        "open": timed(open_ticket, repeat),
        "append": timed(lambda i: store.mutate(f"T-{1 + (i * 41) % size}", lambda t: [note]), repeat),
        "queue": timed(lambda i: service.queue(agent), repeat),
        "metrics week": timed(metrics_week, max(3, repeat // 8)),
        "8 writers": concurrently(lambda i: open_ticket(10_000 + i), max(2, repeat // 4)),
        "cold start": cold,
    }
    store.close()
    return results


def bench_tinydb(directory: Path, size: int, repeat: int) -> dict[str, list[float]]:
    """The same operations done the plain TinyDB way (JSONStorage, queries by scanning)."""
    path = directory / "plain.json"
    db = TinyDB(path)
    rows = (record(n, size) | {"thread": f"thread:slack:C0SUPPORT:{n}.1",
                               "state": "claimed" if is_active(n, size) else "resolved"}
            for n in range(1, size + 1))
    db.table("tickets").insert_multiple(rows)
    db.close()
    cold: list[float] = []
    item = Query()
    for _ in range(3):
        start = time.perf_counter()
        fresh = TinyDB(path)
        fresh.table("tickets").search(item.state == "claimed")
        cold.append((time.perf_counter() - start) * 1000)
        fresh.close()
    db = TinyDB(path)
    tickets = db.table("tickets", cache_size=0)
    week_start = (NOW - dt.timedelta(days=56)).isoformat()

    lock = threading.Lock()  # TinyDB is not thread-safe: writers take turns

    def insert(i: int) -> None:
        with lock:
            tickets.insert(record(size + i + 1, size))

    def append(i: int) -> None:
        doc_id = 1 + (i * 41) % size
        doc = tickets.get(doc_id=doc_id)
        tickets.update({"events": [*doc["events"], {"type": "noted", "at": NOW.isoformat(), "text": "called back"}]},
                       doc_ids=[doc_id])

    return {
        "get": timed(lambda i: tickets.get(doc_id=1 + (i * 37) % size), repeat),
        "find": timed(lambda i: tickets.get(item.thread == f"thread:slack:C0SUPPORT:{1 + (i * 53) % size}.1"),
                      repeat),
        "open": timed(lambda i: tickets.insert(record(size + i + 1, size)), repeat),
        "append": timed(append, repeat),
        "queue": timed(lambda i: tickets.search(item.state.one_of(["open", "claimed", "waiting"])), repeat),
        "metrics week": timed(lambda i: tickets.search(item.events.any(item.at >= week_start)), max(3, repeat // 8)),
        "8 writers": concurrently(lambda i: insert(10_000 + i), max(1, repeat // 8)),
        "cold start": cold,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL (no server binaries here)")
    args = parser.parse_args()
    cluster = None
    if not args.no_postgres:
        sys.path.insert(0, str(ROOT / "tests"))
        from postgres_support import start_cluster

        cluster = start_cluster()
    try:
        header = f"{'tickets':>8} {'operation':<13}"
        columns = ["embedded"] + (["postgres"] if cluster else []) + ["tinydb"]
        for name in columns:
            header += f" {name + ' p50':>14} {'p95':>9}"
        header += "".join(f" {name + '/tinydb':>16}" for name in columns[:-1])
        print(header)
        for size in args.sizes:
            with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as plain:
                runs = {"embedded": bench_store(lambda: TinyTicketStore.at(Path(ours) / "tickets.json"),
                                                size, args.repeat)}
                if cluster:
                    from bot.store.postgres import PostgresTicketStore

                    url = cluster.database()
                    runs["postgres"] = bench_store(lambda: PostgresTicketStore.connect(url), size, args.repeat)
                # Plain TinyDB re-reads and rewrites its whole file per operation: fewer samples when big.
                runs["tinydb"] = bench_tinydb(Path(plain), size, min(args.repeat, max(3, 30000 // size)))
                on_disk = sum(p.stat().st_size for p in Path(ours).rglob("*") if p.is_file()) / 1e6
            for operation in runs["embedded"]:
                line = f"{size:>8} {operation:<13}"
                figures = {name: summary(runs[name][operation]) for name in columns}
                for name in columns:
                    p50, p95 = figures[name]
                    line += f" {p50:>11.2f} ms {p95:>6.2f} ms"
                base = figures["tinydb"][1]
                line += "".join(f" {figures[name][1] / base if base else float('nan'):>15.3f}x"
                                for name in columns[:-1])
                print(line, flush=True)
            print(f"{size:>8} {'on disk':<13} {on_disk:>11.1f} MB (embedded)", flush=True)
        print("ratios compare p95 latencies; below 1 is faster than plain TinyDB")
    finally:
        if cluster:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
