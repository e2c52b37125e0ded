"""The help site: generate ``kb_site/`` from published articles and build it with MkDocs Material."""

from kb.site.build import BuildResult, BuiltLanguage, SiteBuildError, build_site
from kb.site.generate import LanguageSite, generate_site
from kb.site.options import SiteOptions

__all__ = [
    "BuildResult",
    "BuiltLanguage",
    "LanguageSite",
    "SiteBuildError",
    "SiteOptions",
    "build_site",
    "generate_site",
]
