"""The help site: generate ``kb_site/`` from published articles and build it with MkDocs Material."""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use: MkDocs is slow to import, and drafts only need kb.site.text.
_EXPORTS = {
    "BuildResult": "kb.site.build",
    "BuiltLanguage": "kb.site.build",
    "SiteBuildError": "kb.site.build",
    "build_site": "kb.site.build",
    "LanguageSite": "kb.site.generate",
    "generate_site": "kb.site.generate",
    "SiteOptions": "kb.site.options",
}
__all__ = [
    "BuildResult", "BuiltLanguage", "LanguageSite", "SiteBuildError", "SiteOptions",
    "build_site", "generate_site",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'kb.site' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
