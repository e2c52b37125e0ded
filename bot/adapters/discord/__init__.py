"""The Discord adapter: discord.py events, slash commands and buttons in; core calls; embeds out.

Translation only: who has the agent role is said here, every decision is the core's.

- ``client.DeskBot``: the ``commands.Bot`` (minimal intents) whose ``setup_hook`` registers the
  persistent buttons and the cog; commands are synced on demand (``chatdesk discord sync``).
- ``cog.DeskCog``: intake (``on_message``), the ``/desk`` group, the "Open ticket" menu.
- ``deferral``: every ``/desk`` subcommand deferred at once and answered through follow-ups.
- ``catch_up``: on start and on resume, what was said while away, read from the last message seen.
- ``components``: buttons that survive restarts (``DynamicItem``, ``chatdesk:claim:T-12``), modals.
- ``outbox.DiscordOutbox``: where each reply goes (ephemeral, the ticket's thread, the team
  channel); renames and archives the thread on resolve; the ``Outbox`` of the scheduler.
- ``people.Directory``: Discord members as desk actors (agent role by id or name).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, StrictBool
from pydantic.functional_validators import AfterValidator

from bot.config_schema import PlatformConfig, TextList, section
from bot.registry import Platform, add_platform

PLATFORM = "discord"
SNOWFLAKE = re.compile(r"^\d{15,21}$")

EXAMPLE = """\
# Discord: support channel ids, the agent role (id, or a name resolved to its id in each
# server at start), and the server id(s) the desk serves (required when the bot is in more
# than one; everything from any other server is refused).
[discord]
channels = []
agent_role = "Support"
# guild = "123456789012345678"
# team_channel = "123456789012345678"
# private = true  # private ticket threads (requester and agents only); DMs to the bot open tickets
"""


def _one_or_many(value: Any) -> Any:
    """``guild = "1…"``, ``guild = 1…`` or a list of them: ids are kept as text."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    return tuple(str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in values)


def _server_ids(ids: tuple[str, ...]) -> tuple[str, ...]:
    for value in ids:
        if not SNOWFLAKE.match(value):
            raise ValueError(f"{value!r} is not a Discord server id (15 to 21 digits: with Developer Mode on, "
                             "right-click the server → Copy Server ID)")
    return ids


@section
class DiscordConfig(PlatformConfig):
    """``[discord]``: the common settings, and the server(s) the desk serves."""

    guild: Annotated[TextList, BeforeValidator(_one_or_many), AfterValidator(_server_ids)] = ()
    private: StrictBool = False  # private ticket threads, and direct messages to the bot open tickets

add_platform(Platform(
    name=PLATFORM, summary="a Discord bot (needs DISCORD_TOKEN)", runner="bot.adapters.discord.runner:run",
    section=DiscordConfig, example=EXAMPLE, cli=("bot.adapters.discord.cli",), detect=("DISCORD_TOKEN",), order=20))
