"""Campaign Map: the Streamlit app (analyst dashboard and `?view=briefing` screen).

Layout and widgets only; the logic lives in `geo/` (filters in `geo.map.filters`, map layers
in `geo.map.layers` and `geo.map.view`, the basemap in `geo.map.basemap`, playback in
`geo.app.playback`, tables in `geo.corpus.tables`, ingest in `geo.corpus.ingest`).
Run with `campaign-map serve` (or `streamlit run app.py`).
"""

from __future__ import annotations

import copy
import gc
import json
import os
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.app import (
    correction_choices,
    corrections_form,
    dashboard,
    large_corpus,
    playback,
    share,
    timeline,
)
from geo.app.static_files import StaticFiles
from geo.corpus.articles import CORRECTIONS_FILE, ArticleError
from geo.corpus.build import BuildSummary, build, user_corpus
from geo.corpus.corrections import STATUSES
from geo.corpus.ingest import UPLOAD_LIMIT_MB, UPLOAD_TYPES, add_article
from geo.corpus.io.store import MONTHS_FILE, STORE_DIR
from geo.corpus.outputs import MapDataError, read_build
from geo.corpus.records import EventFeature
from geo.map import filters, layers, tiles
from geo.map.aggregate import EventTable, load_table_once
from geo.map.basemap import FILE_NAME as BASEMAP_FILE
from geo.map.basemap import basemap_damage, basemap_for, region_shapes
from geo.map.basemap_build import ensure_basemap, remove_damaged_basemap
from geo.map.bounds import event_bounds
from geo.map.escape import escape_markdown, escape_text
from geo.map.follow import Follow
from geo.map.framing import count_label
from geo.map.styles import EVENT_STYLES
from geo.map.tiles import TileSource
from geo.map.view import MapOptions, finish
from geo.map.view import base_map as new_map
from geo.pipeline.precision import GEO_LABELS, TIME_LABELS

CORPUS = Path(os.environ.get("CAMPAIGN_MAP_CORPUS", "seeds"))
MAPDATA = Path(os.environ.get("CAMPAIGN_MAP_DATA", "mapdata"))
# "Add an article" writes here (git-ignored), never into the corpus folder; the build maps
# both.
ADDED = user_corpus(MAPDATA)
EVENTS = MAPDATA / "events.geojson"
ARTICLES = MAPDATA / "articles.json"
CORRECTIONS = ADDED / CORRECTIONS_FILE  # the app's corrections (the CLI's: the corpus folder's)
MAP_KEY = "campaign-map"

st.set_page_config(page_title="Campaign Map", page_icon="🗺️", layout="wide")
briefing = (
    st.query_params.get("view") == "briefing" or os.environ.get("CAMPAIGN_MAP_VIEW") == "briefing"
)


# -- a large corpus: the map made on the server (geo.app.large_corpus) -----------------

STORE_LIST = MAPDATA / STORE_DIR / MONTHS_FILE  # rewritten by every build that changes the store


@st.cache_data(show_spinner=False, max_entries=2)
def store_size(store_stamp: float) -> int:
    return large_corpus.store_event_count(MAPDATA)


@st.cache_resource(show_spinner="Reading the events…", max_entries=1)
def event_table(store_stamp: float) -> EventTable:
    table = load_table_once(MAPDATA, store_stamp)  # read at the server's start, if it was
    keep_out_of_gc()  # as the dashboard's events: no full collection over them per rerun
    return table


@st.cache_resource(show_spinner=False, max_entries=2)
def large_base_map(store_stamp: float, style: str) -> object:
    table = event_table(store_stamp)
    return large_corpus.base_map(MAPDATA, table, style, publish, publish_asset)


def large_page() -> None:
    """A corpus past LARGE_EVENTS events: its own page (a viewer: no build runs here)."""
    stamp = _stamp(STORE_LIST)
    try:
        table = event_table(stamp)
    except ValueError as exc:  # the store missing or damaged: one line, the command
        st.error(escape_markdown(exc))
        st.stop()
    style = "dark" if briefing else "light"
    large_corpus.page(MAPDATA, table, lambda: large_base_map(stamp, style), briefing)
    st.stop()


# -- data ------------------------------------------------------------------------------


def text_list(lines: list[str]) -> None:
    """Lines of article text (titles, file names, reasons) shown literally: escaped, in one
    HTML block, which Markdown neither formats nor links."""
    if lines:
        st.markdown(
            '<ul class="cm-list">'
            + "".join(f"<li>{escape_text(' '.join(line.split()))}</li>" for line in lines)
            + "</ul>",
            unsafe_allow_html=True,
        )


def _stamp(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_resource(show_spinner=False, max_entries=2)  # shared, never copied per rerun
def load_data(events_stamp: float, articles_stamp: float) -> tuple[list[EventFeature], dict]:
    """The build's events and articles, checked (MapDataError when a file is damaged)."""
    data = read_build(MAPDATA)
    keep_out_of_gc()
    return filters.numbered(data.features), data.articles


def keep_out_of_gc() -> None:
    """Move what is alive now (the corpus just loaded) out of the garbage collector's way.

    Streamlit runs a full collection after every script run; over 10,000 cached events it
    took 130-220 ms, twice per slider move, and held the interpreter while the map's update
    was on its way to the browser (benchmarks/app_speed.py). The events are plain JSON (no
    reference cycles): when a new data version replaces them, reference counting still
    frees them."""
    gc.freeze()


STATIC_FILES = StaticFiles(Path(__file__).resolve().parent / "static" / "cm", "/app/static/cm")


def publish(name: str, data: object) -> str:
    """Write map data where the page fetches it once (Streamlit's static files, same host)."""
    return publish_asset(f"{name}.json", json.dumps(data, ensure_ascii=False, sort_keys=True))


def publish_asset(file_name: str, text: str) -> str:
    """Write a file the map loads (its data, Leaflet) to the static files
    (geo.app.static_files: content-named, old versions removed)."""
    return STATIC_FILES.publish(file_name, text)


@st.cache_resource(show_spinner=False, max_entries=2)
def events_box(events_stamp: float) -> tuple[float, float, float, float] | None:
    features, _ = load_data(events_stamp, _stamp(ARTICLES))
    return event_bounds(features)


def basemap_file(events_stamp: float) -> Path:
    """The offline basemap this data is drawn on (its own, or the project's: see there)."""
    return basemap_for(MAPDATA, events_box(events_stamp))


@st.cache_resource(show_spinner=False, max_entries=4)
def base_map(
    events_stamp: float,
    basemap_stamp: float,
    style: str,
    tiles: TileSource | None,
    follow: bool = False,
) -> tuple[object, list[str]]:
    """The map with every event on it, built once per data version, style and tile layer.
    Its data is published as static files, so the map's script is a few kilobytes and
    reruns are cheap. The event layers open it on the bulk of the events and add the legend,
    the edge hints and the country list (`layers.event_layers`)."""
    features, _ = load_data(events_stamp, _stamp(ARTICLES))
    basemap = basemap_file(events_stamp)
    m = new_map(
        MapOptions(style=style, tiles=tiles, basemap=basemap),
        publish=publish,
    )
    layers.event_layers(
        m, features, region_shapes(basemap), briefing=style == "dark", publish=publish
    )
    if follow:  # the briefing screen: the map eases to the events of the moving window
        Follow().add_to(m)
    return finish(m, publish_asset=publish_asset), []  # (no region goes unshown any more)


def build_corpus() -> BuildSummary:
    """Map the corpus folder again, and keep the basemap covering its events (a new article
    may be about a place far from the others)."""
    summary = build(CORPUS, MAPDATA, progress=False)
    repaired = remove_damaged_basemap(MAPDATA)
    if repaired:
        summary.repaired.append(repaired)
    try:
        ensure_basemap(MAPDATA, filters.load_events(EVENTS))
    except ValueError as exc:  # the data folder's view.toml is unusable
        st.warning(escape_markdown(exc))
    return summary


@st.cache_resource(show_spinner=False, max_entries=2)
def actor_names(events_stamp: float) -> list[str]:
    features, _ = load_data(events_stamp, _stamp(ARTICLES))
    return sorted({a for f in features for a in f["properties"]["actors"] if a})


def load_or_repair() -> tuple[list[EventFeature], dict]:
    """The map data; damaged files (the events, the articles, the basemap) are built again
    and the user told, and a build that cannot repair them is one line naming the file, not
    a traceback."""
    problems = []
    try:
        loaded = load_data(_stamp(EVENTS), _stamp(ARTICLES))
    except MapDataError as exc:
        problems.append(f"{exc.path.name}: {exc.problem}")
    if damaged := basemap_damage(MAPDATA / BASEMAP_FILE):
        problems.append(f"{BASEMAP_FILE}: {damaged}")
    if not problems:
        return loaded
    with st.spinner("Repairing the map data…"):
        summary = build_corpus()
    try:
        loaded = load_data(_stamp(EVENTS), _stamp(ARTICLES))
    except MapDataError as exc:
        st.error(escape_markdown(exc))
        st.stop()
    st.warning(escape_markdown("Repaired the map data: " + "; ".join(summary.repaired or problems)))
    return loaded


def save_corrections(targets: list[correction_choices.Target], why: str, what: str) -> None:
    """An analyst's corrections, appended to the corrections file beside the added articles
    (the corpus folder is never written to), then mapped; the sidebar says what was saved."""
    written = correction_choices.write_entries(CORRECTIONS, targets, why)
    with st.spinner("Applying the correction…"):
        summary = build_corpus()
    corrected = filters.load_events(EVENTS)
    dashboard.follow_picked(st.session_state, corrected)
    if filters.date_range(corrected) != span:  # a new date past the corpus's: show it all
        st.session_state.pop(playback.WINDOW_KEY, None)
        st.session_state.pop("date_range", None)
    st.session_state["corpus_signature"] = playback.folder_signature(
        CORPUS
    ) + playback.folder_signature(ADDED)
    # Names from the gazetteer or typed by the analyst: literal text, never Markdown.
    st.session_state["added"] = escape_markdown(
        f"{correction_choices.saved_line(what, written)} (saved in {CORRECTIONS}); "
        f"{summary.events} events in the corpus."
    )
    st.rerun(scope="app")


def corrector() -> corrections_form.Corrector:
    return corrections_form.Corrector(
        save_corrections,
        CORRECTIONS,
        _stamp(EVENTS),
        features,
        st.session_state.get(dashboard.MAP_POINT),
    )


def refresh_if_corpus_changed() -> None:
    """New files dropped into the corpus folder are picked up on the next refresh."""
    signature = playback.folder_signature(CORPUS) + playback.folder_signature(ADDED)
    if st.session_state.get("corpus_signature") == signature and EVENTS.exists():
        return
    if st.session_state.get("corpus_signature") is not None or not EVENTS.exists():
        with st.spinner("Mapping new articles…"):
            build_corpus()
    st.session_state["corpus_signature"] = signature


if store_size(_stamp(STORE_LIST)) >= large_corpus.LARGE_EVENTS:
    large_page()
refresh_if_corpus_changed()
features, articles_doc = load_or_repair()
articles = {a["id"]: a for a in articles_doc["articles"]}
span = filters.date_range(features)

if briefing:
    st.markdown(playback.BRIEFING_CSS, unsafe_allow_html=True)

# -- empty state -----------------------------------------------------------------------

if not features:
    st.title("Campaign Map")
    st.info(
        f"No events yet. Put news articles (.txt, .md, .html) into `{CORPUS}/` or add one "
        "with “Add an article” in the sidebar; each is geoparsed and mapped."
    )
    if articles_doc["skipped"]:
        st.warning(
            "Files that could not be read: "
            + "; ".join(
                f"{escape_markdown(s['file'])}: {escape_markdown(s['reason'])}"
                for s in articles_doc["skipped"]
            )
        )

# -- controls --------------------------------------------------------------------------

# Tile layers are off unless chosen here or in the URL (?tiles=osm|dark|local).
try:
    tile_choices = tiles.tile_sources()
except tiles.TileConfigError as exc:
    tile_choices = dict(tiles.PRESETS)
    st.warning(f"Local tile server not used: {exc}")
if "tiles" not in st.session_state:
    wanted = st.query_params.get("tiles", tiles.OFFLINE)
    if wanted != tiles.OFFLINE and wanted not in tile_choices:
        st.warning(
            # The value comes from a link anyone can craft: literal text, never Markdown (an
            # image or a link in the app's own warning box).
            f"Unknown tiles {escape_markdown(repr(wanted))}: choose one of "
            f"{', '.join([tiles.OFFLINE, *tile_choices])}. Showing the offline map."
        )
        wanted = tiles.OFFLINE
    st.session_state["tiles"] = wanted
# A briefing URL can set the pace: ?view=briefing&speed=2&step=month.
playback.init_pace(st.session_state, st.query_params)
source_names = sorted({a["source"] or "unknown" for a in articles.values()})
# A shared link (geo.app.share) sets the view on a visitor's first run; then the widgets rule.
if "shared_view" not in st.session_state:
    st.session_state["shared_view"] = True
    dashboard.restore(
        st.session_state,
        share.parse(
            dashboard.url_params(), steps=playback.STEPS, parse_speed=playback.parse_speed
        ).restricted(
            types=EVENT_STYLES,
            actors=actor_names(_stamp(EVENTS)),
            sources=source_names,
            articles=articles,
        ),
        span,
        features,
    )

if span and playback.WINDOW_KEY not in st.session_state:
    st.session_state[playback.WINDOW_KEY] = playback.default_window(
        span, briefing, filters.busy_range(features)
    )
if "playing" not in st.session_state:
    st.session_state["playing"] = briefing  # the briefing screen plays on its own

# Playback's timer: the window panel reruns on it while playing. Play and the speed are
# beside the slider, inside that panel, which compares them with this (see there).
state = playback.PlaybackState.from_session(st.session_state, span)
timer = timeline.timer(state, span)
with st.sidebar:
    st.header("Campaign Map")
    types = st.multiselect(
        "Event types", list(EVENT_STYLES), format_func=lambda t: EVENT_STYLES[t][1], key="types"
    )
    actors = st.multiselect("Actors", actor_names(_stamp(EVENTS)), key="actors")
    sources = st.multiselect("Sources", source_names, key="sources")
    picked_articles = st.multiselect(
        "Articles", list(articles), format_func=lambda i: articles[i]["title"][:80], key="articles"
    )
    query = st.text_input("Place search", key="place_query", placeholder="e.g. a town name")
    geo_codes = st.multiselect(
        "Place precision",
        list(GEO_LABELS),
        format_func=lambda c: f"{c}: {GEO_LABELS[c]}",
        key="geo_precision",
        help="ACLED-style codes: how exactly an event's place is known",
    )
    time_codes = st.multiselect(
        "Time precision",
        list(TIME_LABELS),
        format_func=lambda c: f"{c}: {TIME_LABELS[c]}",
        key="time_precision",
        help="ACLED-style codes: how exactly an event's time is known",
    )
    statuses = st.multiselect(
        "Verification",
        list(STATUSES),
        key="verification",
        help="An analyst's word on each incident: the latest verdict on any of its reports "
        "(a briefing link limited to verified incidents: ?view=briefing&status=verified)",
    )
    disagreeing = st.checkbox(
        "Only incidents whose reports disagree",
        key="disagreeing",
        help="Reports of one incident that give different figures, dates or actors",
    )
    style = "dark" if briefing or st.toggle("Dark basemap", key="dark") else "light"
    tile_key = st.selectbox(
        "Tiles under the map",
        [tiles.OFFLINE, *tile_choices],
        key="tiles",
        format_func=lambda k: tile_choices[k].label if k in tile_choices else "None (offline)",
        help="Online tiles fetch images from that service; the default needs no network.",
    )
    # The last article added stays said until the next one (a message shown for one run
    # only is gone when a second run follows at once: the map reporting its view, say).
    if "added" in st.session_state:
        st.success(st.session_state["added"])

    with st.expander("Add an article"), st.form("add_article", clear_on_submit=True):
        uploaded = st.file_uploader(
            "File", type=list(UPLOAD_TYPES), max_upload_size=UPLOAD_LIMIT_MB
        )
        pasted = st.text_area("…or paste the text")
        title = st.text_input("Title (optional)")
        source = st.text_input("Source (optional)")
        published = st.date_input("Published (optional)", value=None)
        if st.form_submit_button("Add and map"):
            if uploaded is None and not pasted.strip():  # e.g. the uploader refused the file
                st.error("Nothing to add: choose a .txt, .md or .html file, or paste the text.")
            else:
                try:
                    if uploaded is not None:
                        data, name = uploaded.getvalue(), uploaded.name
                    else:
                        data, name = pasted.encode("utf-8"), (title or "pasted") + ".txt"
                    path = add_article(
                        ADDED,
                        data,
                        name,
                        published=published,
                        source=source or None,
                        title=title or None,
                    )
                    with st.spinner("Geoparsing…"):
                        summary = build_corpus()
                    st.session_state["corpus_signature"] = playback.folder_signature(
                        CORPUS
                    ) + playback.folder_signature(ADDED)
                    st.session_state["added"] = (
                        f"Added {path.name}: {summary.events} events in the corpus."
                    )
                    # The corpus may now span more time: show all of it, new events included.
                    st.session_state.pop(playback.WINDOW_KEY, None)
                    st.session_state.pop("date_range", None)
                    st.rerun()
                except ArticleError as exc:
                    st.session_state.pop("added", None)
                    st.error(escape_markdown(exc))

# Every filter but the dates: the date window moves often (slider, playback) and is
# applied to this smaller list by the window panel alone.
flt = filters.EventFilter(
    types=frozenset(types),
    actors=frozenset(actors),
    articles=frozenset(picked_articles),
    sources=frozenset(s for s in sources if s != "unknown"),
    place_query=query,
    geo_precision=frozenset(geo_codes),
    time_precision=frozenset(time_codes),
    verification=frozenset(statuses),
    disagreeing_only=disagreeing,
)
if "unknown" in sources:
    flt = filters.EventFilter(**{**flt.__dict__, "sources": flt.sources | {""}})

# -- map, details, chart and table: everything that follows the date window ------------

matching = filters.filter_events(features, flt)


# The slider, a playback step or a marker click reruns this fragment alone, not the page.
# The map comes first in it: its update leaves for the browser while the chart and table
# are computed. (Not a follow-up full rerun for those: a new full run drops the updates
# still queued for the browser, the map's included: benchmarks/app_speed.py.)
@st.fragment(run_every=timer)
def window_panel() -> None:
    current = playback.PlaybackState.from_session(st.session_state, span)
    if current.playing and span and playback.step_due(st.session_state, current.seconds):
        current = current.advanced()
        timeline.set_window(st.session_state, current.start, current.end)
    if span and not briefing:
        timeline.controls(st, st.session_state, span)
        current = playback.PlaybackState.from_session(st.session_state, span)
        if timeline.timer(current, span) != timer:  # Play, Pause, a new speed: a new timer
            st.rerun(scope="app")
    window = (current.start, current.end) if span else None
    visible = filters.in_window(matching, *window) if window else []
    # no dated event: no period (and not today's date); the briefing's is over its map.
    # "Copy link" goes beside it once the map has said where it is.
    period, link_slot = (
        (None, None) if briefing else st.columns([5, 1], vertical_alignment="center")
    )
    if window and period is not None:
        period.markdown(
            f'<div class="cm-period">{playback.period_label(*window)}'
            f'<span class="cm-count"> · {count_label(visible)}</span></div>',
            unsafe_allow_html=True,
        )
    if not features:
        return
    # st_folium renames the elements of the map it is given, so it gets a copy of the
    # cached map each run; identical copies give identical scripts: no remount.
    m = copy.deepcopy(
        base_map(
            _stamp(EVENTS),
            _stamp(basemap_file(_stamp(EVENTS))),
            style,
            tile_choices.get(tile_key),
            follow=briefing,
        )[0]
    )
    key = f"{MAP_KEY}-{style}-{tile_key}"
    # Where the map opens when mounted: a shared link's view, or where it was before a new
    # style or tile layer mounted it again (the briefing's map follows the events itself).
    center, zoom = (None, None) if briefing else dashboard.map_view(st.session_state, key)
    returned = st_folium(
        m,
        key=key,
        height=620,  # the briefing's map fills the screen instead (briefing.css)
        use_container_width=True,
        feature_group_to_add=layers.visible_group(visible),
        returned_objects=["last_object_clicked"] if briefing else dashboard.MAP_RETURNS,
        center=center,
        zoom=zoom,
    )
    if briefing:
        playback.briefing_overlay(st, current, visible, filters.status_label(flt))
        return
    dashboard.take_map_return(st.session_state, returned, visible, key)
    view = dashboard.current_view(
        st.session_state,
        visible,
        window=window,
        tiles=None if tile_key == tiles.OFFLINE else tile_key,
    )
    dashboard.write_url(view)
    if link_slot is not None:
        with link_slot:
            dashboard.share_link(share.link(st.context.url or "", view))
    left, right = st.columns([3, 2])
    with right:
        dashboard.details(st.session_state, visible, features, articles, corrector())
    with left:
        dashboard.chart(visible, window)
    dashboard.table(st.session_state, visible)
    if visible:
        dashboard.downloads(
            visible, list(articles.values()), style, basemap_file(_stamp(EVENTS)), window
        )


window_panel()
if briefing:
    st.stop()

# -- what could not be mapped ----------------------------------------------------------

with st.expander("Places that could not be resolved, undated articles, skipped files"):
    unresolved = [
        {
            "article": a["title"][:60],
            "place": u["text"],
            "reason": u["reason"],
            "sentence": u["sentence"][:200],
        }
        for a in articles.values()
        for u in a["unresolved"]
    ]
    st.markdown(f"**Unresolved place names ({len(unresolved)})**")
    if unresolved:
        st.dataframe(pd.DataFrame(unresolved), hide_index=True)
        corrections_form.unresolved_form(
            correction_choices.unresolved_names(articles.values()), corrector()
        )
    undated = [a for a in articles.values() if not a["published"]]
    st.markdown(
        f"**Undated articles ({len(undated)})**: their events have no date and are "
        "not on the time slider."
    )
    text_list([f"{a['title']} ({a['file']})" for a in undated])
    eventless = [a for a in articles.values() if not a["events"]]
    st.markdown(
        f"**Articles with no mapped events ({len(eventless)})**: no place in them "
        "was found on the map."
    )
    text_list([f"{a['title']} ({a['file']})" for a in eventless])
    warned = [f"{a['file']}: {w}" for a in articles.values() for w in a["warnings"]]
    st.markdown(f"**Warnings ({len(warned)})**")
    text_list(warned)
    st.markdown(f"**Skipped files ({len(articles_doc['skipped'])})**")
    text_list([f"{s['file']}: {s['reason']}" for s in articles_doc["skipped"]])
