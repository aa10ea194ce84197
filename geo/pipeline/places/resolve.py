"""Toponym resolution: which gazetteer place each mention refers to, and how sure we are.

Same-named places are told apart by evidence from the whole article:
- level and size: countries and large cities are what news usually means;
- focus: the countries the article keeps mentioning (by name, through its places and its
  demonyms); a "Tripoli" in an article about Libya is the Libyan one, not the Lebanese city;
- proximity: places of one article cluster; a candidate near the article's other places
  gains over a same-named one far away (second pass);
- what the text says it is: "Kandahar province", "the town of X".
One sense per article: every mention of a name resolves to the same place.
Names the gazetteer lacks may still get a point from a relative phrase
(geo.pipeline.places.relative).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Literal

from geo.pipeline.budget import NO_DEADLINE, Deadline
from geo.pipeline.places.gazetteer import (
    EARTH_RADIUS_KM,
    Candidate,
    Gazetteer,
    Level,
    Place,
    distance_km,
)
from geo.pipeline.places.names import fold, name_key
from geo.pipeline.places.relative import Anchor, DerivedPoint, derive_point
from geo.pipeline.places.toponyms import ADJECTIVAL, PROMINENT_POPULATION, Toponym
from geo.pipeline.places.wordlists import words

PROVINCE_WORDS = words("province_words")  # "the Kherson region" is the province
# How far a facility named after a place ("X airport", "the X dam") may lie from its point.
FACILITY_UNCERTAINTY_KM = 15.0
# The text spells the place's own name (diacritics aside) rather than a folded variant of
# it: a town spelled as the text writes it ("Xanna") beats one whose key only matches
# once doubled letters fold ("Xana").
SPELLING_BONUS = 1.5
SPELLING_MAX_RATIO = 20  # ... but not a hamlet over a town twenty times its size
SETTLEMENT_WORDS = words("settlement_words")  # "the city of Kherson" is the town
WATER_WORDS = words("water_words")  # "the Dnipro River" is no town Dnipro
PROXIMITY_KM = 400.0


@dataclass(frozen=True)
class Resolution:
    """A toponym with the place chosen for it (or why none was)."""

    toponym: Toponym
    place: Place | None
    lat: float | None
    lon: float | None
    level: Level | Literal[""]  # "" when unresolved
    confidence: float
    alternatives: tuple[Place, ...] = ()
    reason: str = ""  # why unresolved, or how a derived point was made
    uncertainty_km: float | None = None
    country: str = ""  # a derived point's: its anchors' (a resolved place has its own)

    @property
    def resolved(self) -> bool:
        return self.lat is not None


@dataclass
class _Group:
    """All mentions of one name in the article."""

    key: str
    name: str  # as first written in the text
    toponyms: list[Toponym]
    candidates: tuple[Candidate, ...]
    feature_words: set[str] = field(default_factory=set)
    chosen: Place | None = None
    scores: list[tuple[float, Place]] = field(default_factory=list)
    # Ids of the candidates whose own name the text spells (diacritics aside), and the
    # population of the largest other one: set once the credible candidates are known.
    spelled: set[int] = field(default_factory=set)
    largest_unspelled: int = 0
    # The point a relative phrase gives the group's name, once looked for (a 1-tuple,
    # since None is an answer): every mention of an unknown name gets the same one.
    derived: tuple[DerivedPoint | None] | None = None

    def set_candidates(self, candidates: tuple[Candidate, ...]) -> None:
        self.candidates = candidates
        folded = fold(self.name)
        self.spelled = {c.place.id for c in candidates if fold(c.place.name) == folded}
        self.largest_unspelled = max(
            (c.place.population for c in candidates if c.place.id not in self.spelled), default=0
        )


def _population_score(place: Place) -> float:
    return math.log10(place.population + 1) / 2  # 0 .. ~4


def _base_score(cand: Candidate, group: _Group, focus: dict[str, float]) -> float:
    """Prior plausibility of one candidate before looking at the article's geography."""
    place = cand.place
    score = _population_score(place)
    if place.level == "continent":
        score = 6.0
    elif place.level == "country":
        score += 5.0
    elif place.level == "province":
        # Province populations are summed from their places; weighed a little below a
        # same-sized city, and well below it when a same-named city dominates the province
        # (Kandahar, Herat): news means the city unless it says "province".
        score = 1.2 + 0.9 * score
        if group.feature_words & PROVINCE_WORDS:
            score += 4.0
        elif any(
            c.place.level in {"city", "village"}
            and c.place.country == place.country
            and (
                c.place.admin1 == place.admin1
                and c.place.population >= 0.25 * place.population
                or (c.place.id in group.spelled and not cand.exact)
            )
            for c in group.candidates
        ):
            # Also when only the city has the name itself and the province merely an alias
            # ("Kherson" is Kherson, not Khersonska oblast, unless the text says "oblast").
            score -= 2.0
    else:
        if place.capital:
            score += 2.0
        if group.feature_words & SETTLEMENT_WORDS:
            score += 1.0
    if cand.exact:
        score += 0.6
    if place.id in group.spelled and (
        place.population * SPELLING_MAX_RATIO >= group.largest_unspelled
    ):
        score += SPELLING_BONUS
    score += 2.0 * focus.get(place.country, 0.0)
    return score


def _group_key(top: Toponym) -> str:
    """One sense per article, except where the text itself says a mention is the province
    ("the Kherson region" beside "the city of Kherson": two places of one name)."""
    key = name_key(top.name)
    return f"{key}|province" if top.feature_word in PROVINCE_WORDS else key


# A country with at least this share of the article's main country's evidence is one of
# the countries the article is about (see `_focus`), not one named in passing.
MAIN_FOCUS = 0.5


def _credible(group: _Group, focus: dict[str, float]) -> tuple[Candidate, ...]:
    """The candidates the text allows for a group of mentions.

    - LOC is the model's label for seas, regions and ranges ("Atlantic", "Middle East"),
      and a name only the text's own words made a place ("the town of X", a name seen as
      a place elsewhere in the article) is no evidence for a small place abroad: a
      same-named village or town is credible only in a country the article is about.
    """
    labels = {t.label for t in group.toponyms}
    if labels <= {"LOC"}:  # "the Middle East" is no village in a country named in passing
        return tuple(
            c
            for c in group.candidates
            if c.place.level not in {"city", "village"}
            or focus.get(c.place.country, 0.0) >= MAIN_FOCUS
        )
    if focus and not labels & {"GPE", "LOC", "FAC"}:
        return tuple(
            c
            for c in group.candidates
            if c.place.level not in {"city", "village"}
            or c.place.country in focus
            or c.place.population >= PROMINENT_POPULATION
        )
    if focus:  # even the model's GPE: a hamlet abroad is less likely than a gazetteer gap
        return tuple(
            c
            for c in group.candidates
            if c.place.level != "village" or focus.get(c.place.country, 0.0) >= MAIN_FOCUS
        )
    return group.candidates


def _spelling_variants(
    group: _Group, gazetteer: Gazetteer, focus: dict[str, float]
) -> tuple[Candidate, ...]:
    """Another romanisation of a name the gazetteer lacks ("Jawzjan" for Jowzjan), only
    where the text uses the name as a place ("in Jawzjan", "Jawzjan province") and for
    towns and larger in a country the article is about: a loose key alone matches too
    much (a commander "Syrskyi" is a village "Syrskoye" somewhere, "Peskov" is Pskov)."""
    if not any(t.cued or t.feature_word for t in group.toponyms):
        return ()
    return tuple(
        c for c in gazetteer.spelling_variants(group.name) if focus.get(c.place.country, 0) > 0
    )


def _focus(groups: list[_Group], adjectival: list[tuple[Place, float]]) -> dict[str, float]:
    """Share of the article's evidence that points at each country."""
    # Mentions count 1 each, adjectives 0.5 or 1 (see _group_mentions).
    votes: defaultdict[str, float] = defaultdict(float)
    for group in groups:
        countries = {c.place.country for c in group.candidates}
        weight = float(len(group.toponyms))
        if len(countries) == 1:
            votes[next(iter(countries))] += weight
        elif group.candidates and group.candidates[0].place.level == "country":
            votes[group.candidates[0].place.country] += weight
    for place, weight in adjectival:
        votes[place.country] += weight
    total = sum(votes.values())
    if not total:
        return {}
    top = max(votes.values())
    # Normalised to the main country, so a one-country article gives that country 1.0.
    return {country: count / top for country, count in votes.items()}


def _confidence(scores: list[tuple[float, Place]]) -> float:
    if not scores:
        return 0.0
    best = scores[0][0]
    margin = 3.0 if len(scores) == 1 else best - scores[1][0]
    # A logistic of the margin over the runner-up: 0.5 for a tie, ~0.95 for a clear win.
    certainty = 1 / (1 + math.exp(-margin))
    size = 1.0 if scores[0][1].level in {"country", "province"} or scores[0][1].population else 0.9
    return round(certainty * size, 3)


def resolve_toponyms(
    toponyms: list[Toponym],
    text: str,
    gazetteer: Gazetteer,
    deadline: Deadline = NO_DEADLINE,
) -> list[Resolution]:
    """Resolve every toponym of one text; the result is in the input order.

    The steps: group the mentions by name (one sense per article) and read the demonyms;
    weigh the countries the article is about; score each group's credible candidates;
    rescore by proximity to the article's other places; then resolve each mention (a
    place, a facility of one, a point derived from a relative phrase, or unresolved with
    the reason). Every step is linear in the mentions (a text of many thousand names
    included); `deadline` is checked as the groups and mentions go by and raises
    `BudgetExceeded` when it passes.
    """
    groups, adjectival, demonyms = _group_mentions(toponyms, gazetteer)
    focus = _focus(list(groups.values()), adjectival)
    for count, group in enumerate(groups.values()):
        deadline.check_every(count)
        _score(group, gazetteer, focus)
    _rescore_by_proximity(list(groups.values()), deadline)
    # By start offset, built once: a relative phrase leads straight to its anchor.
    anchors = {
        t.start: Anchor(t.start, t.end, g.chosen.name, g.chosen.lat, g.chosen.lon, g.chosen.country)
        for g in groups.values()
        if g.chosen is not None
        for t in g.toponyms
    }
    results: list[Resolution] = []
    for i, top in enumerate(toponyms):
        deadline.check_every(i)
        if top.role == ADJECTIVAL:
            place = demonyms.get(i)
            results.append(_from_place(top, place, 0.9, (), "" if place else "unknown demonym"))
        else:
            results.append(_resolve_mention(top, groups[_group_key(top)], text, anchors))
    return results


def _group_mentions(
    toponyms: list[Toponym], gazetteer: Gazetteer
) -> tuple[dict[str, _Group], list[tuple[Place, float]], dict[int, Place | None]]:
    """The groups of mentions by name, the adjectival evidence of focus with its weight,
    and the country each adjectival mention stands for.

    Demonyms are weak evidence of focus ("Iranian advisers"), a country's own name used as
    an adjective ("US officials", "US-led") as strong as the name anywhere else.
    """
    groups: dict[str, _Group] = {}
    adjectival: list[tuple[Place, float]] = []
    demonyms: dict[int, Place | None] = {}
    for i, top in enumerate(toponyms):
        if top.role == ADJECTIVAL:
            # "Afghan" through the demonyms; "US-led", "UK intelligence" through the name.
            demonym = gazetteer.demonym(top.text)
            named = gazetteer.candidates(top.name)  # countries and provinces come first
            place = demonym or (named[0].place if named else None)
            demonyms[i] = place
            if place is not None:
                adjectival.append((place, 0.5 if demonym else 1.0))
            continue
        key = _group_key(top)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(key, top.name, [], gazetteer.candidates(top.name))
        group.toponyms.append(top)
        if top.feature_word:
            group.feature_words.add(top.feature_word)
    return groups, adjectival, demonyms


def _score(group: _Group, gazetteer: Gazetteer, focus: dict[str, float]) -> None:
    """The group's credible candidates, best first, and its choice."""
    if group.feature_words & WATER_WORDS:
        group.candidates = ()
    elif not group.candidates:
        group.candidates = _spelling_variants(group, gazetteer, focus)
    group.set_candidates(_credible(group, focus))
    group.scores = sorted(
        ((_base_score(c, group, focus), c.place) for c in group.candidates),
        key=lambda s: -s[0],
    )
    group.chosen = group.scores[0][1] if group.scores else None


def _rescore_by_proximity(groups: list[_Group], deadline: Deadline = NO_DEADLINE) -> None:
    """Second pass: a candidate near the article's other places (not countries: too
    coarse) gains, so "Kandahar" beside "Lashkar Gah" is the Afghan one.

    The groups are rescored in turn, each against the others' choices as they stand
    (earlier groups' new ones included). The other places near a candidate are counted
    through a grid (`_PointGrid`), which measures only those in the cells around it: a
    text naming 20,000 places across a continent would otherwise measure 400 million
    pairs.
    """
    grid = _PointGrid()
    for group in groups:
        if _counts_as_other(group.chosen):
            grid.add(group.chosen)  # type: ignore[arg-type]
    for group in groups:
        # Each group is compared with the places near its candidates: many, for a text of
        # thousands of villages of one region, so the clock is read for every group.
        deadline.check()
        if len(group.scores) < 2:
            continue
        own = group.chosen if _counts_as_other(group.chosen) else None
        others = len(grid) - (own is not None)
        if not others:
            continue
        rescored = []
        for score, place in group.scores:
            if place.level == "country":
                rescored.append((score, place))
                continue
            near = grid.count_within(place, PROXIMITY_KM)
            if own is not None and distance_km(place, own) < PROXIMITY_KM:
                near -= 1  # the group's own choice is not one of the others
            rescored.append((score + 2.0 * near / others, place))
        group.scores = sorted(rescored, key=lambda s: -s[0])
        group.chosen = group.scores[0][1]
        if own is not None:
            grid.remove(own)
        if _counts_as_other(group.chosen):
            grid.add(group.chosen)


def _counts_as_other(place: Place | None) -> bool:
    """Whether a group's choice is one of the places the others are compared with."""
    return place is not None and place.level != "country"


class _PointGrid:
    """Places in cells of GRID_DEGREES of latitude and longitude, to count those within a
    distance of a point without measuring the distance to every one of them.

    Exact: the cells looked at cover every point within the distance (with a margin), and
    each place in them is measured with `distance_km`, as a pairwise count would.
    """

    GRID_DEGREES = 2.0

    def __init__(self) -> None:
        self.cells: defaultdict[tuple[int, int], list[Place]] = defaultdict(list)
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        wrapped = (lon + 180.0) % 360.0 - 180.0  # 180 degrees east is 180 degrees west
        return math.floor(lat / self.GRID_DEGREES), math.floor(wrapped / self.GRID_DEGREES)

    def add(self, place: Place) -> None:
        self.cells[self._cell(place.lat, place.lon)].append(place)
        self.size += 1

    def remove(self, place: Place) -> None:
        self.cells[self._cell(place.lat, place.lon)].remove(place)
        self.size -= 1

    def count_within(self, point: Place, km: float) -> int:
        """How many places lie less than `km` from `point` (each place counted as often
        as it was added)."""
        count = 0
        for cell in self._cells_near(point, km):
            for place in self.cells.get(cell, ()):
                if distance_km(point, place) < km:
                    count += 1
        return count

    def _cells_near(self, point: Place, km: float) -> set[tuple[int, int]]:
        """The cells that hold every point less than `km` from `point`."""
        arc = km / EARTH_RADIUS_KM  # radians
        margin = 0.5  # degrees: rounding never moves a point further
        reach = math.degrees(arc) + margin
        lats = _steps(point.lat - reach, point.lat + reach, self.GRID_DEGREES)
        spread = math.sin(arc) / max(math.cos(math.radians(point.lat)), 1e-9)
        if abs(point.lat) + reach >= 90.0 or spread >= 1.0:
            lons = _steps(-180.0, 180.0, self.GRID_DEGREES)  # a circle around a pole
        else:
            # The widest longitude difference of a point on the circle around `point`.
            lon_reach = math.degrees(math.asin(spread)) + margin
            lons = _steps(point.lon - lon_reach, point.lon + lon_reach, self.GRID_DEGREES)
        return {self._cell(lat, lon) for lat in lats for lon in lons}


def _steps(start: float, stop: float, step: float) -> list[float]:
    """`start`, `start + step`, ... up to and including `stop`."""
    values = []
    value = start
    while value < stop:
        values.append(value)
        value += step
    values.append(stop)
    return values


def _resolve_mention(
    top: Toponym, group: _Group, text: str, anchors: dict[int, Anchor]
) -> Resolution:
    """One mention: its group's place (a facility of it when the text says so), else a
    point derived from a relative phrase, else unresolved with the reason."""
    if group.chosen is not None:
        alternatives = tuple(p for _, p in group.scores[1:4])
        res = _from_place(top, group.chosen, _confidence(group.scores), alternatives, "")
        if top.facility:
            res = replace(
                res,
                level="facility",
                uncertainty_km=FACILITY_UNCERTAINTY_KM,
                reason=f"{top.facility} of {group.chosen.name}",
            )
        return res
    if group.derived is None:  # the same for every mention of the group: looked for once
        group.derived = (
            next((d for m in group.toponyms if (d := derive_point(text, m.end, anchors))), None),
        )
    derived = group.derived[0]
    if derived is not None:
        return Resolution(
            toponym=top,
            place=None,
            lat=derived.lat,
            lon=derived.lon,
            level="derived",
            confidence=0.6,
            reason=f"derived from '{derived.phrase}'",
            uncertainty_km=derived.uncertainty_km,
            country=derived.country,
        )
    reason = (
        "a river, lake or sea: the gazetteer has no water bodies"
        if group.feature_words & WATER_WORDS
        else "no gazetteer entry and no relative phrase"
    )
    return Resolution(
        toponym=top, place=None, lat=None, lon=None, level="", confidence=0.0, reason=reason
    )


def _from_place(
    top: Toponym,
    place: Place | None,
    confidence: float,
    alternatives: tuple[Place, ...],
    reason: str,
) -> Resolution:
    if place is None:
        return Resolution(top, None, None, None, "", 0.0, (), reason)
    return Resolution(top, place, place.lat, place.lon, place.level, confidence, alternatives)
