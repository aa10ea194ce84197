"""The briefing screen's camera: the map follows the events of the moving date window.

A folium element for the app's briefing map only (the desk's map stays where its reader
puts it; the export has no autoplay). Its script is geo/map/static/follow.js, which listens
to the filter's "cm:applied" event; briefing-map.css makes the map fill its frame, which
the page's briefing.css makes fill the screen.
"""

from __future__ import annotations

from typing import Any

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from geo.map.assets import static_links

# Never closer than a town and its surroundings: the free part of the map spans at least
# this many km, so a window with one event shows where that town is, not its streets (the
# offline basemap has none). About zoom 9 on a 1920x1080 screen, 10 on a 3840x2160 one.
FOLLOW_MIN_KM = 200.0
# The events' box is kept this far (a share of the map's smaller side) inside the edges.
FOLLOW_MARGIN = 0.1
# Seconds an eased move takes. A step that comes during a move waits for its end.
FOLLOW_SECONDS = 1.2
# Zoom levels the events may be "too far out" before the map zooms in to them: a small
# change of the events does not move the map.
FOLLOW_SLACK = 1
# Places this close to another (km) are one group; the map frames the group with the most
# events of the window, so that a statement in a far capital does not zoom it out to half
# the world (the first view keeps such outliers out too: geo.map.framing.frame_bounds).
FOLLOW_GROUP_KM = 2500.0


class Follow(JSCSSMixin, MacroElement):
    """Ease the map to the visible events whenever the filter changes and they are not
    well framed (follow.js)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmFollow({{ this._parent.get_name() }}, {{ this.options | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links("follow.js")
    default_css = static_links("briefing-map.css")

    def __init__(
        self,
        min_km: float = FOLLOW_MIN_KM,
        margin: float = FOLLOW_MARGIN,
        seconds: float = FOLLOW_SECONDS,
        slack: int = FOLLOW_SLACK,
        group_km: float = FOLLOW_GROUP_KM,
    ) -> None:
        super().__init__()
        self._name = "Follow"
        self.options: dict[str, Any] = {
            "minKm": min_km,
            "margin": margin,
            "duration": seconds,
            "slack": slack,
            "groupKm": group_km,
            # The page's overlay (the period and captions, briefing.css) covers the map's
            # left side; the events are framed beside it.
            "overlay": ".cm-brief",
        }
