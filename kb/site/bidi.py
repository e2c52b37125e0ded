"""Left-to-right islands in right-to-left pages: dates, codes, channels, addresses, measurements.

In a Persian sentence the Unicode bidi algorithm draws "2026-10-12" as "12-10-2026" (digits
after Arabic letters become Arabic numbers, and a hyphen does not join those), "#support" as
"support#" and "30 cm" as "cm 30". Each such run is wrapped in ``<bdi dir="ltr">``, which the
sanitiser allows and browsers lay out as an isolated left-to-right island (unicode-bidi:
isolate), so it reads as written. Plain words ("Homing") are left alone: they need no help.
The markup survives copy-paste, unlike invisible Unicode isolates.
"""

from __future__ import annotations

import re

# Material draws these right to left (its partials/languages/*.html "direction": "rtl").
RTL_LANGUAGES: frozenset[str] = frozenset({"ar", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"})

_UNITS = (
    "%|°C|°F|cm|mm|km|m|kg|g|mg|ml|l|mAh|mA|V|W|kWh|Hz|GHz|MHz|KB|MB|GB|TB|kB|Mbps|ms|s|min|h|"
    "px|in|ft|mi|dB"
)
# A run of Latin letters, ASCII digits and the punctuation codes are written with, starting with
# a letter, digit or one of # @ + (#support, @maria, +49…) and ending in a letter, digit or /.
_TOKEN = r"[#@+]?[A-Za-z0-9][A-Za-z0-9_.:/#@%+\-=?~]*[A-Za-z0-9/%]"
_ISLAND = re.compile(
    r"(?<![\w.#@+\-/])(?:"
    r"\+?\d[\d\- ]{5,}\d"  # phone numbers: groups split by spaces would be reordered
    rf"|\d+(?:[.,]\d+)?\s?(?:{_UNITS})(?![A-Za-z])"  # a number and its unit: "30 cm"
    rf"|{_TOKEN}"
    r")(?![\w#@+\-/])"
)
# Only tokens bidi can get wrong: with a separator or sign inside, not plain words or numbers.
_NEEDS_ISLAND = re.compile(r"[#@+\-/:.%=?~]|\d\s?[A-Za-z%°]|\d\s\d")
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"^</?\s*([A-Za-z][A-Za-z0-9]*)")
# Inside these the text is already left-to-right (code) or already isolated by the author.
_SKIPPED = frozenset({"bdi", "bdo", "code", "kbd", "pre", "samp", "script", "style"})
OPEN = '<bdi dir="ltr">'
CLOSE = "</bdi>"


def is_rtl(language: str) -> bool:
    """True when Material lays out the ``language`` site right to left."""
    return language.split("-")[0].split("_")[0].lower() in RTL_LANGUAGES


def isolate_ltr(html: str) -> str:
    """``html`` with each left-to-right run in its text wrapped in ``<bdi dir="ltr">``."""
    parts = _TAG.split(html)
    skipped = 0
    for n, part in enumerate(parts):
        if n % 2:  # a tag
            match = _TAG_NAME.match(part)
            if match and match.group(1).lower() in _SKIPPED and not part.endswith("/>"):
                skipped += -1 if part.startswith("</") else 1
                skipped = max(skipped, 0)
        elif part and not skipped:
            parts[n] = _ISLAND.sub(_wrap, part)
    return "".join(parts)


def _wrap(match: re.Match[str]) -> str:
    island = match.group(0)
    return f"{OPEN}{island}{CLOSE}" if _NEEDS_ISLAND.search(island) else island
