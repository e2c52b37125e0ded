"""The embedded store's write path: group commit, the journal in the head, and crashes mid-commit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bot.domain import Event
from bot.errors import InvalidMove, StoreError
from bot.store import TinyTicketStore
from bot.store.base import NewTicket
from bot.store.embedded_journal import PENDING_SOFT

ROOT = Path(__file__).resolve().parents[1]


def new_ticket(i: int) -> NewTicket:
    return NewTicket(subject=f"Request {i}", body=f"Request {i} body",
                     requester={"platform": "console", "user_id": "casey", "name": "Casey"},
                     source={"platform": "console", "channel": "support", "message": f"m{i}", "thread": f"m{i}"},
                     opened=Event("opened", "2026-11-16T09:00:00+00:00", "casey", "Casey"),
                     keys=(f"thread:console:support:m{i}",))


def noted(text: str) -> Event:
    return Event("noted", "2026-11-16T09:05:00+00:00", "sam", "Sam", {"text": text})


class Gate:
    """A fault hook that holds the first commit at ``point`` until released (others pass)."""

    def __init__(self, point: str = "commit") -> None:
        self.point, self.reached, self.release = point, threading.Event(), threading.Event()
        self.calls: list[str] = []

    def __call__(self, point: str) -> None:
        self.calls.append(point)
        if point == self.point and not self.reached.is_set():
            self.reached.set()
            assert self.release.wait(60)


def _queued(store: TinyTicketStore) -> int:
    with store._commits._cond:
        return len(store._commits._queue)


def _hold_first_commit(store: TinyTicketStore, gate: Gate) -> threading.Thread:
    store.fault_hook = gate
    first = threading.Thread(target=store.open, args=(new_ticket(0),), kwargs={"dedupe_key": "msg:0"})
    first.start()
    assert gate.reached.wait(60)
    return first


def _wait_queued(store: TinyTicketStore, count: int) -> None:
    done = threading.Event()
    while not done.wait(0.01):
        if _queued(store) >= count:
            done.set()


def test_writers_waiting_on_a_commit_share_the_next_one(tmp_path):
    store = TinyTicketStore.at(tmp_path / "tickets.json")
    gate = Gate()
    first = _hold_first_commit(store, gate)
    results: dict[int, str] = {}

    def write(i: int) -> None:
        ticket, _ = store.open(new_ticket(i), dedupe_key=f"msg:{i}")
        results[i] = store.mutate(ticket.id, lambda t: [noted(f"note {i}")]).id

    writers = [threading.Thread(target=write, args=(i,)) for i in range(1, 9)]
    for writer in writers:
        writer.start()
    _wait_queued(store, 8)
    gate.release.set()
    for thread in (first, *writers):
        thread.join(60)
    assert sorted(t.number for t in store.tickets()) == list(range(1, 10))
    assert all(len(store.get(ticket_id).events) == 2 for ticket_id in results.values())
    # 1 commit held, 1 for the 8 queued opens, then the 8 notes: at most 8 more (usually 1 or 2)
    assert gate.calls.count("committed") == store._commits.commits < 1 + 1 + 8
    assert store._commits.commits <= 10 < 17  # 17 changes in all


def test_a_refused_change_fails_alone_and_the_rest_of_its_batch_commits(tmp_path):
    store = TinyTicketStore.at(tmp_path / "tickets.json")
    gate = Gate()
    first = _hold_first_commit(store, gate)
    outcome: dict[str, object] = {}

    def refuse(ticket):
        raise InvalidMove("T-1 is already claimed")

    def try_refused() -> None:
        try:
            store.mutate("T-1", refuse)
        except InvalidMove as error:
            outcome["refused"] = error

    threads = [threading.Thread(target=try_refused),
               threading.Thread(target=lambda: outcome.setdefault("note", store.mutate("T-1", lambda t: [noted("ok")]))),
               threading.Thread(target=lambda: outcome.setdefault("memo", store.remember("weekly")))]
    for thread in threads:
        thread.start()
    _wait_queued(store, 3)
    gate.release.set()
    for thread in (first, *threads):
        thread.join(60)
    assert isinstance(outcome["refused"], InvalidMove)
    assert [e.type for e in TinyTicketStore.at(tmp_path / "tickets.json").get("T-1").events] == ["opened", "noted"]
    assert outcome["memo"] is True and store.recall("weekly") is True


def test_readers_do_not_wait_for_a_commit_in_progress(tmp_path):
    store = TinyTicketStore.at(tmp_path / "tickets.json")
    store.open(new_ticket(1), dedupe_key="msg:1")
    gate = Gate()
    gate.reached.clear()
    store.fault_hook = gate
    writer = threading.Thread(target=store.mutate, args=("T-1", lambda t: [noted("slow")]))
    writer.start()
    assert gate.reached.wait(60)
    seen: dict[str, object] = {}
    reader = threading.Thread(target=lambda: seen.update(ticket=store.get("T-1"), active=store.active(),
                                                         found=store.find("msg:1")))
    reader.start()
    reader.join(30)
    stuck = reader.is_alive()
    gate.release.set()
    writer.join(60)
    assert not stuck, "a read waited for the commit"
    assert [e.type for e in seen["ticket"].events] == ["opened"]  # the last commit, not the one under way
    assert seen["found"].id == "T-1" and [t.id for t in seen["active"]] == ["T-1"]
    assert [e.type for e in store.get("T-1").events] == ["opened", "noted"]


def test_a_commit_that_fails_before_its_head_is_written_changes_nothing(tmp_path):
    path = tmp_path / "tickets.json"
    store = TinyTicketStore.at(path)
    for i in range(1, 4):
        store.open(new_ticket(i), dedupe_key=f"msg:{i}")
    before = path.read_bytes()

    def full(data) -> None:
        raise OSError(28, "No space left on device")

    store._head._replace = full  # the disk fills up just as the head is written
    with pytest.raises(StoreError, match="No space left"):
        store.open(new_ticket(4), dedupe_key="msg:4")
    with pytest.raises(StoreError):
        store.mutate("T-1", lambda t: [noted("lost")])
    assert path.read_bytes() == before
    reopened = TinyTicketStore.at(path)
    assert [t.id for t in reopened.tickets()] == ["T-1", "T-2", "T-3"]
    assert reopened.find("msg:4") is None and len(reopened.get("T-1").events) == 1
    del store._head._replace
    assert store.open(new_ticket(4), dedupe_key="msg:4")[0].id == "T-4"  # no number was used up


def test_the_journal_stays_small_and_files_catch_up_without_changing_what_reads_see(tmp_path):
    path = tmp_path / "tickets.json"
    store = TinyTicketStore.at(path)
    for i in range(1, 301):
        ticket, _ = store.open(new_ticket(i), dedupe_key=f"msg:{i}")
        store.put(f"seen:{i}", i)
        pending = json.loads(path.read_text())["pending"]["1"]
        assert sum(len(entries) for entries in pending.values()) <= PENDING_SOFT + 4
    before = [t.to_record() for t in store.tickets()]
    keys, memo = store.key_map(), store.memo_map()
    partition = json.loads((tmp_path / "tickets.d" / "t000000.json").read_text())
    assert len(partition["tickets"]) > 100  # applied along the way, not only at the end
    store.compact()
    assert not any(json.loads(path.read_text())["pending"]["1"].values())
    fresh = TinyTicketStore.at(path)
    assert [t.to_record() for t in fresh.tickets()] == before
    assert fresh.key_map() == keys and fresh.memo_map() == memo and fresh.recall("seen:300") == 300
    assert len(keys) == 600 and fresh.find("msg:123").id == "T-123"


KILLED_AT = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, sys.argv[3])
    from tests.test_store_commits import new_ticket
    from bot.store import TinyTicketStore
    path, point = sys.argv[1], sys.argv[2]
    store = TinyTicketStore.at(path)
    armed = []

    def hook(reached):
        if reached == "applied":
            armed.append(True)  # a commit that applies journal entries to files: kill it at 'point'
        if armed and reached == point:
            os.kill(os.getpid(), signal.SIGKILL)

    store.fault_hook = hook
    for i in range(1, 1000):
        store.open(new_ticket(i), dedupe_key=f"msg:{i}")
        print(i, flush=True)
""")


@pytest.mark.parametrize("point", ["applied", "commit", "committed"])
def test_a_writer_killed_mid_commit_leaves_the_last_commit_readable(tmp_path, point):
    path = tmp_path / "tickets.json"
    child = subprocess.run([sys.executable, "-c", KILLED_AT, str(path), point, str(ROOT)], cwd=ROOT,
                           capture_output=True, text=True, timeout=300,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.returncode == -signal.SIGKILL, child.stderr
    acknowledged = int(child.stdout.split()[-1])
    assert acknowledged > 50  # it got as far as applying the journal
    json.loads(path.read_text())  # the head is whole
    store = TinyTicketStore.at(path)
    numbers = [t.number for t in store.tickets()]
    # Everything acknowledged is there; the killed commit is there only if its head was written.
    expected = acknowledged + (1 if point == "committed" else 0)
    assert numbers == list(range(1, expected + 1))
    assert all(store.find(f"msg:{n}").number == n for n in numbers)
    assert store.open(new_ticket(5000), dedupe_key="msg:5000")[0].number == expected + 1
    store.compact()
    assert [t.number for t in TinyTicketStore.at(path).tickets()] == list(range(1, expected + 2))


def _import_spread(store: TinyTicketStore, count: int, *, casey_every: int) -> None:
    """``count`` tickets over several partitions; Casey asked for one in ``casey_every``."""
    records = []
    for n in range(1, count + 1):
        user = "casey" if n % casey_every == 0 else f"u{n}"
        records.append((n, {"id": f"T-{n}", "subject": "Battery", "body": "Battery drains",
                            "requester": {"platform": "slack", "user_id": user, "name": user},
                            "source": {"platform": "slack", "channel": "C1", "message": f"{n}.1"},
                            "events": [{"type": "opened", "at": "2026-11-16T09:00:00Z", "actor": user}]}))
    assert not store.import_records(records).errors


def _partitions_read(store: TinyTicketStore, monkeypatch) -> list[str]:
    read: list[str] = []
    original = store._file

    def spy(name: str):
        if name.startswith("t"):
            read.append(name)
        return original(name)

    monkeypatch.setattr(store, "_file", spy)
    return read


def test_requested_by_reads_only_the_partitions_holding_the_persons_tickets(tmp_path, monkeypatch):
    path = tmp_path / "tickets.json"
    _import_spread(TinyTicketStore.at(path), 3000, casey_every=1400)  # T-1400 and T-2800, in partitions 2 and 5
    store = TinyTicketStore.at(path)
    store.open(NewTicket(subject="Again", body="Again", requester={"platform": "slack", "user_id": "casey"},
                         source={"platform": "slack", "channel": "C1", "message": "new.1"},
                         opened=Event("opened", "2026-11-17T09:00:00+00:00", "casey", "Casey")))
    read = _partitions_read(store, monkeypatch)
    assert [t.id for t in store.requested_by("slack", "casey")] == ["T-1400", "T-2800", "T-3001"]
    assert sorted(set(read)) == ["t000002.json", "t000005.json", "t000006.json"]
    read.clear()
    assert store.requested_by("slack", "nobody") == [] and read == []
    assert [t.id for t in store.requested_by("slack", "u7")] == ["T-7"]


def test_store_check_rebuilds_a_missing_or_damaged_requester_index(tmp_path, monkeypatch):
    from bot.store.maintenance import check

    path = tmp_path / "tickets.json"
    _import_spread(TinyTicketStore.at(path), 1200, casey_every=500)
    store = TinyTicketStore.at(path)
    assert check(store).problems == []
    for index_file in (tmp_path / "tickets.d").glob("r*.json"):  # a store from before the index, say
        index_file.unlink()
    store = TinyTicketStore.at(path)
    assert check(store).problems == ["the requester index misses tickets of 1199 requesters"]
    (tmp_path / "tickets.d" / "r03.json").write_text("{half")
    store = TinyTicketStore.at(path)
    assert check(store).problems == ["the requester index file r03.json can't be read"]
    report = check(store, repair=True)
    assert report.repaired == ["the requester index rebuilt from the tickets"]
    store = TinyTicketStore.at(path)
    assert check(store).problems == []
    read = _partitions_read(store, monkeypatch)
    assert [t.id for t in store.requested_by("slack", "casey")] == ["T-500", "T-1000"]
    assert sorted(set(read)) == ["t000001.json", "t000002.json"]


def test_a_store_without_the_index_still_answers_and_check_says_so(tmp_path):
    from bot.store.maintenance import check

    path = tmp_path / "tickets.json"
    _import_spread(TinyTicketStore.at(path), 600, casey_every=300)
    head = json.loads(path.read_text())
    del head["meta"]["1"]["requester_index"]
    path.write_text(json.dumps(head))
    store = TinyTicketStore.at(path)
    assert [t.id for t in store.requested_by("slack", "casey")] == ["T-300", "T-600"]  # by a scan
    assert check(store).problems == ["the requester index is missing"]
    check(store, repair=True)
    assert json.loads(path.read_text())["meta"]["1"]["requester_index"] is True
