"""Incidents: the events of a build that report one happening, grouped.

Every sentence that names a place is its own event; an incident gathers the events that
tell of the same happening, across sentences and across articles, so that an analyst sees
one capture with its five reports rather than five captures. Events belong together when
- their places are one place: the same gazetteer entry, points a few km apart, or a town
  and a facility named after it (a point within the facility's uncertainty radius);
  events placed at a whole country or province group only with events at that same area;
- their times overlap: an event dated only by its report's publication day happened on
  that day or a few days before it; an operation of weeks is not the day inside it;
- their types are compatible (the capture, the assault and the withdrawal are one fight).
Undated events are never grouped: nothing says when they happened.

The grouping is complete-linkage, so it cannot chain: an event joins an incident only when
it goes with every member of it (the incident's common interval, every member's place and
type), never through one neighbour. Events are taken in an order that depends on their
content only (the most precisely dated first, then by date and id), so the result does
not depend on the order of the input, and an incident's id is a hash of its earliest
event's id. The rules are data: `mapdata/incident_rules.toml`.

Where an incident's reports disagree (different figures for the same thing, different
dates, different actors), `Incident.disagreements` says so, with the articles and sources
of each side.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from geo.paths import MAPDATA
from geo.pipeline.actions import EVENT_TYPES
from geo.pipeline.places.gazetteer import haversine_km

DEFAULT_RULES = MAPDATA / "incident_rules.toml"

# How surely each time basis dates an event: the sharper ones seed incidents first, so
# that a report dated only by its publication day joins the happening a dated report fixes.
BASIS_ORDER = {"explicit": 0, "relative": 1, "publication": 2}
KM_PER_DEGREE = 111.32  # along a meridian: the grid cell's height
GRID_DEGREES = 1.0  # the place index's cell: 111 km tall, more than any join distance
CELLS_AROUND_THE_WORLD = 360

Feature = Mapping[str, Any]
DisagreementKind = Literal["figures", "dates", "actors"]


# ----------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class IncidentRules:
    """The values of `mapdata/incident_rules.toml` (see there for why each is what it is)."""

    same_place_km: float
    max_uncertainty_km: float
    area_levels: frozenset[str]
    publication_days_before: int
    similar_span_days: int
    similar_span_ratio: float
    type_groups: Mapping[str, int]  # event type -> its group's number (others: alone)
    alone_types: frozenset[str]  # types that never group (not even with each other)
    figure_nouns: Mapping[str, str]  # figure noun -> the first noun of its group


def _number(data: Mapping[str, Any], section: str, key: str, path: Path) -> float:
    value = data.get(section, {}).get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{path}: [{section}] {key} must be a number >= 0, not {value!r}")
    return float(value)


def _type_groups(data: Mapping[str, Any], path: Path) -> dict[str, int]:
    groups: dict[str, int] = {}
    for number, group in enumerate(data.get("types", {}).get("compatible", [])):
        for name in _known_types(group, path):
            groups.setdefault(name, number)
    return groups


def _known_types(names: Iterable[object], path: Path) -> list[str]:
    for name in names:
        if name not in EVENT_TYPES:
            raise ValueError(
                f"{path}: unknown event type {name!r} in [types]; "
                f"the map knows {', '.join(EVENT_TYPES)}"
            )
    return [str(name) for name in names]


@lru_cache(maxsize=4)
def load_rules(path: Path = DEFAULT_RULES) -> IncidentRules:
    """The grouping rules; ValueError naming the file for a value that cannot be used."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    nouns: dict[str, str] = {}
    for group in data.get("figures", {}).get("same_thing", []):
        for noun in group:
            nouns.setdefault(str(noun).casefold(), str(group[0]).casefold())
    return IncidentRules(
        same_place_km=_number(data, "place", "same_place_km", path),
        max_uncertainty_km=_number(data, "place", "max_uncertainty_km", path),
        area_levels=frozenset(str(level) for level in data["place"]["area_levels"]),
        publication_days_before=int(_number(data, "time", "publication_days_before", path)),
        similar_span_days=int(_number(data, "time", "similar_span_days", path)),
        similar_span_ratio=_number(data, "time", "similar_span_ratio", path),
        type_groups=_type_groups(data, path),
        alone_types=frozenset(_known_types(data.get("types", {}).get("alone", []), path)),
        figure_nouns=nouns,
    )


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class _Report:
    """What the grouping reads of one event."""

    index: int  # its position in the input
    id: str
    lat: float
    lon: float
    level: str
    area: tuple[str, str] | None  # (level, place key) of a country- or province-level event
    geonameid: int | None
    reach_km: float  # how far its point may be from another's and still be one place
    start: int  # the days it may have happened on (ordinals), publication days widened
    end: int
    span: int  # its interval's length in days (1 for a publication day)
    type_group: str  # reports of one group may be one happening
    # The processing order: the most precisely dated first, then by date and id; content
    # only (the rest of the event breaks a tie of duplicate ids), never the input order.
    order: tuple[int, int, int, str, float, float, str]


def _ordinal(value: object) -> int | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10]).toordinal()
    except ValueError:
        return None


def _point(feature: Feature) -> tuple[float, float] | None:
    geometry = feature.get("geometry") or {}
    coordinates = geometry.get("coordinates") if isinstance(geometry, Mapping) else None
    if not isinstance(coordinates, Sequence) or len(coordinates) < 2:
        return None
    lon, lat = coordinates[0], coordinates[1]
    if not all(isinstance(c, int | float) and math.isfinite(c) for c in (lon, lat)):
        return None
    return float(lat), float(lon)


def _report(index: int, feature: Feature, rules: IncidentRules) -> _Report | None:
    """The event as the grouping reads it; None when it cannot be grouped (undated, or
    without a point)."""
    props = feature.get("properties") or {}
    start, end, point = (
        _ordinal(props.get("date_start")),
        _ordinal(props.get("date_end")),
        _point(feature),
    )
    if start is None or end is None or end < start or point is None:
        return None
    basis = str(props.get("time_basis") or "")
    span = end - start + 1
    if basis == "publication":
        start, span = start - rules.publication_days_before, 1
    level = str(props.get("level") or "")
    geonameid = props.get("geonameid") if isinstance(props.get("geonameid"), int) else None
    area_key = (
        str(geonameid) if geonameid is not None else f"{props.get('country')}:{props.get('place')}"
    )
    uncertainty = props.get("uncertainty_km")
    uncertainty = float(uncertainty) if isinstance(uncertainty, int | float) else 0.0
    event_type = str(props.get("event_type") or "other")
    event_id = str(props.get("id") or "")
    if event_type in rules.alone_types:
        type_group = f"alone {event_id}"  # a group of its own: no other report is like it
    else:
        # A plan is not its happening: planned events only group with planned events.
        planned = "planned " if props.get("planned") else ""
        type_group = planned + str(rules.type_groups.get(event_type, f"only {event_type}"))
    return _Report(
        index=index,
        id=event_id,
        lat=point[0],
        lon=point[1],
        level=level,
        area=(level, area_key.casefold()) if level in rules.area_levels else None,
        geonameid=geonameid,
        reach_km=min(max(uncertainty, 0.0), rules.max_uncertainty_km),
        start=start,
        end=end,
        span=span,
        type_group=type_group,
        order=(
            BASIS_ORDER.get(basis, len(BASIS_ORDER)),
            span,
            start,
            event_id,
            point[0],
            point[1],
            type_group,
        ),
    )


# ------------------------------------------------------------------------- pairwise


def _same_place(a: _Report, b: _Report, rules: IncidentRules) -> bool:
    if a.area is not None or b.area is not None:
        return a.area == b.area
    if a.geonameid is not None and a.geonameid == b.geonameid:
        return True
    reach = rules.same_place_km + max(a.reach_km, b.reach_km)
    return haversine_km(a.lat, a.lon, b.lat, b.lon) <= reach


def _similar_spans(a: int, b: int, rules: IncidentRules) -> bool:
    """Spans of days of one happening's uncertainty, or of two operations of like length;
    not a day and the weeks around it."""
    short, long = sorted((a, b))
    return long <= max(rules.similar_span_days, rules.similar_span_ratio * short)


def _compatible_types(a: _Report, b: _Report) -> bool:
    return a.type_group == b.type_group


# -------------------------------------------------------------------------- grouping


@dataclass
class _Group:
    """An incident being formed: its members, their common interval, and what complete
    linkage needs of them kept small (one type group, their shortest and longest spans,
    their distinct places), so that a report is checked against a pile of a thousand
    reports of one place as fast as against one."""

    members: list[_Report]
    start: int  # the members' common interval
    end: int
    shortest: int  # the members' spans, shortest and longest
    longest: int
    places: dict[tuple[object, ...], _Report]  # a member for each distinct place

    @classmethod
    def of(cls, report: _Report) -> _Group:
        return cls([report], report.start, report.end, report.span, report.span, {})._placed(report)

    def _placed(self, report: _Report) -> _Group:
        key = (report.area, report.geonameid, report.lat, report.lon, report.reach_km)
        self.places.setdefault(key, report)
        return self

    def admits(self, report: _Report, rules: IncidentRules) -> bool:
        """Whether the report goes with every member (complete linkage: no chaining).
        Spans: a report like the shortest and the longest member is like every one."""
        if report.start > self.end or self.start > report.end:
            return False
        first = self.members[0]
        return (
            _compatible_types(report, first)
            and _similar_spans(report.span, self.shortest, rules)
            and _similar_spans(report.span, self.longest, rules)
            and all(_same_place(report, m, rules) for m in self.places.values())
        )

    def add(self, report: _Report) -> None:
        self.members.append(report)
        self.start, self.end = max(self.start, report.start), min(self.end, report.end)
        self.shortest, self.longest = (
            min(self.shortest, report.span),
            max(self.longest, report.span),
        )
        self._placed(report)


class _PlaceIndex:
    """Groups by kind of happening and grid cell (points) or area, so that a report is
    only compared with the groups that could take it: of its type group (every member of
    a group is of one) and at its place."""

    def __init__(self, rules: IncidentRules) -> None:
        self.rules = rules
        self.cells: dict[tuple[object, ...], list[_Group]] = {}

    @staticmethod
    def _cell(report: _Report) -> tuple[object, ...]:
        if report.area is not None:
            return (report.type_group, "area", *report.area)
        row, col = math.floor(report.lat / GRID_DEGREES), math.floor(report.lon / GRID_DEGREES)
        return (report.type_group, row, col)

    def near(self, report: _Report) -> list[_Group]:
        if report.area is not None:
            return list(self.cells.get(self._cell(report), []))
        row = math.floor(report.lat / GRID_DEGREES)
        col = math.floor(report.lon / GRID_DEGREES)
        # As many cells around as the farthest join needs (a cell is narrower towards the
        # poles: more of them east and west).
        reach = self.rules.same_place_km + self.rules.max_uncertainty_km
        height = KM_PER_DEGREE * GRID_DEGREES
        width = height * max(math.cos(math.radians(report.lat)), 1e-3)
        columns = CELLS_AROUND_THE_WORLD // 2
        wide = min(math.ceil(reach / width), columns)
        tall = math.ceil(reach / height)
        found: list[_Group] = []
        for r in range(row - tall, row + tall + 1):
            for c in {
                (c + columns) % CELLS_AROUND_THE_WORLD - columns
                for c in range(col - wide, col + wide + 1)
            }:
                found.extend(self.cells.get((report.type_group, r, c), []))
        return found

    def add(self, group: _Group) -> None:
        self.cells.setdefault(self._cell(group.members[0]), []).append(group)


def _preference(group: _Group, report: _Report) -> tuple[float, ...]:
    """Which of several admitting groups a report joins: the same gazetteer place, the
    nearest, then the latest happening (a report tells of the most recent one); the
    caller breaks a tie by the group's first member (content: not the input order)."""
    seed = group.members[0]
    same = report.geonameid is not None and report.geonameid == seed.geonameid
    distance = round(haversine_km(report.lat, report.lon, seed.lat, seed.lon), 3)
    return (0.0 if same else 1.0, distance, -group.end)


def _group(reports: Iterable[_Report], rules: IncidentRules) -> list[_Group]:
    groups: list[_Group] = []
    index = _PlaceIndex(rules)
    for report in sorted(reports, key=lambda r: r.order):
        admitting = [g for g in index.near(report) if g.admits(report, rules)]
        if admitting:
            min(admitting, key=lambda g: (_preference(g, report), g.members[0].order)).add(report)
            continue
        group = _Group.of(report)
        groups.append(group)
        index.add(group)
    return groups


def incident_id(event_id: str) -> str:
    """An incident's id: a short hash of its earliest event's id (stable across builds
    while that event is in it)."""
    return "I-" + hashlib.sha1(event_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]


# ------------------------------------------------------------------------ summaries


@dataclass(frozen=True)
class Side:
    """One side of a disagreement: what some reports say, and which reports they are."""

    value: str  # "30,000 troops", "2019-05-02..2019-05-03", "army, rebel militias"
    event_ids: tuple[str, ...]
    articles: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Disagreement:
    """Reports of one incident that say different things about it (from different articles)."""

    kind: DisagreementKind
    about: str  # what the sides differ on: the figure's thing ("troops"), "dates", "actors"
    sides: tuple[Side, ...]


@dataclass(frozen=True)
class Incident:
    """One happening and every report of it (members: indexes into the input features)."""

    id: str
    members: tuple[int, ...]
    event_ids: tuple[str, ...]
    place: str  # the most precise member's place
    level: str
    event_types: tuple[str, ...]
    articles: tuple[str, ...]
    sources: tuple[str, ...]
    date_start: str | None  # the members' dates: the earliest start, the latest end
    date_end: str | None
    disagreements: tuple[Disagreement, ...] = field(default=())
    verification: str = "unverified"  # the latest verdict an analyst gave one of its reports

    @property
    def reports(self) -> int:
        return len(self.members)


def _earliest(features: Sequence[Feature], members: Iterable[int]) -> int:
    """The member whose event came first (its date, then its id): it names the incident."""

    def key(i: int) -> tuple[str, str, str]:
        props = features[i].get("properties") or {}
        return (
            str(props.get("date_start") or "9999"),
            str(props.get("date_end") or "9999"),
            str(props.get("id") or ""),
        )

    return min(members, key=key)


def _link(feature: Feature) -> tuple[str, str | None]:
    """An analyst's merge or split of the event ("merge", the other id), else ("", None)."""
    link = (feature.get("properties") or {}).get("incident_link")
    if not isinstance(link, Mapping) or link.get("kind") not in ("merge", "split"):
        return "", None
    other = link.get("with")
    return str(link["kind"]), other if isinstance(other, str) else None


def _event_index(features: Sequence[Feature]) -> dict[str, int]:
    """Event id -> its index, and incident id -> the index of the event it is named after:
    a merge names either, and an incident's id is its earliest event's (`incident_id`)."""
    index: dict[str, int] = {}
    for i, feature in enumerate(features):
        event_id = str((feature.get("properties") or {}).get("id") or "")
        if event_id:
            index.setdefault(event_id, i)
            index.setdefault(incident_id(event_id), i)
    return index


def unknown_merges(features: Sequence[Feature]) -> list[str]:
    """The merges whose other event or incident is not among the features, said as
    "correction <entry>: event <id> merges with <other>, which the map data does not have"."""
    index = _event_index(features)
    said = []
    for feature in features:
        kind, other = _link(feature)
        if kind == "merge" and (other is None or other not in index):
            props = feature.get("properties") or {}
            entry = (props.get("incident_link") or {}).get("entry")
            said.append(
                f"correction {entry}: event {props.get('id')} merges with {other}, "
                "which the map data does not have"
            )
    return said


def _merged(groups: list[list[int]], features: Sequence[Feature]) -> list[list[int]]:
    """The groups joined by the analysts' merges (whatever the rules say: their word)."""
    owner = {i: g for g, members in enumerate(groups) for i in members}
    parent = list(range(len(groups)))

    def root(g: int) -> int:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    index = _event_index(features)
    for i, feature in enumerate(features):
        kind, other = _link(feature)
        if kind == "merge" and other in index:
            a, b = root(owner[i]), root(owner[index[other]])
            parent[max(a, b)] = min(a, b)
    joined: dict[int, list[int]] = {}
    for g, members in enumerate(groups):
        joined.setdefault(root(g), []).extend(members)
    return [sorted(members) for members in joined.values()]


def _partition(features: Sequence[Feature], rules: IncidentRules) -> list[list[int]]:
    """The members of every incident (indexes), each incident's in input order. An event
    an analyst split off stands alone (unless a merge of its own joins it elsewhere)."""
    reports = [
        None if _link(f)[0] == "split" else _report(i, f, rules) for i, f in enumerate(features)
    ]
    groups = [sorted(m.index for m in g.members) for g in _group(filter(None, reports), rules)]
    groups += [[i] for i, r in enumerate(reports) if r is None]
    return _merged(groups, features)


def incident_ids(features: Sequence[Feature], rules: IncidentRules | None = None) -> list[str]:
    """Each feature's incident id, in the order of the features."""
    rules = rules or load_rules()
    ids = [""] * len(features)
    for members in _partition(features, rules):
        name = incident_id(
            str((features[_earliest(features, members)].get("properties") or {}).get("id") or "")
        )
        for i in members:
            ids[i] = name
    return ids


def incidents(features: Sequence[Feature], rules: IncidentRules | None = None) -> list[Incident]:
    """Every incident with its reports and disagreements, the earliest first."""
    rules = rules or load_rules()
    found = [_summary(features, members, rules) for members in _partition(features, rules)]
    return sorted(found, key=lambda inc: (inc.date_start or "9999", inc.date_end or "9999", inc.id))


def _props(features: Sequence[Feature], members: Sequence[int]) -> list[Mapping[str, Any]]:
    return [features[i].get("properties") or {} for i in members]


def _summary(features: Sequence[Feature], members: list[int], rules: IncidentRules) -> Incident:
    props = _props(features, members)
    earliest = features[_earliest(features, members)].get("properties") or {}
    # The most precise place names the incident (a town's event before its province's).
    precise = min(props, key=lambda p: (p.get("geo_precision") or 3, str(p.get("id") or "")))
    starts = [str(p["date_start"]) for p in props if p.get("date_start")]
    ends = [str(p["date_end"]) for p in props if p.get("date_end")]
    return Incident(
        id=incident_id(str(earliest.get("id") or "")),
        members=tuple(members),
        event_ids=tuple(str(p.get("id") or "") for p in props),
        place=str(precise.get("place") or ""),
        level=str(precise.get("level") or ""),
        event_types=tuple(sorted({str(p.get("event_type") or "other") for p in props})),
        articles=tuple(sorted({str(p.get("article_id") or "") for p in props} - {""})),
        sources=tuple(sorted({str(p.get("article_source") or "") for p in props} - {""})),
        date_start=min(starts) if starts else None,
        date_end=max(ends) if ends else None,
        disagreements=disagreements(props, rules),
        verification=verdict(props),
    )


def verdict(props: Sequence[Mapping[str, Any]]) -> str:
    """An incident's status: the latest an analyst gave any of its reports (verifying one
    report of a happening verifies the happening; a later rejection takes it back)."""
    judged = [
        (str(p["verified_at"]), str(p.get("id") or ""), str(p.get("verification") or ""))
        for p in props
        if p.get("verified_at")
    ]
    return max(judged)[2] if judged else "unverified"


# --------------------------------------------------------------------- disagreements

_QUANTITY = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(million|thousand))?", re.I)
_SCALE = {"million": 1_000_000.0, "thousand": 1_000.0}


def read_figure(figure: str, rules: IncidentRules | None = None) -> tuple[str, float] | None:
    """What a figure counts and how many: "30,000 troops" -> ("troops", 30000.0); "a force
    of 9,000" -> ("troops", 9000.0) (the thing is its group's first noun). None when the
    figure has no number or no noun."""
    rules = rules or load_rules()
    match = _QUANTITY.search(figure)
    words = re.findall(r"[A-Za-z]+", figure)
    if match is None or not words:
        return None
    quantity = float(match.group(1).replace(",", "")) * _SCALE.get(
        (match.group(2) or "").casefold(), 1.0
    )
    # "30,000 government troops": the noun ends the figure; "a force of 30,000": it opens it.
    noun = (words[0] if figure.rstrip()[-1:].isdigit() else words[-1]).casefold()
    return rules.figure_nouns.get(noun, noun), quantity


def _side(value: str, props: Sequence[Mapping[str, Any]]) -> Side:
    return Side(
        value=value,
        event_ids=tuple(sorted({str(p.get("id") or "") for p in props})),
        articles=tuple(sorted({str(p.get("article_id") or "") for p in props} - {""})),
        sources=tuple(sorted({str(p.get("article_source") or "") for p in props} - {""})),
    )


def _sides(claims: Mapping[str, list[Mapping[str, Any]]]) -> tuple[Side, ...] | None:
    """The sides when two claims come from different articles (no article makes both):
    one article's different figures or dates are usually different things, not a
    disagreement."""
    articles = [{str(p.get("article_id") or "") for p in reports} for reports in claims.values()]
    if not any(a.isdisjoint(b) for i, a in enumerate(articles) for b in articles[i + 1 :]):
        return None
    return tuple(_side(value, reports) for value, reports in sorted(claims.items()))


def _figure_disagreements(
    props: Sequence[Mapping[str, Any]], rules: IncidentRules
) -> list[Disagreement]:
    by_thing: dict[str, dict[float, list[tuple[str, Mapping[str, Any]]]]] = {}
    for p in props:
        for figure in p.get("figures") or []:
            read = read_figure(str(figure), rules)
            if read is not None:
                by_thing.setdefault(read[0], {}).setdefault(read[1], []).append((str(figure), p))
    found = []
    for thing, by_quantity in sorted(by_thing.items()):
        # One side per number; the side is named by the first way a report wrote it.
        claims = {
            min(text for text, _ in reports): [p for _, p in reports]
            for _, reports in sorted(by_quantity.items())
        }
        sides = _sides(claims)
        if sides is not None:
            found.append(Disagreement("figures", thing, sides))
    return found


def _date_disagreement(props: Sequence[Mapping[str, Any]]) -> Disagreement | None:
    """Reports that date the incident differently (a publication day dates the report,
    not the happening: it never disagrees)."""
    claims: dict[str, list[Mapping[str, Any]]] = {}
    for p in props:
        if p.get("time_basis") != "publication" and p.get("date_start"):
            claims.setdefault(f"{p['date_start']}..{p.get('date_end')}", []).append(p)
    sides = _sides(claims)
    return Disagreement("dates", "dates", sides) if sides is not None else None


def _actor_disagreement(props: Sequence[Mapping[str, Any]]) -> Disagreement | None:
    """Articles that name different actors for the incident (each article's actors
    together: one sentence names the attacker, the next the defender)."""
    by_article: dict[str, set[str]] = {}
    for p in props:
        by_article.setdefault(str(p.get("article_id") or ""), set()).update(
            str(a) for a in p.get("actors") or []
        )
    claims: dict[str, list[Mapping[str, Any]]] = {}
    for p in props:
        actors = by_article[str(p.get("article_id") or "")]
        if actors:
            claims.setdefault(", ".join(sorted(actors)), []).append(p)
    sides = _sides(claims)
    return Disagreement("actors", "actors", sides) if sides is not None else None


def disagreements(
    props: Sequence[Mapping[str, Any]], rules: IncidentRules | None = None
) -> tuple[Disagreement, ...]:
    """Where an incident's reports (event properties) disagree: figures, dates, actors."""
    rules = rules or load_rules()
    found: list[Disagreement] = _figure_disagreements(props, rules)
    for extra in (_date_disagreement(props), _actor_disagreement(props)):
        if extra is not None:
            found.append(extra)
    return tuple(found)
