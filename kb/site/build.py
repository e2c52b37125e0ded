"""Generate ``kb_site/`` and run a real ``mkdocs build`` per language into ``site/``."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from kb.articles import Article
from kb.site.config import language_config, load_base_config, write_config
from kb.site.generate import generate_site
from kb.site.options import SiteOptions


class SiteBuildError(RuntimeError):
    """The help site could not be built; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class BuiltLanguage:
    """One language's built site."""

    language: str
    site_dir: Path
    config_file: Path
    articles: int


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What ``build_site`` made, how long it took, and what MkDocs warned about."""

    languages: tuple[BuiltLanguage, ...]
    seconds: float
    warnings: tuple[str, ...] = field(default=())

    @property
    def site_dir(self) -> Path:
        """The default language's site, which holds the others in sub-directories."""
        return self.languages[0].site_dir


class WarningCollector(logging.Handler):
    """Keeps the messages of warnings (and worse) logged while it is attached."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(
    articles: Sequence[Article],
    *,
    root: Path,
    options: SiteOptions | None = None,
    config_file: Path | None = None,
    docs_root: Path | None = None,
    site_dir: Path | None = None,
    strict: bool = False,
) -> BuildResult:
    """Regenerate kb_site/ from ``articles`` and build the site(s); only published ones appear."""
    options = options or SiteOptions()
    started = time.perf_counter()
    config_file = config_file or root / "mkdocs.yml"
    docs_root = docs_root or root / "kb_site"
    site_dir = site_dir or root / "site"
    base = load_base_config(config_file)
    site_name = options.site_name or str(base.get("site_name") or "Help center")
    sites = generate_site(
        articles,
        out_dir=docs_root,
        options=options,
        site_name=site_name,
        sources_dir=root / "faq_sources",
        directory_urls=bool(base.get("use_directory_urls", True)),
    )
    collector = WarningCollector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    built = []
    try:
        for site in sites:  # default language first: its build cleans site/, then the others land
            target = site_dir if site is sites[0] else site_dir / site.language
            config = language_config(base, site=site, sites=sites, options=options, site_dir=target)
            path = write_config(config, docs_root / "_config" / f"mkdocs.{site.language}.yml")
            _run_mkdocs(path, strict=strict)
            built.append(BuiltLanguage(site.language, target, path, site.article_count))
    finally:
        logger.removeHandler(collector)
    return BuildResult(tuple(built), time.perf_counter() - started, tuple(collector.messages))


def _run_mkdocs(config_file: Path, *, strict: bool) -> None:
    try:
        config = load_config(str(config_file), strict=strict)
        mkdocs_build(config)
    except MkDocsException as exc:  # includes ConfigurationError and strict-mode Abort
        raise SiteBuildError(f"{config_file}: {exc}") from exc
    except SystemExit as exc:  # MkDocs aborts some plugin errors with SystemExit
        raise SiteBuildError(f"{config_file}: mkdocs build aborted ({exc})") from exc

