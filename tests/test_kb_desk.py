"""The knowledge base inside the desk: suggestions at intake and /desk kb verbs (review: test_kb_review)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot import messages
from bot.app import build_desk
from bot.desk import Inbound
from bot.kb_bridge import KnowledgeBase
from bot.store import TinyTicketStore
from kb.sources import load_articles
from tests.desk_support import CUSTOMER, MARIA, Transcript

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def kb_config(config, tmp_path):
    """The demo config over a private copy of the sample help center (learning writes to it)."""
    shutil.copytree(ROOT / "faq_sources", tmp_path / "faq_sources")
    return replace(config, root=tmp_path)


@pytest.fixture
def desk(kb_config, clock):
    return build_desk(kb_config, store=TinyTicketStore.memory(), clock=clock)


def ask(desk, text, message_id="m1"):
    return desk.on_message(Inbound(actor=CUSTOMER, text=text, channel="support", message_id=message_id))


def test_intake_suggests_fitting_articles_with_links_and_records_them(desk):
    outcome = ask(desk, "My tracker will not pair with my phone")
    reply = outcome.replies[0]
    assert reply.suggestions, "the pairing article should be suggested"
    top = reply.suggestions[0]
    assert top.slug == "pair-a-tracker" and top.url == "http://127.0.0.1:8000/articles/pair-a-tracker/"
    suggested = outcome.ticket.last_event("suggested")
    assert suggested.get("confident") is True and suggested.get("suggestions")[0]["slug"] == "pair-a-tracker"
    assert outcome.ticket.category == "installation"  # taken from the confident suggestion


def test_intake_stays_quiet_when_nothing_fits(desk):
    outcome = ask(desk, "Can you recommend a good pizza place near the office?")
    assert outcome.replies[0].suggestions == ()
    assert "An agent will be with you" in outcome.replies[0].text
    assert outcome.ticket.last_event("suggested").get("confident") is False


def test_persian_and_thai_requests_match_their_articles(desk):
    persian = ask(desk, "چطور ردياب را با گوشي جفت كنم؟", message_id="fa")  # Arabic ي/ك letter variants
    assert persian.replies[0].suggestions and persian.replies[0].suggestions[0].url.endswith(
        "/fa/articles/pair-a-tracker-fa/")


def test_this_solved_it_links_the_top_suggestion_and_self_serves(desk):
    ticket = ask(desk, "how do I cancel my subscription").ticket
    replies = desk.on_action(CUSTOMER, "solved", ticket.id)
    resolved = desk.service.get(ticket.id)
    assert resolved.self_served and resolved.article == "cancel-your-subscription"
    assert "Glad that helped" in replies[0].text


def test_resolve_with_an_unknown_article_is_refused(desk):
    ticket = ask(desk, "how do I cancel my subscription").ticket
    [reply] = desk.on_command(MARIA, f"/desk resolve {ticket.id} --article no-such-article done")
    assert "no published article 'no-such-article'" in reply.text
    assert desk.service.get(ticket.id).state.value == "open"


def test_kb_verbs_in_the_console(desk, kb_config):
    talk = Transcript(desk)
    talk.push("I was charged twice, my card is 4111 1111 1111 1111")
    talk.push("/as maria")
    found = talk.push("/desk kb search refund")
    assert "Refunds" in found and "(0%)" not in found
    assert "only agents" in Transcript(desk).push("/desk kb search refund")
    assert "resolve it before drafting" in talk.push("/desk kb draft T-1")
    talk.push("/desk resolve T-1 Refunded the duplicate charge")
    drafted = talk.push("/desk kb draft T-1")
    assert "Drafted an article from T-1" in drafted and "status: draft" in drafted
    [draft] = [a for a in load_articles(kb_config.sources_path).articles if "T-1" in a.source_tickets]
    assert draft.status == "draft" and "4111" not in draft.body + " ".join(draft.questions)
    assert "Updated the draft from T-1" in talk.push("/desk kb draft T-1")
    assert "Usage: `/desk kb" in talk.push("/desk kb frobnicate")


def test_kb_gaps_lists_recurring_questions_without_articles(desk):
    talk = Transcript(desk)
    # No article answers this (shipping to Iceland is: "Track your order" lists destinations).
    for n, text in enumerate(["Do you sell gift cards?", "Can I buy a gift card",
                              "do you sell gift cards at all"]):
        ticket = ask(desk, text, message_id=f"gift{n}").ticket
        assert not ticket.confident_suggestion
        desk.service.resolve(MARIA, ticket.id, "Yes, at homing.io/gift")
    talk.push("/as maria")
    out = talk.push("/desk kb gaps")
    assert "3×" in out and "gift" in out.lower()


def test_knowledge_base_reloads_when_sources_change(kb_config):
    knowledge = KnowledgeBase(kb_config)
    assert knowledge.article("refunds") is not None
    path = kb_config.sources_path / "refunds.md"
    path.write_text(path.read_text().replace("status: published", "status: draft"))
    assert knowledge.article("refunds") is None


def test_a_gap_closes_once_an_article_answers_it(desk, kb_config):
    talk = Transcript(desk)
    for n, text in enumerate(["Do you sell gift cards?", "Can I buy a gift card", "do you sell gift cards at all"]):
        ticket = ask(desk, text, message_id=f"gift{n}").ticket
        desk.service.resolve(MARIA, ticket.id, "Yes, at homing.io/gift")
    talk.push("/as maria")
    assert "gift" in talk.push("/desk kb gaps").lower()
    (kb_config.sources_path / "gift-cards.md").write_text(
        "---\ntitle: Gift cards\ncategory: billing\nquestions:\n- do you sell gift cards\n"
        "- can I buy a gift card\n- a gift card for a friend\nstatus: published\n---\n\n"
        "Yes: gift cards are sold at homing.io/gift.\n", encoding="utf-8")
    assert "gift" not in talk.push("/desk kb gaps").lower()


def test_a_topic_the_bot_would_answer_is_no_gap(kb_config):
    """One rule for "has an article": what the bot suggests today is not listed as a gap."""
    knowledge = KnowledgeBase(kb_config)
    answered = "Can I get an invoice with my company name on it?"
    assert knowledge.suggest(answered), "the invoices article answers it"
    assert knowledge.covers(answered)
    assert not knowledge.covers("does the tag work on the moon")


def _no_full_scan(monkeypatch) -> None:
    """Gap mining must ask the store for a window, never read every ticket."""
    from bot.store.tinydb_store import SingleFileStore

    def refuse(self):
        raise AssertionError("kb gaps read every ticket")

    monkeypatch.setattr(SingleFileStore, "tickets", refuse)
    monkeypatch.setattr(TinyTicketStore, "tickets", refuse)


def test_kb_gaps_reads_the_gap_window_and_finds_what_every_ticket_gave(desk, clock, monkeypatch):
    from bot.kb_bridge import gap_window_start
    from kb.gaps import find_gaps

    asked = ["Do you sell gift cards?", "Can I buy a gift card", "do you sell gift cards at all",
             "Is there a student discount", "student discount please", "Do you ship to Mars"]
    for n, text in enumerate(asked):
        ticket = ask(desk, text, message_id=f"q{n}").ticket
        desk.service.resolve(MARIA, ticket.id, "Answered by hand")
        clock.advance(hours=20)
    store, knowledge = desk.service.store, desk.knowledge
    since = gap_window_start(clock.now(), desk.config)
    assert min(t.events[0].moment for t in store.tickets()) >= since  # all of them in the window
    every = find_gaps([t.to_record() for t in store.tickets()], patterns=desk.config.scrub_patterns,
                      covered=knowledge.covers)
    talk = Transcript(desk)
    talk.push("/as maria")
    _no_full_scan(monkeypatch)
    out = talk.push("/desk kb gaps")
    lines = [f"{topic.count}× “{topic.label}”" for topic in every]
    assert every and all(line in out for line in lines)
    assert out.count("×") == len(every)


def test_kb_gaps_leaves_out_tickets_solved_before_the_window(desk, clock, monkeypatch):
    talk = Transcript(desk)
    talk.push("/as maria")
    for n, text in enumerate(["Do you sell gift cards?", "Can I buy a gift card", "do you sell gift cards at all"]):
        ticket = ask(desk, text, message_id=f"gift{n}").ticket
        desk.service.resolve(MARIA, ticket.id, "Yes, at homing.io/gift")
    _no_full_scan(monkeypatch)
    assert "3×" in talk.push("/desk kb gaps")
    clock.advance(days=35)  # five weeks on: the weekly post's window no longer reaches them
    assert messages.KB_GAPS_NONE in talk.push("/desk kb gaps")
