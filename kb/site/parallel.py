"""Write a large site's pages on every core: forked children template and write a share of them.

MkDocs builds on one core: it first renders every page's Markdown, then puts each page through
the theme's templates and the search indexer and writes it (``_build_page``), which is about
half of a 1,000-article build. By ``on_env`` every page is rendered, so a forked child already
holds all it needs (nav, pages, Jinja environment) to write its share of the pages. It sends back
what only the parent can use: its search-index entries and its warnings (so ``--strict`` still
fails). The parent skips those pages and merges the entries before search writes its index.

Used by kb/site/hooks.py, only when kb.site.internals found MkDocs' internals as expected;
Linux only (fork), never for ``mkdocs serve`` or dirty builds, and never while another thread
runs (``kb serve``'s HTTP server): a fork copies only the calling thread, so a lock another thread
holds (logging's, the server's) would stay locked forever in the child.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, InclusionLevel

from kb.site.build import WarningCollector

# Below this many pages a fork saves less than it costs; CHATDESK_SITE_WORKERS overrides the count.
MIN_PAGES = 150
log = logging.getLogger("mkdocs.plugins.chatdesk")

# The checked MkDocs page writer (kb.site.internals.FastPath.build_page), once installed.
_original: dict[str, Callable[..., None]] = {}
# Children forked in this process so far (tests check the fast path really ran).
forks = [0]
# id(config) -> ids of the pages a child writes in that build: the parent skips them.
_skipped: dict[int, set[int]] = {}


def other_threads() -> int:
    """Threads of this process besides the calling one (a fork would copy none of them)."""
    return threading.active_count() - 1


def worker_count() -> int:
    """Processes that write pages: every CPU this process may use, or CHATDESK_SITE_WORKERS."""
    if other_threads():  # see the module docstring: never fork beside a thread
        return 1
    configured = os.environ.get("CHATDESK_SITE_WORKERS", "").strip()
    if configured:
        return max(1, int(configured))
    if sys.platform != "linux":  # fork is unsafe on macOS and missing on Windows
        return 1
    return len(os.sched_getaffinity(0))


def _build_page(page: Any, config: Any, *args: Any, **kwargs: Any) -> None:
    if id(page) in _skipped.get(id(config), ()):
        return
    _original["build_page"](page, config, *args, **kwargs)


def install(fast: Any) -> None:
    """Route MkDocs' per-page writer (checked: ``fast`` is kb.site.internals.FastPath) through the skip list."""
    if fast.build_module._build_page is not _build_page:
        _original["build_page"] = fast.build_page
        fast.build_module._build_page = _build_page


@dataclass(frozen=True, slots=True)
class Rendered:
    """One page's Markdown rendered (what Page.render sets), in a form that pickles."""

    source: str
    content: str
    toc_tokens: list[Any]
    title: str | None
    anchor_ids: set[str]
    links_to_anchors: dict[str, dict[str, str]] | None
    warnings: tuple[str, ...] = ()


class Renders:
    """Markdown for the last pages rendered by forked children while the parent does the first.

    Started at ``on_nav``; the parent takes each result when it reaches that page, and renders
    the page itself if the child's source differs from its own (or the child failed).
    """

    def __init__(self) -> None:
        self._children: dict[str, _Child] = {}  # page src_uri -> the child rendering it
        self._results: dict[str, Rendered] = {}

    def start(self, *, config: Any, files: Any, workers: int,
              render: Callable[[Any, Any, Any], Rendered]) -> None:
        """Fork ``workers - 1`` children for the last ``(workers - 1) / workers`` of the pages."""
        self.abort()
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        if workers < 2 or len(doc_files) < MIN_PAGES:
            return
        size = -(-len(doc_files) // workers)
        for k in range(1, workers):
            share = doc_files[k * size:(k + 1) * size]
            read_fd, write_fd = os.pipe()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            forks[0] += 1
            if pid == 0:
                os.close(read_fd)
                _render_child(share, config=config, files=files, render=render, fd=write_fd)
            os.close(write_fd)
            child = _Child(pid, read_fd)
            self._children.update((f.src_uri, child) for f in share)

    def take(self, page: Any) -> Rendered | None:
        """The child's rendering of ``page`` if it matches the parent's source, else None."""
        uri = page.file.src_uri
        child = self._children.get(uri)
        if child is not None:
            report = _read_report(child)
            for key in [k for k, c in self._children.items() if c == child]:
                del self._children[key]
            self._results.update(report.get("pages", {}))
            if "error" in report:
                log.debug(f"renderer failed, rendering its pages here: {report['error']}")
        done = self._results.pop(uri, None)
        return done if done is not None and done.source == page.markdown else None

    def abort(self) -> None:
        """Stop children that are still running; forget results nobody took."""
        for child in set(self._children.values()):
            child.stop()
        self._children.clear()
        self._results.clear()


def _render_child(share: Sequence[File], *, config: Any, files: Any,
                  render: Callable[[Any, Any, Any], Rendered], fd: int) -> None:
    from mkdocs.structure.pages import Page

    status = 0
    collector = WarningCollector()
    logger = logging.getLogger("mkdocs")
    logger.handlers = [collector]
    logger.propagate = False
    pages: dict[str, Rendered] = {}
    try:
        for file in share:
            page = file.page or Page(None, file, config)
            page.read_source(config)
            page.markdown = config.plugins.on_page_markdown(
                page.markdown, page=page, config=config, files=files
            )
            before = len(collector.messages)
            done = render(page, config, files)
            pages[file.src_uri] = dataclasses.replace(
                done, warnings=tuple(collector.messages[before:])
            )
        report: dict[str, Any] = {"pages": pages}
    except BaseException:  # noqa: BLE001 - the parent renders what is missing itself
        report = {"pages": pages, "error": traceback.format_exc()}
        status = 1
    _send(report, fd=fd, status=status)


def _send(report: dict[str, Any], *, fd: int, status: int) -> None:
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(report, out, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        os._exit(status)  # no atexit handlers, no pytest teardown, no flushing of parent state


@dataclass(frozen=True, slots=True)
class _Child:
    pid: int
    fd: int

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.close(self.fd)
        os.waitpid(self.pid, 0)


class Shards:
    """One build's page writers: started at ``on_env``, joined at ``on_post_build``."""

    def __init__(self) -> None:
        self._children: list[_Child] = []
        self._config: Any = None
        self._doc_files: Sequence[File] = ()

    def start(self, *, config: Any, files: Any, nav: Any, env: Any, workers: int) -> None:
        """Fork ``workers - 1`` children, each writing every ``workers``-th page."""
        doc_files: Sequence[File] = files.documentation_pages(inclusion=InclusionLevel.is_included)
        if workers < 2 or nav is None or len(doc_files) < MIN_PAGES:
            return
        self._config = config
        self._doc_files = doc_files
        skipped = _skipped.setdefault(id(config), set())
        for k in range(1, workers):
            share = doc_files[k::workers]
            read_fd, write_fd = os.pipe()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            forks[0] += 1
            if pid == 0:  # the child: write its pages, report, and leave without cleanup
                os.close(read_fd)
                _run_child(share, config=config, doc_files=doc_files, nav=nav, env=env, fd=write_fd)
            os.close(write_fd)
            self._children.append(_Child(pid, read_fd))
            skipped.update(id(f.page) for f in share)

    def finish(self, *, config: Any) -> None:
        """Wait for the children; merge their search entries and repeat their warnings.

        Fails loudly when a page a child wrote should be searchable but sent no entry: a build
        that reports success with half the articles missing from search is worse than none.
        """
        children, self._children = self._children, []
        _skipped.pop(id(config), None)
        errors = []
        entries: list[dict[str, Any]] = []
        missing: list[str] = []
        for child in children:
            report = _read_report(child)
            if "error" in report:
                errors.append(report["error"])
                continue
            entries.extend(report["entries"])
            missing.extend(url for url, count, searchable in report["pages"] if searchable and not count)
            for message in report["warnings"]:
                logging.getLogger("mkdocs").warning(message)
        if errors:
            raise PluginError("a page writer failed:\n" + "\n".join(errors))
        index = _search_index(config)
        if missing or (entries and index is None):
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise PluginError(
                f"search entries missing for {len(missing)} page(s) written in parallel ({shown}): "
                "the search plugin's index is not where kb.site.internals expects it; "
                "set CHATDESK_SITE_WORKERS=1 to build in one process"
            )
        if index is not None and entries:
            index.entries.extend(entries)
            order = {f.page.url: n for n, f in enumerate(self._doc_files) if f.page is not None}
            # Stable: sections keep their order within a page; pages keep the build order.
            index.entries.sort(key=lambda e: order.get(e["location"].split("#", 1)[0], len(order)))

    def abort(self) -> None:
        """Stop the children of a build that failed in the parent."""
        children, self._children = self._children, []
        if self._config is not None:
            _skipped.pop(id(self._config), None)
        for child in children:
            child.stop()


def _run_child(share: Sequence[File], *, config: Any, doc_files: Sequence[File], nav: Any, env: Any,
               fd: int) -> None:
    status = 0
    collector = WarningCollector()
    logger = logging.getLogger("mkdocs")
    logger.handlers = [collector]  # the parent logs these once, through its own handlers
    logger.propagate = False
    try:
        index = _search_index(config)
        before = len(index.entries) if index is not None else 0
        pages = []  # (url, search entries it made, whether it should have made some)
        for file in share:
            made = len(index.entries) if index is not None else 0
            _original["build_page"](
                file.page, config, doc_files, nav, env, excluded=file.inclusion.is_excluded()
            )
            count = (len(index.entries) if index is not None else 0) - made
            pages.append((file.page.url, count, _searchable(file.page, config)))
        entries = index.entries[before:] if index is not None else []
        report: dict[str, Any] = {"entries": entries, "warnings": collector.messages, "pages": pages}
    except BaseException:  # noqa: BLE001 - everything goes back to the parent as text
        report = {"error": traceback.format_exc()}
        status = 1
    _send(report, fd=fd, status=status)


def _read_report(child: _Child) -> dict[str, Any]:
    chunks = []
    with os.fdopen(child.fd, "rb") as pipe:
        while chunk := pipe.read(1 << 20):
            chunks.append(chunk)
    _, status = os.waitpid(child.pid, 0)
    try:
        return pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - a child killed mid-write
        return {"error": f"page writer {child.pid} exited with status {status} and no report"}


def search_ready(config: Any) -> bool:
    """True when no search plugin runs, or its index entries are where the merge puts them."""
    return _search_index(config) is not None or not any(_is_search(n) for n in config.plugins)


def _is_search(name: str) -> bool:
    return name == "search" or name.endswith("/search")


def _searchable(page: Any, config: Any) -> bool:
    search = page.meta.get("search") or {}
    return any(_is_search(n) for n in config.plugins) and not (
        isinstance(search, dict) and search.get("exclude")
    )


def _search_index(config: Any) -> Any:
    # Private to Material's (and MkDocs') search plugin: kb.site.internals' docstring lists it.
    for name, plugin in config.plugins.items():
        index = getattr(plugin, "search_index", None)
        if _is_search(name) and index is not None and isinstance(getattr(index, "entries", None), list):
            return index
    return None
