"""The store contract, run against the in-memory twin and the embedded file store alike."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from bot.domain import Actor, Event, Source
from bot.errors import InvalidMove, NotFound
from bot.store import NewTicket, TinyTicketStore

CASEY = Actor("console", "casey", "casey")


def new_ticket(text: str = "My tracker will not pair", *, message: str = "m1") -> NewTicket:
    source = Source("console", "support", message=message, thread=message)
    return NewTicket(subject=text, body=text, requester=CASEY.to_record(), source=source.to_record(),
                     opened=Event("opened", "2026-11-16T09:00:00+00:00", "casey", "casey", {"text": text}),
                     keys=(source.thread_key,))


def noted(text: str, at: str = "2026-11-16T09:05:00+00:00") -> Event:
    return Event("noted", at, "maria", "maria", {"text": text})


def test_ids_are_sequential_and_tickets_read_back(store):
    first, created = store.open(new_ticket(message="m1"), dedupe_key="msg:m1")
    second, _ = store.open(new_ticket("App crashes", message="m2"), dedupe_key="msg:m2")
    assert created and (first.id, second.id) == ("T-1", "T-2")
    assert store.get("T-2").subject == "App crashes"
    assert [t.id for t in store.tickets()] == ["T-1", "T-2"]
    assert store.get("T-3") is None and store.get("nonsense") is None


def test_same_delivery_never_opens_a_second_ticket(store):
    first, created = store.open(new_ticket(), dedupe_key="msg:console:support:m1")
    again, created_again = store.open(new_ticket(), dedupe_key="msg:console:support:m1")
    assert created and not created_again and again.id == first.id
    assert len(store.tickets()) == 1


def test_thread_key_finds_its_ticket_and_link_adds_keys(store):
    ticket, _ = store.open(new_ticket(message="m9"))
    assert store.find("thread:console:support:m9").id == ticket.id
    assert store.find("thread:console:support:other") is None
    store.link("thread:discord:1:42", ticket.id)
    assert store.find("thread:discord:1:42").id == ticket.id


def test_mutate_appends_events_and_never_rewrites_history(store):
    ticket, _ = store.open(new_ticket())
    store.mutate(ticket.id, lambda t: [noted("first")])
    after = store.mutate(ticket.id, lambda t: [noted("second", "2026-11-16T09:06:00+00:00")])
    assert [e.type for e in after.events] == ["opened", "noted", "noted"]
    assert [n.get("text") for n in after.notes] == ["first", "second"]


def test_a_refused_decision_writes_nothing(store):
    ticket, _ = store.open(new_ticket())

    def refuse(current):
        raise InvalidMove("no")

    with pytest.raises(InvalidMove):
        store.mutate(ticket.id, refuse)
    assert store.get(ticket.id).version == 1
    with pytest.raises(NotFound):
        store.mutate("T-404", lambda t: [noted("x")])


def test_an_empty_decision_changes_nothing(store):
    ticket, _ = store.open(new_ticket())
    assert store.mutate(ticket.id, lambda t: []).version == 1


def test_remember_is_once_only_and_put_overwrites(store):
    assert store.remember("weekly:2026-W47") is True
    assert store.remember("weekly:2026-W47") is False
    assert store.recall("weekly:2026-W47") is True
    store.put("schedule", {"next": "2026-11-23"})
    store.put("schedule", {"next": "2026-11-30"})
    assert store.recall("schedule") == {"next": "2026-11-30"}
    assert store.recall("missing") is None


def test_import_reports_bad_lines_and_keeps_good_ones(store):
    good = store_record("T-7")
    report = store.import_records([(1, good), (2, {"id": "T-8"}), (3, store_record("X-1")),
                                   (4, {**store_record("T-9"), "events": [{"type": "opened", "at": "yesterday"}]})])
    assert report.imported == ("T-7",)
    assert [line for line, _ in report.errors] == [2, 3, 4]
    assert "missing field 'subject'" in report.errors[0][1]
    assert store.get("T-7").state.value == "resolved"
    assert store.get("T-8") is None and store.get("T-9") is None
    ticket, _ = store.open(new_ticket(message="later"))
    assert ticket.id == "T-8"  # numbering continues after the imported ids


def test_import_refuses_an_id_that_exists(store):
    store.import_records([(1, store_record("T-1"))])
    report = store.import_records([(1, store_record("T-1"))])
    assert report.imported == () and "already exists" in report.errors[0][1]


def store_record(ticket_id: str) -> dict:
    return {
        "id": ticket_id, "subject": "Battery", "body": "Battery drains",
        "requester": {"platform": "slack", "user_id": "U1", "name": "Ana"},
        "events": [
            {"type": "opened", "at": "2026-11-16T09:00:00Z", "actor": "U1"},
            {"type": "claimed", "at": "2026-11-16T09:10:00Z", "actor": "U2", "actor_name": "Sam"},
            {"type": "resolved", "at": "2026-11-16T10:00:00Z", "actor": "U2", "resolution": "Replaced battery"},
        ],
    }


def test_file_store_is_a_valid_tinydb_file_that_survives_reopening(tmp_path):
    path = tmp_path / "tickets.json"
    store = TinyTicketStore.at(path)
    store.open(new_ticket())
    data = json.loads(path.read_text())  # the head: counter, active summaries, partitions, the journal
    assert set(data) >= {"counters", "active", "partitions", "meta", "pending"}
    assert data["pending"]["1"]["tickets"]["1"]["subject"] == "My tracker will not pair"  # committed here first
    store.compact()
    store.close()
    assert json.loads(path.read_text())["pending"]["1"]["tickets"] == {}
    files = {p.name: json.loads(p.read_text()) for p in (tmp_path / "tickets.d").glob("*.json")}
    assert files["t000000.json"]["tickets"]["1"]["subject"] == "My tracker will not pair"  # T-1's partition
    assert any(doc["entries"]["1"].get("thread:console:support:m1") == "T-1"
               for name, doc in files.items() if name.startswith("k"))  # every file is a TinyDB database
    reopened = TinyTicketStore.at(path)
    assert reopened.get("T-1").subject == "My tracker will not pair"


def test_file_store_sees_changes_made_by_another_store_object(tmp_path):
    path = tmp_path / "tickets.json"
    one, two = TinyTicketStore.at(path), TinyTicketStore.at(path)
    one.open(new_ticket(message="a"))
    assert two.get("T-1") is not None
    two.open(new_ticket(message="b"))
    assert [t.id for t in one.tickets()] == ["T-1", "T-2"]


def test_unreadable_file_gives_a_clear_error(tmp_path):
    from bot.errors import StoreError

    path = tmp_path / "tickets.json"
    path.write_text("{not json")
    with pytest.raises(StoreError, match="can't be read"):
        TinyTicketStore.at(path).tickets()


def test_temp_files_left_by_a_killed_writer_are_cleaned_up_later(tmp_path):
    import os

    path = tmp_path / "tickets.json"
    TinyTicketStore.at(path).open(new_ticket())
    stale, fresh = tmp_path / ".tickets.json.abc.tmp", tmp_path / ".tickets.json.def.tmp"
    stale.write_text("{half")
    fresh.write_text("{half")
    os.utime(stale, (0, 0))
    assert TinyTicketStore.at(path).get("T-1") is not None
    assert not stale.exists() and fresh.exists()  # a fresh one may belong to a live writer


def opened_at(text: str, at: str, *, user: str = "casey", message: str) -> NewTicket:
    person = Actor("console", user, user)
    source = Source("console", "support", message=message, thread=message)
    return NewTicket(subject=text, body=text, requester=person.to_record(), source=source.to_record(),
                     opened=Event("opened", at, user, user, {"text": text}), keys=(source.thread_key,))


def test_queries_select_active_by_requester_by_time_and_recent(store):
    from bot.clock import parse_iso

    one, _ = store.open(opened_at("one", "2026-11-02T09:00:00+00:00", message="a"))
    two, _ = store.open(opened_at("two", "2026-11-09T09:00:00+00:00", user="ana", message="b"))
    three, _ = store.open(opened_at("three", "2026-11-16T09:00:00+00:00", message="c"))
    store.mutate(one.id, lambda t: [Event("resolved", "2026-11-03T09:00:00+00:00", "maria", "maria", {})])
    # Events before and after a window but none inside it: not touched by that window.
    store.mutate(two.id, lambda t: [Event("claimed", "2026-11-20T09:00:00+00:00", "maria", "maria", {})])
    assert [t.id for t in store.active()] == [two.id, three.id]
    assert store.active()[0].state.value == "claimed"
    assert [t.id for t in store.requested_by("console", "casey")] == [one.id, three.id]
    assert store.requested_by("slack", "casey") == []
    window = parse_iso("2026-11-09T00:00:00+00:00"), parse_iso("2026-11-16T00:00:00+00:00")
    assert [t.id for t in store.touched(*window)] == [two.id]
    assert [t.id for t in store.touched(parse_iso("2026-11-10T00:00:00+00:00"), window[1])] == []
    assert [t.id for t in store.touched(parse_iso("2026-11-16T00:00:00+00:00"))] == [two.id, three.id]
    assert [t.id for t in store.recent(2)] == [two.id, three.id]
    assert [t.id for t in store.recent(10)] == [one.id, two.id, three.id]


def test_queries_follow_imports(store):
    store.import_records([(1, store_record("T-5"))])
    store.open(new_ticket(message="later"))
    assert [t.id for t in store.active()] == ["T-6"]
    assert [t.id for t in store.requested_by("slack", "U1")] == ["T-5"]


def test_open_never_overwrites_a_ticket_when_the_counter_is_behind(tmp_path):
    path = tmp_path / "tickets.json"
    store = TinyTicketStore.at(path)
    store.open(new_ticket("first", message="m1"))
    store.open(new_ticket("second", message="m2"))
    data = json.loads(path.read_text())
    data["counters"] = {}  # the counter lost, as by a hand edit or an old tool
    path.write_text(json.dumps(data))
    ticket, created = TinyTicketStore.at(path).open(new_ticket("third", message="m3"))
    assert created and ticket.id == "T-3"
    reopened = TinyTicketStore.at(path)
    assert [t.subject for t in reopened.tickets()] == ["first", "second", "third"]
    assert reopened.open(new_ticket("fourth", message="m4"))[0].id == "T-4"  # the counter was repaired


def test_a_single_file_store_from_earlier_versions_is_converted_and_kept(tmp_path):
    from bot.store.tinydb_store import SingleFileStore

    path = tmp_path / "tickets.json"
    old = SingleFileStore.at(path)  # the layout every earlier version wrote: all in tickets.json
    for n in range(3):
        old.open(new_ticket(f"request {n}", message=f"m{n}"), dedupe_key=f"msg:m{n}")
    old.mutate("T-2", lambda t: [Event("resolved", "2026-11-16T10:00:00+00:00", "maria", "maria", {})])
    old.remember("weekly:2026-W47", "sent")
    old.close()
    data = json.loads(path.read_text())
    del data["summary"]  # and before summaries existed
    path.write_text(json.dumps(data))
    original = path.read_text()
    store = TinyTicketStore.at(path)
    assert [t.id for t in store.active()] == ["T-1", "T-3"]
    assert store.find("thread:console:support:m1").id == "T-2" and store.recall("weekly:2026-W47") == "sent"
    assert store.open(new_ticket(message="m0"), dedupe_key="msg:m0")[0].id == "T-1"  # dedupe survived
    assert store.open(new_ticket(message="m9"))[0].id == "T-4"
    assert (tmp_path / "tickets.single-file.json").read_text() == original  # the old file is kept
    assert "tickets" not in json.loads(path.read_text())


@pytest.mark.parametrize("content", ['"hello"', "42", "[1, 2]", '{"tickets": [1]}', '{"tickets": {"1": 5}}'])
def test_odd_json_shapes_are_a_clear_error_that_keeps_the_file(tmp_path, content):
    from bot.errors import StoreError

    path = tmp_path / "tickets.json"
    path.write_text(content)
    store = TinyTicketStore.at(path)
    for attempt in (lambda: store.get("T-1"), lambda: store.active(), lambda: store.open(new_ticket())):
        with pytest.raises(StoreError, match=r"can't be read \(.*(JSON|table)"):
            attempt()
    assert path.read_text() == content


def test_a_read_only_data_directory_is_explained(tmp_path, monkeypatch):
    import os

    from bot.errors import StoreError

    directory = tmp_path / "data"
    directory.mkdir()
    TinyTicketStore.at(directory / "tickets.json").open(new_ticket())
    directory.chmod(0o500)
    if os.geteuid() == 0:  # root writes anywhere: make the temp file fail as the kernel would for others
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")
        monkeypatch.setattr("bot.store.atomic_storage.tempfile.mkstemp", refuse)
    try:
        store = TinyTicketStore.at(directory / "tickets.json")
        assert store.get("T-1") is not None  # reading still works
        with pytest.raises(StoreError, match="may not write in .*data.*Make that directory writable"):
            store.open(new_ticket(message="m2"))
    finally:
        directory.chmod(0o700)


def test_exclusive_has_one_holder_at_a_time(store):
    with store.exclusive("scheduler tick") as first:
        with store.exclusive("scheduler tick") as second, store.exclusive("other") as other:
            assert (first, second, other) == (True, False, True)
    with store.exclusive("scheduler tick") as again:
        assert again is True


def test_a_weeks_report_from_the_queries_equals_the_report_from_every_ticket(store, config):
    from bot.clock import parse_iso
    from bot.metrics import Week, report_tickets
    from bot.metrics.report import build_report

    day = 86400
    base = parse_iso("2026-06-01T09:00:00+00:00").timestamp()
    for n in range(40):  # tickets opened every five days, some resolved, some left open
        at = dt.datetime.fromtimestamp(base + n * 5 * day, dt.timezone.utc).isoformat()
        ticket, _ = store.open(opened_at(f"request {n}", at, message=f"w{n}"))
        if n % 3:
            later = dt.datetime.fromtimestamp(base + (n * 5 + 2) * day, dt.timezone.utc).isoformat()
            store.mutate(ticket.id, lambda t, later=later: [Event("resolved", later, "maria", "maria", {})])
    now = parse_iso("2026-11-18T12:00:00+00:00")
    week = Week.last_full(now, config.tz)
    every = build_report(store.tickets(), config, week, as_of=now, with_gaps=False)
    chosen = report_tickets(store, week)
    assert len(chosen) < len(store.tickets())
    partial = build_report(chosen, config, week, as_of=now, with_gaps=False)

    def figures(report):  # every figure; the SLA policies object is the config's, compared by identity
        return {field.name: getattr(report, field.name) for field in dataclasses.fields(report)
                if field.name != "policies"}

    assert figures(partial) == figures(every)


def test_a_linked_event_points_its_key_at_the_ticket_in_the_same_change(store):
    ticket, _ = store.open(new_ticket(message="m1"))
    other, _ = store.open(new_ticket(message="m2"))
    link = Event("linked", "2026-11-16T09:07:00+00:00", "maria", "maria", {"key": "thread:slack:C1:9.9"})
    store.mutate(ticket.id, lambda t: [link])
    assert store.find("thread:slack:C1:9.9").id == ticket.id
    store.mutate(other.id, lambda t: [link])  # a key that already names a ticket keeps it
    assert store.find("thread:slack:C1:9.9").id == ticket.id
