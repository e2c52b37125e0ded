"""Import an existing FAQ list (CSV ``question,answer[,category]`` or YAML) as articles.

Rows that share an answer become one article with several phrasings: FAQ lists often repeat
the same answer under different questions, and one article per answer is what matching needs.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kb.articles import Article, ArticleStatus
from kb.sources import SourceError, source_files, write_article

MAX_SLUG_CHARS = 60
_APOSTROPHES = re.compile(r"['\u2019]")


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One question and its answer as read from the file, with where it came from."""

    question: str
    answer: str
    category: str | None
    line: int | None


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Articles built from an FAQ file, and the rows that could not be used."""

    articles: tuple[Article, ...]
    errors: tuple[SourceError, ...]


def read_faq(path: Path) -> tuple[list[FaqEntry], list[SourceError]]:
    """Read ``path`` (.csv, or .yaml/.yml) into entries; bad rows become errors."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [SourceError(path, f"cannot read FAQ file: {exc}")]
    if path.suffix.lower() == ".csv":
        return _read_csv(path, text)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _read_yaml(path, text)
    return [], [SourceError(path, "unknown FAQ format: use a .csv or .yaml file")]


def _read_csv(path: Path, text: str) -> tuple[list[FaqEntry], list[SourceError]]:
    reader = csv.DictReader(text.splitlines())
    columns = {c.strip().lower(): c for c in reader.fieldnames or ()}
    if not {"question", "answer"} <= set(columns):
        return [], [SourceError(path, "CSV needs a header with question,answer[,category]", 1)]
    entries, errors = [], []
    for number, row in enumerate(reader, start=2):
        entry = {key: (row.get(columns[key]) or "").strip() for key in columns}
        if not entry["question"] or not entry["answer"]:
            errors.append(SourceError(path, "row needs both a question and an answer", number))
            continue
        entries.append(
            FaqEntry(entry["question"], entry["answer"], entry.get("category") or None, number)
        )
    return entries, errors


def _read_yaml(path: Path, text: str) -> tuple[list[FaqEntry], list[SourceError]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [], [SourceError(path, f"broken YAML: {exc}", mark.line + 1 if mark else None)]
    if isinstance(data, Mapping):
        data = data.get("faq", data.get("questions"))
    if not isinstance(data, list):
        return [], [SourceError(path, "YAML must be a list of {question, answer, category}")]
    entries, errors = [], []
    for number, item in enumerate(data, start=1):
        questions = _questions(item)
        answer = item.get("answer") if isinstance(item, Mapping) else None
        if not questions or not isinstance(answer, str) or not answer.strip():
            errors.append(SourceError(path, f"entry {number} needs a question and an answer"))
            continue
        category = item.get("category")
        for question in questions:
            entries.append(FaqEntry(question, answer.strip(), category or None, None))
    return entries, errors


def _questions(item: Any) -> list[str]:
    if not isinstance(item, Mapping):
        return []
    found = item.get("questions", item.get("question"))
    found = [found] if isinstance(found, str) else found
    if not isinstance(found, list):
        return []
    return [q.strip() for q in found if isinstance(q, str) and q.strip()]


def build_articles(
    entries: Iterable[FaqEntry],
    *,
    taken_slugs: Iterable[str] = (),
    default_category: str = "general",
    language: str = "en",
    status: ArticleStatus = "published",
    today: dt.date | None = None,
) -> list[Article]:
    """Group entries by answer (whitespace-insensitive) into articles titled by the first question."""
    groups: dict[str, list[FaqEntry]] = {}
    for entry in entries:
        groups.setdefault(" ".join(entry.answer.split()), []).append(entry)
    taken = set(taken_slugs)
    articles = []
    for group in groups.values():
        questions = list(dict.fromkeys(" ".join(e.question.split()) for e in group))
        slug = _unique(slugify(questions[0]), taken)
        taken.add(slug)
        articles.append(
            Article(
                slug=slug,
                title=questions[0],
                category=next((e.category for e in group if e.category), default_category),
                body=group[0].answer,
                questions=tuple(questions),
                language=language,
                status=status,
                updated=today or dt.date.today(),
            )
        )
    return articles


def import_faq(
    path: Path,
    *,
    root: Path,
    default_category: str = "general",
    language: str = "en",
    status: ArticleStatus = "published",
) -> ImportResult:
    """Read an FAQ file and write one new source file per answer under ``root``."""
    entries, errors = read_faq(path)
    root = Path(root)
    taken = [p.stem for p in source_files(root)] if root.is_dir() else []
    articles = build_articles(
        entries, taken_slugs=taken, default_category=default_category,
        language=language, status=status,
    )
    written = []
    for article in articles:
        target = root / f"{article.slug}.md"
        write_article(article, target)
        written.append(dataclasses.replace(article, path=target))
    return ImportResult(tuple(written), tuple(errors))


def slugify(text: str) -> str:
    """A file-name slug from a question: lowercase words of any script joined by hyphens."""
    folded = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", text).casefold())
    # Letters, marks (Thai vowels) and digits of any script survive; the rest separates words.
    kept = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in folded)
    slug = ""
    for word in kept.split():
        if slug and len(slug) + 1 + len(word) > MAX_SLUG_CHARS:
            break
        slug = f"{slug}-{word}" if slug else word[:MAX_SLUG_CHARS]
    return slug or "article"


def _unique(slug: str, taken: set[str]) -> str:
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate
