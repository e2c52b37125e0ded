"""Who handles the file inbox's pending events at start, with real processes sharing one directory:
a live process keeps its own, a dead one's go to exactly one starting process (also when two
start at once), events recorded before owners existed are handled once, an unreadable one is set
aside; and a directory that cannot hold the owners' locks falls back to handing every pending
event to whoever starts, and says so."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.file_inbox import FileInbox
from bot.inbox import entry_name

ROOT = Path(__file__).resolve().parents[1]

# One desk process's inbox: FileInbox + Receiver over ``argv[1]``, handling each event by
# appending "<pid> <n>" to the log ``argv[2]``. Driven line by line on stdin:
# "record N" records N events (left unhandled, as if still in flight), "take" catches up.
WORKER = r"""
import os, sys
from bot.file_inbox import FileInbox
from bot.inbox import Receiver

inbox = FileInbox(sys.argv[1])
receiver = Receiver(inbox)
log = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

def work(entry):
    os.write(log, f"{os.getpid()} {entry.payload['n']}\n".encode())

print("ready", flush=True)
for line in sys.stdin:
    verb, *rest = line.split()
    if verb == "record":
        base, count = int(rest[0]), int(rest[1])
        for n in range(base, base + count):
            inbox.record({"n": n}, key=f"k{n}" if n % 2 else None)
        print("recorded", flush=True)
    elif verb == "take":
        handled, failed = receiver.catch_up(work)
        print(f"took {handled} {failed} {len(inbox.pending())}", flush=True)
"""


class Worker:
    """A separate Python process holding a FileInbox on ``directory``."""

    def __init__(self, directory: Path, log: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", WORKER, str(directory), str(log)], cwd=ROOT,
                                        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def ready(self) -> Worker:
        assert self._line() == "ready"
        return self

    def send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def answer(self) -> str:
        return self._line()

    def record(self, base: int, count: int) -> None:
        self.send(f"record {base} {count}")
        assert self.answer() == "recorded"

    def took(self) -> tuple[int, int, int]:
        """(handled, set aside, still pending in the directory) of the "take" sent before."""
        verb, *figures = self.answer().split()
        assert verb == "took"
        return tuple(int(f) for f in figures)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._close()

    def stop(self) -> str:
        """End the process (stdin closed); its stderr, which must hold no traceback."""
        self.process.stdin.close()
        self.process.wait(timeout=10)
        errors = self.process.stderr.read()
        self.process.stdout.close()
        self.process.stderr.close()
        assert "Traceback" not in errors, errors
        return errors

    def _line(self) -> str:
        line = self.process.stdout.readline().strip()
        if not line:
            self.process.kill()
            pytest.fail(f"the inbox process ended: {self.process.communicate()[1]}")
        return line

    def _close(self) -> None:
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            stream.close()


def handled(log: Path) -> Counter:
    """How many times each event was handled: {n: count}."""
    lines = log.read_text().split() if log.exists() else []
    return Counter(int(n) for n in lines[1::2])


def handlers(log: Path) -> dict[int, set[int]]:
    """Which processes handled each event: {n: pids}."""
    lines = log.read_text().split() if log.exists() else []
    found: dict[int, set[int]] = {}
    for pid, n in zip(lines[0::2], lines[1::2]):
        found.setdefault(int(n), set()).add(int(pid))
    return found


def dead_owner(inbox: Path, log: Path, base: int, count: int) -> None:
    """A process records ``count`` events and is SIGKILLed before handling them."""
    worker = Worker(inbox, log).ready()
    worker.record(base, count)
    worker.kill()


def pending_files(inbox: Path) -> list[Path]:
    return sorted(inbox.glob("*.json"))


def test_the_pending_events_of_a_live_process_are_not_taken_by_a_second_process_starting(tmp_path):
    inbox, log = tmp_path / "inbox", tmp_path / "handled.log"
    first, second = Worker(inbox, log), Worker(inbox, log)
    dead_owner(inbox, log, 100, 5)  # beside them, a dead process's: those are the second's to take
    first.ready().record(0, 10)  # in flight: recorded and acknowledged, not handled yet
    second.ready().send("take")
    assert second.took() == (5, 0, 10)  # the dead one's taken; the live one's still count in the backlog
    assert handled(log) == Counter(range(100, 105))
    first.send("take")  # its own pending events are still its own to handle
    assert first.took() == (10, 0, 0)
    assert handled(log) == Counter([*range(10), *range(100, 105)])
    by = handlers(log)
    assert {pid for n in range(10) for pid in by[n]} == {first.process.pid}
    first.stop()
    second.stop()


def test_after_a_sigkill_the_next_start_adopts_the_dead_process_events_and_handles_them_once(tmp_path):
    inbox, log = tmp_path / "inbox", tmp_path / "handled.log"
    dead_owner(inbox, log, 0, 12)
    assert len(pending_files(inbox)) == 12 and len(list((inbox / "owners").glob("*.lock"))) == 1
    starting = Worker(inbox, log).ready()
    starting.send("take")
    assert starting.took() == (12, 0, 0)
    later = Worker(inbox, log).ready()  # a start after that finds nothing left to do
    later.send("take")
    assert later.took() == (0, 0, 0)
    assert handled(log) == Counter(range(12))
    # the dead owner's lock file went with its events; the two live processes hold theirs
    assert len(list((inbox / "owners").glob("*.lock"))) == 2
    starting.stop()
    later.stop()
    assert pending_files(inbox) == [] and not (inbox / "failed").exists()


@pytest.mark.parametrize("round", range(3))
def test_two_processes_starting_at_once_hand_each_of_a_dead_owners_events_to_exactly_one(tmp_path, round):
    inbox, log = tmp_path / "inbox", tmp_path / "handled.log"
    recorder, one, two = Worker(inbox, log), Worker(inbox, log), Worker(inbox, log)
    recorder.ready().record(0, 40)
    recorder.kill()
    one.ready()
    two.ready()
    one.send("take")
    two.send("take")
    took_one, took_two = one.took(), two.took()
    assert handled(log) == Counter(range(40)), handled(log) - Counter(range(40))  # each once
    assert took_one[0] + took_two[0] == 40 and took_one[1] == took_two[1] == 0
    one.stop()
    two.stop()
    assert pending_files(inbox) == []


def write_old_format(inbox: Path, numbers: range) -> None:
    """Events as the inbox wrote them before it recorded owners: no "owner" field."""
    inbox.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        record = {"recorded": 1763283600.0 + n, "key": None, "payload": {"n": n}}
        (inbox / f"{entry_name(1763283600.0 + n)}.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.mark.parametrize("round", range(2))
def test_events_recorded_before_owners_existed_are_handled_once(tmp_path, round):
    inbox, log = tmp_path / "inbox", tmp_path / "handled.log"
    write_old_format(inbox, range(30))
    one, two = Worker(inbox, log).ready(), Worker(inbox, log).ready()
    one.send("take")
    two.send("take")
    taken = one.took()[0] + two.took()[0]
    assert handled(log) == Counter(range(30)) and taken == 30
    one.stop()
    two.stop()
    assert pending_files(inbox) == []


def test_an_unreadable_event_is_still_set_aside_and_the_rest_handled(tmp_path):
    inbox, log = tmp_path / "inbox", tmp_path / "handled.log"
    dead_owner(inbox, log, 0, 3)
    write_old_format(inbox, range(3, 5))
    (inbox / "00000000000000000001-bad.json").write_text("{not json", encoding="utf-8")
    starting = Worker(inbox, log).ready()
    starting.send("take")
    assert starting.took() == (5, 0, 0)
    errors = starting.stop()
    assert handled(log) == Counter(range(5))
    assert (inbox / "failed" / "00000000000000000001-bad.json").exists()
    assert "00000000000000000001-bad.json" in errors and "unreadable" in errors


# -- in one process: the owner lock's corner cases, and the fall-back ------------------------

def test_an_owner_lock_file_removed_between_its_creation_and_its_lock_is_not_trusted(tmp_path, monkeypatch):
    # A starting process finds a lock file nobody holds yet (the new owner created it and has not
    # locked it): it takes it for a dead owner's, and removes it. The new owner's lock is then on
    # a file no one else can open, so it must take another, or its events would look ownerless.
    other = FileInbox(tmp_path / "inbox")
    real = fcntl.flock
    calls = []

    def raced(fd, operation):
        if not calls:
            calls.append(fd)
            other.take()  # adopts the fresh, unlocked lock file and removes it
        return real(fd, operation)

    monkeypatch.setattr(fcntl, "flock", raced)
    late = FileInbox(tmp_path / "inbox")
    monkeypatch.setattr(fcntl, "flock", real)
    assert calls, "the race was not staged"
    assert (tmp_path / "inbox" / "owners" / f"{late.owner}.lock").exists()  # it took another id
    late.record({"n": 1})
    assert FileInbox(tmp_path / "inbox").take() == [] and other.take() == []  # late is alive
    assert [e.payload for e in late.take()] == [{"n": 1}]


def test_a_live_owner_whose_lock_file_was_deleted_takes_it_again_on_its_next_record(tmp_path):
    inbox = FileInbox(tmp_path / "inbox")
    for lock in (tmp_path / "inbox" / "owners").iterdir():
        lock.unlink()  # an operator cleaning up
    inbox.record({"n": 1})
    assert FileInbox(tmp_path / "inbox").take() == []
    assert [e.payload for e in inbox.take()] == [{"n": 1}]


def test_a_closed_inbox_leaves_its_events_to_the_next_start_and_stray_locks_are_swept(tmp_path):
    first = FileInbox(tmp_path / "inbox")
    first.record({"n": 1})
    first.close()
    stray = tmp_path / "inbox" / "owners" / f"{'0' * 32}.lock"
    stray.write_bytes(b"")  # a process that died with nothing pending
    starting = FileInbox(tmp_path / "inbox")
    assert [e.payload for e in starting.take()] == [{"n": 1}]
    assert [p.name for p in (tmp_path / "inbox" / "owners").iterdir()] == [f"{starting.owner}.lock"]


def test_without_flock_the_inbox_falls_back_to_handing_every_event_to_whoever_starts(tmp_path, monkeypatch,
                                                                                      caplog):
    live = FileInbox(tmp_path / "inbox")
    live.record({"n": 1})

    def unsupported(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", unsupported)
    with caplog.at_level(logging.ERROR, logger="bot.file_inbox"):
        plain = FileInbox(tmp_path / "inbox")
    assert "falls back" in caplog.text and str(tmp_path / "inbox") in caplog.text and "No locks" in caplog.text
    plain.record({"n": 2})
    assert sorted(e.payload["n"] for e in plain.take()) == [1, 2]  # as before owners: every pending event


def test_an_owners_directory_that_cannot_be_created_falls_back_and_says_so(tmp_path, caplog):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "owners").write_text("a file where the directory should be")
    with caplog.at_level(logging.ERROR, logger="bot.file_inbox"):
        inbox = FileInbox(tmp_path / "inbox")
    assert "falls back" in caplog.text and str(tmp_path / "inbox" / "owners") in caplog.text
    inbox.record({"n": 1})
    assert [e.payload for e in inbox.take()] == [{"n": 1}]
    assert [e.payload for e in FileInbox(tmp_path / "inbox").take()] == [{"n": 1}]
