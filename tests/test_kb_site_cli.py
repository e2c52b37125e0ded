"""``chatdesk kb build|draft|publish|gaps`` through the real entry point, on an imported store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_site_xss import PAYLOADS, audit

from bot.cli.main import main
from kb.articles import Article
from kb.sources import load_articles, write_article

REPO = Path(__file__).resolve().parents[1]
TICKETS = Path(__file__).parent / "fixtures" / "tickets" / "tickets.jsonl"
# What ticket T-42 says about its customer and agent: none of it may reach a draft.
PERSONAL = ("maria", "lopez", "tom", "baker", "example.com", "415 555", "4111", "ORD-2025", "<@U100>")
MARKER = "Quokkaxss"  # unique to the XSS ticket, so any trace of its draft is easy to find


def _xss_ticket() -> dict:
    payloads = " ".join(PAYLOADS)
    return {
        "id": "T-900",
        "subject": f"{MARKER} <script>alert('XSS-subject')</script> app crashes",
        "body": f"{MARKER} the app crashes {payloads}",
        "requester": {"platform": "slack", "user_id": "U900", "name": "Eve Mallory"},
        "state": "resolved",
        "category": "app",
        "tags": ["crash", "<img src=x onerror=alert('XSS-tag')>"],
        "assignee": {"user_id": "U200", "name": "Tom Baker"},
        "events": [
            {"type": "opened", "at": "2025-03-05T10:00:00Z", "actor": "U900", "actor_name": "Eve Mallory",
             "text": f"{MARKER} the app crashes {payloads}"},
            {"type": "noted", "at": "2025-03-05T10:05:00Z", "actor": "U200", "actor_name": "Tom Baker",
             "text": "<iframe src=\"javascript:alert('XSS-note')\"></iframe> reinstalled"},
            {"type": "resolved", "at": "2025-03-05T11:00:00Z", "actor": "U200", "actor_name": "Tom Baker",
             "resolution": f"{MARKER} update the app. {payloads}", "article": None, "self_served": False},
        ],
    }


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """A project dir (mkdocs.yml, two published articles) and a store holding the ticket fixture."""
    monkeypatch.chdir(tmp_path)  # no chatdesk.toml here: the demo config, with --root below
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    shutil.copyfile(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    sources = tmp_path / "faq_sources"
    sources.mkdir()
    for slug, title, category in (
        ("pair-a-tracker", "Pair a tracker with your phone", "installation"),
        ("replace-the-battery", "Replace the battery", "hardware"),
    ):
        write_article(
            Article(slug=slug, title=title, category=category, body=f"{title}: open the app.\n",
                    tags=("start",), questions=(f"how do I {title.lower()}",)),
            sources / f"{slug}.md",
        )
    xss = tmp_path / "xss.jsonl"
    xss.write_text(json.dumps(_xss_ticket()) + "\n", encoding="utf-8")
    assert main(["import", str(TICKETS)]) == 0
    assert main(["import", str(xss)]) == 0
    capsys.readouterr()
    return tmp_path


def _kb(project: Path, *args: str) -> int:
    return main(["kb", *args, "--root", str(project)])


def _drafts(project: Path, ticket_id: str) -> list[Article]:
    loaded = load_articles(project / "faq_sources")
    assert not loaded.errors, loaded.errors
    return [a for a in loaded.articles if ticket_id in a.source_tickets]


def _site_text(project: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for p in sorted((project / "site").rglob("*"))
        if p.is_file() and p.suffix in {".html", ".json", ".xml", ".js"}
    )


def test_draft_is_scrubbed_and_not_published(project: Path, capsys) -> None:
    assert _kb(project, "draft", "T-42") == 0
    out = capsys.readouterr().out
    (article,) = _drafts(project, "T-42")
    assert f"wrote draft {article.path}" in out and f"chatdesk kb publish {article.slug}" in out
    assert article.status == "draft" and not article.published
    assert article.category == "billing" and article.tags == ("refund", "subscription")
    text = article.path.read_text(encoding="utf-8")
    for secret in PERSONAL:
        assert secret.lower() not in text.lower(), secret
    assert "[email]" in text and "[phone]" in text and "[card number]" in text
    assert "[redacted]" in text  # the demo config's order-id pattern
    assert load_articles(project / "faq_sources").published == tuple(
        a for a in load_articles(project / "faq_sources").articles if a.slug != article.slug
    )


def test_drafting_the_same_ticket_again_updates_its_draft(project: Path, capsys) -> None:
    assert _kb(project, "draft", "t-42") == 0  # ids are case-insensitive
    (first,) = _drafts(project, "T-42")
    first.path.write_text(first.path.read_text(encoding="utf-8").replace("- refund\n", "- refund\n- reviewed\n"))
    capsys.readouterr()
    assert _kb(project, "draft", "T-42") == 0
    assert "updated draft" in capsys.readouterr().out
    (second,) = _drafts(project, "T-42")
    assert second.path == first.path and second.status == "draft"
    assert "reviewed" in second.tags  # what a reviewer added stays
    assert len(list((project / "faq_sources").glob("*.md"))) == 3


def test_publish_makes_the_draft_appear_on_the_site(project: Path, capsys) -> None:
    assert _kb(project, "draft", "T-42") == 0
    (draft,) = _drafts(project, "T-42")
    assert _kb(project, "build") == 0
    assert not (project / "site" / "articles" / draft.slug).exists()
    assert draft.slug not in _site_text(project)

    capsys.readouterr()
    assert _kb(project, "publish", draft.slug) == 0
    assert f"published {draft.slug}" in capsys.readouterr().out
    (published,) = _drafts(project, "T-42")
    assert published.status == "published"
    assert _kb(project, "build") == 0
    assert (project / "site" / "articles" / draft.slug / "index.html").is_file()
    index = json.loads((project / "site" / "search" / "search_index.json").read_text())
    assert f"articles/{draft.slug}/" in {d["location"] for d in index["docs"]}


def test_draft_with_xss_payloads_never_reaches_the_site(project: Path, capsys) -> None:
    assert _kb(project, "draft", "T-900") == 0
    (draft,) = _drafts(project, "T-900")
    assert draft.status == "draft" and MARKER in draft.path.read_text(encoding="utf-8")
    assert "Eve" not in draft.path.read_text(encoding="utf-8")
    capsys.readouterr()
    assert _kb(project, "build") == 0
    assert "2 articles" in capsys.readouterr().out
    site = _site_text(project)
    assert MARKER.lower() not in site.lower() and draft.slug not in site
    assert "XSS" not in site and "crash" not in site
    assert not list((project / "kb_site").rglob(f"*{draft.slug}*"))
    assert MARKER not in "".join(p.read_text(encoding="utf-8") for p in (project / "kb_site").rglob("*.md"))

    # Once an agent publishes it, the payloads are still inert.
    assert _kb(project, "publish", draft.slug) == 0
    assert _kb(project, "build") == 0
    page = (project / "site" / "articles" / draft.slug / "index.html").read_text(encoding="utf-8")
    assert MARKER in page
    assert audit(page) == []
    # Material's search shows titles and text as HTML, so the index is an HTML sink too.
    index = json.loads((project / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    for doc in index["docs"]:
        for field in ("title", "text"):
            assert audit(f"<article>{doc[field]}</article>") == [], (doc["location"], field)


def test_unsolved_ticket_unknown_ticket_and_unknown_slug_fail(project: Path, capsys) -> None:
    assert _kb(project, "draft", "T-402") == 1
    assert "resolve it" in capsys.readouterr().err
    assert _kb(project, "draft", "T-404404") == 1
    assert "no ticket T-404404" in capsys.readouterr().err
    assert _kb(project, "publish", "no-such-article") == 1
    assert "no article 'no-such-article'" in capsys.readouterr().err
    assert _drafts(project, "T-402") == []


def test_build_fails_on_a_bad_article_naming_the_file(project: Path, capsys) -> None:
    bad = project / "faq_sources" / "broken.md"
    bad.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    assert _kb(project, "build") == 1
    assert "broken.md" in capsys.readouterr().err
    assert not (project / "site" / "index.html").exists()


def test_build_writes_the_site(project: Path, capsys) -> None:
    assert _kb(project, "build") == 0
    out = capsys.readouterr().out
    assert "en: 2 articles" in out and "built in" in out
    assert (project / "site" / "articles" / "pair-a-tracker" / "index.html").is_file()
    assert (project / "kb_site" / "GENERATED.txt").is_file()


def test_gaps_ranks_recurring_topics(project: Path, capsys, monkeypatch) -> None:
    from bot.store import TinyTicketStore

    def refuse(self):
        raise AssertionError("kb gaps read every ticket")

    monkeypatch.setattr(TinyTicketStore, "tickets", refuse)  # a window query, never every ticket
    assert _kb(project, "gaps", "--since", "2025-03-02") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "5" and "[app]" in lines[0] and "T-100" in lines[0]
    assert lines[1].split()[0] == "3" and "[hardware]" in lines[1] and "T-200" in lines[1]
    assert _kb(project, "gaps", "--since", "2030-01-01") == 0
    assert "no recurring topics" in capsys.readouterr().out
