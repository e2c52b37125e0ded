"""``chatdesk export`` and ``chatdesk import``: tickets as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from bot.cli.common import config_from, counted, fail, on_terminal, write_output
from bot.errors import DeskError
from bot.records import collecting_damage
from bot.store import store_for


def register(commands, kb_commands) -> None:
    export = commands.add_parser("export", help="write every ticket as one JSON line")
    export.add_argument("--output", "-o", help="file to write (default: stdout; missing directories are made)")
    export.set_defaults(func=export_command)
    load = commands.add_parser("import", help="load tickets from an export file (JSON lines)")
    load.add_argument("file", help="the JSON-lines file ('-' for stdin)")
    load.set_defaults(func=import_command)


def export_command(args: argparse.Namespace) -> int:
    try:
        store = store_for(config_from(args))
        with collecting_damage() as damaged:
            tickets = store.tickets()
    except DeskError as error:
        return fail(error)
    lines = [json.dumps(ticket.to_record(), ensure_ascii=False) + "\n" for ticket in tickets]
    if args.output:
        try:
            write_output(Path(args.output), "".join(lines))
        except OSError as exc:
            return fail(f"can't write {args.output}: {exc.strerror or exc}")
        print(f"wrote {counted(len(lines), 'ticket')} to {args.output}", file=sys.stderr)
    else:
        sys.stdout.writelines(lines)
    for error in damaged:
        print(f"chatdesk: skipped {error.ticket_id}: {error.message}", file=sys.stderr)
    return 1 if damaged else 0


def import_command(args: argparse.Namespace) -> int:
    try:
        store = store_for(config_from(args))
        source = sys.stdin.buffer if args.file == "-" else Path(args.file).open("rb")
    except OSError as exc:
        return fail(f"can't read {args.file}: {exc.strerror}")
    except DeskError as error:
        return fail(error)
    with source:
        records, errors = _parse_lines(source)
        records, unchanged = _already_stored(store, records)
        if len(records) >= 100:
            on_terminal(f"importing {counted(len(records), 'ticket')}…")
        try:
            report = store.import_records(records)
        except DeskError as error:
            return fail(error)
    problems = sorted([*errors, *report.errors])
    for line, problem in problems:
        print(f"{args.file}:{line}: {problem}", file=sys.stderr)
    print(f"imported {counted(len(report.imported), 'ticket')}"
          + (f"; {unchanged} already in this store, unchanged" if unchanged else "")
          + (f"; {counted(len(problems), 'line')} refused" if problems else ""), file=sys.stderr)
    return 1 if problems else 0


def _already_stored(store, records: list[tuple[int, Any]]) -> tuple[list[tuple[int, Any]], int]:
    """Leave out records identical to the stored ticket (an export imported back into its store)."""
    from bot.domain import Ticket

    fresh: list[tuple[int, Any]] = []
    unchanged = 0
    for number, record in records:
        try:
            stored = store.get(record["id"]) if isinstance(record, dict) and isinstance(record.get("id"), str) else None
            same = stored is not None and Ticket.from_record(record).to_record() == stored.to_record()
        except Exception:  # not a valid ticket: the import's own checks say why
            same = False
        if same:
            unchanged += 1
        else:
            fresh.append((number, record))
    return fresh, unchanged


def _parse_lines(lines: IO[bytes] | Iterable[bytes]) -> tuple[list[tuple[int, Any]], list[tuple[int, str]]]:
    """Decode each line on its own, so a line that is not UTF-8 or not JSON refuses only itself."""
    records: list[tuple[int, Any]] = []
    errors: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            errors.append((number, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                                   "export files are UTF-8"))
            continue
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            errors.append((number, f"not valid JSON ({exc.msg} at column {exc.colno})"))
        except RecursionError:
            errors.append((number, "not a ticket: nested too deeply"))
    return records, errors
