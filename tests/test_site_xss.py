"""XSS payloads in any part of a source never reach the built HTML or the search index."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from kb_site_support import build_sample

from kb.articles import Article
from kb.sanitize import sanitize_html

# OWASP XSS filter evasion cheat sheet style payloads; each carries a marker XSSn.
PAYLOADS: tuple[str, ...] = (
    "<script>alert('XSS1')</script>",
    "<img src=x onerror=alert('XSS2')>",
    "<svg/onload=alert('XSS3')>",
    "<a href=\"javascript:alert('XSS4')\">click</a>",
    "[markdown link](javascript:alert('XSS5'))",
    "<iframe src=\"javascript:alert('XSS6')\"></iframe>",
    "<object data=\"javascript:alert('XSS7')\"></object>",
    "<embed src=\"javascript:alert('XSS8')\">",
    "<body onload=alert('XSS9')>",
    "<div style=\"background:url(javascript:alert('XSS10'))\">styled</div>",
    "<IMG SRC=JaVaScRiPt:alert('XSS11')>",
    "<a href=\"jav&#x09;ascript:alert('XSS12')\">tab</a>",
    "<a href=\" &#14;  javascript:alert('XSS13')\">ctl</a>",
    "<details open ontoggle=alert('XSS14')><summary>s</summary></details>",
    "<math><mi xlink:href=\"javascript:alert('XSS15')\">m</mi></math>",
    "<form action=\"javascript:alert('XSS16')\"><input type=submit></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('XSS17')\">",
    "<base href=\"javascript:alert('XSS18')//\">",
    "![image](javascript:alert('XSS19'))",
    "<javascript:alert('XSS20')>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTMjEnKTwvc2NyaXB0Pg==\">data</a>",
    "\"><script>alert('XSS22')</script>",
    "<scr<script>ipt>alert('XSS23')</script>",
    "<style>@import 'javascript:alert(\"XSS24\")';</style>",
    "A paragraph with attributes\n{: onclick=\"alert('XSS25')\" }",
    "<div markdown=\"1\" onmouseover=\"alert('XSS26')\">hover</div>",
    "&quot;&gt;&lt;img src=x onerror=alert('XSS27')&gt;",
    "<img src=\"http://tracker.example/x.png?XSS28\">",
    "<a href=\"vbscript:msgbox('XSS29')\">vb</a>",
    "<input autofocus onfocus=alert('XSS30')>",
    "<video><source onerror=\"alert('XSS31')\"></video>",
    "<label for=\"__drawer\" onclick=\"alert('XSS32')\">menu</label>",
)

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background"}
BANNED_TAGS = {"iframe", "object", "embed", "frame", "frameset", "base", "form", "input", "svg",
               "math", "video", "audio", "source", "applet"}


# chatdesk's own scripts (kb/site/assets): the search switch runs before Material's bundle.
OWN_SCRIPTS = ("assets/chatdesk.js", "assets/chatdesk-setup.js")


class _Audit(HTMLParser):
    """Collect everything in a page that could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False
        self._article_depth = 0  # >0 inside <article>: the page content, as opposed to theme chrome

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article" or self._article_depth:
            self._article_depth += 1
        # Material's own header has a search <form>, <input>s and <svg> icons; content must not.
        if self._article_depth and (tag in BANNED_TAGS or tag == "style"):
            self.problems.append(f"<{tag}> element in the content")
        if tag == "meta" and any(k == "http-equiv" for k, _ in attrs):
            self.problems.append("<meta http-equiv>")
        if tag == "script":
            self._in_script = True
            src = dict(attrs).get("src") or ""
            if src and "assets/javascripts/" not in src and not src.endswith(OWN_SCRIPTS):
                self.problems.append(f"foreign script src={src}")
        for name, value in attrs:
            value = value or ""
            squashed = "".join(ch for ch in value if ord(ch) > 0x20).lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and squashed.startswith(("javascript:", "vbscript:", "data:")):
                self.problems.append(f"<{tag} {name}={value}>")
            if ("alert(" in squashed or "msgbox(" in squashed) and name not in {"alt", "title"}:
                self.problems.append(f"payload in <{tag} {name}={value}>")
            if name == "style" and ("url(" in squashed or "expression(" in squashed):
                self.problems.append(f"<{tag} style={value}>")

    def handle_endtag(self, tag: str) -> None:
        if self._article_depth:
            self._article_depth -= 1
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "XSS" in data:
            self.problems.append(f"payload inside <script>: {data[:80]}")


def audit(html: str) -> list[str]:
    """Every script vector found in ``html``."""
    parser = _Audit()
    parser.feed(html)
    parser.close()
    return parser.problems


def _hostile_articles() -> list[Article]:
    body = "\n\n".join(PAYLOADS)
    return [
        Article(
            slug="hostile",
            title="Refund <img src=x onerror=alert('XSS40')> \"><script>alert('XSS41')</script>",
            category="billing<script>alert('XSS42')</script>",
            body=body,
            tags=("<svg onload=alert('XSS43')>", "refund\" onmouseover=\"alert('XSS44')"),
            questions=tuple(PAYLOADS[:6]) + ("[x](javascript:alert('XSS45'))",),
            learned=("<img src=x onerror=alert('XSS46')>",),
        ),
        Article(
            slug="neighbour",
            title="Neighbour article",
            category="billing<script>alert('XSS42')</script>",
            body="A harmless article in the same category, so related links render.",
            tags=("refund",),
        ),
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xss")
    return build_sample(root, _hostile_articles()).site_dir


def test_no_built_page_can_run_injected_script(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 5
    problems = {str(p.relative_to(site)): audit(p.read_text(encoding="utf-8")) for p in pages}
    assert {page: found for page, found in problems.items() if found} == {}


def test_the_article_page_still_shows_its_text(site: Path) -> None:
    html = (site / "articles" / "hostile" / "index.html").read_text(encoding="utf-8")
    assert "A paragraph with attributes" in html
    assert ">click</a>" in html and ">hover</div>" in html  # markup gone, words kept


def test_search_index_is_clean(site: Path) -> None:
    # Material's search shows titles and text as HTML, so the index is an HTML sink too.
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any(doc["location"].startswith("articles/hostile/") for doc in index["docs"])
    for doc in index["docs"]:
        for field in ("title", "text"):
            assert audit(f"<article>{doc[field]}</article>") == [], (doc["location"], field)
        for tag in doc.get("tags", []):
            assert "<" not in tag and '"' not in tag


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitizer_removes_each_payload(payload: str) -> None:
    assert audit(f"<article>{sanitize_html(payload)}</article>") == []


def test_sanitizer_keeps_the_markup_articles_need() -> None:
    html = (
        '<h2 id="steps">Steps</h2><ol start="2"><li><strong>Open</strong> the app</li></ol>'
        '<pre><code class="language-bash">echo "&lt;script&gt;"</code></pre>'
        '<table><thead><tr><th style="text-align: left">Plan</th></tr></thead>'
        "<tbody><tr><td>Monthly</td></tr></tbody></table>"
        '<img src="https://cdn.example.com/a.png" alt="Pairing screen">'
        '<img src="images/pairing.png" alt="relative">'
        '<div class="admonition note"><p class="admonition-title">Note</p><p>Hi</p></div>'
        '<details class="question"><summary>More</summary><p>x</p></details>'
        '<a href="https://example.com/docs" title="docs">docs</a><a href="../other/">other</a>'
        '<a href="mailto:help@example.com">mail</a>'
    )
    assert sanitize_html(html) == html.replace('style="text-align: left"', 'style="text-align:left"')


def test_the_audit_itself_catches_raw_payloads() -> None:
    # Left out: a markdown autolink, a plain-http image, and <scr<script> (only a vector
    # against filters that strip "<script>" once; as raw HTML it is no script element).
    skip = ("XSS20", "XSS23", "XSS28")
    raw = [p for p in PAYLOADS if p.startswith("<") and not any(s in p for s in skip)]
    missed = [p for p in raw if not audit(f"<article>{p}</article>")]
    assert missed == []
