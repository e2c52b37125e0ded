"""Limits and paths: long names are clear errors at draft, check and build; drafts know their store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.kb_bridge import store_identity
from bot.store import TinyTicketStore
from kb.drafts import DraftError, draft_from_ticket
from kb.sources import load_articles

REPO = Path(__file__).resolve().parents[1]
LONG_TAG = "t" * 300


def _ticket(ticket_id: str = "T-1", *, subject: str = "How do I pair my tag", tags=("pairing",)) -> dict:
    return {
        "id": ticket_id, "subject": subject, "body": subject, "state": "resolved", "category": "installation",
        "tags": list(tags), "requester": {"name": "Casey"},
        "events": [{"type": "resolved", "actor_name": "Maria", "resolution": "Hold the button for 5 s."}],
    }


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    shutil.copyfile(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    (tmp_path / "faq_sources").mkdir()
    (tmp_path / "faq_sources" / "ok.md").write_text(
        "---\ntitle: Fine\ncategory: general\nstatus: published\n---\nBody\n", "utf-8")
    return tmp_path


def test_a_300_character_tag_is_a_clear_error_for_check_and_build(project: Path, capsys) -> None:
    bad = project / "faq_sources" / "long-tag.md"
    bad.write_text(f"---\ntitle: T\ncategory: general\ntags:\n- {LONG_TAG}\nstatus: published\n---\nBody\n", "utf-8")
    assert main(["kb", "check"]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:4: tag 'tttt" in out and "300 characters long: at most 64" in out
    assert main(["kb", "build"]) == 1  # was: OSError File name too long
    err = capsys.readouterr().err
    assert f"{bad}:4" in err and "1 bad article file" in err and "Traceback" not in err


def test_a_long_tag_or_category_on_a_ticket_refuses_the_draft(tmp_path: Path) -> None:
    with pytest.raises(DraftError, match=r"T-1 has a tag 'tttt.*300 characters long: at most 64"):
        draft_from_ticket(_ticket(tags=(LONG_TAG,)), sources_dir=tmp_path)
    with pytest.raises(DraftError, match="T-1 has a category"):
        draft_from_ticket(dict(_ticket(), category="c" * 65), sources_dir=tmp_path)
    assert not list(tmp_path.glob("*.md"))
    long_subject = " ".join(["word"] * 60)
    result = draft_from_ticket(_ticket(subject=long_subject), sources_dir=tmp_path)
    assert len(result.article.slug) <= 64 and load_articles(tmp_path).ok


def test_drafts_are_keyed_by_store_as_well_as_ticket(tmp_path: Path) -> None:
    old_store, new_store = TinyTicketStore.memory(), TinyTicketStore.memory()
    old_id, new_id = store_identity(old_store), store_identity(new_store)
    assert old_id == store_identity(old_store) and old_id != new_id  # made once, then recalled
    first = draft_from_ticket(_ticket(), sources_dir=tmp_path, store_id=old_id)
    again = draft_from_ticket(_ticket(), sources_dir=tmp_path, store_id=old_id)
    assert not again.created and again.path == first.path
    other = draft_from_ticket(_ticket(subject="Refund please"), sources_dir=tmp_path, store_id=new_id)
    assert other.created and other.path != first.path
    by_slug = load_articles(tmp_path).by_slug()
    assert by_slug[first.article.slug].title == "How do I pair my tag"  # the old T-1's draft is untouched
    assert by_slug[first.article.slug].source_store == old_id and by_slug[other.article.slug].source_store == new_id


def _stored(subject: str) -> str:
    # A complete exported ticket (the fixture's T-42) renumbered T-1, with its own subject.
    line = (REPO / "tests" / "fixtures" / "tickets" / "tickets.jsonl").read_text("utf-8").splitlines()[0]
    return json.dumps(dict(json.loads(line), id="T-1", subject=subject)) + "\n"


def test_cli_drafts_from_a_new_store_do_not_update_the_old_one(project: Path, capsys) -> None:
    tickets = project / "t.jsonl"
    tickets.write_text(_stored("How do I pair my tag"), "utf-8")
    assert main(["import", str(tickets)]) == 0
    assert main(["kb", "draft", "T-1"]) == 0
    shutil.rmtree(project / "data")  # a fresh store: its T-1 is someone else's question
    tickets.write_text(_stored("Where is my refund"), "utf-8")
    assert main(["import", str(tickets)]) == 0
    assert main(["kb", "draft", "T-1"]) == 0
    assert "wrote draft" in capsys.readouterr().out.splitlines()[-1]
    titles = sorted(a.title for a in load_articles(project / "faq_sources").articles if "T-1" in a.source_tickets)
    assert titles == ["How do I pair my tag", "Where is my refund"]


def test_cli_publish_warns_about_a_near_duplicate_and_needs_force(project: Path, capsys) -> None:
    (project / "faq_sources" / "cancel.md").write_text(
        "---\ntitle: Cancel your subscription\ncategory: billing\nquestions:\n- how do I cancel my subscription\n"
        "- stop my plan\nstatus: published\n---\nOpen Settings.\n", "utf-8")
    (project / "faq_sources" / "cancel-plan.md").write_text(
        "---\ntitle: How do I cancel my subscription\ncategory: billing\n---\nSettings, then Cancel.\n", "utf-8")
    assert main(["kb", "publish", "cancel-plan"]) == 1
    err = capsys.readouterr().err
    assert "repeats the published 'cancel'" in err and "--force" in err
    assert not load_articles(project / "faq_sources").by_slug()["cancel-plan"].published
    assert main(["kb", "publish", "cancel-plan", "--force"]) == 0
    assert load_articles(project / "faq_sources").by_slug()["cancel-plan"].published


def test_chatdesk_run_with_a_300_character_tag_starts_and_says_why_the_site_is_not_built(project: Path) -> None:
    import os
    import subprocess
    import sys

    (project / "faq_sources" / "long-tag.md").write_text(
        f"---\ntitle: T\ncategory: general\ntags:\n- {LONG_TAG}\nstatus: published\n---\nBody\n", "utf-8")
    env = {**os.environ, "CHATDESK_DATA": str(project / "data"), "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "bot.cli.main", "run"], input="", text=True, capture_output=True,
                         cwd=project, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "help site not built: 1 bad article file; see `chatdesk kb check`" in run.stderr
    assert "Traceback" not in run.stderr and "File name too long" not in run.stderr


def test_kb_check_names_articles_that_are_drafts_only_for_lack_of_a_status(project: Path, capsys) -> None:
    legacy = project / "faq_sources" / "legacy.md"
    legacy.write_text("---\ntitle: Old article\ncategory: general\n---\nBody\n", "utf-8")
    (project / "faq_sources" / "draft.md").write_text("---\ntitle: D\ncategory: general\nstatus: draft\n---\n", "utf-8")
    assert main(["kb", "check"]) == 0
    out = capsys.readouterr().out
    assert f"{legacy}: no status, so a draft (not on the site); add 'status: published'" in out
    assert "draft.md: no status" not in out and "ok.md" not in out
