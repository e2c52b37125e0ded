"""``chatdesk store``: migrate the schema, check (and repair) a store, copy a desk between backends."""

from __future__ import annotations

import argparse

from bot.cli.common import config_from, fail
from bot.errors import DeskError
from bot.store import open_url, store_for


def register(commands, kb_commands) -> None:
    store = commands.add_parser("store", help="the ticket store: migrate, check, copy between backends")
    actions = store.add_subparsers(dest="store_command", metavar="STORE_COMMAND")
    store.set_defaults(func=lambda args: store.print_help() or 2)
    migrate = actions.add_parser("migrate", help="bring a PostgreSQL store's schema up to date (idempotent)")
    migrate.set_defaults(func=migrate_command)
    check = actions.add_parser("check", help="report unreadable records and a ticket counter behind the highest id")
    check.add_argument("--repair", action="store_true", help="fix what can be fixed without losing anything")
    check.set_defaults(func=check_command)
    copy = actions.add_parser("copy", help="copy every ticket, key and memo into an empty store, then verify")
    copy.add_argument("--to", required=True, metavar="URL",
                      help="the target: postgresql://user@host/db, or a TinyDB file or directory")
    copy.add_argument("--from", dest="source", metavar="URL", help="the source (default: the configured store)")
    copy.set_defaults(func=copy_command)


def migrate_command(args: argparse.Namespace) -> int:
    try:
        store = store_for(config_from(args))
    except DeskError as error:
        return fail(error)
    try:
        version = getattr(store, "schema_version", None)
        if version is None:
            print(f"{store.location}: the embedded store has no schema to migrate.")
        else:  # opening it applied what was missing, under the migration lock
            print(f"{store.location}: schema version {version()}, up to date.")
    finally:
        store.close()
    return 0


def check_command(args: argparse.Namespace) -> int:
    from bot.store.maintenance import check

    try:
        store = store_for(config_from(args))
    except DeskError as error:
        return fail(error)
    try:
        report = check(store, repair=args.repair)
    except DeskError as error:
        return fail(error)
    finally:
        store.close()
    print(f"{store.location}: {report.tickets} tickets, "
          f"{len(report.problems) or 'no'} problem{'' if len(report.problems) == 1 else 's'}")
    for problem in report.problems:
        print(f"  problem: {problem}")
    for fix in report.repaired:
        print(f"  repaired: {fix}")
    unfixed = bool(report.problems) and not args.repair
    return 1 if unfixed else 0


def copy_command(args: argparse.Namespace) -> int:
    from bot.store.maintenance import copy_store

    try:
        source = open_url(args.source) if args.source else store_for(config_from(args))
        target = open_url(args.to)
    except DeskError as error:
        return fail(error)
    try:
        report = copy_store(source, target)
    except DeskError as error:
        return fail(error)
    finally:
        source.close()
        target.close()
    print(f"Copied {report.tickets} tickets, {report.keys} keys and {report.memo} memo entries from "
          f"{source.location} to {target.location}; counts and checksum {report.checksum[:16]} match.")
    return 0
