"""'@chatdesk …' in a channel is text for the desk, never a prefix command."""

from __future__ import annotations

import discord

from tests.test_discord import recorder, world  # noqa: F401 (fixtures)


async def test_a_mention_of_the_bot_is_text_not_a_failed_command(world, caplog):
    """'@chatdesk …' went to commands.Bot's prefix handling: CommandNotFound and a traceback."""
    world.bot._connection.user = discord.ClientUser(state=world.state, data={
        "id": "900000000000000777", "username": "chatdesk", "discriminator": "0", "avatar": None, "bot": True})
    message = world.message("casey", "<@900000000000000777> hello, can you help me?")
    await world.bot.on_message(message)
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]
