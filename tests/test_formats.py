"""The export formats (geo.corpus.io): each file read back by the tools it is written for.

GDAL (through pyogrio) reads the GeoJSON, the CSV, the GeoPackage and the KML; the GeoParquet
is read with pyarrow and geopandas, as pyogrio's GDAL has no Parquet driver.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import stat
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pytest

from geo.corpus import tables
from geo.corpus.io import FORMATS, events_file, write_events

KML = "{http://www.opengis.net/kml/2.2}"
HOSTILE = "=cmd()<script>alert(1)</script> ]]> & done"
GDAL_FORMATS = ["geojson", "csv", "gpkg", "kml"]


def event(i: int, lon: float = 20.5, lat: float = 10.25, **props: Any) -> dict[str, Any]:
    """An event with every field of the record, the precision codes included."""
    base = {
        "id": f"art{i}:{i * 10}",
        "place": "Tikrīt",
        "gazetteer_name": "Tikrit",
        "level": "city",
        "geonameid": 1000 + i,
        "country": "XA",
        "place_confidence": 0.75,
        "uncertainty_km": 2.5,
        "geo_precision": 1,
        "date_start": "2016-03-24",
        "date_end": "2016-03-26",
        "granularity": "day",
        "time_basis": "explicit",
        "time_precision": 2,
        "planned": False,
        "event_type": "offensive",
        "actors": ["Rebels", "Army"],
        "figures": ["300 troops"],
        "snippet": "Troops entered Tikrīt on March 24.",
        "marks": [{"start": 15, "end": 21, "kind": "place"}],
        "caption": False,
        "confidence": 0.5,
        "other_places": ["Riverside"],
        "article_id": f"art{i}",
        "article_title": "A test article",
        "article_source": "Test Wire",
        "article_url": f"https://example.org/{i}",
        "published": "2016-03-27",
        "published_basis": "metadata",
    }
    base.update(props)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": base,
        "n": i,  # as geo.map.filters.load_events gives them: not a property
    }


def undated(i: int) -> dict[str, Any]:
    return event(
        i,
        lon=-3.75,
        lat=-40.5,
        date_start=None,
        date_end=None,
        granularity="",
        time_basis="undated",
        time_precision=None,
        uncertainty_km=None,
        geonameid=None,
        geo_precision=3,
        article_url=None,
        place="Upland",
        actors=[],
    )


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [event(0), event(1, lon=-120.125, lat=45.0, snippet=HOSTILE), undated(2)]


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def written(tmp_path: Path, features: list[dict[str, Any]], fmt: str) -> Path:
    path = tmp_path / f"events{FORMATS[fmt].suffix}"
    write_events(features, path, fmt)  # type: ignore[arg-type]
    return path


def gdal_read(path: Path) -> gpd.GeoDataFrame:
    if path.suffix == ".csv":  # GDAL's CSV driver makes points from the named columns
        return pyogrio.read_dataframe(path, X_POSSIBLE_NAMES="lon", Y_POSSIBLE_NAMES="lat")
    return pyogrio.read_dataframe(path)


def id_column(fmt: str) -> str:
    return "event_id" if fmt == "kml" else "id"


@pytest.mark.parametrize("fmt", GDAL_FORMATS)
def test_gdal_reads_every_event_back(tmp_path: Path, events: list, fmt: str) -> None:
    frame = gdal_read(written(tmp_path, events, fmt))
    assert len(frame) == len(events)
    assert set(frame.geometry.geom_type) == {"Point"}
    assert [(p.x, p.y) for p in frame.geometry] == [(20.5, 10.25), (-120.125, 45.0), (-3.75, -40.5)]
    assert list(frame[id_column(fmt)]) == ["art0:0", "art1:10", "art2:20"]
    assert list(frame["place"]) == ["Tikrīt", "Tikrīt", "Upland"]
    # The precision codes, as every field, reach each format (CSV: as text).
    assert [str(v) for v in frame["geo_precision"]] == ["1", "1", "3"]
    assert str(frame["time_precision"][0]) in ("2", "2.0")
    assert frame["time_precision"].isna()[2] or frame["time_precision"][2] == ""
    assert "marks" not in frame.columns or fmt == "geojson"  # only the page uses marks


def test_geojson_is_rfc7946_with_the_event_id_as_feature_id(tmp_path: Path, events: list) -> None:
    collection = json.loads(written(tmp_path, events, "geojson").read_text("utf-8"))
    assert "crs" not in collection
    assert [f["id"] for f in collection["features"]] == ["art0:0", "art1:10", "art2:20"]
    first = collection["features"][0]
    assert set(first) == {"type", "id", "geometry", "properties"}  # no "n"
    assert first["properties"] == events[0]["properties"]  # the whole record, marks too
    assert tables.to_geojson(events) == events_file(events, "geojson")  # the app's download


def test_geopackage_field_types(tmp_path: Path, events: list) -> None:
    path = written(tmp_path, events, "gpkg")
    info = pyogrio.read_info(path)
    assert info["layer_name"] == "events" and info["geometry_type"] == "Point"
    assert info["crs"] == "EPSG:4326" and info["features"] == 3
    assert info["fid_column"] == "fid"  # GDAL numbers the rows; the event id is text
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["id"] == types["snippet"] == types["place"] == "OFTString"
    assert types["date_start"] == types["date_end"] == types["published"] == "OFTDate"
    assert types["geonameid"] == types["geo_precision"] == types["time_precision"] == "OFTInteger64"
    assert types["confidence"] == types["uncertainty_km"] == "OFTReal"
    assert "marks" not in types
    frame = pyogrio.read_dataframe(path)
    assert list(frame["actors"][0]) == ["Rebels", "Army"]  # a JSON string list
    assert str(frame["date_start"][0].date()) == "2016-03-24"
    assert frame["planned"].dtype == bool


def test_geoparquet_types_and_metadata(tmp_path: Path, events: list) -> None:
    path = written(tmp_path, events, "parquet")
    schema = pq.read_schema(path)
    geo = json.loads(schema.metadata[b"geo"])
    assert geo["primary_column"] == "geometry"
    assert geo["columns"]["geometry"]["encoding"] == "WKB"
    assert schema.field("date_start").type == pa.date32()
    assert schema.field("geonameid").type == schema.field("time_precision").type == pa.int64()
    assert schema.field("actors").type == pa.list_(pa.string())
    assert schema.field("planned").type == pa.bool_()
    assert "marks" not in schema.names and "__index_level_0__" not in schema.names
    frame = gpd.read_parquet(path)  # pandas reads it too (no metadata it cannot read)
    assert len(pd.read_parquet(path, columns=["id", "actors"])) == 3
    assert frame.crs.to_epsg() == 4326 and len(frame) == 3
    assert [(p.x, p.y) for p in frame.geometry][1] == (-120.125, 45.0)
    assert list(frame["id"]) == ["art0:0", "art1:10", "art2:20"]
    assert frame["place"][0] == "Tikrīt" and frame["time_precision"].isna()[2]


def test_kml_is_xml_with_one_placemark_per_event_and_timespans(
    tmp_path: Path, events: list
) -> None:
    root = ET.parse(written(tmp_path, events, "kml")).getroot()
    placemarks = root.findall(f".//{KML}Placemark")
    assert len(placemarks) == len(events)
    first, hostile, undated_one = placemarks
    assert first.findtext(f"{KML}name") == "Tikrīt"
    assert first.findtext(f"{KML}TimeSpan/{KML}begin") == "2016-03-24"
    assert first.findtext(f"{KML}TimeSpan/{KML}end") == "2016-03-26"
    assert undated_one.find(f"{KML}TimeSpan") is None  # shown at every time
    assert first.findtext(f"{KML}Point/{KML}coordinates") == "20.5,10.25"
    data = {d.get("name"): d.text for d in first.iter(f"{KML}SimpleData")}
    assert data["event_id"] == "art0:0" and data["geo_precision"] == "1"
    assert data["actors"] == "Rebels; Army" and data["planned"] == "false"
    assert "marks" not in data
    undated_data = {d.get("name") for d in undated_one.iter(f"{KML}SimpleData")}
    assert "time_precision" not in undated_data  # null: no value
    fields = {f.get("name"): f.get("type") for f in root.iter(f"{KML}SimpleField")}
    assert fields["geo_precision"] == "int" and fields["confidence"] == "double"


def test_hostile_text_stays_inert_in_kml_and_csv(tmp_path: Path, events: list) -> None:
    kml = written(tmp_path, events, "kml")
    placemark = ET.parse(kml).getroot().findall(f".//{KML}Placemark")[1]
    assert not list(placemark.iter("script")) and not list(placemark.iter(f"{KML}script"))
    # Google Earth reads a description as HTML: the tag arrives escaped, shown as text.
    assert placemark.findtext(f"{KML}description") == html.escape(HOSTILE, quote=False)
    snippet = [d.text for d in placemark.iter(f"{KML}SimpleData") if d.get("name") == "snippet"]
    assert snippet == [HOSTILE]
    text = written(tmp_path, events, "csv").read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[1]["snippet"] == "'" + HOSTILE  # no formula: a spreadsheet shows the text


def test_csv_defuses_text_cells_but_not_numbers(tmp_path: Path) -> None:
    features = [event(0, actors=["@home", "-x"], level="+1", shift_km=-3.5, lon=-7.25)]
    text = written(tmp_path, features, "csv").read_text("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["actors"] == "'@home; -x" and row["level"] == "'+1"
    assert row["shift_km"] == "-3.5" and row["lon"] == "-7.25"


def test_kml_stays_xml_with_characters_xml_cannot_hold(tmp_path: Path) -> None:
    odd = event(0, snippet="a\x0bb\x00c", place="Tik\ud800rit")
    root = ET.parse(written(tmp_path, [odd], "kml")).getroot()
    assert root.findtext(f".//{KML}Placemark/{KML}name") == "Tik\ufffdrit"


def test_csv_has_a_bom_every_field_and_coordinates(tmp_path: Path, events: list) -> None:
    raw = written(tmp_path, events, "csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel: UTF-8
    reader = csv.DictReader(io.StringIO(raw[3:].decode("utf-8")))
    rows = list(reader)
    record = [k for k in events[0]["properties"] if k != "marks"]
    assert reader.fieldnames == [*record, "lat", "lon"]
    assert len(rows) == 3
    first = rows[0]
    assert first["place"] == "Tikrīt" and first["id"] == "art0:0"
    assert (first["lat"], first["lon"]) == ("10.25", "20.5")
    assert first["actors"] == "Rebels; Army" and first["figures"] == "300 troops"
    assert first["article_url"] == "https://example.org/0" and first["country"] == "XA"
    assert first["geonameid"] == "1000" and first["uncertainty_km"] == "2.5"
    assert first["geo_precision"] == "1" and first["time_precision"] == "2"
    assert first["time_basis"] == "explicit" and first["planned"] == "false"
    assert rows[2]["time_precision"] == rows[2]["date_start"] == rows[2]["geonameid"] == ""
    assert tables.to_csv(events) == raw  # the app's download is the same file


def test_a_new_field_of_the_record_reaches_every_format(tmp_path: Path) -> None:
    features = [
        event(0, incident_id="inc-7", reports=3, sources={"wire": 2}),
        event(1, incident_id=None, reports=1, sources={}),
    ]
    gpkg = pyogrio.read_info(written(tmp_path, features, "gpkg"))
    types = dict(zip(gpkg["fields"], gpkg["ogr_types"], strict=True))
    assert types["incident_id"] == "OFTString" and types["reports"] == "OFTInteger64"
    assert types["sources"] == "OFTString"  # an object: its JSON text
    parquet = pq.read_table(written(tmp_path, features, "parquet"))
    assert parquet.column("incident_id").to_pylist() == ["inc-7", None]
    csv_text = written(tmp_path, features, "csv").read_text("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(csv_text)))
    assert list(row)[-5:] == ["incident_id", "reports", "sources", "lat", "lon"]
    assert row["sources"] == '{"wire": 2}'
    kml = gdal_read(written(tmp_path, features, "kml"))
    assert list(kml["reports"]) == [3, 1]
    geojson = json.loads(written(tmp_path, features, "geojson").read_text("utf-8"))
    assert geojson["features"][0]["properties"]["incident_id"] == "inc-7"


def test_a_column_keeps_its_declared_type_whatever_the_selection(tmp_path: Path) -> None:
    # Whole-number radii are still reals, and no gazetteer id at all is still an integer.
    features = [event(0, uncertainty_km=5, geonameid=None)]
    schema = pq.read_schema(written(tmp_path, features, "parquet"))
    assert schema.field("uncertainty_km").type == pa.float64()
    assert schema.field("geonameid").type == pa.int64()


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_no_events_refused(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ValueError, match="^no events to write$"):
        write_events([], tmp_path / f"x{FORMATS[fmt].suffix}", fmt)
    with pytest.raises(ValueError, match="^no events to write$"):
        events_file([], fmt)
    assert not list(tmp_path.iterdir())


def test_unknown_format_refused(tmp_path: Path, events: list) -> None:
    with pytest.raises(ValueError, match="unknown export format 'shp'; one of: geojson, csv"):
        write_events(events, tmp_path / "x.shp", "shp")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_missing_folder_or_a_folder_as_target_is_named(
    tmp_path: Path, events: list, fmt: str
) -> None:
    target = tmp_path / "nowhere" / f"events{FORMATS[fmt].suffix}"
    with pytest.raises(FileNotFoundError, match=f"^{target}: the folder .*nowhere does not"):
        write_events(events, target, fmt)
    with pytest.raises(IsADirectoryError, match=f"^{tmp_path}: is a folder, not a file$"):
        write_events(events, tmp_path, fmt)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_files_are_readable_by_others_and_replaced_whole(
    tmp_path: Path, events: list, fmt: str, umask_022: None
) -> None:
    path = written(tmp_path, events, fmt)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    write_events(events[:1], path, fmt)  # over the old file: replaced, not appended to
    if fmt in GDAL_FORMATS:
        assert len(gdal_read(path)) == 1
    else:
        assert pq.read_metadata(path).num_rows == 1
    bad = event(5, lon=float("nan"))
    with pytest.raises(ValueError, match="coordinates"):
        write_events([bad], path, fmt)  # type: ignore[list-item]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # nothing left beside it
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_download_bytes_are_the_file(tmp_path: Path, events: list, fmt: str) -> None:
    data = events_file(events, fmt)
    path = written(tmp_path, events, fmt)
    if fmt in ("geojson", "csv", "kml"):
        assert data == path.read_bytes()
    else:  # GeoPackage and Parquet files carry times and random ids: same kind of file
        magic = {"gpkg": b"SQLite format 3\x00", "parquet": b"PAR1"}[fmt]
        assert data.startswith(magic) and path.read_bytes().startswith(magic)


# -- `campaign-map export --format` ---------------------------------------------------------


@pytest.fixture(scope="module")
def seeds_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from geo.corpus.build import build
    from tests.conftest import SEEDS

    out = tmp_path_factory.mktemp("export_formats") / "mapdata"
    build(SEEDS, out, processes=1, progress=False)
    return out


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "parquet"])
def test_export_writes_the_filtered_events_in_each_format(
    seeds_data: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.cli import main
    from geo.map.filters import EventFilter, filter_events, load_events

    wanted = filter_events(
        load_events(seeds_data / "events.geojson"), EventFilter(types=frozenset({"capture"}))
    )
    out = tmp_path / f"captures{FORMATS[fmt].suffix}"  # the format from the suffix
    assert main(["export", "--data", str(seeds_data), "--out", str(out), "--types", "capture"]) == 0
    assert f"{len(wanted)} events" in capsys.readouterr().out
    frame = gdal_read(out)
    assert len(frame) == len(wanted)
    assert sorted(frame[id_column(fmt)]) == sorted(f["properties"]["id"] for f in wanted)


def test_export_format_flag_names_and_refusals(
    seeds_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from geo.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["export", "--data", str(seeds_data), "--format", "parquet"]) == 0
    assert len(gpd.read_parquet(tmp_path / "campaign.parquet")) == len(
        json.loads((seeds_data / "events.geojson").read_text("utf-8"))["features"]
    )
    # Any other name is the map page, as before there were formats.
    assert main(["export", "--data", str(seeds_data), "--out", "notes.out"]) == 0
    assert (tmp_path / "notes.out").read_text("utf-8").startswith("<!DOCTYPE html>")
