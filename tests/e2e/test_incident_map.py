"""The map draws incidents, in a real browser, on a static export of the seeds: one marker per
located incident at its most precise report's point, badged with its reports shown; its
popup lists them newest first; a click names the newest; the time window counts reports.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.map import filters, framing
from geo.map.basemap import basemap_for, region_shapes
from geo.map.bounds import event_bounds
from geo.map.export import export_map, load_articles, write_export
from geo.map.layers import split_events
from geo.map.popup import incident_label

from .conftest import file_page, screenshot

SIZE = {"width": 1400, "height": 900}
POINTS = 'window.campaignLayers.find(l => l.kind === "points")'

# Every marker: its anchor's id and point, its events and those shown, its badge's model
# and, when the marker is drawn, the badge the page shows (null: none).
MARKERS_JS = f"""() => {POINTS}.markers.map(m => ({{
    id: m.feature.properties.id, x: m.getLatLng().lng, y: m.getLatLng().lat,
    on: !!m.cmOn, members: m.cmMembers.map(p => p.id), shown: m.cmShown.map(p => p.id),
    drawn: !!(m._path && m._path.isConnected),
    badge: m._badge && m._badge.isConnected ? m._badge.textContent : null}}))"""
# Zoom to the marker whose anchor is `id` (kept as window.__cmTarget) at the deepest zoom.
ZOOM_TO_JS = f"""(id) => {{ const l = {POINTS};
    const m = window.__cmTarget = l.markers.find(m => m.feature.properties.id === id);
    const map = l.cluster._map;
    map.setView(m.getLatLng(), map.getMaxZoom(), {{animate: false}}); }}"""
# True once the target marker is drawn on its own (its cluster spiderfied if need be) and
# nothing covers its centre; the cluster layer redraws after a move in its own time.
DRAWN_JS = f"""() => {{ const l = {POINTS}, m = window.__cmTarget;
    if (m._path && m._path.isConnected) {{
        const r = m._path.getBoundingClientRect();
        const x = r.x + r.width / 2, y = r.y + r.height / 2;
        return document.elementFromPoint(x, y) === m._path ? [x, y] : false;
    }}
    const parent = l.cluster.getVisibleParent(m);
    if (parent && parent !== m && parent.spiderfy) {{ parent.spiderfy(); }}
    return false; }}"""


@pytest.fixture(scope="module")
def seeds(app_data, tmp_path_factory: pytest.TempPathFactory) -> tuple[list, list, Path]:
    """The seeds' dated events, those drawn at a point, and their export."""
    _, data = app_data
    features = filters.load_events(data / "events.geojson")
    dated = [f for f in features if f["properties"]["date_start"]]
    # The outlines the export draws provinces with (geo.map.export.export_map's basemap).
    shapes = region_shapes(basemap_for(None, event_bounds(dated)))
    points, _ = split_events(dated, shapes)
    target = tmp_path_factory.mktemp("incidents") / "incidents.html"
    write_export(export_map(features, load_articles(data / "articles.json")), target)
    return dated, points, target


@pytest.fixture()
def pg(browser) -> Iterator[object]:
    """A page that may load file: and data: URLs only; no console error at the end."""
    with file_page(browser, SIZE) as (page, errors):
        yield page
    assert not errors, errors


def open_export(page, target: Path) -> None:
    page.goto(target.as_uri())
    page.wait_for_selector("html[data-cm-applied]", state="attached", timeout=30_000)
    page.wait_for_function("() => (window.campaignLayers || []).length >= 2")
    page.wait_for_selector(".marker-cluster, path.cm-event", timeout=10_000)


def incidents(points: list) -> dict[str, list]:
    """The point events by incident (framing.incident_key), as the page should group them."""
    by: dict[str, list] = defaultdict(list)
    for f in points:
        by[framing.incident_key(f["properties"])].append(f)
    return by


def anchor(members: list) -> dict:
    """The most precise report: lowest geo_precision, then id (geo.corpus.incidents)."""
    return min(
        members, key=lambda f: (f["properties"].get("geo_precision") or 3, f["properties"]["id"])
    )


def newest_first(members: list) -> list:
    """As the app's details panel lists an incident's reports (geo.app.dashboard)."""
    ordered = sorted(
        members, key=lambda f: (f["properties"]["published"] or "", f["properties"]["id"])
    )
    return ordered[::-1]


def overlaps(f: dict, first: str, last: str) -> bool:
    p = f["properties"]
    return bool(p["date_start"]) and p["date_start"] <= last and p["date_end"] >= first


def set_window(page, start: datetime.date, first: str, last: str) -> None:
    """The export's time control set to [first, last] (ISO days), as a reader's drag does."""
    a = (datetime.date.fromisoformat(first) - start).days
    b = (datetime.date.fromisoformat(last) - start).days
    page.evaluate(
        """([a, b]) => { const s = window.cmSlider; s.from.value = a; s.to.value = b;
                         s.from.dispatchEvent(new Event('input')); }""",
        [a, b],
    )


def show_marker(page, anchor_id: str) -> tuple[float, float]:
    """Zoom to the incident's marker until it is drawn and clickable; its centre."""
    page.evaluate(ZOOM_TO_JS, anchor_id)
    handle = page.wait_for_function(DRAWN_JS, polling=500, timeout=30_000)
    x, y = handle.json_value()
    return float(x), float(y)


def test_one_marker_per_located_incident_badged_with_its_reports(seeds, pg) -> None:
    dated, points, target = seeds
    open_export(pg, target)
    groups = incidents(points)
    assert any(len(g) > 1 for g in groups.values())  # the seeds have incidents
    markers = pg.evaluate(MARKERS_JS)
    # One marker per incident, at its anchor's point, holding exactly its events.
    assert len(markers) == len(groups) < len(points)
    by_anchor = {m["id"]: m for m in markers}
    for members in groups.values():
        first = anchor(members)
        m = by_anchor[first["properties"]["id"]]
        assert (m["x"], m["y"]) == tuple(first["geometry"]["coordinates"])
        assert sorted(m["members"]) == sorted(f["properties"]["id"] for f in members)
        assert m["on"] and len(m["shown"]) == len(members)
    # The counts: events as before, incidents beside them, said as the app says them.
    located = [f for f in dated if not framing.is_country_level(f)]
    located_incidents = {framing.incident_key(f["properties"]) for f in located}
    assert int(pg.locator("html").get_attribute("data-visible-events")) == len(dated)
    assert int(pg.locator("html").get_attribute("data-visible-incidents")) == len(located_incidents)
    counts = pg.evaluate("() => window.cmCounts")
    assert counts["incidents"] == len(located_incidents) < counts["located"] == len(located)
    text = pg.evaluate("() => window.cmCountText()")
    assert text == framing.count_label(dated) and " incidents (" in text
    # The incident with the most reports, drawn on its own: its badge says how many.
    biggest = max(groups.values(), key=len)
    show_marker(pg, anchor(biggest)["properties"]["id"])
    drawn = {m["id"]: m for m in pg.evaluate(MARKERS_JS)}
    assert drawn[anchor(biggest)["properties"]["id"]]["badge"] == str(len(biggest))
    # Every marker drawn has a badge exactly when it shows more than one report.
    for m in drawn.values():
        if m["drawn"]:
            assert m["badge"] == (str(len(m["shown"])) if len(m["shown"]) > 1 else None), m
    screenshot(pg, "incident-badge")


def test_incident_popup_lists_its_reports_newest_first_and_a_click_names_the_newest(
    seeds, pg
) -> None:
    _, points, target = seeds
    open_export(pg, target)
    # The incident whose reports were published on the most days (then the most reports):
    # newest first is then a visible order.
    groups = incidents(points).values()
    members = max(groups, key=lambda g: (len({f["properties"]["published"] for f in g}), len(g)))
    assert len({f["properties"]["published"] for f in members}) > 1
    x, y = show_marker(pg, anchor(members)["properties"]["id"])
    pg.evaluate("() => { window.__GLOBAL_DATA__ = {}; }")  # as streamlit-folium has it
    pg.mouse.click(x, y)
    popup = pg.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    pg.wait_for_function(
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )  # faded in, for the screenshot
    screenshot(pg, "incident-popup")
    expected = newest_first(members)
    # The incident line at the top ("One of 2 reports of this incident (2 sources)").
    line = incident_label(members[0]["properties"])
    assert line.startswith(f"One of {len(members)} reports")
    assert popup.locator(".cm-incident").first.inner_text() == line
    assert popup.locator(".cm-report").count() == len(expected)
    snippets = [
        " ".join(s.split()) for s in popup.locator(".cm-report .cm-snippet").all_inner_texts()
    ]
    assert snippets == [" ".join(f["properties"]["snippet"].split()) for f in expected]
    articles = popup.locator(".cm-report .cm-article").all_inner_texts()
    for line, f in zip(articles, expected, strict=True):
        assert f"published {f['properties']['published']}" in line
    # The click names the newest report shown, at its own point (the app's details panel
    # then lists the incident: geo.app.dashboard.take_map_return).
    pg.wait_for_function("() => !!window.__GLOBAL_DATA__.last_object_clicked")
    clicked = pg.evaluate("() => window.__GLOBAL_DATA__.last_object_clicked")
    newest = expected[0]
    lon, lat = newest["geometry"]["coordinates"]
    assert clicked == {"lat": lat, "lng": lon, "id": newest["properties"]["id"]}


def test_the_window_counts_an_incidents_reports_in_it(seeds, pg) -> None:
    dated, points, target = seeds
    open_export(pg, target)
    span = filters.date_range(dated)
    assert span is not None
    # An incident and a window holding one of its reports (not the others), and a window
    # holding more than one: their days are the reports' own.
    chosen = None
    for members in incidents(points).values():
        for f in members:
            p = f["properties"]
            inside = [g for g in members if overlaps(g, p["date_start"], p["date_start"])]
            on_track = span[0].isoformat() <= p["date_start"] <= span[1].isoformat()
            if len(members) > 1 and len(inside) == 1 and on_track:
                chosen = (members, p["date_start"])
                break
        if chosen:
            break
    assert chosen, "no incident with a report on a day of its own"
    members, day = chosen
    first = anchor(members)["properties"]["id"]
    wide = (
        min(f["properties"]["date_start"] for f in members),
        max(f["properties"]["date_end"] for f in members),
    )
    for window, reports in ((wide, len(members)), ((day, day), 1)):
        set_window(pg, span[0], *window)
        pg.wait_for_function(
            "() => +document.documentElement.getAttribute('data-cm-applied') === window.cmApplied"
        )
        show_marker(pg, first)
        markers = {m["id"]: m for m in pg.evaluate(MARKERS_JS)}
        m = markers[first]
        expected = [f["properties"]["id"] for f in newest_first(members) if overlaps(f, *window)]
        assert m["on"] and m["shown"] == expected and len(expected) == reports
        assert m["badge"] == (str(reports) if reports > 1 else None)
        # Every incident: shown while one of its reports is in the window, with those.
        for group in incidents(points).values():
            shown = [f for f in group if overlaps(f, *window)]
            marker = markers[anchor(group)["properties"]["id"]]
            assert marker["on"] == bool(shown) and len(marker["shown"]) == len(shown)
        visible = [f for f in dated if overlaps(f, *window)]
        assert int(pg.locator("html").get_attribute("data-visible-events")) == len(visible)
        assert pg.evaluate("() => window.cmCountText()") == framing.count_label(visible)
    screenshot(pg, "incident-one-report")
