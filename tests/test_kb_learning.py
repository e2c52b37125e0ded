"""Learned phrasings: a resolved ticket's wording is added once, apart from hand-written ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.learning import add_learned_phrasing
from kb.matcher import Matcher
from kb.sources import SourceProblem, load_articles

FIXTURES = Path(__file__).parent / "fixtures" / "kb" / "sources_good"


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "faq")
    return tmp_path / "faq"


def test_wording_is_added_to_learned_not_questions(root: Path) -> None:
    path = root / "sign-in.md"
    assert add_learned_phrasing(path, "  the app   keeps logging me out ") is True
    article = load_articles(root).by_slug()["sign-in"]
    assert article.questions == ("how do I log in",)
    assert article.learned == ("the app keeps logging me out",)
    assert "learned:\n- the app keeps logging me out\n" in path.read_text("utf-8")


def test_duplicates_are_compared_normalised(root: Path) -> None:
    path = root / "reset-password.md"
    before = path.read_text("utf-8")
    assert add_learned_phrasing(path, "I FORGOT my password!!") is False  # a question
    assert add_learned_phrasing(path, "Can't log in, password NOT accepted") is False  # learned
    assert add_learned_phrasing(path, "reset your password") is False  # the title
    assert add_learned_phrasing(path, "   ") is False
    assert add_learned_phrasing(path, "x" * 301) is False
    assert path.read_text("utf-8") == before
    assert add_learned_phrasing(path, "new password please") is True
    assert add_learned_phrasing(path, "New password, please.") is False
    assert load_articles(root).by_slug()["reset-password"].learned[-1] == "new password please"


def test_learned_wording_changes_what_the_matcher_suggests(root: Path) -> None:
    query = "my session expires every morning"
    assert add_learned_phrasing(root / "sign-in.md", "session expires every morning") is True
    matcher = Matcher.build(load_articles(root).articles)
    assert matcher.search(query)[0].slug == "sign-in"


def test_invalid_file_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: [unclosed\n---\nBody\n", "utf-8")
    with pytest.raises(SourceProblem):
        add_learned_phrasing(path, "hello there")
    assert path.read_text("utf-8") == "---\ntitle: [unclosed\n---\nBody\n"


def test_proposed_wording_waits_apart_from_what_is_matched(root: Path) -> None:
    from kb.learning import decide_pending, pending_reviews, propose_phrasing

    path = root / "sign-in.md"
    assert propose_phrasing(path, "session expires every morning", ticket="T-7") is True
    assert propose_phrasing(path, "Session expires every morning!", ticket="T-8") is False  # pending already
    assert propose_phrasing(path, "how do I log in", ticket="T-9") is False  # a question already
    article = load_articles(root).by_slug()["sign-in"]
    assert article.learned == () and "session" not in " ".join(article.phrasings)
    assert "pending:\n- text: session expires every morning\n  ticket: T-7\n" in path.read_text("utf-8")
    [review] = pending_reviews(load_articles(root).articles)
    assert (review.slug, review.pending.ticket) == ("sign-in", "T-7")
    assert decide_pending(path, "t-7", accept=True) == ("session expires every morning",)
    article = load_articles(root).by_slug()["sign-in"]
    assert article.learned == ("session expires every morning",) and article.pending == ()
    assert decide_pending(path, "T-7", accept=False) == ()


def test_pending_items_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: A\ncategory: c\npending:\n- text: ''\n  ticket: T-1\n---\nBody\n", "utf-8")
    [error] = load_articles(tmp_path).errors
    assert "pending has an item without text" in str(error) and error.line == 4
    path.write_text("---\ntitle: A\ncategory: c\npending:\n- {text: hi, by: eve}\n---\nBody\n", "utf-8")
    assert "pending items have a text and a ticket" in str(load_articles(tmp_path).errors[0])
