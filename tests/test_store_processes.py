"""The embedded store shared by real processes: nothing lost, one owner, crash-safe writes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.store import open_url

ROOT = Path(__file__).resolve().parents[1]

OPEN_MANY = textwrap.dedent("""
    import sys
    from bot.clock import FakeClock
    from bot.config import demo_config
    from bot.domain import Actor, Source
    from bot.service import TicketService
    from bot.store import open_url
    path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    service = TicketService(open_url(path), demo_config())
    customer = Actor("console", name, name)
    for i in range(count):
        source = Source("console", "support", message=f"{name}-{i}", thread=f"{name}-{i}")
        service.open_ticket(customer, f"request {i} from {name}", source)
        if count > 0 and i % 5 == 0:
            service.store.remember(f"{name}:{i}")
""")

CLAIM = textwrap.dedent("""
    import sys, time
    from bot.config import demo_config
    from bot.domain import Actor
    from bot.errors import DeskError
    from bot.service import TicketService
    from bot.store import open_url
    path, agent, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    service = TicketService(open_url(path), demo_config())
    while time.time() < start:
        time.sleep(0.001)
    try:
        service.claim(Actor("console", agent, agent, is_agent=True), "T-1")
        print("won")
    except DeskError as error:
        print("lost:", error.message)
""")


def _python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(params=["file", "postgres"])
def where(request, tmp_path):
    """The store the processes share: a TinyDB file, or a PostgreSQL database."""
    if request.param == "file":
        return str(tmp_path / "tickets.json")
    return request.getfixturevalue("postgres_url")


def test_two_processes_writing_at_once_lose_nothing(where):
    path = where
    workers = [_python(OPEN_MANY, path, name, "40") for name in ("slackbot", "discordbot", "cli")]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    tickets = open_url(path).tickets()
    assert len(tickets) == 120
    assert sorted(t.number for t in tickets) == list(range(1, 121))  # ids allocated under the lock
    bodies = {t.body for t in tickets}
    assert all(f"request {i} from {n}" in bodies for i in range(40) for n in ("slackbot", "discordbot", "cli"))
    store = open_url(path)
    assert all(store.recall(f"{n}:{i}") for i in range(0, 40, 5) for n in ("slackbot", "discordbot", "cli"))


def test_agents_claiming_at_once_leave_exactly_one_owner(where):
    path = where
    setup = _python(OPEN_MANY, path, "casey", "1")
    setup.communicate(timeout=60)
    start = str(time.time() + 1.5)
    agents = ["maria", "sam", "ana", "li", "omar", "kim"]
    workers = [_python(CLAIM, path, agent, start) for agent in agents]
    results = [w.communicate(timeout=60)[0].strip() for w in workers]
    assert sum(r == "won" for r in results) == 1, results
    ticket = open_url(path).get("T-1")
    assert [e.type for e in ticket.events].count("claimed") == 1
    winner = agents[results.index("won")]
    assert ticket.assignee.user_id == winner
    assert all(f"already claimed by {winner}" in r for r in results if r != "won")


def test_a_writer_killed_at_any_moment_leaves_a_loadable_store(where):
    path = Path(where) if "://" not in where else None
    # A store with some weight, so each write takes long enough to be interrupted.
    seed = _python(OPEN_MANY, where, "seed", "300")
    assert seed.wait(timeout=300) == 0
    rng = random.Random(7)
    previous = 300
    for round_number in range(8):
        writer = _python(OPEN_MANY, where, f"w{round_number}", "100000")
        _wait_until_writing(where, f"w{round_number}")  # a busy machine may take seconds to start Python
        time.sleep(rng.random() * 0.7)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        if path is not None:
            json.loads(path.read_text())  # the file is always complete JSON
        store = open_url(where)
        tickets = store.tickets()
        store.close()
        count = len(tickets)
        if path is not None:  # PostgreSQL's sequence may skip the number a killed transaction took
            assert sorted(t.number for t in tickets) == list(range(1, count + 1))  # no gap, no overwrite
        assert count >= previous  # nothing that was written is lost
        previous = count
    assert previous > 300  # the writers really did write before being killed


def _wait_until_writing(where: str, name: str, *, limit: float = 120) -> None:
    """Return once the writer called ``name`` has stored its first ticket."""
    deadline = time.time() + limit
    while time.time() < deadline:
        store = open_url(where)
        try:
            latest = store.recent(1)
        finally:
            store.close()
        if latest and latest[0].body.endswith(f"from {name}"):
            return
        time.sleep(0.05)
    raise AssertionError(f"writer {name} stored nothing within {limit} s")
