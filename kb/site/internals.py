"""Every private MkDocs API the fast build uses, checked once: on any mismatch, MkDocs' own build.

The fast path (kb/site/hooks.py, kb/site/parallel.py) reuses one Markdown instance per build
instead of one per page, and writes pages from forked children. Both lean on MkDocs internals
that may change in any release (pyproject.toml pins the tested minor range, but a user may
install another):

- ``mkdocs.commands.build._build_page`` (the per-page writer the children call and the parent skips),
- the per-page Markdown processors of ``mkdocs.structure.pages`` and ``get_toc``,
- ``Page._title_from_render`` (what ``Page.title`` reads after rendering),
- the search plugin's ``search_index.entries`` list (the children's entries are merged into it).

Nothing else may import those names: ask ``fast_path()``, which checks them once per process and
returns None (with ``problem()`` saying why) when anything differs. A rendering probe then
compares the fast rendering of the build's first page with ``Page.render`` itself
(``probe_render``): a change in behaviour, not only in names, also means the stock build.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("mkdocs.plugins.chatdesk")

# The MkDocs versions whose internals match what this module expects (pyproject.toml pins them).
TESTED_MKDOCS = "1.6"
# sha256 (first 16 hex digits) of the source of each Page.render that hooks._render_markdown copies.
PAGE_RENDER_SOURCES: frozenset[str] = frozenset({"320529348f7a8af1"})  # mkdocs 1.6.1


@dataclass(frozen=True, slots=True)
class FastPath:
    """The checked MkDocs internals, for the hooks and the parallel page writers."""

    build_module: Any
    build_page: Callable[..., None]
    raw_html: type
    anchors: type
    relative: type
    title: type
    get_toc: Callable[[list[Any]], Any]
    page_log: logging.Logger


_state: dict[str, Any] = {"checked": False, "fast": None, "problem": None, "probed": None}


def fast_path() -> FastPath | None:
    """The internals if every one is as expected (checked on first call), else None."""
    if not _state["checked"]:
        fast, problem = _check()
        _state.update(checked=True, fast=fast, problem=problem)
        if problem:
            log.info(f"fast help-site build off, using MkDocs' own: {problem}")
    if _state["probed"] is False:
        return None
    return _state["fast"]


def problem() -> str | None:
    """Why the fast path is off (None when it is on or not checked yet)."""
    return _state["problem"]


def reset() -> None:
    """Check again on the next call (tests simulate MkDocs upgrades)."""
    _state.update(checked=False, fast=None, problem=None, probed=None)


def _check() -> tuple[FastPath | None, str | None]:
    try:
        from mkdocs.commands import build as build_module
        from mkdocs.structure import pages
    except ImportError as exc:  # pragma: no cover - MkDocs is a dependency
        return None, f"cannot import MkDocs' build modules ({exc})"
    found: dict[str, Any] = {}
    for module, name in [(build_module, "_build_page"), *[(pages, n) for n in _PROCESSORS]]:
        value = getattr(module, name, None)
        if value is None:
            return None, f"{module.__name__}.{name} is missing"
        found[name] = value
    # What this code passes to each (a TypeError later would kill the build).
    calls: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
        "_build_page": (("page", "config", "doc_files", "nav", "env"), {"excluded": False}),
        "_RawHTMLPreprocessor": ((), {}),
        "_ExtractAnchorsTreeprocessor": (("file", "files", "config"), {}),
        "_RelativePathTreeprocessor": (("file", "files", "config"), {}),
        "_ExtractTitleTreeprocessor": ((), {}),
        "get_toc": (("tokens",), {}),
    }
    for name, (args, kwargs) in calls.items():
        value = found[name]
        try:
            signature = inspect.signature(value)
            if isinstance(value, type) and "self" in signature.parameters:  # pragma: no cover
                args = ("self", *args)
            signature.bind(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            return None, f"{getattr(value, '__module__', '?')}.{name} takes other arguments now ({exc})"
        if isinstance(value, type) and not callable(getattr(value, "_register", None)):
            return None, f"{pages.__name__}.{name} has no _register method"
    if "self._title_from_render" not in _source(pages.Page):
        return None, "mkdocs.structure.pages.Page no longer has _title_from_render"
    render_hash = hashlib.sha256(_source(pages.Page.render).encode()).hexdigest()[:16]
    if render_hash not in PAGE_RENDER_SOURCES:
        return None, (
            f"mkdocs.structure.pages.Page.render changed (source {render_hash}; "
            "kb/site/hooks.py copies it: compare, then add the hash to PAGE_RENDER_SOURCES)"
        )
    return FastPath(
        build_module=build_module,
        build_page=found["_build_page"],
        raw_html=found["_RawHTMLPreprocessor"],
        anchors=found["_ExtractAnchorsTreeprocessor"],
        relative=found["_RelativePathTreeprocessor"],
        title=found["_ExtractTitleTreeprocessor"],
        get_toc=found["get_toc"],
        page_log=getattr(pages, "log", logging.getLogger("mkdocs.structure.pages")),
    ), None


_PROCESSORS = (
    "_RawHTMLPreprocessor", "_ExtractAnchorsTreeprocessor", "_RelativePathTreeprocessor",
    "_ExtractTitleTreeprocessor", "get_toc",
)


def _source(member: Any) -> str:
    try:
        return inspect.getsource(member)
    except (OSError, TypeError):
        return ""


def probe(*, config: Any, files: Any, render: Callable[[Any, Any, Any], Any]) -> bool:
    """Render one page the fast way and with ``Page.render`` itself; True when they agree.

    Run once per process, on the build's first page; a disagreement turns the fast path off.
    """
    if _state["probed"] is not None:
        return bool(_state["probed"])
    doc = next((f for f in files.documentation_pages() if f.page is not None), None)
    if doc is None:
        return True  # nothing to render: nothing can differ (checked again on the next build)
    page = copy.copy(doc.page)
    logging.disable(logging.CRITICAL)  # the page is rendered for real later: warn only then
    try:
        page.read_source(config)
        fast = render(page, config, files)
        type(page).render(page, config, files)
        same = (
            fast.content == page.content
            and fast.title == getattr(page, "_title_from_render", None)
            and fast.anchor_ids == page.present_anchor_ids
            and str(_state["fast"].get_toc(fast.toc_tokens)) == str(page.toc)
        )
        reason = f"the fast rendering of {doc.src_uri} differs from Page.render's"
    except Exception as exc:  # noqa: BLE001 - any failure of the fast path means the stock build
        same, reason = False, f"rendering {doc.src_uri} the fast way failed ({exc!r})"
    finally:
        logging.disable(logging.NOTSET)
    _state["probed"] = same
    if not same:
        _state["problem"] = reason
        log.info(f"fast help-site build off, using MkDocs' own: {reason}")
    return same


@functools.cache
def mkdocs_version() -> str:
    """The installed MkDocs version (for build keys and messages)."""
    from importlib.metadata import version

    return version("mkdocs")
