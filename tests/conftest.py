"""Shared fixtures: the store over every backend, a fake clock, the demo config, a desk."""

from __future__ import annotations

import os

import pytest

from bot.clock import FakeClock
from bot.config import demo_config
from bot.store import TinyTicketStore


@pytest.fixture(autouse=True, scope="session")
def _private_user_cache(tmp_path_factory):
    """Per-user caches (the knowledge base's embeddings) go to a temporary directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
        yield


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL server for the session; in CI failing to start one is a failure."""
    from tests.postgres_support import ClusterUnavailable, start_cluster

    try:
        cluster = start_cluster()
    except ClusterUnavailable as why:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL could not be started for the store tests: {why}")
        pytest.skip(f"PostgreSQL store tests skipped (run scripts/ensure-postgres.sh): {why}")
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(request):
    """The URL of a fresh, empty database on the session's PostgreSQL server."""
    return request.getfixturevalue("postgres_cluster").database()


@pytest.fixture(params=["memory", "file", "postgres"])
def store(request, tmp_path):
    """Every store test runs against the in-memory twin, the embedded file store and PostgreSQL."""
    if request.param == "memory":
        backend = TinyTicketStore.memory()
    elif request.param == "file":
        backend = TinyTicketStore.at(tmp_path / "tickets.json")
    else:
        from bot.store.postgres import PostgresTicketStore

        backend = PostgresTicketStore.connect(request.getfixturevalue("postgres_url"))
    yield backend
    backend.close()


@pytest.fixture
def clock():
    return FakeClock("2026-11-16T09:00:00+00:00")


@pytest.fixture
def config(tmp_path):
    return demo_config(root=tmp_path)
