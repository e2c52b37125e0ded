"""Import and stored records go through the domain's validation: a bad line or record is named
(line, ticket, field), refused or skipped, and never stops the others or crashes a command."""

from __future__ import annotations

import json

import pytest

from bot.cli.main import main
from bot.errors import RecordError
from bot.records import ticket_from_record, validated_import

OPENED = {"type": "opened", "at": "2026-11-16T09:00:00Z", "actor": "U1"}


def _ticket(number: int, *events: dict, **fields) -> dict:
    return {"id": f"T-{number}", "subject": "s", "body": "b", "requester": {"platform": "slack", "user_id": "U1"},
            "events": [OPENED, *events], **fields}


def _event(kind: str, **data) -> dict:
    return {"type": kind, "at": "2026-11-16T09:05:00Z", "actor": "U2", **data}


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    return tmp_path


def _import(data, lines: list[str | bytes], capsys) -> tuple[int, str, list[str]]:
    path = data / "in.jsonl"
    path.write_bytes(b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n")
    status = main(["import", str(path)])
    err = capsys.readouterr().err
    main(["export"])
    exported = [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()]
    return status, err, exported


def test_a_lone_surrogate_refuses_its_line_and_the_other_eleven_import(data, capsys):
    lines = [json.dumps(_ticket(n)) for n in range(1, 13)]
    lines[4] = json.dumps(_ticket(5, subject="broken \ud800 text"))  # valid JSON, not valid Unicode
    status, err, exported = _import(data, lines, capsys)
    assert status == 1 and "Traceback" not in err
    assert f"{data / 'in.jsonl'}:5: subject: not valid Unicode" in err
    assert "imported 11 tickets; 1 line refused" in err
    assert exported == [f"T-{n}" for n in range(1, 13) if n != 5]


def test_a_file_that_is_not_utf8_is_reported_by_line(data, capsys):
    lines = [json.dumps(_ticket(1)), json.dumps(_ticket(2, subject="caf\u00e9"), ensure_ascii=False).encode("latin-1"),
             json.dumps(_ticket(3))]
    status, err, exported = _import(data, lines, capsys)
    assert status == 1 and "Traceback" not in err
    assert f"{data / 'in.jsonl'}:2: not UTF-8 text (byte 0xe9" in err
    assert exported == ["T-1", "T-3"]


@pytest.mark.parametrize(("record", "expected"), [
    (_ticket(1, _event("assigned", assignee="maria")), "events[1].assignee: input should be a valid dictionary"),
    (_ticket(100000000000), "id T-100000000000 is out of range"),
    (_ticket(1, _event("category", category=["billing", "app"])), "events[1].category: input should be a valid string"),
    (_ticket(1, _event("priority", priority=3)), "events[1].priority: input should be 'low', 'normal', 'high' or"),
    ({**_ticket(1), "events": [{**OPENED, "priority": "soon"}]}, "events[0].priority: input should be 'low'"),
    (_ticket(1, _event("suggested", suggestions="pair-a-tracker")), "events[1].suggestions: input should be a valid list"),
    (_ticket(1, _event("suggested", suggestions=[{"title": "no slug"}])), "events[1].suggestions[0].slug: field required"),
    (_ticket(1, _event("survey", score="five")), "events[1].score: input should be a valid integer"),
    (_ticket(1, _event("survey", score=9)), "events[1].score: input should be less than or equal to 5"),
    (_ticket(1, _event("survey", score=True)), "events[1].score: input should be a valid integer"),
    (_ticket(1, _event("tagged", tags="refund")), "events[1].tags: input should be a valid list"),
    (_ticket(1, _event("claimed", at="yesterday")), "events[1].at: value error"),
    (_ticket(1, subject=["a", "list"]), "subject: input should be a valid string"),
    (_ticket(1, _event("transferred", queue=["billing"])), "events[1].queue: input should be a valid string"),
    (_ticket(1, requester={"platform": "slack", "user_id": 5}), "requester.user_id: input should be a valid string"),
])
def test_every_known_field_is_typed(record, expected):
    with pytest.raises(RecordError) as refused:
        validated_import(record)
    assert refused.value.message.startswith(expected), refused.value.message
    assert refused.value.ticket_id in (record["id"],) and refused.value.field


def test_bad_lines_are_named_and_good_ones_still_import(data, capsys):
    lines = [json.dumps(_ticket(1)), json.dumps(_ticket(2, _event("assigned", assignee="maria"))),
             json.dumps(_ticket(100000000000)), json.dumps(_ticket(4, _event("survey", score="five"))),
             json.dumps(_ticket(5))]
    status, err, exported = _import(data, lines, capsys)
    assert status == 1 and "Traceback" not in err and "AttributeError" not in err
    assert f"{data / 'in.jsonl'}:2: events[1].assignee: input should be a valid dictionary" in err
    assert "input should be a valid dictionary (T-2)" in err
    assert f"{data / 'in.jsonl'}:3: id T-100000000000 is out of range" in err
    assert exported == ["T-1", "T-5"]


def _damage_in_store(data, number: int, event: dict) -> None:
    """Append a bad event to a stored ticket, as a hand edit or an older version might have."""
    from bot.store import TinyTicketStore

    TinyTicketStore.at(data / "data" / "tickets.json").compact()  # the journal into the files: edit the partition alone
    store_file = data / "data" / "tickets.d" / f"t{number // 500:06d}.json"
    tables = json.loads(store_file.read_text(encoding="utf-8"))
    tables["tickets"][str(number)]["events"].append(event)
    store_file.write_text(json.dumps(tables), encoding="utf-8")


def test_a_bad_record_in_the_store_is_reported_and_skipped_by_export(data, capsys):
    _import(data, [json.dumps(_ticket(n)) for n in (1, 2, 3)], capsys)
    _damage_in_store(data, 2, _event("survey", score="five"))
    assert main(["export"]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line)["id"] for line in captured.out.splitlines()] == ["T-1", "T-3"]
    assert "skipped T-2: events[1].score: input should be a valid integer (T-2)" in captured.err
    assert "Traceback" not in captured.err


def test_a_bad_record_in_the_store_breaks_no_other_command(data, capsys):
    _import(data, [json.dumps(_ticket(n)) for n in (1, 2)], capsys)
    _damage_in_store(data, 2, _event("assigned", assignee="maria"))
    assert main(["metrics", "--week", "2026-W47", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["opened"] == 1  # T-1 counted, T-2 skipped
    from bot.store import open_store

    store = open_store(data / "data")
    assert [t.id for t in store.active()] == ["T-1"]
    with pytest.raises(RecordError, match=r"events\[1\]\.assignee: input should be a valid dictionary \(T-2\)"):
        store.get("T-2")  # a DeskError: the adapters and the console say it in words


def test_the_validator_accepts_what_the_desk_writes():
    ticket = ticket_from_record(_ticket(
        7, _event("suggested", suggestions=[{"slug": "pair", "title": "Pair", "url": "http://x/", "score": 0.5}],
                  confident=True),
        _event("claimed"), _event("priority", priority="high"), _event("survey", score=5, comment=None),
        _event("reminded", reason="first_response", window=2), _event("migrated", anything=[1, {"x": 2}])))
    assert ticket.priority == "high" and ticket.survey["score"] == 5


def test_export_and_metrics_output_into_a_missing_directory(data, capsys):
    _import(data, [json.dumps(_ticket(1))], capsys)
    target = data / "out" / "nested" / "tickets.jsonl"
    assert main(["export", "-o", str(target)]) == 0
    assert f"wrote 1 ticket to {target}" in capsys.readouterr().err
    assert json.loads(target.read_text(encoding="utf-8"))["id"] == "T-1"
    figures = data / "reports" / "w47.json"
    assert main(["metrics", "--week", "2026-W47", "--format", "json", "-o", str(figures)]) == 0
    assert f"wrote the 2026-W47 figures to {figures}" in capsys.readouterr().err
    assert json.loads(figures.read_text(encoding="utf-8"))["opened"] == 1
    (data / "afile").write_text("x", encoding="utf-8")
    assert main(["export", "-o", str(data / "afile" / "t.jsonl")]) == 1
    err = capsys.readouterr().err
    assert f"can't write {data / 'afile' / 't.jsonl'}" in err and "Traceback" not in err


def test_store_check_reports_what_reads_skip(data, capsys):
    _import(data, [json.dumps(_ticket(n)) for n in (1, 2)], capsys)
    _damage_in_store(data, 2, _event("survey", score="five"))
    assert main(["store", "check"]) == 1
    out = capsys.readouterr()
    assert "T-2 can't be read (events[1].score: input should be a valid integer (T-2))" in out.out + out.err


def test_a_line_nested_too_deeply_refuses_only_itself(data, capsys):
    deep = json.dumps(_ticket(2, _event("noted", text="x", extra=[]))).replace("[]", "[" * 5000 + "]" * 5000)
    status, err, exported = _import(data, [json.dumps(_ticket(1)), deep, json.dumps(_ticket(3))], capsys)
    assert status == 1 and "Traceback" not in err and "RecursionError" not in err
    assert f"{data / 'in.jsonl'}:2: " in err and "nested too deeply" in err
    assert exported == ["T-1", "T-3"]


def test_a_command_on_a_damaged_ticket_says_what_is_wrong(data, capsys, config, clock):
    from bot.store import TinyTicketStore
    from tests.desk_support import Transcript, make_desk

    _import(data, [json.dumps(_ticket(n)) for n in (1, 2)], capsys)
    _damage_in_store(data, 2, _event("tagged", tags="refund"))
    talk = Transcript(make_desk(config, clock, store=TinyTicketStore.at(data / "data" / "tickets.json")))
    talk.push("/as maria")
    shown = talk.push("/desk show T-2")
    assert "events[1].tags: input should be a valid list (T-2)" in shown and "Sorry" not in shown
    assert "T-1" in talk.push("/desk queue") and "T-2" not in talk.push("/desk queue")
