"""View options the user switches: tile layers (off by default; presets and a local server),
the briefing URL's pace, and the playback timer."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.app import playback
from geo.map import filters, view
from geo.map.assets import remote_urls
from geo.map.tiles import PRESETS, TileConfigError, local_source, tile_sources


def test_no_tile_layer_unless_one_is_chosen() -> None:
    page = view.finish(view.base_map()).get_root().render()
    assert "L.tileLayer" not in page and remote_urls(page) == []


def test_a_chosen_tile_layer_replaces_the_offline_basemap() -> None:
    m = view.base_map(view.MapOptions(tiles=PRESETS["osm"]))
    page = view.finish(m).get_root().render()
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in page
    assert "OpenStreetMap" in page and "BasemapLayer" not in page
    assert remote_urls(page) == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]


def test_local_tile_server_from_the_environment() -> None:
    assert local_source({}) is None
    assert set(tile_sources({})) == {"osm", "dark"}
    env = {"CAMPAIGN_MAP_TILE_URL": "http://10.0.0.5:8080/t/{z}/{x}/{y}.png"}
    local = tile_sources(env)["local"]
    assert local.url == env["CAMPAIGN_MAP_TILE_URL"] and local.attribution == "Tiles: 10.0.0.5:8080"
    env["CAMPAIGN_MAP_TILE_ATTRIBUTION"] = "Base map: our GIS team"
    assert local_source(env).attribution == "Base map: our GIS team"


@pytest.mark.parametrize(
    "url, problem",
    [
        ("tiles.example.org/{z}/{x}/{y}.png", "not an http(s) URL"),
        ("file:///srv/tiles/{z}/{x}/{y}.png", "not an http(s) URL"),
        ("http://10.0.0.5/tiles/{z}/{x}.png", "needs {y}"),
    ],
)
def test_unusable_tile_urls_are_refused_with_the_reason(url: str, problem: str) -> None:
    with pytest.raises(TileConfigError, match="CAMPAIGN_MAP_TILE_URL") as error:
        local_source({"CAMPAIGN_MAP_TILE_URL": url})
    assert problem in str(error.value)


def test_briefing_pace_from_the_url() -> None:
    session: dict = {}
    playback.init_pace(session, {"speed": "0.2", "step": "month"})
    assert session == {"speed": 0.2, "step": "month"}
    assert playback.speed_choices(0.2) == [0.2, 0.5, 1.0, 2.0, 4.0]
    for bad in ({"speed": "fast"}, {"speed": "0"}, {"speed": "1e9"}, {"step": "year"}):
        session = {}
        playback.init_pace(session, bad)
        assert session == {"speed": 1.0, "step": "week"}
    session = {"speed": 4.0, "step": "day"}  # a later visit keeps what the user chose
    playback.init_pace(session, {"speed": "0.2", "step": "month"})
    assert session == {"speed": 4.0, "step": "day"}


def test_in_window_keeps_overlapping_dated_events() -> None:
    def event(start: str | None, end: str | None) -> dict:
        return {"properties": {"date_start": start, "date_end": end}}

    events = [
        event("2015-01-01", "2015-01-31"),
        event("2015-03-01", "2015-03-01"),
        event(None, None),
    ]
    day = datetime.date.fromisoformat
    assert filters.in_window(events, day("2015-01-31"), day("2015-02-28")) == events[:1]
    assert filters.in_window(events, day("2015-02-01"), day("2015-02-28")) == []
    assert filters.in_window(events, None, None) == events[:2]


DAYS = st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31))


@st.composite
def dated_events(draw: st.DrawFn) -> dict:
    if draw(st.booleans()):
        return {"properties": {"date_start": None, "date_end": None}}
    start, end = sorted((draw(DAYS), draw(DAYS)))
    return {"properties": {"date_start": start.isoformat(), "date_end": end.isoformat()}}


@given(st.lists(dated_events(), max_size=30), st.none() | DAYS, st.none() | DAYS)
def test_in_window_is_overlaps_for_every_event(
    events: list[dict], start: datetime.date | None, end: datetime.date | None
) -> None:
    """The slider's fast path keeps exactly the events `overlaps` keeps, in their order."""
    assert filters.in_window(events, start, end) == [
        e for e in events if filters.overlaps(e["properties"], start, end)
    ]


def test_playback_steps_on_its_timer_only() -> None:
    session: dict = {}
    assert not playback.step_due(session, 1.0, now=100.0)  # the first window stays on screen
    assert not playback.step_due(session, 1.0, now=100.3)  # a rerun (a filter changed)
    assert playback.step_due(session, 1.0, now=101.0)  # the timer
    assert not playback.step_due(session, 1.0, now=101.5)
    assert playback.step_due(session, 1.0, now=102.1)
