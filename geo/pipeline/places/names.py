"""Name keys: one spelling-insensitive key per place name.

News text and gazetteers spell names romanised from Arabic in many ways: "Al Mukalla" /
"Mukalla", "Şabrātah" / "Sabratha", "Bir al-Ghanam" / "Bir Al Ghanam", "Ajdabiya" /
"Ajdabiyah".
Instead of listing variants per town, both the gazetteer and the text are reduced to the
same key: ASCII-folded, lower case, apostrophes and hamza/ayn marks removed, the Arabic
article dropped, doubled letters collapsed and a final "h" after a vowel dropped.
"""

from __future__ import annotations

import re
import unicodedata

# The Arabic definite article in its usual romanisations, assimilated forms included
# ("Ar Rayyan", "As Sallum", "Ash Shihr", "Adh Dhahirah").
ARABIC_ARTICLES = frozenset({"al", "el", "ar", "as", "ash", "an", "ad", "adh", "at", "ath", "az"})
_QUOTES = re.compile(r"[\u2018\u2019\u201b\u02bb\u02bc\u02be\u02bf\u0060\u00b4'ʿʾ]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLED = re.compile(r"([a-z])\1+")


# Latin letters that Unicode decomposition does not reduce to ASCII.
_LATIN_EXTRA = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ħ": "h",
        "Ħ": "H",
        "þ": "th",
        "ð": "d",
        "ŀ": "l",
        "ĸ": "k",
        "ŋ": "n",
    }
)


def fold(text: str) -> str:
    """ASCII-fold and lower-case; apostrophes vanish, other punctuation becomes space.

    Decomposition (NFKD) strips the diacritics of Latin script; other scripts fall out as
    punctuation, which is fine because gazetteer names are kept only in Latin script.
    """
    text = _QUOTES.sub("", text).translate(_LATIN_EXTRA)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _NON_ALNUM.sub(" ", text.replace("'", "")).strip()


def _token_key(token: str) -> str:
    collapsed = _DOUBLED.sub(r"\1", token)
    # "Ann", "All", "Ass": words, not the article their collapsed form spells; collapsed,
    # a second keying would drop them ("as 0" -> "0": hypothesis found it).
    token = token if collapsed in ARABIC_ARTICLES and token not in ARABIC_ARTICLES else collapsed
    if len(token) > 3 and token.endswith("h") and token[-2] in "aeiou":
        token = token[:-1]
    return token


def name_key(name: str) -> str:
    """The lookup key of a place name; equal keys mean 'may be the same name'."""
    tokens = fold(name).split()
    # "Al-Mukalla", "Bir al-Ghanam": drop the article wherever it precedes a word,
    # but keep a name that is only an article-like word ("As" alone is not a place key).
    kept = [t for i, t in enumerate(tokens) if not (t in ARABIC_ARTICLES and i + 1 < len(tokens))]
    return " ".join(_token_key(t) for t in kept)


# Letters romanisations disagree on, for `loose_key`: vowels and the glides y and w
# ("Jawzjan"/"Jowzjan", "Misrata"/"Misurata", "Balakliya"/"Balakliia").
_VOWELS_AND_GLIDES = re.compile(r"[aeiouyw]")
LOOSE_KEY_MIN_LETTERS = 4  # "hd" (Hodeida) would match half the map


def loose_key(name: str) -> str:
    """The consonants of `name_key`, doubled ones collapsed and q read as k; "" when too
    short to say anything. Equal loose keys only suggest a spelling variant: callers
    check the names' similarity and the article's countries before believing one."""
    key = name_key(name).replace("q", "k").replace("ph", "f")
    skeleton = _DOUBLED.sub(r"\1", _VOWELS_AND_GLIDES.sub("", key))
    skeleton = " ".join(skeleton.split())
    return skeleton if len(skeleton.replace(" ", "")) >= LOOSE_KEY_MIN_LETTERS else ""


def is_latin_name(name: str) -> bool:
    """True when every letter is Latin script (with or without diacritics)."""
    for char in name:
        if char.isalpha() and "LATIN" not in unicodedata.name(char, ""):
            return False
    return any(char.isalpha() for char in name)


# Latin letters ASCII display names also replace: Turkish dotted I and the schwa of
# Azerbaijani, which decomposition leaves as they are.
_ASCII_EXTRA = str.maketrans({"İ": "I", "ə": "e", "Ə": "E"})
# Ayn and hamza marks and typographic quotes; a plain apostrophe stays ("Côte d'Ivoire").
_MARKS = re.compile(r"[\u2018\u2019\u02bb\u02bc\u02be\u02bf`´ʿʾ]")


def ascii_name(name: str) -> str:
    """A display name in ASCII: diacritics and ayn/hamza marks dropped ("Ḩamāh" -> "Hamah").

    Unlike `fold`, case, spaces and hyphens stay: this is a name to show, not a key.
    Letters of other scripts vanish, so a name with no Latin letters gives "".
    """
    name = _MARKS.sub("", name).translate(_LATIN_EXTRA).translate(_ASCII_EXTRA)
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    return " ".join(name.encode("ascii", "ignore").decode("ascii").split())
