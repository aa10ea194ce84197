"""What the app's corrections offer and write, without Streamlit: the mention a place
correction points at (its article and offsets), the runner-up candidates and the gazetteer
search for a wrong place, the incidents near an event to merge with, the correction to undo,
the unresolved names, and the entries appended to the corrections file (as `campaign-map
correct` writes them: geo.corpus.corrections). The forms: geo.app.corrections_form.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING, Any

from geo.corpus.corrections import (
    POINT_LEVEL,
    Correction,
    EventRef,
    MentionRef,
    append_entry,
    effective,
    load_corrections,
    new_entry,
    parse_entry,
)
from geo.corpus.records import EventFeature
from geo.pipeline.places.gazetteer import Place, haversine_km
from geo.pipeline.places.names import name_key

if TYPE_CHECKING:
    from geo.pipeline.places.gazetteer import Gazetteer

CANDIDATES_SHOWN = 20  # runner-ups and search results offered at most
# Incidents offered for a merge: near the event in place and in time. Wider than the
# grouping's own rules (mapdata/incident_rules.toml), since the analyst merges what the
# rules kept apart: a town's two reports whose points the gazetteer set some km apart, or
# dates a few weeks apart that were one operation.
MERGE_KM = 50.0
MERGE_DAYS = 31
MERGE_SHOWN = 15
SNIPPET_WORDS = 8  # of an incident's first report, in its label


# -- what a correction points at -------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One correction to write: its change and what it applies to (new_entry's keywords)."""

    change: dict[str, Any]
    article: str | None = None
    mention: MentionRef | None = None
    event: EventRef | None = None


def event_target(props: Mapping[str, Any], change: dict[str, Any]) -> Target:
    """A correction of a built event, referred to as the command line does: its id, its
    sentence and its gazetteer place."""
    ref = EventRef(str(props["id"]), str(props["snippet"]), props.get("gazetteer_name"))
    return Target(change, article=str(props["article_id"]), event=ref)


def sentence_offset(event_id: str) -> int | None:
    """Where the event's sentence starts in its article's text: the number its id ends with
    ("<article>[:<n>]:<offset>", geo.pipeline.events.extract_events)."""
    tail = event_id.rsplit(":", 1)[-1]
    return int(tail) if ":" in event_id and tail.isdigit() else None


def place_mentions(props: Mapping[str, Any]) -> list[MentionRef]:
    """The place names of the event's sentence as mentions of its article: the snippet's
    place marks (offsets into the snippet) moved by the sentence's offset in the article.
    None for a place named in an earlier sentence (it has no mark here)."""
    start = sentence_offset(str(props.get("id", "")))
    snippet = str(props.get("snippet") or "")
    if start is None:
        return []
    return [
        MentionRef(start + m["start"], start + m["end"], snippet[m["start"] : m["end"]])
        for m in props.get("marks") or []
        if m.get("kind") == "place" and 0 <= m["start"] < m["end"] <= len(snippet)
    ]


def event_mention_index(props: Mapping[str, Any], mentions: Sequence[MentionRef]) -> int:
    """Which of the sentence's names is the event's place: the one whose key is its place's
    (reader's or gazetteer's name); else the first."""
    keys = {name_key(str(props.get(k) or "")) for k in ("place", "gazetteer_name")} - {""}
    return next((i for i, m in enumerate(mentions) if name_key(m.text) in keys), 0)


def mention_target(article: str, mention: MentionRef, change: dict[str, Any]) -> Target:
    return Target(change, article=article, mention=mention)


def place_change(place: Place) -> dict[str, Any]:
    """A "place" change to a gazetteer place (as `campaign-map correct place --geonameid`)."""
    return {
        "kind": "place",
        "geonameid": place.geonameid,
        "lat": place.lat,
        "lon": place.lon,
        "name": place.name,
        "level": place.level,
        "country": place.country,
    }


def point_change(lat: float, lon: float, name: str) -> dict[str, Any]:
    """A "place" change to a point clicked on the map, named by the analyst."""
    return {
        "kind": "place",
        "geonameid": None,
        "lat": round(float(lat), 6),
        "lon": round(float(lon), 6),
        "name": name.strip(),
        "level": POINT_LEVEL,
        "country": "",
    }


# -- places to choose from -------------------------------------------------------------


def article_centre(
    props: Mapping[str, Any], features: Iterable[EventFeature]
) -> tuple[float, float] | None:
    """Where the event's article is about: the median point of its other events (a name's
    place is likely near the article's other places), else the event's own point; None for
    an article without events."""
    own, others = [], []
    for f in features:
        p = f["properties"]
        if p["id"] == props.get("id"):
            own.append(f["geometry"]["coordinates"])
        elif p["article_id"] == props.get("article_id"):
            others.append(f["geometry"]["coordinates"])
    points = others or own
    if not points:
        return None
    return median(p[1] for p in points), median(p[0] for p in points)


def _same_place(place: Place, props: Mapping[str, Any]) -> bool:
    """The place is the event's: its GeoNames id, or (a curated place without one) its
    name and level."""
    if props.get("geonameid") is not None:
        return place.geonameid == props["geonameid"]
    return place.name == props.get("gazetteer_name") and place.level == props.get("level")


def _unique(places: Iterable[Place]) -> list[Place]:
    return list({p.id: p for p in places}.values())


def runner_ups(
    gazetteer: Gazetteer,
    name: str,
    props: Mapping[str, Any],
    near: tuple[float, float] | None,
) -> list[Place]:
    """The gazetteer's other places for `name` (the place the event has left out), nearest
    to `near` first, then the most populous: the candidates resolution passed over. Its
    other romanisations when the name has no other place."""
    found = [c.place for c in gazetteer.candidates(name)]
    others = [p for p in _unique(found) if not _same_place(p, props)]
    if not others:
        others = [
            p
            for p in _unique(c.place for c in gazetteer.spelling_variants(name))
            if not _same_place(p, props)
        ]
    return _nearest(others, near)[:CANDIDATES_SHOWN]


def _nearest(places: Iterable[Place], near: tuple[float, float] | None) -> list[Place]:
    """Nearest first (to the km), then the most populous (without a point: the latter)."""

    def km(p: Place) -> float:
        return round(haversine_km(near[0], near[1], p.lat, p.lon)) if near else 0

    return sorted(places, key=lambda p: (km(p), -p.population))


def search_places(
    gazetteer: Gazetteer, query: str, near: tuple[float, float] | None
) -> list[Place]:
    """Places for a name typed by the analyst, however it is spelt ("Kherson", "khersón"):
    those whose key is the query's, then its other romanisations, then names starting so;
    each group nearest first."""
    key = name_key(query)
    if not key:
        return []

    exact = _nearest((c.place for c in gazetteer.candidates(query)), near)
    variants = _nearest((c.place for c in gazetteer.spelling_variants(query)), near)
    starting = gazetteer.names_starting(query, CANDIDATES_SHOWN)
    return _unique([*exact, *variants, *starting])[:CANDIDATES_SHOWN]


def place_label(place: Place, near: tuple[float, float] | None = None) -> str:
    """A place as the analyst chooses it: `Paris, FR (city, 2,138,551 people, 12 km away)`."""
    parts: list[str] = [place.level]
    if place.population:
        parts.append(f"{place.population:,} people")
    if near is not None:
        parts.append(f"{haversine_km(*near, place.lat, place.lon):,.0f} km away")
    country = f", {place.country}" if place.country else ""
    return f"{place.name}{country} ({', '.join(parts)})"


# -- incidents to merge with -----------------------------------------------------------


@dataclass(frozen=True)
class IncidentChoice:
    """An incident near the event: the id a merge names (its earliest report's event id,
    which stays as long as that report does) and how the analyst reads it."""

    merge_with: str
    label: str
    km: float
    days: int | None  # None: either is undated


def _dates(props: Mapping[str, Any]) -> tuple[datetime.date, datetime.date] | None:
    try:
        return (
            datetime.date.fromisoformat(props["date_start"]),
            datetime.date.fromisoformat(props["date_end"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _days_apart(a: Mapping[str, Any], b: Mapping[str, Any]) -> int | None:
    """Days between two events' intervals (0: they overlap); None when either is undated."""
    x, y = _dates(a), _dates(b)
    if x is None or y is None:
        return None
    return max((y[0] - x[1]).days, (x[0] - y[1]).days, 0)


def _km(point: tuple[float, float], feature: EventFeature) -> float:
    lon, lat = feature["geometry"]["coordinates"]
    return haversine_km(*point, lat, lon)


def _incident_of(props: Mapping[str, Any]) -> str:
    return str(props.get("incident_id") or props["id"])


def first_report(members: Sequence[EventFeature]) -> EventFeature:
    """An incident's earliest report (undated ones last)."""
    return min(
        members, key=lambda f: (f["properties"].get("date_start") or "~", f["properties"]["id"])
    )


def incident_label(members: Sequence[EventFeature]) -> str:
    """`Gulu, 2019-05-02 – 2019-05-04: "Rebel fighters entered the town …" (3 reports)`."""
    p = first_report(members)["properties"]
    starts = [s for m in members if (s := m["properties"].get("date_start"))]
    ends = [e for m in members if (e := m["properties"].get("date_end"))]
    when = "undated"
    if starts and ends:
        when = min(starts) if min(starts) == max(ends) else f"{min(starts)} – {max(ends)}"
    words = str(p.get("snippet") or "").split()
    said = " ".join(words[:SNIPPET_WORDS]) + (" …" if len(words) > SNIPPET_WORDS else "")
    reports = max(
        len(members), *(int(m["properties"].get("incident_reports") or 1) for m in members)
    )
    count = f" ({reports} reports)" if reports > 1 else ""
    return f'{p.get("place")}, {when}: "{said}"{count}'


def nearby_incidents(
    props: Mapping[str, Any], features: Sequence[EventFeature]
) -> list[IncidentChoice]:
    """The other incidents within MERGE_KM of the event and MERGE_DAYS of its dates (an
    undated event: place alone), closest in time first, then in place; undated ones last."""
    own = next((f for f in features if f["properties"]["id"] == props.get("id")), None)
    if own is None:
        return []
    lon, lat = own["geometry"]["coordinates"]
    # A box around the event first: the corpus may hold thousands of events, and this runs
    # for each event of the details panel.
    box = MERGE_KM / 100.0  # degrees: 111 km per degree of latitude, fewer of longitude
    groups: dict[str, list[EventFeature]] = {}
    for f in features:
        x, y = f["geometry"]["coordinates"]
        if abs(y - lat) <= box and (abs(x - lon) <= box / max(math.cos(math.radians(lat)), 0.1)):
            groups.setdefault(_incident_of(f["properties"]), []).append(f)
    groups.pop(_incident_of(props), None)
    choices = []
    for members in groups.values():
        km = min(_km((lat, lon), m) for m in members)
        gaps = [_days_apart(props, m["properties"]) for m in members]
        known = [g for g in gaps if g is not None]
        days = min(known) if known else None  # undated: by place alone
        if km > MERGE_KM or (days is not None and days > MERGE_DAYS):
            continue
        first = first_report(members)["properties"]["id"]
        choices.append(IncidentChoice(first, incident_label(members), km, days))
    choices.sort(key=lambda c: (c.days is None, c.days or 0, c.km, c.label))
    return choices[:MERGE_SHOWN]


def can_split(props: Mapping[str, Any]) -> bool:
    """A split means something only for an incident of more than one report."""
    return int(props.get("incident_reports") or 1) > 1


# -- undo ------------------------------------------------------------------------------


def _in_sentence(correction: Correction, props: Mapping[str, Any]) -> bool:
    """A mention correction of a name in the event's sentence."""
    start = sentence_offset(str(props.get("id", "")))
    mention = correction.mention
    if mention is None or start is None or correction.article != props.get("article_id"):
        return False
    return start <= mention.start and mention.end <= start + len(str(props.get("snippet") or ""))


def last_correction(
    corrections: Sequence[Correction], props: Mapping[str, Any]
) -> Correction | None:
    """The latest correction still in force of this event (its id or its sentence) or of a
    name in its sentence: what "Undo my last correction" takes back."""
    for correction in reversed(effective(corrections)):
        ref = correction.event
        same_event = ref is not None and (
            ref.id == props.get("id") or ref.sentence == props.get("snippet")
        )
        if (same_event and correction.article == props.get("article_id")) or _in_sentence(
            correction, props
        ):
            return correction
    return None


# -- writing ---------------------------------------------------------------------------


def write_entries(
    file: Path, targets: Sequence[Target], why: str = "", by: str | None = None
) -> list[Correction]:
    """Append one entry per target to the corrections file (created with its folder);
    returns them as read back, for the line saying what was saved."""
    file.parent.mkdir(parents=True, exist_ok=True)
    taken = [c.id for c in load_corrections(file)[0]]
    written = []
    for target in targets:
        entry = new_entry(
            target.change,
            article=target.article,
            mention=target.mention,
            event=target.event,
            by=by,
            why=why.strip() or None,
            taken=taken,
        )
        append_entry(file, entry)
        taken.append(entry["id"])
        written.append(parse_entry(entry))
    return written


def saved_line(what: str, written: Sequence[Correction]) -> str:
    """One line: `Corrected Gulu: place -> Gulu (233346) at 2.77457, 32.299; status verified`."""
    return f"{what}: {'; '.join(c.summary for c in written)}"


# -- the names the build could not place -----------------------------------------------


@dataclass(frozen=True)
class UnresolvedName:
    """A name the build found but could not place, as a mention of its article."""

    article: str
    title: str
    mention: MentionRef
    sentence: str
    reason: str

    @property
    def label(self) -> str:
        return f"{self.mention.text}: {self.title[:60]} ({self.reason})"


def unresolved_names(articles: Iterable[Mapping[str, Any]]) -> list[UnresolvedName]:
    """The unresolved names of the build's articles (articles.json: offsets into the
    article's text, which a correction's mention needs)."""
    names = []
    for article in articles:
        for u in article.get("unresolved") or []:
            try:
                mention = MentionRef(int(u["start"]), int(u["end"]), str(u["text"]))
            except (KeyError, TypeError, ValueError):
                continue  # an older build's record without offsets: listed, not correctable
            names.append(
                UnresolvedName(
                    str(article["id"]),
                    str(article.get("title") or article["id"]),
                    mention,
                    str(u.get("sentence") or ""),
                    str(u.get("reason") or ""),
                )
            )
    return names
