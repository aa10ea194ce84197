"""Dated events: what happened, where and when, one per sentence that names a mapped place.

An event joins the three things a sentence says: a place (one of the sentence's resolved
toponyms), a time (the sentence's time expression, or the publication date when it has none,
marked as such) and a kind of action (a small taxonomy in the spirit of CAMEO/ACLED, found by
trigger words). Actors come from a lexicon users extend in `mapdata/actors.toml`; figures
("30,000 troops") from a pattern over numbers and force nouns.

Known limits (see README): one event per sentence, so a sentence that reports two actions at
two places yields one event at the most specific place; trigger words, not a parser, decide
the type; the place is the most specific mapped place of the sentence that is not an origin
("arrived in X from Y" -> X).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from geo.dates import TimeExpression, sentence_interval

if TYPE_CHECKING:  # spaCy loads only when something is parsed, not for cached builds
    from geo.geoparse import PlaceMention

DEFAULT_ACTORS = Path(__file__).resolve().parent.parent / "mapdata" / "actors.toml"

# Event types, most specific first: the first type with a trigger in the sentence wins.
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "capture": (
        "captur", "recaptur", "retake", "retook", "retaken", "liberat", "seize", "seized",
        "fell to", "fell into", "fall of", "took control", "taken back", "take back", "regain",
        "overran", "overrun",
    ),
    "airstrike": (
        "airstrike", "air strike", "air-strike", "strikes", "bombing", "bombed", "shelling",
        "shelled", "artillery", "warplanes", "air campaign", "air-power", "air power", "drone",
        "missile", "shot down",
    ),
    "offensive": (
        "offensive", "assault", "attack", "storm", "battle", "fighting", "fight ", "clash",
        "push toward", "push into", "advance", "operation", "campaign", "counteroffensive",
        "siege", "besieg", "ambush",
    ),
    "withdrawal": (
        "withdr", "retreat", "fled", "flee", "pulled back", "ran away", "abandon", "pull out",
        "broke and ran",
    ),
    "civilian_harm": (
        "civilian", "refugee", "displaced", "casualt", "massacre", "killed", "wounded",
        "humanitarian", "executed",
    ),
    "meeting": (
        "met with", "meeting", "visit", "travelled", "traveled", "hosted", "delegation",
        "talks", "summit", "negotiat",
    ),
    "deployment": (
        "deploy", "reinforcement", "convoy", "troops", "sent ", "dispatch", "arrived", "moved",
        "stationed", "embedded", "advisors", "advisers",
    ),
    "plan": (
        "plan", "postpone", "prepar", "intend", "will launch", "would come", "expected to",
        "looming", "timeline", "to launch", "waiting",
    ),
    "statement": (
        "said", "says", "told", "announc", "briefing", "claim", "statement", "report",
        "quoted", "according to", "declared",
    ),
}
EVENT_TYPE_LABELS = {
    "capture": "Capture or recapture",
    "airstrike": "Airstrike or shelling",
    "offensive": "Offensive or assault",
    "withdrawal": "Withdrawal or retreat",
    "civilian_harm": "Civilian harm or displacement",
    "deployment": "Deployment or troop movement",
    "meeting": "Meeting or visit",
    "plan": "Plan or announcement",
    "statement": "Statement or briefing",
    "other": "Other",
}
LEVEL_SPECIFICITY = {"derived": 4, "village": 4, "facility": 4, "city": 3, "province": 2,
                     "country": 1, "continent": 0}
# A sentence dated this long before its article's publication is background ("sovereignty
# was restored in 2004"), not news of the campaign: it gets no event.
BACKGROUND = datetime.timedelta(days=3 * 365)
RECENT = datetime.timedelta(days=365)
# Time basis -> how much it adds to an event's confidence.
BASIS_WEIGHT = {"explicit": 1.0, "relative": 0.85, "publication": 0.6}

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


@dataclass(frozen=True)
class ArticleRef:
    """What an event needs to know about its article."""

    id: str
    title: str
    source: str | None
    url: str | None
    published: datetime.date | None
    published_basis: str


@dataclass(frozen=True)
class Mark:
    """A highlighted span of the snippet (offsets relative to the snippet)."""

    start: int
    end: int
    kind: str  # "place" | "time"


@dataclass(frozen=True)
class Event:
    id: str
    article: ArticleRef
    place: str
    lat: float
    lon: float
    level: str
    geonameid: int | None
    country: str
    place_confidence: float
    uncertainty_km: float | None
    date_start: datetime.date | None
    date_end: datetime.date | None
    granularity: str
    time_basis: str  # "explicit" | "relative" | "publication" | "unknown"
    planned: bool
    event_type: str
    actors: tuple[str, ...]
    figures: tuple[str, ...]
    snippet: str
    marks: tuple[Mark, ...]
    caption: bool
    confidence: float
    other_places: tuple[str, ...] = field(default=())


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


def event_type(sentence: str, near: int | None = None) -> str:
    """The event type of a sentence.

    With `near` (the offset of the sentence's time expression), the trigger closest to it
    wins: in "the offensive to liberate X stalled when a delegation arrived there Sunday",
    Sunday dates the arrival. Otherwise the most specific type with a trigger wins.
    """
    lowered = sentence.lower()
    hits = [
        (rank, lowered.find(trigger), kind)
        for rank, (kind, triggers) in enumerate(EVENT_TYPES.items())
        for trigger in triggers
        if trigger in lowered
    ]
    if not hits:
        return "other"
    if near is None:
        return min(hits)[2]
    return min(hits, key=lambda h: (abs(h[1] - near), h[0]))[2]


FORCE_OF = re.compile(r"\b(?:force|army|contingent|group) of (?:about |some |nearly )?"
                      r"\d{1,3}(?:,\d{3})+\b")


def find_figures(sentence: str) -> tuple[str, ...]:
    found = [(m.start(), m.group(0)) for m in FIGURE.finditer(sentence)]
    found += [(m.start(), m.group(0)) for m in FORCE_OF.finditer(sentence)]
    return tuple(text for _, text in sorted(found))


def find_actors(sentence: str, actors: tuple[Actor, ...]) -> tuple[str, ...]:
    return tuple(a.name for a in actors if a.pattern.search(sentence))


def _is_origin(text: str, mention: PlaceMention) -> bool:
    """'... arrived in Haditha from Deir ez-Zor': Deir ez-Zor is where they came from."""
    before = text[max(0, mention.start - 12):mention.start].lower()
    return bool(re.search(r"\bfrom\s+(?:the\s+)?$", before))


def _main_place(text: str, mentions: list[PlaceMention]) -> PlaceMention:
    candidates = [m for m in mentions if not _is_origin(text, m)] or mentions
    return max(candidates, key=lambda m: (LEVEL_SPECIFICITY.get(m.level, 0), -m.start))


def _current(times: list[TimeExpression], published: datetime.date | None
             ) -> list[TimeExpression]:
    """Drop background dates when the sentence also has a current one.

    "Photos over the past 24 hours show the flag of a group formed in 2013": the photos are
    the news; 2013 dates a relative clause.
    """
    if published is None:
        return times
    recent = [t for t in times if t.date_end >= published - RECENT]
    return [t for t in times if t in recent] if recent else times


def extract_events(
    article: ArticleRef,
    text: str,
    mentions: list[PlaceMention],
    times: list[TimeExpression],
    actors: tuple[Actor, ...] | None = None,
) -> list[Event]:
    """The events of one article.

    `text` is the article text the offsets of `mentions` and `times` index (the original,
    uncleaned text); `times` must come from the cleaned text only, mapped back, so that
    boilerplate dates never date an event.
    """
    actors = load_actors() if actors is None else actors
    by_sentence: dict[tuple[int, int], list[PlaceMention]] = {}
    for mention in mentions:
        if mention.role == "place":
            by_sentence.setdefault((mention.sentence_start, mention.sentence_end), []).append(
                mention
            )
    # A dated sentence with an action but no place ("Troops ... on March 24.") happened at
    # the place the previous sentence ended on, when that sentence is just before it.
    for time in times:
        if any(s <= time.start < e for s, e in by_sentence):
            continue
        previous = [(s, e) for s, e in by_sentence if e <= time.start]
        if not previous:
            continue
        s, e = max(previous)
        start = text.rfind("\n", 0, time.start)
        gap = text[e:time.start]
        if len(gap) > 300 or event_type(gap) == "other":
            continue
        sentence_start = max(e, start + 1) if start >= e else e
        while sentence_start < time.start and text[sentence_start] in " \n\t":
            sentence_start += 1
        end_match = re.search(r"[.!?…](?=\s|$)|\n", text[time.end:])
        sentence_end = time.end + (end_match.end() if end_match else len(text) - time.end)
        last = max(by_sentence[(s, e)], key=lambda m: m.start)
        by_sentence[(sentence_start, sentence_end)] = [
            dataclasses.replace(last, start=-1, end=-1, sentence_start=sentence_start,
                                sentence_end=sentence_end,
                                confidence=round(last.confidence * 0.7, 3))
        ]
    events = []
    for (s_start, s_end), in_sentence in sorted(by_sentence.items()):
        sentence = text[s_start:s_end]
        sentence_times = _current(
            [t for t in times if s_start <= t.start < s_end], article.published)
        kind = event_type(sentence, sentence_times[0].start - s_start if sentence_times else None)
        place = _main_place(text, in_sentence)
        planned_times = [t for t in sentence_times if t.planned]
        if kind == "plan" and planned_times:
            first = planned_times[0]
            interval = (first.date_start, first.date_end, first.granularity, first.basis)
            planned = True
        else:
            interval = sentence_interval(sentence_times, article.published)
            planned = False
        if interval is None:
            date_start = date_end = None
            granularity, basis = "", "unknown"
        else:
            date_start, date_end, granularity, basis = interval
            if article.published and date_end < article.published - BACKGROUND:
                continue
        marks = [Mark(m.start - s_start, m.end - s_start, "place") for m in in_sentence
                 if m.start >= 0]  # an inherited place is not in this sentence
        # A time expression may run past the sentence ("on Friday. June 1"): marked up to
        # the sentence's end, so that every mark lies inside the snippet.
        marks += [Mark(t.start - s_start, min(t.end, s_end) - s_start, "time")
                  for t in sentence_times]
        confidence = place.confidence * BASIS_WEIGHT.get(basis, 0.4)
        if kind == "other":
            confidence *= 0.8
        events.append(
            Event(
                id=f"{article.id}:{s_start}",
                article=article,
                place=place.name,
                lat=place.lat,
                lon=place.lon,
                level=place.level,
                geonameid=place.geonameid,
                country=place.country,
                place_confidence=place.confidence,
                uncertainty_km=place.uncertainty_km,
                date_start=date_start,
                date_end=date_end,
                granularity=granularity,
                time_basis=basis,
                planned=planned,
                event_type=kind,
                actors=find_actors(sentence, actors),
                figures=find_figures(sentence),
                snippet=sentence,
                marks=tuple(sorted(marks, key=lambda m: m.start)),
                caption=place.caption,
                confidence=round(confidence, 3),
                other_places=tuple(sorted({m.name for m in in_sentence if m is not place})),
            )
        )
    return events
