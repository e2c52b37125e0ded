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
    button = sub.add_parser("post-form-button",
                            help="post the New ticket button ([intake] form = true) in the support channels")
    button.add_argument("--channel", action="append", metavar="ID",
                        help="post in this channel (repeatable; default: every channel in [slack] channels)")
    button.set_defaults(func=post_form_button_command)


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


def post_form_button_command(args: argparse.Namespace, *, env=None) -> int:
    """Post the persistent "New ticket" message once per channel (it keeps working across restarts)."""
    import os

    from bot import messages as core_messages
    from bot.adapters.slack import messages
    from bot.adapters.slack.app import web_client
    from bot.adapters.slack.forms import post_button
    from bot.adapters.slack.outbox import API_ERRORS
    from bot.config import load_config
    from bot.errors import DeskError

    env = os.environ if env is None else env
    try:
        config = load_config(args.config)
    except DeskError as error:
        return _fail(error.message)
    intake = config.validated("intake")
    if intake is None or not intake.form:
        return _fail(core_messages.FORM_NOT_CONFIGURED)
    if not env.get("SLACK_BOT_TOKEN"):
        return _fail(messages.SLACK_CONFIG_MISSING.format(names="SLACK_BOT_TOKEN"))
    channels = tuple(args.channel or config.platform("slack").channels)
    if not channels:
        return _fail(messages.SLACK_FORM_NO_CHANNELS)
    client = web_client(token=env["SLACK_BOT_TOKEN"], base_url=env.get("SLACK_API_URL"))
    for channel in channels:
        try:
            ts = post_button(client, channel)
        except API_ERRORS as error:
            return _fail(f"Slack refused the post in {channel} ({error})")
        print(messages.SLACK_FORM_BUTTON_POSTED.format(channel=channel, ts=ts))
    return 0


def _fail(message: str) -> int:
    print(f"chatdesk slack post-form-button: {message}", file=sys.stderr)
    return 1


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
