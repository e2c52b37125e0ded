"""Allow-list HTML sanitising (nh3) so nothing from a ticket or source can script the help site."""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3

# What help articles need: headings, lists, code, tables, images, admonitions and details, and
# <bdi> for left-to-right runs inside right-to-left text (kb.site.bidi). Not <bdo>: it overrides
# the order of letters, which can make a link or an address read as something else.
# Everything else (script, style, iframe, object, embed, form, input, svg, math…) is dropped.
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "bdi", "blockquote", "br", "caption", "code", "dd", "del", "details",
        "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "i", "img", "ins", "kbd", "label", "li", "mark", "ol", "p", "pre", "s", "samp", "small",
        "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "u", "ul", "var",
    }
)

# Tags whose *content* goes too: keeping the text of a <script> would still print the payload.
DROPPED_WITH_CONTENT: frozenset[str] = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math"}
)

# No event handlers, no style (except table alignment), no other data-* (Material's JS reads data-md-*).
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    # data-search-exclude only keeps boilerplate (footer, breadcrumb) out of Material's search.
    "*": {"class", "id", "title", "lang", "dir", "data-search-exclude"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style", "scope"},
    "details": {"open"},
}

LINK_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES: frozenset[str] = frozenset({"https"})


def _scheme(url: str) -> str:
    """Lower-cased scheme of ``url`` ('' for relative URLs), after stripping what browsers ignore."""
    # Browsers drop ASCII whitespace and control characters inside a scheme ("java\tscript:").
    cleaned = "".join(ch for ch in url if ord(ch) > 0x20 and ch != "\x7f")
    return urlsplit(cleaned).scheme.lower()


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Keep an attribute only if its URL scheme is safe for that element."""
    if attribute == "href":
        scheme = _scheme(value)
        return value if scheme in ("", *LINK_SCHEMES) else None
    if attribute == "src":
        # Images only by https or a relative path: no data:, no http (mixed content, tracking).
        scheme = _scheme(value)
        return value if scheme in ("", *IMAGE_SCHEMES) and not value.startswith("//") else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_filter_attribute,
    url_schemes=set(LINK_SCHEMES),
    filter_style_properties={"text-align"},
    # A label may only open Material's search overlay (the home page's big search prompt).
    tag_attribute_values={"label": {"for": {"__search"}}},
    link_rel=None,  # internal links stay untouched; no target= is allowed, so no tab-nabbing
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Return ``html`` with every script vector removed and the article markup kept."""
    return _CLEANER.clean(html)


def plain_text(text: str) -> str:
    """Return ``text`` with all markup removed and HTML-escaped: safe inside any HTML context."""
    return nh3.clean(text, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))
