"""Acknowledged, then killed: does every acknowledged Slack request become one ticket and one reply?

    .venv/bin/python benchmarks/kill_restart.py [--tickets 10000] [--events 200] [--rate 10]
                                                [--backends embedded postgres]

For each backend the store is filled with ``--tickets`` tickets (benchmarks/store.py's year of
data); ``chatdesk run --platform slack --http`` is started against the local fake Web API and
sent ``--events`` signed customer requests at ``--rate`` a second; the process is SIGKILLed right
after the last 200 OK and started again on the same data. Printed per backend: how many requests
were acknowledged, how many were tickets at the kill (the rest waited in the inbox), how many are
tickets after the restart, and how many intake replies each request got across both processes
(exactly one is right; none is a lost reply, two a repeated one).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.slack_load import TimedSlack, at_rate, fill, start_desk  # noqa: E402
from tests.slack_fake_api import event_body, fixture, signed_headers  # noqa: E402


class CountingSlack(TimedSlack):
    """The fake Web API, counting intake replies per request thread (a repeat shows as 2)."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: collections.Counter[str] = collections.Counter()

    def _answer(self, method, body, headers):
        if method == "chat.postMessage" and body.get("thread_ts") and "opened ticket" in str(body.get("text")):
            self.replies[str(body["thread_ts"])] += 1
        return super()._answer(method, body, headers)


def send_all(base: str, *, count: int, rate: float) -> list[str]:
    """Send ``count`` requests at ``rate`` a second; the ts of each one answered 200."""
    acked: list[str] = []
    lock = threading.Lock()

    def send(n: int) -> None:
        ts = f"1790000000.{n:06d}"
        event = dict(fixture("event_message.json"), ts=ts, event_ts=ts, client_msg_id=f"kill-{n}",
                     user=f"UKILL{n:04d}", text=f"Order {n} was charged twice and the invoice is wrong")
        event.pop("blocks", None)
        body = event_body(event, event_id=f"EvKill{n}")
        request = urllib.request.Request(f"{base}/slack/events", data=body.encode(), method="POST",
                                         headers=signed_headers(body, content_type="application/json"))
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                if response.status == 200:
                    with lock:
                        acked.append(ts)
        except (urllib.error.URLError, OSError):
            pass

    at_rate(send, count=count, rate=rate)
    return acked


def request_tickets(store, acked: set[str]) -> dict[str, int]:
    """Per acknowledged request (its ts), how many tickets it opened."""
    opened: collections.Counter[str] = collections.Counter()
    for ticket in store.tickets():
        if ticket.source.message in acked:
            opened[ticket.source.message] += 1
    store.close()
    return opened


def open_store(backend: str, work: Path, url: str | None):
    if backend == "embedded":
        from bot.store import TinyTicketStore

        return TinyTicketStore.at(work / "data" / "tickets.json")
    from bot.store.postgres import PostgresTicketStore

    return PostgresTicketStore.connect(url)


def run(backend: str, args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cluster = url = None
        env = {"CHATDESK_DATA": str(work / "data")}
        if backend == "postgres":
            from tests.postgres_support import start_cluster

            cluster = start_cluster()
            url = cluster.database()
            env["CHATDESK_STORE_URL"] = url
        fill(open_store(backend, work, url), args.tickets)
        fake = CountingSlack().start()
        try:
            process, base = start_desk(fake, env, work)
            acked = send_all(base, count=args.events, rate=args.rate)
            process.kill()  # SIGKILL right after the last 200
            process.wait(timeout=30)
            at_kill = len(request_tickets(open_store(backend, work, url), set(acked)))
            process, base = start_desk(fake, env, work)  # its start handles what the inbox still holds
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not all(fake.replies[ts] for ts in acked):
                time.sleep(0.2)
            time.sleep(2)  # a repeat, if there were one, would come now
            process.terminate()
            process.wait(timeout=30)
            opened = request_tickets(open_store(backend, work, url), set(acked))
        finally:
            fake.stop()
            if cluster is not None:
                cluster.stop()
    once = sum(1 for ts in acked if opened[ts] == 1)
    replies = collections.Counter(min(fake.replies[ts], 2) for ts in acked)
    return (f"{backend:<9} {len(acked):>5}/{args.events:<5} {at_kill:>8} {once:>10} {sum(opened.values()) - once:>6}"
            f" {replies[1]:>11} {replies[0]:>7} {replies[2]:>8}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--backends", nargs="+", default=["embedded", "postgres"], choices=["embedded", "postgres"])
    args = parser.parse_args()
    print(f"{args.events} signed message events at {args.rate:g}/s into a {args.tickets:,}-ticket store, SIGKILL "
          "after the last 200 OK, then a restart on the same data")
    print(f"{'backend':<9} {'acked':>11} {'at kill':>8} {'tickets 1x':>10} {'extra':>6} {'replies 1x':>11}"
          f" {'none':>7} {'twice+':>8}")
    for backend in args.backends:
        print(run(backend, args), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
