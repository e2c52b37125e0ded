"""MkDocs hooks: sanitise every page's HTML, and skip per-page setup work that large sites repeat.

MkDocs loads this file afresh for every build (``hooks:`` in the generated config), so the
caches below live for one build of one language.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

try:
    from kb.sanitize import sanitize_html
except ModuleNotFoundError:  # plain `mkdocs build` from a checkout where chatdesk is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from kb.sanitize import sanitize_html

import markdown
from mkdocs.plugins import event_priority

from kb.site import bidi, internals, jinja_cache, parallel, translations

# (config, its Markdown instance): one build of one language.
_markdown: list[Any] = [None, None]
_shards = parallel.Shards()
_renders = parallel.Renders()
# "fast": MkDocs' internals checked (kb.site.internals) and the probe page rendered the same.
_build: dict[str, Any] = {"nav": None, "parallel": True, "fast": None}


def on_startup(*, command: str, dirty: bool) -> None:
    """`mkdocs serve` rebuilds in a server thread, dirty builds skip pages: no forking there."""
    _build["parallel"] = command != "serve" and not dirty


def on_nav(nav: Any, *, config: Any, files: Any, **_: object) -> Any:
    """Start rendering a share of the pages' Markdown in forked renderers; keep the nav."""
    _build["nav"] = nav
    fast = internals.fast_path()
    if fast is not None and not internals.probe(config=config, files=files, render=_render_markdown):
        fast = None
    _build["fast"] = fast
    if fast is not None and _build["parallel"]:
        parallel.install(fast)
        _renders.start(config=config, files=files, workers=parallel.worker_count(),
                       render=_render_markdown)
    return nav


@event_priority(-100)  # after the tags plugin has filled its listings, which the pages show
def on_env(env: Any, *, config: Any, files: Any, **_: object) -> Any:
    """Every page is rendered now: write them from every core (kb.site.parallel)."""
    _renders.abort()  # all taken by now; nothing may outlive the render phase
    env.auto_reload = False  # templates do not change during a build: no stat() per include
    if env.bytecode_cache is None:
        env.bytecode_cache = jinja_cache.CACHE  # compiled once per process, not per language
    if _build["fast"] is not None and _build["parallel"] and parallel.search_ready(config):
        _shards.start(config=config, files=files, nav=_build["nav"], env=env,
                      workers=parallel.worker_count())
    return env


@event_priority(100)  # before the search plugin writes its index
def on_post_build(*, config: Any, **_: object) -> None:
    """Collect the page writers' search entries and warnings."""
    _shards.finish(config=config)


def on_build_error(**_: object) -> None:
    """Stop the renderers and page writers when the build failed."""
    _renders.abort()
    _shards.abort()


def on_pre_page(page: Any, *, config: Any, **_: object) -> Any:
    """Render the page with one reused Markdown instance instead of a new one per page."""
    if _build["fast"] is not None:
        page.render = lambda config, files: _render(page, config, files)
    return page


def on_page_content(html: str, *, config: Any, **_: object) -> str:
    """Run after Markdown rendering and before search indexing, so the index is clean too.

    On a right-to-left site, left-to-right runs (dates, codes, #channels) become isolated
    islands (kb.site.bidi), after sanitising: the sanitiser allows the <bdi> they are wrapped in.
    """
    html = sanitize_html(html)
    if _right_to_left(config):
        html = bidi.isolate_ltr(html)
    return html


def _right_to_left(config: Any) -> bool:
    # kb.site.config leaves the direction to Material, which takes it from the language.
    theme = config["theme"]
    return bidi.is_rtl(str(theme.get("language") or ""))


def on_page_context(context: Any, *, page: Any, config: Any, **_: object) -> Any:
    """Point the language switcher and the hreflang alternates at this page's translations.

    Material reads both from ``extra.alternate`` (its head links) and our partials/alternate.html
    reads ``extra.chatdesk_switcher``; pages are rendered one at a time, so each sets its own.
    """
    extra = config["extra"]
    languages = extra.get("chatdesk_languages")
    if languages:
        extra["alternate"], extra["chatdesk_switcher"] = translations.page_links(
            (page.meta or {}).get("translations"),
            languages=languages,
            language=str(config["theme"].get("language") or ""),
            default_language=extra.get("chatdesk_default_language") or languages[0]["lang"],
            url=page.url,
            is_homepage=page.is_homepage,
            origin=extra.get("chatdesk_origin") or "",
        )
    return context


def _render(page: Any, config: Any, files: Any) -> None:
    # A forked renderer may have rendered this page already (kb.site.parallel.Renders).
    done = _renders.take(page)
    if done is None:
        done = _render_markdown(page, config, files)
    else:
        for message in done.warnings:
            logging.getLogger("mkdocs").warning(message)
    page.content = done.content
    page.toc = _build["fast"].get_toc(done.toc_tokens)
    page._title_from_render = done.title
    page.present_anchor_ids = done.anchor_ids
    if done.links_to_anchors is not None:
        page.links_to_anchors = {
            files.get_file_from_path(uri): links for uri, links in done.links_to_anchors.items()
        }


def _render_markdown(page: Any, config: Any, files: Any) -> parallel.Rendered:
    # mkdocs.structure.pages.Page.render, with md.reset() instead of building Markdown (and
    # loading every extension) again for each of thousands of pages.
    fast = internals.fast_path()
    if fast is None:
        raise RuntimeError(f"fast rendering of {page.file.src_uri} without checked MkDocs internals")
    if page.markdown is None:
        raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
    if _markdown[0] is not config:
        _markdown[:] = [
            config,
            markdown.Markdown(
                extensions=config["markdown_extensions"],
                extension_configs=config["mdx_configs"] or {},
            ),
        ]
    md = _markdown[1]
    md.reset()
    raw_html_ext = fast.raw_html()
    raw_html_ext._register(md)
    anchors_ext = fast.anchors(page.file, files, config)
    anchors_ext._register(md)
    relative_ext = fast.relative(page.file, files, config)
    relative_ext._register(md)
    title_ext = fast.title()
    title_ext._register(md)
    content = md.convert(page.markdown)
    links = None
    if fast.page_log.getEffectiveLevel() > logging.DEBUG:
        links = {f.src_uri: dict(anchors) for f, anchors in relative_ext.links_to_anchors.items()}
    return parallel.Rendered(
        source=page.markdown,
        content=content,
        toc_tokens=list(getattr(md, "toc_tokens", [])),
        title=title_ext.title,
        anchor_ids=anchors_ext.present_anchor_ids | raw_html_ext.present_anchor_ids,
        links_to_anchors=links,
    )
