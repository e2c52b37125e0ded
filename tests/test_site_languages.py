"""The help site in several languages: category names, Material's labels, translations, bidi islands."""

from __future__ import annotations

import dataclasses
import html as html_lib
import re
from pathlib import Path

import pytest
from kb_site_support import CATEGORY_NAMES, OPTIONS, REPO, build_sample, sample_articles

from kb.articles import Article
from kb.errors import KnowledgeBaseError
from kb.sanitize import sanitize_html
from kb.site import BuildResult, generate_site
from kb.site.bidi import isolate_ltr
from kb.site.categories import CategoryNamesError, load_category_names, parse_category_names
from kb.site.config import translated_toggles
from kb.site.translations import TranslationKeyError
from kb.sources import SourceProblem, parse_article

ENGLISH_CATEGORIES = ("Account", "Billing", "Installation", "Technical")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build_sample(tmp_path_factory.mktemp("languages"), sample_articles())


def _page(result: BuildResult, language: str, path: str) -> str:
    site = next(b.site_dir for b in result.languages if b.language == language)
    return (site / path / "index.html").read_text(encoding="utf-8")


# -- category names ---------------------------------------------------------------------------

def test_the_sample_names_every_category_in_every_language() -> None:
    used = {(a.category, a.language) for a in sample_articles() if a.published}
    for category, language in used:
        assert CATEGORY_NAMES[category][language], (category, language)


@pytest.mark.parametrize("language", ["th", "fa"])
def test_thai_and_persian_sites_show_no_english_category_name(built, language) -> None:
    home = _page(built, language, "")
    for key, names in CATEGORY_NAMES.items():
        if language in names and f"categories/{key}/" in home:
            assert f"<strong>{names[language]}</strong>" in home  # the home page's card
    article = "th/articles/pair-a-tracker-th" if language == "th" else "fa/articles/pair-a-tracker-fa"
    page = _page(built, language, article.split("/", 1)[1])
    breadcrumb = re.search(r'<div class="kb-breadcrumb".*?</div>', page, re.S).group(0)
    assert CATEGORY_NAMES["installation"][language] in breadcrumb
    nav = " ".join(re.findall(r'<span class="md-ellipsis">\s*(.*?)\s*</span>', page, re.S))
    for shown in (breadcrumb, nav, home):
        text = re.sub(r"<[^>]+>", " ", shown)
        for english in ENGLISH_CATEGORIES:
            assert not re.search(rf"\b{english}\b", text), (language, english)


def test_a_category_without_a_name_in_a_sites_language_stops_the_build(tmp_path: Path) -> None:
    thai = Article(slug="th-only", title="บทความ", category="shipping", body="เนื้อหา", language="th",
                   path=Path("faq_sources/th/th-only.md"))
    names_file = tmp_path / "categories.yml"
    options = dataclasses.replace(OPTIONS, category_names={"shipping": {"en": "Shipping"}},
                                  category_names_file=names_file)
    with pytest.raises(CategoryNamesError) as caught:
        generate_site([thai], out_dir=tmp_path / "kb_site", options=options)
    message = str(caught.value)
    assert str(names_file) in message and "'shipping'" in message and "no th name" in message
    assert "faq_sources/th/th-only.md" in message


def test_the_default_language_falls_back_to_the_key(tmp_path: Path) -> None:
    english = Article(slug="a", title="A", category="getting-started", body="Body.")
    sites = generate_site([english], out_dir=tmp_path / "kb_site", options=OPTIONS)
    assert sites[0].categories[0].title == "Getting started"


@pytest.mark.parametrize(("text", "line", "words"), [
    ("billing: [Billing]\n", 1, ["'billing'", "names by language code"]),
    ("billing:\n  en: Billing\n  english: Billing\n", 3, ["'english' is not a language code"]),
    ("billing:\n  th: ''\n", 2, ["th name must be non-empty"]),
    ("billing:\n  en: Billing\nbilling:\n  th: x\n", 3, ["'billing' is listed twice"]),
    ("billing:\n  en: A\n  en: B\n", 3, ["two en names"]),
    ("billing:\n  en: [A, B]\n", 2, ["en name must be non-empty text"]),
    ("- billing\n", 1, ["expected a mapping"]),
    ("billing:\n  en: Billing\n th: x\n", 3, ["broken YAML"]),
])
def test_a_bad_names_file_is_an_error_naming_file_line_and_key(text, line, words) -> None:
    path = Path("faq_sources/categories.yml")
    with pytest.raises(CategoryNamesError) as caught:
        parse_category_names(text, path=path)
    assert caught.value.path == path and caught.value.line == line, str(caught.value)
    for word in words:
        assert word in str(caught.value)


def test_names_file_keeps_language_codes_yaml_would_read_as_booleans(tmp_path: Path) -> None:
    (tmp_path / "categories.yml").write_text("billing:\n  no: Fakturering\n  en: Billing\n", "utf-8")
    assert dict(load_category_names(tmp_path)["billing"]) == {"no": "Fakturering", "en": "Billing"}
    assert load_category_names(tmp_path / "missing") == {}


# -- Material's own labels and chatdesk's strings -----------------------------------------------

@pytest.mark.parametrize(("language", "words"), [
    ("th", ["เปลี่ยนเป็นโหมดมืด", "เปลี่ยนเป็นโหมดสว่าง", "ลิงก์ถาวร", 'placeholder="ค้นหา"', "ข้ามไปที่เนื้อหา",
            "สร้างด้วย"]),
    ("fa", ["رفتن به حالت تاریک", "رفتن به حالت روشن", "پیوند ثابت", 'placeholder="جستجو"', "پرش به محتویات",
            "ساخته‌شده با"]),
])
def test_material_labels_are_in_the_sites_language(built, language, words) -> None:
    page = _page(built, language, f"articles/pair-a-tracker-{language}")
    for word in words:
        assert word in page, word
    for english in ("Switch to dark mode", "Switch to light mode", "Permanent link", "Skip to content",
                    'placeholder="Search"', "Made with"):
        assert english not in page, english


def test_the_site_name_is_given_per_language(tmp_path: Path) -> None:
    options = dataclasses.replace(OPTIONS, site_names={"fa": "مرکز راهنما"})
    result = build_sample(tmp_path, sample_articles(), options=options)
    assert "<title>مرکز راهنما</title>" in _page(result, "fa", "")
    assert "<title>Tilepoint Help Center</title>" in _page(result, "th", "")


def test_palette_toggles_name_the_scheme_they_switch_to() -> None:
    automatic = [
        {"media": "(prefers-color-scheme)", "toggle": {"name": "Switch to light mode"}},
        {"media": "(prefers-color-scheme: light)", "scheme": "default", "toggle": {"name": "Switch to dark mode"}},
        {"media": "(prefers-color-scheme: dark)", "scheme": "slate",
         "toggle": {"name": "Switch to system preference"}},
    ]
    names = [s["toggle"]["name"] for s in translated_toggles(automatic, language="th")]
    assert names == ["เปลี่ยนเป็นโหมดสว่าง", "เปลี่ยนเป็นโหมดมืด", "ใช้ตามการตั้งค่าของระบบ"]
    custom = [{"scheme": "default", "toggle": {"name": "Lights off"}}, {"scheme": "slate", "toggle": {}}]
    assert [s["toggle"]["name"] for s in translated_toggles(custom, language="fa")] == [
        "Lights off", "رفتن به حالت روشن"]


def test_every_language_has_every_string() -> None:
    from kb.site.strings import STRINGS

    for language, table in STRINGS.items():
        assert set(table) == set(STRINGS["en"]), language


# -- left-to-right islands ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "island"), [
    ("آخرین به‌روزرسانی: 2026-10-12", "2026-10-12"),
    ("در #support بپرسید", "#support"),
    ("تیکت T-42 بسته شد", "T-42"),
    ("سفارش ORD-2026-0042 را", "ORD-2026-0042"),
    ("به https://app.homing.io/billing?plan=plus بروید", "https://app.homing.io/billing?plan=plus"),
    ("ایمیل no-reply@homing.io را", "no-reply@homing.io"),
    ("کمتر از 30 cm نگه دارید", "30 cm"),
    ("تا 60 m در فضای باز", "60 m"),
    ("تماس: +49 30 1234567", "+49 30 1234567"),
])
def test_left_to_right_runs_become_islands(text, island) -> None:
    out = isolate_ltr(f"<p>{text}</p>")
    assert f'<bdi dir="ltr">{island}</bdi>' in out
    assert re.sub(r"</?bdi[^>]*>", "", out) == f"<p>{text}</p>"  # nothing else changes


@pytest.mark.parametrize("text", [
    "<p>برنامه Homing را باز کنید</p>",  # plain words need no island
    "<p>باتری CR2032 و ۳۰ سانتی‌متر</p>",
    "<p><code>T-42 2026-10-12</code></p>",  # code is drawn left to right already
    '<p><a href="https://x.example/a-b">پیوند</a></p>',  # attributes are not text
    "<p>&lt;b&gt; و &amp;</p>",
])
def test_text_that_needs_no_island_is_left_alone(text) -> None:
    assert isolate_ltr(text) == text


def test_the_sanitiser_keeps_bdi_islands_and_drops_bdo() -> None:
    island = '<p>در <bdi dir="ltr">2026-10-12</bdi></p>'
    assert sanitize_html(island) == island
    assert "<bdo" not in sanitize_html('<p><bdo dir="rtl">moc.elpmaxe</bdo></p>')


def test_persian_pages_carry_islands_and_english_pages_do_not(built) -> None:
    persian = _page(built, "fa", "articles/pair-a-tracker-fa")
    assert '<p class="kb-updated">آخرین به‌روزرسانی: <bdi dir="ltr">2026-10-12</bdi></p>' in persian
    assert '<bdi dir="ltr">#support</bdi>' in persian
    english = _page(built, "en", "articles/pair-a-tracker")
    assert '<bdi dir="ltr">2026' not in english


# -- translations -------------------------------------------------------------------------------

def test_translation_key_is_read_and_checked() -> None:
    text = "---\ntitle: T\ncategory: c\nlanguage: th\ntranslation_key: pair-a-tracker\nstatus: published\n---\nBody\n"
    assert parse_article(text, slug="x").translation_key == "pair-a-tracker"
    assert parse_article(text.replace("translation_key: pair-a-tracker\n", ""), slug="x").translation_group == "x"
    with pytest.raises(SourceProblem) as caught:
        parse_article(text.replace("pair-a-tracker", "[a, b]"), slug="x")
    assert caught.value.line == 5 and "translation_key must be text" in caught.value.problem


def test_two_articles_of_one_language_with_one_key_stop_the_build_naming_both(tmp_path: Path) -> None:
    first = Article(slug="pair-th", title="ก", category="installation", body="ก", language="th",
                    translation_key="pair-a-tracker", path=Path("faq_sources/th/pair-th.md"))
    second = dataclasses.replace(first, slug="pair-again-th", path=Path("faq_sources/th/pair-again-th.md"))
    with pytest.raises(TranslationKeyError) as caught:
        generate_site([first, second], out_dir=tmp_path / "kb_site", options=OPTIONS)
    message = str(caught.value)
    assert "faq_sources/th/pair-th.md" in message and "faq_sources/th/pair-again-th.md" in message
    assert "'pair-a-tracker'" in message and isinstance(caught.value, KnowledgeBaseError)


def test_an_explicit_key_may_not_take_another_articles_slug_in_its_language(tmp_path: Path) -> None:
    original = Article(slug="refunds", title="Refunds", category="billing", body="B.", path=Path("refunds.md"))
    other = Article(slug="money-back", title="Money", category="billing", body="B.",
                    translation_key="refunds", path=Path("money-back.md"))
    with pytest.raises(TranslationKeyError, match="refunds.md and money-back.md"):
        generate_site([original, other], out_dir=tmp_path / "kb_site", options=OPTIONS)


def _links(page: str, pattern: str) -> dict[str, str]:
    return {lang: html_lib.unescape(href) for href, lang in re.findall(pattern, page)}


HEAD = r'<link rel="alternate" href="([^"]+)" hreflang="([^"]+)">'
SWITCHER = r'<a href="([^"]+)" hreflang="([^"]+)" lang="[^"]+" class="md-select__link">'


def test_an_article_links_its_translations_in_switcher_and_hreflang(built) -> None:
    page = _page(built, "fa", "articles/pair-a-tracker-fa")
    expected = {"en": "/articles/pair-a-tracker/", "th": "/th/articles/pair-a-tracker-th/",
                "fa": "/fa/articles/pair-a-tracker-fa/"}
    assert _links(page, SWITCHER) == expected
    assert _links(page, HEAD) == {**expected, "x-default": "/articles/pair-a-tracker/"}


def test_without_a_translation_the_switcher_goes_home_and_hreflang_names_only_the_page(built) -> None:
    page = _page(built, "fa", "articles/reset-password-fa")  # English and Persian, no Thai
    assert _links(page, SWITCHER) == {"en": "/articles/reset-your-password/", "th": "/th/",
                                      "fa": "/fa/articles/reset-password-fa/"}
    assert _links(page, HEAD) == {"en": "/articles/reset-your-password/", "fa": "/fa/articles/reset-password-fa/",
                                  "x-default": "/articles/reset-your-password/"}
    alone = _page(built, "en", "articles/refunds")
    assert _links(alone, SWITCHER) == {"en": "/articles/refunds/", "th": "/th/", "fa": "/fa/"}
    assert _links(alone, HEAD) == {"en": "/articles/refunds/"}


def test_home_and_category_pages_link_their_counterparts(built) -> None:
    home = _page(built, "th", "")
    assert _links(home, HEAD) == {"en": "/", "th": "/th/", "fa": "/fa/", "x-default": "/"}
    category = _page(built, "th", "categories/billing")  # Thai and English have billing; Persian not
    assert _links(category, SWITCHER) == {"en": "/categories/billing/", "th": "/th/categories/billing/",
                                          "fa": "/fa/"}


def test_hreflang_links_are_full_urls_with_a_site_url(tmp_path: Path) -> None:
    options = dataclasses.replace(OPTIONS, site_url="https://help.example.com/docs/")
    result = build_sample(tmp_path, sample_articles(), options=options)
    page = _page(result, "th", "articles/pair-a-tracker-th")
    assert _links(page, HEAD)["fa"] == "https://help.example.com/docs/fa/articles/pair-a-tracker-fa/"
    assert _links(page, SWITCHER)["fa"] == "/docs/fa/articles/pair-a-tracker-fa/"


def test_the_sample_translations_share_keys() -> None:
    translated = {a.translation_key for a in sample_articles() if a.language != "en" and a.translation_key}
    english = {a.slug for a in sample_articles() if a.language == "en"}
    assert len(translated) >= 5 and translated <= english
    assert (REPO / "faq_sources" / "categories.yml").is_file()


def test_a_changed_theme_template_is_a_new_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.site import atomic

    (tmp_path / "theme").mkdir()
    template = tmp_path / "theme" / "alternate.html"
    template.write_text("<a>one</a>", "utf-8")
    monkeypatch.setattr(atomic, "_CODE", tmp_path)

    def key() -> str:
        return atomic.build_key([], options=OPTIONS, config_text="", strict=False, sources_dir=None)

    before = key()
    template.write_text("<a>two</a>", "utf-8")
    assert key() != before  # a build that waited must not reuse a site made with the old template
