"""A runner whose worker thread outlives its join leaves at once, with its logs flushed and its status."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from bot.app import leave

SCRIPT = textwrap.dedent("""
    import logging, sys, threading, time
    from bot.app import leave

    logging.basicConfig(level="INFO", stream=sys.stderr, format="%(message)s")
    busy = threading.Event()

    def tick():  # a scheduler tick still at work when the runner stops
        busy.set()
        while True:
            logging.getLogger("tick").info("still drawing the chart")
            time.sleep(0.01)

    threading.Thread(target=tick, daemon=True).start()
    busy.wait()
    logging.getLogger("runner").info("stopped serving")
    leave(3, threads_ended=False)
    print("not reached", flush=True)
""")


def test_a_lingering_worker_thread_makes_the_runner_leave_at_once_with_its_status():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "not reached" not in done.stdout  # no interpreter shutdown with the thread still running
    assert "stopped serving" in done.stderr  # the logs written before leaving are flushed
    assert "leaving with a worker thread still busy" in done.stderr


def test_when_every_thread_ended_the_runner_returns_its_status():
    assert leave(0, threads_ended=True) == 0
    assert leave(2, threads_ended=True) == 2
