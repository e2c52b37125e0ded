"""Close the loop: a resolved ticket's wording becomes a learned phrasing of its article.

Learned phrasings live in their own ``learned`` list in the source file, apart from the
hand-written ``questions``, so a reviewer can see and prune them. The caller scrubs personal
data first; this module only decides whether the wording is new and writes it safely.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from filelock import FileLock

from kb.normalize import normalize
from kb.sources import parse_article, write_article

MAX_LEARNED_CHARS = 300  # a whole conversation is not a phrasing: it would match everything


def add_learned_phrasing(
    path: Path, text: str, *, default_language: str = "en", max_chars: int = MAX_LEARNED_CHARS
) -> bool:
    """Append ``text`` to the article at ``path``'s learned phrasings; False if not added.

    Not added: empty after normalisation, longer than ``max_chars``, or already known (title,
    questions or learned, compared normalised). Raises ``SourceProblem`` for an invalid file.
    """
    path = Path(path)
    wording = " ".join(text.split())
    key = normalize(wording)
    if not key or len(wording) > max_chars:
        return False
    # Two bots (Slack and Discord) may resolve tickets at once: serialise read-modify-write.
    with FileLock(str(path.with_name(f".{path.name}.lock"))):
        article = parse_article(
            path.read_text(encoding="utf-8"),
            slug=path.stem,
            path=path,
            default_language=default_language,
        )
        known = {normalize(t) for t in (article.title, *article.phrasings)}
        if key in known:
            return False
        write_article(dataclasses.replace(article, learned=article.learned + (wording,)), path)
    return True
