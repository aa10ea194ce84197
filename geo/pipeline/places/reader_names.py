"""Place names as English readers know them: the articles' own spelling of a place, else
the gazetteer's name in ASCII.

A gazetteer's main name is often a transliteration news in English never prints: GeoNames
has "Tikrīt", "Sāmarrā’", "Nīnawá". The articles themselves say how their readers know the
place ("Menaka", "Gao", "Mopti region"), so that is the name shown; the
gazetteer's name and id stay beside it (`gazetteer_name`, `geonameid`) for lookups
(region outlines) and for the details.

Two steps, because the pipeline sees one article and the map a whole corpus:
- `name_votes` (per article): the Latin-script spellings the article uses for each of its
  places, and for a province the division word it puts beside the name ("Mopti
  region", "the Kherson region"); `reader_name` makes the article's name from them.
- `merge_votes` (per corpus, in `geo.corpus.build`): the votes of all articles summed,
  so that one place has one name on the whole map, in its table and in its search,
  whichever article an event comes from.

What is not a spelling: acronyms and capitals-only text ("U. S.", "UAE", a dateline's
"GAO"), demonyms ("Malian"), non-Latin script. Countries and continents keep the
gazetteer's name (GeoNames names them in English already; an article's "America" or
"the U.S." is an alias, not a spelling). A place no article spells in Latin script gets
the gazetteer's name without diacritics and ayn/hamza marks ("Ménaka" -> "Menaka").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from geo.pipeline.places.names import ascii_name, is_latin_name
from geo.pipeline.places.wordlists import words

if TYPE_CHECKING:  # spaCy loads only when something is parsed, not for cached builds
    from geo.pipeline.geoparse import PlaceMention

# Words that say a place is an administrative division ("Mopti region", "the Kherson
# region"): the recognition word list resolution reads them from.
DIVISION_WORDS = words("province_words")
# Levels whose gazetteer name is already the English one (GeoNames' country names).
ENGLISH_LEVELS = frozenset({"country", "continent"})
_POSSESSIVE = re.compile(r"['’]s$")


def place_id(geonameid: int | None, name: str, lat: float, lon: float) -> str:
    """Which place a mention or an event is, across articles: its gazetteer id, else (a
    derived or online point) its name and point."""
    return str(geonameid) if geonameid is not None else f"{name}@{lat:.4f},{lon:.4f}"


def spelling(text: str) -> str | None:
    """The mention's text as a name to show, or None when it is no spelling of a name
    (non-Latin script, an acronym or capitals only). The first letter is capitalised:
    "al-Brega" in mid-sentence is the same spelling as "Al-Brega"."""
    text = _POSSESSIVE.sub("", " ".join(text.split()))
    if not text or not is_latin_name(text) or not any(c.islower() for c in text):
        return None
    return text[0].upper() + text[1:]


@dataclass
class NameVotes:
    """What the articles call one place."""

    gazetteer: str  # the resolved name: GeoNames' main name, a derived point's text
    level: str
    spellings: Counter[str] = field(default_factory=Counter)
    divisions: Counter[str] = field(default_factory=Counter)  # "province": 2

    def add(self, other: NameVotes) -> None:
        self.spellings.update(other.spellings)
        self.divisions.update(other.divisions)

    def to_json(self) -> dict[str, Any]:
        return {
            "gazetteer": self.gazetteer,
            "level": self.level,
            "spellings": dict(sorted(self.spellings.items())),
            "divisions": dict(sorted(self.divisions.items())),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NameVotes:
        return cls(
            str(data["gazetteer"]),
            str(data["level"]),
            Counter(data.get("spellings") or {}),
            Counter(data.get("divisions") or {}),
        )


def _most_common(counts: Counter[str]) -> str:
    """The most frequent key; a tie goes to the alphabetically first, so the same votes
    give the same name in every build."""
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


def reader_name(votes: NameVotes) -> str:
    """The name to show for a place, from what the articles call it."""
    if votes.level in ENGLISH_LEVELS or not votes.spellings:
        name = ascii_name(votes.gazetteer) or votes.gazetteer
    else:
        name = _most_common(votes.spellings)
    if votes.level == "province" and votes.divisions:
        word = _most_common(votes.divisions)
        if name.split()[-1].lower() != word:  # "Orange County" says it already
            name = f"{name} {word}"
    return name


def name_votes(mentions: Iterable[PlaceMention]) -> dict[str, NameVotes]:
    """The names one article gives its places, by `place_id` (demonyms do not count)."""
    votes: dict[str, NameVotes] = {}
    for mention in mentions:
        if mention.adjectival:
            continue
        pid = place_id(mention.geonameid, mention.name, mention.lat, mention.lon)
        entry = votes.setdefault(pid, NameVotes(mention.name, mention.level))
        written = spelling(mention.text)
        if written:
            entry.spellings[written] += 1
        if mention.level == "province" and mention.feature_word in DIVISION_WORDS:
            entry.divisions[mention.feature_word] += 1
    return votes


def merge_votes(per_article: Iterable[Mapping[str, NameVotes]]) -> dict[str, NameVotes]:
    """The votes of many articles summed per place (the order does not matter)."""
    merged: dict[str, NameVotes] = {}
    for votes in per_article:
        for pid, entry in votes.items():
            if pid in merged:
                merged[pid].add(entry)
            else:
                merged[pid] = NameVotes(entry.gazetteer, entry.level)
                merged[pid].add(entry)
    return merged
