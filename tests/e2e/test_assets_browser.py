"""Leaflet from npm, inlined: a map with clusters, a pin and a popup draws with no network."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_assets import offline_map


def test_map_draws_in_a_browser_without_network(browser, tmp_path: Path) -> None:
    page_file = tmp_path / "map.html"
    page_file.write_text(offline_map(popup=True).get_root().render(), encoding="utf-8")
    requests: list[str] = []
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    try:
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def route(r) -> None:
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                requests.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(page_file.as_uri())
        page.wait_for_selector(".leaflet-container")
        page.wait_for_function("document.querySelectorAll('path.event').length >= 3")
        assert page.locator("path.leaflet-interactive").count() == 4  # 3 circles, 1 polygon
        circles = page.locator("path.event").count()
        clustered = sum(
            int(t)
            for t in page.locator(".marker-cluster").all_inner_texts()
            if re.fullmatch(r"\d+", t.strip())
        )
        assert circles + clustered == 3
        pin = page.locator("img.leaflet-marker-icon")  # GeoJson point: Leaflet's default
        assert pin.count() == 1
        assert (pin.get_attribute("src") or "").startswith("data:image/png")
        page.wait_for_function("img => img.complete", arg=pin.element_handle())
        assert pin.evaluate("img => img.naturalWidth") == 25  # the icon image decoded
        page.locator("path.event-1").click()  # the circle with a folium.Popup (jQuery)
        page.wait_for_selector(".leaflet-popup-content")
        assert "event 1" in page.locator(".leaflet-popup-content").inner_text()
    finally:
        page.close()
    assert requests == []
    assert errors == []
