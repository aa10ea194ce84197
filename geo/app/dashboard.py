"""The analyst dashboard's panels: what a map click picked, the details panel, the
events-over-time chart, the table and its downloads, and the shareable link.

app.py lays them out; everything here reads the events of the current window (`visible`)
and Streamlit's session state, so the AppTest tests (tests/test_app_logic.py) reach it all.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from geo.app import playback, share
from geo.app.corrections_form import Corrector, correction_form
from geo.app.playback import Session
from geo.corpus import tables
from geo.corpus.incidents import incidents
from geo.corpus.io import FORMATS, events_file
from geo.corpus.records import EventFeature
from geo.map import filters
from geo.map.export import export_html
from geo.map.popup import event_popup
from geo.map.snapshot import SnapshotError, check_browser, render_png
from geo.map.styles import EVENT_STYLES

TABLE_ROWS = 1000
PNG_SIZE = (1920, 1080)  # "Download PNG": a slide's size
# What the map reports (streamlit-folium): the clicked point (layers.js reports an event's own
# point, not the mouse's), a count of clicks (so a second click on the same marker, after a
# table pick moved the panel elsewhere, still counts), where the map is, for the link, and
# the last point clicked anywhere (a place for "Wrong place": geo.app.corrections_form).
MAP_RETURNS = ["last_object_clicked", "last_object_clicked_count", "center", "zoom", "last_clicked"]
# The keys of the table's row to event mapping and of a map click, in session state.
CLICKED, PICKED_ID, CLICK_SEEN = "clicked", "picked_id", "map_click_seen"
CENTER, ZOOM = "map_center", "map_zoom"
MAP_POINT = "map_point"  # (lat, lon) last clicked anywhere on the map


# -- what is picked --------------------------------------------------------------------


def pick(session: Session, feature: EventFeature) -> None:
    """Show `feature` (first) and the other events at its place in the details panel."""
    lon, lat = feature["geometry"]["coordinates"]
    session[CLICKED] = {"lat": lat, "lng": lon}
    session[PICKED_ID] = feature["properties"]["id"]


def pick_id(session: Session, features: Sequence[EventFeature], event_id: str) -> None:
    """Pick the event of that id, if there is one."""
    found = next((f for f in features if f["properties"]["id"] == event_id), None)
    if found is not None:
        pick(session, found)


def follow_picked(session: Session, features: Sequence[EventFeature]) -> None:
    """After a correction moved the picked event (a new place), the details panel follows
    it to its new point; an event no longer there (not a place) leaves the panel where it
    was."""
    if chosen := session.get(PICKED_ID):
        pick_id(session, features, chosen)


def picked_events(session: Session, visible: Sequence[EventFeature]) -> list[EventFeature]:
    """The visible events at the picked point, the picked event first."""
    chosen = session.get(PICKED_ID)
    return sorted(
        filters.events_at(visible, session.get(CLICKED)),
        key=lambda f: f["properties"]["id"] != chosen,
    )


def take_map_return(
    session: Session, returned: Mapping[str, Any] | None, visible: Sequence[EventFeature], key: str
) -> None:
    """What the map reported since the last run: a click on an event picks it; a click that
    hit no event (a cluster bubble, the land, a province outline) leaves the panel alone;
    the map's centre and zoom are kept for the shareable link.

    Clicks are told apart by streamlit-folium's click count, not by their point: the same
    marker clicked again (after a table row moved the panel elsewhere) must count again.
    The count starts again when the map is mounted again (another basemap style or tile
    layer: another `key`), so the map's key goes with it."""
    returned = returned or {}
    seen = (key, returned.get("last_object_clicked_count"))
    point = returned.get("last_object_clicked")
    if point and seen != session.get(CLICK_SEEN):
        session[CLICK_SEEN] = seen
        at = filters.events_at(visible, point)
        if at:
            session[CLICKED] = {"lat": point["lat"], "lng": point["lng"]}
            ids = {f["properties"]["id"] for f in at}
            # layers.js may name the clicked event; otherwise the place's first.
            session[PICKED_ID] = point.get("id") if point.get("id") in ids else None
    anywhere = returned.get("last_clicked")
    if isinstance(anywhere, Mapping):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            session[MAP_POINT] = (float(anywhere["lat"]), float(anywhere["lng"]))
    center, zoom = returned.get("center"), returned.get("zoom")
    if isinstance(center, Mapping) and isinstance(zoom, int | float):
        try:
            session[CENTER] = (float(center["lat"]), float(center["lng"]))
            session[ZOOM] = int(zoom)
        except (KeyError, TypeError, ValueError):
            pass


def picked_id(session: Session, visible: Sequence[EventFeature]) -> str | None:
    """The event the details panel shows first (the shareable link names it)."""
    picked = picked_events(session, visible)
    return picked[0]["properties"]["id"] if picked else None


def table_picked(session: Session) -> None:
    """A row picked in the table shows its event, as a click on its marker does."""
    rows = session["event_table"].selection.rows
    shown = session.get("table_events", [])
    if rows and rows[0] < len(shown):
        event_id, (lon, lat) = shown[rows[0]]
        session[CLICKED] = {"lat": lat, "lng": lon}
        session[PICKED_ID] = event_id


# -- panels ----------------------------------------------------------------------------


def details(
    session: Session,
    visible: Sequence[EventFeature],
    features: Sequence[EventFeature],
    articles: Mapping[str, Any],
    corrector: Corrector | None = None,
) -> None:
    """The picked event (first) and the other visible events at its place, each with its
    article's full text and a form to correct it; then every event at that place in the
    corpus, by date."""
    st.subheader("Event details")
    picked = picked_events(session, visible)
    if not picked:
        st.caption("Click a marker on the map, or pick a row of the table below.")
    for feature in picked[:10]:
        st.markdown(event_popup(feature["properties"]), unsafe_allow_html=True)
        article = articles.get(feature["properties"]["article_id"])
        if article:
            with st.expander("Full article text"):
                st.text(article["text"])
        if corrector is not None:
            correction_form(feature["properties"], corrector)
    if picked:
        incident_reports(picked[0], features)
        same_place = tables.by_date(filters.same_place(features, picked[0]))
        st.caption(f"{len(same_place)} events at {picked[0]['properties']['place']} in the corpus")
        st.dataframe(
            pd.DataFrame(tables.rows(same_place))[["date_start", "event_type", "snippet"]],
            hide_index=True,
            column_config={"snippet": st.column_config.TextColumn("snippet", width="large")},
        )


def incident_reports(picked: EventFeature, features: Sequence[EventFeature]) -> None:
    """Every report of the picked event's incident (geo.corpus.incidents), newest first,
    and where they disagree, each side with its sources."""
    incident = picked["properties"].get("incident_id")
    group = [f for f in features if incident and f["properties"].get("incident_id") == incident]
    if len(group) <= 1:
        return
    group.sort(key=lambda f: (f["properties"]["published"] or "", f["properties"]["id"]))
    st.caption(f"{len(group)} reports of this incident, newest first")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "published": p["published"],
                    "source": p["article_source"],
                    "dates": p["date_start"]
                    if p["date_start"] == p["date_end"]
                    else f"{p['date_start']} – {p['date_end']}",
                    "event_type": p["event_type"],
                    "figures": "; ".join(p.get("figures") or []),
                    "verification": p.get("verification") or "unverified",
                    "snippet": p["snippet"],
                    "article": p["article_title"],
                }
                for p in (f["properties"] for f in reversed(group))
            ]
        ),
        hide_index=True,
        column_config={"snippet": st.column_config.TextColumn("snippet", width="large")},
    )
    for disagreement in next(
        (i.disagreements for i in incidents(group) if picked["properties"]["id"] in i.event_ids),
        (),
    ):
        sides = " vs ".join(
            f"{side.value} ({', '.join(side.sources) or 'source unknown'})"
            for side in disagreement.sides
        )
        st.text(f"The reports disagree on {disagreement.about}: {sides}")


def chart(
    visible: Sequence[EventFeature], window: tuple[datetime.date, datetime.date] | None
) -> None:
    """Events per month and type; an event counts in each month of the window it overlaps."""
    st.subheader("Events over time")
    if not visible:
        st.caption("No events match the filters.")
        return
    counts = tables.monthly_counts(visible, *(window or (None, None)))  # a small payload
    bars = (
        alt.Chart(pd.DataFrame(counts, columns=["month", "event_type", "events"]))
        .mark_bar()
        .encode(
            x=alt.X("month:T", title="month", timeUnit="yearmonth"),
            y=alt.Y("events:Q", title="events"),
            color=alt.Color(
                "event_type:N",
                scale=alt.Scale(
                    domain=list(EVENT_STYLES), range=[s[0] for s in EVENT_STYLES.values()]
                ),
            ),
            tooltip=["month", "event_type", "events"],
        )
        .properties(height=220)
    )
    st.altair_chart(bars, width="stretch")


# The table's columns: what a reader scans first (when, what, where, the sentence), the rest
# after; the CSV has every field. The sentence gets a wide column; the picked row's whole
# text is in the details panel.
TABLE_COLUMNS = [
    "date_start",
    "date_end",
    "event_type",
    "place",
    "snippet",
    "actors",
    "figures",
    "article_title",
    "article_source",
    "published",
    "level",
    "time_basis",
    "confidence",
    "gazetteer_name",
    "id",
]


def table(session: Session, visible: Sequence[EventFeature]) -> list[EventFeature]:
    """The visible events by date (start, then end), at most TABLE_ROWS; a row picked shows
    its event in the details panel. Returns the events shown."""
    st.subheader(f"Events ({len(visible)})")
    if len(visible) > TABLE_ROWS:
        st.caption(
            f"The table shows the first {TABLE_ROWS:,}; the downloads have all {len(visible):,}."
        )
    if not visible:
        return []
    shown = tables.by_date(visible)[:TABLE_ROWS]
    session["table_events"] = [(f["properties"]["id"], f["geometry"]["coordinates"]) for f in shown]
    frame = pd.DataFrame(tables.rows(shown))
    st.dataframe(
        frame[[c for c in TABLE_COLUMNS if c in frame.columns]],
        hide_index=True,
        on_select=lambda: table_picked(session),
        selection_mode="single-row",
        key="event_table",
        column_config={
            "snippet": st.column_config.TextColumn(
                "snippet", width="large", help="The article's sentence (pick the row: all of it)"
            ),
            "article_title": st.column_config.TextColumn("article", width="medium"),
        },
    )
    return shown


def downloads(
    visible: Sequence[EventFeature],
    articles: Sequence[dict[str, Any]],
    style: str,
    basemap: Path | None,
    window: tuple[datetime.date, datetime.date] | None,
) -> None:
    """The current view's events and map as files (GeoJSON, CSV, the HTML export of the
    window, a PNG of that page), one row of buttons. Each file is made when its button is
    clicked, not on every rerun; the PNG only where chromium is there to draw it."""
    stamp = datetime.date.today().isoformat()

    def html() -> bytes:
        return export_html(visible, articles, style, basemap, window)

    def png() -> bytes:
        try:
            return render_png(html().decode("utf-8"), PNG_SIZE)
        except SnapshotError as exc:  # the page shows it as the download's error
            raise RuntimeError(f"No picture: {exc}") from None

    events, picture = f"campaign-events-{stamp}", f"campaign-map-{stamp}"
    files: list[tuple[str, Callable[[], bytes], str, str, str | None]] = [
        event_file(visible, "geojson", events),
        event_file(visible, "csv", events),
        (
            "Download HTML map",
            html,
            f"{picture}.html",
            "text/html",
            "The current view as one self-contained HTML file that works offline",
        ),
    ]
    try:
        check_browser()
        size = f"{PNG_SIZE[0]}x{PNG_SIZE[1]}"
        help_png = f"A {size} picture of the current view's map, for slides"
        files.append(("Download PNG", png, f"{picture}.png", "image/png", help_png))
    except SnapshotError:  # no browser to draw it with: no button
        pass
    *columns, more = st.columns(len(files) + 1)
    for col, (label, make, name, mime, help_text) in zip(columns, files, strict=True):
        col.download_button(label, make, name, mime, help=help_text)
    with more.popover("More formats", help="The current view's events for GIS tools"):
        for fmt in GIS_FORMATS:
            label, make, name, mime, help_text = event_file(visible, fmt, events)
            st.download_button(label, make, name, mime, help=help_text)


# Offered beside GeoJSON and CSV, for GIS tools (geo.corpus.io; `campaign-map export --format`).
GIS_FORMATS = ("gpkg", "kml", "parquet")


def event_file(
    visible: Sequence[EventFeature], fmt: str, stem: str
) -> tuple[str, Callable[[], bytes], str, str, str | None]:
    """A download button's label, maker, file name, media type and help for one format."""
    spec = FORMATS[fmt]
    return (
        f"Download {spec.label}",
        lambda: events_file(visible, fmt),
        f"{stem}{spec.suffix}",
        spec.media_type,
        None if fmt in ("geojson", "csv") else f"The current view's events as {spec.label}",
    )


def share_link(link: str) -> None:
    """ "Copy link": the address of this view, with a copy button (st.code's: the page's
    own clipboard code, no network)."""
    with st.popover(
        "Copy link",
        icon=":material/link:",
        help="A link that opens this view: window, filters, map",
    ):
        st.caption("Anyone who opens this link sees this view (window, filters, map, event).")
        st.code(link, language=None, wrap_lines=True)


# -- the view in the URL ---------------------------------------------------------------

# The sidebar's widgets' session-state keys (the filters' are "types", "actors", "sources" and
# "articles", as the View's fields).
PLACE_KEY, DARK_KEY, TILES_KEY = "place_query", "dark", "tiles"
MOUNT = "map_mount"  # (map key, centre, zoom) the map was last mounted with


def url_params() -> dict[str, list[str]]:
    """This page's query, every value of every name."""
    return {name: st.query_params.get_all(name) for name in st.query_params}


def restore(
    session: Session,
    view: share.View,
    span: tuple[datetime.date, datetime.date] | None,
    features: Sequence[EventFeature],
) -> None:
    """A visitor's first run: the widgets start where the URL's view says (`view` holds only
    values the corpus has: `View.restricted`). Later runs leave them to the widgets."""
    lists: tuple[tuple[str, Sequence[object]], ...] = (
        ("types", view.types),
        ("actors", view.actors),
        ("sources", view.sources),
        ("articles", view.articles),
        ("geo_precision", view.geo_precision),
        ("time_precision", view.time_precision),
        ("verification", view.verification),
    )
    for key, values in lists:
        if values:
            session[key] = list(values)
    if view.place:
        session[PLACE_KEY] = view.place
    if view.disagreeing:
        session["disagreeing"] = True
    if view.dark:
        session[DARK_KEY] = True
    if span and (view.start or view.end):
        lo, hi = span
        start = min(max(view.start or lo, lo), hi)
        end = min(max(view.end or hi, start), hi)
        session[playback.WINDOW_KEY] = (start, end)
    if view.event:
        pick_id(session, features, view.event)
    if view.center is not None and view.zoom is not None:
        session[CENTER], session[ZOOM] = view.center, view.zoom


def current_view(
    session: Session,
    visible: Sequence[EventFeature],
    *,
    window: tuple[datetime.date, datetime.date] | None,
    tiles: str | None,
) -> share.View:
    """The view on screen now, as a link gives it (defaults left out of the URL)."""
    center, zoom = session.get(CENTER), session.get(ZOOM)
    speed = float(session.get("speed", 1.0))
    step = session.get("step", "week")
    return share.View(
        start=window[0] if window else None,
        end=window[1] if window else None,
        types=tuple(session.get("types") or ()),
        actors=tuple(session.get("actors") or ()),
        sources=tuple(session.get("sources") or ()),
        articles=tuple(session.get("articles") or ()),
        place=session.get(PLACE_KEY) or "",
        geo_precision=tuple(session.get("geo_precision") or ()),
        time_precision=tuple(session.get("time_precision") or ()),
        verification=tuple(session.get("verification") or ()),
        disagreeing=bool(session.get("disagreeing")),
        event=picked_id(session, visible),
        center=center,
        zoom=zoom,
        dark=bool(session.get(DARK_KEY)),
        tiles=tiles,
        speed=speed if speed != 1.0 else None,
        step=step if step != "week" else None,
    )


def write_url(view: share.View) -> None:
    """The address bar shows `view` (only when it changed: each change is a message to the
    browser)."""
    wanted = share.params(view)
    if share.normal(wanted) != share.normal(url_params()):
        st.query_params.from_dict(wanted)


def map_view(session: Session, key: str) -> tuple[tuple[float, float] | None, int | None]:
    """The centre and zoom to give the map when it is mounted as `key`: where the map was
    (or the shared link's view, on the first run); the same values for as long as that map
    stays mounted, since a change would move it (streamlit-folium's `center`, `zoom`)."""
    mounted = session.get(MOUNT)
    if not mounted or mounted[0] != key:
        mounted = (key, session.get(CENTER), session.get(ZOOM))
        session[MOUNT] = mounted
    return mounted[1], mounted[2]
