"""Helpers shared by the command-line modules."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Config, load_config
from bot.errors import DeskError


def config_from(args: argparse.Namespace) -> Config:
    """Load the configuration named by ``--config`` (or the default lookup)."""
    return load_config(getattr(args, "config", None))


def fail(error: DeskError | str, *, status: int = 1) -> int:
    """Print an error for a person (no traceback) and return the exit status."""
    message = error.message if isinstance(error, DeskError) else error
    print(f"chatdesk: {message}", file=sys.stderr)
    return status


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to an output option's file, making missing parent directories."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``1 error``, ``2 errors``, ``0 articles``: a number with its noun in the right form."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def on_terminal(text: str) -> None:
    """Say what long work is starting, for a person watching a terminal; silent when piped."""
    if sys.stderr.isatty():
        print(text, file=sys.stderr, flush=True)
