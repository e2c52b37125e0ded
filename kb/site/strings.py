"""The few words the generated pages say themselves, per language (English is the fallback)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "home": "Home",
        "hero_title": "How can we help?",
        "hero_search": "Search the help center: describe your problem in your own words",
        "categories": "Browse by category",
        "articles_one": "1 article",
        "articles_other": "{n} articles",
        "in_category": "Articles in {category}",
        "related": "Related articles",
        "also_asked": "Other ways people ask this",
        "updated": "Last updated",
        "still_need_help": "Still need help?",
        "ask_in": "Ask in {channel} and the team will get back to you.",
        "tags": "Tags",
        "tags_intro": "Every topic the help center covers, with how many articles each has.",
        "language": "English",
        "no_articles": "No articles have been published yet.",
        # Material's palette toggle and the heading anchors: mkdocs.yml's text, not Material's.
        "to_dark": "Switch to dark mode",
        "to_light": "Switch to light mode",
        "to_system": "Switch to system preference",
        "permalink": "Permanent link",
        "made_with": "Made with",  # Material's footer credit, before "Material for MkDocs"
    },
    "th": {
        "home": "หน้าแรก",
        "hero_title": "เราช่วยอะไรคุณได้บ้าง",
        "hero_search": "ค้นหาในศูนย์ช่วยเหลือ: อธิบายปัญหาของคุณด้วยคำของคุณเอง",
        "categories": "เลือกดูตามหมวดหมู่",
        "articles_one": "1 บทความ",
        "articles_other": "{n} บทความ",
        "in_category": "บทความในหมวด {category}",
        "related": "บทความที่เกี่ยวข้อง",
        "also_asked": "คำถามที่คล้ายกัน",
        "updated": "อัปเดตล่าสุด",
        "still_need_help": "ยังต้องการความช่วยเหลืออยู่ไหม",
        "ask_in": "สอบถามได้ที่ {channel} แล้วทีมงานจะติดต่อกลับ",
        "tags": "แท็ก",
        "tags_intro": "หัวข้อทั้งหมดในศูนย์ช่วยเหลือ พร้อมจำนวนบทความ",
        "language": "ไทย",
        "no_articles": "ยังไม่มีบทความที่เผยแพร่",
        "to_dark": "เปลี่ยนเป็นโหมดมืด",
        "to_light": "เปลี่ยนเป็นโหมดสว่าง",
        "to_system": "ใช้ตามการตั้งค่าของระบบ",
        "permalink": "ลิงก์ถาวร",
        "made_with": "สร้างด้วย",
    },
    "fa": {
        "home": "خانه",
        "hero_title": "چطور می‌توانیم کمک کنیم؟",
        "hero_search": "جستجو در مرکز راهنما: مشکل خود را با کلمات خودتان بنویسید",
        "categories": "مرور بر اساس دسته‌بندی",
        "articles_one": "۱ مقاله",
        "articles_other": "{n} مقاله",
        "in_category": "مقاله‌های دستهٔ {category}",
        "related": "مقاله‌های مرتبط",
        "also_asked": "پرسش‌های مشابه",
        "updated": "آخرین به‌روزرسانی",
        "still_need_help": "هنوز به کمک نیاز دارید؟",
        "ask_in": "در {channel} بپرسید تا تیم پشتیبانی پاسخ دهد.",
        "tags": "برچسب‌ها",
        "tags_intro": "همهٔ موضوعات مرکز راهنما و تعداد مقاله‌های هر کدام.",
        "language": "فارسی",
        "no_articles": "هنوز مقاله‌ای منتشر نشده است.",
        "to_dark": "رفتن به حالت تاریک",
        "to_light": "رفتن به حالت روشن",
        "to_system": "پیروی از تنظیمات دستگاه",
        "permalink": "پیوند ثابت",
        "made_with": "ساخته‌شده با",
    },
}

# Display names for the language switcher when a language has no strings table above.
LANGUAGE_NAMES: dict[str, str] = {
    "ar": "العربية", "de": "Deutsch", "es": "Español", "fr": "Français", "he": "עברית",
    "id": "Bahasa Indonesia", "it": "Italiano", "ja": "日本語", "ko": "한국어", "nl": "Nederlands",
    "pt": "Português", "ru": "Русский", "tr": "Türkçe", "vi": "Tiếng Việt", "zh": "中文",
}


def text(language: str, key: str, **values: object) -> str:
    """The ``key`` string in ``language`` (English when missing), formatted with ``values``."""
    table = STRINGS.get(language) or STRINGS["en"]
    template = table.get(key) or STRINGS["en"][key]
    return template.format(**values) if values else template


def count_articles(language: str, n: int) -> str:
    """'1 article' / '12 articles' in ``language``."""
    if language == "fa":
        n_text = str(n).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        return text(language, "articles_other", n=n_text)
    return text(language, "articles_one") if n == 1 else text(language, "articles_other", n=n)


def language_name(language: str) -> str:
    """The language's own name, for the language switcher."""
    if language in STRINGS:
        return STRINGS[language]["language"]
    return LANGUAGE_NAMES.get(language, language)
