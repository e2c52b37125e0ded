"""``/desk`` on Discord is generated from the verbs: names, typed options, descriptions, autocomplete.

Uses the real cog and discord.py's own command objects (what ``sync`` would send), with the
spec'd fakes of ``test_discord``.
"""

from __future__ import annotations

import discord

from bot.commands import Param, ParamKind, Verb
from bot.domain import PRIORITIES
from bot.replies import Reply
from tests.test_discord import REQUEST, World, answers, discord_config, opened, recorder, start_bot, world  # noqa: F401

OPTION = discord.AppCommandOptionType


def options(world, *path: str) -> dict[str, dict]:
    command = world.bot.tree.get_command("desk")
    for name in path:
        command = command.get_command(name)
    return {o["name"]: o for o in command.to_dict(world.bot.tree).get("options", [])}


async def test_every_verb_is_a_subcommand_with_its_summary_and_typed_options(world):
    group = world.bot.tree.get_command("desk")
    assert {c.name for c in group.commands} == {v.name for v in world.bot.desk.verbs}
    for verb in world.bot.desk.verbs:
        command = group.get_command(verb.name)
        assert command.description.lower().startswith(verb.summary[:40].lower())
        assert command.description.endswith("(agents)") == verb.agents_only  # who may run it
        if verb.subcommands:
            assert {c.name for c in command.commands} == {s.name for s in verb.subcommands}
            continue
        made = options(world, verb.name)
        assert list(made) == sorted((p.name for p in verb.params), key=lambda n: not made[n].get("required"))
        for param in verb.params:
            assert made[param.name].get("required", False) == param.required
            assert made[param.name]["description"] == param.description[:100]

    assign = options(world, "assign")
    assert assign["agent"]["type"] == OPTION.user.value and assign["agent"]["required"]
    assert [c["value"] for c in options(world, "priority")["level"]["choices"]] == list(PRIORITIES)
    assert options(world, "claim")["ticket"]["autocomplete"] is True
    assert options(world, "resolve")["article"]["autocomplete"] is True
    assert options(world, "category")["name"]["autocomplete"] is True
    assert options(world, "help")["verb"]["autocomplete"] is True
    assert options(world, "kb", "search")["text"]["required"] is True
    assert [c["value"] for c in options(world, "kb", "review")["action"]["choices"]] == ["accept", "reject", "confirm"]


async def test_a_new_verb_needs_no_discord_edit(config, clock, recorder):  # noqa: F811
    heard: list[str] = []

    def duty(ctx, args: str) -> Reply:
        heard.append(args)
        return Reply(f"{ctx.actor.name} is {args}", private=True)

    bot = await start_bot(config, clock, extra_verbs=(Verb(
        "duty", "duty on|off", "go on or off duty", duty,
        params=(Param("state", ParamKind.CHOICE, "On or off duty", required=True, choices=("on", "off")),
                Param("note", ParamKind.TEXT, "Why (optional)"))),))
    here = World(bot, recorder)
    command = bot.tree.get_command("desk").get_command("duty")
    assert command.description == "Go on or off duty (agents)"
    assert [c.value for c in command.get_parameter("state").choices] == ["on", "off"]
    interaction = here.interaction("maria")
    await command.callback(interaction, state="off", note="lunch")
    assert heard == ["off lunch"]
    assert answers(interaction)[0][:2] == (True, "Maria (Homing) is off lunch")


async def test_a_person_option_arrives_as_their_mention_and_the_ticket_from_the_thread(opened):  # noqa: F811
    command = opened.bot.tree.get_command("desk").get_command("assign")
    interaction = opened.interaction("maria", channel=REQUEST)
    await command.callback(interaction, agent=opened.members["sam"])
    assert opened.store.get("T-1").assignee.user_id == str(opened.members["sam"].id)



async def test_a_verb_without_typed_arguments_still_takes_its_words(config, clock, recorder):  # noqa: F811
    heard: list[str] = []
    bot = await start_bot(config, clock, extra_verbs=(Verb(
        "snooze", "snooze [T-12] HOURS", "snooze a ticket", lambda ctx, args: heard.append(args) or Reply("ok")),))
    command = bot.tree.get_command("desk").get_command("snooze")
    assert [p.name for p in command.parameters] == ["arguments"]
    await command.callback(World(bot, recorder).interaction("maria"), arguments="T-1 4")
    assert heard == ["T-1 4"]
