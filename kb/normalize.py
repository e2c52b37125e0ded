"""Text normalisation shared by indexing and querying, so both sides compare like with like.

NFKC folds compatibility forms (full-width letters, ligatures); casefold handles ß and friends;
every script's digits become ASCII; punctuation becomes space. Persian and Arabic spellings of
the same letter are folded together, and zero-width non-joiners are treated as a word break.
Thai (and other scripts written without spaces) need no segmentation for the character n-grams
the matcher relies on; a word segmenter can still be plugged in. Segmenters apply to every
text, queries included (a query's language is unknown), so each must leave other scripts alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

Segmenter = Callable[[str], list[str]]

# Arabic-script letters that Persian keyboards and Arabic keyboards spell differently.
_ARABIC_SCRIPT_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
        "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
        "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
        "\u0629": "\u0647",  # TEH MARBUTA -> HEH
        "\u0623": "\u0627",  # ALEF WITH HAMZA ABOVE -> ALEF
        "\u0625": "\u0627",  # ALEF WITH HAMZA BELOW -> ALEF
        "\u0622": "\u0627",  # ALEF WITH MADDA -> ALEF
        "\u0640": None,  # TATWEEL (decorative stretching)
    }
)
# Joiners and marks that change the look, not the word: ZWNJ/ZWJ/LRM/RLM and the BOM.
_INVISIBLE_BREAKS = {"\u200c": " ", "\u200d": "", "\u200e": "", "\u200f": "", "\ufeff": ""}
# Apostrophes join ("don't" -> "dont") so contractions match the way people type them.
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")
_SPACES = re.compile(r"\s+")

_segmenters: dict[str, Segmenter] = {}


def register_segmenter(name: str, segmenter: Segmenter | None) -> None:
    """Plug in a word segmenter (e.g. pythainlp's ``word_tokenize`` as "th"); None removes it.

    Rebuild any matcher afterwards: index and queries must be normalised the same way.
    """
    if segmenter is None:
        _segmenters.pop(name, None)
    else:
        _segmenters[name] = segmenter


def normalize(text: str) -> str:
    """Fold ``text`` to a comparable form: NFKC, casefold, ASCII digits, no punctuation."""
    text = unicodedata.normalize("NFKC", text)
    for mark, replacement in _INVISIBLE_BREAKS.items():
        text = text.replace(mark, replacement)
    text = text.casefold().translate(_ARABIC_SCRIPT_FOLD)
    text = _APOSTROPHES.sub("", text)
    text = text.translate(_FOLD_TABLE)
    for name in sorted(_segmenters):
        text = " ".join(_segmenters[name](text))
    return _SPACES.sub(" ", text).strip()


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first sight of each character (fast on 10k texts)."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


def _fold_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Nd":
        return str(unicodedata.decimal(ch))  # ۳ / ๓ / ٣ -> 3
    if category[0] in "PSZC":
        return " "
    if category == "Mn" and "\u064b" <= ch <= "\u065f" or ch == "\u0670":
        return ""  # Arabic harakat: optional vowel marks most people never type
    return ch


_FOLD_TABLE = _FoldTable()


def tokens(text: str) -> list[str]:
    """Normalised words of ``text`` (after segmentation, when a segmenter is registered)."""
    return normalize(text).split()
