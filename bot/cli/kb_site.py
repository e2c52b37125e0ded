"""``chatdesk kb build|serve|draft|publish|gaps``: the help site, drafts and missing topics."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import http.server
import logging
import sys
import threading
import time
from pathlib import Path

from bot.cli.common import counted, fail, on_terminal
from bot.config import Config, load_config
from bot.errors import DeskError


def register(commands, kb_commands) -> None:
    """Add the help-site, draft and gap commands under ``chatdesk kb``."""
    build = kb_commands.add_parser("build", help="validate faq_sources/, regenerate kb_site/ and build site/")
    _root_option(build)
    build.add_argument("--strict", action="store_true", help="treat MkDocs warnings as errors")
    build.set_defaults(func=build_command)

    serve = kb_commands.add_parser("serve", help="build, serve locally and rebuild when a source changes")
    _root_option(serve)
    serve.add_argument("--port", type=int, default=8000, help="local port (default: 8000)")
    serve.add_argument("--strict", action="store_true", help="treat MkDocs warnings as errors")
    serve.set_defaults(func=serve_command)

    draft = kb_commands.add_parser("draft", help="draft an article from a solved ticket")
    draft.add_argument("ticket", help="ticket id, e.g. T-42")
    _root_option(draft)
    draft.set_defaults(func=draft_command)

    publish = kb_commands.add_parser("publish", help="publish a reviewed draft (status: published)")
    publish.add_argument("slug")
    publish.add_argument("--force", action="store_true",
                         help="publish even when a published article already answers the same questions")
    _root_option(publish)
    publish.set_defaults(func=publish_command)

    gaps = kb_commands.add_parser("gaps", help="recurring questions that have no article yet")
    gaps.add_argument("--since", type=dt.date.fromisoformat, help="tickets resolved since DATE (YYYY-MM-DD; default: this week and the three before)")
    gaps.add_argument("--min-count", type=int, default=2, help="smallest topic to show (default: 2)")
    _root_option(gaps)
    gaps.set_defaults(func=gaps_command)


def build_command(args: argparse.Namespace) -> int:
    """Validate the sources and build the site; a bad article fails with its file and problem."""
    try:
        config = _config(args)
    except DeskError as error:
        return fail(error)
    _show_mkdocs_warnings()
    return _build(config, strict=args.strict)


def serve_command(args: argparse.Namespace) -> int:
    """Build, serve ``site/`` on localhost, and rebuild whenever a source or mkdocs.yml changes."""
    try:
        config = _config(args)
    except DeskError as error:
        return fail(error)
    site_dir = config.root / "site"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_dir))
    try:  # bound before the build: a busy port is said at once, not after a minute of building
        server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    except OSError as error:
        return fail(f"cannot serve on port {args.port} ({error.strerror}); pick another with --port, "
                    f"e.g. chatdesk kb serve --port {args.port + 1}")
    _show_mkdocs_warnings()
    _build(config, strict=args.strict)
    site_dir.mkdir(exist_ok=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"serving {site_dir} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)", file=sys.stderr)
    watched = [config.sources_path, config.root / "mkdocs.yml"]
    seen = _snapshot(watched)
    try:
        while True:
            time.sleep(1.0)
            now = _snapshot(watched)
            if now != seen:
                seen = now
                print("change detected: rebuilding", file=sys.stderr)
                _build(config, strict=args.strict)
    finally:
        server.shutdown()


def draft_command(args: argparse.Namespace) -> int:
    """Write faq_sources/<slug>.md (status: draft) from a solved ticket in the store."""
    from bot.kb_bridge import scrub_settings
    from kb.drafts import DraftError, draft_from_ticket

    try:
        config = _config(args)
        record = _ticket_record(config, args.ticket)
    except DeskError as error:
        return fail(error)
    if record is None:
        return fail(f"no ticket {args.ticket}")
    try:
        result = draft_from_ticket(
            record,
            sources_dir=config.sources_path,
            language=config.kb.default_language,
            store_id=record.get("store_id"),
            **scrub_settings(config),
        )
    except DraftError as error:
        return fail(str(error))
    if result.linked:
        news = "proposed its wording for review (chatdesk kb review)" if result.proposed else \
            "that article already knows its wording"
        print(f"{args.ticket.upper()} was resolved with {result.article.slug!r}: no new draft; {news}")
        return 0
    verb = "wrote" if result.created else "updated"
    print(f"{verb} draft {result.path} (status: draft); review it, then: chatdesk kb publish {result.article.slug}")
    return 0


def publish_command(args: argparse.Namespace) -> int:
    """Set a reviewed article's status to published."""
    from kb.drafts import DraftError, publish

    try:
        config = _config(args)
        article = publish(args.slug, sources_dir=config.sources_path, force=args.force,
                          threshold=config.kb.threshold)
    except (DeskError, DraftError) as error:
        return fail(error if isinstance(error, DeskError) else str(error))
    print(f"published {article.slug}; run `chatdesk kb build` to update the help site")
    return 0


def gaps_command(args: argparse.Namespace) -> int:
    """Print recurring topics among tickets the knowledge base missed, most frequent first."""
    from kb.gaps import find_gaps

    from bot.clock import SystemClock
    from bot.kb_bridge import covered_check, gap_records, gap_window_start
    from bot.store import store_for

    try:
        config = _config(args)
        since = (dt.datetime.combine(args.since, dt.time.min, tzinfo=dt.UTC) if args.since
                 else gap_window_start(SystemClock().now(), config))
        store = store_for(config)
        try:
            records = gap_records(store, since)
        finally:
            store.close()
    except DeskError as error:
        return fail(error)
    topics = find_gaps(records, since=since, min_count=args.min_count, patterns=config.scrub_patterns,
                       covered=covered_check(config))
    if not topics:
        print("no recurring topics without an article")
        return 0
    for topic in topics:
        where = f" [{topic.category}]" if topic.category else ""
        print(f"{topic.count:>4}  {topic.label}{where}  e.g. {', '.join(topic.ticket_ids)}")
    return 0


class HelpSiteNotBuilt(Exception):
    """Why the help site was not built; ``details`` lists each bad article file."""

    def __init__(self, problem: str, *, details: str = "") -> None:
        super().__init__(problem)
        self.problem, self.details = problem, details


def build_help_site(config: Config, *, strict: bool = False):
    """Validate ``faq_sources/`` and build the site (kb.site.BuildResult), or raise HelpSiteNotBuilt."""
    from kb.errors import KnowledgeBaseError
    from kb.site import build_site
    from kb.sources import errors_text, load_articles

    if not config.sources_path.is_dir():
        raise HelpSiteNotBuilt(f"{config.sources_path} does not exist: create it (`chatdesk init` does) and "
                               "add articles, one Markdown file each")
    loaded = load_articles(config.sources_path, default_language=config.kb.default_language)
    if loaded.errors:
        raise HelpSiteNotBuilt(f"{counted(len(loaded.errors), 'bad article file')}", details=errors_text(loaded.errors))
    on_terminal(f"building the help site ({counted(len(loaded.articles), 'article')})…")
    try:
        return build_site(loaded.articles, root=config.root, options=site_options(config),
                          docs_root=config.docs_path, strict=strict)
    except KnowledgeBaseError as error:
        raise HelpSiteNotBuilt(str(error)) from None


def _build(config: Config, *, strict: bool) -> int:
    try:
        result = build_help_site(config, strict=strict)
    except HelpSiteNotBuilt as error:
        if error.details:
            print(error.details, file=sys.stderr)
            return fail(f"{error.problem}: fix them and build again")
        return fail(error.problem)
    for built in result.languages:
        print(f"{built.language}: {counted(built.articles, 'article')} -> {built.site_dir}")
    print(f"built in {result.seconds:.1f} s")
    return 0


def site_options(config: Config):
    """The help-site options (kb.site.SiteOptions) from chatdesk config."""
    from kb.site import SiteOptions
    from kb.site.categories import load_category_names, names_path

    site = config.help_site
    names = {c.name: {config.kb.default_language: c.name.replace("-", " ").capitalize()}
             for c in config.categories}  # ticket categories name the default language's at least
    for key, by_language in load_category_names(config.sources_path).items():
        names[key] = {**names.get(key, {}), **by_language}
    return SiteOptions(
        site_name=site.name or None,
        site_url=site.url or None,
        primary=site.primary_color or None,
        accent=site.accent_color or None,
        support_url=site.support_link or None,
        support_label=site.support_label or "#support",
        languages=tuple(site.languages),
        default_language=config.kb.default_language,
        category_names=names,
        category_names_file=names_path(config.sources_path),
        site_names=dict(site.names),
    )


def _root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, help="project directory (default: current directory)")


def _config(args: argparse.Namespace) -> Config:
    root: Path | None = getattr(args, "root", None)
    path = getattr(args, "config", None)
    if path is None and root is not None and (root / "chatdesk.toml").is_file():
        path = root / "chatdesk.toml"
    config = load_config(path)
    if root is not None:
        config = dataclasses.replace(config, root=root.resolve())
    return config


def _ticket_record(config: Config, ticket_id: str) -> dict | None:
    from bot.kb_bridge import store_identity
    from bot.store import store_for

    store = store_for(config)
    try:
        ticket = store.get(ticket_id.upper())
        return dict(ticket.to_record(), store_id=store_identity(store)) if ticket else None
    finally:
        store.close()


def _snapshot(paths: list[Path]) -> dict[str, tuple[float, int]]:
    found: dict[str, tuple[float, int]] = {}
    for path in paths:
        for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
            if item.is_file():
                stat = item.stat()
                found[str(item)] = (stat.st_mtime, stat.st_size)
    return found


def _show_mkdocs_warnings() -> None:
    # In-process MkDocs logs through "mkdocs"; show its warnings (broken links…) on stderr.
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
