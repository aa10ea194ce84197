"""The place labels' page parts, as Python writes them: the type scale the briefing screen
starts from and hands to screen.js, the label style's custom properties (every one has a
value from each palette, or a fallback on a tile layer), and the label scripts on every
map. The layout itself runs in the browser: tests/e2e/test_labels.py."""

from __future__ import annotations

import re

import folium
import pytest

from geo.map import layers, view
from geo.map.assets import make_offline, static_text
from geo.map.basemap import PALETTES
from geo.map.tiles import TileSource
from tests.pages import page_code

# Custom properties the label style defines for itself, or that PageStyle sets.
OWN = {"--cm-scale", "--cm-label-halo", "--cm-dot-size"}


def rendered(m: folium.Map) -> str:
    return make_offline(m).get_root().render()


@pytest.mark.parametrize(("briefing", "scale"), [(True, "1.6"), (False, "1")])
def test_page_style_starts_the_type_scale_and_fits_the_briefing_to_the_screen(
    briefing: bool, scale: str
) -> None:
    m = folium.Map(tiles=None)
    layers.PageStyle(briefing=briefing).add_to(m)
    page = rendered(m)
    # The header's value holds until screen.js runs; only the briefing follows the screen.
    assert f"--cm-scale: {scale};" in page
    assert f"window.cmFitScreen({scale}, {'true' if briefing else 'false'});" in page
    code = page_code(page)
    assert "window.cmFitScreen = function" in code and "window.cmLabels = {" in code


def label_properties() -> dict[str, str | None]:
    """Each custom property labels.css reads, with its fallback (None: none)."""
    css = static_text("labels.css")
    return {
        name: fallback.strip() if fallback else None
        for name, fallback in re.findall(r"var\((--cm-[\w-]+)(?:,([^()]*))?\)", css)
    }


def test_every_label_property_has_a_palette_value_and_a_fallback() -> None:
    used = label_properties()
    palette_keys = {f"--cm-{key.replace('_', '-')}" for key in PALETTES["light"]}
    assert {"--cm-font-px", "--cm-capital-px", "--cm-event-px", "--cm-label"} <= set(used)
    for name, fallback in used.items():
        if name in OWN:
            continue
        # Each style sets it (BasemapStyle writes the palette as custom properties) ...
        for style, palette in PALETTES.items():
            assert name in {f"--cm-{k.replace('_', '-')}" for k in palette}, (style, name)
        # ... and a map on a tile layer, which has no basemap palette, falls back to the
        # light palette's own value.
        assert fallback is not None, name
        key = name.removeprefix("--cm-").replace("-", "_")
        assert name in palette_keys and str(PALETTES["light"][key]) == fallback, name


def test_labels_come_with_every_map_once() -> None:
    """The offline basemap and a tile layer alike: the event places are labelled."""
    tiles = TileSource("local", "Local", "http://127.0.0.1:1/{z}/{x}/{y}.png", "test")
    for options in (view.MapOptions(), view.MapOptions(style="dark", tiles=tiles)):
        page = view.base_map(options).get_root().render()
        assert page.count("cm-static:labels.js") == 1, options
        assert page.count("cm-static:labels.css") == 1, options
        assert page.count("cm-static:screen.js") == 1, options


def test_briefing_labels_are_larger_than_the_desks() -> None:
    """At the same --cm-scale the dark palette's labels are not smaller than the light's;
    with the briefing's scale (1.6 and up) they are larger on screen."""
    light, dark = PALETTES["light"], PALETTES["dark"]
    for key in ("font_px", "capital_px", "event_px"):
        assert dark[key] >= light[key], key
        assert dark[key] * layers.PageStyle.BRIEFING_SCALE >= 1.5 * light[key], key
    assert light["capital_px"] >= light["font_px"] and dark["event_px"] >= dark["font_px"]
