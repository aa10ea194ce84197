"""The map of a large corpus, answered on the server (geo.map.aggregate): the event table
read from the build's store, the window and type filters (the same as geo.map.filters'),
clusters and markers for a view, the full records of a few events, and the folium element
that draws a view (geo.map.aggregate_layer). Events made for the test."""

from __future__ import annotations

import datetime
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pytest

from geo.corpus.io.store import STORE_DIR, month_of, partition, write_store
from geo.map import aggregate, filters
from geo.map.aggregate_layer import AggregateLayer
from geo.map.assets import STATIC, make_offline
from tests.pages import page_code

D = datetime.date
TYPES = ("offensive", "airstrike", "capture", "withdrawal", "meeting")


def feature(
    i: int,
    lon: float,
    lat: float,
    start: str | None = "2020-05-01",
    end: str | None = "2020-05-01",
    event_type: str = "offensive",
    incident: str | None = None,
    precision: int = 1,
) -> dict[str, Any]:
    """An event as the build writes it (geo.corpus.work.event_properties' fields)."""
    props = {
        "id": f"art{i // 4}:{i}",
        "place": f"Town {i % 7}",
        "gazetteer_name": f"Town {i % 7}",
        "level": "city",
        "geonameid": 1000 + i,
        "country": "ZZ",
        "place_confidence": 0.9,
        "uncertainty_km": None,
        "geo_precision": precision,
        "date_start": start,
        "date_end": end,
        "granularity": "day" if start else "",
        "time_basis": "explicit",
        "time_precision": 1 if start else None,
        "planned": False,
        "event_type": event_type,
        "actors": ["Rebels"],
        "figures": [f"{i} troops"],
        "snippet": f"Rebels attacked Town {i % 7} (event {i}).",
        "marks": [{"start": 16, "end": 22, "kind": "place"}],
        "caption": False,
        "confidence": 0.8,
        "other_places": [],
        "article_id": f"art{i // 4}",
        "article_title": f"Report {i // 4}",
        "article_source": "The Wire",
        "article_url": f"https://example.org/{i // 4}",
        "published": "2020-06-01",
        "published_basis": "metadata",
        "verification": "unverified",
        "verified_at": None,
        "corrected": {"place": {"was": "Old", "now": "New", "entry": 2}} if i % 5 == 0 else {},
        "incident_link": None,
        "incident_id": incident if incident is not None else f"I-{i}",
        "incident_verification": "unverified",
        "incident_reports": 1,
        "incident_sources": 1,
        "disagreement": False,
    }
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def stored(folder: Path, features: list[dict[str, Any]]) -> Path:
    """The features written as a build writes its store; returns the data folder."""
    lines = [json.dumps(f) for f in features]
    write_store(folder, lines, [month_of(f["properties"]["date_start"]) for f in features])
    return folder


def mixed_sample(n: int = 80, seed: int = 5) -> list[dict[str, Any]]:
    """Dated, undated, start-only, long intervals; incidents of 1-3 reports; 5 types."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first = D(2020, 1, 1) + datetime.timedelta(days=rng.randrange(0, 200))
        last = first + datetime.timedelta(days=rng.choice([0, 0, 2, 9, 40]))
        kind = i % 10
        start = None if kind == 0 else first.isoformat()
        end = None if kind in (0, 1) else last.isoformat()  # 1: a start and no end
        out.append(
            feature(
                i,
                round(rng.uniform(30, 40), 5),
                round(rng.uniform(10, 20), 5),
                start,
                end,
                TYPES[i % len(TYPES)],
                incident=f"I-{i // 3}",
                precision=1 + i % 3,
            )
        )
    # On the edges of the windows the tests ask for: ending on the first day, starting on
    # the last, and a day outside either.
    edges = [
        ("2020-02-20", "2020-03-01"),
        ("2020-03-31", "2020-04-09"),
        ("2020-02-20", "2020-02-29"),
        ("2020-04-01", "2020-04-02"),
        ("2020-04-05", "2020-04-05"),
    ]
    for k, (first_day, last_day) in enumerate(edges):
        out.append(feature(n + k, 35.0, 15.0, first_day, last_day, TYPES[k], f"I-edge{k}"))
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], Path]:
    features = mixed_sample()
    return features, stored(tmp_path_factory.mktemp("sample"), features)


def ids_of(table: aggregate.EventTable, mask: np.ndarray) -> set[str]:
    return {str(i) for i in table.ids[mask]}


def test_the_table_holds_the_stores_events(sample: tuple[list, Path]) -> None:
    features, data = sample
    table = aggregate.load_table(data)
    assert len(table) == len(features)
    by_id = {f["properties"]["id"]: f for f in features}
    assert set(map(str, table.ids)) == set(by_id)
    for row in range(len(table)):
        f = by_id[str(table.ids[row])]
        p = f["properties"]
        assert [table.lon[row], table.lat[row]] == f["geometry"]["coordinates"]
        assert table.type_names[table.type_code[row]] == p["event_type"]
        assert str(table.incident_names[table.incident[row]]) == p["incident_id"]
        assert bool(table.dated[row]) == bool(p["date_start"] and p["date_end"])
        if table.dated[row]:
            first = D(1970, 1, 1) + datetime.timedelta(days=int(table.start[row]))
            assert first.isoformat() == p["date_start"]
    # An incident's reports are adjacent, its most precise (then lowest id) first.
    keys = [
        (str(table.incident_names[c]), int(p), str(i))
        for c, p, i in zip(table.incident, table.precision, table.ids, strict=True)
    ]
    assert keys == sorted(keys)


def test_an_event_without_an_incident_is_its_own(tmp_path: Path) -> None:
    data = stored(tmp_path, [feature(0, 30, 10, incident=""), feature(1, 30, 10, incident="")])
    table = aggregate.load_table(data)
    assert sorted(map(str, table.incident_names)) == ["art0:0", "art0:1"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, None),
        (D(2020, 3, 1), D(2020, 3, 31)),
        (D(2020, 3, 1), None),
        (None, D(2020, 2, 10)),
        (D(2020, 4, 5), D(2020, 4, 5)),
        (D(2021, 1, 1), D(2021, 2, 1)),
    ],
)
def test_the_window_is_the_maps_rule(
    sample: tuple[list, Path], start: D | None, end: D | None
) -> None:
    features, data = sample
    table = aggregate.load_table(data)
    expected = {f["properties"]["id"] for f in filters.in_window(features, start, end)}
    assert ids_of(table, aggregate.in_window(table, start, end)) == expected
    for types in (frozenset({"airstrike"}), frozenset({"capture", "meeting"})):
        flt = filters.EventFilter(start=start, end=end, types=types)
        wanted = {f["properties"]["id"] for f in filters.filter_events(features, flt)}
        assert ids_of(table, aggregate.in_window(table, start, end, types)) == wanted
        # overlaps(), the rule filter_events applies, says the same event by event.
        assert wanted == {
            f["properties"]["id"]
            for f in features
            if filters.overlaps(f["properties"], start, end)
            and f["properties"]["event_type"] in types
        }
    # No types, or an empty set: every type (as EventFilter.types).
    everything = aggregate.in_window(table, start, end)
    assert (aggregate.in_window(table, start, end, frozenset()) == everything).all()
    assert not aggregate.in_window(table, start, end, frozenset({"no such type"})).any()


WORLD = (-85.0, -180.0, 85.0, 180.0)


def test_counts_are_conserved_in_clusters_and_markers(sample: tuple[list, Path]) -> None:
    _, data = sample
    table = aggregate.load_table(data)
    mask = aggregate.in_window(table, D(2020, 1, 1), D(2020, 5, 1))
    bounds = (10.0, 30.0, 15.0, 35.0)  # a part of the sample's box
    inside = mask & (table.lat >= 10) & (table.lat <= 15) & (table.lon >= 30) & (table.lon <= 35)
    lone = 0
    for zoom in (3, 6, 9):
        layer = aggregate.view_layer(table, mask, bounds, zoom, max_markers=0)
        assert layer.kind == "clusters" and layer.clusters is not None
        assert layer.markers is not None  # the cells of one incident
        assert layer.counts.in_window == mask.sum()
        assert layer.counts.in_view == inside.sum() > 0
        assert layer.counts.outside_view == mask.sum() - inside.sum()
        assert layer.counts.incidents_in_view == len(set(table.incident[inside]))
        drawn = layer.clusters.events.sum() + layer.markers.reports.sum()
        assert drawn == inside.sum()
        assert (layer.clusters.incidents > 1).all()
        lone += len(layer.markers.ids)
    assert lone > 0
    markers = aggregate.view_layer(table, mask, bounds, 6).markers
    assert markers is not None and markers.reports.sum() == inside.sum()


def grid_sample() -> list[dict[str, Any]]:
    """Incidents of 1-3 reports on a line of points 0.3 degrees apart."""
    return [
        feature(i, 0.5 + 0.3 * (i // 3), 5.0, incident=f"I-{i // 3:03d}", precision=3 - i % 3)
        for i in range(60)
    ]


def test_below_the_limit_one_marker_per_incident_at_its_most_precise_report(
    tmp_path: Path,
) -> None:
    features = grid_sample()
    table = aggregate.load_table(stored(tmp_path, features))
    mask = aggregate.in_window(table, None, None)
    incidents = len({f["properties"]["incident_id"] for f in features})
    layer = aggregate.view_layer(table, mask, WORLD, 5, max_markers=incidents)
    assert layer.kind == "markers" and layer.markers is not None
    m = layer.markers
    assert len(m.ids) == incidents and m.reports.tolist() == [3] * incidents
    by_incident: dict[str, list[dict]] = {}
    for f in features:
        by_incident.setdefault(f["properties"]["incident_id"], []).append(f["properties"])
    anchors = {
        min(members, key=lambda p: (p["geo_precision"], p["id"]))["id"]
        for members in by_incident.values()
    }
    assert set(m.ids) == anchors
    points = {f["properties"]["id"]: f["geometry"]["coordinates"] for f in features}
    assert [points[i] for i in m.ids] == [[x, y] for x, y in zip(m.lon, m.lat, strict=True)]
    above = aggregate.view_layer(table, mask, WORLD, 5, max_markers=incidents - 1)
    assert above.kind == "clusters" and above.clusters is not None
    assert above.markers is not None and not above.markers.ids  # no cell of one incident
    assert above.clusters.events.sum() == len(features)


def test_a_cluster_says_its_events_incidents_type_centre_and_box_and_a_lone_incident_is_a_marker(
    tmp_path: Path,
) -> None:
    # One cell at zoom 3 (22.5-33.75 E, 0-11.18 N): three incidents, one of them also
    # reported in a far cell, and back again (its reports are not in cell order).
    features = [
        feature(0, 30.0, 1.0, event_type="airstrike", incident="I-a"),
        feature(1, 80.0, 1.0, event_type="airstrike", incident="I-a"),
        feature(2, 31.0, 2.0, event_type="airstrike", incident="I-a"),
        feature(3, 32.0, 3.0, event_type="capture", incident="I-b"),
        feature(4, 30.5, 3.5, event_type="airstrike", incident="I-c"),
    ]
    table = aggregate.load_table(stored(tmp_path, features))
    layer = aggregate.view_layer(table, aggregate.in_window(table, None, None), WORLD, 3, 64, 0)
    c = layer.clusters
    assert c is not None and c.events.tolist() == [4]
    assert c.incidents.tolist() == [3]
    assert [layer.type_names[t] for t in c.type_code] == ["airstrike"]
    assert c.lon[0] == pytest.approx((30 + 31 + 32 + 30.5) / 4)
    assert c.lat[0] == pytest.approx((1 + 2 + 3 + 3.5) / 4)
    assert (c.south[0], c.west[0], c.north[0], c.east[0]) == (1.0, 30.0, 3.5, 32.0)
    # The far cell holds one incident's report: that report's marker.
    m = layer.markers
    assert m is not None and m.ids == ["art0:1"] and m.reports.tolist() == [1]
    assert (m.lon.tolist(), m.lat.tolist()) == ([80.0], [1.0])


def test_the_same_events_give_the_same_layer_whatever_their_order(tmp_path: Path) -> None:
    features = mixed_sample(120, seed=9)
    shuffled = features[:]
    random.Random(1).shuffle(shuffled)
    one = aggregate.load_table(stored(tmp_path / "a", features))
    two = aggregate.load_table(stored(tmp_path / "b", shuffled))
    for table in (one, two):
        assert table.type_names == tuple(sorted(table.type_names))
    for max_markers in (0, 2000):
        layers = [
            aggregate.view_layer(
                t, aggregate.in_window(t, D(2020, 2, 1), D(2020, 4, 1)), WORLD, 6, 64, max_markers
            ).to_json()
            for t in (one, two, one)
        ]
        assert layers[0] == layers[1] == layers[2]


def test_bounds_across_the_antimeridian(tmp_path: Path) -> None:
    features = [
        feature(0, 179.5, 0.0, incident="I-east"),
        feature(1, -179.5, 0.5, incident="I-west"),
        feature(2, 0.0, 0.0, incident="I-zero"),
    ]
    table = aggregate.load_table(stored(tmp_path, features))
    mask = aggregate.in_window(table, None, None)

    def seen(bounds: tuple[float, float, float, float]) -> dict[str, float]:
        m = aggregate.view_layer(table, mask, bounds, 6).markers
        assert m is not None
        return dict(zip(m.ids, m.lon.tolist(), strict=True))

    # Leaflet's bounds, panned east across the antimeridian, west across it, and panned
    # west across it twice more (west < -540): each longitude in the frame of the view.
    assert seen((-10, 170, 10, 190)) == {"art0:0": 179.5, "art0:1": 180.5}
    assert seen((-10, -190, 10, -170)) == {"art0:0": -180.5, "art0:1": -179.5}
    assert seen((-10, -910, 10, -890)) == {"art0:0": -900.5, "art0:1": -899.5}
    assert seen((-10, 175, 10, 179.9)) == {"art0:0": 179.5}
    assert seen((-10, -540, 10, 540)) == {"art0:0": 179.5, "art0:1": -179.5, "art0:2": 0.0}
    # Clustered: the antimeridian is a cell edge (the grid starts there); the two cells
    # either side, their centres close, are one cluster in the view's frame.
    pairs = [
        feature(0, 179.5, 0.0, incident="I-east"),
        feature(1, 179.7, 0.0, incident="I-east2"),
        feature(2, -179.5, 0.0, incident="I-west"),
        feature(3, -179.7, 0.0, incident="I-west2"),
        feature(4, 0.0, 0.0, incident="I-zero"),
    ]
    table = aggregate.load_table(stored(tmp_path / "pairs", pairs))
    mask = aggregate.in_window(table, None, None)
    layer = aggregate.view_layer(table, mask, (-10, 170, 10, 190), 1, max_markers=0)
    c = layer.clusters
    assert c is not None and c.events.tolist() == [4] and c.incidents.tolist() == [4]
    assert c.lon.tolist() == pytest.approx([180.0])
    assert (c.west.tolist(), c.east.tolist()) == ([179.5], [180.5])
    assert layer.counts.outside_view == 1


def test_a_higher_zoom_makes_smaller_cells(tmp_path: Path) -> None:
    # 20 points 0.3 degrees apart: at zoom 3 a 64-pixel cell is 11.25 degrees wide, at
    # zoom 10 about 0.09.
    table = aggregate.load_table(stored(tmp_path, grid_sample()))
    mask = aggregate.in_window(table, None, None)

    def clusters(zoom: int, cell_px: int = 64) -> int:
        """The cells with events: clusters, and markers for those of one incident (here
        an incident's reports stand at one point: in one cell)."""
        layer = aggregate.view_layer(table, mask, WORLD, zoom, cell_px, max_markers=0)
        c, m = layer.clusters, layer.markers
        assert c is not None and m is not None
        assert c.events.sum() + m.reports.sum() == len(table)
        return len(c.events) + len(m.ids)

    counts = [clusters(z) for z in range(2, 11)]
    assert counts[0] == 1 and counts[-1] == 20
    assert counts == sorted(counts) and len(set(counts)) > 3
    # The cell is cell_px screen pixels: 64 pixels at zoom 6 are 0.35 degrees, 256 pixels
    # are 5.6: the 5.7 degrees of points make one or two, 64 pixels more.
    assert clusters(6, 256) <= 2 < clusters(6, 64) < 20


def test_bubbles_do_not_sit_on_each_other_where_a_place_falls_on_a_cell_corner(
    tmp_path: Path,
) -> None:
    # A busy point on a corner of the grid at zoom 8 (0 N, 0 E: four cells meet there) and
    # incidents a little around it in each of the four cells.
    features = [feature(i, 0.0, 0.0, incident=f"I-{i}") for i in range(6)]
    features += [
        feature(10 + k, 0.05 * dx, 0.05 * dy, incident=f"I-near{k}")
        for k, (dx, dy) in enumerate([(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 1), (-1, -1)])
    ]
    table = aggregate.load_table(stored(tmp_path, features))
    mask = aggregate.in_window(table, None, None)
    layer = aggregate.view_layer(table, mask, WORLD, 8, max_markers=0)
    c = layer.clusters
    assert c is not None and c.events.tolist() == [12] and c.incidents.tolist() == [12]
    # Far apart, cells stay apart: at zoom 12 a cell is 0.02 degrees.
    far = aggregate.view_layer(table, mask, WORLD, 12, max_markers=0)
    assert far.clusters is not None and far.markers is not None
    assert len(far.clusters.events) + len(far.markers.ids) == 5


def test_to_json_is_arrays_for_the_browser(sample: tuple[list, Path]) -> None:
    _, data = sample
    table = aggregate.load_table(data)
    mask = aggregate.in_window(table, None, None)
    for max_markers in (0, 2000):
        payload = aggregate.view_layer(table, mask, WORLD, 5, max_markers=max_markers).to_json()
        text = json.dumps(payload, allow_nan=False)
        assert payload["counts"]["view"] == mask.sum()
        assert ("clusters" in payload) == (payload["kind"] == "clusters")
        for kind in ("markers", "clusters"):
            arrays = payload.get(kind, {})
            lengths = {len(v) for k, v in arrays.items() if k != "bounds"}
            assert len(lengths) <= 1
            assert all(payload["types"][t] in TYPES for t in arrays.get("type", []))
            if kind == "clusters" and arrays:
                assert [len(b) for b in arrays["bounds"]] == [lengths.pop()] * 4
        assert text.count('"art') == len(payload["markers"]["id"])


def test_full_records_of_a_few_events(sample: tuple[list, Path]) -> None:
    features, data = sample
    by_id = {f["properties"]["id"]: f for f in features}
    asked = ["art3:14", "art0:0", "nothing:0", "art19:79", "art0:0"]
    records = aggregate.records_by_id(data, asked)
    assert [r["properties"]["id"] for r in records] == ["art3:14", "art0:0", "art19:79"]
    for record in records:
        built = by_id[record["properties"]["id"]]
        want = {k: v for k, v in built["properties"].items() if k != "marks"}
        assert record["properties"] == want
        assert record["geometry"] == built["geometry"]
    assert records[1]["properties"]["corrected"] == {
        "place": {"was": "Old", "now": "New", "entry": 2}
    }
    assert aggregate.records_by_id(data, []) == []


def test_the_events_at_a_clicked_point_and_an_incidents_reports(
    sample: tuple[list, Path],
) -> None:
    features, data = sample
    table = aggregate.load_table(data)
    window = (D(2020, 1, 1), D(2020, 8, 1))
    shown = filters.in_window(features, *window)
    mask = aggregate.in_window(table, *window)
    edge = [f for f in shown if f["properties"]["incident_id"].startswith("I-edge")]
    assert len(edge) > 2  # several events at one point (mixed_sample's edges)
    for f in [*shown[:10], edge[0]]:
        lon, lat = f["geometry"]["coordinates"]
        click = {"lat": lat + 5e-5, "lng": lon - 5e-5}
        expected = sorted(
            filters.events_at(shown, click),
            key=lambda e: (e["properties"]["date_start"], e["properties"]["id"]),
        )
        at = aggregate.events_at(table, mask, click["lat"], click["lng"])
        assert at == [e["properties"]["id"] for e in expected] and f["properties"]["id"] in at
        # The page's longitude in another world copy: the same point.
        assert aggregate.events_at(table, mask, click["lat"], click["lng"] - 360) == at
        incident = f["properties"]["incident_id"]
        reports = {
            g["properties"]["id"] for g in features if g["properties"]["incident_id"] == incident
        }
        assert set(aggregate.incident_reports(table, f["properties"]["id"])) == reports
    assert aggregate.incident_reports(table, "no such event") == []


def test_no_store_or_a_damaged_one_is_one_line_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="campaign-map build") as missing:
        aggregate.load_table(tmp_path)
    message = str(missing.value)
    assert str(tmp_path / STORE_DIR) in message and "\n" not in message
    with pytest.raises(ValueError, match="campaign-map build"):
        aggregate.records_by_id(tmp_path, ["a:0"])

    data = stored(tmp_path / "data", [feature(0, 30, 10)])
    partition(data / STORE_DIR, "2020-05").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match="campaign-map build") as damaged:
        aggregate.load_table(data)
    assert str(data / STORE_DIR) in str(damaged.value) and "\n" not in str(damaged.value)
    with pytest.raises(ValueError, match="campaign-map build") as unread:
        aggregate.records_by_id(data, ["art0:0"])
    assert str(data / STORE_DIR) in str(unread.value) and "\n" not in str(unread.value)


def test_a_store_with_no_events_is_an_empty_map(tmp_path: Path) -> None:
    data = stored(tmp_path, [])
    table = aggregate.load_table(data)
    assert len(table) == 0
    layer = aggregate.view_layer(table, aggregate.in_window(table, None, None), WORLD, 3)
    assert layer.kind == "markers" and layer.counts.in_window == 0
    assert layer.to_json()["markers"]["id"] == []


# ---------------------------------------------------------------------------------------
# The folium element


def test_the_element_carries_the_view_and_loads_its_script(sample: tuple[list, Path]) -> None:
    _, data = sample
    table = aggregate.load_table(data)
    layer = aggregate.view_layer(table, aggregate.in_window(table, None, None), WORLD, 5)
    assert layer.markers is not None
    m = folium.Map(tiles=None)
    AggregateLayer(layer).add_to(m)
    html = make_offline(m).get_root().render()
    code = page_code(html)
    assert "window.cmAggregates = function" in code  # aggregates.js, inlined
    assert "window.cmEsc = function" in code  # escape.js, for the tooltips
    call = re.search(r"window\.cmAggregates\((\w+), (\{.*?\}),\s*(\{.*?\})\);", html, re.S)
    assert call is not None and call.group(1) == m.get_name()
    options, source = json.loads(call.group(2)), json.loads(call.group(3))
    assert source == {"data": layer.to_json()}
    assert options["styles"]["airstrike"] == ["#56B4E9", "Airstrike or shelling"]

    published: dict[str, Any] = {}

    def publish(name: str, payload: Any) -> str:
        published[name] = payload
        return f"/app/static/cm/{name}.json"

    m2 = folium.Map(tiles=None)
    group = folium.FeatureGroup(name="view").add_to(m2)
    AggregateLayer(layer.to_json(), dark=True, publish=publish).add_to(group)
    html2 = m2.get_root().render()
    assert published["aggregates"] == layer.to_json()
    assert f"window.cmAggregates({group.get_name()}," in html2
    assert '{"url": "/app/static/cm/aggregates.json"}' in html2
    assert layer.markers.ids[0] not in html2  # the data is fetched, not in the page


def test_the_element_calls_only_functions_its_scripts_define() -> None:
    import geo.map.aggregate_layer as module

    scripts = "".join((STATIC / name).read_text("utf-8") for name in module.AGGREGATE_JS)
    defined = set(re.findall(r"window\.(cm\w+) = function", scripts))
    called = set(re.findall(r"window\.(cm\w+)\(", Path(module.__file__).read_text("utf-8")))
    used = set(re.findall(r"window\.(cm\w+)\(", (STATIC / "aggregates.js").read_text("utf-8")))
    assert called and called <= defined and used <= defined


def test_types_by_frequency_break_ties_by_name(tmp_path: Path) -> None:
    features = [
        feature(0, 30.0, 10.0, event_type="capture"),
        feature(1, 30.1, 10.0, event_type="airstrike"),
    ]
    table = aggregate.load_table(stored(tmp_path, features))
    c = aggregate.view_layer(
        table, aggregate.in_window(table, None, None), WORLD, 3, max_markers=0
    ).clusters
    assert c is not None and [table.type_names[t] for t in c.type_code] == ["airstrike"]
    assert Counter(table.type_names[t] for t in table.type_code) == {"capture": 1, "airstrike": 1}
