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
