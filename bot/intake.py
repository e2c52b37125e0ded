"""Deciding whether a channel message is a request for help or just small talk."""

from __future__ import annotations

import re
import unicodedata

# Words that, on their own, carry no request: greetings, thanks, acknowledgements, farewells,
# in the languages the help center serves. A message made only of these opens no ticket.
SMALL_TALK: frozenset[str] = frozenset(
    """
    hi hello hey heya hiya yo hallo hola bonjour ciao salut morning evening afternoon good day all
    everyone folks team there guys thanks thank thankyou thx ty tysm cheers much very so lot a many
    ok okay k kk okey alright cool great nice awesome perfect super got it sure yes yep yeah no nope
    bye goodbye later see you cya welcome np problem lol haha hehe wow gracias merci danke appreciated
    sounds fine done noted understood please again
    สวัสดี ครับ ค่ะ คะ ขอบคุณ ขอบใจ โอเค
    سلام ممنون مرسی خیلی ممنونم متشکرم باشه درود
    """.split()
)


def _words(text: str) -> list[str]:
    """Split on anything that is not a letter, mark or digit (``\\w`` splits Thai vowel marks)."""
    kept = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text)
    return kept.casefold().split()


def is_small_talk(text: str) -> bool:
    """True for messages with no request in them: empty, emoji, punctuation, greetings, thanks."""
    words = _words(unicodedata.normalize("NFKC", text))
    if not words:
        return True  # only emoji, punctuation or whitespace
    return all(_is_small_talk_word(word) for word in words)


def _is_small_talk_word(word: str) -> bool:
    if word in SMALL_TALK or _is_small_talk_run(word):
        return True
    # Stretched spellings ("hiii", "thanksss", "okkk") are still small talk.
    squeezed = re.sub(r"(.)\1+", r"\1", word)
    return squeezed in SMALL_TALK or squeezed.rstrip("s") in SMALL_TALK


_UNSPACED = sorted((w for w in SMALL_TALK if not w.isascii()), key=len, reverse=True)


def _is_small_talk_run(word: str) -> bool:
    """Thai writes words without spaces ("ขอบคุณครับ"): try to cover the run with small-talk words."""
    if word.isascii():
        return False
    rest = word
    while rest:
        match = next((w for w in _UNSPACED if rest.startswith(w)), None)
        if match is None:
            return False
        rest = rest[len(match):]
    return True
