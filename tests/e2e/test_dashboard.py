"""The analyst dashboard in a real browser: the spelling-insensitive place search, the details
panel following marker clicks, the date controls by keyboard, and a copied link that opens
the same view in a new page.

Expected numbers are worked out from the built events with `geo.map.filters`, as the app
does; the places clicked are whichever the seeds put on the map.
"""

from __future__ import annotations

import struct
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from geo.app import dashboard, share
from geo.map import filters
from geo.map.framing import count_label
from geo.pipeline.places.names import fold

from .conftest import frame_of, screenshot, wait_map_still
from .test_app import MAP_FRAME, open_map, visible_events, wait_events

# The visible point markers of the map by place (in the order the page holds them): each
# place's markers as {i (index), id, place, sn (sentence)}.
PLACES_JS = """() => {
    const layer = window.campaignLayers.find(l => l.kind === "points");
    const by = new Map();
    layer.markers.forEach((m, i) => {
        const p = m.feature.properties, at = p.x + "," + p.y;
        if (!m.cmOn) { return; }
        if (!by.has(at)) { by.set(at, []); }
        // A click names the incident's newest shown report (geo/map/static/layers.js).
        const q = (m.cmShown && m.cmShown[0]) || p;
        by.get(at).push({i, id: q.id, place: p.pl, sn: q.sn});
    });
    return [...by.values()];
}"""
# Zoom in or spiderfy until the marker is on the map by itself (Leaflet.markercluster's own
# way). That calls back only after a move or a spiderfy, so a marker already shown (or a
# move that did not happen) resolves at once or after a while.
SHOW_MARKER_JS = """([i]) => new Promise(done => {
    const layer = window.campaignLayers.find(l => l.kind === "points");
    const marker = layer.markers[i];
    window.map.closePopup();
    if (window.map.hasLayer(marker) && window.map.getBounds().contains(marker.getLatLng())) {
        done(true);
        return;
    }
    layer.cluster.zoomToShowLayer(marker, () => done(true));
    setTimeout(() => done(false), 3000);
})"""
# Where marker i's centre is in the frame, once nothing covers it there (a spiderfied
# marker is still under its cluster's bubble until its leg has grown); null until then.
MARKER_AT_JS = """([i]) => {
    const el = window.campaignLayers.find(l => l.kind === "points").markers[i].getElement();
    if (!el) { return null; }
    const r = el.getBoundingClientRect(), x = r.x + r.width / 2, y = r.y + r.height / 2;
    return document.elementFromPoint(x, y) === el ? [x, y] : null;
}"""


def details_first(pg) -> tuple[str, str]:
    """The details panel's first event: its heading (type · place) and its sentence."""
    first = pg.locator(".cm-popup").first
    return first.locator(".cm-type").inner_text(), first.locator(".cm-snippet").inner_text()


def words(text: str) -> str:
    return " ".join(text.split())


def click_marker(pg, frame, markers: list[dict]) -> dict:
    """A person's click on one of a place's markers: made visible on its own first (zoomed
    in or spiderfied), the map still, the pointer on the marker's centre. The first marker
    that nothing covers is clicked (the innermost of a spiral of many lie under their
    cluster's bubble); returns it."""
    where = frame_of(frame)
    for marker in markers:
        where.evaluate(SHOW_MARKER_JS, [marker["i"]])
        wait_map_still(frame)
        try:
            handle = where.wait_for_function(MARKER_AT_JS, arg=[marker["i"]], timeout=2_000)
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: covered, try another
            continue
        x, y = handle.json_value()
        box = pg.locator(MAP_FRAME).last.bounding_box()
        assert box is not None
        pg.mouse.click(box["x"] + x, box["y"] + y)
        return marker
    raise AssertionError(f"every marker of {markers[0]['place']} is covered")


def test_three_marker_clicks_fill_the_details_panel(page, app_url) -> None:
    """Each click on a marker (three places, one after another) shows that marker's event
    first in the details panel beside the map, and its popup on the map."""
    pg, log, errors = page
    frame = open_map(pg, app_url)
    pg.locator(MAP_FRAME).last.scroll_into_view_if_needed()
    places = frame_of(frame).evaluate(PLACES_JS)
    assert len(places) >= 3, places
    for markers in places[:3]:
        place = click_marker(pg, frame, markers)
        # The popup on the map, and the panel beside it, name the clicked event's place.
        frame.locator(".leaflet-popup-content .cm-type").first.wait_for(timeout=10_000)
        pg.wait_for_function(
            """([id, sentence]) => {
                const first = document.querySelector(".cm-popup .cm-snippet");
                return first && first.innerText.replace(/\\s+/g, " ").trim() === sentence;
            }""",
            arg=[place["id"], words(place["sn"])],
            timeout=20_000,
        )
        heading, _ = details_first(pg)
        assert place["place"] in heading, (place, heading)
    screenshot(pg, "app-three-clicks")
    assert log.remote() == [], log.remote()
    assert not [e for e in errors if "dialog" in e], errors


# A point of the first province outline that a click there would hit (no marker, label or
# control over it), in the map frame's pixels, and the province's first event.
REGION_POINT_JS = """() => {
    const regions = window.campaignLayers.find(l => l.kind === "regions");
    let found = null;
    regions.layer.eachLayer(r => {
        if (found || !r.feature.properties.members.length) { return; }
        const map = r._map, b = r.getBounds(), path = r.getElement();
        for (let i = 1; i < 10 && !found; i++) {
            for (let j = 1; j < 10 && !found; j++) {
                const ll = L.latLng(b.getSouth() + (b.getNorth() - b.getSouth()) * i / 10,
                                    b.getWest() + (b.getEast() - b.getWest()) * j / 10);
                const p = map.latLngToContainerPoint(ll);
                if (document.elementFromPoint(p.x, p.y) === path) {
                    found = {x: p.x, y: p.y, place: r.feature.properties.members[0].pl};
                }
            }
        }
    });
    return found;
}"""


def test_a_click_on_a_province_outline_fills_the_details_panel(page, app_url) -> None:
    pg, _, errors = page
    frame = open_map(pg, app_url)
    pg.locator(MAP_FRAME).last.scroll_into_view_if_needed()
    wait_map_still(frame)
    point = frame_of(frame).evaluate(REGION_POINT_JS)
    assert point is not None  # the seeds have province events with an outline in view
    box = pg.locator(MAP_FRAME).last.bounding_box()
    assert box is not None
    pg.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    pg.wait_for_function(
        "(place) => Array.from(document.querySelectorAll('.cm-popup .cm-type'))"
        ".some(e => e.innerText.includes(place))",
        arg=point["place"],
        timeout=20_000,
    )
    heading, _ = details_first(pg)
    assert point["place"] in heading, (point, heading)
    assert not [e for e in errors if "dialog" in e], errors


def test_place_search_ignores_diacritics(page, app_url, app_data: tuple[Path, Path]) -> None:
    """ "Tikrit" finds the events at the town the gazetteer spells "Tikrīt" (whichever of the
    two the build shows): the map, the period line and the table agree."""
    pg, log, errors = page
    events = filters.load_events(app_data[1] / "events.geojson")
    assert any(fold(f["properties"]["place"]) == "tikrit" for f in events)
    frame = open_map(pg, app_url)
    total = visible_events(frame)
    search = pg.get_by_label("Place search")
    search.fill("Tikrit")
    search.press("Enter")
    count = wait_events(frame, lambda n: n != total)
    assert 0 < count < total
    window = parse_window(pg.url, events)
    shown = filters.in_window(
        filters.filter_events(events, filters.EventFilter(place_query="Tikrit")), *window
    )
    at_tikrit = [
        f for f in filters.in_window(events, *window) if fold(f["properties"]["place"]) == "tikrit"
    ]
    assert at_tikrit and all(f in shown for f in at_tikrit)
    assert count_label(shown) in pg.locator(".cm-period").inner_text()
    # The table lists them all (its heading counts them).
    heading = pg.get_by_role("heading", name=f"Events ({len(shown)})")
    heading.scroll_into_view_if_needed()
    heading.wait_for(timeout=20_000)
    screenshot(pg, "app-search-tikrit")
    assert log.remote() == [], log.remote()


def parse_window(url: str, events):
    """The date window a page's URL carries (the whole span if none)."""
    view = share.parse({k: v for k, v in parse_qs(urlparse(url).query).items()})
    span = filters.date_range(events)
    assert span is not None
    return view.start or span[0], view.end or span[1]


def type_date(pg, key: str, day: str) -> None:
    """Type a date into a date input by keyboard: its year field, the digits, Esc."""
    pg.locator(f".st-key-{key} [data-type=year]").click()
    pg.keyboard.type(day.replace("-", ""))
    pg.keyboard.press("Escape")


def test_copied_link_restores_the_view(page, browser, app_url) -> None:
    """Window (typed by keyboard), a filter, a picked event and the map's zoom go into the
    URL; the link shown by "Copy link" is that URL, and opened in a new page it shows the
    same window, filter, event and zoom."""
    pg, log, errors = page
    frame = open_map(pg, app_url)
    type_date(pg, "date_from", "2015-03-01")
    pg.wait_for_function("() => location.search.includes('from=2015-03-01')", timeout=20_000)
    type_date(pg, "date_to", "2015-06-30")
    pg.wait_for_function("() => location.search.includes('to=2015-06-30')", timeout=20_000)
    search = pg.get_by_label("Place search")
    search.fill("Tikrit")
    search.press("Enter")
    pg.wait_for_function("() => location.search.includes('place=Tikrit')", timeout=20_000)
    places = frame_of(frame).evaluate(PLACES_JS)
    assert places, "Tikrit has events in spring 2015"
    clicked = click_marker(pg, frame, places[0])
    pg.wait_for_function(
        "([id]) => new URL(location.href).searchParams.get('event') === id",
        arg=[clicked["id"]],
        timeout=20_000,
    )
    frame.locator(".leaflet-control-zoom-out").click()
    wait_map_still(frame)
    zoom = frame_of(frame).evaluate("() => window.map.getZoom()")
    pg.wait_for_function(
        "([z]) => (new URL(location.href).searchParams.get('map') || '').endsWith(',' + z)",
        arg=[zoom],
        timeout=20_000,
    )
    time.sleep(0.5)  # the last report of the map's move (debounced 250 ms by the page)
    link = pg.url
    period, panel = pg.locator(".cm-period").inner_text(), details_first(pg)
    # "Copy link" shows the same address (with its own copy button).
    pg.get_by_role("button", name="Copy link").click()
    shown = pg.locator('[data-testid="stPopoverBody"] code').inner_text()
    assert parse_qs(urlparse(words(shown)).query) == parse_qs(urlparse(link).query)

    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        other = context.new_page()
        other_frame = open_map(other, link)
        wait_map_still(other_frame)
        assert other.locator(".cm-period").inner_text() == period
        assert other.get_by_label("Place search").input_value() == "Tikrit"
        assert other_frame.locator("html").get_attribute("data-visible-events") == (
            frame.locator("html").get_attribute("data-visible-events")
        )
        assert frame_of(other_frame).evaluate("() => window.map.getZoom()") == zoom
        other.locator(".cm-popup").first.wait_for(timeout=20_000)
        assert details_first(other) == panel
        screenshot(other, "app-link-restored")
    finally:
        context.close()
    assert log.remote() == [], log.remote()


def test_download_png_of_the_current_view(page, app_url) -> None:
    """ "Download PNG" gives a picture of the slide size, made when the button is clicked."""
    pg, log, errors = page
    open_map(pg, app_url)
    button = pg.get_by_role("button", name="Download PNG")
    button.scroll_into_view_if_needed()
    with pg.expect_download(timeout=120_000) as download:
        button.click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".png")
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == dashboard.PNG_SIZE
    assert len(data) > 50_000  # a drawn map: a page of one colour compresses to a few KB
    assert log.remote() == [], log.remote()


def test_download_geopackage_and_kml_of_the_current_view(
    page, app_url, app_data: tuple[Path, Path]
) -> None:
    """ "More formats": the window's events as a GeoPackage GDAL reads and a KML that is XML
    with one Placemark per event, made when the button is clicked."""
    import xml.etree.ElementTree as ET

    import pyogrio

    pg, log, errors = page
    open_map(pg, app_url)
    events = filters.load_events(app_data[1] / "events.geojson")
    shown = filters.in_window(events, *parse_window(pg.url, events))
    more = pg.get_by_role("button", name="More formats")
    more.scroll_into_view_if_needed()
    files = {}
    for label in ("Download GeoPackage", "Download KML"):
        more.click()
        button = pg.get_by_role("button", name=label)
        button.wait_for(timeout=10_000)
        with pg.expect_download(timeout=60_000) as download:
            button.click()
        files[label] = Path(download.value.path())
        pg.keyboard.press("Escape")
    frame = pyogrio.read_dataframe(files["Download GeoPackage"])
    assert sorted(frame["id"]) == sorted(f["properties"]["id"] for f in shown)
    assert set(frame.geometry.geom_type) == {"Point"}
    kml = ET.parse(files["Download KML"]).getroot()
    placemarks = kml.findall(".//{http://www.opengis.net/kml/2.2}Placemark")
    assert len(placemarks) == len(shown)
    assert log.remote() == [], log.remote()
    assert not errors, errors
