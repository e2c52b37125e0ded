"""PostgreSQL specifics: migrations, the constraint deciding races, lost connections, clear errors."""

from __future__ import annotations

import threading

import psycopg
import pytest

from bot.config import load_config
from bot.errors import StoreError
from bot.store import TinyTicketStore, store_for
from bot.store.pg_schema import LATEST
from bot.store.postgres import PostgresTicketStore
from tests.test_store import new_ticket, noted


@pytest.fixture
def pg(postgres_url):
    store = PostgresTicketStore.connect(postgres_url)
    yield store
    store.close()


def test_migrations_are_recorded_and_applying_them_again_changes_nothing(postgres_url):
    first = PostgresTicketStore.connect(postgres_url)
    first.open(new_ticket())
    second = PostgresTicketStore.connect(postgres_url)  # a second replica starting: nothing to apply
    assert second.schema_version() == LATEST and second.get("T-1") is not None
    first.close()
    second.close()


def test_a_schema_newer_than_the_code_is_refused(postgres_url):
    PostgresTicketStore.connect(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE chatdesk_schema SET version = %s", [LATEST + 1])
    with pytest.raises(StoreError, match=f"schema version {LATEST + 1}, newer than this chatdesk knows"):
        PostgresTicketStore.connect(postgres_url)


def test_an_unreachable_server_names_host_database_and_the_fix(postgres_cluster):
    from tests.postgres_support import free_port

    url = f"postgresql://chatdesk:secret@127.0.0.1:{free_port()}/helpdesk"
    with pytest.raises(StoreError) as caught:
        PostgresTicketStore.connect(url, connect_timeout=2)
    message = caught.value.message
    assert "host 127.0.0.1" in message and "database helpdesk" in message
    assert "CHATDESK_STORE_URL" in message and "secret" not in message


def test_the_sequence_skips_numbers_that_imported_tickets_hold(pg):
    from tests.test_store import store_record

    pg.import_records([(1, store_record("T-2"))])
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("SELECT setval('ticket_number', 1, false)")  # a sequence behind, as after a bad restore
    numbers = [pg.open(new_ticket(message=f"m{i}"))[0].id for i in range(2)]
    assert numbers == ["T-1", "T-3"] and pg.get("T-2").subject == "Battery"


def test_one_delivery_opens_one_ticket_even_when_threads_race(pg):
    results: list[tuple[str, bool]] = []
    barrier = threading.Barrier(6)

    def open_same() -> None:
        barrier.wait()
        ticket, created = pg.open(new_ticket(), dedupe_key="msg:console:support:m1")
        results.append((ticket.id, created))

    threads = [threading.Thread(target=open_same) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({ticket_id for ticket_id, _ in results}) == 1 and sum(created for _, created in results) == 1
    assert len(pg.tickets()) == 1


def test_a_lost_connection_is_retried_and_leaves_no_half_change(pg):
    ticket, _ = pg.open(new_ticket())
    with psycopg.connect(pg.url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    after = pg.mutate(ticket.id, lambda t: [noted("after the server dropped us")])
    assert [e.type for e in after.events] == ["opened", "noted"]
    assert pg.get(ticket.id).version == 2


def test_exclusive_is_one_holder_across_connections(postgres_url):
    one, two = PostgresTicketStore.connect(postgres_url), PostgresTicketStore.connect(postgres_url)
    with one.exclusive("scheduler tick") as first, two.exclusive("scheduler tick") as second:
        assert (first, second) == (True, False)
    with two.exclusive("scheduler tick") as again:
        assert again is True
    one.close()
    two.close()


def test_the_store_url_comes_from_the_config_file_or_the_environment(tmp_path, postgres_url, monkeypatch):
    monkeypatch.delenv("CHATDESK_STORE_URL", raising=False)
    (tmp_path / "chatdesk.toml").write_text(f'[store]\nurl = "{postgres_url}"\n')
    chosen = store_for(load_config(tmp_path / "chatdesk.toml"))
    assert isinstance(chosen, PostgresTicketStore)
    chosen.close()
    (tmp_path / "chatdesk.toml").write_text(f'data_dir = "{tmp_path}"\n')
    assert isinstance(store_for(load_config(tmp_path / "chatdesk.toml")), TinyTicketStore)
    monkeypatch.setenv("CHATDESK_STORE_URL", postgres_url)
    chosen = store_for(load_config(tmp_path / "chatdesk.toml"))
    assert isinstance(chosen, PostgresTicketStore)
    chosen.close()


def test_a_mistyped_store_section_is_a_config_error(tmp_path):
    from bot.errors import ConfigError

    (tmp_path / "chatdesk.toml").write_text('[store]\nurl = 5\n')
    with pytest.raises(ConfigError, match="url"):
        load_config(tmp_path / "chatdesk.toml")


def test_scheduler_replicas_on_one_database_run_a_tick_once(postgres_url, config, tmp_path):
    from bot.clock import FakeClock
    from tests.test_scheduler import open_ticket, setup

    clock = FakeClock("2026-11-17T10:00:00+00:00")
    stores = [PostgresTicketStore.connect(postgres_url) for _ in range(2)]
    (desk, _, first), (_, _, second) = (setup(config, clock, s, tmp_path, weekly_post=False) for s in stores)
    open_ticket(desk)
    clock.advance(minutes=61)
    with stores[1].exclusive("scheduler-tick:all") as held:  # the other replica is mid-tick
        assert held and first.tick() == []
    assert first.tick() == ["reminded T-1 (window 1)"]
    assert second.tick() == []  # the reminder is recorded on the ticket: the next replica has nothing to do
    for store in stores:
        store.close()
