"""The PII fixture: realistic strings of every class; at most 2 may leave something behind."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kb.scrub import scrub

REPO = Path(__file__).resolve().parents[1]
FIXTURE = yaml.safe_load((Path(__file__).parent / "fixtures" / "pii" / "strings.yaml").read_text("utf-8"))
MAX_SURVIVORS = 2
CLASSES = {"phone", "email", "card", "iban", "id", "address", "name", "order", "tracking"}


def _scrubbed(case: dict) -> str:
    return scrub(case["text"], names=case.get("names", ()), region=FIXTURE["region"])


def _survivors() -> list[tuple[str, str, list[str]]]:
    found = []
    for case in FIXTURE["leaks"]:
        out = _scrubbed(case)
        left = [s for s in case["secrets"] if s.casefold() in out.casefold()]
        if left:
            found.append((case["text"], out, left))
    return found


def test_fixture_covers_every_class_with_forty_strings() -> None:
    assert len(FIXTURE["leaks"]) >= 40
    assert {case["class"] for case in FIXTURE["leaks"]} == CLASSES


def test_at_most_two_strings_leave_personal_data(capsys: pytest.CaptureFixture[str]) -> None:
    survivors = _survivors()
    with capsys.disabled():
        print(f"\nPII fixture: {len(survivors)} of {len(FIXTURE['leaks'])} strings leave personal data")
        for text, out, left in survivors:
            print(f"  {text!r} -> {out!r} (left: {', '.join(left)})")
    assert len(survivors) <= MAX_SURVIVORS


@pytest.mark.parametrize("text", FIXTURE["keep"])
def test_ordinary_text_keeps_its_meaning(text: str) -> None:
    assert scrub(text, region=FIXTURE["region"]) == text


def test_every_line_of_the_sample_help_center_survives_scrubbing() -> None:
    # Help text has no personal data (its only addresses are the app's e-mails): nothing else may change.
    from kb.sources import load_articles

    changed = [
        line
        for article in load_articles(REPO / "faq_sources").articles
        for line in (article.title, *article.phrasings, *article.body.splitlines())
        if "@" not in line and scrub(line, region=FIXTURE["region"]) != line
    ]
    assert changed == []


def test_drafts_are_scrubbed_with_the_same_rules() -> None:
    from kb.drafts import article_from_ticket

    survivors = 0
    for n, case in enumerate(FIXTURE["leaks"]):
        ticket = {
            "id": f"T-{n + 1}", "subject": case["text"], "body": case["text"], "state": "resolved",
            "requester": {"name": (case.get("names") or [""])[0]},
            "events": [{"type": "noted", "actor_name": name, "text": "looked into it"} for name in case.get("names", ())]
            + [{"type": "resolved", "actor_name": "Agent", "resolution": case["text"]}],
        }
        article = article_from_ticket(ticket, region=FIXTURE["region"])
        text = "\n".join([article.title, article.slug, article.body, *article.questions]).casefold()
        survivors += any(s.casefold() in text for s in case["secrets"])
    assert survivors <= MAX_SURVIVORS


def test_proposed_phrasings_are_scrubbed(config, tmp_path, clock) -> None:
    import shutil
    from dataclasses import replace

    from bot.app import build_desk
    from bot.desk import Inbound
    from bot.store import TinyTicketStore
    from tests.desk_support import CUSTOMER, MARIA

    shutil.copytree(REPO / "faq_sources", tmp_path / "faq_sources")
    desk = build_desk(replace(config, root=tmp_path), store=TinyTicketStore.memory(), clock=clock)
    text = "refund to IBAN DE89 3704 0044 0532 0130 00 or call 030/1234567, order #A1B2C3D4 (casey)"
    ticket = desk.on_message(Inbound(actor=CUSTOMER, text=text, channel="support", message_id="p1")).ticket
    desk.on_command(MARIA, f"/desk resolve {ticket.id} --article refunds refunded")
    [pending] = [p for r in desk.knowledge.reviews() for p in [r.pending] if p.ticket == ticket.id]
    for secret in ("3704", "1234567", "A1B2C3D4", "casey"):
        assert secret not in pending.text
    assert pending.text.startswith("refund to IBAN [bank account] or call [phone], order [order number]")
