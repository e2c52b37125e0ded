"""``chatdesk export`` and ``chatdesk import``: tickets as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from bot.cli.common import config_from, fail
from bot.errors import DeskError
from bot.store import store_for


def register(commands, kb_commands) -> None:
    export = commands.add_parser("export", help="write every ticket as one JSON line")
    export.add_argument("--output", "-o", help="file to write (default: stdout)")
    export.set_defaults(func=export_command)
    load = commands.add_parser("import", help="load tickets from an export file (JSON lines)")
    load.add_argument("file", help="the JSON-lines file ('-' for stdin)")
    load.set_defaults(func=import_command)


def export_command(args: argparse.Namespace) -> int:
    try:
        store = store_for(config_from(args))
        tickets = store.tickets()
    except DeskError as error:
        return fail(error)
    target = open(args.output, "w", encoding="utf-8") if args.output else nullcontext(sys.stdout)
    with target as out:
        for ticket in tickets:
            out.write(json.dumps(ticket.to_record(), ensure_ascii=False) + "\n")
    return 0


def import_command(args: argparse.Namespace) -> int:
    try:
        store = store_for(config_from(args))
        source = sys.stdin if args.file == "-" else Path(args.file).open(encoding="utf-8")
    except OSError as exc:
        return fail(f"can't read {args.file}: {exc.strerror}")
    except DeskError as error:
        return fail(error)
    with source:
        records, errors = _parse_lines(source)
        try:
            report = store.import_records(records)
        except DeskError as error:
            return fail(error)
    problems = sorted([*errors, *report.errors])
    for line, problem in problems:
        print(f"{args.file}:{line}: {problem}", file=sys.stderr)
    print(f"imported {len(report.imported)} ticket(s)"
          + (f"; {len(problems)} line(s) refused" if problems else ""), file=sys.stderr)
    return 1 if problems else 0


def _parse_lines(lines) -> tuple[list[tuple[int, Any]], list[tuple[int, str]]]:
    records: list[tuple[int, Any]] = []
    errors: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            errors.append((number, f"not valid JSON ({exc.msg} at column {exc.colno})"))
    return records, errors
