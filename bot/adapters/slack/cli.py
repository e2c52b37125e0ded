"""``chatdesk slack manifest``: the app manifest to paste when creating the Slack app."""

from __future__ import annotations

import argparse
import json
import sys


def register(commands, kb_commands) -> None:
    slack = commands.add_parser("slack", help="Slack app set-up")
    sub = slack.add_subparsers(dest="slack_command", metavar="SLACK_COMMAND")
    slack.set_defaults(func=lambda args: _help(slack))
    manifest = sub.add_parser("manifest", help="print the Slack app manifest (scopes, events, /desk, shortcuts)")
    manifest.add_argument("--format", choices=("yaml", "json"), default="yaml", help="output format (default yaml)")
    manifest.add_argument("--name", default="chatdesk",
                          help="the app and bot name, at most 35 characters (default chatdesk)")
    manifest.add_argument("--request-url", metavar="URL",
                          help="HTTP mode: https://…/slack/events (default: Socket Mode, no public URL)")
    manifest.set_defaults(func=manifest_command)


def manifest_command(args: argparse.Namespace) -> int:
    from bot.adapters.slack.manifest import manifest
    from bot.errors import ConfigError

    try:
        data = manifest(name=args.name, request_url=args.request_url)
    except ConfigError as error:
        print(f"chatdesk slack manifest: {error.message}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        import yaml

        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), end="")
    return 0


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
