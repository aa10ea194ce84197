"""The first view and the counts (geo.map.framing): the smallest box holding the bulk of the
located events, whatever the corpus; country-level events counted, never framed."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import folium
from folium.map import FitBounds

from geo.map import framing

ROOT = Path(__file__).resolve().parents[1]


def event(lon: float, lat: float, level: str = "city", place: str = "Somewhere", **props) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"level": level, "place": place, **props},
    }


def inside(box, lon: float, lat: float) -> bool:
    return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def area(box) -> float:
    return (box[2] - box[0]) * (framing.mercator_y(box[3]) - framing.mercator_y(box[1]))


def test_the_bulk_is_framed_and_the_outliers_left_out() -> None:
    rng = random.Random(7)
    bulk = [event(20 + rng.uniform(-1.5, 1.5), 10 + rng.uniform(-1, 1)) for _ in range(45)]
    far = [event(-70.0, 40.0), event(-71.0, 41.0), event(120.0, -30.0)]  # 3 of 48: 6%
    box = framing.frame_bounds([*bulk, *far])
    assert box is not None
    assert all(inside(box, *f["geometry"]["coordinates"]) for f in bulk)
    assert not any(inside(box, *f["geometry"]["coordinates"]) for f in far)
    assert box[2] - box[0] <= 3.0 and box[3] - box[1] <= 2.0  # the bulk's own size


def test_the_box_holds_the_share_and_nothing_smaller_does() -> None:
    """Two towns of 40 and 6 events and a village of 4, far apart: 90% of 50 is 45, so the
    box must take the 6 too; of the two ways to do it, the smaller box."""
    towns = [event(10.0, 50.0)] * 40 + [event(12.0, 50.5)] * 6 + [event(5.0, 49.0)] * 4
    box = framing.frame_bounds(towns)
    assert box == (10.0, 50.0, 12.0, 50.5)
    held = sum(inside(box, *f["geometry"]["coordinates"]) for f in towns)
    assert held >= math.ceil(framing.BULK_SHARE * len(towns))


def test_the_same_events_in_any_order_give_the_same_box() -> None:
    rng = random.Random(3)
    events = [event(rng.uniform(30, 50), rng.uniform(25, 40)) for _ in range(300)]
    events += [event(rng.uniform(-120, -70), rng.uniform(20, 50)) for _ in range(20)]
    box = framing.frame_bounds(events)
    rng.shuffle(events)
    assert framing.frame_bounds(events) == box
    assert box is not None and box[0] >= 30  # the 20 across the ocean are left out
    held = sum(inside(box, *f["geometry"]["coordinates"]) for f in events)
    assert held >= math.ceil(framing.BULK_SHARE * len(events))


def test_country_level_events_are_counted_not_framed() -> None:
    located = [event(44.0 + i / 10, 33.0 + i / 20) for i in range(12)]
    country = [event(-98.5, 39.8, level="country", place="Wideland")] * 14
    box = framing.frame_bounds([*located, *country])
    assert box == framing.frame_bounds(located)
    assert box is not None and box[0] >= 44
    assert framing.counts([*located, *country]) == (12, 14)
    assert framing.count_label([*located, *country]) == "12 events located · 14 country-level"
    assert framing.count_label(located[:1]) == "1 event"
    assert framing.count_label([]) == "0 events"


def test_the_count_says_incidents_when_reports_share_one() -> None:
    """Five located events reporting two incidents (3 + 1 reports, one reported once) and
    two country-level ones: the count says incidents and their reports, as the page's
    cmCountText does; events reported once are counted as before."""

    def report(i: int, incident: str, reports: int, level: str = "city") -> dict:
        return event(
            44.0, 33.0, level=level, id=f"a:{i}", incident_id=incident, incident_reports=reports
        )

    located = [report(0, "I-1", 3), report(1, "I-1", 3), report(2, "I-1", 3), report(3, "I-2", 1)]
    country = [report(4, "I-3", 2, "country"), report(5, "I-3", 2, "country")]
    assert framing.count_label([*located, *country]) == "2 incidents (4 reports) · 2 country-level"
    assert framing.count_label(located[:2]) == "1 incident (2 reports)"
    # One report of an incident shown: an event, as before.
    assert framing.count_label([located[0], located[3]]) == "2 events"
    assert framing.count_label(country) == "0 events located · 2 country-level"
    # The incident's key: its id while it has more than one report, else the event's id
    # (builds without incidents: each event its own).
    assert framing.incident_key(located[0]["properties"]) == "I-1"
    assert framing.incident_key(located[3]["properties"]) == "a:3"
    assert framing.incident_key({"id": "a:9"}) == "a:9"  # type: ignore[typeddict-item]


def test_only_country_level_events_frame_their_countries_outlines() -> None:
    square = {
        "type": "Polygon",
        "coordinates": [[[40, 30], [48, 30], [48, 37], [40, 37], [40, 30]]],
    }
    other = {"type": "MultiPolygon", "coordinates": [[[[35, 32], [42, 32], [42, 37], [35, 32]]]]}
    events = [
        event(44.0, 33.0, level="country", place="Squareland"),
        event(38.0, 35.0, level="country", place="Otherland", gazetteer_name="Othrland"),
    ]
    outlines = {"squareland": square, "othrland": other}
    assert framing.frame_bounds(events, outlines) == (35.0, 30.0, 48.0, 37.0)
    # No outline for them: nothing to frame (the map opens on its basemap), not a point in
    # the middle of a country.
    assert framing.frame_bounds(events) is None
    assert framing.frame_bounds([]) is None


def test_few_events_are_all_framed_and_one_event_is_its_point() -> None:
    few = [event(44.0, 33.0), event(43.1, 36.3), event(-77.0, 38.9)]  # 90% of 3 rounds up
    assert framing.frame_bounds(few) == (-77.0, 33.0, 44.0, 38.9)
    assert framing.frame_bounds([event(43.1, 36.3)]) == (43.1, 36.3, 43.1, 36.3)
    assert framing.frame_bounds([event(43.1, 36.3)] * 30) == (43.1, 36.3, 43.1, 36.3)


def test_many_events_are_framed_fast_enough() -> None:
    import time

    rng = random.Random(11)
    events = [event(rng.uniform(-180, 180), rng.uniform(-80, 80)) for _ in range(10_000)]
    started = time.perf_counter()
    box = framing.frame_bounds(events)
    assert time.perf_counter() - started < 2.0  # built once per data version
    assert box is not None
    assert area(box) < area((-180.0, -80.0, 180.0, 80.0))  # some trimmed, even spread evenly


def test_the_seeds_frame_the_campaign_not_the_world(tmp_path: Path) -> None:
    """The seeds: most events in one country, three on another continent."""
    from geo.corpus.build import build

    build(ROOT / "seeds", tmp_path, processes=1, progress=False)
    features = json.loads((tmp_path / "events.geojson").read_text("utf-8"))["features"]
    box = framing.frame_bounds(features)
    assert box is not None and box[2] - box[0] < 15 and box[3] - box[1] < 15
    outside = [
        f
        for f in features
        if not framing.is_country_level(f) and not inside(box, *f["geometry"]["coordinates"])
    ]
    located, _ = framing.counts(features)
    assert 0 < len(outside) <= located * (1 - framing.BULK_SHARE)
    assert "US" in {f["properties"]["country"] for f in outside}


def test_fit_replaces_the_first_view() -> None:
    m = folium.Map(tiles=None)
    m.fit_bounds([[-80, -170], [80, 170]])
    framing.fit(m, (43.0, 33.0, 45.0, 37.0))
    fits = [c for c in m._children.values() if isinstance(c, FitBounds)]
    assert len(fits) == 1 and fits[0].bounds == [[33.0, 43.0], [37.0, 45.0]]
    assert fits[0].options["maxZoom"] == framing.FIT_MAX_ZOOM


def test_small_countries_are_outlined_large_ones_listed() -> None:
    assert framing.outlines_country(event(35.9, 33.9, level="country", country="LB"))
    assert not framing.outlines_country(event(44.0, 33.0, level="country", country="IQ"))
    assert not framing.outlines_country(event(0, 0, level="continent", country=""))
    assert not framing.outlines_country(event(0, 0, level="country", country=""))
    assert framing.country_phrase("US") == "the United States"
    assert framing.country_phrase("IQ") == "Iraq"
    assert framing.country_phrase("") == ""
