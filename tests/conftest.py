"""Shared fixtures: the store over both backends, a fake clock, the demo config, a desk."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.config import demo_config
from bot.store import TinyTicketStore


@pytest.fixture(params=["memory", "file"])
def store(request, tmp_path):
    """Every store test runs against the in-memory twin and the embedded file store."""
    if request.param == "memory":
        backend = TinyTicketStore.memory()
    else:
        backend = TinyTicketStore.at(tmp_path / "tickets.json")
    yield backend
    backend.close()


@pytest.fixture
def clock():
    return FakeClock("2026-11-16T09:00:00+00:00")


@pytest.fixture
def config(tmp_path):
    return demo_config(root=tmp_path)
