"""Discord: how soon every interaction gets its first response when the desk is slow.

    .venv/bin/python benchmarks/discord_first_response.py [--seconds 2]

Discord drops an interaction with no first response (a message, a modal or a defer) after 3 s.
Each path here runs through the real callbacks (every ``/desk`` subcommand, the bare ``/desk
resolve`` form, "Open ticket", the ticket and form buttons, a survey button, the resolve, note and
survey modals' submissions, ticket autocomplete)
with the spec'd fakes of tests/test_discord.py, on a fresh desk holding T-1 whose every core call
(``DeskBot.call``) is made to take ``--seconds``, as a store waiting on the other process's lock
would. Printed per path: milliseconds to the first response, as a share of Discord's 3 s, and
how long the whole answer took; the slowest path last. No network.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from unittest.mock import MagicMock

import discord
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.adapters import limits  # noqa: E402
from bot.adapters.discord.components import (FormButton, NoteModal, ResolveModal, SurveyButton,  # noqa: E402
                                             SurveyModal, TicketButton)
from bot.clock import FakeClock  # noqa: E402
from bot.config import demo_config  # noqa: E402
from tests.test_discord import GENERAL, REQUEST, TEAM, World, Recorder, start_bot  # noqa: E402
from tests.test_discord_defer import SlowDesk, values_for  # noqa: E402


async def opened_world(patch: pytest.MonkeyPatch, root: Path) -> World:
    recorder = Recorder()
    recorder.install(patch)
    world = World(await start_bot(demo_config(root=root), FakeClock("2026-11-16T09:00:00+00:00")), recorder)
    await world.request()
    return world


def paths(world: World):
    """(name, interaction kind, channel, who, the call that handles it) for every path."""
    for command in (c for c in world.bot.tree.get_command("desk").walk_commands()
                    if isinstance(c, discord.app_commands.Command)):
        values = values_for(world, command)
        yield f"/{command.qualified_name}", "command", REQUEST, "maria", (
            lambda i, c=command, v=values: c.callback(i, **v))
    message = world.message("casey", "btw the app crashes when I open the map", channel=GENERAL)
    yield "Open ticket (menu)", "command", GENERAL, "maria", lambda i: world.cog.open_ticket_menu(i, message)
    for custom_id, item_class in (("chatdesk:claim:T-1", TicketButton), ("chatdesk:solved:T-1", TicketButton),
                                  ("chatdesk:need_help:T-1", TicketButton),
                                  ("chatdesk:resolve_modal:T-1", FormButton), ("chatdesk:note_modal:T-1", FormButton),
                                  ("chatdesk:survey:T-1:4", SurveyButton)):
        who = "casey" if ":solved:" in custom_id or ":need_help:" in custom_id or ":survey:" in custom_id else "maria"

        async def pressed(interaction, custom_id=custom_id, item_class=item_class):
            match = item_class.__discord_ui_compiled_template__.fullmatch(custom_id)
            item = await item_class.from_custom_id(interaction, MagicMock(), match)
            await item.callback(interaction)
        yield f"button {custom_id}", "component", TEAM if "modal" in custom_id or "claim" in custom_id else REQUEST, \
            who, pressed

    def modal(name: str, make, **values: str):
        async def submitted(interaction):
            form = make()
            for field, value in values.items():
                getattr(form, field)._value = value
            await form.on_submit(interaction)
        return name, submitted
    for name, submitted in (modal("modal resolve", lambda: ResolveModal("T-1"), resolution="Re-paired it"),
                            modal("modal note", lambda: NoteModal("T-1"), note="asked for the firmware"),
                            modal("modal survey comment", lambda: SurveyModal("T-1", 4), comment="quick")):
        yield name, "modal", REQUEST, "casey" if "survey" in name else "maria", submitted

    async def autocomplete(interaction):
        choices = await world.cog.ticket_autocomplete(interaction, "")
        await interaction.response.send_message(f"{len(choices)} choices")  # stands for the choices' response
    yield "autocomplete (ticket)", "autocomplete", REQUEST, "maria", autocomplete


async def measure(seconds: float) -> list[tuple[str, float, float]]:
    results = []
    kinds = {"command": discord.InteractionType.application_command, "component": discord.InteractionType.component,
             "autocomplete": discord.InteractionType.autocomplete, "modal": discord.InteractionType.modal_submit}
    with tempfile.TemporaryDirectory() as scratch:
        with pytest.MonkeyPatch.context() as patch:
            listing = await opened_world(patch, Path(scratch) / "listing")
            count = len(list(paths(listing)))
        for index in range(count):
            with pytest.MonkeyPatch.context() as patch:
                world = await opened_world(patch, Path(scratch) / str(index))
                name, kind, channel, who, run = list(paths(world))[index]
                interaction = world.interaction(who, channel=channel, kind=kinds[kind])
                SlowDesk(patch, world.bot, seconds)
                started = time.perf_counter()
                await run(interaction)
                done = time.perf_counter() - started
                first = interaction.answering.first_response_after(started)
                results.append((name, first, done))
                await asyncio.sleep(seconds + 0.1)  # let a call left behind a deadline finish
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="how long every desk call takes (default 2)")
    args = parser.parse_args()
    results = asyncio.run(measure(args.seconds))
    window = limits.DISCORD_INTERACTION_SECONDS
    print(f"every desk call takes {args.seconds:g} s; Discord allows {window:g} s for the first response\n")
    print(f"{'path':44} {'first response':>15} {'of 3 s':>7} {'answered after':>15}")
    for name, first, done in sorted(results, key=lambda r: r[1]):
        print(f"{name:44} {first * 1000:12.1f} ms {first / window:6.1%} {done * 1000:12.0f} ms")
    slowest = max(results, key=lambda r: r[1])
    print(f"\nslowest first response: {slowest[0]}, {slowest[1] * 1000:.0f} ms = {slowest[1] / window:.0%} "
          f"of Discord's {window:g} s")


if __name__ == "__main__":
    main()
