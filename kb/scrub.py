"""Remove personal data from ticket text before it becomes an article or a learned phrasing."""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card number]"
NAME = "[name]"
REDACTED = "[redacted]"

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 13-19 digits, optionally grouped by spaces or dashes: the shapes card numbers are written in.
_CARD = re.compile(r"(?<![\w])\d(?:[ -]?\d){12,18}(?![\w])")
# International (+..) or local numbers with at least 7 digits and phone-like separators.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}(?![\w])"
)


def luhn_ok(digits: str) -> bool:
    """True when ``digits`` passes the Luhn check that every payment card number passes."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def scrub(text: str, *, names: Iterable[str] = (), patterns: Iterable[str | re.Pattern[str]] = ()) -> str:
    """Replace emails, phones, Luhn-valid card numbers, ``patterns`` and ``names`` with placeholders."""
    # Configured patterns (order ids…) go first: they are the most specific shapes.
    for pattern in patterns:
        text = re.sub(pattern, REDACTED, text)
    text = _EMAIL.sub(EMAIL, text)
    text = _CARD.sub(_card, text)
    text = _PHONE.sub(_phone, text)
    for name in _name_parts(names):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", NAME, text, flags=re.IGNORECASE)
    return text


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return CARD if luhn_ok(digits) else match.group(0)


def _phone(match: re.Match[str]) -> str:
    value = match.group(0)
    digits = re.sub(r"\D", "", value)
    # Dates (2024-05-01), versions and short codes are not phone numbers.
    if len(digits) < 7 or len(digits) > 15 or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    if not value.startswith("+") and value.isdigit() and not 9 <= len(digits) <= 12:
        return value  # a bare run of digits outside phone lengths is an amount, id or serial
    return PHONE


def _name_parts(names: Iterable[str]) -> list[str]:
    # "Ana María López" removes the full name and each part, longest first, so no part survives.
    parts: set[str] = set()
    for name in names:
        name = " ".join((name or "").split())
        if not name:
            continue
        parts.add(name)
        parts.update(p for p in re.split(r"[\s._-]+", name) if len(p) >= 2)
    return sorted(parts, key=len, reverse=True)
