"""The fast build makes MkDocs' own bytes, falls back when MkDocs' internals change, and overlaps safely."""

from __future__ import annotations

import __future__
import inspect
import json
import os
import subprocess
import sys
import textwrap
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from kb_site_support import REPO, build_sample, sample_articles

import kb.site.build
from kb.articles import Article
from kb.site import SiteBuildError, internals, parallel


@pytest.fixture(autouse=True)
def fresh_internals(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Fork on the small sample too, so the fast path's every part (renderers, writers) runs.
    monkeypatch.setattr(parallel, "MIN_PAGES", 1)
    monkeypatch.setenv("CHATDESK_SITE_WORKERS", "2")
    # Threads earlier tests left (servers shutting down) would turn forking off here.
    monkeypatch.setattr(parallel, "other_threads", lambda: 0)
    internals.reset()
    yield
    internals.reset()


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return sample_articles()


def _files(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def stock_site(tmp_path_factory: pytest.TempPathFactory, articles: list[Article]) -> dict[str, bytes]:
    """The sample built by MkDocs alone: no reused Markdown, no forks."""
    patch = pytest.MonkeyPatch()
    patch.setattr(internals, "PAGE_RENDER_SOURCES", frozenset())
    internals.reset()
    try:
        result = build_sample(tmp_path_factory.mktemp("stock"), articles)
        assert internals.fast_path() is None and "Page.render changed" in (internals.problem() or "")
    finally:
        patch.undo()
        internals.reset()
    return _files(result.site_dir)


def test_fast_path_output_is_byte_identical_to_the_stock_build(tmp_path, articles, stock_site) -> None:
    forks = parallel.forks[0]
    result = build_sample(tmp_path, articles)
    assert internals.fast_path() is not None, internals.problem()
    assert parallel.forks[0] > forks, "the fast build did not fork: nothing was compared"
    fast = _files(result.site_dir)
    assert sorted(fast) == sorted(stock_site)
    for name, content in stock_site.items():
        assert fast[name] == content, name


def _rename_build_page(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if MkDocs renamed _build_page: the module no longer has it, its own build() still works.
    from mkdocs.commands import build as mkdocs_build

    original = mkdocs_build.build
    renamed = types.FunctionType(original.__code__, dict(original.__globals__), original.__name__,
                                 original.__defaults__, original.__closure__)
    renamed.__kwdefaults__ = original.__kwdefaults__
    monkeypatch.delattr(mkdocs_build, "_build_page")
    monkeypatch.setattr(mkdocs_build, "build", renamed)
    monkeypatch.setattr(kb.site.build, "mkdocs_build", renamed)


def _change_processor_constructor(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if a release gave _RelativePathTreeprocessor a new required argument (and used it).
    from mkdocs.structure import pages

    class Changed(pages._RelativePathTreeprocessor):
        def __init__(self, file, files, config, *, page) -> None:
            super().__init__(file, files, config)

    source = textwrap.dedent(inspect.getsource(pages.Page.render)).replace(
        "_RelativePathTreeprocessor(self.file, files, config)",
        "_RelativePathTreeprocessor(self.file, files, config, page=self)",
    )
    namespace: dict[str, object] = {}
    code = compile(source, pages.__file__, "exec", flags=__future__.annotations.compiler_flag)
    exec(code, pages.__dict__, namespace)  # noqa: S102 - MkDocs' own source, one call changed
    monkeypatch.setattr(pages, "_RelativePathTreeprocessor", Changed)
    monkeypatch.setattr(pages.Page, "render", namespace["render"])


def _drop_title_from_render(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if Page stopped reading _title_from_render: the fast path's title would be lost.
    from mkdocs.structure import pages

    monkeypatch.setattr(internals, "_source", lambda member: "" if member is pages.Page else
                        inspect.getsource(member))


@pytest.mark.parametrize(("upgrade", "problem"), [
    (_rename_build_page, "_build_page is missing"),
    (_change_processor_constructor, "_RelativePathTreeprocessor takes other arguments"),
    (_drop_title_from_render, "no longer has _title_from_render"),
])
def test_a_changed_internal_falls_back_to_the_stock_build(
    tmp_path, monkeypatch, articles, stock_site, upgrade, problem
) -> None:
    upgrade(monkeypatch)
    result = build_sample(tmp_path, articles)
    assert internals.fast_path() is None
    assert problem in (internals.problem() or "")
    assert _files(result.site_dir) == stock_site


def test_a_rendering_that_differs_from_page_render_falls_back(tmp_path, monkeypatch, articles,
                                                                stock_site) -> None:
    # Same names and arguments, other behaviour: only the probe can see it.
    real = parallel.Rendered
    monkeypatch.setattr(parallel, "Rendered", lambda **kw: real(**{**kw, "title": "changed"}))
    result = build_sample(tmp_path, articles)
    assert internals.fast_path() is None and "differs from Page.render" in (internals.problem() or "")
    monkeypatch.undo()
    assert _files(result.site_dir) == stock_site


def test_parallel_merge_fails_loudly_when_search_entries_are_missing(tmp_path, monkeypatch,
                                                                      articles) -> None:
    # Articles indexed by Material's search (the chatdesk index replaces that, but a page a user
    # adds to mkdocs.yml is), and the search plugin's index moved: the page writers find none.
    from kb.site import pages

    page = pages.article_page
    monkeypatch.setattr(pages, "article_page", lambda *a, **k: page(*a, **k).replace(
        'search: {"exclude": true}\n', "", 1))
    parent, real = os.getpid(), parallel._search_index
    monkeypatch.setattr(parallel, "_search_index",
                        lambda config: real(config) if os.getpid() == parent else None)
    with pytest.raises(SiteBuildError, match=r"search entries missing for \d+ page"):
        build_sample(tmp_path, articles)


def test_no_page_writers_without_the_search_index_where_expected() -> None:
    class Config:
        plugins = {"material/search": types.SimpleNamespace(), "material/tags": object()}

    assert not parallel.search_ready(Config())
    Config.plugins = {"material/tags": object()}
    assert parallel.search_ready(Config())
    Config.plugins = {"material/search": types.SimpleNamespace(search_index=types.SimpleNamespace(entries=[]))}
    assert parallel.search_ready(Config())


def test_no_fork_while_another_thread_runs(monkeypatch) -> None:
    # `kb serve` rebuilds while its HTTP server thread runs: a fork would copy held locks.
    monkeypatch.undo()
    monkeypatch.setenv("CHATDESK_SITE_WORKERS", "2")
    real, before = parallel.other_threads, threading.active_count()
    monkeypatch.setattr(parallel, "other_threads", lambda: real() - (before - 1))
    assert parallel.worker_count() == 2
    stop = threading.Event()
    server = threading.Thread(target=stop.wait)
    server.start()
    try:
        assert real() >= 1 and parallel.worker_count() == 1
    finally:
        stop.set()
        server.join()


_BUILD = """
import json, sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from kb_site_support import OPTIONS
from kb.articles import Article
from kb.site import build_site
articles = [Article(slug=f"a-{{i}}", title=f"{{sys.argv[1]}} article {{i}}", category="billing",
                    body="Some words.\\n\\n## Steps\\n\\n1. one\\n") for i in range(8)]
result = build_site(articles, root=Path({root!r}), options=OPTIONS)
print(json.dumps({{"reused": result.reused, "site": str(result.site_dir)}}))
"""


def _run_together(root: Path, *titles: str) -> list[dict[str, object]]:
    script = _BUILD.format(tests=str(REPO / "tests"), root=str(root))
    env = {**os.environ, "CHATDESK_SITE_WORKERS": "1"}
    runs = [subprocess.Popen([sys.executable, "-c", script, title], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=REPO, env=env) for title in titles]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_two_builds_at_once_both_succeed_and_the_second_reuses_the_first(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_bytes((REPO / "mkdocs.yml").read_bytes())
    same = _run_together(tmp_path, "Alpha", "Alpha")
    assert sorted(r["reused"] for r in same) == [False, True]
    different = _run_together(tmp_path, "Beta", "Gamma")
    assert [r["reused"] for r in different] == [False, False]
    site = tmp_path / "site"
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    titles = {d["title"].split()[0] for d in index["docs"] if "#" not in d["location"]}
    assert len(titles) == 1 and titles <= {"Beta", "Gamma"}  # one whole build, not a mix
    assert len([d for d in index["docs"] if "#" not in d["location"]]) == 8
    assert not [p.name for p in tmp_path.iterdir() if ".new-" in p.name or ".old-" in p.name]
