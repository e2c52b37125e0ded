"""import-faq: CSV and YAML FAQ lists become articles, repeated answers grouped."""

from __future__ import annotations

from pathlib import Path

from bot.cli.main import main
from kb.importer import import_faq, slugify
from kb.sources import load_articles

FIXTURES = Path(__file__).parent / "fixtures" / "kb"


def test_csv_groups_repeated_answers_and_reports_bad_rows(tmp_path: Path) -> None:
    result = import_faq(FIXTURES / "faq.csv", root=tmp_path)
    assert [e.line for e in result.errors] == [5]
    by_slug = {a.slug: a for a in result.articles}
    assert set(by_slug) == {"how-do-i-reset-my-password", "where-is-my-order"}
    password = by_slug["how-do-i-reset-my-password"]
    assert password.questions == ("How do I reset my password?", "I forgot my password")
    assert password.category == "account"
    loaded = load_articles(tmp_path)
    assert loaded.ok and len(loaded.published) == 2


def test_yaml_accepts_question_lists_and_default_category(tmp_path: Path) -> None:
    result = import_faq(FIXTURES / "faq.yaml", root=tmp_path, default_category="technical",
                        status="draft")
    assert len(result.errors) == 1 and "entry 4" in result.errors[0].problem
    pair, battery = result.articles
    assert pair.questions == ("How do I pair a tag?", "Connect my tracker", "Pairing a tag")
    assert (pair.category, battery.category) == ("installation", "technical")
    assert all(a.status == "draft" for a in load_articles(tmp_path).articles)


def test_import_never_overwrites_an_existing_article(tmp_path: Path) -> None:
    import_faq(FIXTURES / "faq.csv", root=tmp_path)
    again = import_faq(FIXTURES / "faq.csv", root=tmp_path)
    assert {a.slug for a in again.articles} == {"how-do-i-reset-my-password-2", "where-is-my-order-2"}
    assert load_articles(tmp_path).ok


def test_unknown_format_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "faq.txt").write_text("hi", "utf-8")
    result = import_faq(tmp_path / "faq.txt", root=tmp_path / "out")
    assert not result.articles and "unknown FAQ format" in result.errors[0].problem


def test_slugs_keep_any_script_and_stay_short() -> None:
    assert slugify("Don't know how to PAIR my tag?") == "dont-know-how-to-pair-my-tag"
    assert slugify("จับคู่แท็กกับโทรศัพท์ยังไง") == "จับคู่แท็กกับโทรศัพท์ยังไง"
    assert slugify("چطور رمز را عوض کنم؟") == "چطور-رمز-را-عوض-کنم"
    assert len(slugify("word " * 40)) <= 60 and slugify("???") == "article"


def test_cli_import_then_check(tmp_path: Path, capsys) -> None:
    assert main(["kb", "import-faq", str(FIXTURES / "faq.yaml"), "--root", str(tmp_path)]) == 1
    assert "2 articles imported, 1 row skipped" in capsys.readouterr().out
    assert main(["kb", "check", "--root", str(tmp_path)]) == 0
    (tmp_path / "broken.md").write_text("---\ntitle: x\n", "utf-8")
    assert main(["kb", "check", "--root", str(tmp_path)]) == 1
    assert "broken.md:1: front matter is not closed" in capsys.readouterr().out
