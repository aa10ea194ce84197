"""A large corpus in Chromium: 60,000 synthetic events in the build's store
(benchmarks/map_scale.py writes them as a build would). The app takes the large corpus's
page (geo.app.large_corpus): the map gets clusters made on the server, then markers once
zoomed in; a click on a marker shows that event's details; nothing leaves the machine.
Its export (geo.map.large_export) opens from file://: one window's events in full, the
rest as grey counts that follow the zoom."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.map_scale import write_synthetic_store
from geo.app.large_corpus import LARGE_EVENTS
from geo.cli import main
from geo.map import aggregate, large_export
from geo.map.aggregate import records_by_id

from .conftest import file_page, open_a_popup, running_app, screenshot

EVENTS = 60_000
assert EVENTS >= LARGE_EVENTS

# The aggregate layer on the map now (aggregates.js keeps it in window.cmAggregateGroup).
LAYER_JS = """() => {
    const g = window.cmAggregateGroup;
    if (!g || !g._map) { return null; }
    const layers = g.getLayers();
    return {kind: g.cmKind, count: layers.length,
            labelled: layers.filter((l) => l.options.label).length};
}"""

# The pixel of a marker (a circle without a count) that no other marker or bubble is near,
# inside the map's frame: a click there can only be that marker's.
MARKER_PIXEL_JS = """() => {
    const g = window.cmAggregateGroup, map = g._map, size = map.getSize();
    const all = g.getLayers().map((l) => [l, map.latLngToContainerPoint(l.getLatLng())]);
    const alone = all.find(([l, p]) => !l.options.label
        && p.x > 30 && p.y > 30 && p.x < size.x - 30 && p.y < size.y - 30
        && all.every(([o, q]) => o === l || p.distanceTo(q) > 16));
    if (!alone) { return null; }
    const box = map.getContainer().getBoundingClientRect();
    return {x: box.left + alone[1].x, y: box.top + alone[1].y, id: alone[0].cmId};
}"""


# The layer on the map was made for the map's present zoom.
CURRENT_JS = """() => { const g = window.cmAggregateGroup;
    return !!(g && g._map && g.cmZoom === g._map.getZoom()); }"""

# Two zoom levels closer, on the smallest bubble in view (a quiet place: markers come soon;
# else the first marker).
ZOOM_IN_JS = """() => {
    const g = window.cmAggregateGroup, map = g._map, layers = g.getLayers();
    const bubbles = layers.filter((l) => l.options.label);
    const target = bubbles.length
        ? bubbles.reduce((a, b) => (a.options.radius <= b.options.radius ? a : b))
        : layers[0];
    map.setView(target.getLatLng(), Math.min(map.getMaxZoom(), map.getZoom() + 2));
}"""


@pytest.fixture(scope="module")
def large_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("large") / "mapdata"
    write_synthetic_store(EVENTS, data)
    return data


@pytest.fixture(scope="module")
def large_app(large_data: Path) -> Iterator[str]:
    corpus = large_data.parent / "corpus"
    corpus.mkdir()
    with running_app(corpus, large_data) as url:
        yield url


def layer(frame) -> dict:
    handle = frame.wait_for_function(LAYER_JS, timeout=60_000)
    return handle.json_value()


def test_a_large_corpus_is_drawn_from_the_server_and_a_marker_opens_its_details(
    page, large_app: str, large_data: Path
) -> None:
    pg, log, errors = page
    pg.goto(large_app)
    pg.get_by_text(f"{EVENTS:,} events: a large corpus").wait_for(timeout=60_000)
    frame_element = pg.locator('iframe[title="streamlit_folium.st_folium"]')
    frame_element.wait_for(timeout=60_000)
    frame = frame_element.element_handle().content_frame()
    first = layer(frame)
    assert first["kind"] == "clusters" and first["labelled"] > 0, first
    assert first["count"] < 2_000  # the browser holds bubbles, not the events
    # Every dated event is in the first window (the whole span); the undated are not.
    assert re.search(r"[\d,]+ events in the window · [\d,]+ in view", pg.inner_text("body"))
    # Zoom in on a bubble, then on a marker, until the server sends markers and one of them
    # stands alone (as a person zooms in to click one).
    where = None
    for _ in range(10):
        # The layer the server made for the map's zoom now (not one for the view before).
        frame.wait_for_function(CURRENT_JS, timeout=60_000)
        if layer(frame)["kind"] == "markers":
            where = frame.evaluate(MARKER_PIXEL_JS)
            if where:
                break
        frame.evaluate(ZOOM_IN_JS)
    assert where, "no marker alone in view after ten zooms"
    frame_element.scroll_into_view_if_needed()  # all of the map on the screen: any marker
    frame_box = frame_element.bounding_box()
    pg.mouse.click(frame_box["x"] + where["x"], frame_box["y"] + where["y"])
    # The details panel shows that event (read from the store by its id): exact, not the
    # nearest event to the mouse.
    (record,) = records_by_id(large_data, [where["id"]])
    snippet = record["properties"]["snippet"]
    pg.locator("blockquote.cm-snippet").first.wait_for(timeout=60_000)
    assert pg.locator("blockquote.cm-snippet").first.inner_text().strip() == snippet.strip()
    assert not log.remote(), log.remote()
    assert not errors, errors


def test_the_large_page_downloads_its_windows_map(page, large_app: str, large_data: Path) -> None:
    """The window is the whole span at first: more than an export holds in full, so the file
    holds its most recent stretch that fits, and says so."""
    pg, log, errors = page
    pg.goto(large_app)
    button = pg.get_by_role("button", name="Download HTML map")
    button.wait_for(timeout=60_000)
    button.hover()  # its help: what the file holds
    pg.get_by_text("more than an export holds in full").wait_for(timeout=10_000)
    screenshot(pg, "large-page-download")
    table = aggregate.load_table(large_data)
    window = large_export.recent_window(table, None, large_export.EXPORT_MOST_EVENTS)
    with pg.expect_download(timeout=120_000) as download:
        button.click()
    assert download.value.suggested_filename == f"campaign-map-{window[0]}-{window[1]}.html"
    page_text = re.sub(r"\s+", " ", Path(download.value.path()).read_text(encoding="utf-8"))
    held = large_export.window_events(large_data, table, window, frozenset())
    assert f"this file holds in full the {len(held):,} events of" in page_text
    assert "window.cmZoomAggregates(" in page_text
    assert not log.remote(), log.remote()
    assert not errors, errors


# The export's overview (aggregates.js keeps it in window.cmOverviewGroup).
OVERVIEW_JS = """() => {
    const g = window.cmOverviewGroup;
    if (!g || !g._map || g.cmZoom === undefined) { return null; }
    return {zoom: g.cmZoom, mapZoom: g._map.getZoom(), count: g.getLayers().length};
}"""


def test_a_large_corpus_exports_a_window_in_full_and_the_rest_as_counts(
    browser, large_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "large.html"
    assert main(["export", "--data", str(large_data), "--out", str(out)]) == 0
    table = aggregate.load_table(large_data)
    window = large_export.export_window(table, None, None, frozenset())
    held = large_export.window_events(large_data, table, window, frozenset())
    assert 0 < len(held) <= large_export.EXPORT_MOST_EVENTS
    outside = len(table) - len(held)
    with file_page(browser, {"width": 1400, "height": 900}) as (pg, errors):
        pg.goto(out.as_uri())
        pg.wait_for_selector("html[data-visible-events]", state="attached", timeout=60_000)
        # The time control opens on the window: all its events, and no other, are shown.
        assert int(pg.locator("html").get_attribute("data-visible-events")) == len(held)
        first = pg.wait_for_function(OVERVIEW_JS, timeout=30_000).json_value()
        assert first["count"] > 0 and first["zoom"] == first["mapZoom"], first
        key = pg.locator(".cm-overview-key").inner_text()
        assert f"{outside:,} events outside this file's window" in key
        screenshot(pg, "large-export")
        # Closer: the overview made for that zoom, more parted.
        pg.evaluate("() => { const m = window.cmOverviewGroup._map; m.setZoom(m.getZoom() + 2); }")
        pg.wait_for_function(
            "(zoom) => window.cmOverviewGroup.cmZoom === zoom",
            arg=first["zoom"] + 2,
            timeout=30_000,
        )
        closer = pg.evaluate(OVERVIEW_JS)
        assert closer["count"] != first["count"], (first, closer)
        pg.evaluate("() => { const m = window.cmOverviewGroup._map; m.setZoom(m.getZoom() - 2); }")
        # A marker of the window opens its popup: that event's own sentence.
        snippet = open_a_popup(pg).locator(".cm-snippet").first.inner_text().strip()
        assert snippet in {f["properties"]["snippet"].strip() for f in held}
        pg.get_by_text("About this map").click()
        about = pg.locator(".cm-title details").inner_text()
        assert f"this file holds in full the {len(held):,} events of" in about
        assert not errors, errors
