"""Place labels (geo/map/static/labels.js) in the static export of the seeds, in a real
browser: no two labels overlap at any zoom, event places are labelled, towns are labelled at
town scale, the briefing screen's type follows the screen's size, and the layout stays fast
over thousands of towns."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.map import filters
from geo.map.basemap import BASEMAP, load_basemap
from geo.map.export import export_map, load_articles, write_export

from .conftest import screenshot, wait_map_still

MAP_JS = "window.campaignLayers.find(l => l.kind === 'points').cluster._map"

# The labels a reader sees: shown, inside the window, not hidden (the probes labels.js
# measures fonts with are hidden), with their text and box.
VISIBLE_LABELS_JS = """() => [...document.querySelectorAll('.cm-label')]
    .filter(e => getComputedStyle(e).visibility === 'visible')
    .map(e => [e.textContent, e.className, e.getBoundingClientRect().toJSON()])
    .filter(([, , r]) => r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0
                         && r.left < innerWidth && r.top < innerHeight)"""

# Places with an event marker drawn on its own (not inside a cluster bubble) whose point is in
# the window: found from the markers, not from the label layout.
LONE_MARKER_PLACES_JS = f"""() => {{
    const map = {MAP_JS}, size = map.getSize(), out = new Set();
    for (const l of window.campaignLayers) {{
        if (l.kind !== 'points') continue;
        for (const m of l.markers) {{
            const p = map.latLngToContainerPoint(m.getLatLng());
            if (m.cmOn && m._map && p.x > 0 && p.y > 0 && p.x < size.x && p.y < size.y)
                out.add(m.feature.properties.pl);
        }}
    }}
    return [...out];
}}"""


def overlapping(labels: list) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes intersect."""
    pairs = []
    for i, (text_a, _, a) in enumerate(labels):
        for text_b, _, b in labels[i + 1 :]:
            if (
                a["left"] < b["right"]
                and b["left"] < a["right"]
                and a["top"] < b["bottom"]
                and b["top"] < a["bottom"]
            ):
                pairs.append((text_a, text_b))
    return pairs


def settle(pg) -> list:
    """Wait until the map stands still and its labels are laid out; the visible labels."""
    wait_map_still(pg)
    pg.wait_for_function("() => window.cmLabels && window.cmLabels.idle()", timeout=10_000)
    return pg.evaluate(VISIBLE_LABELS_JS)


def zoom(pg, level: int, at: tuple[float, float] | None = None) -> list:
    if at:
        pg.evaluate(f"([z, lat, lng]) => {{ {MAP_JS}.setView([lat, lng], z); }}", [level, *at])
    else:
        pg.evaluate(f"(z) => {{ {MAP_JS}.setZoom(z); }}", level)
    return settle(pg)


@pytest.fixture(scope="module")
def exports(app_data, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    _, data = app_data
    features = filters.load_events(data / "events.geojson")
    articles = load_articles(data / "articles.json")
    out = tmp_path_factory.mktemp("labels")
    paths = {}
    for style in ("light", "dark"):
        paths[style] = out / f"{style}.html"
        write_export(export_map(features, articles, briefing=style == "dark"), paths[style])
    return paths


@pytest.fixture()
def open_export(browser) -> Iterator:
    """open(path, width, height) -> a page showing the export, its labels laid out."""
    contexts = []

    def open_(path: Path, width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.errors = errors
        pg.goto(path.as_uri())
        pg.wait_for_selector("html[data-basemap='drawn'][data-cm-labels]", state="attached")
        settle(pg)
        return pg

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize(
    ("style", "width", "height"),
    [
        ("light", 1400, 900),
        ("light", 1920, 1080),
        ("dark", 1920, 1080),
        ("light", 3840, 2160),
        ("dark", 3840, 2160),
    ],
)
def test_no_two_labels_overlap_at_any_zoom(exports, open_export, style, width, height) -> None:
    pg = open_export(exports[style], width, height)
    first = settle(pg)
    assert len(first) >= 5, first  # the first view is labelled
    assert overlapping(first) == []
    screenshot(pg, f"labels-{style}-{width}")
    start = pg.evaluate(f"() => {MAP_JS}.getZoom()")
    # In and out twice, past the first view both ways.
    for level in (start + 1, start + 2, start + 1, start, start - 1, start - 2, start):
        labels = zoom(pg, level)
        assert labels, level
        assert overlapping(labels) == [], (level, overlapping(labels)[:5])
    assert pg.errors == []


def test_event_places_are_labelled_where_their_markers_show(exports, open_export) -> None:
    pg = open_export(exports["light"], 1920, 1080)
    places = pg.evaluate(
        """() => {
        const seen = new Map();
        for (const l of window.campaignLayers) {
            if (l.kind !== 'points') continue;
            for (const m of l.markers) {
                const p = m.feature.properties;
                if (m.cmOn && p.pl) seen.set(p.pl, [p.y, p.x]);
            }
        }
        return [...seen.entries()];
    }"""
    )
    assert len(places) >= 5
    checked = 0
    for name, (lat, lng) in places:
        labels = zoom(pg, 9, (lat, lng))
        events = {text for text, cls, _ in labels if "cm-label-event" in cls}
        lone = pg.evaluate(LONE_MARKER_PLACES_JS)
        assert set(lone) <= events, (name, sorted(set(lone) - events))
        assert overlapping(labels) == []
        checked += len(lone)
    assert checked >= len(places)  # every place was seen on its own marker at least once

    # A narrower time window: the places of the events left are labelled, the others not.
    pg.evaluate("""() => { const s = window.cmSlider; s.from.value = s.to.value;
                           s.from.dispatchEvent(new Event('input')); }""")
    labels = zoom(pg, 6, tuple(places[0][1]))
    shown = pg.evaluate(
        """() => [...new Set(window.campaignLayers.filter(l => l.kind === 'points')
                  .flatMap(l => l.markers).filter(m => m.cmOn)
                  .map(m => m.feature.properties.pl))]"""
    )
    events = {text for text, cls, _ in labels if "cm-label-event" in cls}
    assert events <= set(shown), sorted(events - set(shown))


def test_towns_are_labelled_at_town_scale(exports, open_export) -> None:
    pg = open_export(exports["light"], 1400, 900)
    busiest = pg.evaluate(
        """() => { const n = new Map();
            for (const m of window.campaignLayers.find(l => l.kind === 'points').markers) {
                const p = m.feature.properties, k = p.y + ',' + p.x;
                n.set(k, (n.get(k) || 0) + 1);
            }
            return [...n.entries()].sort((a, b) => b[1] - a[1])[0][0].split(',').map(Number);
        }"""
    )
    labels = zoom(pg, 10, tuple(busiest))
    towns = [text for text, cls, _ in labels if "cm-label-event" not in cls]
    screenshot(pg, "labels-town-scale")
    assert len(towns) >= 3, towns
    assert overlapping(labels) == []


def test_briefing_type_follows_the_screen(exports, open_export) -> None:
    font = """() => [getComputedStyle(document.documentElement).getPropertyValue('--cm-scale'),
                     parseFloat(getComputedStyle(document.querySelector(
                         '.cm-label-city')).fontSize)]"""
    bubble = "() => document.querySelector('.marker-cluster').getBoundingClientRect().width"
    pg = open_export(exports["dark"], 1920, 1080)
    scale, px = pg.evaluate(font)
    assert float(scale) == pytest.approx(1.6)
    bubble_px = pg.evaluate(bubble)
    pg.set_viewport_size({"width": 3840, "height": 2160})
    pg.wait_for_function(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--cm-scale') > 3"
    )
    settle(pg)
    scale_4k, px_4k = pg.evaluate(font)
    assert float(scale_4k) == pytest.approx(3.2) and px_4k == pytest.approx(2 * px, abs=0.5)
    # cluster bubbles are made again at the new scale
    pg.wait_for_function(f"() => ({bubble})() > 1.5 * {bubble_px}", timeout=10_000)
    assert overlapping(settle(pg)) == []  # measured again at the new size
    # A smaller screen keeps the briefing's floor, and the desk's scale stays 1.
    pg.set_viewport_size({"width": 1280, "height": 720})
    pg.wait_for_function(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--cm-scale') < 2"
    )
    assert float(pg.evaluate(font)[0]) == pytest.approx(1.6)
    desk = open_export(exports["light"], 3840, 2160)
    assert float(desk.evaluate(font)[0]) == pytest.approx(1)


def test_layout_stays_fast_over_thousands_of_towns(app_data, open_export, tmp_path) -> None:
    """20,000 made-up towns around the events: only those near the view are considered."""
    _, data = app_data
    features = filters.load_events(data / "events.geojson")
    basemap = json.loads(json.dumps(load_basemap(BASEMAP)))
    points = [f["geometry"]["coordinates"] for f in features if f.get("geometry")]
    lon0, lon1 = min(p[0] for p in points) - 5, max(p[0] for p in points) + 5
    lat0, lat1 = min(p[1] for p in points) - 5, max(p[1] for p in points) + 5
    rng = random.Random(13)
    towns = 20_000
    basemap["features"] += [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [rng.uniform(lon0, lon1), rng.uniform(lat0, lat1)],
            },
            "properties": {
                "kind": "city",
                "name": f"Town {i}",
                "population": rng.randint(500, 50_000),
                "capital": False,
                "iso2": "XX",
                "rank": 5 + i % 4,
            },
        }
        for i in range(towns)
    ]
    path = tmp_path / "basemap.geojson"
    path.write_text(json.dumps(basemap), encoding="utf-8")
    target = tmp_path / "towns.html"
    write_export(export_map(features, load_articles(data / "articles.json"), basemap=path), target)
    pg = open_export(target, 1920, 1080)
    start = pg.evaluate(f"() => {MAP_JS}.getZoom()")
    times = []
    for level in (start, start + 2, start - 2):
        labels = zoom(pg, level)
        assert overlapping(labels) == [], level
        stats = pg.evaluate("() => window.cmLabels.stats")
        times.append(
            pg.evaluate(
                "() => { const t = performance.now(); window.cmLabels.relayout();"
                " return performance.now() - t; }"
            )
        )
        if level > start:  # zoomed in: far fewer than all the towns are even tried
            assert stats["considered"] < towns / 4, stats
    print(f"layout over {towns} towns: {[round(t, 1) for t in times]} ms")
    assert max(times) < 1000  # an O(n^2) layout would take seconds here
