"""``chatdesk store``: check and repair, copy between backends with verification, migrate."""

from __future__ import annotations

import json

import pytest

from bot.cli.main import main
from bot.domain import Event
from bot.store import TinyTicketStore, open_url
from bot.store.maintenance import checksum
from tests.test_store import new_ticket, store_record


@pytest.fixture
def desk_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHATDESK_STORE_URL", raising=False)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    path = tmp_path / "data" / "tickets.json"
    store = TinyTicketStore.at(path)
    for n in range(3):
        ticket, _ = store.open(new_ticket(f"request {n}", message=f"m{n}"), dedupe_key=f"msg:m{n}")
    store.mutate("T-2", lambda t: [Event("noted", "2026-11-16T09:05:00+00:00", "maria", "maria", {"text": "hi"})])
    store.link("thread:discord:1:42", "T-1")
    store.remember("weekly:2026-W47", "2026-11-23T09:00:00+00:00")
    store.close()
    return path


def test_check_reports_a_counter_behind_and_an_unreadable_record_and_repairs_the_counter(desk_file, capsys):
    TinyTicketStore.at(desk_file).compact()  # every ticket in its partition file, to damage one there
    head = json.loads(desk_file.read_text())
    head["counters"]["1"]["next_ticket"] = 2
    head["pending"] = {}
    desk_file.write_text(json.dumps(head))
    partition = desk_file.with_name("tickets.d") / "t000000.json"
    data = json.loads(partition.read_text())
    data["tickets"]["3"]["events"] = [{"type": "noted", "at": "2026-11-16T09:00:00+00:00"}]  # no 'opened'
    partition.write_text(json.dumps(data))
    assert main(["store", "check"]) == 1
    out = capsys.readouterr().out
    assert "the ticket counter would give T-2, but T-3 exists" in out and "T-3 can't be read" in out
    assert main(["store", "check", "--repair"]) == 0
    assert "repaired: the counter now gives T-4 next" in capsys.readouterr().out
    assert TinyTicketStore.at(desk_file).next_number() == 4
    assert json.loads(partition.read_text())["tickets"]["3"]["events"][0]["type"] == "noted"  # kept as stored


def test_copy_to_postgresql_and_back_keeps_everything(desk_file, postgres_url, tmp_path, capsys):
    source = TinyTicketStore.at(desk_file)
    before, keys = checksum(source), set(source.key_map())
    assert main(["store", "copy", "--to", postgres_url]) == 0
    assert "Copied 3 tickets, 7 keys and 1 memo entries" in capsys.readouterr().out
    pg = open_url(postgres_url)
    assert checksum(pg, keys=keys) == before
    assert pg.find("thread:discord:1:42").id == "T-1" and pg.recall("weekly:2026-W47")
    assert pg.open(new_ticket(message="m9"))[0].id == "T-4"  # numbering continues after the copy
    pg.close()
    back = tmp_path / "back"
    assert main(["store", "copy", "--from", postgres_url, "--to", str(back)]) == 0
    copied = TinyTicketStore.at(back / "tickets.json")
    assert [t.id for t in copied.tickets()] == ["T-1", "T-2", "T-3", "T-4"]
    assert copied.get("T-2").version == 2 and copied.open(new_ticket(message="m10"))[0].id == "T-5"


def test_copy_into_a_store_that_holds_tickets_is_refused(desk_file, tmp_path, capsys):
    other = TinyTicketStore.at(tmp_path / "other" / "tickets.json")
    other.import_records([(1, store_record("T-1"))])
    assert main(["store", "copy", "--to", str(tmp_path / "other" / "tickets.json")]) == 1
    assert "already holds tickets" in capsys.readouterr().err
    assert [t.subject for t in other.tickets()] == ["Battery"]


def test_migrate_reports_the_schema_version(postgres_url, monkeypatch, tmp_path, capsys):
    from bot.store.pg_schema import LATEST

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_STORE_URL", postgres_url)
    assert main(["store", "migrate"]) == 0
    assert f"schema version {LATEST}, up to date" in capsys.readouterr().out
    assert main(["store", "check"]) == 0
    assert "0 tickets, no problems" in capsys.readouterr().out
