"""The map's elements: event and region layers, the country list, the edge hints, the
legend and other controls, the filter update, the page's CSS. Shared by the app and the
export.

Each element is a small folium plugin whose template calls the page's own JavaScript
(geo/map/static/*.js; window.cmEventLayer, window.cmShowOnly, ...), defined once per page.
Each element lists the files it needs as folium links (`default_js`/`default_css`): folium's
page header and streamlit-folium's `js_links` load each file once however many elements list
it, and `geo.map.view.finish` points the links at the app's static files or inlines them
into the export. So the same layers run inside streamlit-folium (which takes only the map's
script and its links) and in a static HTML file; controls (legend, title) are Leaflet
controls for the same reason.

`event_layers` puts every event on the map once, in the layer that can say where it is (see
`split_events`), and sets the first view (`geo.map.framing`): the app, the briefing screen
and the export all get the same picture from it.
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
from geo.map import framing
from geo.map.assets import static_links
from geo.map.escape import escape_text
from geo.map.popup import browser_articles, browser_event
from geo.map.styles import EVENT_STYLES, browser_styles, event_style, shape_svg

# publish(name, data) -> URL: writes data where the page can fetch it (see app.py).
Publish = Callable[[str, Any], str]

# The page's own scripts every event layer needs (one load each per page).
LAYER_JS = ("escape.js", "popup.js", "filter.js", "shapes.js", "layers.js", "framing.js")


def _source(url: str | None, data: Any) -> dict[str, Any]:
    """Where the page gets a layer's data (window.cmLoad): the published file or inline."""
    return {"url": url} if url else {"data": data}


class EventLayer(JSCSSMixin, MacroElement):
    """Located events drawn at their point (cities, villages, derived places, provinces the
    basemap has no outline for), one marker per incident (geo.corpus.incidents) at its most
    precise report's point, with that report's colour and shape, badged with the number of
    its reports shown, clustered.

    A derived place ("10 km south of X") also gets a dashed circle of its uncertainty.
    Marker objects are made once; filters (`ShowOnly`, the export's slider) ask
    `window.cmApply` about every event and re-add the markers with an event shown, so
    moving the slider never rebuilds the map. The page groups the events by their `ic`
    (geo.map.popup.browser_event): the data stays one entry per event.
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
    default_js = [*MarkerCluster.default_js, *static_links(*LAYER_JS)]
    default_css = [*MarkerCluster.default_css, *static_links("map.css")]

    def __init__(
        self,
        features: Sequence[EventFeature],
        radius: int = 7,
        popup_width: int = 420,
        publish: Publish | None = None,
        dark: bool = False,
    ) -> None:
        super().__init__()
        self._name = "EventLayer"
        index: dict[str, int] = {}
        events = [browser_event(f, index) for f in features]
        data = {
            "events": events,
            "articles": browser_articles(features, index),
            "styles": browser_styles(),
        }
        # The app publishes the data as a static file the page fetches once: then a rerun
        # renders and sends a few kilobytes, not the events. The export inlines it. A
        # published layer keeps no copy: the app deep-copies the map on every rerun.
        self.url = publish("events", data) if publish else None
        self.data = None if self.url else data
        # The markers' outline: dark on the light map, light on the briefing screen's.
        self.options = {
            "radius": radius,
            "popupWidth": popup_width,
            "stroke": "#f2f2f2" if dark else "#222",
        }
        self.source = _source(self.url, self.data)


class RegionLayer(JSCSSMixin, MacroElement):
    """Province- and country-level events, never as a false point.

    A province with events is drawn once as its outline from the basemap, its popup listing
    its events. Country-level events are listed by country in a collapsible control (the
    country list, geo/map/static/framing.js), each country opening the list of its events;
    a small country (`framing.outlines_country`) is outlined too.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmRegionLayer({{ this._parent.get_name() }}, {{ this.options | tojson }},
                             {{ this.source | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links(*LAYER_JS)
    default_css = static_links("map.css")

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
        index: dict[str, int] = {}
        data = {
            "regions": {
                "type": "FeatureCollection",
                "features": _outlines(features, region_shapes, index),
            },
            "countries": _country_list(features, index),
            "articles": browser_articles(features, index),
            "styles": browser_styles(),
        }
        self.url = publish("regions", data) if publish else None
        self.data = None if self.url else data  # as in EventLayer
        self.source = _source(self.url, self.data)


def _by_outline(features: Iterable[EventFeature]) -> dict[str, list[EventFeature]]:
    """Events grouped by the region they name (its outline's key), each group by date."""
    groups: dict[str, list[EventFeature]] = defaultdict(list)
    for feature in features:
        groups[framing.outline_key(feature)].append(feature)
    for events in groups.values():
        events.sort(key=lambda f: f["properties"].get("date_start") or "")
    return groups


def _outlines(
    features: Sequence[EventFeature], shapes: dict[str, Any], index: dict[str, int]
) -> list[dict[str, Any]]:
    """The outlines to draw: the provinces' and the small countries' (GeoJSON features, each
    with its events as `members`; `country` marks those counted as country-level)."""
    drawn = [f for f in features if not framing.is_country_level(f) or framing.outlines_country(f)]
    out = []
    for key, events in sorted(_by_outline(drawn).items()):
        if key not in shapes:
            continue
        first = events[0]["properties"]
        color, _ = event_style(first.get("event_type"))
        out.append(
            {
                "type": "Feature",
                "geometry": shapes[key],
                "properties": {
                    "color": color,
                    "country": framing.is_country_level(events[0]),
                    "tooltip": f"{escape_text(first.get('place'))} "
                    f"({escape_text(first.get('level'))}): {len(events)} events",
                    "members": [browser_event(f, index) for f in events],
                },
            }
        )
    return out


def _country_list(features: Sequence[EventFeature], index: dict[str, int]) -> list[dict]:
    """The country list's groups: every country-level event under the country it names."""
    countries = [f for f in features if framing.is_country_level(f)]
    return [
        {
            "name": events[0]["properties"].get("place") or "",
            "members": [browser_event(f, index) for f in events],
        }
        for _, events in sorted(_by_outline(countries).items())
    ]


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


class EdgeHints(JSCSSMixin, MacroElement):
    """Located events outside the view, announced at the map's edge in their direction
    ("3 events in the United States →"), by country; a click fits the map to them. The
    page keeps them up to date as the view moves and the filter changes (framing.js)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmEdgeHints({{ this._parent.get_name() }}, {{ this.options | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links(*LAYER_JS)
    default_css = static_links("map.css")

    def __init__(self, features: Iterable[EventFeature]) -> None:
        super().__init__()
        self._name = "EdgeHints"
        self.options = {
            # "in the United States", by ISO code: the countries of the located events.
            "places": framing.country_phrases(
                f["properties"].get("country") for f in features if not framing.is_country_level(f)
            ),
            "padding": framing.FIT_PADDING,
            "maxZoom": framing.FIT_MAX_ZOOM,
        }


class HtmlControl(JSCSSMixin, MacroElement):
    """A Leaflet control showing HTML made here (escaped): the export's title, say.
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


class Legend(JSCSSMixin, MacroElement):
    """The legend: each event type's shape and colour, then how places are drawn. A
    collapsible control (closed on a small map) at the bottom right; on the briefing
    screen (`dark`) a compact dark one that fades out after a few seconds and comes back on
    hover or a key press (window.cmLegend)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmLegend({{ this._parent.get_name() }}, {{ this.options | tojson }},
                        {{ this.html | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links("layers.js")
    default_css = static_links("map.css")

    def __init__(self, types: Iterable[str] | None = None, dark: bool = False) -> None:
        super().__init__()
        self._name = "Legend"
        wanted = None if types is None else set(types)
        stroke = "#f2f2f2" if dark else "#222"
        items = "".join(
            f"<li>{shape_svg(t, stroke=stroke)}{escape_text(label)}</li>"
            for t, (_, label) in EVENT_STYLES.items()
            if wanted is None or t in wanted
        )
        items += (
            '<li><span class="cm-swatch cm-derived"></span>derived place '
            "(dashed: uncertainty)</li>"
            '<li><span class="cm-swatch cm-badge-swatch">3</span>reports of one incident</li>'
            '<li><span class="cm-swatch cm-region"></span>province</li>'
            '<li><span class="cm-swatch cm-country"></span>country-level: listed</li>'
        )
        self.html = f"<details open><summary>Legend</summary><ul>{items}</ul></details>"
        self.options = {
            "className": "cm-legend",
            "position": "bottomright",
            "dark": dark,
            "fadeMs": 6000,  # the briefing screen's legend: seen, then out of the way
            "openMinWidth": 700,  # px: on a smaller map the legend starts closed
        }


class PageStyle(JSCSSMixin, MacroElement):
    """The map's CSS (geo/map/static/map.css) and its type scale --cm-scale, which sizes
    popups, the legend, place labels and cluster numbers: 1 at the desk; on the briefing
    screen 1.6 on a 1920x1080 screen and more on a larger one (screen.js, on load and on
    every resize), so a 4K wall is not half size. The header's custom property is the value
    before the script runs, and streamlit-folium applies it too (it drops the header's
    scripts, not its styles). Also brings the place labels (labels.js, labels.css), which
    the event layer and the basemap use, on a tile layer too.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>:root { --cm-scale: {{ this.scale }}; }</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        window.cmFitScreen({{ this.scale }}, {{ this.fit_screen | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links("screen.js", "labels.js")
    default_css = static_links("map.css", "labels.css")

    # The briefing screen's scale on a 1920x1080 screen (the reference size of screen.js).
    BRIEFING_SCALE = 1.6

    def __init__(self, briefing: bool = False) -> None:
        super().__init__()
        self._name = "PageStyle"
        self.scale = self.BRIEFING_SCALE if briefing else 1
        self.fit_screen = briefing


def split_events(
    features: Iterable[EventFeature], shapes: dict[str, Any]
) -> tuple[list[EventFeature], list[EventFeature]]:
    """(drawn at their point, drawn as an outline or listed). Provinces with an outline
    in `shapes` and every country-level event go to the region layer; everything else,
    provinces the basemap has no outline for included, is a point."""
    points: list[EventFeature] = []
    regions: list[EventFeature] = []
    for feature in features:
        level = feature["properties"].get("level")
        outlined = level == "province" and framing.outline_key(feature) in shapes
        (regions if outlined or framing.is_country_level(feature) else points).append(feature)
    return points, regions


def event_layers(
    m: folium.Map,
    features: Sequence[EventFeature],
    shapes: dict[str, Any],
    briefing: bool = False,
    publish: Publish | None = None,
) -> RegionLayer:
    """Add every event to the map once, with the legend and the edge hints, and open the
    map on the bulk of the located events (`framing.frame_bounds`). Returns the region
    layer."""
    box = framing.frame_bounds(features, shapes)
    if box:
        framing.fit(m, box)
    points, regions = split_events(features, shapes)
    width = 640 if briefing else 420
    region_layer = RegionLayer(regions, shapes, popup_width=width, publish=publish)
    region_layer.add_to(m)
    EventLayer(
        points, radius=11 if briefing else 7, popup_width=width, publish=publish, dark=briefing
    ).add_to(m)
    EdgeHints(features).add_to(m)
    Legend(
        types={f["properties"].get("event_type") or "other" for f in features}, dark=briefing
    ).add_to(m)
    return region_layer


def visible_group(features: Iterable[EventFeature]) -> folium.FeatureGroup:
    """The small feature group the app sends on every filter or slider change."""
    group = folium.FeatureGroup(name="visible", control=False)
    ShowOnly(f["n"] for f in features).add_to(group)
    return group
