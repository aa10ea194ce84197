"""The map of a large corpus as folium elements: a `geo.map.aggregate.ViewLayer` (what is
in view at this zoom and window: clusters or one marker per incident) drawn by the page on
a canvas (geo/map/static/aggregates.js, window.cmAggregates); and an export's events held as
counts only, one such layer made ahead per zoom (`OverviewLayer`, window.cmZoomAggregates).

Like the project's other elements (geo.map.layers), it carries data and one call, no code:
the script comes as a link (`default_js`) that `geo.map.view.finish` points at the app's
static files or inlines into an export. Its parent may be the map or the feature group
the app sends on every rerun (streamlit-folium's `feature_group_to_add`; the base map
must then list the same scripts, as streamlit-folium collects no links from that group).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from geo.map.aggregate import ViewLayer
from geo.map.assets import static_links
from geo.map.framing import FIT_PADDING
from geo.map.layers import Publish
from geo.map.styles import EVENT_STYLES

# escape.js: cmEsc for the tooltips' labels.
AGGREGATE_JS = ("escape.js", "aggregates.js")


class AggregateLayer(JSCSSMixin, MacroElement):
    """One view's clusters or markers (`geo.map.aggregate.view_layer`), on a canvas.

    A cluster is a bubble sized by its number of events, the number written in it, ringed
    with its most frequent type's colour (its fill stays neutral, as the map's other
    cluster bubbles: a mix is not one type); a click zooms to its members' box, or, when
    they all stand at one point, reports that point as a marker click does. A marker is a
    small circle in its type's colour; a click reports the event's point and id to
    streamlit-folium (`last_object_clicked`), as layers.js does.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmAggregates({{ this._parent.get_name() }}, {{ this.options | tojson }},
                            {{ this.source | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links(*AGGREGATE_JS)

    def __init__(
        self,
        layer: ViewLayer | Mapping[str, Any],
        radius: int = 5,
        dark: bool = False,
        publish: Publish | None = None,
        scripts: bool = True,
    ) -> None:
        """`layer`: a ViewLayer or its `to_json()`; `publish(name, data) -> url`: the app
        writes the data as a static file the page fetches (see geo.map.layers.EventLayer);
        without it the data is inline (an export). `scripts=False`: the page has them
        already (the layer the app sends on every rerun: streamlit-folium would add its
        links as they are, unresolved, beside the map's)."""
        super().__init__()
        if not scripts:
            self.default_js = []
        self._name = "AggregateLayer"
        data = layer.to_json() if isinstance(layer, ViewLayer) else dict(layer)
        url = publish("aggregates", data) if publish else None
        self.source: dict[str, Any] = {"url": url} if url else {"data": data}
        self.options = drawing_options(radius, dark)


def drawing_options(radius: int, dark: bool) -> dict[str, Any]:
    """What aggregates.js draws with: marker size, outline, the types' colours and labels."""
    return {
        "radius": radius,
        # The markers' outline: dark on the light map, light on the briefing screen's.
        "stroke": "#f2f2f2" if dark else "#222",
        "dark": dark,
        "padding": FIT_PADDING,
        "styles": {t: [colour, label] for t, (colour, label) in EVENT_STYLES.items()},
    }


# Events held as counts only: grey, apart from every type's colour, and their numbers'
# ink; on the light map and on the briefing screen's dark one.
MUTED = {False: ("#7b828c", "#3d434a"), True: ("#a3abb5", "#dde2e8")}


class OverviewLayer(JSCSSMixin, MacroElement):
    """Events an export holds as counts only (geo.map.large_export): one layer per zoom,
    made ahead (`{zoom: ViewLayer}`), the page drawing at each zoom the one made for the
    closest zoom at or below it. Grey bubbles and dots under the events held in full;
    their tooltips say `what` they are ("outside this file's window"); a bubble's click
    zooms to its members, a dot's shows nothing more (the page has no record of it)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmZoomAggregates({{ this._parent.get_name() }}, {{ this.options | tojson }},
                                {{ this.layers | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links(*AGGREGATE_JS)

    def __init__(
        self, layers: Mapping[int, ViewLayer], what: str, radius: int = 5, dark: bool = False
    ) -> None:
        super().__init__()
        self._name = "OverviewLayer"
        self.layers = [[zoom, layers[zoom].to_json()] for zoom in sorted(layers)]
        self.options = drawing_options(radius, dark) | {
            "muted": {"colour": MUTED[dark][0], "ink": MUTED[dark][1], "what": what}
        }
