"""The app in a real browser: map, markers, slider, marker click, offline (the briefing view:
test_briefing.py)."""

from __future__ import annotations

import time

from geo.app import dashboard

from .conftest import open_a_popup, screenshot, wait_map_data

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def open_map(pg, url: str):
    pg.goto(url, wait_until="domcontentloaded")
    pg.wait_for_selector(MAP_FRAME, timeout=60_000)
    frame = pg.locator(MAP_FRAME).last.content_frame
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    frame.locator("html[data-visible-events]").wait_for(state="attached", timeout=60_000)
    wait_map_data(frame)  # the attribute can come before the events' data
    return frame


def visible_events(frame) -> int:
    return int(frame.locator("html").get_attribute("data-visible-events"))


def wait_events(frame, accept, timeout: float = 30.0) -> int:
    """Poll the map frame's visible-event count until `accept(count)`; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        count = visible_events(frame)
        if accept(count) or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def test_map_slider_marker_and_offline(page, app_url) -> None:
    pg, log, errors = page
    frame = open_map(pg, app_url)
    total = visible_events(frame)
    assert total > 30
    assert frame.locator(".cm-legend").is_visible()
    markers = frame.locator("path.cm-event, .marker-cluster")
    assert markers.count() > 3
    screenshot(pg, "app-desk")

    # Move the start of the date range to the end: fewer events overlap.
    thumb = pg.locator('.st-key-date_range input[type="range"]').first
    thumb.focus()
    mounted = frame.locator("html").get_attribute("data-mounted-at")
    thumb.press("End")
    frame = pg.locator(MAP_FRAME).last.content_frame
    assert wait_events(frame, lambda n: n < total) < total
    # Only the event layer changed: the map was not rebuilt or remounted.
    assert frame.locator("html").get_attribute("data-mounted-at") == mounted
    screenshot(pg, "app-slider-moved")
    thumb.press("Home")
    assert wait_events(frame, lambda n: n == total) == total
    # The page's own scripts came once each, as files from the app's static files, however
    # many updates followed (an update carries data and a call, not code).
    loaded = frame.locator("script[src]").evaluate_all(
        "scripts => scripts.map(s => new URL(s.src).pathname.split('/').pop())"
    )
    for name in ("escape", "popup", "filter", "layers", "basemap"):
        assert len([f for f in loaded if f.startswith(f"{name}-") and f.endswith(".js")]) == 1, (
            name,
            loaded,
        )

    # Click a marker (open clusters first) and read its snippet in the popup.
    popup = open_a_popup(pg, frame).locator(".cm-snippet")
    assert len(popup.inner_text()) > 20
    assert frame.locator(".leaflet-popup-content mark").count() >= 1
    screenshot(pg, "app-popup")
    # The click also fills the details panel beside the map.
    pg.locator(".cm-popup").first.wait_for(timeout=20_000)

    assert log.remote() == [], log.remote()
    assert not [e for e in errors if "dialog" in e], errors


def test_picking_a_table_row_shows_its_event(page, app_url) -> None:
    """ "Pick an event in the list": a row of the events table fills the details panel."""
    pg, log, errors = page
    open_map(pg, app_url)
    assert pg.locator(".cm-popup").count() == 0  # nothing picked yet
    grid = pg.locator('.st-key-event_table [data-testid="stDataFrame"]')
    grid.scroll_into_view_if_needed()
    # glide-data-grid draws on a canvas and mirrors its cells in a hidden table: the
    # fourth row's cells, in the table's column order (dashboard.TABLE_COLUMNS).
    grid.locator("tr").nth(4).locator("td").first.wait_for(state="attached", timeout=20_000)
    cells = (
        grid.locator("tr")
        .nth(4)
        .locator("td")
        .evaluate_all("cells => cells.map(c => c.textContent)")
    )
    place, snippet = (cells[dashboard.TABLE_COLUMNS.index(c)] for c in ("place", "snippet"))
    box = grid.locator("canvas").first.bounding_box()
    assert box is not None
    # Row height and header height are glide-data-grid's defaults in Streamlit (35 px);
    # the row-marker column (the selection box) is the leftmost.
    pg.mouse.click(box["x"] + 15, box["y"] + 35 + 3 * 35 + 17)
    # The picked event comes first among the events of its place.
    details = pg.locator(".cm-popup").first
    details.wait_for(timeout=20_000)
    assert place in details.locator(".cm-type").inner_text(), (place, cells)
    assert " ".join(details.locator(".cm-snippet").inner_text().split()) == " ".join(
        snippet.split()
    ), cells
    screenshot(pg, "app-table-pick")
    assert not [e for e in errors if "dialog" in e], errors
