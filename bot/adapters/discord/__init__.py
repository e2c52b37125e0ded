"""The Discord adapter: discord.py events, slash commands and buttons in; core calls; embeds out.

Translation only: who has the agent role is said here, every decision is the core's.

- ``client.DeskBot``: the ``commands.Bot`` (minimal intents) whose ``setup_hook`` registers the
  persistent buttons and the cog; commands are synced on demand (``chatdesk discord sync``).
- ``cog.DeskCog``: intake (``on_message``), the ``/desk`` group, the "Open ticket" menu.
- ``components``: buttons that survive restarts (``DynamicItem``, ``chatdesk:claim:T-12``), modals.
- ``outbox.DiscordOutbox``: where each reply goes (ephemeral, the ticket's thread, the team
  channel); renames and archives the thread on resolve; the ``Outbox`` of the scheduler.
- ``people.Directory``: Discord members as desk actors (agent role by id or name).
"""

PLATFORM = "discord"

from bot.registry import Platform, add_platform  # noqa: E402  (the constant above is what the modules import)

EXAMPLE = """\
# Discord: support channel ids, and the agent role (id or name).
[discord]
channels = []
agent_role = "Support"
# team_channel = "123456789012345678"
"""

add_platform(Platform(
    name=PLATFORM, summary="a Discord bot (needs DISCORD_TOKEN)", runner="bot.adapters.discord.runner:run",
    example=EXAMPLE, cli=("bot.adapters.discord.cli",), detect=("DISCORD_TOKEN",), order=20))
