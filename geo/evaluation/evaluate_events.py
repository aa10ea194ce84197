"""Scoring places and dated events against an events gold file (events-dev format).

The protocol is the one of `../shared/benchmarks/events-dev/README.md` ("Scoring
protocol"):
- places: a system toponym matches a gold one by exact offsets, else by overlapping spans
  with the same name after case-folding or one name containing the other; each gold span
  matches at most once; P, R, F1 over spans and Acc@161 over the matched pairs;
- events: a gold event is found when the same article has a system event whose place is
  within 25 km of the gold point (city, village, facility, water), within 150 km
  (province, region) or in the same country (country), and whose interval overlaps the
  gold interval. Recall is found / gold; precision the share of system events that match
  some gold event (a lower bound: gold lists only key events), or that an optional list of
  judged-correct events accepts.
- false places: system events whose place is none of the places the article names (no
  gold toponym of the article within 25 km, or in the same country for a country);
  dateline events: events at the article's dateline place that match no gold event.

Like `geo.evaluation.evaluate`, this module only consumes data: gold documents and predictions in
the `geoparse` output format (`toponyms` and `events` per document).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.evaluation.evaluate import ACC_THRESHOLD_KM, haversine_km
from geo.pipeline.event_places import opens_dateline

POINT_KM = 25.0  # city, village, facility, water
REGION_KM = 150.0  # province, region
POINT_LEVELS = frozenset({"city", "village", "facility", "water", "derived"})

Json = dict[str, Any]


@dataclass(frozen=True)
class EventGoldDocument:
    id: str
    text: str
    title: str
    published: datetime.date | None
    conflict: str
    toponyms: list[Json]
    events: list[Json]


@dataclass
class EventScores:
    """Places and events of one run, with the counts behind each ratio."""

    place_tp: int = 0
    place_fp: int = 0
    place_fn: int = 0
    place_within_161: int = 0
    gold_events: int = 0
    found_events: int = 0
    type_correct: int = 0
    system_events: int = 0
    matched_system_events: int = 0
    false_place_events: int = 0
    dateline_events: int = 0
    found_by_conflict: dict[str, tuple[int, int]] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)  # "article: place date type"
    # "article: place gold-type, system types" for found events of another type
    wrong_type: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # system events matching no gold
    judged: bool = False  # precision also counts events a second gold list judges right

    @property
    def place_precision(self) -> float:
        return _ratio(self.place_tp, self.place_tp + self.place_fp)

    @property
    def place_recall(self) -> float:
        return _ratio(self.place_tp, self.place_tp + self.place_fn)

    @property
    def place_f1(self) -> float:
        p, r = self.place_precision, self.place_recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def event_recall(self) -> float:
        return _ratio(self.found_events, self.gold_events)

    @property
    def event_precision(self) -> float:
        return _ratio(self.matched_system_events, self.system_events)

    @property
    def false_place_rate(self) -> float:
        return _ratio(self.false_place_events, self.system_events)


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def is_events_gold(path: Path | str) -> bool:
    """Whether a gold file is in the events format (its first document has `events`)."""
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                return "events" in json.loads(line)
    return False


def load_events_gold(path: Path | str, limit: int | None = None) -> list[EventGoldDocument]:
    docs: list[EventGoldDocument] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or (limit is not None and len(docs) >= limit):
                continue
            raw = json.loads(line)
            published = raw.get("published")
            docs.append(
                EventGoldDocument(
                    id=raw["id"],
                    text=raw["text"],
                    title=raw.get("title") or "",
                    published=datetime.date.fromisoformat(published) if published else None,
                    conflict=raw.get("conflict") or "",
                    toponyms=raw["toponyms"],
                    events=raw["events"],
                )
            )
    return docs


# ----------------------------------------------------------------------- places


def _same_name(a: str, b: str) -> bool:
    a, b = a.casefold(), b.casefold()
    return a == b or a in b or b in a


def match_places(gold: Sequence[Json], system: Sequence[Json]) -> list[tuple[Json, Json]]:
    """Exact offsets first, then overlapping spans with the same (or a containing) name."""
    pairs: list[tuple[Json, Json]] = []
    free = list(system)
    unmatched_gold = []
    for g in gold:
        exact = next((s for s in free if (s["start"], s["end"]) == (g["start"], g["end"])), None)
        if exact is not None:
            free.remove(exact)
            pairs.append((g, exact))
        else:
            unmatched_gold.append(g)
    for g in unmatched_gold:
        near = next(
            (
                s
                for s in free
                if s["start"] < g["end"]
                and g["start"] < s["end"]
                and _same_name(s["text"], g["text"])
            ),
            None,
        )
        if near is not None:
            free.remove(near)
            pairs.append((g, near))
    return pairs


# ----------------------------------------------------------------------- events


def _overlaps(event: Json, gold: Json) -> bool:
    start, end = event.get("date_start"), event.get("date_end")
    if not start or not end:
        return False
    return str(start) <= gold["date_end"] and gold["date_start"] <= str(end)


def _near(event: Json, gold: Json, country_of: Callable[[Json], str | None]) -> bool:
    level = gold["level"]
    if level == "country":
        country = country_of(gold)
        return country is not None and event.get("country") == country
    distance = haversine_km(event["lat"], event["lon"], gold["lat"], gold["lon"])
    return distance <= (POINT_KM if level in POINT_LEVELS else REGION_KM)


def event_matches(event: Json, gold: Json, country_of: Callable[[Json], str | None]) -> bool:
    return _overlaps(event, gold) and _near(event, gold, country_of)


def _means_place(
    event: Json, toponyms: Sequence[Json], country_of: Callable[[Json], str | None]
) -> bool:
    """Whether the event's place is one the article names (any gold toponym)."""
    for top in toponyms:
        if top["level"] == "country":
            if event.get("level") == "country" and event.get("country") == country_of(top):
                return True
            continue
        limit = POINT_KM if top["level"] in POINT_LEVELS else REGION_KM
        if haversine_km(event["lat"], event["lon"], top["lat"], top["lon"]) <= limit:
            return True
    return False


def dateline_places(doc: EventGoldDocument) -> list[Json]:
    """Gold toponyms that open a line as a wire dateline ("KABUL (Reuters) -")."""
    return [t for t in doc.toponyms if opens_dateline(doc.text, t["start"], t["end"])]


def _describe(item: Json, doc_id: str, type_key: str) -> str:
    return (
        f"{doc_id}: {item['place']} {item.get('date_start')}..{item.get('date_end')} "
        f"{item.get(type_key)}"
    )


def score_events(
    docs: Sequence[EventGoldDocument],
    predictions: Mapping[str, Json],
    country_of: Callable[[Json], str | None],
    judged_correct: Callable[[str, Json], bool] | None = None,
) -> EventScores:
    """Places and events of every document (see the module docstring).

    `country_of` gives the ISO country code of a gold country-level place (or None);
    `judged_correct(doc_id, event)` accepts a system event that a second gold list judges
    right although it is not among the key events.
    """
    scores = EventScores(judged=judged_correct is not None)
    by_conflict: dict[str, list[int]] = {}
    for doc in docs:
        pred = predictions.get(doc.id) or {}
        places = [t for t in pred.get("toponyms", []) if t.get("role", "place") == "place"]
        pairs = match_places(doc.toponyms, places)
        scores.place_tp += len(pairs)
        scores.place_fp += len(places) - len(pairs)
        scores.place_fn += len(doc.toponyms) - len(pairs)
        scores.place_within_161 += sum(
            1
            for g, s in pairs
            if haversine_km(g["lat"], g["lon"], s["lat"], s["lon"]) < ACC_THRESHOLD_KM
        )
        events = pred.get("events", [])
        counts = by_conflict.setdefault(doc.conflict, [0, 0])
        for gold in doc.events:
            found = [e for e in events if event_matches(e, gold, country_of)]
            scores.gold_events += 1
            counts[1] += 1
            if found:
                scores.found_events += 1
                counts[0] += 1
                typed = any(e.get("event_type") == gold["type"] for e in found)
                scores.type_correct += typed
                if not typed:
                    system_types = sorted({str(e.get("event_type")) for e in found})
                    scores.wrong_type.append(
                        f"{_describe(gold, doc.id, 'type')}, system {'/'.join(system_types)}"
                    )
            else:
                scores.missed.append(_describe(gold, doc.id, "type"))
        datelines = dateline_places(doc)
        for event in events:
            scores.system_events += 1
            matched = any(event_matches(event, g, country_of) for g in doc.events)
            if matched or (judged_correct is not None and judged_correct(doc.id, event)):
                scores.matched_system_events += 1
            else:
                scores.unmatched.append(_describe(event, doc.id, "event_type"))
            if not _means_place(event, doc.toponyms, country_of):
                scores.false_place_events += 1
            if (
                not matched
                and _means_place(event, datelines, country_of)
                and not any(_near(event, g, country_of) for g in doc.events)
            ):
                scores.dateline_events += 1
    scores.found_by_conflict = {k: (v[0], v[1]) for k, v in sorted(by_conflict.items())}
    return scores


def load_judged(
    path: Path | str, country_of: Callable[[Json], str | None]
) -> Callable[[str, Json], bool]:
    """A second gold list (events the articles state beyond the key ones, JSON Lines with
    `article`, `place`, `lat`, `lon`, `level`, `date_start`, `date_end`) as a judge: a
    system event is judged correct when it matches one of them by the same rule."""
    by_article: dict[str, list[Json]] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                item = json.loads(line)
                by_article.setdefault(item["article"], []).append(item)

    def judged(doc_id: str, event: Json) -> bool:
        return any(event_matches(event, g, country_of) for g in by_article.get(doc_id, []))

    return judged


def format_event_scores(label: str, s: EventScores) -> str:
    """A Markdown table of the figures, then recall per conflict."""
    rows = [
        (
            "place P / R / F1",
            f"{s.place_precision:.3f} / {s.place_recall:.3f} / "
            f"{s.place_f1:.3f} ({s.place_tp} of {s.place_tp + s.place_fn})",
        ),
        ("place Acc@161 (matched pairs)", f"{_ratio(s.place_within_161, s.place_tp):.3f}"),
        ("event recall", f"{s.event_recall:.3f} ({s.found_events}/{s.gold_events})"),
        (
            "event precision"
            + (
                " (key events and the judged list)"
                if s.judged
                else " (lower bound: key events only)"
            ),
            f"{s.event_precision:.3f} ({s.matched_system_events}/{s.system_events})",
        ),
        ("type accuracy on found events", f"{_ratio(s.type_correct, s.found_events):.3f}"),
        ("false-place events", f"{s.false_place_rate:.3f} ({s.false_place_events})"),
        ("events at a dateline place, not the gold place", str(s.dateline_events)),
    ]
    lines = [f"| {label} | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines.append("")
    lines.append("| conflict | events found |")
    lines.append("|---|---|")
    lines += [f"| {c} | {f}/{n} |" for c, (f, n) in s.found_by_conflict.items()]
    return "\n".join(lines)
