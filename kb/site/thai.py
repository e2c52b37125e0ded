"""Thai has no spaces between words: mark word breaks with U+200B so site search can split them."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from kb.articles import Article
from kb.site.text import convert_text

ZWSP = "\u200b"
_THAI_RUN = re.compile(r"[\u0e00-\u0e7f]+")


def word_breaks(text: str) -> str:
    """``text`` with an invisible zero-width space between Thai words (display is unchanged)."""
    if not _THAI_RUN.search(text):
        return text
    tokenize = _tokenizer()
    return _THAI_RUN.sub(lambda m: ZWSP.join(tokenize(m.group(0))), text)


@functools.cache
def _tokenizer() -> Callable[[str], list[str]]:
    # Loading the dictionary takes ~1 s: only sites with Thai articles pay for it.
    from newmm_tokenizer.tokenizer import word_tokenize

    return word_tokenize


def segmented(article: Article) -> Article:
    """The article with word breaks in everything search indexes: title, body and phrasings."""
    return convert_text(article, word_breaks)
