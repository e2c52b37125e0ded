"""Generate ``kb_site/`` and run a real ``mkdocs build`` per language into ``site/``."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from kb.articles import Article
from kb.errors import KnowledgeBaseError, SettingError
from kb.site import atomic, contrast
from kb.site.config import language_config, load_base_config, palette_for, write_config
from kb.site.generate import check_generated, generate_site
from kb.site.options import SiteOptions, is_hex


class SiteBuildError(KnowledgeBaseError, RuntimeError):
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
    # True when another build had just made this same site and this one waited and kept it.
    reused: bool = False

    @property
    def site_dir(self) -> Path:
        """The default language's site, which holds the others in sub-directories."""
        return self.languages[0].site_dir


class WarningCollector(logging.Handler):
    """Keeps the messages of warnings (and worse) logged while it is attached."""

    def __init__(self, level: int = logging.WARNING) -> None:
        super().__init__(level)
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
    """Regenerate kb_site/ from ``articles`` and build the site(s); only published ones appear.

    Safe to run from several processes at once (kb.site.atomic): one builds at a time, each
    swaps in a complete site, and one that waited reuses the site just built from the same input.
    """
    options = options or SiteOptions()
    started = time.perf_counter()
    config_file = config_file or root / "mkdocs.yml"
    docs_root = docs_root or root / "kb_site"
    site_dir = site_dir or root / "site"
    base = load_base_config(config_file)
    _check_contrast(base, options=options, config_file=config_file)
    key = atomic.build_key(articles, options=options, config_text=repr(base), strict=strict,
                           sources_dir=root / "faq_sources")
    with atomic.build_lock(docs_root):
        done = atomic.read_manifest(docs_root, site_dir)
        if done is not None and done.get("key") == key:
            return _reused(done, docs_root=docs_root, site_dir=site_dir, started=started)
        check_generated(docs_root)
        for target in (docs_root, site_dir):
            atomic.remove_leftovers(target)
        new_docs, new_site = atomic.scratch_dir(docs_root), atomic.scratch_dir(site_dir)
        try:
            built, warnings = _build_into(articles, base=base, options=options, strict=strict,
                                          docs=(new_docs, docs_root), site=(new_site, site_dir),
                                          sources_dir=root / "faq_sources")
            atomic.write_manifest(new_docs, {
                "key": key, "warnings": warnings,
                "languages": [[b.language, b.articles] for b in built],
            })
            atomic.swap_in(new_docs, docs_root)
            atomic.swap_in(new_site, site_dir)
        finally:
            for scratch in (new_docs, new_site):
                shutil.rmtree(scratch, ignore_errors=True)
    return BuildResult(tuple(built), time.perf_counter() - started, tuple(warnings))


def _check_contrast(base: dict, *, options: SiteOptions, config_file: Path) -> None:
    # Refused before any work: a palette whose text cannot be read is a setting to fix.
    theme = base.get("theme") or {}
    palette = palette_for(theme.get("palette"), primary=options.primary, accent=options.accent)
    source = "help_site.primary_color" if options.primary else "theme.palette primary"
    found = contrast.problems(palette, custom_primary=options.primary if is_hex(options.primary) else None,
                              source=source)
    if found:
        raise SettingError("unreadable help-site colours: " + "; ".join(found)
                           + " (pick a primary colour with more contrast)",
                           path=None if options.primary else config_file)


def _build_into(
    articles: Sequence[Article], *, base: dict, options: SiteOptions, strict: bool,
    docs: tuple[Path, Path], site: tuple[Path, Path], sources_dir: Path,
) -> tuple[list[BuiltLanguage], list[str]]:
    # Generate and build in the scratch directories; the configs left in kb_site/_config name
    # the final ones, so `mkdocs serve -f kb_site/_config/mkdocs.<lang>.yml` works afterwards.
    (new_docs, docs_root), (new_site, site_dir) = docs, site
    sites = generate_site(
        articles,
        out_dir=new_docs,
        options=options,
        sources_dir=sources_dir,
        directory_urls=bool(base.get("use_directory_urls", True)),
    )
    collector = WarningCollector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    built = []
    try:
        for site in sites:  # default language first: its build cleans site/, then the others land
            sub = () if site is sites[0] else (site.language,)
            config = language_config(base, site=site, sites=sites, options=options,
                                     site_dir=new_site.joinpath(*sub))
            name = f"mkdocs.{site.language}.yml"
            _run_mkdocs(write_config(config, new_docs / "_config" / name), strict=strict,
                        shown=docs_root / "_config" / name)
            config["docs_dir"] = str(docs_root.resolve() / site.language)
            config["site_dir"] = str(site_dir.resolve().joinpath(*sub))
            write_config(config, new_docs / "_config" / name)
            built.append(BuiltLanguage(site.language, site_dir.joinpath(*sub),
                                       docs_root / "_config" / name, site.article_count))
    finally:
        logger.removeHandler(collector)
    return built, collector.messages


def _reused(done: dict, *, docs_root: Path, site_dir: Path, started: float) -> BuildResult:
    built = []
    for n, (language, count) in enumerate(done.get("languages", [])):
        sub = () if n == 0 else (language,)
        built.append(BuiltLanguage(language, site_dir.joinpath(*sub),
                                   docs_root / "_config" / f"mkdocs.{language}.yml", int(count)))
    return BuildResult(tuple(built), time.perf_counter() - started,
                       tuple(done.get("warnings", ())), reused=True)


def _run_mkdocs(config_file: Path, *, strict: bool, shown: Path) -> None:
    # ``shown``: where the config will be once the build is swapped in (errors name that file).
    # MkDocs logs a plugin's error and raises a bare "Aborted": the logged text is the reason.
    errors = WarningCollector(logging.ERROR)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(errors)
    try:
        config = load_config(str(config_file), strict=strict)
        mkdocs_build(config)
    except MkDocsException as exc:  # includes ConfigurationError and strict-mode Abort
        raise SiteBuildError(f"{exc}" + "".join(f"\n{m}" for m in errors.messages), path=shown) from exc
    except SystemExit as exc:  # MkDocs aborts some plugin errors with SystemExit
        raise SiteBuildError(f"mkdocs build aborted ({exc})", path=shown) from exc
    finally:
        logger.removeHandler(errors)
