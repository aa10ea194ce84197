"""The app's page for a large corpus (geo.app.large_corpus): when it takes over, the view
the map reports, the first zoom, the window, the weeks, a click's records. Events made for
the test (tests/test_aggregate.py's builder)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import numpy as np
import pytest

from geo.app import large_corpus
from geo.app.large_corpus import MapView
from geo.map import aggregate, filters
from tests.test_aggregate import feature, stored

D = datetime.date


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    features = [
        feature(0, 32.30, 2.77, "2021-05-03", "2021-05-03", "capture", incident="I-a"),
        feature(1, 32.31, 2.78, "2021-05-04", "2021-05-04", "capture", incident="I-a", precision=2),
        feature(2, 30.91, 3.02, "2021-05-10", "2021-05-12", "airstrike"),
        feature(3, 30.91, 3.02, "2021-06-01", "2021-06-01", "offensive"),
        feature(4, 31.00, 3.10, None, None, "meeting"),
    ]
    return stored(tmp_path_factory.mktemp("large"), features)


def test_the_store_says_its_size_from_its_footers(data: Path, tmp_path: Path) -> None:
    assert large_corpus.store_event_count(data) == 5
    assert large_corpus.store_event_count(tmp_path) == 0  # no store: the dashboard


def test_the_view_the_map_reported_or_the_first(data: Path) -> None:
    first = MapView((0.0, 30.0, 5.0, 33.0), 7)
    reported = {
        "bounds": {
            "_southWest": {"lat": 2.5, "lng": 32.0},
            "_northEast": {"lat": 3.0, "lng": 32.6},
        },
        "zoom": 11,
    }
    assert large_corpus.view_from(reported, first) == MapView((2.5, 32.0, 3.0, 32.6), 11)
    # Before the map has reported (streamlit-folium's first value has no bounds).
    assert large_corpus.view_from({"bounds": None, "zoom": None}, first) == first
    assert large_corpus.view_from(None, first) == first


@pytest.mark.parametrize(
    ("box", "zoom"),
    [
        ((-180.0, -60.0, 180.0, 75.0), 3),  # the world: the map's least zoom
        ((20.0, -5.0, 45.0, 12.0), 5),  # a region, in 920 x 540 pixels
        ((32.0, 2.5, 33.0, 3.5), 8),  # a degree (zoom 9 would fit): no closer than the fit's
        ((32.29, 2.77, 32.30, 2.78), 8),  # one town
    ],
)
def test_the_first_zoom_frames_the_events(box: tuple[float, ...], zoom: int) -> None:
    assert large_corpus.fitted_zoom(box, 1000, 620) == zoom  # type: ignore[arg-type]


def test_the_window_and_types_are_the_dashboards(data: Path) -> None:
    table = aggregate.load_table(data)
    features = filters.numbered(
        [f for f in aggregate.records_by_id(data, [str(i) for i in table.ids])]
    )
    ids = np.array([str(i) for i in table.ids])
    window = (D(2021, 5, 4), D(2021, 5, 10))
    mask = large_corpus.window_mask(table, window, frozenset())
    expected = {f["properties"]["id"] for f in filters.in_window(features, *window)}
    assert set(ids[mask]) == expected and len(expected) == 2
    mask = large_corpus.window_mask(table, window, frozenset({"airstrike"}))
    assert [str(i) for i in ids[mask]] == ["art0:2"]
    # No dated event, no window: every event of the types.
    assert large_corpus.window_mask(table, None, frozenset({"meeting"})).sum() == 1
    assert large_corpus.date_span(table) == (D(2021, 5, 3), D(2021, 6, 1))


def test_events_a_week_start_on_mondays(data: Path) -> None:
    table = aggregate.load_table(data)
    weeks = large_corpus.weekly_counts(table, frozenset())
    # 3 May 2021 was a Monday: the week of 3-9 May has three events, of 10 May one.
    assert weeks == {D(2021, 5, 3): 2, D(2021, 5, 10): 1, D(2021, 5, 31): 1}
    assert all(day.weekday() == 0 for day in weeks)
    assert large_corpus.weekly_counts(table, frozenset({"meeting"})) == {}  # undated only


def test_a_click_reads_its_event_and_its_incidents_reports(data: Path) -> None:
    table = aggregate.load_table(data)
    everything = np.ones(len(table), dtype=bool)
    picked = large_corpus.picked_records(
        data, table, everything, {"lat": 2.78, "lng": 32.31, "id": "art0:1"}
    )
    assert [f["properties"]["id"] for f in picked] == ["art0:1", "art0:0"]
    # A bubble whose events stand at one point reports the point: its events, oldest first.
    at_point = large_corpus.picked_records(data, table, everything, {"lat": 3.02, "lng": 30.91})
    assert [f["properties"]["id"] for f in at_point] == ["art0:2", "art0:3"]
    assert large_corpus.picked_records(data, table, everything, None) == []


def test_the_count_line(data: Path) -> None:
    table = aggregate.load_table(data)
    mask = large_corpus.window_mask(table, (D(2021, 5, 1), D(2021, 6, 30)), frozenset())
    view = MapView((2.7, 32.2, 2.9, 32.4), 12)  # around the incident's two reports
    line = large_corpus.count_line(large_corpus.layer_for(table, mask, view))
    assert line == "4 events in the window · 2 in view (1 incidents) · 2 outside the view"


def test_the_html_download_holds_the_window_or_its_recent_stretch(data: Path) -> None:
    table = aggregate.load_table(data)
    may, june = (D(2021, 5, 1), D(2021, 5, 31)), (D(2021, 6, 2), D(2021, 6, 30))
    assert large_corpus.export_choice(table, may, frozenset(), most=3) == (
        may,
        "The window's 3 events in full, the others as counts: one self-contained HTML file "
        "that works offline",
    )
    # Too many: the stretch ending on the window's last day that fits.
    chosen, help_text = large_corpus.export_choice(table, may, frozenset(), most=2)
    assert chosen == (D(2021, 5, 4), D(2021, 5, 31))
    assert help_text == (
        "The window holds 3 events, more than an export holds in full (2): the file holds "
        "4 May 2021 to 31 May 2021 in full, the others as counts"
    )
    whole = (D(2021, 5, 1), D(2021, 6, 1))
    assert large_corpus.export_choice(table, whole, frozenset({"capture"}), most=1)[0] == (
        D(2021, 5, 4),
        D(2021, 6, 1),
    )
    chosen, help_text = large_corpus.export_choice(table, whole, frozenset(), most=0)
    assert chosen is None and help_text.startswith("1 Jun 2021 alone holds more events")
    assert large_corpus.export_choice(table, june, frozenset(), most=5)[0] is None


def test_the_table_is_read_once_per_store_version(tmp_path: Path, monkeypatch) -> None:
    """The app's server reads a large store when it starts (read_large_store); the app's
    first visitor then gets that table, not a second read; a new build, a new read."""
    from geo.app import server

    data = stored(tmp_path / "data", [feature(i, 30.0 + i, 10.0, "2021-05-03") for i in range(6)])
    monkeypatch.setenv(server.DATA_ENV, str(data))
    monkeypatch.setattr(aggregate, "LARGE_EVENTS", 5)
    reads = []
    real_load = aggregate.load_table
    monkeypatch.setattr(aggregate, "load_table", lambda d: reads.append(d) or real_load(d))
    server.read_large_store()
    assert len(reads) == 1
    table = aggregate.load_table_once(data, aggregate.store_stamp(data))
    assert len(reads) == 1 and len(table) == 6
    stored(data, [feature(i, 30.0 + i, 10.0, "2021-05-03") for i in range(7)])
    months = data / aggregate.STORE_DIR / "_months.json"
    os.utime(months, (months.stat().st_atime, months.stat().st_mtime + 5))  # a later build
    assert len(aggregate.load_table_once(data)) == 7 and len(reads) == 2
    # A corpus below the threshold: nothing read. A store that cannot be read: nothing
    # raised (the app says what is wrong when a visitor comes).
    monkeypatch.setattr(aggregate, "LARGE_EVENTS", 50)
    server.read_large_store()
    assert len(reads) == 2
    monkeypatch.setattr(aggregate, "LARGE_EVENTS", 5)
    os.utime(months, (months.stat().st_atime, months.stat().st_mtime + 5))

    def unreadable(d: Path) -> None:
        raise ValueError(f"{d}: the event store cannot be read")

    monkeypatch.setattr(aggregate, "load_table", unreadable)
    server.read_large_store()
