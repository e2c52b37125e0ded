"""Loading and writing ``faq_sources/``: every bad file is named, the good ones still load."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from kb.articles import Article
from kb.sources import (
    SourceProblem,
    load_articles,
    parse_article,
    render_article,
    write_article,
)

FIXTURES = Path(__file__).parent / "fixtures" / "kb"
REPO = Path(__file__).resolve().parents[1]


def _errors(root: Path) -> dict[str, tuple[int | None, str]]:
    result = load_articles(root)
    return {e.path.relative_to(root).as_posix(): (e.line, e.problem) for e in result.errors}


def test_good_sources_load_with_all_fields() -> None:
    result = load_articles(FIXTURES / "sources_good")
    assert result.ok
    articles = result.by_slug()
    assert sorted(articles) == ["draft-note", "reset-password", "sign-in"]
    reset = articles["reset-password"]
    assert reset.title == "Reset your password"
    assert reset.tags == ("login", "password")
    assert reset.questions == ("I forgot my password", "how do I change my password")
    assert reset.learned == ("cant log in, password not accepted",)
    assert reset.source_tickets == ("T-12",)
    assert reset.updated == dt.date(2024, 5, 2)
    assert reset.body.startswith("Open the app")
    assert [a.slug for a in result.published] == ["reset-password", "sign-in"]


def test_defaults_apply_language_and_status(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: A\ncategory: billing\n---\nBody\n", "utf-8")
    article = load_articles(tmp_path, default_language="fa").articles[0]
    assert (article.language, article.status, article.questions) == ("fa", "draft", ())  # publishing is a decision


def test_bad_sources_are_each_named_and_the_good_one_still_loads() -> None:
    root = FIXTURES / "sources_bad"
    result = load_articles(root)
    assert [a.slug for a in result.articles] == ["good-one"]
    errors = _errors(root)
    assert set(errors) == {"no-title.md", "bad-status.md", "broken-yaml.md", "more/good-one.md"}
    assert "missing title" in errors["no-title.md"][1]
    assert errors["bad-status.md"] == (4, "unknown status 'live': use one of draft, published")
    line, problem = errors["broken-yaml.md"]
    assert line == 6 and problem.startswith("broken YAML")
    assert "duplicate slug 'good-one'" in errors["more/good-one.md"][1]
    assert str(result.errors[0]).startswith(str(root / "bad-status.md") + ":4: ")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("title: x\n", 1, "first line must be '---'"),
        ("---\ntitle: x\n", 1, "not closed"),
        ("---\n- a\n- b\n---\nbody", 2, "must be a mapping"),
        ("---\ntitle: x\ncategory: c\nquestons:\n- hi\n---\nbody", 4, "unknown front matter key"),
        ("---\ntitle: x\ncategory: c\nquestions: hi\n---\nbody", 4, "questions must be a list"),
        ("---\ntitle: x\ncategory: c\nupdated: soon\n---\nbody", 4, "updated must be a date"),
        ("---\ntitle: x\ncategory: c\nlanguage: English\n---\nb", 4, "language must be a code"),
        ("---\ntitle: x\ncategory: c\nstatus: published\n---\n\n", 6, "body is empty"),
        ("---\ntitle: x\n---\nbody", None, "missing category"),
    ],
)
def test_each_problem_has_a_line_and_a_message(text: str, line: int | None, fragment: str) -> None:
    with pytest.raises(SourceProblem) as caught:
        parse_article(text, slug="x")
    assert caught.value.line == line
    assert fragment in caught.value.problem


def test_bad_file_name_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "Reset Password.md").write_text("---\ntitle: A\ncategory: b\n---\nB\n", "utf-8")
    (tmp_path / "ตั้งค่า-แอป.md").write_text("---\ntitle: A\ncategory: b\n---\nB\n", "utf-8")
    result = load_articles(tmp_path)
    assert [a.slug for a in result.articles] == ["ตั้งค่า-แอป"]
    assert "bad file name" in result.errors[0].problem


def test_missing_directory_is_reported(tmp_path: Path) -> None:
    result = load_articles(tmp_path / "nope")
    assert not result.ok and "does not exist" in result.errors[0].problem


def test_write_round_trips_and_keeps_key_order(tmp_path: Path) -> None:
    article = Article(
        slug="pair",
        title="Pair: your tracker",
        category="installation",
        body="Step 1\n\nStep 2",
        tags=("bluetooth",),
        questions=("yes", "how to pair?"),
        learned=("ตั้งค่าไม่ได้", "نمی‌توانم وصل کنم"),
        language="en",
        source_tickets=("T-1",),
        updated=dt.date(2024, 1, 31),
    )
    path = tmp_path / "pair.md"
    write_article(article, path)
    text = path.read_text("utf-8")
    header = text.split("---\n")[1]
    keys = [line.split(":")[0] for line in header.splitlines() if line[:1].isalpha()]
    assert keys == ["title", "category", "tags", "questions", "learned", "language", "status",
                    "source_tickets", "updated"]
    assert "ตั้งค่าไม่ได้" in text  # readable, not \u-escaped
    loaded = load_articles(tmp_path).articles[0]
    assert loaded == article
    assert render_article(loaded) == text
    assert not list(tmp_path.glob(".*.tmp"))


def test_shipped_sample_help_center_is_valid() -> None:
    result = load_articles(REPO / "faq_sources")
    assert result.ok, "\n".join(map(str, result.errors))
    published = result.published
    assert 40 <= len([a for a in published if a.language == "en"]) <= 60
    assert {a.category for a in published} == {"billing", "technical", "installation", "account"}
    assert {"th", "fa"} <= {a.language for a in published}
    assert all(len(a.questions) >= 3 for a in published)


def test_shipped_articles_link_only_to_existing_articles() -> None:
    result = load_articles(REPO / "faq_sources")
    slugs = set(result.by_slug())
    for article in result.articles:
        for target in re.findall(r"\]\(([^)#:]+)\.md(?:#[^)]*)?\)", article.body):
            assert target in slugs, f"{article.slug} links to missing {target}.md"


def test_kb_never_imports_bot_or_chat_sdks() -> None:
    forbidden = ("bot", "slack_bolt", "slack_sdk", "discord")
    for path in (REPO / "kb").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path} imports {name}"


def test_an_article_without_status_is_a_draft_and_not_published(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: A\ncategory: billing\n---\n", "utf-8")
    result = load_articles(tmp_path)
    assert result.ok and result.published == () and result.articles[0].status == "draft"


def test_long_tags_categories_and_slugs_are_errors_naming_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "tagged.md").write_text(
        f"---\ntitle: A\ncategory: billing\ntags:\n- ok\n- {'t' * 300}\nstatus: published\n---\nBody\n", "utf-8")
    (tmp_path / "cat.md").write_text(f"---\ntitle: B\ncategory: {'c' * 65}\n---\nBody\n", "utf-8")
    (tmp_path / f"{'s' * 65}.md").write_text("---\ntitle: C\ncategory: billing\n---\nBody\n", "utf-8")
    (tmp_path / f"{'s' * 64}.md").write_text("---\ntitle: D\ncategory: billing\n---\nBody\n", "utf-8")
    errors = _errors(tmp_path)
    assert errors["tagged.md"][0] == 4 and "tag 'tttt" in errors["tagged.md"][1]
    assert "300 characters long: at most 64" in errors["tagged.md"][1]
    assert errors["cat.md"][0] == 3 and "category" in errors["cat.md"][1] and "65 characters" in errors["cat.md"][1]
    assert "65 characters long" in errors[f"{'s' * 65}.md"][1]
    assert [a.title for a in load_articles(tmp_path).articles] == ["D"]


def test_links_out_of_the_sources_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Server secrets\ncategory: x\nstatus: published\n---\nroot password\n", "utf-8")
    root = tmp_path / "faq"
    root.mkdir()
    (root / "ok.md").write_text("---\ntitle: Fine\ncategory: x\nstatus: published\n---\nBody\n", "utf-8")
    (root / "inner.md").symlink_to(root / "ok.md")  # a link that stays inside is fine
    (root / "leak.md").symlink_to(secret)
    (root / "outside").symlink_to(tmp_path, target_is_directory=True)  # not walked at all
    (root / "loop").symlink_to(root, target_is_directory=True)
    result = load_articles(root)
    assert sorted(a.slug for a in result.articles) == ["inner", "ok"]
    [error] = result.errors
    assert error.path == root / "leak.md" and f"is a link to {secret}" in error.problem
