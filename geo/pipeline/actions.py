"""What a sentence does: its kind of action, its actors and its figures.

The kinds are a small taxonomy in the spirit of CAMEO/ACLED, found by trigger words
(`mapdata/event_types.toml`); actors come from a lexicon users extend
(`mapdata/actors.toml`); figures ("30,000 troops") from a pattern over numbers and force
nouns. All three are data or grammar, never names of a campaign's places.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, cast, get_args

from geo.paths import MAPDATA

DEFAULT_ACTORS = MAPDATA / "actors.toml"

DEFAULT_EVENT_TYPES = DEFAULT_ACTORS.with_name("event_types.toml")

_FORCE_NOUNS = (
    r"troops|soldiers|fighters|militiamen|militants|jihadists|servicemen|personnel|forces|"
    r"men|people|civilians|refugees|families|warplanes|aircraft|airstrikes|strikes|"
    r"artillery pieces|tanks|vehicles|killed|dead|wounded|advisers|advisors|special forces"
)
FIGURE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?(?:\s*(?:million|thousand))?)"
    r"(?:\s*-?\s*strong)?\s+(?:[A-Za-z][\w.-]*\s+){0,2}?(" + _FORCE_NOUNS + r")\b",
)


@dataclass(frozen=True)
class Actor:
    name: str
    side: str
    pattern: re.Pattern[str]


def _phrase_pattern(phrases: list[str]) -> str:
    """Alternation of phrases as whole words; inner spaces match any run of white space."""
    escaped = [re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True)]
    return rf"(?<!\w)(?:{'|'.join(escaped)})(?!\w)"


@lru_cache(maxsize=4)
def load_actors(path: Path = DEFAULT_ACTORS) -> tuple[Actor, ...]:
    """The actor lexicon. Short all-caps acronyms match case-sensitively ("IS" is not "is")."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    actors = []
    for entry in data.get("actor", []):
        acronyms = [p for p in entry["patterns"] if p.isupper() and len(p) <= 4]
        words = [p for p in entry["patterns"] if p not in acronyms]
        parts = [f"(?i:{_phrase_pattern(words)})"] if words else []
        if acronyms:
            parts.append(_phrase_pattern(acronyms))
        actors.append(Actor(entry["name"], entry.get("side", ""), re.compile("|".join(parts))))
    return tuple(actors)


# The kinds of action the map knows (its legend, colours and filters): the names of
# mapdata/event_types.toml must be among them; its triggers are free to extend.
EventType = Literal[
    "capture",
    "airstrike",
    "offensive",
    "withdrawal",
    "civilian_harm",
    "meeting",
    "deployment",
    "plan",
    "statement",
    "other",
]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)


@dataclass(frozen=True)
class EventTypes:
    """The event types of `mapdata/event_types.toml`, most specific first, each with one
    pattern that finds its triggers."""

    names: tuple[EventType, ...]
    patterns: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=4)
def load_event_types(path: Path = DEFAULT_EVENT_TYPES) -> EventTypes:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    names: list[EventType] = []
    patterns = []
    for entry in data["type"]:
        name = str(entry["name"])
        if name not in EVENT_TYPES:
            raise ValueError(
                f"{path}: unknown event type {name!r}; the map knows {', '.join(EVENT_TYPES)}"
            )
        names.append(cast(EventType, name))
        words = sorted((str(t) for t in entry["triggers"]), key=len, reverse=True)
        patterns.append(re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + ")", re.IGNORECASE))
    return EventTypes(tuple(names), tuple(patterns))


def event_type(
    sentence: str, near: int | None = None, types: EventTypes | None = None
) -> EventType:
    """The event type of a sentence.

    With `near` (the offset of the sentence's time expression), the trigger closest to it
    wins: in "the offensive to liberate X stalled when a delegation arrived there Sunday",
    Sunday dates the arrival. Otherwise the most specific type with a trigger wins.
    """
    return type_near(trigger_hits(sentence, types), near)


# A trigger word found in a sentence: (its type's rank in the list, offset, type).
TriggerHit = tuple[int, int, EventType]


def trigger_hits(sentence: str, types: EventTypes | None = None) -> list[TriggerHit]:
    """Every trigger word of a sentence, read once for all the events of the sentence."""
    types = types or load_event_types()
    return [
        (rank, match.start(), kind)
        for rank, (kind, pattern) in enumerate(zip(types.names, types.patterns, strict=True))
        for match in pattern.finditer(sentence)
    ]


def type_near(hits: list[TriggerHit], near: int | None = None) -> EventType:
    """The event type the trigger words give (see `event_type`)."""
    if not hits:
        return "other"
    # "Troops stormed the city, officials said": the saying reports the action.
    hits = [h for h in hits if h[2] != "statement"] or hits
    if near is None:
        return min(hits)[2]
    return min(hits, key=lambda h: (abs(h[1] - near), h[0]))[2]


FORCE_OF = re.compile(
    r"\b(?:force|army|contingent|group) of (?:about |some |nearly )?"
    r"\d{1,3}(?:,\d{3})+\b"
)


def find_figures(sentence: str) -> tuple[str, ...]:
    found = [(m.start(), m.group(0)) for m in FIGURE.finditer(sentence)]
    found += [(m.start(), m.group(0)) for m in FORCE_OF.finditer(sentence)]
    return tuple(text for _, text in sorted(found))


def find_actors(sentence: str, actors: tuple[Actor, ...]) -> tuple[str, ...]:
    return tuple(a.name for a in actors if a.pattern.search(sentence))
