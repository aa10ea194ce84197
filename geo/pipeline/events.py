"""Dated events: what happened, where and when, as (action, place, time) triples.

An event joins three things a sentence says: a place (one of the sentence's resolved
toponyms where something happens: not an origin, a dateline, a place in an undated opening
subordinate clause or a coarser place around another one), a time (the expression of that
place's clause, or the sentence's, or the publication date when it has none, marked as
such) and a kind of action (a small taxonomy in the spirit of CAMEO/ACLED, found by
trigger words). A sentence with two places acting in two roles, or two dates, yields two
events. Actors come from a lexicon users extend in `mapdata/actors.toml`; figures
("30,000 troops") from a pattern over numbers and force nouns.

Known limits (see README): clauses are found by punctuation and conjunctions, not a
parser; trigger words decide the type.
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

from geo.paths import MAPDATA
from geo.pipeline.dates import TimeExpression, sentence_interval
from geo.pipeline.places.gazetteer import distance_km

if TYPE_CHECKING:  # spaCy loads only when something is parsed, not for cached builds
    from geo.pipeline.geoparse import PlaceMention

DEFAULT_ACTORS = MAPDATA / "actors.toml"

DEFAULT_EVENT_TYPES = DEFAULT_ACTORS.with_name("event_types.toml")
# A province's point may lie this far from a town inside it.
PROVINCE_REACH_KM = 300.0
CONTAINER_LEVELS = frozenset({"province", "region", "country", "continent"})
LEVEL_SPECIFICITY = {"derived": 4, "village": 4, "facility": 4, "city": 3, "province": 2,
                     "country": 1, "continent": 0}
# "160 km (100 miles) southwest of X" (see _far_reference); closer than this, X is as good
# a place for the event as the map can give.
REFERENCE_REACH_KM = 30.0
_DISTANCE_BEFORE = re.compile(
    r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*-?\s*(?P<unit>(?i:kilomet(?:re|er)s?|km|miles?))\b\.?"
    r"(?:\s*\([^)]{0,40}\))?\s+(?i:(?:north|south)?-?(?:east|west)|north|south)(?i:ern)?"
    r"\s+of\s+(?:(?i:the)\s+)?(?:(?i:capital|city|town|provincial\s+capital)\s+(?:of\s+)?)?$"
)
_GOVERNMENT_BEFORE = re.compile(r"\b(?i:by|for|with|between)\s+$")
_GOVERNMENT_AFTER = re.compile(
    r"\s+(?:(?:has|had|have|also|later|then)\s+)?(?i:said|says|announced|claim(?:s|ed)?|accused"
    r"|denied|wants|wanted|insist(?:s|ed)?|warned|responded|rejected|agreed|demanded|urged"
    r"|ordered|sent|deployed)\b"
)
# A country or a continent is the place of an action only where the sentence puts the
# action in it; as a subject ("Armenia said", "Chad sent troops") it names an actor, and
# named in passing it is context. (Provinces and towns are places wherever they stand.)
BROAD_LEVELS = frozenset({"country", "continent"})
_PUT_IN = re.compile(
    r"\b(?i:in|into|inside|across|throughout|within|to|toward|towards|on|over)\s+"
    r"(?:(?i:the)\s+)?(?:(?i:north|south|east|west|central|northern|southern|eastern|western"
    r"|north-?eastern|north-?western|south-?eastern|south-?western|neighbou?ring|war-torn"
    r"|rebel-held)\s+)*$"
)
# A sentence dated this long before its article's publication is background ("sovereignty
# was restored in 2004"), not news of the campaign: it gets no event.
BACKGROUND = datetime.timedelta(days=3 * 365)
# ... unless the sentence names an action: then it is an old event, reported later.
BACKGROUND_TYPES = frozenset({"other", "statement", "plan"})
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


@dataclass(frozen=True)
class EventTypes:
    """The event types of `mapdata/event_types.toml`, most specific first, each with one
    pattern that finds its triggers."""

    names: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=4)
def load_event_types(path: Path = DEFAULT_EVENT_TYPES) -> EventTypes:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    names, patterns = [], []
    for entry in data["type"]:
        names.append(str(entry["name"]))
        words = sorted((str(t) for t in entry["triggers"]), key=len, reverse=True)
        patterns.append(re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + ")",
                                   re.IGNORECASE))
    return EventTypes(tuple(names), tuple(patterns))


def event_type(
    sentence: str, near: int | None = None, types: EventTypes | None = None
) -> str:
    """The event type of a sentence.

    With `near` (the offset of the sentence's time expression), the trigger closest to it
    wins: in "the offensive to liberate X stalled when a delegation arrived there Sunday",
    Sunday dates the arrival. Otherwise the most specific type with a trigger wins.
    """
    types = types or load_event_types()
    hits = [
        (rank, match.start(), kind)
        for rank, (kind, pattern) in enumerate(zip(types.names, types.patterns, strict=True))
        for match in pattern.finditer(sentence)
    ]
    if not hits:
        return "other"
    # "Troops stormed the city, officials said": the saying reports the action.
    hits = [h for h in hits if h[2] != "statement"] or hits
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


_REPORTED = re.compile(
    r"\b(?:said|says|say|told|reported|reports|announced|stated|claimed|added|confirmed)"
    r"(?:\s+\w+){0,2}\s*$", re.IGNORECASE)
# Leaving a place makes it the place of the event ("withdrew from X", "pulled out of X").
_LEAVING = re.compile(
    r"\b(?:withdr\w*|retreat\w*|pull\w*\s+(?:out|back)|driven\s+out|drove\s+\w+\s+out|"
    r"expel\w*|oust\w*|push\w*\s+\w*\s*out|fled|flee\w*|evacuat\w*|escap\w*|exit\w*)"
    r"(?:\s+\w+){0,3}?\s+(?:from|of)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# A wire dateline opening a line: "KABUL (Reuters) -", "TRIPOLI, Libya --", "Dubai:".
# A dateline may name several places: "Tripoli and Tunis, 4 June 2016:".
_NAME = r"[A-Z][\w'’.-]*(?:[^\S\n]+[A-Z][\w'’.-]*){0,3}"
_DATELINE_AFTER = re.compile(
    rf"(?:[^\S\n]*(?:,|[^\S\n]and)[^\S\n]+{_NAME})*"
    r"[^\S\n]*(?:,[^\n]{0,40}?)?[^\S\n]*(?:\(|--|—|–|-\s|:)"
)
_DATELINE_BEFORE = re.compile(rf"[^\S\n]*(?:{_NAME}[^\S\n]*(?:,|[^\S\n]and)[^\S\n]+)*")
# A sentence that opens with a subordinate clause ("After securing A, forces ...").
_SUBORDINATE_OPENING = re.compile(
    r"\s*[\"“‘']?(?:After|Before|Having|Following|Since|Once|When|While|Whilst|Despite|"
    r"Although|As|Upon|Until)\b[^,;]*,")
# Where one clause of a sentence ends and another begins ("... Nimroz and on Saturday they
# captured Y", "...; meanwhile ...").
_CLAUSE_BREAK = re.compile(
    r";|,?\s+(?:while|whereas|but|then|followed\s+by|after\s+which)\s+"
    r"|\s+and\s+(?=(?:on|in|at|by|later|earlier|then|the\s+next|the\s+following)\b)"
)
# Only list words between two places: they share one action ("retook A and B").
_COORDINATED = re.compile(
    r"\s*(?:,|and|or|&|as\s+well\s+as|,\s*and)?\s*(?:the\s+)?(?:(?:key\s+)?(?:town|city|"
    r"village|district|cities|towns|villages)\s+of\s+)?$", re.IGNORECASE)


def _event_times(text: str, times: list[TimeExpression]) -> list[TimeExpression]:
    """Without the dates of the reporting ("..., a report said on Monday") when the
    sentence dates its action too: the report's day is not the event's."""
    action = [t for t in times if not _REPORTED.search(text[max(0, t.start - 40):t.start])]
    return action or times


def _is_origin(text: str, mention: PlaceMention) -> bool:
    """'... arrived in Haditha from Deir ez-Zor': Deir ez-Zor is where they came from.

    Not for places left or lost: "withdrew from X", "were driven out of X".
    """
    before = text[max(0, mention.start - 60):mention.start]
    if not re.search(r"\bfrom\s+(?:the\s+)?$", before, re.IGNORECASE):
        return False
    return not _LEAVING.search(before)


def opens_dateline(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a place opening a line as a wire dateline ("KABUL
    (Reuters) -", "Dubai:", "Tripoli and Tunis, 4 June 2016:"): where the story was
    filed."""
    line_start = text.rfind("\n", 0, max(start, 0)) + 1
    if start < 0 or not _DATELINE_BEFORE.fullmatch(text, line_start, start):
        return False
    return bool(_DATELINE_AFTER.match(text, end))


def _inside(fine: PlaceMention, coarse: PlaceMention) -> bool:
    """Whether a coarser place plausibly contains a finer one (context, not an event).

    Only regions contain: a town near a village is a neighbour, not its container.
    """
    if coarse.level not in CONTAINER_LEVELS:
        return False
    if coarse.level in {"country", "continent"}:
        return fine.country == coarse.country or coarse.level == "continent"
    return fine.country == coarse.country and distance_km(fine, coarse) <= PROVINCE_REACH_KM


def _event_places(text: str, s_start: int, mentions: list[PlaceMention],
                  times: list[TimeExpression]) -> list[PlaceMention]:
    """The places where the sentence's actions happen, in text order, one per place.

    Origins, a dateline and places in an opening subordinate clause ("After securing A,
    ...", unless that clause has its own date) give way to the others; a coarser place
    that contains a finer one of the sentence is context ("Sheberghan, Jawzjan province"),
    and so is a country the sentence does not put anything in (see BROAD_LEVELS); the
    rest each get an event.
    """
    candidates = [m for m in mentions if not _is_origin(text, m)] or mentions
    # Where the story was filed and a far point a distance is measured from are never
    # where something happened, even when the sentence names no other place.
    candidates = [m for m in candidates
                  if not opens_dateline(text, m.start, m.end) and not _far_reference(text, m)
                  and not _government(text, m)]
    opening = _SUBORDINATE_OPENING.match(text, s_start)
    if opening and not any(t.start < opening.end() for t in times):
        main = [m for m in candidates if m.start < 0 or m.start >= opening.end()]
        candidates = main or candidates
    candidates = [m for m in candidates if m.level not in BROAD_LEVELS or _put_in(text, m)]
    if not candidates:
        return []
    chosen: list[PlaceMention] = []
    for mention in sorted(candidates, key=lambda m: -LEVEL_SPECIFICITY.get(m.level, 0)):
        rank = LEVEL_SPECIFICITY.get(mention.level, 0)
        finer = [m for m in mentions if LEVEL_SPECIFICITY.get(m.level, 0) > rank]
        if any(_inside(m, mention) for m in finer):
            continue
        if any((c.name, c.lat, c.lon) == (mention.name, mention.lat, mention.lon)
               for c in chosen):
            continue
        chosen.append(mention)
    # Never nothing: every sentence with a mapped place has an event somewhere.
    chosen = chosen or [max(candidates, key=lambda m: LEVEL_SPECIFICITY.get(m.level, 0))]
    return sorted(chosen, key=lambda m: m.start)


def _far_reference(text: str, mention: PlaceMention) -> bool:
    """ "a town 160 km (100 miles) southwest of X": X is only where the distance is
    measured from, and farther than an event's place may be from its point."""
    match = _DISTANCE_BEFORE.search(text, max(0, mention.start - 80), max(0, mention.start))
    if match is None:
        return False
    km = float(match["num"].replace(",", "")) * (1.609344 if match["unit"][0] in "mM" else 1.0)
    return km > REFERENCE_REACH_KM


def _government(text: str, mention: PlaceMention) -> bool:
    """A capital standing for its government: "captured by Moscow", "a victory for Kyiv",
    "Tripoli said"; where it acts, it is an actor, not a place."""
    if not mention.capital or mention.start < 0:
        return False
    return bool(_GOVERNMENT_BEFORE.search(text, max(0, mention.start - 20), mention.start)
                or _GOVERNMENT_AFTER.match(text, mention.end))


def _put_in(text: str, mention: PlaceMention) -> bool:
    """Whether the sentence puts something in the place ("fighting in eastern Ukraine",
    "fled to neighbouring Chad", "strikes on Yemen"), not just names it."""
    return mention.start >= 0 and bool(
        _PUT_IN.search(text, max(0, mention.start - 60), mention.start))


def _clause_bounds(sentence: str) -> list[int]:
    """Offsets (in the sentence) where clauses start, the first being 0."""
    return [0] + [m.end() for m in _CLAUSE_BREAK.finditer(sentence)]


def _times_per_place(
    text: str, s_start: int, places: list[PlaceMention], times: list[TimeExpression]
) -> list[list[TimeExpression]]:
    """The time expressions that date each place's event.

    One place: all of the sentence's. Several: each expression goes to the nearest place
    of its clause; a place coordinated with the previous one ("retook A and B on Friday")
    shares its times; a place left without any is dated by the whole sentence.
    """
    if len(places) == 1:
        return [times]
    sentence_end = max(m.sentence_end for m in places)
    bounds = _clause_bounds(text[s_start:sentence_end])

    def clause(offset: int) -> int:
        return max(i for i, b in enumerate(bounds) if b <= offset - s_start)

    assigned: list[list[TimeExpression]] = [[] for _ in places]
    for time in times:
        same = [i for i, p in enumerate(places) if p.start >= 0
                and clause(p.start) == clause(time.start)] or list(range(len(places)))
        nearest = min(same, key=lambda i: abs(places[i].start - time.start))
        assigned[nearest].append(time)
    for i in range(1, len(places)):
        between = text[places[i - 1].end:places[i].start]
        if places[i].start >= 0 and _COORDINATED.fullmatch(between):
            shared = assigned[i - 1] + assigned[i]
            assigned[i - 1] = assigned[i] = sorted(shared, key=lambda t: t.start)
    return [a or times for a in assigned]


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


def _event(
    event_id: str,
    article: ArticleRef,
    text: str,
    bounds: tuple[int, int],
    in_sentence: list[PlaceMention],
    place: PlaceMention,
    sentence_times: list[TimeExpression],
    actors: tuple[Actor, ...],
) -> Event | None:
    """The event of one place of a sentence, or None for timeless background."""
    s_start, s_end = bounds
    sentence = text[s_start:s_end]
    # The trigger nearest the time decides; without a time, in a sentence of several
    # places, the trigger nearest this place.
    near: int | None = None
    if sentence_times:
        near = sentence_times[0].start - s_start
    elif len(in_sentence) > 1:
        near = max(place.start - s_start, 0)
    kind = event_type(sentence, near)
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
        # Old events reported later keep their own date ("captured X in June 2014" in a
        # 2017 story); what is old and names no action is background.
        if (article.published and date_end < article.published - BACKGROUND
                and kind in BACKGROUND_TYPES):
            return None
    marks = [Mark(m.start - s_start, m.end - s_start, "place") for m in in_sentence
             if m.start >= 0]  # an inherited place is not in this sentence
    # A time expression may run past the sentence ("on Friday. June 1"): marked up to
    # the sentence's end, so that every mark lies inside the snippet.
    marks += [Mark(t.start - s_start, min(t.end, s_end) - s_start, "time")
              for t in sentence_times]
    confidence = place.confidence * BASIS_WEIGHT.get(basis, 0.4)
    if kind == "other":
        confidence *= 0.8
    return Event(
        id=event_id,
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
        other_places=tuple(sorted({m.name for m in in_sentence if m.name != place.name})),
    )


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
        # A continent is where a story is set, not where one action happens.
        candidates = [m for m in by_sentence[(s, e)] if m.level != "continent"]
        if not candidates:
            continue
        last = max(candidates, key=lambda m: m.start)
        by_sentence[(sentence_start, sentence_end)] = [
            dataclasses.replace(last, start=-1, end=-1, sentence_start=sentence_start,
                                sentence_end=sentence_end,
                                confidence=round(last.confidence * 0.7, 3))
        ]
    events = []
    for (s_start, s_end), in_sentence in sorted(by_sentence.items()):
        sentence_times = _event_times(text, [t for t in times if s_start <= t.start < s_end])
        places = _event_places(text, s_start, in_sentence, sentence_times)
        if not places:
            continue
        for number, (place, place_times) in enumerate(
            zip(places, _times_per_place(text, s_start, places, sentence_times), strict=True)
        ):
            # The sentence's first event keeps the id it always had; "<id>:2:<offset>"...
            suffix = f":{number + 1}" if number else ""
            event = _event(f"{article.id}{suffix}:{s_start}", article, text, (s_start, s_end),
                           in_sentence, place, _current(place_times, article.published), actors)
            if event is not None:
                events.append(event)
    return events
