"""MkDocs hook: sanitise every page's rendered HTML, so Markdown-made links are checked too."""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from kb.sanitize import sanitize_html
except ModuleNotFoundError:  # plain `mkdocs build` from a checkout where chatdesk is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from kb.sanitize import sanitize_html


def on_page_content(html: str, **_: object) -> str:
    """Run after Markdown rendering and before search indexing, so the index is clean too."""
    return sanitize_html(html)
