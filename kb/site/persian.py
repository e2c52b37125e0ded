"""Persian search: fold Arabic letter variants into the Persian ones, so either keyboard finds it.

Persian text is often typed on Arabic keyboards (or pasted from them): ي (U+064A) for ی, ك
(U+0643) for ک, Arabic-Indic digits for Persian ones. They look alike but are different letters
to search. The generated Persian site writes the Persian forms (the correct spelling), and
assets/chatdesk.js folds the customer's query the same way as it is typed. Zero-width non-joiners
stay (they are part of the spelling); the Persian search splits words on them and on spaces, so
"نمی‌توانم" is found by "نمی توانم" and "نمی‌توانم".
"""

from __future__ import annotations

from kb.articles import Article
from kb.site.text import convert_text

LANGUAGES: frozenset[str] = frozenset({"fa", "ur"})

# Keep in step with PERSIAN_FOLD in assets/chatdesk.js.
FOLD: dict[int, str] = {
    0x064A: "\u06cc",  # ARABIC LETTER YEH -> FARSI YEH
    0x0649: "\u06cc",  # ARABIC LETTER ALEF MAKSURA -> FARSI YEH
    0x0643: "\u06a9",  # ARABIC LETTER KAF -> KEHEH
    0x0640: "",  # TATWEEL (kashida): stretches a word, is not a letter
    0x200D: "",  # ZERO WIDTH JOINER
    **{0x0660 + d: chr(0x06F0 + d) for d in range(10)},  # Arabic-Indic -> Persian digits
}


def fold(text: str) -> str:
    """``text`` with Arabic letter variants replaced by the Persian letters."""
    return text.translate(FOLD)


def folded(article: Article) -> Article:
    """The article with Persian letters in everything the site shows and search indexes."""
    return convert_text(article, fold, tags=True)
