"""The static export of a large corpus: still one file that opens anywhere, offline.

A million events in full would make a page of gigabytes that no browser opens. So the
export of a large corpus (`geo.map.aggregate.LARGE_EVENTS` events and more) holds in full
the events of one time window, at most `EXPORT_MOST_EVENTS` (the size at which the
dashboard's own map stays smooth), read from the build's store by id: their markers,
popups, legend and time control are any export's (`geo.map.export.export_map`). The
corpus's other events of the chosen types (other dates, or undated) are there as counts
only: clusters made ahead for each zoom (`overview_layers`, drawn grey by
`geo.map.aggregate_layer.OverviewLayer`), so the reader still sees where and how much
happened outside the window. The title box's note and a key on the map say which is which
and how to export another window.

Without a window asked for, the export takes the most recent stretch that fits
(`recent_window`); a window that holds too many is refused with one that would fit.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import numpy as np
from branca.element import MacroElement

from geo.corpus.records import EventFeature
from geo.map.aggregate import (
    Bool,
    EventTable,
    ViewLayer,
    data_box,
    date_span,
    day_number,
    day_of,
    in_window,
    records_by_id,
    type_mask,
    view_layer,
)
from geo.map.aggregate_layer import OverviewLayer
from geo.map.basemap import basemap_for
from geo.map.escape import escape_text
from geo.map.export import export_map, readable_date
from geo.map.layers import HtmlControl
from geo.map.styles import EVENT_STYLES
from geo.map.view import MAX_ZOOM, MIN_ZOOM

# The events an export holds in full: the dashboard's scale target, whose map and time
# control stay smooth in a browser (benchmarks/app_speed.py); about 10 MB of page.
EXPORT_MOST_EVENTS = 10_000
# The overview's layers, as JSON, stop at the zoom that would take them past this; past
# its last zoom the page keeps drawing that zoom's clusters.
OVERVIEW_MOST_BYTES = 4_000_000
WORLD = (-90.0, -180.0, 90.0, 180.0)
OUTSIDE = "outside this file's window"

Window = tuple[datetime.date, datetime.date]


class WindowTooFull(ValueError):
    """A window holds more events than an export holds in full (the message says which
    window would fit)."""


def _window_text(window: Window) -> str:
    first, last = (readable_date(day.isoformat()) for day in window)
    return first if window[0] == window[1] else f"{first} to {last}"


def recent_window(
    table: EventTable, types: Iterable[str] | None, most: int, last: datetime.date | None = None
) -> Window | None:
    """The longest stretch of days ending on `last` (default: the corpus's last day) whose
    events of these types (`in_window`'s rule) number at most `most`. None when no event
    of these types is dated on or before `last`, or when `last` alone holds more."""
    dated = table.dated & type_mask(table, types)
    if last is not None:
        dated &= table.start <= day_number(last)
    if not dated.any():
        return None
    ends = table.end[dated].astype(np.int64)
    first = int(table.start[dated].min())
    end = int(ends.max()) if last is None else day_number(last)
    # held[i]: the events of [first + i, end], those ending on or after that day (all start
    # by `end`): a count by end day summed from the right. It falls as the day rises.
    base = min(first, int(ends.min()))
    by_end = np.bincount(ends - base, minlength=end - base + 1)
    held = np.cumsum(by_end[::-1])[::-1][first - base : end - base + 1]
    if held[-1] > most:
        return None
    return day_of(first + int(np.argmax(held <= most))), day_of(end)


def export_window(
    table: EventTable,
    start: datetime.date | None,
    end: datetime.date | None,
    types: frozenset[str],
    most: int | None = None,
) -> Window:
    """The window an export of `table` holds in full: [start, end] as asked (an open end:
    the corpus's own), or, with neither, the most recent stretch that fits. WindowTooFull
    when it holds more than `most` events of these types; ValueError when the corpus has
    no dated event of them. `most`: default EXPORT_MOST_EVENTS."""
    most = EXPORT_MOST_EVENTS if most is None else most
    span = date_span(table, type_mask(table, types))
    if span is None:
        raise ValueError("no dated event of these types: nothing to put on a time control")
    if start is None and end is None:
        window = recent_window(table, types, most)
        if window is None:
            raise WindowTooFull(_too_full(table, (span[1], span[1]), types, most))
        return window
    window = (start or span[0], end or span[1])
    if np.count_nonzero(in_window(table, *window, types or None)) > most:
        raise WindowTooFull(_too_full(table, window, types, most))
    return window


def _too_full(table: EventTable, window: Window, types: frozenset[str], most: int) -> str:
    held = int(np.count_nonzero(in_window(table, *window, types or None)))
    fits = recent_window(table, types, most, last=window[1])
    hint = (
        f"--start {fits[0]} --end {fits[1]} holds {_count(table, fits, types):,}"
        if fits
        else "choose fewer --types"
    )
    return (
        f"{_window_text(window)} holds {held:,} events; the export of a large corpus holds "
        f"at most {most:,} in full: a shorter window ({hint})"
    )


def _count(table: EventTable, window: Window, types: frozenset[str]) -> int:
    return int(np.count_nonzero(in_window(table, *window, types or None)))


def window_events(
    data_dir: Path, table: EventTable, window: Window, types: frozenset[str]
) -> list[EventFeature]:
    """The full records of the window's events of these types, from the store."""
    mask = in_window(table, *window, types or None)
    features: list[Any] = records_by_id(data_dir, table.ids[mask].tolist())
    return features


def overview_layers(
    table: EventTable, mask: Bool, most_bytes: int = OVERVIEW_MOST_BYTES
) -> dict[int, ViewLayer]:
    """The events of `mask` over the whole world as clusters (and a dot for a cell of one
    incident), one layer per zoom from the map's least, stopping before the zoom whose
    layer would take them past `most_bytes` of JSON (the least zoom's is always there).
    Empty when `mask` holds no event."""
    layers: dict[int, ViewLayer] = {}
    if not mask.any():
        return layers
    size = 0
    for zoom in range(MIN_ZOOM, MAX_ZOOM + 1):
        layer = view_layer(table, mask, WORLD, zoom, max_markers=0)
        weight = len(json.dumps(layer.to_json(), separators=(",", ":")))
        if layers and size + weight > most_bytes:
            break
        layers[zoom] = layer
        size += weight
    return layers


def articles_of(features: Iterable[EventFeature]) -> list[dict[str, Any]]:
    """The articles the events cite, as the export's note lists them (from the events'
    own fields: a large build's articles.json is not needed)."""
    articles: dict[str, dict[str, Any]] = {}
    for feature in features:
        p = feature["properties"]
        articles.setdefault(
            p["article_id"],
            {
                "id": p["article_id"],
                "title": p.get("article_title"),
                "source": p.get("article_source"),
                "published": p.get("published"),
            },
        )
    return list(articles.values())


@dataclass(frozen=True)
class LargeExport:
    """What the export of a large corpus holds: `features` in full (the window's, after the
    caller's other filters), `window`, and the other events of the chosen types as counts
    (`outside`, and their clusters per zoom)."""

    features: list[EventFeature]
    window: Window
    types: frozenset[str]
    outside: int
    overview: dict[int, ViewLayer]


def large_export(
    data_dir: Path,
    table: EventTable,
    window: Window,
    types: frozenset[str],
    keep: Callable[[list[EventFeature]], list[EventFeature]] | None = None,
) -> LargeExport:
    """The window's events in full (those `keep` keeps: the caller's other filters) and
    the other events of these types as an overview."""
    held = in_window(table, *window, types or None)
    features: list[Any] = records_by_id(data_dir, table.ids[held].tolist())
    if keep is not None:
        features = keep(features)
    others = type_mask(table, types) & ~held
    return LargeExport(
        features, window, types, int(np.count_nonzero(others)), overview_layers(table, others)
    )


def overview_note(export: LargeExport, table: EventTable) -> str:
    """What the file holds in full and what as counts only (HTML)."""
    kinds = ", ".join(EVENT_STYLES.get(t, ("", t))[1] for t in sorted(export.types))
    of_types = f" of these types ({escape_text(kinds)})" if export.types else ""
    span = date_span(table)
    corpus = f" (the corpus runs {_window_text(span)})" if span and span != export.window else ""
    return (
        f"<p>A large corpus of {len(table):,} events{corpus}: this file holds in full the "
        f"{len(export.features):,} events of {_window_text(export.window)}{of_types}. "
        f"The other {export.outside:,} events{of_types} (other dates, or undated) are the "
        "grey bubbles and dots: where and how many, no details. For theirs, export their "
        "window: <code>campaign-map export --start ... --end ...</code>.</p>"
    )


def large_export_map(
    data_dir: Path,
    table: EventTable,
    export: LargeExport,
    title: str = "Campaign Map",
    briefing: bool = False,
    built: datetime.datetime | None = None,
) -> folium.Map:
    """The export's map (`export_map`: the window's events, time control, title box) with
    the overview under its events and a key saying what the grey is."""
    extras: list[MacroElement] = []
    if export.overview:
        extras.append(
            OverviewLayer(export.overview, OUTSIDE, radius=8 if briefing else 5, dark=briefing)
        )
        extras.append(
            HtmlControl(
                f"<b>Grey</b>: {export.outside:,} events {escape_text(OUTSIDE)} "
                f"({_window_text(export.window)}), counts only",
                "cm-overview-key cm-dark" if briefing else "cm-overview-key",
                "bottomleft",
            )
        )
    return export_map(
        export.features,
        articles_of(export.features),
        title=title,
        briefing=briefing,
        built=built,
        basemap=basemap_for(data_dir, data_box(table)),
        window=export.window,
        extras=extras,
        note=overview_note(export, table),
    )
