"""What the words around a capitalised name say about it: a place cue before it ("in X",
"seized X", "in A and X"), a feature word ("the town of X", "X province"), a facility
("X airport"), a title (a person), an adjective ("X-led", "US forces"), a lone compass or
religion word. Shared by recognition (`toponyms`) and resolution.
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

from geo.pipeline.places.wordlists import word_pairs, words

# The word lists are data (mapdata/recognition.toml, where each says what it is for).
PERSON_TITLES = words("person_titles")
PLACE_CUES = words("place_cues")  # "in X", "north of X", "seized X"
LIST_JOINERS = words("list_joiners")  # "in Pravdyne and Kalynivske" cues both names
MAX_LIST_NAMES = 5
FEATURE_WORDS = words("feature_words")
DIVISION_WORDS = words("division_words")
DIRECTION_PREFIXES = words("direction_prefixes")
CONNECTORS = words("connectors")
NAME_CONNECTORS = words("name_connectors")
MONTHS_AND_DAYS = words("months_and_days")
INSTITUTION_WORDS = words("institution_words")
NEVER_ALONE = words("never_alone")
FACILITY_WORDS = words("facility_words")
FACILITY_PAIRS = word_pairs("facility_pairs")
AFTER_ACRONYM_AS_PLACE = words("after_acronym_as_place")
# "US-led", "Kurdish-held", "Iran-backed": a place name glued to a participle is an
# adjective of its country, not a place where something happened.
ADJECTIVAL_PARTICIPLE = re.compile(r"(?:[a-z]+(?:ed|en|ing)|held|run|born|built|friendly)$")


def is_capitalised(token: Token) -> bool:
    return token.text[:1].isupper()


def _wordless(token: Token) -> bool:
    return not any(ch.isalnum() for ch in token.text)


def trim(span: Span) -> Span | None:
    """Strip "the", direction adjectives, a possessive and tokens without a letter or digit
    (punctuation, white space, symbols, control characters) from an entity span.

    The model sometimes ends an entity on such a token (a line break, a run of control
    characters); the mention is the name without it.
    """
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (
        doc[start].lower_ == "the" or doc[start].text in DIRECTION_PREFIXES or _wordless(doc[start])
    ):
        start += 1
    while end > start and (
        doc[end - 1].lower_ in {"'s", "’s", "'", "’"} or _wordless(doc[end - 1])
    ):
        end -= 1
    if start >= end:
        return None
    text = doc[start:end].text
    # "Mali’s" can stay one token; drop the possessive by characters.
    for suffix in ("’s", "'s"):
        if text.endswith(suffix) and len(text) > 3:
            return doc.char_span(doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text) - 2)
    return doc[start:end]


def acronym(text: str) -> bool:
    """'BA', 'MoD', 'AI': short strings with several capitals are rarely places unless the
    model labels them so ("US" is caught by the model or a curated alias)."""
    letters = text.replace(".", "").replace(" ", "")
    return len(letters) <= 4 and sum(c.isupper() for c in letters) >= 2


def preceded_by_title(span: Span) -> bool:
    i = span.start - 1
    while i >= 0 and span.doc[i].text in {".", ","}:
        i -= 1
    return i >= 0 and span.doc[i].lower_.rstrip(".") in PERSON_TITLES


def cue_before(span: Span) -> bool:
    """A place cue before the name, or before the first name of a list it ends
    ("in Pravdyne and Kalynivske", "near A, B or C")."""
    doc = span.doc
    i = span.start - 1
    for _ in range(MAX_LIST_NAMES):
        if i >= 0 and doc[i].lower_ == "the":
            i -= 1
        if i < 0:
            return False
        if doc[i].lower_ in PLACE_CUES:
            return True
        if doc[i].lower_ not in LIST_JOINERS:
            return False
        i -= 1  # over the joiner and the capitalised name before it
        if i < 0 or not is_capitalised(doc[i]):
            return False
        while i > 0 and (is_capitalised(doc[i - 1]) or doc[i - 1].lower_ in NAME_CONNECTORS):
            i -= 1
        i -= 1
    return False


def feature_after(span: Span) -> str:
    doc = span.doc
    if span.end < len(doc) and doc[span.end].lower_ in FEATURE_WORDS:
        return doc[span.end].lower_
    return ""


def feature_before(span: Span) -> str:
    """'the town of Kidal', 'the city of Gao'."""
    doc = span.doc
    if (
        span.start >= 2
        and doc[span.start - 1].lower_ == "of"
        and (doc[span.start - 2].lower_ in FEATURE_WORDS)
    ):
        return doc[span.start - 2].lower_
    return ""


def facility_after(span: Span) -> str:
    """'Gardabiya airbase', 'Ras Lanuf refinery', 'Hodeida international airport'."""
    doc = span.doc
    i = span.end
    if i < len(doc) and doc[i].lower_ in FACILITY_WORDS:
        return doc[i].lower_
    if i + 1 < len(doc) and doc[i + 1].lower_ in FACILITY_PAIRS.get(doc[i].lower_, ()):
        return f"{doc[i].lower_} {doc[i + 1].lower_}"
    return ""


def adjectival_compound(span: Span) -> bool:
    """'Saudi-led', 'UAE-backed', 'Kurdish-held': a name glued to a participle."""
    doc = span.doc
    end = span.end
    return (
        end + 1 < len(doc)
        and doc[end].text in {"-", "‑"}
        and not doc[end - 1].whitespace_
        and not doc[end].whitespace_
        and bool(ADJECTIVAL_PARTICIPLE.match(doc[end + 1].text))
    )


def attributive_acronym(span: Span) -> bool:
    """'US forces', 'UK intelligence', 'US Vice-President': an acronym before a noun.

    "in the US.", "the US and Britain", "US said", "US launched": a place or an actor.
    """
    if not acronym(span.text) or span.end >= len(span.doc):
        return False
    after = span.doc[span.end]
    if not after.is_alpha or after.lower_ in AFTER_ACRONYM_AS_PLACE:
        return False
    return not (after.is_lower and after.lower_.endswith("ed"))


def never_a_place(span: Span) -> bool:
    """Lower-case words, and compass points or religions standing alone."""
    first = span.text[:1]
    return not (first.isupper() or first.isdigit()) or (
        len(span) == 1 and span[0].lower_ in NEVER_ALONE
    )
