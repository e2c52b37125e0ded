"""``chatdesk export`` and ``chatdesk import``: a lossless round trip, and bad lines named."""

from __future__ import annotations

import json

from bot.cli.main import main
from bot.domain import Source
from bot.service import TicketService
from bot.store import open_store
from tests.desk_support import CUSTOMER, MARIA


def _populate(data_dir, config, clock):
    service = TicketService(open_store(data_dir), config, clock=clock)
    for n, text in enumerate(["Tracker will not pair", "Charged twice", "Can't log in"], start=1):
        service.open_ticket(CUSTOMER, text, Source("console", "support", f"m{n}", f"m{n}"))
    service.claim(MARIA, "T-1")
    clock.advance(minutes=30)
    service.note(MARIA, "T-1", "asked for the phone model")
    service.resolve(MARIA, "T-1", "Reset and re-paired")
    service.tag(MARIA, "T-2", add=["refund"])
    return service


def test_round_trip_keeps_every_event(tmp_path, monkeypatch, capsys, config, clock):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "one"))
    _populate(tmp_path / "one", config, clock)
    assert main(["export"]) == 0
    exported = capsys.readouterr().out
    lines = [json.loads(line) for line in exported.splitlines()]
    assert [r["id"] for r in lines] == ["T-1", "T-2", "T-3"]
    assert lines[0]["state"] == "resolved" and lines[1]["tags"] == ["refund"]
    assert set(lines[0]) >= {"id", "subject", "body", "requester", "state", "category", "priority", "tags",
                             "assignee", "events"}
    (tmp_path / "export.jsonl").write_text(exported)

    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "two"))
    assert main(["import", str(tmp_path / "export.jsonl")]) == 0
    assert main(["export"]) == 0
    assert capsys.readouterr().out == exported


def test_import_names_bad_lines_and_imports_no_half_ticket(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    good = {"id": "T-5", "subject": "s", "body": "b", "requester": {"platform": "slack", "user_id": "U1"},
            "events": [{"type": "opened", "at": "2026-11-16T09:00:00Z", "actor": "U1"}]}
    broken_history = {**good, "id": "T-6", "events": [{"type": "claimed", "at": "2026-11-16T09:00:00Z"}]}
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([json.dumps(good), "{oops", json.dumps(broken_history), json.dumps({"id": "T-7"})]))
    assert main(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2: not valid JSON" in err
    assert f"{path}:3: a ticket's first event must be 'opened'" in err
    assert f"{path}:4: missing field 'subject'" in err
    assert "imported 1 ticket; 3 lines refused" in err
    main(["export"])
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == ["T-5"]
