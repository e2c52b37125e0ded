"""``chatdesk metrics [--week 2026-W47] [--format md|json|png] [--output FILE]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.common import config_from, fail, write_output
from bot.clock import SystemClock
from bot.errors import DeskError
from bot.store import store_for


def register(commands, kb_commands) -> None:
    metrics = commands.add_parser("metrics", help="the weekly support numbers (default: last full week)")
    metrics.add_argument("--week", help="an ISO week such as 2026-W47 (default: the last full week)")
    metrics.add_argument("--format", choices=("md", "json", "png"), default="md",
                         help="md: the summary the bot posts; json: the figures; png: the 8-week chart")
    metrics.add_argument("--output", "-o", help="file to write (default: stdout; png: the data directory)")
    metrics.set_defaults(func=metrics_command)


def metrics_command(args: argparse.Namespace, *, clock=None) -> int:
    from bot.metrics import chart_path, parse_week, report_tickets
    from bot.metrics.report import build_report, markdown

    try:
        config = config_from(args)
        now = (clock or SystemClock()).now()
        week = parse_week(args.week, config, now=now)
        store = store_for(config)
        try:
            tickets = report_tickets(store, week)
        finally:
            store.close()
    except DeskError as error:
        return fail(error)
    report = build_report(tickets, config, week, as_of=now, with_gaps=args.format != "png")
    if args.format == "png":
        from bot.metrics.chart import draw_chart

        target = Path(args.output) if args.output else chart_path(config, week)
        try:
            print(draw_chart(report, target))
        except OSError as exc:
            return fail(f"can't write {target}: {exc.strerror or exc}")
        return 0
    text = (json.dumps(report.to_json(), indent=2, ensure_ascii=False) if args.format == "json"
            else markdown(report)) + "\n"
    if args.output:
        try:
            write_output(Path(args.output), text)
        except OSError as exc:
            return fail(f"can't write {args.output}: {exc.strerror or exc}")
        print(f"wrote the {week.label} figures to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
