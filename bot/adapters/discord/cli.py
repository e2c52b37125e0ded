"""``chatdesk discord sync [--guild ID]`` and ``chatdesk discord invite``: Discord set-up.

Slash commands are registered with Discord on demand, not at every start: Discord rate-limits
syncing, and commands only change when chatdesk is upgraded.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import os
import sys

from bot.config import load_config
from bot.errors import DeskError

SCOPES = ("bot", "applications.commands")


def register(commands, kb_commands) -> None:
    discord_parser = commands.add_parser("discord", help="Discord bot set-up (sync commands, invite URL)")
    sub = discord_parser.add_subparsers(dest="discord_command", metavar="DISCORD_COMMAND")
    discord_parser.set_defaults(func=lambda args: _help(discord_parser))
    sync = sub.add_parser("sync", help="register /desk and the Open ticket menu with Discord (needs DISCORD_TOKEN)")
    sync.add_argument("--guild", type=int, metavar="ID",
                      help="sync to one server only (instant; for testing), instead of globally")
    sync.add_argument("--clear", action="store_true",
                      help="remove the commands instead (from --guild, or globally)")
    sync.set_defaults(func=sync_command)
    invite = sub.add_parser("invite", help="print the URL that adds the bot to a server, with its permissions")
    invite.add_argument("--client-id", metavar="ID",
                        help="the application id (default: DISCORD_CLIENT_ID, else read from DISCORD_TOKEN)")
    invite.set_defaults(func=invite_command)
    button = sub.add_parser("post-form-button",
                            help="post the New ticket button ([intake] form = true) in the support channels")
    button.add_argument("--channel", type=int, action="append", metavar="ID",
                        help="post in this channel (repeatable; default: every channel in [discord] channels)")
    button.set_defaults(func=post_form_button_command)


def permissions():
    """What the bot needs in the support channels: read, answer, make and manage ticket threads."""
    import discord

    return discord.Permissions(
        view_channel=True, send_messages=True, send_messages_in_threads=True, create_public_threads=True,
        manage_threads=True, embed_links=True, attach_files=True, read_message_history=True,
    )


def application_id_from_token(token: str) -> str | None:
    """A bot token's first part is the bot's user id (the application id), base64-encoded."""
    head = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isdigit() else None


def invite_url(client_id: str) -> str:
    import discord

    return discord.utils.oauth_url(client_id, permissions=permissions(), scopes=SCOPES)


def invite_command(args: argparse.Namespace, *, env=os.environ) -> int:
    client_id = args.client_id or env.get("DISCORD_CLIENT_ID") or application_id_from_token(env.get("DISCORD_TOKEN", ""))
    if not client_id:
        return fail("give --client-id (the Application ID on the Developer Portal's General Information page)")
    print(invite_url(str(client_id)))
    return 0


async def sync_tree(bot, *, guild_id: int | None = None, clear: bool = False) -> list:
    """Sync the command tree (to one guild: copied there, shows at once); returns the synced commands."""
    import discord

    guild = discord.Object(id=guild_id) if guild_id else None
    if clear:
        bot.tree.clear_commands(guild=guild)
    elif guild is not None:
        bot.tree.copy_global_to(guild=guild)
    return await bot.tree.sync(guild=guild)


def sync_command(args: argparse.Namespace, *, env=os.environ) -> int:
    import discord

    from bot.adapters.discord.runner import build_bot, token_from
    from bot.app import scratch_store

    try:
        config = load_config(args.config)
        token = token_from(env)
    except DeskError as error:
        return fail(error.message)
    # The tree is static: no ticket data is needed to describe it.
    bot = build_bot(config, store=scratch_store(), knowledge=False, scheduler=False)

    async def go() -> list:
        async with bot:
            await bot.login(token)  # runs setup_hook, which builds the tree
            return await sync_tree(bot, guild_id=args.guild, clear=args.clear)

    try:
        synced = asyncio.run(go())
    except discord.LoginFailure as error:
        return fail(f"Discord did not accept the bot token ({error})")
    except discord.HTTPException as error:
        return fail(f"Discord refused the sync ({error})")
    where = f"server {args.guild}" if args.guild else "all servers (global)"
    names = ", ".join(f"/{c.name}" if c.type is discord.AppCommandType.chat_input else f"“{c.name}”"
                      for c in synced) or "nothing"
    print(f"synced to {where}: {names}", file=sys.stdout)
    return 0


def post_form_button_command(args: argparse.Namespace, *, env=os.environ) -> int:
    """Post the persistent "New ticket" message once per channel (it works across restarts)."""
    import discord

    from bot import messages as core_messages
    from bot.adapters.discord.forms import post_button
    from bot.adapters.discord.runner import build_bot, token_from
    from bot.app import scratch_store

    try:
        config = load_config(args.config)
        token = token_from(env)
    except DeskError as error:
        return fail(error.message)
    intake = config.validated("intake")
    if intake is None or not intake.form:
        return fail(core_messages.FORM_NOT_CONFIGURED)
    channels = [int(c) for c in (args.channel or config.platform("discord").channels)]
    if not channels:
        return fail("no channel to post in: give --channel, or list support channels in [discord] channels")
    bot = build_bot(config, store=scratch_store(), knowledge=False, scheduler=False)

    async def go() -> list:
        async with bot:
            await bot.login(token)
            return [await post_button(bot, channel) for channel in channels]

    try:
        posted = asyncio.run(go())
    except discord.LoginFailure as error:
        return fail(f"Discord did not accept the bot token ({error})")
    except (discord.HTTPException, LookupError) as error:
        return fail(f"could not post the button ({error})")
    for channel, message in zip(channels, posted):
        print(f"posted the New ticket button in {channel} (message {message.id})")
    return 0


def fail(message: str) -> int:
    """Say what is wrong, for a person (no traceback); the exit status is 1."""
    print(f"chatdesk: {message}", file=sys.stderr)
    return 1


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
