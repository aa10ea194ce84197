"""The naive way to put events on a Streamlit map, for `benchmarks/app_speed.py` to compare.

What a tutorial does: read the events, filter them by the date slider, build a new folium map
with one `folium.Marker` (and a Popup of the snippet) per visible event inside a MarkerCluster,
and hand the whole map to `st_folium` on every change. Like the real app it is offline
(`tiles=None`, `geo.map.assets.make_offline`), so the comparison is about the rendering approach,
not the network. It has no basemap, which only makes it cheaper than the real app.

The one addition is `RenderedStamp`, the last thing in the map's script: it writes the number
of markers to the map frame's <html data-visible-events>, as the real app does, plus the time
of the next animation frame (`data-frame-at`), so the benchmark sees when the new map is drawn.

    CAMPAIGN_MAP_DATA=/tmp/mapdata-10k streamlit run benchmarks/naive_app.py
"""

from __future__ import annotations

import html
import json
import os
import sys
from pathlib import Path

import folium
import streamlit as st
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template
from streamlit_folium import st_folium

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.map.assets import make_offline  # noqa: E402
from geo.map.filters import date_range, overlaps  # noqa: E402

EVENTS = Path(os.environ.get("CAMPAIGN_MAP_DATA", "mapdata")) / "events.geojson"


class RenderedStamp(MacroElement):
    """Marks the frame's <html> once the map script has added every marker."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        document.documentElement.setAttribute("data-visible-events", "{{ this.count }}");
        requestAnimationFrame(function () {
            document.documentElement.setAttribute(
                "data-frame-at", String(performance.timeOrigin + performance.now()));
        });
        {% endmacro %}
        """
    )

    def __init__(self, count: int) -> None:
        super().__init__()
        self._name = "RenderedStamp"
        self.count = count


@st.cache_data
def load_events() -> list[dict]:
    return json.loads(EVENTS.read_text("utf-8"))["features"]


st.set_page_config(page_title="Naive map", layout="wide")
features = [f for f in load_events() if f["properties"].get("date_start")]
span = date_range(features)
with st.sidebar:
    start, end = st.slider(
        "Dates",
        min_value=span[0],
        max_value=span[1],
        value=span,
        format="YYYY-MM-DD",
        key="date_range",
    )
visible = [f for f in features if overlaps(f["properties"], start, end)]
st.write(f"{len(visible)} events")

m = folium.Map(location=[34.5, 42.0], zoom_start=6, tiles=None)
cluster = MarkerCluster().add_to(m)
for feature in visible:
    lon, lat = feature["geometry"]["coordinates"]
    props = feature["properties"]
    folium.Marker(
        [lat, lon], popup=folium.Popup(html.escape(props.get("snippet") or ""), max_width=400)
    ).add_to(cluster)
RenderedStamp(len(visible)).add_to(m)
make_offline(m)
# returned_objects=[]: the new map would otherwise send its bounds back and rerun the whole
# script once more after every change (slower still; left out to keep the benchmark short).
st_folium(m, key="naive", height=620, use_container_width=True, returned_objects=[])
