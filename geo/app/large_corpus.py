"""The app for a large corpus (`LARGE_EVENTS` events and more): the map made on the server.

The dashboard (app.py) holds every event in memory as a record and hands the browser all of
them; past a few tens of thousands that is what stops being interactive. For a corpus that
large app.py hands over to `page`: the build's columnar store is read once into numpy
arrays (geo.map.aggregate.load_table), each slider move or pan asks the server what is in
view at this zoom (`view_layer`: clusters, or one marker per incident when few enough), and
the browser draws only that, on a canvas (geo.map.aggregate_layer). A click on a marker
reads the full records of that event and its incident's reports from the store
(`records_by_id`): the click -> details path stays exact.

What this page keeps: the time window, the event types, the map, the counts, a click's
details and the events over time. What it leaves to the command line, and says so: adding
articles and corrections (a corpus this large is built with `campaign-map build`, on a
cluster if need be), the table and the event files (the store is the events as
GeoParquet). Its HTML map download holds the window (geo.map.large_export).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geo.corpus.io.store import STORE_DIR
from geo.map.aggregate import (
    LARGE_EVENTS,
    Bounds,
    EventTable,
    ViewLayer,
    data_box,
    date_span,
    day_of,
    events_at,
    in_window,
    incident_reports,
    records_by_id,
    store_event_count,
    type_mask,
    view_layer,
)
from geo.map.framing import FIT_MAX_ZOOM, FIT_PADDING
from geo.map.view import MIN_ZOOM

MAP_HEIGHT_PX = 620  # the dashboard's map height
MAP_WIDTH_PX = 1000  # a guess at the map's width before the browser says where it is
DETAILS_MOST = 10  # events read and shown for one click


def fitted_zoom(box: tuple[float, float, float, float], width: int, height: int) -> int:
    """The zoom at which Leaflet's fitBounds shows `box` in a map of that many pixels
    (Web Mercator, 256-pixel tiles), for the layer the server makes before the browser has
    said where the map is."""
    min_lon, min_lat, max_lon, max_lat = box

    def y(lat: float) -> float:
        lat = max(-85.0, min(85.0, lat))
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi)

    # As geo.map.framing.fit asks Leaflet: padding around the box, no closer than its
    # FIT_MAX_ZOOM, and never past the map's own limits.
    pixels = (width - 2 * FIT_PADDING[0], height - 2 * FIT_PADDING[1])
    spans = [(max_lon - min_lon) / 360.0, y(max_lat) - y(min_lat)]
    zooms = [math.log2(px / (256 * s)) for px, s in zip(pixels, spans, strict=True) if s > 0]
    zoom = math.floor(min(zooms)) if zooms else FIT_MAX_ZOOM
    return max(MIN_ZOOM, min(FIT_MAX_ZOOM, zoom))


@dataclass(frozen=True)
class MapView:
    """Where the map is: its bounds (south, west, north, east) and zoom."""

    bounds: Bounds
    zoom: int


def view_from(returned: Mapping[str, Any] | None, fallback: MapView) -> MapView:
    """The view streamlit-folium reported (`bounds`, `zoom`), else `fallback` (before
    the map has reported, or a report without them)."""
    bounds = (returned or {}).get("bounds") or {}
    south_west, north_east = bounds.get("_southWest") or {}, bounds.get("_northEast") or {}
    try:
        box = (
            float(south_west["lat"]),
            float(south_west["lng"]),
            float(north_east["lat"]),
            float(north_east["lng"]),
        )
        zoom = int((returned or {})["zoom"])
    except (KeyError, TypeError, ValueError):
        return fallback
    return MapView(box, zoom)


def window_mask(
    table: EventTable,
    window: tuple[datetime.date, datetime.date] | None,
    types: frozenset[str],
) -> np.ndarray:
    """The events of the window (all of them when the corpus has no dated event) of the
    chosen types (none chosen: every type)."""
    if window is None:
        return type_mask(table, types)
    return in_window(table, *window, types or None)


def weekly_counts(table: EventTable, types: frozenset[str]) -> dict[datetime.date, int]:
    """Events a week (by the Monday of the week each starts in) over the whole corpus, of
    the chosen types: the chart under the map."""
    mask = window_mask(table, None, types) & table.dated
    if not mask.any():
        return {}
    days = table.start[mask].astype(np.int64)
    # 1970-01-01 was a Thursday: day 4 is the first Monday.
    mondays = days - (days - 4) % 7
    weeks, counts = np.unique(mondays, return_counts=True)
    return {day_of(w): int(c) for w, c in zip(weeks, counts, strict=True)}


def picked_records(
    data_dir: Path, table: EventTable, mask: np.ndarray, clicked: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The records a map click picked: a marker's event first, then its incident's other
    reports; a bubble whose events stand at one point, those events (at most
    DETAILS_MOST, oldest first). [] without a click."""
    if not clicked:
        return []
    event_id = clicked.get("id")
    if event_id:
        others = [i for i in incident_reports(table, str(event_id)) if i != event_id]
        ids = [str(event_id), *others]
    else:
        try:
            ids = events_at(table, mask, float(clicked["lat"]), float(clicked["lng"]))
        except (KeyError, TypeError, ValueError):
            return []
    return records_by_id(data_dir, ids[:DETAILS_MOST])


def count_line(layer: ViewLayer) -> str:
    """ "12,000 events in the window · 8,000 in view (3,100 incidents) · 4,000 outside"."""
    counts = layer.counts
    line = (
        f"{counts.in_window:,} events in the window · {counts.in_view:,} in view "
        f"({counts.incidents_in_view:,} incidents)"
    )
    if counts.outside_view:
        line += f" · {counts.outside_view:,} outside the view"
    return line


def layer_for(table: EventTable, mask: np.ndarray, view: MapView) -> ViewLayer:
    return view_layer(table, mask, view.bounds, view.zoom)


def export_choice(
    table: EventTable,
    window: tuple[datetime.date, datetime.date],
    types: frozenset[str],
    most: int | None = None,
) -> tuple[tuple[datetime.date, datetime.date] | None, str]:
    """The window the HTML map download holds in full, and the button's help saying so:
    the window itself when it fits (`most`, default the export's EXPORT_MOST_EVENTS), else
    its most recent stretch that fits; None when its last day alone holds more."""
    from geo.map.export import readable_date
    from geo.map.large_export import EXPORT_MOST_EVENTS, recent_window

    most = EXPORT_MOST_EVENTS if most is None else most
    held = int(np.count_nonzero(in_window(table, *window, types or None)))
    if not held:
        return None, "No event in the window: nothing to put on a map"
    if held <= most:
        return window, (
            f"The window's {held:,} events in full, the others as counts: one "
            "self-contained HTML file that works offline"
        )
    chosen = recent_window(table, types, most, last=window[1])
    if chosen is None:
        last = readable_date(window[1].isoformat())
        return None, (
            f"{last} alone holds more events than an export holds in full ({most:,}): "
            "choose fewer types"
        )
    fits = " to ".join(readable_date(day.isoformat()) for day in chosen)
    return chosen, (
        f"The window holds {held:,} events, more than an export holds in full ({most:,}): "
        f"the file holds {fits} in full, the others as counts"
    )


def export_button(
    data_dir: Path,
    table: EventTable,
    window: tuple[datetime.date, datetime.date] | None,
    types: frozenset[str],
    briefing: bool,
) -> None:
    """The window's map as one offline HTML file (geo.map.large_export: its events in full,
    the rest as counts; `export_choice`), made when the button is clicked."""
    import streamlit as st

    from geo.map.export import render_export
    from geo.map.large_export import large_export, large_export_map

    if window is None:  # no dated event: nothing to put on a time control
        return
    chosen, help_text = export_choice(table, window, types)

    def html() -> bytes:
        if chosen is None:  # the button is disabled
            return b""
        export = large_export(data_dir, table, chosen, types)
        m = large_export_map(data_dir, table, export, briefing=briefing)
        return render_export(m).encode("utf-8")

    st.download_button(
        "Download HTML map",
        html,
        f"campaign-map-{chosen[0]}-{chosen[1]}.html" if chosen else "campaign-map.html",
        "text/html",
        on_click="ignore",
        disabled=chosen is None,
        help=help_text,
    )


MAP_KEY = "large-map"
RETURNS = ["last_object_clicked", "bounds", "zoom"]


def base_map(
    data_dir: Path,
    table: EventTable,
    style: str,
    publish: Callable[[str, object], str],
    publish_asset: Callable[[str, str], str],
) -> Any:
    """The finished map without events: the offline basemap framing the events, and the
    scripts of the layer each run adds (an empty layer loads them: streamlit-folium takes
    no script link from the group it adds)."""
    from geo.map.aggregate_layer import AggregateLayer
    from geo.map.basemap import basemap_for
    from geo.map.view import MapOptions, finish
    from geo.map.view import base_map as new_map

    box = data_box(table)
    options = MapOptions(style=style, basemap=basemap_for(data_dir, box), bounds=box)
    m = new_map(options, publish=publish)
    nothing = np.zeros(len(table), dtype=bool)
    AggregateLayer(layer_for(table, nothing, MapView((-90.0, -180.0, 90.0, 180.0), 3))).add_to(m)
    return finish(m, publish_asset=publish_asset)


def page(
    data_dir: Path,
    table: EventTable,
    base_map: Callable[[], Any],
    briefing: bool = False,
) -> None:
    """The large corpus's page: types and window in the sidebar, the map (its layer made
    for the view the map last reported), the counts, a click's details, the weeks.

    `table`: the store's EventTable (app.py keeps it per data version); `base_map()`: the
    finished map without events, loading aggregates.js (app.py caches it)."""
    import copy

    import folium
    import pandas as pd
    import streamlit as st
    from streamlit_folium import st_folium

    from geo.map.aggregate_layer import AggregateLayer
    from geo.map.popup import event_popup
    from geo.map.styles import EVENT_STYLES

    st.title("Campaign Map")
    st.caption(
        f"{len(table):,} events: a large corpus. The map shows what is in view: numbered "
        "bubbles where events are dense (a click zooms in), a dot per incident where they "
        "are few (a click shows its reports); **Download HTML map** saves the window's map. "
        "Articles are added and corrected with "
        "`campaign-map build` and `campaign-map correct`; the events themselves are "
        f"`{STORE_DIR}/` in the data folder (GeoParquet: geopandas, DuckDB and QGIS read it)."
    )
    span = date_span(table)
    with st.sidebar:
        st.header("Filters")
        present = [t for t in EVENT_STYLES if t in table.type_names]
        types = frozenset(
            st.multiselect(
                "Event types (none: all)",
                present,
                format_func=lambda t: EVENT_STYLES[t][1],
                key="large_types",
            )
        )
    box = data_box(table) or (-180.0, -60.0, 180.0, 75.0)
    first = MapView((box[1], box[0], box[3], box[2]), fitted_zoom(box, MAP_WIDTH_PX, MAP_HEIGHT_PX))

    # The slider, a pan or a zoom, a click rerun this panel alone, not the page (the chart
    # below depends on the types only).
    @st.fragment
    def window_panel() -> None:
        window = (
            st.slider(
                "Time window", span[0], span[1], span, format="YYYY-MM-DD", key="large_window"
            )
            if span and span[0] < span[1]
            else span
        )
        mask = window_mask(table, window, types)
        # The view the map reported on the run before (streamlit-folium keeps its value
        # under its key): the layer is made for it before the map is drawn.
        view = view_from(st.session_state.get(MAP_KEY), first)
        layer = layer_for(table, mask, view)
        line, button = st.columns([5, 1], vertical_alignment="center")
        line.markdown(f'<div class="cm-period">{count_line(layer)}</div>', unsafe_allow_html=True)
        with button:
            export_button(data_dir, table, window, types, briefing)
        group = folium.FeatureGroup(name="aggregates", control=False)
        AggregateLayer(layer, dark=briefing, scripts=False).add_to(group)
        returned = st_folium(
            copy.deepcopy(base_map()),
            key=MAP_KEY,
            height=MAP_HEIGHT_PX,
            use_container_width=True,
            feature_group_to_add=group,
            returned_objects=RETURNS,
        )
        if view_from(returned, view) != view:
            st.rerun(scope="fragment")  # the map moved: its layer again, for where it is
        st.subheader("Event details")
        clicked = (returned or {}).get("last_object_clicked")
        picked = picked_records(data_dir, table, mask, clicked)
        if not picked:
            st.caption("Click a dot on the map: its event and its incident's other reports.")
        for feature in picked:
            st.markdown(event_popup(feature["properties"]), unsafe_allow_html=True)

    window_panel()
    weeks = weekly_counts(table, types)
    if weeks:
        st.subheader("Events a week")
        st.bar_chart(pd.Series(weeks, name="events"), height=180)


__all__ = [
    "LARGE_EVENTS",
    "base_map",
    "page",
    "MapView",
    "count_line",
    "data_box",
    "date_span",
    "export_button",
    "export_choice",
    "fitted_zoom",
    "layer_for",
    "picked_records",
    "store_event_count",
    "view_from",
    "weekly_counts",
    "window_mask",
]
