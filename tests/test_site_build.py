"""A real `mkdocs build` of the sample help center: every page exists, drafts appear nowhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kb_site_support import DRAFT, SUPPORT_URL, build_sample, sample_articles

from kb.articles import Article
from kb.site import BuildResult, SiteBuildError
from kb.site.generate import MARKER
from kb.site.text import slugify


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, list[Article], Path]:
    root = tmp_path_factory.mktemp("helpsite")
    articles = sample_articles()
    return build_sample(root, articles), articles, root


def _site_for(result: BuildResult, language: str) -> Path:
    return next(b.site_dir for b in result.languages if b.language == language)


def _published(articles: list[Article], language: str) -> list[Article]:
    return [a for a in articles if a.published and a.language == language]


def test_one_site_per_language_default_first(built) -> None:
    result, articles, root = built
    languages = [b.language for b in result.languages]
    assert languages[0] == "en"
    assert set(languages) == {a.language for a in articles if a.published}
    for b in result.languages[1:]:
        assert b.site_dir == root / "site" / b.language


def test_pages_exist_per_article_category_and_tag(built) -> None:
    result, articles, _ = built
    for built_language in result.languages:
        site = built_language.site_dir
        mine = _published(articles, built_language.language)
        assert mine
        assert (site / "index.html").is_file()
        assert (site / "tags" / "index.html").is_file()
        for article in mine:
            page = site / "articles" / article.slug / "index.html"
            assert page.is_file(), page
            assert (site / "categories" / slugify(article.category) / "index.html").is_file()
            for tag in article.tags:
                assert (site / "tags" / slugify(tag) / "index.html").is_file(), tag


def test_search_index_has_every_published_article_and_no_draft(built) -> None:
    result, articles, _ = built
    for built_language in result.languages:
        index = json.loads((built_language.site_dir / "search" / "search_index.json").read_text())
        pages = {doc["location"] for doc in index["docs"] if "#" not in doc["location"]}
        expected = {f"articles/{a.slug}/" for a in _published(articles, built_language.language)}
        assert pages == expected  # articles only: home, category and tag pages stay out
        raw = json.dumps(index, ensure_ascii=False)
        assert "Zebracorn" not in raw


def test_drafts_appear_nowhere(built) -> None:
    _, _, root = built
    assert DRAFT.status == "draft"
    for path in (root / "site").rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".xml"}:
            assert "Zebracorn" not in path.read_text(encoding="utf-8"), path
        assert DRAFT.slug not in path.name
    assert not list((root / "kb_site").rglob(f"{DRAFT.slug}*"))


def test_article_page_has_tags_related_updated_and_support_link(built) -> None:
    result, articles, _ = built
    site = _site_for(result, "en")
    article = next(
        a for a in _published(articles, "en")
        if a.tags and a.updated and sum(o.category == a.category for o in _published(articles, "en")) > 1
    )
    html = (site / "articles" / article.slug / "index.html").read_text(encoding="utf-8")
    for tag in article.tags:
        assert f'href="../../tags/{slugify(tag)}/#tag:' in html
    assert "Related articles" in html
    assert f"Last updated: {article.updated.isoformat()}" in html
    assert f'href="{SUPPORT_URL}"' in html and "Still need help?" in html
    assert f'href="../../categories/{slugify(article.category)}/"' in html


def test_home_has_search_prompt_and_categories(built) -> None:
    result, articles, _ = built
    html = (_site_for(result, "en") / "index.html").read_text(encoding="utf-8")
    assert '<label class="kb-hero-search" for="__search">' in html
    for category in {a.category for a in _published(articles, "en")}:
        assert f'href="categories/{slugify(category)}/"' in html


def test_each_language_configures_its_own_search_and_direction(built) -> None:
    result, _, _ = built
    for built_language in result.languages:
        index = json.loads((built_language.site_dir / "search" / "search_index.json").read_text())
        html = (built_language.site_dir / "index.html").read_text(encoding="utf-8")
        assert f'<html lang="{built_language.language}"' in html
        if built_language.language == "fa":
            assert index["config"]["pipeline"] == []  # lunr's trimmer would strip Persian letters
            assert "\u200c" in index["config"]["separator"]
            assert 'dir="rtl"' in html
        else:
            assert index["config"]["lang"] == [built_language.language]
            assert 'dir="ltr"' in html


def test_language_switch_links_every_site(built) -> None:
    result, _, _ = built
    if len(result.languages) < 2:
        pytest.skip("the sample has one language")
    html = (_site_for(result, "en") / "index.html").read_text(encoding="utf-8")
    for b in result.languages[1:]:
        assert f'href="/{b.language}/"' in html and f'hreflang="{b.language}"' in html


def test_kb_site_is_marked_generated(built) -> None:
    _, _, root = built
    assert "GENERATED" in (root / "kb_site" / MARKER).read_text()
    page = next((root / "kb_site" / "en" / "articles").glob("*.md"))
    assert "GENERATED by `chatdesk kb build`" in page.read_text(encoding="utf-8")


def test_strict_build_fails_on_a_broken_link_naming_the_file(tmp_path: Path) -> None:
    broken = Article(
        slug="broken-link", title="Broken", category="billing",
        body="See [the missing page](does-not-exist.md).",
    )
    with pytest.raises(SiteBuildError, match="mkdocs.en.yml"):
        build_sample(tmp_path, [broken], strict=True)
    result = build_sample(tmp_path / "lenient", [broken])
    assert any("broken-link.md" in w and "does-not-exist.md" in w for w in result.warnings)


def test_refuses_to_wipe_a_hand_made_docs_dir(tmp_path: Path) -> None:
    (tmp_path / "kb_site").mkdir()
    (tmp_path / "kb_site" / "notes.md").write_text("mine")
    with pytest.raises(FileExistsError, match="GENERATED.txt"):
        build_sample(tmp_path, sample_articles())
    assert (tmp_path / "kb_site" / "notes.md").exists()


def test_parallel_page_writers_build_the_same_site_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large sites are rendered and written by forked children too (kb.site.parallel): the same
    # bytes, the same search index, the same warnings.
    from kb.site.parallel import MIN_PAGES

    articles = [
        Article(
            slug=f"article-{i:03d}", title=f"Article {i} about {('refunds', 'pairing', 'battery')[i % 3]}",
            category=("billing", "start", "hardware")[i % 3], tags=(f"tag-{i % 7}",),
            body=f"Step {i}: open the app.\n\n## Details\n\n- one\n- two\n",
            questions=(f"question number {i}",),
        )
        for i in range(MIN_PAGES)
    ]
    # Last in its category, so a forked renderer renders it: its warning must still be reported.
    articles.append(Article(slug="zz-broken", title="Zz broken", category="start",
                            body="See [the missing page](does-not-exist.md)."))
    sites, warnings = {}, {}
    for workers in ("1", "2"):
        monkeypatch.setenv("CHATDESK_SITE_WORKERS", workers)
        result = build_sample(tmp_path / workers, articles)
        sites[workers], warnings[workers] = result.site_dir, result.warnings
    assert warnings["1"] == warnings["2"]
    assert any("zz-broken.md" in w and "does-not-exist.md" in w for w in warnings["2"])
    with pytest.raises(SiteBuildError, match="strict mode"):
        build_sample(tmp_path / "strict", articles, strict=True)
    one, two = sites["1"], sites["2"]
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    assert len([f for f in files if f.name == "index.html"]) > MIN_PAGES
    for name in files:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
