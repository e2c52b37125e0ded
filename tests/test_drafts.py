"""Drafting an article from a solved ticket: scrubbed, idempotent, never self-publishing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kb.drafts import DraftError, article_from_ticket, draft_from_ticket, publish
from kb.sources import load_articles

FIXTURES = Path(__file__).parent / "fixtures" / "tickets" / "tickets.jsonl"
ORDER_IDS = [r"ORD-\d{4}-\d{5}"]
TODAY = dt.date(2025, 3, 20)


def _ticket(ticket_id: str) -> dict:
    for line in FIXTURES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == ticket_id:
            return record
    raise KeyError(ticket_id)


def test_draft_fields_come_from_the_ticket() -> None:
    article = article_from_ticket(_ticket("T-42"), patterns=ORDER_IDS, today=TODAY)
    assert article.slug == "refund-for-double-charge-on-my-premium-plan"
    assert article.title == "Refund for double charge on my Premium plan"
    assert article.status == "draft"
    assert article.category == "billing"
    assert article.tags == ("refund", "subscription")
    assert article.source_tickets == ("T-42",)
    assert article.updated == TODAY
    assert article.questions[0] == "Refund for double charge on my Premium plan"
    assert any("charged twice for Premium" in q for q in article.questions)
    assert article.body.startswith("We refunded the duplicate charge.")
    assert "## What the team did" in article.body
    assert "- Refunded the duplicate charge" in article.body


def test_draft_is_scrubbed_of_personal_data() -> None:
    article = article_from_ticket(_ticket("T-42"), patterns=ORDER_IDS, today=TODAY)
    text = "\n".join([article.title, article.body, *article.questions])
    for secret in ("maria", "lopez", "Tom", "Baker", "example.com", "415", "4111", "ORD-2025", "<@U100>"):
        assert secret.lower() not in text.lower(), secret
    assert "[email]" in text and "[phone]" in text and "[card number]" in text


def test_draft_is_written_then_updated_not_duplicated(tmp_path: Path) -> None:
    ticket = _ticket("T-42")
    first = draft_from_ticket(ticket, sources_dir=tmp_path, patterns=ORDER_IDS, today=TODAY)
    assert first.created and first.path == tmp_path / f"{first.article.slug}.md"

    ticket["events"].append(
        {"type": "noted", "at": "2025-03-04T09:00:00Z", "actor": "U300", "actor_name": "Ana",
         "text": "Ana also checked the bank statement"}
    )
    second = draft_from_ticket(ticket, sources_dir=tmp_path, patterns=ORDER_IDS, today=TODAY)
    assert not second.created and second.path == first.path
    loaded = load_articles(tmp_path)
    assert not loaded.errors and len(loaded.articles) == 1
    (article,) = loaded.articles
    assert article.status == "draft" and article.source_tickets == ("T-42",)
    assert "[name] also checked the bank statement" in article.body


def test_a_new_ticket_with_the_same_subject_gets_its_own_slug(tmp_path: Path) -> None:
    first = draft_from_ticket(_ticket("T-100"), sources_dir=tmp_path, today=TODAY)
    other = dict(_ticket("T-100"), id="T-999")
    second = draft_from_ticket(other, sources_dir=tmp_path, today=TODAY)
    assert second.article.slug == f"{first.article.slug}-2"


def test_publish_sets_status_and_drafts_never_publish_themselves(tmp_path: Path) -> None:
    draft = draft_from_ticket(_ticket("T-42"), sources_dir=tmp_path, patterns=ORDER_IDS, today=TODAY)
    assert load_articles(tmp_path).published == ()
    done = publish(draft.article.slug, sources_dir=tmp_path, today=TODAY)
    assert done.status == "published"
    assert [a.slug for a in load_articles(tmp_path).published] == [draft.article.slug]
    with pytest.raises(DraftError, match="already in the published article"):
        draft_from_ticket(_ticket("T-42"), sources_dir=tmp_path, patterns=ORDER_IDS, today=TODAY)


def test_unsolved_ticket_and_unknown_slug_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DraftError, match="resolve it"):
        draft_from_ticket(_ticket("T-402"), sources_dir=tmp_path)
    with pytest.raises(DraftError, match="no article"):
        publish("nope", sources_dir=tmp_path)
