"""``chatdesk config check``: validate ``chatdesk.toml`` (and the environment) without starting anything."""

from __future__ import annotations

import argparse

from bot import registry
from bot.cli.common import config_from


def register(commands, kb_commands) -> None:
    config = commands.add_parser("config", help="check chatdesk.toml against the schema")
    sub = config.add_subparsers(dest="config_command", metavar="CONFIG_COMMAND")
    config.set_defaults(func=lambda args: _help(config))
    check = sub.add_parser("check", help="report every problem of the file at once, or what it sets up")
    check.set_defaults(func=check_command)


def check_command(args: argparse.Namespace) -> int:
    """Exit 0 with a summary when the file is valid; a ConfigError (every problem, named) otherwise."""
    config = config_from(args)
    where = config.path or "no chatdesk.toml here: the built-in demo team"
    tables = ", ".join(sorted(name for name in config.settings if isinstance(config.settings[name], (dict, list))))
    platforms = ", ".join(p.name for p in registry.platforms())
    features = ", ".join(f.name for f in registry.features())
    print(f"{where}: valid\n  tables: {tables or 'none'}\n  platforms: {platforms}\n  features: {features}")
    return 0


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
