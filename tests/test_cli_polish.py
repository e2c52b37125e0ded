"""The command line as a new user meets it: clear errors, right counts, a line on success."""

from __future__ import annotations

import re
import socket

import pytest

from bot.cli.common import counted
from bot.cli.main import main
from bot.config import load_config


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    return tmp_path


def test_counts_have_the_right_grammar():
    assert [counted(n, "error") for n in (0, 1, 2)] == ["0 errors", "1 error", "2 errors"]
    assert counted(1, "phrasing") == "1 phrasing" and counted(3, "entry", "entries") == "3 entries"


def test_init_writes_a_complete_config_and_the_articles_folder(scratch, capsys):
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert "wrote chatdesk.toml" in out and (scratch / "faq_sources").is_dir()
    text = (scratch / "chatdesk.toml").read_text(encoding="utf-8")
    for table in ("[surveys]", "[schedule]", "[help_site]", "# [sla.urgent]", "# [business_hours]",
                  "# [assignment]", "# [macros]", "# [[queues]]", "# [intake]", "# [store]"):
        assert table in text
    load_config(scratch / "chatdesk.toml", env={})
    # Every commented example is valid too once uncommented.
    uncommented = "\n".join(re.sub(r"^# (?=\[|[a-z_]+ = )", "", line) for line in text.splitlines())
    (scratch / "all.toml").write_text(uncommented, encoding="utf-8")
    config = load_config(scratch / "all.toml", env={})
    assert config.validated("sla") is not None and config.validated("intake").form is True
    assert main(["init"]) == 1 and "already exists (use --force to overwrite)" in capsys.readouterr().err


def test_kb_build_without_the_articles_folder_says_so(scratch, capsys):
    (scratch / "chatdesk.toml").write_text('[console]\nagents = ["maria"]\n', encoding="utf-8")
    assert main(["kb", "build"]) == 1
    err = capsys.readouterr().err
    assert "faq_sources does not exist" in err and "bad article file" not in err


def test_import_faq_of_a_missing_file_names_it(scratch, capsys):
    assert main(["kb", "import-faq", "nope.csv"]) == 1
    err = capsys.readouterr().err
    assert "nope.csv: no such file" in err and "rows skipped" not in capsys.readouterr().out


def test_kb_serve_on_a_busy_port_is_a_clear_error(scratch, capsys):
    (scratch / "faq_sources").mkdir()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["kb", "serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"cannot serve on port {port}" in err and "--port" in err and "Traceback" not in err


def test_every_subcommand_and_option_has_help(capsys):
    from bot.cli.main import build_parser

    parser = build_parser()
    missing = []

    def walk(parser, path):
        for action in parser._actions:
            if action.option_strings and action.dest != "help" and not action.help:
                missing.append(f"{path} {action.option_strings[0]}")
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                helps = {a.dest: a.help for a in getattr(action, "_choices_actions", [])}
                for name, sub in action.choices.items():
                    if not (helps.get(name) or sub.description):
                        missing.append(f"{path} {name}")
                    walk(sub, f"{path} {name}")

    walk(parser, "chatdesk")
    assert missing == []


def test_an_export_imported_back_into_its_store_changes_nothing_and_fails_nothing(scratch, capsys):
    from bot.adapters.console import ConsoleDesk  # noqa: F401  (the console platform registers itself)

    lines = "My tracker will not pair\n/as maria\n/desk claim T-1\n"
    import io
    import sys

    sys.stdin = io.StringIO(lines)
    try:
        assert main(["run", "--no-site"]) == 0
    finally:
        sys.stdin = sys.__stdin__
    capsys.readouterr()
    assert main(["export", "-o", "tickets.jsonl"]) == 0
    assert "wrote 1 ticket to tickets.jsonl" in capsys.readouterr().err
    assert main(["import", "tickets.jsonl"]) == 0
    assert "imported 0 tickets; 1 already in this store, unchanged" in capsys.readouterr().err
