"""``chatdesk status``: what the desk still owes and has waiting, for an operator.

Per platform, the outbox's posts: pending, retrying (with the next attempt and the last error),
expired and set aside (with the reason); the inbox's backlog (events acknowledged and not yet
handled, and those set aside); and the last weekly post sent. Exit status: 0 when nothing needs
a person, 1 when posts expired or were set aside (or inbox events were), 2 on a bad store or file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import config_from, counted, fail
from bot.errors import DeskError
from bot.outbox import FileOutbox, OutboxError, Post
from bot.weekly_post import last_sent

NEEDS_AN_OPERATOR = 1


def register(commands, kb_commands) -> None:
    status = commands.add_parser("status", help="posts still owed (retrying, expired, set aside), inbox backlog, "
                                                "the last weekly post")
    status.add_argument("--json", action="store_true", help="print the figures as JSON (for scripts and checks)")
    status.add_argument("--limit", type=int, default=10, metavar="N",
                        help="posts listed per kind (default 10; the counts are always complete)")
    status.set_defaults(func=status_command)


def status_command(args: argparse.Namespace) -> int:
    from bot.store import default_data_dir, store_for

    config = config_from(args)
    data_dir = Path(config.data_dir or default_data_dir())
    try:
        store = store_for(config)
    except DeskError as error:
        return fail(error, status=2)
    try:
        report = gather(data_dir, store, config, now=dt.datetime.now(dt.timezone.utc).timestamp())
    except (OutboxError, OSError) as error:
        return fail(f"cannot read the outbox or inbox in {data_dir}: {error}", status=2)
    finally:
        store.close()
    report["store"] = store.location
    if args.json:
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(render(report, limit=max(1, args.limit)))
    return NEEDS_AN_OPERATOR if report["attention"] else 0


def gather(data_dir: Path, store: Any, config: Any, *, now: float) -> dict[str, Any]:
    """The figures ``chatdesk status`` shows, as plain data."""
    platforms = {}
    for name, outbox in outboxes(data_dir, config).items():
        pending = outbox.pending()
        gone = outbox.given_up()
        platforms[name] = {
            "pending": [_post(p, now) for p in pending if not p.attempts],
            "retrying": [_post(p, now) for p in pending if p.attempts],
            "expired": [_post(p, now) for p in gone if p.expired],
            "set_aside": [_post(p, now) for p in gone if not p.expired],
            "weekly_post": last_sent(store, name, config, now=dt.datetime.fromtimestamp(now, dt.timezone.utc)),
        }
        getattr(outbox, "close", lambda: None)()
    inbox = data_dir / "inbox"
    waiting = sorted(inbox.glob("*.json")) if inbox.is_dir() else []
    failed = sorted((inbox / "failed").glob("*.json")) if (inbox / "failed").is_dir() else []
    oldest = min((p.stat().st_mtime for p in waiting), default=None)
    attention = any(figures["expired"] or figures["set_aside"] for figures in platforms.values()) or bool(failed)
    return {"data_dir": str(data_dir), "outbox": platforms,
            "inbox": {"waiting": len(waiting), "set_aside": len(failed), "directory": str(inbox),
                      "oldest_seconds": round(now - oldest) if oldest is not None else None},
            "attention": attention}


def outboxes(data_dir: Path, config: Any) -> dict[str, Any]:
    """Each platform's outbox: the ``outbox`` table's when the tickets are in PostgreSQL, else the folders."""
    from bot.courier import outbox_for
    from bot.store.settings import is_postgres, store_settings

    settings = store_settings(config)
    if is_postgres(settings.url):
        from bot.pg_outbox import PostgresOutbox

        return {name: outbox_for(config, name) for name in PostgresOutbox.platforms(str(settings.url))}
    root = data_dir / "outbox"
    return {p.name: FileOutbox(p) for p in sorted(root.iterdir()) if p.is_dir()} if root.is_dir() else {}


def _post(post: Post, now: float) -> dict[str, Any]:
    return {"key": post.key, "lane": post.lane, "id": post.id, "recorded": _iso(post.recorded),
            "attempts": post.attempts, "next_attempt": _iso(post.next_attempt) if post.attempts else None,
            "next_in_seconds": max(0, round(post.next_attempt - now)) if post.attempts else None,
            "last_error": post.last_error, "given_up": post.given_up, "expires": _iso(post.expires)}


def render(report: dict[str, Any], *, limit: int) -> str:
    """The report as lines for a person at a terminal."""
    lines = [f"Store: {report['store']}"]
    if not report["outbox"]:
        lines.append("Outbox: nothing recorded yet (no platform desk has run here).")
    for platform, figures in report["outbox"].items():
        counts = ", ".join(counted(len(figures[kind]), label, label) for kind, label in
                           (("pending", "pending"), ("retrying", "retrying"), ("expired", "expired"),
                            ("set_aside", "set aside")))
        lines += ["", f"Outbox ({platform}): {counts}"]
        for kind, label in (("retrying", "retrying"), ("expired", "expired"), ("set_aside", "set aside"),
                            ("pending", "pending")):
            for post in figures[kind][:limit]:
                lines.append(f"  {label:<9} {post['key']}  (recorded {post['recorded']}, in {post['lane']})")
                if kind == "retrying":
                    lines.append(f"            attempt {post['attempts']}, next at {post['next_attempt']} "
                                 f"(in {post['next_in_seconds']} s); last error: {post['last_error']}")
                elif kind != "pending":
                    lines.append(f"            {post['given_up']}")
            if len(figures[kind]) > limit:
                lines.append(f"  … and {len(figures[kind]) - limit} more {label}")
        weekly = figures["weekly_post"]
        lines.append(f"  weekly post: {weekly['week']} sent {weekly['sent']}" if weekly
                     else "  weekly post: none sent in the last year")
    inbox = report["inbox"]
    backlog = f"Inbox: {counted(inbox['waiting'], 'event')} waiting to be handled"
    if inbox["oldest_seconds"] is not None:
        backlog += f" (oldest {inbox['oldest_seconds']} s)"
    if inbox["set_aside"]:
        backlog += f", {inbox['set_aside']} set aside in {inbox['directory']}/failed"
    lines += ["", backlog]
    if report["attention"]:
        lines += ["", "Needs an operator: the posts above that expired or were set aside were not delivered "
                      f"(kept in {report['data_dir']}/outbox/<platform>/expired and aside)."]
    return "\n".join(lines)


def _iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.timezone.utc).isoformat(timespec="seconds")
