"""Dated events: what happened, where and when, as (action, place, time) triples.

An event joins three things a sentence says: a place where something happens (see
`event_places`), a time (the expression of that place's clause, or the sentence's, or the
publication date when it has none, marked as such) and a kind of action with its actors
and figures (see `actions`). A sentence with two places acting in two roles, or two
dates, yields two events.

Known limits (see docs): clauses are found by punctuation and conjunctions, not a parser;
trigger words decide the type.
"""

from __future__ import annotations

import dataclasses
import datetime
import heapq
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from geo.pipeline.actions import (
    Actor,
    EventType,
    TriggerHit,
    event_type,
    find_actors,
    find_figures,
    load_actors,
    trigger_hits,
    type_near,
)
from geo.pipeline.budget import NO_DEADLINE, Deadline
from geo.pipeline.dates import (
    Basis,
    Granularity,
    PublishedBasis,
    TimeExpression,
    sentence_interval,
)
from geo.pipeline.event_places import event_places
from geo.pipeline.places.gazetteer import Level
from geo.pipeline.places.reader_names import name_votes, place_id, reader_name

if TYPE_CHECKING:  # spaCy loads only when something is parsed, not for cached builds
    from geo.pipeline.geoparse import PlaceMention

# A sentence dated this long before its article's publication is background ("sovereignty
# was restored in 2004"), not news of the campaign: it gets no event.
BACKGROUND = datetime.timedelta(days=3 * 365)
# ... unless the sentence names an action: then it is an old event, reported later.
BACKGROUND_TYPES = frozenset({"other", "statement", "plan"})
RECENT = datetime.timedelta(days=365)
MarkKind = Literal["place", "time"]
# Where an event's date comes from: a time expression's basis, or none at all.
TimeBasis = Basis | Literal["unknown"]
# Time basis -> how much it adds to an event's confidence.
BASIS_WEIGHT = {"explicit": 1.0, "relative": 0.85, "publication": 0.6}


@dataclass(frozen=True)
class ArticleRef:
    """What an event needs to know about its article."""

    id: str
    title: str
    source: str | None
    url: str | None
    published: datetime.date | None
    published_basis: PublishedBasis


@dataclass(frozen=True)
class Mark:
    """A highlighted span of the snippet (offsets relative to the snippet)."""

    start: int
    end: int
    kind: MarkKind


@dataclass(frozen=True)
class Event:
    id: str
    article: ArticleRef
    place: str  # the name readers know (`reader_names`): "Menaka"
    gazetteer_name: str  # the gazetteer's name of the place: "Tikrīt"
    lat: float
    lon: float
    level: Level
    geonameid: int | None
    country: str
    place_confidence: float
    uncertainty_km: float | None
    date_start: datetime.date | None
    date_end: datetime.date | None
    granularity: Granularity | Literal[""]  # "" when undated
    time_basis: TimeBasis
    planned: bool
    event_type: EventType
    actors: tuple[str, ...]
    figures: tuple[str, ...]
    snippet: str
    marks: tuple[Mark, ...]
    caption: bool
    confidence: float
    other_places: tuple[str, ...] = field(default=())


_REPORTED = re.compile(
    r"\b(?:said|says|say|told|reported|reports|announced|stated|claimed|added|confirmed)"
    r"(?:\s+\w+){0,2}\s*$",
    re.IGNORECASE,
)
# Where one clause of a sentence ends and another begins ("... Nimroz and on Saturday they
# captured Y", "...; meanwhile ...").
_CLAUSE_BREAK = re.compile(
    r";|,?\s+(?:while|whereas|but|then|followed\s+by|after\s+which)\s+"
    r"|\s+and\s+(?=(?:on|in|at|by|later|earlier|then|the\s+next|the\s+following)\b)"
)
# Only list words between two places: they share one action ("retook A and B").
_COORDINATED = re.compile(
    r"\s*(?:,|and|or|&|as\s+well\s+as|,\s*and)?\s*(?:the\s+)?(?:(?:key\s+)?(?:town|city|"
    r"village|district|cities|towns|villages)\s+of\s+)?$",
    re.IGNORECASE,
)


def _event_times(text: str, times: list[TimeExpression]) -> list[TimeExpression]:
    """Without the dates of the reporting ("..., a report said on Monday") when the
    sentence dates its action too: the report's day is not the event's."""
    action = [t for t in times if not _REPORTED.search(text[max(0, t.start - 40) : t.start])]
    return action or times


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
        same = [
            i
            for i, p in enumerate(places)
            if p.start >= 0 and clause(p.start) == clause(time.start)
        ] or list(range(len(places)))
        nearest = min(same, key=lambda i: abs(places[i].start - time.start))
        assigned[nearest].append(time)
    for i in range(1, len(places)):
        between = text[places[i - 1].end : places[i].start]
        if places[i].start >= 0 and _COORDINATED.fullmatch(between):
            shared = assigned[i - 1] + assigned[i]
            assigned[i - 1] = assigned[i] = sorted(shared, key=lambda t: t.start)
    return [a or times for a in assigned]


def _current(times: list[TimeExpression], published: datetime.date | None) -> list[TimeExpression]:
    """Drop background dates when the sentence also has a current one.

    "Photos over the past 24 hours show the flag of a group formed in 2013": the photos are
    the news; 2013 dates a relative clause.
    """
    if published is None:
        return times
    recent = [t for t in times if t.date_end >= published - RECENT]
    return [t for t in times if t in recent] if recent else times


@dataclass(frozen=True)
class _SentenceWords:
    """What a sentence's words say whatever the place: read once for all its events (a
    sentence of many places would otherwise be read again for each)."""

    text: str
    hits: list[TriggerHit]
    actors: tuple[str, ...]
    figures: tuple[str, ...]

    @classmethod
    def read(cls, sentence: str, actors: tuple[Actor, ...]) -> _SentenceWords:
        return cls(
            sentence, trigger_hits(sentence), find_actors(sentence, actors), find_figures(sentence)
        )


def _event(
    event_id: str,
    article: ArticleRef,
    words: _SentenceWords,
    bounds: tuple[int, int],
    in_sentence: list[PlaceMention],
    place: PlaceMention,
    sentence_times: list[TimeExpression],
    names: dict[str, str],
) -> Event | None:
    """The event of one place of a sentence, or None for timeless background; `names`
    are the article's names of its places (`article_place_names`)."""
    s_start, s_end = bounds
    sentence = words.text
    # The trigger nearest the time decides; without a time, in a sentence of several
    # places, the trigger nearest this place.
    near: int | None = None
    if sentence_times:
        near = sentence_times[0].start - s_start
    elif len(in_sentence) > 1:
        near = max(place.start - s_start, 0)
    kind = type_near(words.hits, near)
    planned_times = [t for t in sentence_times if t.planned]
    interval: tuple[datetime.date, datetime.date, Granularity, Basis] | None
    if kind == "plan" and planned_times:
        first = planned_times[0]
        interval = (first.date_start, first.date_end, first.granularity, first.basis)
        planned = True
    else:
        interval = sentence_interval(sentence_times, article.published)
        planned = False
    granularity: Granularity | Literal[""] = ""
    basis: TimeBasis = "unknown"
    date_start = date_end = None
    if interval is not None:
        date_start, date_end, granularity, basis = interval
        # Old events reported later keep their own date ("captured X in June 2014" in a
        # 2017 story); what is old and names no action is background.
        if (
            article.published
            and date_end < article.published - BACKGROUND
            and kind in BACKGROUND_TYPES
        ):
            return None
    marks = [
        Mark(m.start - s_start, m.end - s_start, "place") for m in in_sentence if m.start >= 0
    ]  # an inherited place is not in this sentence
    # A time expression may run past the sentence ("on Friday. June 1"): marked up to
    # the sentence's end, so that every mark lies inside the snippet.
    marks += [Mark(t.start - s_start, min(t.end, s_end) - s_start, "time") for t in sentence_times]
    confidence = place.confidence * BASIS_WEIGHT.get(basis, 0.4)
    if kind == "other":
        confidence *= 0.8
    name = names[mention_place_id(place)]
    return Event(
        id=event_id,
        article=article,
        place=name,
        gazetteer_name=place.name,
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
        actors=words.actors,
        figures=words.figures,
        snippet=sentence,
        marks=tuple(sorted(marks, key=lambda m: m.start)),
        caption=place.caption,
        confidence=round(confidence, 3),
        other_places=tuple(sorted({names[mention_place_id(m)] for m in in_sentence} - {name})),
    )


def extract_events(
    article: ArticleRef,
    text: str,
    mentions: list[PlaceMention],
    times: list[TimeExpression],
    actors: tuple[Actor, ...] | None = None,
    *,
    deadline: Deadline = NO_DEADLINE,
) -> list[Event]:
    """The events of one article.

    `text` is the article text the offsets of `mentions` and `times` index (the original,
    uncleaned text); `times` must come from the cleaned text only, mapped back, so that
    boilerplate dates never date an event. The work is linear in the sentences and
    expressions; `deadline` is checked sentence by sentence and raises
    `budget.BudgetExceeded` when it passes.
    """
    actors = load_actors() if actors is None else actors
    times = sorted(times, key=lambda t: t.start)  # text order (a stable sort: as given)
    time_starts = [t.start for t in times]
    names = article_place_names(mentions)
    by_sentence: dict[tuple[int, int], list[PlaceMention]] = {}
    for mention in mentions:
        if mention.role == "place":
            by_sentence.setdefault((mention.sentence_start, mention.sentence_end), []).append(
                mention
            )
    by_sentence.update(_inherited_places(text, times, by_sentence))
    events = []
    for count, ((s_start, s_end), in_sentence) in enumerate(sorted(by_sentence.items())):
        deadline.check_every(count)
        in_bounds = times[bisect_left(time_starts, s_start) : bisect_left(time_starts, s_end)]
        sentence_times = _event_times(text, in_bounds)
        places = event_places(text, s_start, in_sentence, sentence_times)
        if not places:
            continue
        words = _SentenceWords.read(text[s_start:s_end], actors)
        for number, (place, place_times) in enumerate(
            zip(places, _times_per_place(text, s_start, places, sentence_times), strict=True)
        ):
            # The sentence's first event keeps the id it always had; "<id>:2:<offset>"...
            suffix = f":{number + 1}" if number else ""
            event = _event(
                f"{article.id}{suffix}:{s_start}",
                article,
                words,
                (s_start, s_end),
                in_sentence,
                place,
                _current(place_times, article.published),
                names,
            )
            if event is not None:
                events.append(event)
    return events


def mention_place_id(mention: PlaceMention) -> str:
    """Which place a mention is (`reader_names.place_id`)."""
    return place_id(mention.geonameid, mention.name, mention.lat, mention.lon)


def article_place_names(mentions: list[PlaceMention]) -> dict[str, str]:
    """The article's name of each of its places, by place id: its own spelling, so that
    the map shows "Menaka" where the gazetteer has "Ménaka" (`reader_names`); the build
    then makes one name per place across the corpus."""
    return {pid: reader_name(votes) for pid, votes in name_votes(mentions).items()}


_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)|\n")
# A sentence without a place inherits the previous one's only this close after it.
INHERIT_MAX_GAP = 300


def _inherited_places(
    text: str,
    times: list[TimeExpression],
    by_sentence: dict[tuple[int, int], list[PlaceMention]],
) -> dict[tuple[int, int], list[PlaceMention]]:
    """A dated sentence with an action but no place ("Troops ... on March 24.") happened
    at the place the previous sentence ended on, when that sentence is just before it:
    the sentence's bounds -> that place, marked as inherited (no offsets).

    `times` are in text order; the sentences are swept along with them (see
    `_SentenceSweep`), so a text of many sentences and dates is read once.
    """
    known = dict(by_sentence)  # an inherited place passes on to the next sentence too
    sweep = _SentenceSweep(list(known))
    inherited: dict[tuple[int, int], list[PlaceMention]] = {}
    for time in times:
        previous = sweep.advance(time.start)
        if previous is None:  # inside a known sentence, or none before it
            continue
        s, e = previous
        # A continent is where a story is set, not where one action happens.
        candidates = [m for m in known[(s, e)] if m.level != "continent"]
        if time.start - e > INHERIT_MAX_GAP or not candidates:
            continue
        if event_type(text[e : time.start]) == "other":
            continue
        line_start = text.rfind("\n", e, time.start)  # the line may start after `e`
        sentence_start = line_start + 1 if line_start >= 0 else e
        while sentence_start < time.start and text[sentence_start] in " \n\t":
            sentence_start += 1
        end_match = _SENTENCE_END.search(text, time.end)
        sentence_end = end_match.end() if end_match else len(text)
        last = max(candidates, key=lambda m: m.start)
        inherited[(sentence_start, sentence_end)] = known[(sentence_start, sentence_end)] = [
            dataclasses.replace(
                last,
                start=-1,
                end=-1,
                sentence_start=sentence_start,
                sentence_end=sentence_end,
                confidence=round(last.confidence * 0.7, 3),
            )
        ]
        sweep.add((sentence_start, sentence_end))
    return inherited


class _SentenceSweep:
    """Sentences (start, end) met in the order of a position that never decreases: whether
    one holds the position, and else the last one before it (the greatest (start, end)
    of those ending at or before it). Each sentence is passed once (heaps by start and by
    end), however many positions are asked about."""

    def __init__(self, sentences: list[tuple[int, int]]) -> None:
        self.not_started = sorted(sentences)  # by start: popped from the front in order
        self.next_start = 0
        self.open: list[tuple[int, int]] = []  # (end, start) of the started, by end
        self.before: tuple[int, int] | None = None  # the greatest of the ended

    def advance(self, position: int) -> tuple[int, int] | None:
        """None when a sentence holds `position` or none ends before it; else the last
        sentence before it."""
        while (
            self.next_start < len(self.not_started)
            and self.not_started[self.next_start][0] <= position
        ):
            start, end = self.not_started[self.next_start]
            heapq.heappush(self.open, (end, start))
            self.next_start += 1
        while self.open and self.open[0][0] <= position:
            end, start = heapq.heappop(self.open)
            if self.before is None or (start, end) > self.before:
                self.before = (start, end)
        return None if self.open else self.before

    def add(self, sentence: tuple[int, int]) -> None:
        """A sentence that holds the current position (it starts at or before it)."""
        heapq.heappush(self.open, (sentence[1], sentence[0]))
