"""A corpus about another war, in a real browser: the basemap is not the seeds' region, yet
the export opens on land with borders and the event places labelled around the events
(tests/data/other_war/: short reports written for the test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.corpus.build import build
from geo.map import filters, framing
from geo.map.basemap import basemap_for
from geo.map.basemap_build import ensure_basemap
from geo.map.export import export_map, load_articles, write_export

CORPUS = Path(__file__).resolve().parents[1] / "data" / "other_war"

# What the page shows: the view, the basemap's drawn shapes, the labels on screen.
PICTURE_JS = """() => {
    const layer = window.campaignLayers.find(l => l.kind === "points");
    const map = layer.cluster._map, b = map.getBounds(), box = map.getContainer()
        .getBoundingClientRect();
    const onScreen = e => { const r = e.getBoundingClientRect();
        return r.width > 0 && r.left < box.right && r.right > box.left &&
               r.top < box.bottom && r.bottom > box.top &&
               getComputedStyle(e).visibility !== "hidden"; };
    return {zoom: map.getZoom(),
            west: b.getWest(), east: b.getEast(), south: b.getSouth(), north: b.getNorth(),
            shapes: map.getPane("cmBase").querySelectorAll("path").length,
            labels: Array.from(document.querySelectorAll(".cm-label"))
                .filter(onScreen).map(e => e.textContent)};
}"""


@pytest.fixture(scope="module")
def other_war(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, Path]:
    data = tmp_path_factory.mktemp("other_war")
    build(CORPUS, data, processes=1, progress=False)
    features = filters.load_events(data / "events.geojson")
    ensure_basemap(data, features)
    target = data / "export.html"
    m = export_map(
        features, load_articles(data / "articles.json"), basemap=basemap_for(data, features)
    )
    write_export(m, target)
    return features, target


def test_another_war_opens_on_land_with_its_places_labelled(other_war, browser) -> None:
    features, target = other_war
    located = [f for f in features if f["properties"]["date_start"]]
    located = [f for f in located if not framing.is_country_level(f)]
    assert len(located) >= 3
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(target.as_uri())
    page.wait_for_selector("html[data-basemap='drawn']", state="attached", timeout=30_000)
    page.wait_for_selector("html[data-cm-applied]", state="attached", timeout=30_000)
    page.wait_for_timeout(800)  # labels lay out after the last move
    seen = page.evaluate(PICTURE_JS)
    page.close()
    assert seen["zoom"] >= 5  # the region of the events, not the world
    assert seen["shapes"] > 0  # countries, provinces and rivers drawn under the events
    # the bulk of the located events is in view, and their places are labelled
    inside = [
        f
        for f in located
        if seen["west"] <= f["geometry"]["coordinates"][0] <= seen["east"]
        and seen["south"] <= f["geometry"]["coordinates"][1] <= seen["north"]
    ]
    assert len(inside) >= 0.9 * len(located)
    places = {f["properties"]["place"] for f in inside}
    # (a place sharing a cluster bubble with others is labelled only where there is room)
    labelled = places & set(seen["labels"])
    assert len(labelled) * 2 >= len(places), (places, seen["labels"][:20])
    assert len(seen["labels"]) >= 10  # towns around them too: never an empty map
