"""The map's region comes from the events: the basemap covers them, the view frames them.

Unit tests on the boxes, and a corpus about another war (Ukraine) built through
`campaign-map build`, whose basemap must then cover its events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.map import bounds
from geo.map.basemap import basemap_for, load_basemap, region_shapes
from geo.map.view import MapOptions, base_map, initial_view
from geo.pipeline.places.names import name_key


def point(lon: float, lat: float) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {},
    }


def test_one_event_gets_a_region_of_at_least_the_minimum_size() -> None:
    washington = bounds.event_bounds([point(-77.04, 38.9)])
    assert washington == (-77.04, 38.9, -77.04, 38.9)
    region = bounds.region_for(washington)
    assert bounds.contains(region, washington)
    assert region[2] - region[0] >= bounds.MIN_SIZE[0]
    assert region[3] - region[1] >= bounds.MIN_SIZE[1]
    assert all(v == int(v) for v in region)  # whole degrees: the same events, the same box


def test_a_worldwide_corpus_gets_the_world_and_boxes_stay_on_the_map() -> None:
    spread = bounds.event_bounds([point(-170, -60), point(175, 80)])
    assert bounds.region_for(spread) == bounds.WORLD
    # Near a pole or the date line, the box shifts inside the map instead of leaving it.
    polar = bounds.region_for((179.5, 84.0, 179.5, 84.0))
    assert polar[2] <= 180 and polar[3] <= 85 and bounds.contains(polar, (179.5, 84, 179.5, 84))


def test_a_basemap_fits_when_it_holds_the_events_and_is_not_far_larger() -> None:
    seeds_area = (24.0, 28.0, 62.0, 42.0)
    assert bounds.fits(seeds_area, (40.0, 33.0, 45.0, 37.0))
    assert not bounds.fits(seeds_area, (-77.04, 38.9, 45.0, 37.0))  # Washington falls off
    assert not bounds.fits(bounds.WORLD, (40.0, 33.0, 45.0, 37.0))  # too coarse for Iraq


def test_the_view_frames_the_bulk_of_the_events() -> None:
    iraq = [point(43 + i / 10, 35 + i / 20) for i in range(20)]
    few = iraq[:3] + [point(-77.04, 38.9)]
    assert bounds.focus_bounds(few) == bounds.event_bounds(few)  # few events: all of them
    focus = bounds.focus_bounds([*iraq, point(-77.04, 38.9)])  # one statement in Washington
    assert (
        focus is not None
        and focus[0] >= 43
        and bounds.contains(focus, bounds.event_bounds(iraq[1:-1]))
    )
    assert bounds.focus_bounds([]) is None


def test_provinces_are_kept_near_every_event() -> None:
    boxes = bounds.near_boxes([point(44.4, 33.3), point(44.5, 33.4), point(-77.0, 38.9)])
    assert len(boxes) == 2  # neighbours share a box
    assert bounds.near_enough(boxes, [point(44.0, 34.0), point(-76.0, 39.5)])
    assert not bounds.near_enough(boxes, [point(2.35, 48.85)])  # Paris: no provinces there


def test_a_view_toml_fixes_the_region(tmp_path: Path) -> None:
    assert bounds.configured_region(tmp_path) is None
    (tmp_path / "view.toml").write_text("bbox = [-10, 30, 40, 60]\n", "utf-8")
    assert bounds.configured_region(tmp_path) == (-10.0, 30.0, 40.0, 60.0)
    (tmp_path / "view.toml").write_text("bbox = [40, 30, -10, 60]\n", "utf-8")
    with pytest.raises(ValueError, match="min_lon, min_lat, max_lon, max_lat"):
        bounds.configured_region(tmp_path)


def test_without_events_the_map_opens_on_its_basemap(tmp_path: Path) -> None:
    path = tmp_path / "basemap.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "bbox": [10, 20, 30, 40], "features": []}), "utf-8"
    )
    assert initial_view(MapOptions(basemap=path)) == (10.0, 20.0, 30.0, 40.0)
    assert initial_view(MapOptions(basemap=path, bounds=(1, 2, 3, 4))) == (1, 2, 3, 4)
    assert initial_view(MapOptions(basemap=tmp_path / "none.geojson")) == bounds.WORLD


UKRAINE = {
    "kherson.txt": (
        "Published: 2022-11-11\n\nUkrainian troops entered Kherson on Friday after "
        "Russian forces withdrew across the Dnipro river. Residents of Kherson "
        "greeted the soldiers in the central square.\n"
    ),
    "bakhmut.txt": (
        "Published: 2023-01-20\n\nRussian forces shelled Bakhmut on Thursday. "
        "Fighting continued on the outskirts of Bakhmut, and Ukrainian units "
        "were deployed to Chasiv Yar to hold the road.\n"
    ),
    "kyiv.txt": (
        "Published: 2023-02-20\n\nThe president met officials in Kyiv on Monday "
        "to discuss the defence of Kharkiv and Zaporizhzhia.\n"
    ),
}


def test_a_corpus_about_another_war_gets_a_basemap_around_it(tmp_path: Path) -> None:
    from geo.cli import main
    from geo.map.filters import load_events

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    for name, text in UKRAINE.items():
        (corpus / name).write_text(text, "utf-8")
    assert (
        main(["build", "--corpus", str(corpus), "--out", str(out), "--quiet", "--processes", "1"])
        == 0
    )
    events = load_events(out / "events.geojson")
    places = {f["properties"]["place"] for f in events}
    assert {"Kherson", "Bakhmut"} <= places, places
    box = bounds.event_bounds(events)
    assert box is not None and 30 < box[0] < box[2] < 40 and 45 < box[1] < box[3] < 52
    # The seeds' basemap does not cover Ukraine: the build wrote one of its own.
    path = basemap_for(out, box)
    assert path == out / "basemap.geojson"
    basemap = load_basemap(path)
    assert bounds.contains(tuple(basemap["bbox"]), box)
    assert name_key("Ukraine") in region_shapes(path)
    assert {
        f["properties"]["name"] for f in basemap["features"] if f["properties"]["kind"] == "city"
    } >= {"Kyiv", "Kharkiv"}
    assert path.stat().st_size < 1_500_000
    # The map opens framing the events, on that basemap.
    m = base_map(MapOptions(basemap=path, bounds=bounds.focus_bounds(events)))
    page = m.get_root().render()
    assert f"[[{box[1]}, {box[0]}], [{box[3]}, {box[2]}]]" in page.replace("\n", "")
    # A second build keeps the basemap: it still fits.
    stamp = path.stat().st_mtime_ns
    assert main(["build", "--corpus", str(corpus), "--out", str(out), "--quiet"]) == 0
    assert path.stat().st_mtime_ns == stamp
