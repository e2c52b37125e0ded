"""Builds that can run at the same time: one at a time under a lock, made aside, swapped in whole.

Two processes may build the help site at once (the Slack and the Discord desk started together,
or ``kb build`` while ``kb serve`` rebuilds). Each build takes a file lock next to ``kb_site/``,
writes ``kb_site/`` and ``site/`` into fresh sibling directories and only then swaps them in, so
a reader (the HTTP server) sees the old site or the new one, never half of one, and a build that
fails leaves the last good site in place. A build that waited for the lock reuses the site the
other one just made when their inputs are the same (``build_key``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from filelock import FileLock

from kb.articles import Article
from kb.site.options import SiteOptions

MANIFEST = ".build.json"
_CODE = Path(__file__).parent
_RENAME_EXCHANGE = 2  # linux/fs.h


def lock_path(docs_root: Path) -> Path:
    """The lock every build of ``docs_root`` holds: ``.kb_site.build.lock`` beside it."""
    return docs_root.parent / f".{docs_root.name}.build.lock"


@contextlib.contextmanager
def build_lock(docs_root: Path, *, timeout: float = 600.0) -> Iterator[None]:
    """Hold the build lock of ``docs_root`` (waits for a build running elsewhere)."""
    docs_root.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock_path(docs_root)), timeout=timeout):
        yield


def build_key(
    articles: Sequence[Article], *, options: SiteOptions, config_text: str, strict: bool,
    sources_dir: Path | None,
) -> str:
    """A digest of everything a build's output depends on: same key, same site."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    for article in articles:
        digest.update(repr(article).encode())
    digest.update(repr(options).encode())
    digest.update(config_text.encode())
    digest.update(f"strict={strict}".encode())
    digest.update(f"{version('mkdocs')} {version('mkdocs-material')}".encode())
    for path in sorted(_CODE.rglob("*")):  # this package's code and assets shape every page
        if path.is_file() and path.suffix in {".py", ".css", ".js", ".json", ".html"}:
            digest.update(path.read_bytes())
    if sources_dir is not None and sources_dir.is_dir():  # images are copied from the sources
        for path in sorted(sources_dir.rglob("*")):
            if path.is_file() and path.suffix.lower() not in {".md", ".lock"}:
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def read_manifest(docs_root: Path, site_dir: Path) -> dict[str, Any] | None:
    """What the last finished build recorded, if its site is still there."""
    try:
        manifest = json.loads((docs_root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and (site_dir / "index.html").is_file() else None


def write_manifest(docs_root: Path, manifest: dict[str, Any]) -> None:
    """Record what a finished build made (read by the next build, which may reuse it)."""
    (docs_root / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def scratch_dir(target: Path) -> Path:
    """A new empty directory beside ``target`` (same file system, so it can be renamed over it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))


def remove_leftovers(target: Path) -> None:
    """Delete scratch directories of builds that died (call with the build lock held)."""
    if target.parent.is_dir():
        for stale in target.parent.glob(f".{target.name}.new-*"):
            shutil.rmtree(stale, ignore_errors=True)
        for stale in target.parent.glob(f".{target.name}.old-*"):
            shutil.rmtree(stale, ignore_errors=True)


def swap_in(new: Path, target: Path) -> None:
    """Put directory ``new`` where ``target`` is, in one step where the OS can, and drop the old."""
    if not target.exists() and not target.is_symlink():
        os.rename(new, target)
        return
    if _exchange(new, target):  # now `new` holds the old site
        shutil.rmtree(new, ignore_errors=True)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rename(target, old / target.name)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    # Linux renameat2(RENAME_EXCHANGE): both names swap atomically; readers never see a gap.
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0
