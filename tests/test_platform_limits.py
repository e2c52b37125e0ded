"""Contract tests: the largest realistic reply of every kind, through the real renderers, within
every documented limit of Slack and Discord (bot/adapters/limits.py).

The checks here count on their own (they do not reuse the renderers' counters), so a renderer
that miscounts fails them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import discord
import pytest

from bot.adapters import limits
from bot.adapters.discord import components
from bot.adapters.discord import render as discord_render
from bot.adapters.slack import blocks as kit
from bot.desk import Inbound
from bot.domain import Actor
from bot.replies import Action, Kind, Reply, Suggestion
from tests.desk_support import make_desk

LONG_NAME = "Maximiliana Alexandrina Konstantinopoulou-Wolfeschlegelsteinhausen & <Co>"
AGENT = Actor("slack", "UAGENT", "Dr. Bartholomew Featherstonehaugh-Cholmondeley the Third", is_agent=True)
# The same complaint in every language the help site speaks, plus Slack's control characters.
WORDS = {
    "en": "My tracker stopped charging after the update & the LED <blinks> red; I tried two cables.",
    "de": "Mein Tracker lädt seit dem Update nicht mehr & die LED blinkt rot; zwei Kabel probiert.",
    "th": "เครื่องติดตามของฉันชาร์จไม่เข้าหลังอัปเดต และไฟกะพริบเป็นสีแดง ลองเปลี่ยนสายสองเส้นแล้ว",
    "fa": "ردیاب من بعد از به‌روزرسانی شارژ نمی‌شود و چراغ آن قرمز چشمک می‌زند؛ دو کابل را امتحان کردم.",
    "ja": "アップデート後にトラッカーが充電できなくなり、LEDが赤く点滅します。ケーブルを二本試しました。",
    "emoji": "🔋❌ still not charging 😩 — tried 2 cables 🔌🔌 & a new adapter <3",
}
LANGUAGES = sorted(WORDS)
ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def customer(n: int, language: str = "en") -> Actor:
    return Actor("slack", f"U{n:05d}", f"{LONG_NAME} {n} ({language})")


def paragraph(language: str, size: int) -> str:
    text = WORDS[language]
    return (" ".join([text] * (size // len(text) + 1)))[:size]


@pytest.fixture(params=LANGUAGES)
def language(request):
    return request.param


@pytest.fixture
def desk(config, clock):
    return make_desk(config, clock)


def long_ticket(desk, language: str, *, messages: int = 40, size: int = 600):
    """A ticket whose thread has ``messages`` messages of ``size`` characters (40 × 600 ≈ 24,000)."""
    requester = customer(1, language)
    outcome = desk.on_message(Inbound(actor=requester, text=paragraph(language, size), channel="C1",
                                      message_id="100.1"))
    ticket = outcome.ticket
    for n in range(messages - 1):
        actor = AGENT if n % 2 else requester
        desk.on_message(Inbound(actor=actor, text=f"#{n} {paragraph(language, size)}", channel="C1",
                                message_id=f"100.{n + 2}", thread="100.1"))
    return desk.service.get(ticket.id)


def show_reply(desk, language: str) -> Reply:
    ticket = long_ticket(desk, language)
    [reply] = desk.on_command(AGENT, f"show {ticket.id}")
    return reply


def queue_reply(desk, language: str, tickets: int = 150) -> Reply:
    for n in range(tickets):
        desk.on_message(Inbound(actor=customer(n, language), text=f"{n}: {paragraph(language, 180)}",
                                channel="C1", message_id=f"{200 + n}.1"))
    [reply] = desk.on_command(AGENT, "queue")
    return reply


def suggestions(language: str, count: int = 30) -> tuple[Suggestion, ...]:
    title = paragraph(language, 140)
    return tuple(Suggestion(f"article-{n}-{'x' * 80}", f"{n}. {title}",
                            f"https://help.example.com/{language}/articles/{'very-long-slug-' * 8}{n}/", 0.5)
                 for n in range(count))


def intake_reply(desk, language: str) -> Reply:
    outcome = desk.on_message(Inbound(actor=customer(9_999, language), text=paragraph(language, 20_000),
                                      channel="C1", message_id="9000.1"))
    [reply] = [r for r in outcome.replies if r.kind is Kind.INTAKE]
    return Reply(reply.text, kind=Kind.INTAKE, ticket=reply.ticket, lines=reply.lines,
                 suggestions=suggestions(language), actions=reply.actions)


def replies(desk, language: str) -> dict[str, Reply]:
    """The largest realistic reply of every kind."""
    shown = show_reply(desk, language)
    ticket = shown.ticket or desk.service.get("T-1")
    return {
        "show of a 40-message ticket": shown,
        "queue of 150 tickets": queue_reply(desk, language),
        "intake with 30 suggestions": intake_reply(desk, language),
        "announcement": Reply(f"New ticket {ticket.id}: {paragraph(language, 3_500)}", kind=Kind.ANNOUNCE,
                              ticket=ticket, actions=(Action.CLAIM,)),
        "survey": Reply(paragraph(language, 500), kind=Kind.SURVEY, ticket=ticket),
        "one 9,000-character line": Reply(paragraph(language, 9_000), kind=Kind.INFO, private=True),
    }


# -- independent checks --------------------------------------------------------------------------

def text_objects(item: Any) -> list[dict[str, Any]]:
    if isinstance(item, dict):
        if item.get("type") in ("mrkdwn", "plain_text") and isinstance(item.get("text"), str):
            return [item]
        return [found for value in item.values() for found in text_objects(value)]
    if isinstance(item, list):
        return [found for value in item for found in text_objects(value)]
    return []


def assert_safe_mrkdwn(text: str) -> None:
    """Every ``&`` starts an entity, and every ``<`` is closed before the next one opens."""
    assert not ENTITY.search(text), f"a bare or cut entity in {text[-80:]!r}"
    depth = 0
    for char in text:
        if char == "<":
            assert depth == 0, f"a link opens inside a link in {text[:80]!r}"
            depth = 1
        elif char == ">":
            assert depth == 1, f"a stray > in {text[:80]!r}"
            depth = 0
    assert depth == 0, f"a cut <link> in {text[-80:]!r}"


def assert_slack_message(blocks: list[dict[str, Any]], fallback: str) -> None:
    assert 0 < len(blocks) <= limits.SLACK_MESSAGE_BLOCKS
    texts = text_objects(blocks)
    assert sum(len(t["text"]) for t in texts) <= limits.SLACK_MESSAGE_BLOCK_TEXT
    assert len(fallback) <= limits.SLACK_MESSAGE_TEXT
    for t in texts:
        if t["type"] == "mrkdwn":
            assert_safe_mrkdwn(t["text"])
    for block in blocks:
        assert len(block.get("block_id", "")) <= limits.SLACK_BLOCK_ID
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= limits.SLACK_SECTION_TEXT
        elif block["type"] == "context":
            assert len(block["elements"]) <= limits.SLACK_CONTEXT_ELEMENTS
        elif block["type"] == "actions":
            assert len(block["elements"]) <= limits.SLACK_ACTIONS_ELEMENTS
            for button in block["elements"]:
                assert len(button["text"]["text"]) <= limits.SLACK_BUTTON_TEXT
                assert len(button["value"]) <= limits.SLACK_BUTTON_VALUE
                assert len(button["action_id"]) <= limits.SLACK_ACTION_ID


def slack_words(parts: list[list[dict[str, Any]]]) -> str:
    return "\n".join(t["text"] for part in parts for t in text_objects(part))


# -- Slack ----------------------------------------------------------------------------------------

def test_every_reply_kind_in_every_language_fits_slacks_messages(desk, language):
    for kind, reply in replies(desk, language).items():
        parts = kit.reply_messages(reply)
        assert 1 <= len(parts) <= kit.MAX_PARTS, kind
        for number, part in enumerate(parts):
            fallback = kit.fallback_text(reply) if number == 0 else kit.part_fallback(part)
            assert_slack_message(part, fallback)
        assert_slack_message(kit.reply_blocks(reply), kit.fallback_text(reply))
        if reply.kind is Kind.INTAKE:
            assert_slack_message(kit.intake_blocks(reply), kit.fallback_text(reply))
            refreshed = desk.intake_view(reply.ticket.id)
            assert_slack_message(kit.intake_blocks(refreshed), kit.fallback_text(refreshed))


def test_the_show_of_a_40_message_ticket_is_posted_whole_in_several_messages(desk, language):
    reply = show_reply(desk, language)
    assert len(reply.full_text) > 24_000
    parts = kit.reply_messages(reply)
    assert len(parts) >= 3  # over 24,000 characters cannot be fewer messages of 12,000
    posted = slack_words(parts)
    for line in reply.lines:  # every line of the reply, escaped, somewhere in the messages
        for piece in kit.escape(line).split(" "):
            assert piece in posted
    assert "more lines not shown" not in posted


def test_a_reply_that_must_be_one_message_says_how_much_is_not_shown(desk):
    reply = show_reply(desk, "en")
    [part] = [kit.reply_blocks(reply)]
    assert_slack_message(part, kit.fallback_text(reply))
    *sections, last = [b for b in part if b["type"] == "section"]  # an agent's show ends with buttons
    note = last["text"]["text"]
    shown = sum(b["text"]["text"].count("\n") + 1 for b in sections)
    assert note == f"_… {len(reply.lines) + 1 - shown} more lines not shown_"


def test_a_reply_past_five_messages_ends_with_the_count_of_what_is_left(desk):
    reply = Reply("Export", lines=tuple(f"line {n}: {paragraph('th', 900)}" for n in range(100)))
    parts = kit.reply_messages(reply)
    assert len(parts) == kit.MAX_PARTS
    for part in parts:
        assert_slack_message(part, kit.part_fallback(part))
    assert re.fullmatch(r"_… \d+ more lines not shown_", parts[-1][-1]["text"]["text"])


def test_a_cut_never_splits_an_entity_or_a_link():
    for offset in range(12):  # move "&amp;" and the link across every cut position
        text = "x" * (kit.SECTION_LIMIT - 6 + offset) + " & <https://example.com|a & b> & tail"
        parts = kit.reply_messages(Reply(text))
        for part in parts:
            assert_slack_message(part, kit.part_fallback(part))
        assert kit.escape("& tail") in slack_words(parts)
        cut = kit.fallback_text(Reply("y" * (kit.FALLBACK_LIMIT - 4 + offset % 6) + "&&&&&&&"))
        assert len(cut) <= kit.FALLBACK_LIMIT and not ENTITY.search(cut)


def test_the_resolve_modal_with_many_long_articles_fits_slacks_modal_limits(desk, language):
    ticket = long_ticket(desk, language, messages=2)
    view = kit.resolve_modal(ticket, suggestions(language, 130), {"channel": "C" * 20, "thread": "1" * 20})
    assert len(view["title"]["text"]) <= limits.SLACK_MODAL_TITLE
    assert len(view["submit"]["text"]) <= limits.SLACK_MODAL_BUTTON
    assert len(view["close"]["text"]) <= limits.SLACK_MODAL_BUTTON
    assert len(view["private_metadata"]) <= limits.SLACK_PRIVATE_METADATA
    assert len(view["callback_id"]) <= limits.SLACK_CALLBACK_ID
    assert len(view["blocks"]) <= limits.SLACK_MODAL_BLOCKS
    for block in view["blocks"]:
        assert len(block["label"]["text"]) <= limits.SLACK_INPUT_LABEL
        options = block["element"].get("options", [])
        assert len(options) <= limits.SLACK_SELECT_OPTIONS
        for option in options:
            assert len(option["text"]["text"]) <= limits.SLACK_OPTION_TEXT
            assert len(option["value"]) <= limits.SLACK_OPTION_VALUE
    for modal in (kit.note_modal(ticket.id, {}), kit.command_modal({}), kit.survey_modal(ticket.id, 5, {})):
        assert len(modal["title"]["text"]) <= limits.SLACK_MODAL_TITLE
        assert len(json.dumps(modal)) < 10_000


# -- Discord -------------------------------------------------------------------------------------

def embed_total(embed: discord.Embed) -> int:
    parts = [embed.title, embed.description, embed.footer.text, embed.author.name]
    parts += [text for field in embed.fields for text in (field.name, field.value)]
    return sum(len(part or "") for part in parts)


def assert_discord_message(body: dict[str, Any]) -> None:
    assert len(body.get("content") or "") <= limits.DISCORD_CONTENT
    embeds = [body["embed"]] if body.get("embed") else list(body.get("embeds", ()))
    assert len(embeds) <= limits.DISCORD_EMBEDS
    assert sum(embed_total(e) for e in embeds) <= limits.DISCORD_EMBED_TOTAL
    for embed in embeds:
        assert len(embed.title or "") <= limits.DISCORD_EMBED_TITLE
        assert len(embed.description or "") <= limits.DISCORD_EMBED_DESCRIPTION
        assert len(embed.footer.text or "") <= limits.DISCORD_EMBED_FOOTER
        assert len(embed.fields) <= limits.DISCORD_EMBED_FIELDS


def test_every_reply_kind_in_every_language_fits_discords_messages(desk, language):
    for kind, reply in replies(desk, language).items():
        assert_discord_message(discord_render.reply_body(reply))


def test_discord_thread_names_buttons_and_modals_fit_discords_limits(desk, language):
    ticket = long_ticket(desk, language, messages=2)
    for done in (False, True):
        assert 1 <= len(discord_render.thread_name(ticket, done=done)) <= limits.DISCORD_THREAD_NAME
    view = components.ticket_view(ticket.id, tuple(Action))
    assert len(view.children) <= limits.DISCORD_ACTION_ROWS * limits.DISCORD_ROW_BUTTONS
    for button in view.children:
        assert len(button.item.label) <= limits.DISCORD_BUTTON_LABEL
        assert len(button.custom_id) <= limits.DISCORD_CUSTOM_ID
    for modal in (components.SurveyModal(ticket.id, 5), components.ResolveModal(ticket.id)):
        payload = modal.to_dict()
        assert len(payload["title"]) <= limits.DISCORD_MODAL_TITLE
        assert len(payload["custom_id"]) <= limits.DISCORD_CUSTOM_ID
        assert len(payload["components"]) <= limits.DISCORD_MODAL_COMPONENTS
        for row in payload["components"]:
            assert row["type"] == discord.ComponentType.label.value  # discord.ui.Label, not TextInput(label=)
            component = row.get("component") or row["components"][0]
            label = row.get("label") or component.get("label", "")
            assert len(label) <= limits.DISCORD_LABEL_TEXT
            assert component.get("max_length", 0) <= limits.DISCORD_TEXT_INPUT_VALUE
