"""The map's elements: event and region layers, the legend and other controls, the filter
update, the page's CSS. Shared by the app and the export.

Each element is a small folium plugin whose template calls the page's own JavaScript
(geo/map/static/*.js; window.cmEventLayer, window.cmShowOnly, ...), defined once per page.
Each element lists the files it needs as folium links (`default_js`/`default_css`): folium's
page header and streamlit-folium's `js_links` load each file once however many elements list
it, and `geo.map.view.finish` points the links at the app's static files or inlines them
into the export. So the same layers run inside streamlit-folium (which takes only the map's
script and its links) and in a static HTML file; controls (legend, title) are Leaflet
controls for the same reason.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from jinja2 import Template

from geo.corpus.records import EventFeature
from geo.map.assets import static_links
from geo.map.escape import escape_text
from geo.map.popup import browser_articles, browser_event
from geo.map.styles import EVENT_STYLES, event_style
from geo.pipeline.places.names import name_key

# Events at these levels are drawn as their region's outline, not as a point.
REGION_LEVELS = {"province", "country", "continent"}

# publish(name, data) -> URL: writes data where the page can fetch it (see app.py).
Publish = Callable[[str, Any], str]


def _source(url: str | None, data: Any) -> dict[str, Any]:
    """Where the page gets a layer's data (window.cmLoad): the published file or inline."""
    return {"url": url} if url else {"data": data}


def _styles() -> dict[str, list[str]]:
    return {k: list(v) for k, v in EVENT_STYLES.items()}


class EventLayer(JSCSSMixin, MacroElement):
    """Point events (cities, villages, derived places) as coloured circles, clustered.

    A derived place ("10 km south of X") also gets a dashed circle of its uncertainty.
    Marker objects are made once; filters (`ShowOnly`, the export's slider) re-add the
    ones that pass through `window.cmApply`, so moving the slider never rebuilds the map.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmEventLayer({{ this._parent.get_name() }}, {{ this.options | tojson }},
                            {{ this.source | tojson }});
        {% endmacro %}
        """
    )
    # The same Leaflet.markercluster files folium's MarkerCluster uses; `make_offline`
    # swaps them for the copies installed from npm.
    default_js = [
        *MarkerCluster.default_js,
        *static_links("escape.js", "popup.js", "filter.js", "layers.js"),
    ]
    default_css = MarkerCluster.default_css

    def __init__(
        self,
        features: Sequence[EventFeature],
        radius: int = 7,
        popup_width: int = 420,
        publish: Publish | None = None,
    ) -> None:
        super().__init__()
        self._name = "EventLayer"
        index: dict[str, int] = {}
        events = [browser_event(f, index) for f in features]
        data = {
            "events": events,
            "articles": browser_articles(features, index),
            "styles": _styles(),
        }
        # The app publishes the data as a static file the page fetches once: then a rerun
        # renders and sends a few kilobytes, not the events. The export inlines it. A
        # published layer keeps no copy: the app deep-copies the map on every rerun.
        self.url = publish("events", data) if publish else None
        self.data = None if self.url else data
        self.options = {"radius": radius, "popupWidth": popup_width}
        self.source = _source(self.url, self.data)


class RegionLayer(JSCSSMixin, MacroElement):
    """Province- and country-level events: the region's outline, not a fake point.

    Each region with events is drawn once, with its outline from the basemap and a popup
    listing its events. Regions the basemap lacks are listed in `missing` for the caller.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmRegionLayer({{ this._parent.get_name() }}, {{ this.options | tojson }},
                             {{ this.source | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links("escape.js", "popup.js", "filter.js", "layers.js")

    def __init__(
        self,
        features: Sequence[EventFeature],
        region_shapes: dict[str, Any],
        popup_width: int = 420,
        publish: Publish | None = None,
    ) -> None:
        super().__init__()
        self._name = "RegionLayer"
        self.options = {"popupWidth": popup_width}
        by_region: dict[str, list[EventFeature]] = defaultdict(list)
        for feature in features:
            by_region[_region_key(feature["properties"]["place"])].append(feature)
        self.missing = sorted(
            events[0]["properties"]["place"]
            for key, events in by_region.items()
            if key not in region_shapes
        )
        out = []
        index: dict[str, int] = {}
        for key, events in sorted(by_region.items()):
            if key not in region_shapes:
                continue
            events.sort(key=lambda f: f["properties"].get("date_start") or "")
            first = events[0]["properties"]
            color, _ = event_style(first.get("event_type"))
            out.append(
                {
                    "type": "Feature",
                    "geometry": region_shapes[key],
                    "properties": {
                        "color": color,
                        "tooltip": f"{escape_text(first.get('place'))} "
                        f"({escape_text(first.get('level'))}): {len(events)} events",
                        "members": [browser_event(f, index) for f in events],
                    },
                }
            )
        data = {
            "regions": {"type": "FeatureCollection", "features": out},
            "articles": browser_articles(features, index),
            "styles": _styles(),
        }
        self.url = publish("regions", data) if publish else None
        self.data = None if self.url else data  # as in EventLayer
        self.source = _source(self.url, self.data)


class ShowOnly(MacroElement):
    """Show only the events whose numbers (`n`, see `load_events`) are listed: the app's
    filters and slider, applied in the browser to markers that already exist.

    This is what `feature_group_to_add` sends on every change, so it carries data and one
    call, no code: `window.cmShowOnly` comes with the layers (filter.js), which are on the
    base map (streamlit-folium collects no links from the feature group).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmShowOnly({{ this.bits | tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, numbers: Iterable[int]) -> None:
        super().__init__()
        self._name = "ShowOnly"
        self.numbers = sorted(set(numbers))
        # A bit per event, base64: 1.7 KB for 10,000 events, where a list of numbers
        # is up to 60 KB on every slider move.
        bits = bytearray((self.numbers[-1] >> 3) + 1 if self.numbers else 0)
        for n in self.numbers:
            bits[n >> 3] |= 1 << (n & 7)
        self.bits = base64.b64encode(bytes(bits)).decode("ascii")


def _region_key(name: str) -> str:
    return name_key(name or "")


class HtmlControl(JSCSSMixin, MacroElement):
    """A Leaflet control showing HTML made here (escaped): the legend, the export's title.
    A control, not page HTML, so that it also shows inside streamlit-folium."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmControl({{ this._parent.get_name() }}, {{ this.position | tojson }},
                         {{ this.class_name | tojson }}, {{ this.html | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links("layers.js")

    def __init__(self, html: str, class_name: str, position: str) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.html = html
        self.class_name = class_name
        self.position = position


class Legend(HtmlControl):
    """The event-type legend (works in the app and the export)."""

    def __init__(self, types: Iterable[str] | None = None, note: str = "") -> None:
        shown = [t for t in EVENT_STYLES if types is None or t in set(types)]
        items = "".join(
            f'<div><span class="cm-swatch" style="background:{EVENT_STYLES[t][0]}"></span>'
            f"{escape_text(EVENT_STYLES[t][1])}</div>"
            for t in shown
        )
        items += (
            '<div><span class="cm-swatch cm-derived"></span>derived place '
            "(dashed: uncertainty)</div>"
            '<div><span class="cm-swatch cm-region"></span>province / country event</div>'
        )
        super().__init__(
            f"<b>Event types</b>{items}" + (f'<div class="cm-note">{note}</div>' if note else ""),
            "cm-legend",
            "bottomright",
        )
        self._name = "Legend"


class PageStyle(JSCSSMixin, MacroElement):
    """The map's CSS (geo/map/static/map.css) and its type scale: larger on the briefing
    screen. The scale is a custom property in the page header, which streamlit-folium
    applies too (it drops the header's scripts, not its styles)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>:root { --cm-scale: {{ this.scale }}; }</style>
        {% endmacro %}
        """
    )
    default_css = static_links("map.css")

    def __init__(self, briefing: bool = False) -> None:
        super().__init__()
        self._name = "PageStyle"
        self.scale = 1.6 if briefing else 1


def split_by_precision(
    features: Iterable[EventFeature],
) -> tuple[list[EventFeature], list[EventFeature]]:
    """Point-level events and region-level events."""
    points: list[EventFeature] = []
    regions: list[EventFeature] = []
    for feature in features:
        level = feature["properties"].get("level")
        (regions if level in REGION_LEVELS else points).append(feature)
    return points, regions


def event_layers(
    m: folium.Map,
    features: Sequence[EventFeature],
    shapes: dict[str, Any],
    briefing: bool = False,
    publish: Publish | None = None,
) -> RegionLayer:
    """Add every event to the map once; returns the region layer (its `missing` regions)."""
    points, regions = split_by_precision(features)
    width = 640 if briefing else 420
    region_layer = RegionLayer(regions, shapes, popup_width=width, publish=publish)
    region_layer.add_to(m)
    EventLayer(points, radius=11 if briefing else 7, popup_width=width, publish=publish).add_to(m)
    return region_layer


def visible_group(features: Iterable[EventFeature]) -> folium.FeatureGroup:
    """The small feature group the app sends on every filter or slider change."""
    group = folium.FeatureGroup(name="visible", control=False)
    ShowOnly(f["n"] for f in features).add_to(group)
    return group
