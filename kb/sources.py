"""Load, validate and write ``faq_sources/*.md``: one article per file, YAML front matter + body.

Loading never stops at the first bad file: every problem becomes a :class:`SourceError` that
names the file, the line where known and what is wrong, and the good articles still load.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kb.articles import STATUSES, Article, Pending
from kb.errors import KnowledgeBaseError

# Front matter keys in the order the writer emits them (stable diffs for reviewers).
KEYS: tuple[str, ...] = (
    "title",
    "category",
    "tags",
    "questions",
    "learned",
    "pending",
    "language",
    "translation_key",
    "status",
    "source_tickets",
    "source_store",
    "updated",
)
LIST_KEYS: frozenset[str] = frozenset({"tags", "questions", "learned", "source_tickets"})
# Slugs, tags and categories become URLs and file names on the site: keep them well inside
# every file system's name limit (255 bytes), with room for suffixes and other scripts.
MAX_NAME = 64
# Files in faq_sources/ that are notes for humans, not articles.
SKIPPED_NAMES: frozenset[str] = frozenset({"readme.md", "index.md"})
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_FENCE = "---"


@dataclass(frozen=True, slots=True)
class SourceError:
    """One problem in one source file; ``line`` is 1-based, ``None`` when unknown."""

    path: Path
    problem: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.problem}"


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Every article that loaded, and every problem found on the way (sorted by path)."""

    articles: tuple[Article, ...]
    errors: tuple[SourceError, ...]

    @property
    def ok(self) -> bool:
        """True when no source file had a problem."""
        return not self.errors

    @property
    def published(self) -> tuple[Article, ...]:
        """Only the published articles: what the matcher indexes and the site shows."""
        return tuple(a for a in self.articles if a.published)

    def by_slug(self) -> dict[str, Article]:
        """Articles keyed by slug, for links and for learned phrasings."""
        return {a.slug: a for a in self.articles}


class SourceProblem(KnowledgeBaseError):
    """Raised by :func:`parse_article` for a file that cannot become an article."""


def load_articles(root: Path, *, default_language: str = "en") -> LoadResult:
    """Load every ``*.md`` under ``root`` (recursively, sorted) and collect all problems."""
    root = Path(root)
    articles: list[Article] = []
    errors: list[SourceError] = []
    if not root.is_dir():
        return LoadResult((), (SourceError(root, "sources directory does not exist"),))
    seen: dict[str, Path] = {}
    for path in source_files(root):
        slug = path.stem
        first = seen.get(slug.casefold())
        if first is not None:
            # Slugs are URLs and file names on the site: two files cannot share one.
            errors.append(SourceError(path, f"duplicate slug {slug!r}: already used by {first}"))
            continue
        seen[slug.casefold()] = path
        outside = outside_link(root, path)
        if outside is not None:
            errors.append(SourceError(path, f"is a link to {outside}, outside {root}: not loaded, "
                                            "so nothing outside the sources can be published"))
            continue
        try:
            text = path.read_text(encoding="utf-8")
            articles.append(
                parse_article(text, slug=slug, path=path, default_language=default_language)
            )
        except UnicodeDecodeError as exc:
            errors.append(SourceError(path, f"not valid UTF-8 text ({exc.reason})"))
        except OSError as exc:
            errors.append(SourceError(path, f"cannot read file: {exc.strerror or exc}"))
        except SourceProblem as exc:
            errors.append(SourceError(path, exc.problem, exc.line))
    return LoadResult(tuple(articles), tuple(errors))


def source_files(root: Path) -> list[Path]:
    """The article files under ``root``: ``*.md``, no hidden or ``_``-prefixed ones, sorted.

    Linked directories are not entered (a link loop or a link to ``/`` must not be walked);
    a linked file is listed, and :func:`outside_link` tells whether it leaves ``root``.
    """
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        for name in files:
            path = Path(folder) / name
            if (not name.lower().endswith(".md") or name.startswith((".", "_"))
                    or name.lower() in SKIPPED_NAMES):
                continue
            if path.is_file():
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def outside_link(root: Path, path: Path) -> Path | None:
    """Where ``path`` really is when a link takes it outside ``root``; ``None`` when it stays inside."""
    target = Path(os.path.realpath(path))
    return None if target.is_relative_to(Path(os.path.realpath(root))) else target


def parse_article(
    text: str, *, slug: str, path: Path | None = None, default_language: str = "en"
) -> Article:
    """Parse one source file's text into an :class:`Article` or raise :class:`SourceProblem`."""
    check_slug(slug)
    header, body, body_line = split_front_matter(text)
    data, key_lines = _parse_yaml(header)
    unknown = sorted(set(data) - set(KEYS), key=str)
    if unknown:
        key = unknown[0]
        raise SourceProblem(
            f"unknown front matter key {key!r} (known keys: {', '.join(KEYS)})",
            line=key_lines.get(key),
        )
    fields: dict[str, Any] = {}
    for key in KEYS:
        try:
            fields[key] = _field(key, data.get(key), default_language=default_language)
        except ValueError as exc:
            raise SourceProblem(str(exc), line=key_lines.get(key)) from None
    if fields["status"] == "published" and not body.strip():
        raise SourceProblem("published article has no answer: the body is empty", line=body_line)
    return Article(slug=slug, body=body.strip(), path=path, **fields)


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Split a source file into (YAML header, Markdown body, 1-based line where the body starts)."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or lines[0].strip() != _FENCE:
        raise SourceProblem("missing YAML front matter: the first line must be '---'", line=1)
    for index in range(1, len(lines)):
        if lines[index].strip() == _FENCE:
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise SourceProblem("front matter is not closed: add a '---' line after it", line=1)


def _parse_yaml(header: str) -> tuple[dict[str, Any], dict[str, int]]:
    # Compose first so each key's line is known; the header starts on file line 2.
    loader = yaml.SafeLoader(header)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else None
        raise SourceProblem(f"broken YAML front matter: {exc.problem or exc}", line=line) from None
    except yaml.YAMLError as exc:
        raise SourceProblem(f"broken YAML front matter: {exc}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise SourceProblem("front matter must be a mapping of keys to values", line=2)
    lines = {}
    if isinstance(node, yaml.MappingNode):
        lines = {k.value: k.start_mark.line + 2 for k, _ in node.value if hasattr(k, "value")}
    return data, lines


def _field(key: str, value: Any, *, default_language: str) -> Any:
    if key in LIST_KEYS:
        return _string_list(key, value)
    if key == "pending":
        return _pending(value)
    if key in ("title", "category"):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"missing {key}: every article needs a non-empty {key}")
        if key == "category":
            check_name("category", value)
        return " ".join(value.split())
    if key == "translation_key":
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ValueError("translation_key must be text: the key (often the original's file name "
                             f"without .md) that this article and its translations share, not {value!r}")
        return check_name("translation_key", " ".join(value.split()))
    if key == "source_store":
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(f"source_store must be the store's id, not {value!r}")
        return value
    if key == "language":
        language = default_language if value is None else value
        if not isinstance(language, str) or not _LANGUAGE.match(language):
            raise ValueError(f"language must be a code such as 'en', 'th' or 'fa', not {value!r}")
        return language
    if key == "status":
        # Publishing is a decision: an article that does not say so is a draft.
        status = "draft" if value is None else value
        if status not in STATUSES:
            raise ValueError(f"unknown status {value!r}: use one of {', '.join(STATUSES)}")
        return status
    return _date(value)


def _string_list(key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int) and key == "source_tickets":
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"{key} must be a list (one '- item' per line)")
    items = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise ValueError(f"{key} must hold plain text items, not {item!r}")
        text = " ".join(str(item).split())
        if not text:
            raise ValueError(f"{key} has an empty item")
        if key == "tags":
            check_name("tag", text)
        items.append(text)
    return tuple(items)


def _pending(value: Any) -> tuple[Pending, ...]:
    # Each item is {text, ticket}; a bare string (written by hand) is a wording of no ticket.
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError("pending must be a list of '- text: …' items with their ticket")
    items = []
    for item in value:
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            item = {"text": item}
        if not isinstance(item, dict) or set(item) - {"text", "ticket"}:
            raise ValueError(f"pending items have a text and a ticket, not {item!r}")
        text = " ".join(str(item.get("text") or "").split())
        if not text:
            raise ValueError("pending has an item without text")
        items.append(Pending(text, str(item.get("ticket") or "")))
    return tuple(items)


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"updated must be a date like 2024-05-31, not {value!r}") from None


def check_name(kind: str, value: str) -> str:
    """Return ``value`` if it fits :data:`MAX_NAME` characters, else raise ``ValueError`` saying so."""
    if len(value) > MAX_NAME:
        raise ValueError(
            f"{kind} {value[:40]!r}… is {len(value)} characters long: at most {MAX_NAME}, since "
            f"each {kind} becomes a page address and a file name on the help site"
        )
    return value


def check_slug(slug: str) -> str:
    """Return ``slug`` if it is a lowercase URL-safe name (letters of any script, digits, -)."""
    if len(slug) > MAX_NAME:
        raise SourceProblem(f"file name {slug[:40]!r}… is {len(slug)} characters long: a slug (file "
                            f"name without .md) is at most {MAX_NAME}, since it becomes the page address")
    ok = (
        bool(slug)
        and slug == slug.lower()
        and slug[0] not in "-_."
        and all(ch in "-_" or unicodedata.category(ch)[0] in "LMN" for ch in slug)
    )
    if not ok:
        raise SourceProblem(
            f"bad file name {slug!r}: the slug (file name without .md) becomes the URL, so use "
            "lowercase letters, digits and hyphens"
        )
    return slug


def render_article(article: Article) -> str:
    """Serialise ``article`` as a source file: front matter in :data:`KEYS` order, then body."""
    data: dict[str, Any] = {}
    for key in KEYS:
        value = getattr(article, key)
        if key in LIST_KEYS:
            # questions always shows so authors see where phrasings go; others only when used.
            if value or key == "questions":
                data[key] = list(value)
        elif key == "pending":
            if value:
                data[key] = [{"text": p.text, **({"ticket": p.ticket} if p.ticket else {})} for p in value]
        elif value is not None:
            data[key] = value
    header = yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000
    )
    body = article.body.strip()
    return f"{_FENCE}\n{header}{_FENCE}\n\n{body}\n" if body else f"{_FENCE}\n{header}{_FENCE}\n"


def write_article(article: Article, path: Path) -> None:
    """Write ``article`` to ``path`` atomically, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, render_article(article))


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` via a synced temp file and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def article_from_mapping(
    data: Mapping[str, Any], *, slug: str, body: str, default_language: str = "en"
) -> Article:
    """Build a validated article from front-matter-like data (importers and drafts use this)."""
    header = yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False)
    return parse_article(
        f"{_FENCE}\n{header}{_FENCE}\n\n{body}\n", slug=slug, default_language=default_language
    )


def without_status(articles: Iterable[Article]) -> list[Path]:
    """Files of drafts that are drafts only because they name no ``status`` (older files were published)."""
    found = []
    for article in articles:
        if article.published or article.path is None:
            continue
        try:
            header = split_front_matter(article.path.read_text(encoding="utf-8"))[0]
        except (OSError, UnicodeDecodeError, SourceProblem):
            continue
        if not re.search(r"(?m)^status\s*:", header):
            found.append(article.path)
    return found


def errors_text(errors: Iterable[SourceError]) -> str:
    """All errors, one per line, for ``kb check`` and logs."""
    return "\n".join(str(e) for e in errors)
