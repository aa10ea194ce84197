"""Corrections that stick: an analyst's fixes to what the pipeline found, kept beside the
corpus and applied by every build.

The file is `<corpus>/corrections.jsonl`: JSON Lines, one correction a line, append-only (a
correction is taken back by a new "undo" line, never by editing or deleting one), so that
a team reviews corrections in version control like any text and every build, from scratch
or incremental, applies the same ones. A line:

    {"id": "3f2a9c1b0d", "at": "2024-05-01T10:00:00Z", "by": "ana", "why": "not the one in
     Texas", "article": "report-7", "mention": {"start": 120, "end": 125, "text": "Paris"},
     "change": {"kind": "place", "geonameid": 2988507, "lat": 48.85341, "lon": 2.3488,
                "name": "Paris", "level": "city", "country": "FR"}}

What a correction points at, and how it is checked against the article as it is now:

- a mention (`"mention"`: its offsets into the article text and its text as it was), for
  "place" (a gazetteer place or a point) and "not_a_place"; applied to the geoparse result
  before events are made (`correct_mentions`). When the text is no longer at its offsets
  (text inserted before it) the correction moves to where the text is, if it appears there
  exactly once in the article as a whole word; otherwise it no longer applies.
- an event (`"event"`: its id, its sentence and its place as they were), for "date",
  "type", "verified", "merge" and "split"; applied to the article's events
  (`correct_events`). An event is found by its sentence (the same text) and its place;
  its id only decides between events of one sentence at one place (ids carry offsets, and
  move when text is inserted before them).

A correction that no longer applies is reported ("<article>: correction <id> no longer
applies: ..."), never dropped without a word nor applied elsewhere. A bad line is reported
with its file and line number and the other lines still apply.

The later of two corrections of the same thing wins (the last "verified" line decides an
event's status); an "undo" line cancels the entry it names (an undone undo restores it).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from geo.corpus.articles import CORRECTIONS_FILE
from geo.pipeline.actions import EVENT_TYPES
from geo.pipeline.places.gazetteer import Level

if TYPE_CHECKING:  # spaCy loads only when something is parsed
    from geo.pipeline.events import Event
    from geo.pipeline.geoparse import GeoparseResult, PlaceMention, UnresolvedMention

STATUSES = ("unverified", "verified", "rejected")
MENTION_KINDS = ("place", "not_a_place")
EVENT_KINDS = ("date", "type", "verified", "merge", "split")
KINDS = (*MENTION_KINDS, *EVENT_KINDS, "undo")
LEVELS: tuple[str, ...] = get_args(Level)
ENTRY_KEYS = ("id", "at", "by", "why", "article", "mention", "event", "change")
ID_CHARS = 10  # hex digits of an entry's id: short enough to type, far from colliding
# A point an analyst clicks is where it happened: the most local populated-place level,
# so its precision code is 1 (the town or a point within it).
POINT_LEVEL = "village"


# ---------------------------------------------------------------------------------------
# Entries


@dataclass(frozen=True)
class MentionRef:
    """A place name of an article as the correction saw it: offsets into the article's
    text and the text there."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class EventRef:
    """An event as the correction saw it: its id, its sentence and its place's gazetteer
    name (None: any place)."""

    id: str
    sentence: str
    place: str | None = None


@dataclass(frozen=True)
class Correction:
    """One line of the corrections file, checked. `change` is the line's change object
    as written (its fields checked for its kind); `line` its line number."""

    id: str
    line: int
    at: str
    kind: str
    change: dict[str, Any]
    article: str | None = None
    mention: MentionRef | None = None
    event: EventRef | None = None
    by: str | None = None
    why: str | None = None

    @property
    def target(self) -> str:
        """What it applies to, for messages: `report-7 120-125 "Paris"`, `event report-7:2:40`."""
        if self.mention is not None:
            m = self.mention
            return f"{self.article} {m.start}-{m.end} {json.dumps(m.text, ensure_ascii=False)}"
        if self.event is not None:
            return f"event {self.event.id}"
        return f"entry {self.change.get('entry')}"

    @property
    def summary(self) -> str:
        """The change in a few words: `place -> Paris (2988507) at 48.8534, 2.3488`,
        `date 2021-03-04..2021-03-05`."""
        c = self.change
        if self.kind == "place":
            where = f"{c['name']} ({c['geonameid']})" if c.get("geonameid") else c["name"]
            return f"place -> {where} at {c['lat']:g}, {c['lon']:g}"
        if self.kind == "date":
            return f"date {c['start']}..{c['end']}"
        said = {"type": "type {type}", "verified": "status {status}", "merge": "merge with {with}"}
        return said.get(self.kind, self.kind.replace("_", " ")).format(**c)


class EntryError(ValueError):
    """Why an entry (a line of the file, or one about to be written) is not a correction."""


def _text(value: object, what: str, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise EntryError(f"{what} must be a non-empty string")
    return value


def _integer(value: object, what: str) -> int:
    if type(value) is not int:  # not a bool, not 3.0
        raise EntryError(f"{what} must be a whole number")
    return value


def _number(value: object, what: str, limit: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not -limit <= value <= limit
    ):
        raise EntryError(f"{what} must be a number from {-limit:g} to {limit:g}")
    return float(value)


def _date(value: object, what: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EntryError(f"{what} must be a YYYY-MM-DD date, not {str(value)[:40]!r}") from None


def _timestamp(value: object) -> str:
    text = _text(value, "'at'") or ""
    try:
        datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise EntryError(f"'at' must be an ISO timestamp, not {text[:40]!r}") from None
    return text


def _place_change(change: dict[str, Any]) -> None:
    if change.get("geonameid") is not None:
        _integer(change["geonameid"], "change.geonameid")
    _number(change.get("lat"), "change.lat", 90)
    _number(change.get("lon"), "change.lon", 180)
    _text(change.get("name"), "change.name")
    if change.get("level", POINT_LEVEL) not in LEVELS:
        raise EntryError(f"change.level must be one of {', '.join(LEVELS)}")
    if not isinstance(change.get("country", ""), str):
        raise EntryError('change.country must be a country code (or "")')


def _date_change(change: dict[str, Any]) -> None:
    start = _date(change.get("start"), "change.start")
    end = _date(change.get("end"), "change.end")
    if end < start:
        raise EntryError(f"change.end {end} is before change.start {start}")


def _chosen(change: dict[str, Any], key: str, allowed: tuple[str, ...]) -> None:
    if change.get(key) not in allowed:
        raise EntryError(f"change.{key} must be one of {', '.join(allowed)}")


def _check_change(change: dict[str, Any]) -> None:
    """Raise EntryError when the change's fields are not those of its kind."""
    kind = change["kind"]
    if kind == "place":
        _place_change(change)
    elif kind == "date":
        _date_change(change)
    elif kind == "type":
        _chosen(change, "type", EVENT_TYPES)
    elif kind == "verified":
        _chosen(change, "status", STATUSES)
    elif kind == "merge":
        _text(change.get("with"), "change.with")
    elif kind == "undo":
        _text(change.get("entry"), "change.entry")


def _mention(value: object) -> MentionRef:
    if not isinstance(value, dict):
        raise EntryError("'mention' must be an object {start, end, text}")
    start = _integer(value.get("start"), "mention.start")
    end = _integer(value.get("end"), "mention.end")
    text = _text(value.get("text"), "mention.text") or ""
    if not 0 <= start < end or end - start != len(text):
        raise EntryError(f"mention {start}-{end} does not hold its text ({len(text)} characters)")
    return MentionRef(start, end, text)


def _event(value: object) -> EventRef:
    if not isinstance(value, dict):
        raise EntryError("'event' must be an object {id, sentence, place}")
    return EventRef(
        _text(value.get("id"), "event.id") or "",
        _text(value.get("sentence"), "event.sentence") or "",
        _text(value.get("place"), "event.place", required=False),
    )


def line_id(line: str) -> str:
    """The id of a line written without one: a digest of its text."""
    return hashlib.sha256(line.strip().encode("utf-8")).hexdigest()[:ID_CHARS]


def parse_entry(entry: object, line: str = "", number: int = 0) -> Correction:
    """The correction of one entry (a line's JSON object), or EntryError saying why not."""
    if not isinstance(entry, dict):
        raise EntryError("expected a JSON object")
    change = entry.get("change")
    if not isinstance(change, dict) or change.get("kind") not in KINDS:
        raise EntryError(f"'change' must be an object whose kind is one of {', '.join(KINDS)}")
    _check_change(change)
    kind = change["kind"]
    article = mention = event = None
    if kind != "undo":
        article = _text(entry.get("article"), "'article'")
        if kind in MENTION_KINDS:
            mention = _mention(entry.get("mention"))
        else:
            event = _event(entry.get("event"))
    return Correction(
        id=_text(entry.get("id"), "'id'", required=False) or line_id(line),
        line=number,
        at=_timestamp(entry.get("at")),
        kind=kind,
        change=dict(change),
        article=article,
        mention=mention,
        event=event,
        by=_text(entry.get("by"), "'by'", required=False),
        why=_text(entry.get("why"), "'why'", required=False),
    )


def _read_line(raw: bytes, number: int, seen: dict[str, int]) -> tuple[Correction, list[str]]:
    """A line's correction and its keys the file does not know (EntryError: not one)."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EntryError("not valid UTF-8") from None
    try:
        entry = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EntryError(f"not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise EntryError("JSON nested too deeply") from None
    correction = parse_entry(entry, line, number)
    if correction.id in seen:
        raise EntryError(f"id {correction.id} is already line {seen[correction.id]}'s; ignored")
    if correction.kind == "undo" and correction.change["entry"] not in seen:
        raise EntryError(f"undo of {correction.change['entry']}: no earlier entry has that id")
    return correction, sorted(set(entry) - set(ENTRY_KEYS))


def load_corrections(path: Path) -> tuple[list[Correction], list[str]]:
    """Every correction of the file in file order, and the problems: one line each,
    naming the file and the line ("seeds/corrections.jsonl: line 3: not valid JSON ...").
    A missing file is no corrections; a bad line is passed over, the others still apply.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [f"{path}: cannot read the corrections ({exc.strerror or exc})"]
    corrections: list[Correction] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            correction, unknown = _read_line(raw, number, seen)
        except EntryError as exc:
            problems.append(f"{path}: line {number}: {exc}")
            continue
        if unknown:  # a misspelt "why" is said, the correction still applies
            problems.append(f"{path}: line {number}: unknown key(s) {', '.join(unknown)} ignored")
        seen[correction.id] = number
        corrections.append(correction)
    return corrections, problems


# ---------------------------------------------------------------------------------------
# Undo, and the corrections of one article


def undone_by(corrections: Iterable[Correction]) -> dict[str, str]:
    """Entry id -> the id of the undo that cancels it. Read from the last line back: an
    undo always names an earlier entry, so whether it is itself undone is known by then."""
    undone: dict[str, str] = {}
    for correction in reversed(list(corrections)):
        if correction.kind == "undo" and correction.id not in undone:
            undone.setdefault(correction.change["entry"], correction.id)
    return undone


def effective(corrections: Iterable[Correction]) -> list[Correction]:
    """The corrections that hold, in file order: neither undone nor undos."""
    corrections = list(corrections)
    undone = undone_by(corrections)
    return [c for c in corrections if c.kind != "undo" and c.id not in undone]


def corrections_by_article(corrections: Iterable[Correction]) -> dict[str, list[Correction]]:
    """The corrections that hold, by article id, in file order."""
    by_article: dict[str, list[Correction]] = {}
    for correction in effective(corrections):
        by_article.setdefault(correction.article or "", []).append(correction)
    return by_article


def corrections_digest(corrections: Iterable[Correction]) -> str:
    """A digest of an article's corrections, for its cache key: a build parses the
    article again when one is added or undone, and only then. "" for none."""
    ids = [c.id for c in corrections]
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16] if ids else ""


def unknown_articles(corrections: Iterable[Correction], article_ids: Iterable[str]) -> list[str]:
    """A problem for each correction of an article the build does not have (deleted,
    renamed, or unreadable this time)."""
    known = set(article_ids)
    return [
        f"{c.article}: correction {c.id} no longer applies: no article {c.article!r} in the corpus"
        for c in effective(corrections)
        if c.article not in known
    ]


# ---------------------------------------------------------------------------------------
# Mentions: "place" and "not_a_place", on the geoparse result


def _occurrences(text: str, word: str) -> list[int]:
    """Where `word` stands in `text` as a whole word (not inside a longer one)."""
    pattern = re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)")
    return [m.start() for m in pattern.finditer(text)]


def anchor(mention: MentionRef, text: str) -> tuple[int, int] | str:
    """Where the mention is in the article's text now: its offsets when its text is still
    there, else the one place it appears; or why it cannot be found."""
    if text[mention.start : mention.end] == mention.text:
        return mention.start, mention.end
    found = _occurrences(text, mention.text)
    if len(found) == 1:
        return found[0], found[0] + len(mention.text)
    shown = json.dumps(mention.text, ensure_ascii=False)
    where = f"it appears {len(found)} times" if found else "the article no longer has it"
    return f"{shown} is no longer at {mention.start}-{mention.end} and {where}"


_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)|\n")


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence of a name the geoparser did not place: from after the previous
    sentence end to the next one."""
    before = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    s_start = before[-1] if before else 0
    while s_start < start and text[s_start].isspace():
        s_start += 1
    after = _SENTENCE_END.search(text, end)
    return s_start, after.end() if after else len(text)


def _unresolved_sentence(text: str, mention: UnresolvedMention) -> tuple[int, int] | None:
    """The bounds of an unresolved name's sentence (given as text) around it, if found."""
    size = len(mention.sentence)
    found = text.rfind(mention.sentence, max(0, mention.end - size), mention.start + size)
    return (found, found + size) if mention.sentence and found >= 0 else None


def _overlaps(item: Any, span: tuple[int, int]) -> bool:
    return bool(item.start < span[1] and span[0] < item.end)


@dataclass(frozen=True)
class PlaceFix:
    """A mention corrected: its sentence, its span, the place the pipeline had (its
    gazetteer name; None when it had none) and the mention now (None: not a place)."""

    entry: str
    sentence: tuple[int, int]
    span: tuple[int, int]
    was: str | None
    now: PlaceMention | None
    # The pipeline's place's country and GeoNames id: what tells "Gulu" from "Gulu".
    was_where: tuple[str, int | None] = ("", None)


@dataclass
class CorrectedMentions:
    """The geoparse result with the mention corrections applied, what they changed and
    the corrections that no longer apply."""

    result: GeoparseResult
    fixes: list[PlaceFix] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _corrected_mention(
    correction: Correction,
    span: tuple[int, int],
    text: str,
    hit: list[PlaceMention],
    removed: list[UnresolvedMention],
) -> PlaceMention:
    """The mention at `span` as the correction places it: a place, in the sentence the
    geoparser gave it (or the sentence around it, for a name it did not place)."""
    from geo.pipeline.geoparse import PlaceMention

    c = correction.change
    place = {
        "name": c["name"],
        "lat": float(c["lat"]),
        "lon": float(c["lon"]),
        "level": c.get("level", POINT_LEVEL),
        "geonameid": c.get("geonameid"),
        "country": c.get("country", ""),
        "confidence": 1.0,  # an analyst's word
        "uncertainty_km": None,
        "derived_from": None,
        # Whatever the place, the analyst says the name is a place here, not a capital
        # standing for its government ("Paris said"), which would cost it its event.
        "capital": False,
        # ... and a place to map, even where the geoparser read an adjective ("French") or
        # part of another name: a correction made from the command line cannot see roles.
        "role": "place",
        "adjectival": False,
        "start": span[0],
        "end": span[1],
        "text": text[span[0] : span[1]],
    }
    if hit:
        return dataclasses.replace(hit[0], **place)
    sentence = next(
        (b for b in (_unresolved_sentence(text, u) for u in removed) if b is not None), None
    ) or _sentence_around(text, *span)
    return PlaceMention(
        **place,
        sentence_start=sentence[0],
        sentence_end=sentence[1],
        caption=False,
    )


def correct_mentions(
    result: GeoparseResult, text: str, corrections: Iterable[Correction]
) -> CorrectedMentions:
    """Apply an article's "place" and "not_a_place" corrections to its geoparse result
    (`text`: the article text its offsets index), before its events are made.

    "not_a_place" removes every mention, resolved or not, overlapping the span; "place"
    puts the corrected place there instead (a name the geoparser missed or could not
    resolve included), confidence 1. The latest correction of a span wins; `fixes` keep
    what the pipeline had, for "corrected (was X)". A result that failed or ran out of
    time is left as it is: it has no places to correct (its failure is reported).
    """
    if result.error or result.skipped:
        return CorrectedMentions(result)
    toponyms = list(result.toponyms)
    unresolved = list(result.unresolved)
    fixes: list[PlaceFix] = []
    problems: list[str] = []
    for correction in corrections:
        if correction.kind not in MENTION_KINDS or correction.mention is None:
            continue
        span = anchor(correction.mention, text)
        if isinstance(span, str):
            problems.append(f"{result.id}: correction {correction.id} no longer applies: {span}")
            continue
        # The mention at exactly this span first: its sentence is kept.
        hit = sorted(
            (t for t in toponyms if _overlaps(t, span)), key=lambda t: (t.start, t.end) != span
        )
        removed = [u for u in unresolved if _overlaps(u, span)]
        toponyms = [t for t in toponyms if not _overlaps(t, span)]
        unresolved = [u for u in unresolved if not _overlaps(u, span)]
        earlier = [f for f in fixes if _overlaps_span(f.span, span)]
        fixes = [f for f in fixes if f not in earlier]
        # What the pipeline had, not what an earlier correction of this span made of it.
        was = earlier[0].was if earlier else (hit[0].name if hit else None)
        was_where = (
            earlier[0].was_where
            if earlier
            else ((hit[0].country, hit[0].geonameid) if hit else ("", None))
        )
        now = None
        if correction.kind == "place":
            now = _corrected_mention(correction, span, text, hit, removed)
            toponyms.append(now)
        sentence = (
            (now.sentence_start, now.sentence_end)
            if now
            else ((hit[0].sentence_start, hit[0].sentence_end) if hit else span)
        )
        fixes.append(PlaceFix(correction.id, sentence, span, was, now, was_where))
    toponyms.sort(key=lambda t: (t.start, t.end))
    corrected = dataclasses.replace(result, toponyms=toponyms, unresolved=unresolved)
    return CorrectedMentions(corrected, fixes, problems)


def _overlaps_span(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# ---------------------------------------------------------------------------------------
# Events: "date", "type", "verified", "merge", "split"


@dataclass(frozen=True)
class IncidentLink:
    """An analyst's word on grouping: the event goes with another event or incident
    ("merge", `other` its id) or stands apart from its incident ("split")."""

    event: str
    kind: str
    other: str | None
    entry: str


@dataclass
class CorrectedEvents:
    """The article's events with the event corrections applied.

    `corrected`: event id -> record field ("place", "date_start", "date_end",
    "event_type") -> {"was": the pipeline's value, "now": the value, "entry": the id of
    the correction}; `verification`: event id -> (status, when the analyst said it), for
    the events an analyst judged; `links`: event id -> its latest merge or split, for the
    incident grouping.
    """

    events: list[Event]
    corrected: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    verification: dict[str, tuple[str, str]] = field(default_factory=dict)
    links: dict[str, IncidentLink] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def properties(self, event_id: str) -> dict[str, Any]:
        """The fields an event's record gains: its verification status and when it was
        given (the latest verdict among an incident's reports is the incident's), what
        was corrected (an empty object when nothing), and its merge or split (null)."""
        status, at = self.verification.get(event_id, ("unverified", None))
        link = self.links.get(event_id)
        return {
            "verification": status,
            "verified_at": at,
            "corrected": self.corrected.get(event_id, {}),
            "incident_link": link and {"kind": link.kind, "with": link.other, "entry": link.entry},
        }


def _sentence_start(event_id: str) -> int:
    """The offset an event id ends with ("<article>[:<n>]:<sentence offset>"), else -1."""
    tail = event_id.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else -1


def _place_was(fixes: list[PlaceFix]) -> dict[tuple[int, str], PlaceFix]:
    """(sentence offset, corrected gazetteer name) -> its fix: an event there is at a
    corrected place."""
    return {(f.sentence[0], f.now.name): f for f in fixes if f.now is not None}


def _at_place(event: Event, place: str | None, renamed: dict[tuple[int, str], PlaceFix]) -> bool:
    """The event is at the place the correction saw: the same, or the one a mention
    correction turned it from."""
    if place is None or event.gazetteer_name == place:
        return True
    fix = renamed.get((_sentence_start(event.id), event.gazetteer_name))
    return fix is not None and fix.was == place


def find_event(
    ref: EventRef, events: list[Event], renamed: dict[tuple[int, str], PlaceFix]
) -> int | str:
    """The index of the event the reference means, or why there is none: the events of
    its sentence at its place; the id decides among several."""
    in_sentence = [i for i, e in enumerate(events) if e.snippet == ref.sentence]
    if not in_sentence:
        return f"its sentence has no event any more ({_short(ref.sentence)})"
    at_place = [i for i in in_sentence if _at_place(events[i], ref.place, renamed)]
    same_id = [i for i in at_place if events[i].id == ref.id]
    if same_id or len(at_place) == 1:
        return (same_id or at_place)[0]
    if not at_place:
        places = ", ".join(sorted({events[i].gazetteer_name for i in in_sentence}))
        return f"its sentence has no event at {ref.place} any more (now: {places})"
    return f"its sentence has {len(at_place)} events at {ref.place} and none is {ref.id}"


def _short(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return json.dumps(text if len(text) <= size else text[: size - 1] + "…", ensure_ascii=False)


def _granularity(start: datetime.date, end: datetime.date) -> str:
    days = (end - start).days + 1
    for limit, name in ((1, "day"), (7, "week"), (31, "month"), (92, "season")):
        if days <= limit:
            return name
    return "year"


def _note(
    corrected: dict[str, dict[str, dict[str, Any]]],
    event_id: str,
    field_name: str,
    was: Any,
    now: Any,
    entry: str,
) -> None:
    """Record a corrected field; a field corrected twice keeps the pipeline's value, and
    one set to the pipeline's value (a confirmed type) is not shown as corrected."""
    fields = corrected.setdefault(event_id, {})
    first = fields.get(field_name, {}).get("was", was)
    fields[field_name] = {"was": first, "now": now, "entry": entry}
    if first == now:
        del fields[field_name]
    if not fields:
        del corrected[event_id]


def _apply_to_event(event: Event, correction: Correction, out: CorrectedEvents) -> Event:
    """One event correction: the event as corrected (noted in `out`)."""
    c = correction.change
    if correction.kind == "date":
        start, end = datetime.date.fromisoformat(c["start"]), datetime.date.fromisoformat(c["end"])
        for name, old, new in (
            ("date_start", event.date_start, start),
            ("date_end", event.date_end, end),
        ):
            _note(
                out.corrected,
                event.id,
                name,
                old and old.isoformat(),
                new.isoformat(),
                correction.id,
            )
        return dataclasses.replace(
            event,
            date_start=start,
            date_end=end,
            granularity=_granularity(start, end),  # type: ignore[arg-type]
            time_basis="explicit",  # a date an analyst gives is a date, not a guess
        )
    if correction.kind == "type":
        _note(out.corrected, event.id, "event_type", event.event_type, c["type"], correction.id)
        return dataclasses.replace(event, event_type=c["type"])
    if correction.kind == "verified":
        # "unverified" is a verdict too: it takes an incident back from its earlier one.
        out.verification[event.id] = (c["status"], correction.at)
    else:  # merge, split: the later one decides
        out.links[event.id] = IncidentLink(event.id, correction.kind, c.get("with"), correction.id)
    return event


def correct_events(
    article_id: str,
    events: list[Event],
    corrections: Iterable[Correction],
    mentions: CorrectedMentions | None = None,
) -> CorrectedEvents:
    """Apply an article's event corrections to its events (made from the result of
    `correct_mentions`, whose fixes mark the events at corrected places).

    Returns modified copies (the pipeline's values in `corrected`) and the corrections
    that no longer apply. The latest correction of a field wins.
    """
    fixes = mentions.fixes if mentions else []
    out = CorrectedEvents(list(events))
    _note_places(out, fixes)
    renamed = _place_was(fixes)
    for correction in corrections:
        if correction.kind not in EVENT_KINDS or correction.event is None:
            continue
        found = find_event(correction.event, out.events, renamed)
        if isinstance(found, str):
            out.problems.append(
                f"{article_id}: correction {correction.id} no longer applies: "
                f"event {correction.event.id}: {found}"
            )
            continue
        out.events[found] = _apply_to_event(out.events[found], correction, out)
    return out


def _note_places(out: CorrectedEvents, fixes: list[PlaceFix]) -> None:
    """Mark the events at a corrected place ("corrected (was X)"): the events of the
    fixed mention's sentence at its new place."""
    renamed = _place_was(fixes)
    for event in out.events:
        fix = renamed.get((_sentence_start(event.id), event.gazetteer_name))
        if (
            fix is not None
            and fix.now is not None
            and (event.lat, event.lon)
            == (
                fix.now.lat,
                fix.now.lon,
            )
        ):
            was, now = _place_labels(fix, event)
            _note(out.corrected, event.id, "place", was, now, fix.entry)


def _place_labels(fix: PlaceFix, event: Event) -> tuple[str | None, str]:
    """The place before and after, as the popup says them: their names, and where one name
    is the other's (the usual wrong place: another town of that name), their countries,
    then their GeoNames ids ("Gulu (UG)" vs "Gulu (CN)")."""
    if fix.was != event.gazetteer_name:
        return fix.was, event.gazetteer_name
    country, geonameid = fix.was_where
    if country != event.country:
        return f"{fix.was} ({country or '?'})", f"{event.gazetteer_name} ({event.country or '?'})"
    return f"{fix.was} ({geonameid})", f"{event.gazetteer_name} ({event.geonameid})"


# ---------------------------------------------------------------------------------------
# Checking against the current text (without the pipeline), and writing


def still_applies(correction: Correction, text: str) -> str | None:
    """Why a correction cannot apply to its article's current text, or None when the text
    it points at is there (the build then checks the mention or the event itself)."""
    if correction.mention is not None:
        span = anchor(correction.mention, text)
        return span if isinstance(span, str) else None
    if correction.event is not None and correction.event.sentence not in text:
        return f"the sentence of event {correction.event.id} is no longer in the article"
    return None


_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")


def entry_line(entry: dict[str, Any]) -> str:
    """An entry as its line (no newline): keys in the file's order, UTF-8 names as they
    are, and no character that some readers take for a line break."""
    ordered = {key: entry[key] for key in ENTRY_KEYS if entry.get(key) is not None}
    text = json.dumps(ordered, ensure_ascii=False)
    return _LINE_BREAKS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def new_entry(
    change: dict[str, Any],
    *,
    article: str | None = None,
    mention: MentionRef | None = None,
    event: EventRef | None = None,
    by: str | None = None,
    why: str | None = None,
    taken: Iterable[str] = (),
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """A new entry, checked (EntryError), with a fresh id (none of `taken`) and the time.

    The id is a digest of the entry, so the same words a second apart get two ids; one
    already taken (the same entry within one second) gets the time to the microsecond.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    taken = set(taken)
    entry: dict[str, Any] = {
        "by": by,
        "why": why,
        "article": article,
        "mention": dataclasses.asdict(mention) if mention else None,
        "event": dataclasses.asdict(event) if event else None,
        "change": change,
    }
    for stamp in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        entry["at"] = now.strftime(stamp)
        entry["id"] = line_id(entry_line({k: v for k, v in entry.items() if k != "id"}))
        if entry["id"] not in taken:
            break
    parse_entry(entry)
    return {key: entry[key] for key in ENTRY_KEYS if entry.get(key) is not None}


def event_entry(
    props: Mapping[str, Any],
    change: dict[str, Any],
    *,
    by: str | None = None,
    why: str | None = None,
    taken: Iterable[str] = (),
) -> dict[str, Any]:
    """A new entry correcting a built event, from its record (the app's details panel):
    the event as the command line refers to it (its id, sentence and place)."""
    event = EventRef(str(props["id"]), str(props["snippet"]), props.get("gazetteer_name"))
    return new_entry(
        change, article=str(props["article_id"]), event=event, by=by, why=why, taken=taken
    )


def event_changes(
    props: Mapping[str, Any],
    status: str,
    event_type: str,
    dates: tuple[datetime.date, datetime.date] | None,
) -> list[dict[str, Any]]:
    """The changes an analyst asked for on an event (status, type, dates): only those that
    differ from the event as it is."""
    changes: list[dict[str, Any]] = []
    if status != (props.get("verification") or "unverified"):
        changes.append({"kind": "verified", "status": status})
    if event_type != props.get("event_type"):
        changes.append({"kind": "type", "type": event_type})
    if dates is not None:
        start, end = (d.isoformat() for d in dates)
        if (start, end) != (props.get("date_start"), props.get("date_end")):
            changes.append({"kind": "date", "start": start, "end": end})
    return changes


def append_entry(path: Path, entry: dict[str, Any]) -> None:
    """Append one line to the corrections file in one write (O_APPEND: never a half line
    between two writers), creating it with the umask's mode. Earlier lines are never
    rewritten; a last line without its newline (edited by hand) gets one first."""
    line = entry_line(entry) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        size = os.fstat(fd).st_size
        if size:
            with open(path, "rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    line = "\n" + line
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


__all__ = [
    "CORRECTIONS_FILE",
    "Correction",
    "CorrectedEvents",
    "CorrectedMentions",
    "EntryError",
    "append_entry",
    "event_changes",
    "event_entry",
    "correct_events",
    "correct_mentions",
    "corrections_by_article",
    "corrections_digest",
    "effective",
    "load_corrections",
    "new_entry",
    "unknown_articles",
]
