"""``chatdesk run`` and ``chatdesk init``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.cli.common import config_from, fail
from bot.config import CONFIG_FILENAME, EXAMPLE_CONFIG
from bot.errors import DeskError

PLATFORMS = ("console", "slack", "discord")


def register(commands, kb_commands) -> None:
    run = commands.add_parser("run", help="start the desk (console, Slack or Discord)")
    run.add_argument("--platform", choices=PLATFORMS,
                     help="default: slack with SLACK_BOT_TOKEN, discord with DISCORD_TOKEN, else console")
    run.add_argument("--http", action="store_true", help="Slack: serve HTTP instead of Socket Mode")
    run.add_argument("--port", type=int, default=3000, help="Slack HTTP port (default 3000)")
    run.add_argument("--no-site", action="store_true", help="console: do not build the help site first")
    run.set_defaults(func=run_command)
    init = commands.add_parser("init", help=f"write a commented example {CONFIG_FILENAME}")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(func=init_command)


def choose_platform(explicit: str | None, env=os.environ) -> str:
    """The platform to run: explicit, else by the tokens present, else the console."""
    if explicit:
        return explicit
    if env.get("SLACK_BOT_TOKEN"):
        return "slack"
    if env.get("DISCORD_TOKEN"):
        return "discord"
    return "console"


def run_command(args: argparse.Namespace) -> int:
    try:
        config = config_from(args)
        platform = choose_platform(args.platform)
        if platform == "console":
            return _run_console(config, build_site=not args.no_site)
        from importlib import import_module

        runner = import_module(f"bot.adapters.{platform}.runner")
        return int(runner.run(config, args) or 0)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("bot.adapters."):
            return fail(f"the {args.platform} adapter is not available in this build")
        raise
    except DeskError as error:
        return fail(error)


def _run_console(config, *, build_site: bool) -> int:
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
    target.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    print(f"wrote {target}")
    return 0
