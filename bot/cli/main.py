"""Entry point of the ``chatdesk`` console script.

Each command group lives in its own module under ``bot.cli`` and exposes
``register(commands, kb_commands)``; the parsers it adds set ``func`` to a handler
``(args) -> int``. Keeping groups apart lets each feature own its own commands.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from bot import registry
from bot.cli.common import fail
from bot.errors import DeskError

# The core's own command groups; features and platforms bring theirs through ``bot.registry``.
COMMAND_MODULES: tuple[str, ...] = (
    "bot.cli.desk",
    "bot.cli.data",
    "bot.cli.store",
    "bot.cli.config",
    "bot.cli.status",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the full parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="chatdesk",
        description="A help desk that lives in your team's chat channel.",
    )
    parser.add_argument("--config", help="path to chatdesk.toml (default: ./chatdesk.toml)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    kb_parser = commands.add_parser("kb", help="knowledge base and help site")
    kb_commands = kb_parser.add_subparsers(dest="kb_command", metavar="KB_COMMAND")
    kb_parser.set_defaults(func=lambda args: _print_help(kb_parser))
    for name in (*COMMAND_MODULES, *registry.cli_modules()):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency, not an absent group
                raise
            continue
        module.register(commands, kb_commands)
    return parser


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        return _print_help(parser)
    try:
        return int(func(args) or 0)
    except DeskError as error:  # a bad setting or file: the message names it, no traceback
        return fail(error)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
