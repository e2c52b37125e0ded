"""Remove personal data from ticket text before it becomes a draft or a proposed phrasing.

Numbers are checked by libraries made for them rather than by shape alone: ``phonenumbers``
(Google's libphonenumber metadata) decides what is a phone number in the team's region or,
written with ``+``, in any region; ``python-stdnum`` validates IBANs (mod 97), card numbers
(Luhn), BICs and US social security numbers, so an ordinary serial or amount survives. Names and
street addresses (:mod:`kb.scrub_people`) and order / tracking ids are found by context.
Placeholders keep the sentence readable: "call [phone] about order [order number]".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import phonenumbers
from stdnum import bic, iban, luhn
from stdnum.us import ssn

from kb.scrub_people import ADDRESS, NAME, scrub_addresses, scrub_names

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card number]"
ACCOUNT = "[bank account]"
ID_NUMBER = "[id number]"
ORDER = "[order number]"
TRACKING = "[tracking number]"
REDACTED = "[redacted]"
DEFAULT_REGION = "US"
PLACEHOLDERS = (EMAIL, PHONE, CARD, ACCOUNT, ID_NUMBER, ORDER, TRACKING, REDACTED, ADDRESS, NAME)
__all__ = ["ACCOUNT", "ADDRESS", "CARD", "DEFAULT_ID_PATTERNS", "EMAIL", "ID_NUMBER", "NAME", "ORDER",
           "PHONE", "PLACEHOLDERS", "REDACTED", "TRACKING", "luhn_ok", "region_for_timezone", "scrub"]

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# jane(at)example(dot)com, bob [at] mail [dot] org, anna dot smith at gmx dot de.
_AT = r"(?:\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+|\.)"
_OBFUSCATED_EMAIL = re.compile(
    rf"\b[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}(?:com|org|net|edu|gov|io|co|info|biz|"
    r"[a-z]{2})\b",
    re.IGNORECASE,
)
# Order and tracking ids: the shapes shops and carriers use, and ids introduced by their noun.
DEFAULT_ID_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\b\d{3}-\d{7}-\d{7}\b", ORDER),  # Amazon-style 123-1234567-1234567
    (r"\b1Z ?(?:[0-9A-Z] ?){15}[0-9A-Z]\b", TRACKING),  # UPS
    (r"\b(?:9[2-5]\d{2} ?)(?:\d{4} ?){4}\d{2}\b", TRACKING),  # USPS, 22 digits
    (r"\b[A-Z]{2}\d{9}[A-Z]{2}\b", TRACKING),  # UPU S10: RR123456785DE
    (r"(?i:\b(?:order|bestellung|commande|pedido|ordine)\b(?:\s*(?:no\.?|nr\.?|number|id))?\s*:?\s*)"
     r"(#?(?!\d{4}-\d\d-\d\d)(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{4,})", ORDER),
    (r"(?i:\b(?:tracking|sendungs?|shipment|parcel|package)(?:[\s-]*(?:no\.?|nr\.?|number|id|code|#|nummer))?"
     r"\s*[:#]?\s*)((?=[A-Za-z0-9]*\d)[A-Za-z0-9]{8,})", TRACKING),
    (r"(?<![\w#])#(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,}\b", ORDER),  # #A1B2C3D4
)
_IDS = tuple((re.compile(p), label) for p, label in DEFAULT_ID_PATTERNS)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b", re.IGNORECASE)
_BIC = re.compile(r"(?i:\b(?:bic|swift)(?:\s*code)?\s*[:#]?\s*)([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b")
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
# 13-19 digits, optionally grouped by spaces, dots or dashes: the shapes card numbers are written in.
_CARD = re.compile(r"(?<![\w.])\d(?:[ .-]?\d){12,18}(?![\w])")
# International (+..) or local numbers: digit groups with phone-like separators, (area) codes.
_PHONE = re.compile(
    r"(?<![\w+.,/])(?:\+\d{1,3}[\s./-]?)?(?:\(\d{1,5}\)[\s./-]?)?\d{1,5}(?:[\s./-]?\d{1,5}){0,5}(?![\w]|[.,]\d)"
)
_DATE = re.compile(
    r"\d{4}([-./])\d{1,2}\1\d{1,2}|\d{1,2}([-./])\d{1,2}\2(?:\d{4}|\d{2})|\d{1,2}:\d{2}(?::\d{2})?"
)
_VERSIONISH = re.compile(r"\d+(?:\.\d+){2,}")


def luhn_ok(digits: str) -> bool:
    """True when ``digits`` passes the Luhn check that every payment card number passes."""
    return luhn.is_valid(digits)


def region_for_timezone(timezone: str) -> str:
    """The country (ISO 3166 code) of an IANA time zone, for local phone formats; else the default."""
    return _zone_regions().get(timezone, DEFAULT_REGION)


def scrub(
    text: str,
    *,
    names: Iterable[str] = (),
    patterns: Iterable[str | re.Pattern[str]] = (),
    region: str | None = None,
) -> str:
    """Replace personal data with placeholders: contacts, accounts, ids, addresses and names.

    ``patterns`` are the team's own (they go first: the most specific shapes); ``names`` are the
    people the platform knows (requester, agents, mentions); ``region`` is the team's country
    for phone numbers written without ``+``.
    """
    for pattern in patterns:
        text = re.sub(pattern, REDACTED, text)
    text = _EMAIL.sub(EMAIL, text)
    text = _OBFUSCATED_EMAIL.sub(EMAIL, text)
    for pattern, label in _IDS:
        text = pattern.sub(_keep_prefix(label), text)
    text = _IBAN.sub(_iban, text)
    text = _BIC.sub(_keep_prefix(ACCOUNT, check=bic.is_valid), text)
    text = _SSN.sub(_checked(ID_NUMBER, ssn.is_valid), text)
    text = _CARD.sub(_checked(CARD, lambda v: luhn.is_valid(re.sub(r"\D", "", v))), text)
    phone = _phone_check((region or DEFAULT_REGION).upper())
    text = _PHONE.sub(lambda m: PHONE if phone(m.group(0)) else m.group(0), text)
    text = scrub_addresses(text)
    return scrub_names(text, names)


def _keep_prefix(label: str, *, check: Callable[[str], bool] | None = None):
    # Patterns with a group replace only the id, keeping "order" or "tracking" as context.
    def replace(match: re.Match[str]) -> str:
        if not match.re.groups:
            return label
        if check is not None and not check(match.group(1)):
            return match.group(0)
        start, end = match.span(1)
        whole = match.group(0)
        return whole[: start - match.start()] + label + whole[end - match.start():]

    return replace


def _checked(label: str, valid: Callable[[str], bool]):
    def replace(match: re.Match[str]) -> str:
        try:
            return label if valid(match.group(0)) else match.group(0)
        except Exception:  # a validator's odd input is not personal data
            return match.group(0)

    return replace


def _iban(match: re.Match[str]) -> str:
    # The match may run into the next words ("… 00 please"): try shorter until one validates.
    value = match.group(0)
    for end in range(len(value), 14, -1):
        if value[end - 1].isalnum() and (end == len(value) or not value[end].isalnum()) \
                and iban.is_valid(value[:end]):
            return ACCOUNT + value[end:]
    return value


def _phone_check(region: str) -> Callable[[str], bool]:
    def is_phone(value: str) -> bool:
        digits = re.sub(r"\D", "", value)
        if not 7 <= len(digits) <= 15 or _DATE.fullmatch(value) or _VERSIONISH.fullmatch(value):
            return False
        if value.isdigit():
            # A bare run: a phone when it has a trunk prefix or a phone's length, not a yyyymmdd.
            if _DATE.fullmatch(f"{value[:4]}-{value[4:6]}-{value[6:]}") and len(value) == 8:
                return False
            return (value.startswith("0") and _valid(value, region)) or 9 <= len(digits) <= 12
        if _valid(value, None if value.startswith("+") else region):
            return True
        if value.startswith("+"):
            return _possible(value, None)
        # Local formats of other countries ("030/1234567"): grouped like a phone and possible there.
        return _possible(value, region) or len(digits) >= 8

    return is_phone


def _valid(value: str, region: str | None) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, region))
    except phonenumbers.NumberParseException:
        return False


def _possible(value: str, region: str | None) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(value, region))
    except phonenumbers.NumberParseException:
        return False


_ZONES: dict[str, str] = {}


def _zone_regions() -> dict[str, str]:
    if not _ZONES:
        from importlib import resources

        try:
            table = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text("utf-8")
        except (ModuleNotFoundError, OSError):
            try:  # no tzdata package: the system's time zone database has the same table
                table = Path("/usr/share/zoneinfo/zone.tab").read_text("utf-8")
            except OSError:
                table = ""
        for line in table.splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and not line.startswith("#"):
                _ZONES[fields[2]] = fields[0]
    return _ZONES
