"""Slack intake under load: signed message events at a steady rate into the real HTTP process.

    .venv/bin/python benchmarks/slack_load.py [--tickets 100000] [--rates 10 50] [--seconds 20]
                                              [--backends embedded postgres] [--warmup 20]

For each backend the store is filled with ``--tickets`` realistic tickets (benchmarks/store.py's
year of data), then ``chatdesk run --platform slack --http`` is started against the local fake
Web API (tests/slack_fake_api.py) and sent new customer requests at each rate. Printed per rate:
the HTTP ack latency (the 200) and the reply lag (the request sent → the intake reply reaching
the Web API), p50 / p95 / max, and how many requests became tickets. Traffic stays on loopback.

Before the first rate, a fresh process is warmed up: ``--warmup`` requests at the lowest rate,
waited on until their replies are back, printed on a ``warm-up`` line of their own and counted
in no rate. Without it the first rate measured the process's first requests (imports, caches,
connections: seconds of reply lag), not the load, and the rates could not be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.store import record  # noqa: E402
from tests.slack_fake_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_body, fixture, signed_headers  # noqa: E402


class TimedSlack(FakeSlack):
    """The fake Web API, noting when each intake reply (by its thread) arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.replied: dict[str, float] = {}

    def _answer(self, method, body, headers):
        if method == "chat.postMessage" and body.get("thread_ts"):
            self.replied.setdefault(str(body["thread_ts"]), time.monotonic())
        return super()._answer(method, body, headers)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fill(store, size: int) -> None:
    for first in range(1, size + 1, 5000):
        store.import_records((n, record(n, size)) for n in range(first, min(size, first + 4999) + 1))
    store.close()


def start_desk(fake: FakeSlack, env_extra: dict[str, str], workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.url,
           "CHATDESK_SLACK_CHANNELS": "CSUPPORT", "CHATDESK_SLACK_AGENTS": "UMARIA",
           "CHATDESK_SLACK_HOST": "127.0.0.1", "CHATDESK_LOG_LEVEL": "WARNING", **env_extra}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "run", "--platform", "slack", "--http",
                                "--port", str(port)], cwd=workdir, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return process, base
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the Slack desk did not start")


def at_rate(send, *, count: int, rate: float) -> None:
    """Call ``send(n)`` for n in range(count), each in a thread of its own, ``rate`` a second; wait for them."""
    threads = []
    began = time.monotonic()
    for n in range(count):
        delay = began + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=send, args=(n,), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(15)


def drive(base: str, fake: TimedSlack, *, rate: float, count: int, tag: str) -> dict[str, object]:
    """Send ``count`` requests at ``rate`` a second; measure acks and reply lag (waits for the replies)."""
    sent: dict[str, float] = {}
    acks: list[float] = []
    lock = threading.Lock()

    def send(n: int) -> None:
        ts = f"1790000000.{tag}{n:05d}"
        event = dict(fixture("event_message.json"), ts=ts, event_ts=ts, client_msg_id=f"load-{tag}-{n}",
                     text=f"My tracker {n} will not pair with my phone since this morning")
        body = event_body(event, event_id=f"Ev{tag}{n}")
        request = urllib.request.Request(f"{base}/slack/events", data=body.encode(), method="POST",
                                         headers=signed_headers(body, content_type="application/json"))
        start = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except (urllib.error.URLError, OSError):
            return
        with lock:
            sent[ts] = start
            acks.append((time.monotonic() - start) * 1000)

    at_rate(send, count=count, rate=rate)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(ts in fake.replied for ts in sent):
        time.sleep(0.1)
    lags = [(fake.replied[ts] - start) * 1000 for ts, start in sent.items() if ts in fake.replied]
    return {"sent": count, "acked": len(acks), "replied": len(lags), "ack": acks, "lag": lags}


def percentiles(values: list[float]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"{statistics.median(ordered):8.1f} {p95:8.1f} {ordered[-1]:8.1f}"


def row(backend: str, label: str, result: dict[str, object]) -> str:
    return (f"{backend:<9} {label:>7} {result['acked']:>4}/{result['sent']:<3} {result['replied']:>7}"
            f"   {percentiles(result['ack'])}   {percentiles(result['lag'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rates", type=float, nargs="+", default=[10, 50])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--backends", nargs="+", default=["embedded", "postgres"], choices=["embedded", "postgres"])
    parser.add_argument("--warmup", type=int, default=20,
                        help="requests sent (and their replies awaited) before measuring, counted in no rate; 0: none")
    args = parser.parse_args()
    print(f"Slack intake, {args.tickets:,} tickets in the store, {args.seconds:g} s per rate; times in ms "
          "(p50 p95 max)")
    if args.warmup:
        print(f"Each desk is warmed up first: {args.warmup} requests at {min(args.rates):g}/s, replies awaited "
              "(the warm-up line; not counted in the rates)")
    print(f"{'backend':<9} {'rate/s':>7} {'acked':>7} {'replied':>8}   {'ack p50/p95/max':>26}   "
          f"{'reply lag p50/p95/max':>26}")
    for backend in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            cluster = None
            if backend == "embedded":
                from bot.store import TinyTicketStore

                fill(TinyTicketStore.at(work / "data" / "tickets.json"), args.tickets)
                env = {"CHATDESK_DATA": str(work / "data")}
            else:
                from bot.store.postgres import PostgresTicketStore
                from tests.postgres_support import start_cluster

                cluster = start_cluster()
                url = cluster.database()
                fill(PostgresTicketStore.connect(url), args.tickets)
                env = {"CHATDESK_DATA": str(work / "data"), "CHATDESK_STORE_URL": url}
            fake = TimedSlack().start()
            process, base = start_desk(fake, env, work)
            try:
                if args.warmup:
                    warm = drive(base, fake, rate=min(args.rates), count=args.warmup, tag="0")
                    print(row(backend, "warm-up", warm), flush=True)
                for position, rate in enumerate(args.rates, 1):
                    result = drive(base, fake, rate=rate, count=int(rate * args.seconds), tag=f"{position}")
                    print(row(backend, f"{rate:g}", result), flush=True)
            finally:
                process.terminate()
                process.wait(timeout=30)
                fake.stop()
                if cluster is not None:
                    cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
