"""Names and street addresses in ticket text: found by what surrounds them, replaced by placeholders.

No model: names are the people the platform knows (requester, agents, mentions), words after a
title (Mr, Frau, Dr, คุณ …) or a cue ("my name is", "my colleague", a signature), and a surname
that follows a known name. Addresses are a house number with a street word, in the common
English, German, Dutch, French, Spanish and Italian orders, and the usual postcode shapes. Plain
capitalised words ("Premium Plan", "Apple Watch") are left alone: they carry the meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NAME = "[name]"
ADDRESS = "[address]"

_WORD = r"[^\W\d_][\w'’-]*"
_CAP = r"(?=[A-ZÀ-ÖØ-ÞĀ-ſ])" + _WORD  # a word starting with a capital letter (Latin scripts)
_TITLES = (
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Madam", "Herr", "Frau", "Fr", "Hr", "Monsieur",
    "Madame", "Mme", "Mlle", "M", "Señor", "Señora", "Señorita", "Sr", "Sra", "Srta", "Don", "Doña",
    "Signor", "Signora", "Sig", "Sig.ra", "Dott", "Pan", "Pani", "Mevrouw", "Meneer", "Dhr", "Mevr",
)
_TITLE = re.compile(
    rf"\b(?:{'|'.join(re.escape(t) for t in _TITLES)})\.?\s+(?:{_CAP}\.?\s+)?{_CAP}(?:[\s-]+{_CAP}){{0,2}}"
)
# "my name is Jane Doe", "I'm Jane", "this is Jane", "ask my colleague Priya Sharma", signatures.
_CUE = re.compile(
    rf"(?:\b(?i:my name is|my name's|i am|i'm|name:|signed|ich bin|ich heiße|je m'appelle|"
    r"me llamo|mi chiamo|(?:my|our|a) (?:colleague|coworker|co-worker|friend|wife|husband|partner|son|"
    r"daughter|mother|mum|mom|father|dad|brother|sister|boss|manager|neighbou?r|assistant|accountant|"
    r"customer|client|tenant|landlord)|ask|tell|contact|cc|call)\s+)"
    rf"({_CAP}(?:[\s-]+{_CAP}){{0,2}})"
)
# "This is Jane here", "it's Tom from Leeds": an introduction, not "this is Premium Plan".
_INTRO = re.compile(
    rf"\b(?i:this is|it's|it is)\s+({_CAP}(?:[ -]+{_CAP})?)(?=\s+(?i:here|speaking|from)\b|\s*,)"
)
_SIGNATURE = re.compile(
    r"^\s*(?i:(?:best|kind|warm|many)?\s*(?:regards|thanks|thank you|cheers|sincerely|best|greetings|"
    r"grüße|gruß|viele grüße|mfg|cordialement|saludos|saluti|groeten))[ ,.!]*\n\s*"
    rf"({_CAP}(?:[ \t-]+{_CAP}){{0,2}})[ \t]*$",
    re.MULTILINE,
)
# Thai titles: the name follows with no space and runs to the next space (Thai has no word gaps).
# A title inside a word is not one (ขอบคุณ "thank you", ทนาย "lawyer"), except after a greeting.
_THAI = re.compile(
    r"(?:(?<![\u0E00-\u0E7F])|(?<=สวัสดี)|(?<=ถึง)|(?<=เรียน))"
    r"(?:นางสาว|นาง|นาย|คุณ|ด\.ช\.|ด\.ญ\.|เด็กชาย|เด็กหญิง|ดร\.)[\u0E00-\u0E7F]+"
)
# คุณ is also "you": "คุณสามารถ…" (you can …) is an instruction, not a name. The words that
# follow "you" in help text: modals, common verbs and polite particles.
_THAI_NOT_NAME = (
    "สามารถ", "ยกเลิก", "ต้อง", "จะ", "ได้", "ช่วย", "ไม่", "ก็", "เคย", "ควร", "กด", "ลอง", "อาจ", "เปิด", "ปิด",
    "ใช้", "มี", "เป็น", "ทำ", "รับ", "ตั้ง", "เลือก", "ติดต่อ", "ส่ง", "หา", "เห็น", "ยัง", "แค่", "กำลัง", "อยาก",
    "ชอบ", "ค่ะ", "คะ", "ครับ", "จ้ะ", "นะ", "เอง", "แล้ว", "คือ", "เข้า", "ออก", "ซื้อ", "จ่าย", "ชำระ", "ลบ",
    "เพิ่ม", "แก้", "ดู", "รอ", "ถาม", "บอก", "เชื่อม", "จับคู่", "รีเซ็ต", "อัปเดต", "ดาวน์โหลด", "ติดตั้ง", "ลงชื่อ",
    "เข้าสู่ระบบ", "สมัคร", "ย้าย", "เปลี่ยน", "หยุด", "เริ่ม", "พบ", "เจอ", "ทราบ", "รู้", "คิด", "ต้องการ",
)
# Capitalised words that start sentences or greet: never a surname after a known name.
_NOT_SURNAME = frozenset(
    "I I'm I've I'd The This That These Those It It's Is Are Was Can Could Would Will Please Thanks "
    "Thank Hi Hello Hey Dear And But Or So If When Why How What Who Where My Our Your We You They He "
    "She Yes No Ok OK Okay Support Team Sorry Also Just From To On In At For With".split()
)
_STREET_WORDS = (
    "Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|"
    "Close|Crescent|Cres|Parkway|Pkwy|Highway|Hwy|Square|Sq|Row|Mews|Grove|Gardens|Walk|Hill"
)
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room)\.?\s*#?\w{1,5})?"
_STREET_SUFFIX = (
    "straße|strasse|str\\.|weg|gasse|platz|allee|ring|damm|ufer|steig|chaussee|straat|laan|gracht|"
    "plein|kade|singel|gade|vej|gatan|vägen|veien|väg"
)
_LATIN_STREETS = (
    "rue|avenue|av\\.|boulevard|bd|chemin|place|allée|impasse|quai|route|calle|c/|avenida|avda\\.|paseo|"
    "plaza|carrer|via|viale|piazza|corso|largo|rua|travessa"
)
_ADDRESSES = tuple(
    re.compile(pattern)
    for pattern in (
        # 221B Baker Street · 1600 Pennsylvania Avenue NW, Apt 4
        rf"\b\d{{1,6}}[A-Za-z]?,?\s+(?:[NSEW]\.?\s+)?(?:{_CAP}\s+){{1,4}}(?:{_STREET_WORDS})\b\.?"
        rf"(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?{_UNIT}",
        # Hauptstraße 12 · Kerkstraat 5a · Bahnhofstr. 3
        rf"\b{_CAP}(?i:{_STREET_SUFFIX})\s*\d{{1,5}}\s?[a-z]?\b",
        rf"\b(?:{_CAP}[ -])+(?i:Straße|Strasse|Weg|Gasse|Platz|Allee)\s+\d{{1,5}}[a-z]?\b",
        # 12 rue de la Paix · 5, avenida de Mayo
        rf"\b\d{{1,5}}(?:\s?(?:bis|ter))?,?\s+(?i:{_LATIN_STREETS})\s+(?:(?i:de|du|des|la|le|les|del|de la|"
        rf"della|di|da|do|dos|das|l'|d')\s*)*{_WORD}(?:\s+{_CAP})*",
        # Calle Mayor 5 · Via Roma 10
        r"\b(?:Rue|Calle|Avenida|Avda\.|Paseo|Plaza|Carrer|Via|Viale|Piazza|Corso|Largo|Rua|Travessa)\s+"
        r"(?:(?i:de|del|della|di|da|do|dos|la)\s+)*"
        rf"{_CAP}(?:\s+{_CAP})*,?\s+\d{{1,5}}[a-z]?\b",
        r"\b(?i:p\.?\s?o\.?\s?box|postfach|apartado)\s+\d{1,8}\b",
        # Postcodes: UK, US state + ZIP, Canada, NL, and 5 digits before a town (DE, FR, ES, IT).
        r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b",
        r"\b(?:A[LKZR]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|"
        r"T[NX]|UT|V[AT]|W[AIVY])\s+\d{5}(?:-\d{4})?\b",
        r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b",
        rf"\b\d{{4}}\s?[A-Z]{{2}}(?=\s+{_CAP})",
        rf"\b\d{{5}}\s+{_CAP}",
        rf"(?<=,)\s*\d{{4}}\s+{_CAP}",
    )
)


def scrub_addresses(text: str) -> str:
    """Replace street addresses, PO boxes and postcodes with :data:`ADDRESS`."""
    for pattern in _ADDRESSES:
        text = pattern.sub(lambda m: (" " if m.group(0)[:1].isspace() else "") + ADDRESS, text)
    return text


def scrub_names(text: str, names: Iterable[str] = ()) -> str:
    """Replace known people, titled or introduced names and Thai titled names with :data:`NAME`."""
    for name in name_parts(names):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", NAME, text, flags=re.IGNORECASE)
    text = _TITLE.sub(NAME, text)
    text = _CUE.sub(_group_to_name, text)
    text = _INTRO.sub(_group_to_name, text)
    text = _SIGNATURE.sub(_group_to_name, text)
    text = _THAI.sub(_thai_name, text)
    text = re.sub(r"(?<![\w@])@[\w][\w.-]*\w", NAME, text)  # @handles: people the platform knows
    # A surname after a known name: "[name] Jones" (but not "[name] Please …").
    return re.sub(rf"\[name\]((?:[ \t]+{_CAP})+)", _drop_surnames, text)


def name_parts(names: Iterable[str]) -> list[str]:
    """Each full name and its parts (2+ letters), longest first, so no part of a name survives."""
    parts: set[str] = set()
    for name in names:
        name = " ".join((name or "").split())
        if not name:
            continue
        parts.add(name)
        parts.update(p for p in re.split(r"[\s._-]+", name) if len(p) >= 2)
    return sorted(parts, key=len, reverse=True)


def _thai_name(match: re.Match[str]) -> str:
    whole = match.group(0)
    rest = whole[3:] if whole.startswith("คุณ") else ""
    return whole if rest.startswith(_THAI_NOT_NAME) else NAME


def _group_to_name(match: re.Match[str]) -> str:
    start, end = match.span(1)
    whole = match.group(0)
    if match.group(1).split()[0] in _NOT_SURNAME:
        return whole
    return whole[: start - match.start()] + NAME + whole[end - match.start():]


def _drop_surnames(match: re.Match[str]) -> str:
    words = match.group(1).split()
    kept: list[str] = []
    for index, word in enumerate(words):
        if word.strip("'’") in _NOT_SURNAME:
            kept = words[index:]
            break
    return NAME + ("".join(f" {w}" for w in kept))
