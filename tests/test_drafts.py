"""Drafting an article from a solved ticket: scrubbed, idempotent, never self-publishing."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from kb.drafts import DraftError, NearDuplicate, article_from_ticket, draft_from_ticket, publish
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


REPO = Path(__file__).resolve().parents[1]


def _solved(ticket_id: str, subject: str, *, article: str | None = None) -> dict:
    return {
        "id": ticket_id, "subject": subject, "body": subject, "state": "resolved", "category": "account",
        "requester": {"name": "Jane Roe"},
        "events": [{"type": "resolved", "actor_name": "Maria", "resolution": "Done in the admin panel.",
                    "article": article}],
    }


def test_title_is_the_subject_cut_at_a_clause_and_the_slug_has_no_placeholders() -> None:
    subject = "Can you delete my account and all my data? My email is jane@example.com and my number"
    article = article_from_ticket(_solved("T-5", subject), today=TODAY)
    assert article.title == "Can you delete my account and all my data?"
    assert article.slug == "can-you-delete-my-account-and-all-my-data"
    greeting = article_from_ticket(_solved("T-6", "Hi Maria, my email is jane@example.com, I cannot log in"))
    assert greeting.title == "I cannot log in" and greeting.slug == "i-cannot-log-in"
    only_data = article_from_ticket(_solved("T-7", "jane@example.com"))
    assert only_data.title == "Question from T-7" and "email" not in only_data.slug


def test_a_ticket_resolved_with_an_article_proposes_its_wording_instead_of_a_draft(tmp_path: Path) -> None:
    sources = tmp_path / "faq"
    shutil.copytree(REPO / "faq_sources", sources)
    before = sorted(p.name for p in sources.rglob("*.md"))
    ticket = _solved("T-8", "how can I stop my plan from renewing, mail jane@example.com", article="cancel-your-subscription")
    result = draft_from_ticket(ticket, sources_dir=sources, today=TODAY)
    assert result.linked and result.proposed and not result.created
    assert sorted(p.name for p in sources.rglob("*.md")) == before  # no near-duplicate draft
    cancel = load_articles(sources).by_slug()["cancel-your-subscription"]
    [pending] = cancel.pending
    assert pending.ticket == "T-8" and "jane" not in pending.text and "renewing" in pending.text
    again = draft_from_ticket(ticket, sources_dir=sources, today=TODAY)
    assert again.linked and not again.proposed  # already waiting for review


def test_publish_refuses_a_near_duplicate_unless_forced(tmp_path: Path) -> None:
    sources = tmp_path / "faq"
    shutil.copytree(REPO / "faq_sources", sources)
    draft = draft_from_ticket(_solved("T-9", "How do I cancel my subscription"), sources_dir=sources, today=TODAY)
    with pytest.raises(NearDuplicate, match=r"repeats the published 'cancel-your-subscription'.*--force") as caught:
        publish(draft.article.slug, sources_dir=sources, today=TODAY)
    assert caught.value.similar[0][0] == "cancel-your-subscription"
    assert not load_articles(sources).by_slug()[draft.article.slug].published
    new = draft_from_ticket(_solved("T-10", "Do you ship to Iceland"), sources_dir=sources, today=TODAY)
    assert publish(new.article.slug, sources_dir=sources, today=TODAY).published  # a new topic
    assert publish(draft.article.slug, sources_dir=sources, today=TODAY, force=True).published


def test_chat_mentions_of_people_become_names() -> None:
    from kb.drafts import ticket_scrubber

    clean = ticket_scrubber({"id": "T-1"}, patterns=())
    assert clean("<@U0123ABC> and <@!123456789> said ask <@U77|sam>") == "[name] and [name] said ask [name]"
    assert clean("see <#C0SUPPORT|support> and <@&42>") == "see [redacted] and [redacted]"
