"""``chatdesk run`` and ``chatdesk init``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot import registry
from bot.cli.common import config_from, fail
from bot.config import CONFIG_FILENAME, example_config
from bot.errors import DeskError

DEFAULT_PLATFORM = "console"  # the built-in desk, when no platform's credentials are present


def register(commands, kb_commands) -> None:
    platforms = registry.platforms()
    run = commands.add_parser("run", help="start the desk (" + ", ".join(p.name for p in platforms) + ")")
    detected = ", ".join(f"{p.name} with {' or '.join(p.detect)}" for p in platforms if p.detect)
    run.add_argument("--platform", choices=[p.name for p in platforms],
                     help=f"default: {detected}, else {DEFAULT_PLATFORM}" if detected else None)
    for platform in platforms:
        if platform.run_options:
            platform.run_options(run)
    run.set_defaults(func=run_command)
    init = commands.add_parser("init", help=f"write a commented example {CONFIG_FILENAME}")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(func=init_command)


def choose_platform(explicit: str | None, env=os.environ) -> str:
    """The platform to run: explicit, else the first whose credentials are in the environment."""
    if explicit:
        return explicit
    return next((p.name for p in registry.platforms() if any(env.get(name) for name in p.detect)),
                DEFAULT_PLATFORM)


def run_command(args: argparse.Namespace) -> int:
    name = choose_platform(args.platform)
    platform = registry.platform(name)
    try:
        config = config_from(args)
        if platform is None:
            raise ModuleNotFoundError(name=f"bot.adapters.{name}")
        return int(registry.load(platform.runner)(config, args) or 0)
    except ModuleNotFoundError as exc:
        if exc.name and (platform is None or platform.runner.startswith(exc.name)):
            return fail(f"the {name} adapter is not available in this build")
        raise
    except DeskError as error:
        return fail(error)


def run_console(config, args: argparse.Namespace) -> int:
    """The console desk on stdin/stdout (the console platform's runner)."""
    build_site = not getattr(args, "no_site", False)
    from bot.adapters.console import ConsoleDesk
    from bot.app import build_desk

    interactive = sys.stdin.isatty()
    info = sys.stderr if not interactive else sys.stdout
    if build_site:
        _build_site(config, info)
    desk = build_desk(config)
    print(f"chatdesk: console desk for {config.team}; tickets are stored in {desk.service.store.location}",
          file=info)
    console = ConsoleDesk(desk, output=sys.stdout, interactive=interactive)
    console.scheduler = _console_scheduler(desk, console)
    if interactive:
        print("Type a request as a customer, /help for the console commands, /quit to leave.")
        return console.run(_prompted_lines(console))
    return console.run(sys.stdin)


def _console_scheduler(desk, console):
    """Reminders and waiting nudges for the console; the weekly post belongs to the chat bots."""
    from dataclasses import replace

    from bot.adapters.console import ConsoleOutbox
    from bot.scheduler import Schedule, Scheduler

    schedule = replace(Schedule.from_config(desk.config), weekly_post=False)
    return Scheduler(desk, ConsoleOutbox(console), platform="console", schedule=schedule)


def _build_site(config, info) -> None:
    """Build the help site before the console starts, so the suggested links resolve."""
    if not config.sources_path.is_dir() or not (config.root / "mkdocs.yml").is_file():
        return
    from bot.cli.kb_site import HelpSiteNotBuilt, build_help_site

    try:
        result = build_help_site(config)
    except HelpSiteNotBuilt as error:
        hint = "; see `chatdesk kb check`" if error.details else ""
        print(f"chatdesk: help site not built: {error.problem}{hint}", file=info)
        return
    print(f"chatdesk: help site built at {result.site_dir / 'index.html'} "
          "(browse it with `chatdesk kb serve`)", file=info)


def _prompted_lines(console):
    while True:
        try:
            yield input(console.prompt())
        except EOFError:
            print()
            return


def init_command(args: argparse.Namespace) -> int:
    target = Path(args.config or CONFIG_FILENAME)
    if target.exists() and not args.force:
        return fail(f"{target} already exists (use --force to overwrite)")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(example_config(), encoding="utf-8")
    print(f"wrote {target}")
    sources = target.parent / "faq_sources"
    if not sources.exists():  # the knowledge base's home, so `kb build` and `make run` work at once
        sources.mkdir()
        print(f"created {sources}/ (one Markdown file per article; see README)")
    return 0
