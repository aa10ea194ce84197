"""The events scorer (events-dev protocol) on hand-made gold and predictions."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from geo.evaluation.evaluate_events import (
    EventGoldDocument,
    dateline_places,
    event_matches,
    load_judged,
    match_places,
    score_events,
)

TEXT = "GOMA (AFP) - Rebels took Bunia on Friday.\nBunia lies north of Goma."
GOLD_PLACES = [
    {"start": 0, "end": 4, "text": "GOMA", "lat": -1.68, "lon": 29.22, "level": "city"},
    {"start": 25, "end": 30, "text": "Bunia", "lat": 1.56, "lon": 30.25, "level": "city"},
    {"start": 42, "end": 47, "text": "Bunia", "lat": 1.56, "lon": 30.25, "level": "city"},
]
GOLD_EVENT = {
    "place": "Bunia",
    "lat": 1.56,
    "lon": 30.25,
    "level": "city",
    "date_start": "2019-06-14",
    "date_end": "2019-06-14",
    "type": "capture",
}
DOC = EventGoldDocument(
    "d", TEXT, "", datetime.date(2019, 6, 15), "test", GOLD_PLACES, [GOLD_EVENT]
)


def system_event(lat: float, lon: float, start: str, end: str, **extra: object) -> dict:
    return {
        "place": "x",
        "lat": lat,
        "lon": lon,
        "date_start": start,
        "date_end": end,
        "event_type": "capture",
        "country": "CD",
        "level": "city",
    } | extra


def never(_: dict) -> None:
    return None


def test_places_match_by_offsets_then_by_overlapping_name() -> None:
    system = [
        {"start": 25, "end": 30, "text": "Bunia"},
        {"start": 42, "end": 53, "text": "Bunia lies"},
    ]
    assert len(match_places(GOLD_PLACES, system)) == 2
    assert match_places(GOLD_PLACES, [{"start": 20, "end": 24, "text": "took"}]) == []


def test_an_event_needs_a_near_place_and_an_overlapping_interval() -> None:
    near = system_event(1.6, 30.2, "2019-06-10", "2019-06-14")
    assert event_matches(near, GOLD_EVENT, never)
    assert not event_matches(near | {"date_end": "2019-06-13"}, GOLD_EVENT, never)
    assert not event_matches(
        system_event(2.0, 30.25, "2019-06-14", "2019-06-14"), GOLD_EVENT, never
    )  # 49 km away


def test_a_country_event_matches_by_country() -> None:
    gold = GOLD_EVENT | {"level": "country", "place": "Congo"}
    event = system_event(-4.3, 15.3, "2019-06-14", "2019-06-14")
    assert event_matches(event, gold, lambda g: "CD")
    assert not event_matches(event, gold, lambda g: "UG")


def test_a_wire_dateline_is_found() -> None:
    assert [t["text"] for t in dateline_places(DOC)] == ["GOMA"]


def test_scores_count_each_kind_of_error(tmp_path: Path) -> None:
    predictions = {
        "d": {
            "toponyms": [
                {
                    "start": 25,
                    "end": 30,
                    "text": "Bunia",
                    "lat": 1.56,
                    "lon": 30.25,
                    "role": "place",
                },
                {"start": 33, "end": 39, "text": "Friday", "lat": 0.0, "lon": 0.0, "role": "place"},
            ],
            "events": [
                system_event(1.56, 30.25, "2019-06-14", "2019-06-14"),
                system_event(-1.68, 29.22, "2019-06-15", "2019-06-15"),  # the dateline
                system_event(40.0, 40.0, "2019-06-14", "2019-06-14"),
            ],  # nowhere named
        }
    }
    scores = score_events([DOC], predictions, never)
    assert (scores.place_tp, scores.place_fp, scores.place_fn) == (1, 1, 2)
    assert (scores.found_events, scores.gold_events) == (1, 1)
    assert (scores.matched_system_events, scores.system_events) == (1, 3)
    assert scores.false_place_events == 1 and scores.dateline_events == 1
    judged_file = tmp_path / "more.jsonl"
    judged_file.write_text(
        json.dumps(
            {
                "article": "d",
                "place": "Goma",
                "lat": -1.68,
                "lon": 29.22,
                "level": "city",
                "date_start": "2019-06-15",
                "date_end": "2019-06-15",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    judged = score_events([DOC], predictions, never, load_judged(judged_file, never))
    assert judged.matched_system_events == 2
