"""Reply → Block Kit rendering: escaping, Slack's size limits, buttons by state."""

from __future__ import annotations

import json

from bot.adapters.slack import blocks as kit
from bot.desk import Inbound
from bot.domain import Actor
from bot.replies import Kind, Reply
from tests.desk_support import make_desk

CASEY = Actor("slack", "UCASEY", "Casey <!channel>")
MARIA = Actor("slack", "UMARIA", "Maria", is_agent=True)


def opened(config, clock):
    desk = make_desk(config, clock)
    outcome = desk.on_message(Inbound(actor=CASEY, text="<!channel> my tracker is broken & won't charge",
                                      channel="CSUPPORT", message_id="1.1"))
    return desk, outcome.replies[0]


def test_user_text_cannot_ping_the_channel_or_forge_links(config, clock):
    _, reply = opened(config, clock)
    rendered = json.dumps(kit.intake_blocks(reply)) + kit.fallback_text(reply)
    assert "<!channel>" not in rendered and "&lt;!channel&gt;" in rendered


def test_long_replies_are_split_into_sections_under_slacks_limit():
    reply = Reply("Queue", lines=tuple(f"  T-{n} [open] · a fairly long subject line number {n}" for n in range(400)))
    blocks = kit.reply_blocks(reply)
    assert len(blocks) > 1
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert len(blocks) <= kit.MAX_BLOCKS


def test_the_intake_buttons_follow_the_tickets_state(config, clock):
    desk, reply = opened(config, clock)
    ids = lambda ticket: [e["action_id"] for b in kit.intake_blocks(desk.intake_view(ticket.id))
                          if b["type"] == "actions" for e in b["elements"]]
    ticket = desk.service.get("T-1")
    assert ids(ticket) == ["chatdesk:need_help"]  # nothing suggested: nothing to say "this solved it" about
    desk.service.record_suggestions("T-1", [{"slug": "charge", "title": "Charge it", "url": "u", "score": 0.8}],
                                    confident=True)
    assert ids(ticket) == ["chatdesk:solved", "chatdesk:need_help"]
    ticket = desk.service.claim(MARIA, "T-1")
    assert ids(ticket) == ["chatdesk:solved", "chatdesk:need_help"]  # the forms are the team's post's
    ticket = desk.service.resolve(MARIA, "T-1", "Replaced the charger")
    assert ids(ticket) == ["chatdesk:need_help"]
    state = next(b for b in kit.intake_blocks(desk.intake_view(ticket.id)) if b["type"] == "context")
    assert state["elements"][0]["text"] == "*T-1* · Resolved"


def test_announcements_carry_the_agents_buttons_and_surveys_five_scores(config, clock):
    desk, reply = opened(config, clock)
    ticket = desk.service.get("T-1")
    announce = kit.reply_blocks(desk._announcement(ticket))
    assert [e["action_id"] for e in announce[-1]["elements"]] == ["chatdesk:claim", kit.RESOLVE_MODAL,
                                                                    kit.NOTE_MODAL]
    survey = kit.reply_blocks(Reply("How was it?", kind=Kind.SURVEY, ticket=ticket))
    assert [e["action_id"] for e in survey[1]["elements"]] == [f"chatdesk:survey:{n}" for n in range(1, 6)]


def test_modal_titles_fit_slacks_24_characters():
    view = kit.note_modal("T-123456789", {"channel": "C1", "thread": "1.1"})
    assert len(view["title"]["text"]) <= 24 and json.loads(view["private_metadata"])["ticket"] == "T-123456789"


def test_markdown_bold_becomes_slack_bold():
    [block] = kit.reply_blocks(Reply("**Support metrics 2026-W46**, in brackets: change"))
    assert block["text"]["text"].startswith("*Support metrics 2026-W46*,")
