"""The map's region comes from the events: the basemap's detail areas are around them, the
view frames them.

Unit tests on the boxes and on which basemap serves which events, and a corpus about another
war (tests/data/other_war/: Kherson, Bakhmut, Moscow) built through `campaign-map build`,
whose basemap must then serve its events."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import shapely

from geo.map import basemap_build, bounds
from geo.map.basemap import basemap_for, load_basemap, region_shapes
from geo.map.view import MapOptions, initial_view
from geo.pipeline.places.names import name_key
from tests.conftest import ROOT

OTHER_WAR = ROOT / "tests" / "data" / "other_war"


def point(lon: float, lat: float, level: str = "city") -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"level": level},
    }


def union(boxes: list[bounds.Bbox]) -> shapely.Geometry:
    return shapely.union_all([shapely.box(*b) for b in boxes])


def test_detail_boxes_are_whole_cells_around_each_event() -> None:
    washington = [point(-77.04, 38.9)]
    boxes = bounds.detail_boxes(washington)
    assert boxes and all(v % bounds.DETAIL_CELL == 0 for b in boxes for v in b)
    assert bounds.covers(boxes, washington)
    # the reach on every side, and not much more (the cells' rounding)
    dlat = bounds.DETAIL_REACH_KM / bounds.KM_PER_DEGREE
    dlon = dlat / math.cos(math.radians(38.9))
    min_lon, min_lat, max_lon, max_lat = union(boxes).bounds
    assert min_lon <= -77.04 - dlon and max_lon >= -77.04 + dlon
    assert min_lat <= 38.9 - dlat and max_lat >= 38.9 + dlat
    assert max_lon - min_lon <= 2 * (dlon + bounds.DETAIL_CELL)
    assert max_lat - min_lat <= 2 * (dlat + bounds.DETAIL_CELL)
    # a nearby event shares the boxes: a similar corpus can share the basemap
    assert bounds.detail_boxes([point(-77.0, 38.85)]) == boxes
    # two far-apart events: two areas, nothing between them
    two = bounds.detail_boxes([*washington, point(30.5, 50.45)])
    assert not union(two).intersects(shapely.Point(-30, 45))
    assert bounds.detail_area(two) == pytest.approx(2 * bounds.detail_area(boxes), rel=0.3)


def test_detail_boxes_wrap_at_the_date_line_and_stay_on_the_map() -> None:
    fiji = bounds.detail_boxes([point(179.5, -17.0)])
    assert any(b[0] == -180 for b in fiji) and any(b[2] == 180 for b in fiji)
    polar = bounds.detail_boxes([point(10.0, 84.0)])
    for box in fiji + polar:
        assert bounds.contains(bounds.WORLD, box), box
    assert bounds.covers(fiji, [point(179.5, -17.0)])


def test_country_level_events_get_no_detail_area_of_their_own() -> None:
    """A country-level event's point is the country's middle, where nothing happened."""
    city, country = point(33.0, 47.0), point(100.0, 60.0, level="country")
    boxes = bounds.detail_boxes([city, country])
    assert boxes == bounds.detail_boxes([city])
    assert not union(boxes).intersects(shapely.Point(100.0, 60.0))
    assert bounds.covers(boxes, [city, country])  # served: it needs no detail
    # with nothing but country-level events, their points are all there is
    assert union(bounds.detail_boxes([country])).intersects(shapely.Point(100.0, 60.0))


def test_a_basemap_serves_the_events_its_detail_area_covers() -> None:
    events = [point(43.1, 36.3), point(44.4, 33.3)]
    boxes = bounds.detail_boxes(events)
    assert bounds.serves(boxes, events)
    assert bounds.serves(boxes, events[:1])  # a subset, in the same cells
    assert not bounds.serves(boxes, [*events, point(-77.04, 38.9)])  # one falls outside
    # inside the boxes but near their edge: its surroundings on one side would be coarse
    edge = union(boxes).bounds
    assert not bounds.serves(boxes, [*events, point(edge[2] - 0.5, 34.0)])
    assert not bounds.serves([bounds.WORLD], events)  # far larger: built coarser
    assert not bounds.serves(None, events) and not bounds.serves([], events)  # an old file


def write_basemap(path: Path, detail: list | None) -> Path:
    collection = {"type": "FeatureCollection", "bbox": list(bounds.WORLD), "features": []}
    if detail is not None:
        collection["detail"] = detail
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(collection), "utf-8")
    return path


def test_the_map_is_drawn_on_the_basemap_that_serves_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [point(43.1, 36.3)]
    project = write_basemap(tmp_path / "mapdata" / "basemap.geojson", bounds.detail_boxes(events))
    monkeypatch.setattr("geo.map.basemap.BASEMAP", project)
    data = tmp_path / "data"
    # the folder's own basemap is stale (its events were elsewhere): the project's serves
    write_basemap(data / "basemap.geojson", bounds.detail_boxes([point(-77.0, 38.9)]))
    assert basemap_for(data, events) == project
    assert basemap_for(data, [point(-77.0, 38.9)]) == data / "basemap.geojson"
    # neither serves: the folder's own, the closer to its data
    assert basemap_for(data, [point(120.0, 30.0)]) == data / "basemap.geojson"
    # a box instead of the events (an older caller): its detail area must cover the box
    assert basemap_for(data, (43.0, 36.0, 43.5, 36.5)) == project
    # an old basemap (one region, no world around it) serves nothing, but is drawn on
    old = tmp_path / "old"
    write_basemap(old / "basemap.geojson", None)
    assert basemap_for(old, events) == project
    monkeypatch.setattr("geo.map.basemap.BASEMAP", tmp_path / "none.geojson")
    assert basemap_for(old, events) == old / "basemap.geojson"


def test_a_basemap_is_built_only_when_none_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[list] = []

    def fake_build(target: Path, detail: list) -> Path:
        built.append(list(detail))
        return write_basemap(target, [list(b) for b in detail])

    project = write_basemap(tmp_path / "project.geojson", bounds.detail_boxes([point(43, 36)]))
    monkeypatch.setattr(basemap_build, "build_basemap", fake_build)
    monkeypatch.setattr(basemap_build, "BASEMAP", project)
    data = tmp_path / "data"
    data.mkdir()
    assert basemap_build.ensure_basemap(data, []) == (None, False)  # nothing to serve
    assert basemap_build.ensure_basemap(data, [point(43.2, 36.1)]) == (project, False)
    far = [point(32.6, 46.6), point(38.0, 48.6)]
    assert basemap_build.ensure_basemap(data, far) == (data / "basemap.geojson", True)
    assert built == [bounds.detail_boxes(far)]
    assert basemap_build.ensure_basemap(data, far) == (data / "basemap.geojson", False)
    # a box fixed in view.toml is the detail area, whatever the events
    (data / "view.toml").write_text("bbox = [-10, 30, 40, 60]\n", "utf-8")
    assert basemap_build.ensure_basemap(data, far) == (data / "basemap.geojson", True)
    assert built[-1] == [(-10.0, 30.0, 40.0, 60.0)]
    assert basemap_build.ensure_basemap(data, []) == (data / "basemap.geojson", False)
    assert len(built) == 2


def test_a_view_toml_fixes_the_region(tmp_path: Path) -> None:
    assert bounds.configured_region(tmp_path) is None
    (tmp_path / "view.toml").write_text("bbox = [-10, 30, 40, 60]\n", "utf-8")
    assert bounds.configured_region(tmp_path) == (-10.0, 30.0, 40.0, 60.0)
    (tmp_path / "view.toml").write_text("bbox = [40, 30, -10, 60]\n", "utf-8")
    with pytest.raises(ValueError, match="min_lon, min_lat, max_lon, max_lat"):
        bounds.configured_region(tmp_path)


def test_without_events_the_map_opens_on_its_detail_areas(tmp_path: Path) -> None:
    path = write_basemap(tmp_path / "basemap.geojson", [[10, 20, 20, 30], [20, 24, 30, 40]])
    assert initial_view(MapOptions(basemap=path)) == (10.0, 20.0, 30.0, 40.0)
    assert initial_view(MapOptions(basemap=path, bounds=(1, 2, 3, 4))) == (1, 2, 3, 4)
    assert initial_view(MapOptions(basemap=tmp_path / "none.geojson")) == bounds.WORLD


def test_a_corpus_about_another_war_gets_a_basemap_around_it(tmp_path: Path) -> None:
    from geo.cli import main
    from geo.map.filters import load_events

    out = tmp_path / "out"
    args = ["build", "--corpus", str(OTHER_WAR), "--out", str(out), "--quiet"]
    assert main([*args, "--processes", "1"]) == 0
    events = load_events(out / "events.geojson")
    places = {f["properties"]["place"] for f in events}
    assert {"Kherson", "Bakhmut", "Moscow"} <= places, places
    box = bounds.event_bounds(events)
    assert box is not None and 28 < box[0] < box[2] < 40 and 45 < box[1] < box[3] < 57
    # No basemap of the project's serves these events: the build wrote one of its own.
    path = basemap_for(out, events)
    assert path == out / "basemap.geojson"
    basemap = load_basemap(path)
    assert bounds.serves([tuple(b) for b in basemap["detail"]], events)
    shapes = region_shapes(path)
    # outlines of the countries and provinces around the events, and of every country
    for name in ("Ukraine", "Russia", "Brazil", "Iraq", "Khersonska oblast", "Donetska oblast"):
        assert name_key(name) in shapes, name
    features = basemap["features"]
    cities = {f["properties"]["name"] for f in features if f["properties"]["kind"] == "city"}
    assert {"Kyiv", "Kherson", "Bakhmut", "Kramatorsk", "Odesa", "Mykolayiv", "Moscow"} <= cities
    assert path.stat().st_size < 2_000_000
    # A second build keeps the basemap: it still serves.
    stamp = path.stat().st_mtime_ns
    assert main(args) == 0
    assert path.stat().st_mtime_ns == stamp
