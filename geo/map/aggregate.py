"""The map of a large corpus (100,000 to 1,000,000 events), answered on the server: what to
draw for this time window, these types, this view and zoom.

The build's columnar store (`geo.corpus.io.store`: GeoParquet by month with a `bbox`
column) is read once into an `EventTable`: a few numpy arrays, one row per event, only what
the map needs (about 50 bytes an event, and an id's text past 15 bytes). Each slider step
or pan then costs a handful of vectorised passes over them (`in_window`, `view_layer`),
never a Python object per event, and the browser gets only what is in view:

- few enough incidents in view (`max_markers`): one marker per incident, as the map draws
  them today (geo/map/static/layers.js), at its anchor: its most precise report in view
  (lowest `geo_precision`, then lowest id), with the number of its reports in view;
- more: clusters on a Web-Mercator grid of `cell_px` screen pixels at that zoom (anchored
  at the world's origin, so that panning does not move them; neighbouring cells whose
  centres are closer than a cell merge): each cluster's number of events and of
  incidents, the mean of its members' points, its most frequent type and its members' box
  (a click zooms to it). A cluster of a single incident is that incident's marker
  instead, as supercluster leaves a lone point alone.

Dates are days since 1970-01-01 (Arrow's date32): an ISO date string and its day number
sort alike, so the window is the same rule as `geo.map.filters.in_window`. Longitudes in a
`ViewLayer` are in the frame of the bounds asked for (west <= lon < west + 360): Leaflet
gives west < -180 once the map is panned across the antimeridian, and draws a point only in
the world copy its longitude names.

The full records of a few events (a popup, the details panel) are read on demand:
`records_by_id`; `events_at` and `incident_reports` say which (a click on a bubble whose
events stand at one point, an incident's other reports).
"""

from __future__ import annotations

import datetime
import json
import struct
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from geo.corpus.io.store import MONTHS_FILE, STORE_DIR
from geo.corpus.records import EventProperties

Bool = npt.NDArray[np.bool_]
Int = npt.NDArray[np.int32]
Float = npt.NDArray[np.float64]
Bounds = tuple[float, float, float, float]  # (south, west, north, east), Leaflet's order

EPOCH = datetime.date(1970, 1, 1)
# The day number of an undated event's start and end: never compared (see `dated`), and
# far from any real day should a caller forget.
UNDATED_DAY = np.iinfo(np.int32).min
# Web Mercator's latitude limit: the square world of the tiles.
MAX_MERCATOR_LAT = 85.0511287798
TILE_PX = 256
STORE_HINT = "run `campaign-map build`"
# From here on the app draws the map on the server (geo.app.large_corpus) and an export
# holds one window of the events in full (geo.map.large_export). The dashboard's slider is
# at its 300 ms target at 10,000 events (benchmarks/app_speed.py) and grows with them.
LARGE_EVENTS = 50_000

# The columns the map needs, as the build writes them (geo.corpus.io.frame). Given to the
# dataset as its schema: a month whose file lacks one (an older build) reads it as nulls.
_BBOX = pa.struct(
    [(k, pa.float64()) for k in ("xmin", "ymin", "xmax", "ymax")]  # a point's box: its point
)
_COLUMNS = pa.schema(
    [
        ("id", pa.string()),
        ("incident_id", pa.string()),
        ("event_type", pa.string()),
        ("date_start", pa.date32()),
        ("date_end", pa.date32()),
        ("geo_precision", pa.int64()),
        ("bbox", _BBOX),
    ]
)
# The least precise place (geo.pipeline.precision): an event without a code anchors last.
_LEAST_PRECISE = 3


@dataclass(frozen=True)
class EventTable:
    """One row per event, ordered by incident (its id), then place precision, then id: an
    incident's reports are adjacent and its anchor comes first.

    `start`/`end`: days since 1970-01-01; `dated`: both known (an event with only one is
    never in a window, as in `geo.map.filters`), else both are UNDATED_DAY. `type_code`
    indexes `type_names` (sorted; a missing type is ""); `incident` indexes
    `incident_names` (sorted; an event without an incident is its own, named by its id).
    `mercator_y`: the latitude's Web Mercator y as a share of the world's height (0 at the
    top), projected once here rather than on every slider step (`_mercator_px`).
    """

    lon: Float
    lat: Float
    mercator_y: Float
    start: Int
    end: Int
    dated: Bool
    type_code: npt.NDArray[np.int16]
    type_names: tuple[str, ...]
    incident: Int
    incident_names: npt.NDArray[Any]  # numpy StringDType
    precision: npt.NDArray[np.int8]
    ids: npt.NDArray[Any]  # numpy StringDType: 16 bytes an id plus its text past 15 bytes

    def __len__(self) -> int:
        return len(self.ids)


def _unreadable(data_dir: Path, exc: Exception) -> ValueError:
    """The one line a user gets for a store that is there but cannot be read."""
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return ValueError(
        f"{data_dir / STORE_DIR}: the event store cannot be read ({reason}); {STORE_HINT}"
    )


def store_dataset(data_dir: Path, schema: pa.Schema | None = None) -> ds.Dataset:
    """The store of `data_dir` as one Arrow dataset (its months as Hive partitions; the
    months list and unfinished files, named _... and .../, are not data). ValueError when
    there is none: one line, naming the folder."""
    store = Path(data_dir) / STORE_DIR
    if not store.is_dir():
        raise ValueError(f"{store}: no event store; {STORE_HINT}")
    try:
        return ds.dataset(store, schema=schema, format="parquet", partitioning="hive")
    except (OSError, pa.ArrowException) as exc:
        raise _unreadable(data_dir, exc) from None


def _read(data_dir: Path) -> pa.Table:
    dataset = store_dataset(data_dir, _COLUMNS)
    try:
        return dataset.to_table(columns=_COLUMNS.names)
    except (OSError, pa.ArrowException) as exc:
        raise _unreadable(data_dir, exc) from None


def _codes(column: pa.ChunkedArray) -> tuple[npt.NDArray[np.int32], list[str]]:
    """Each value's index into the sorted distinct values (no nulls: filled before)."""
    encoded = column.combine_chunks().dictionary_encode()
    names = encoded.dictionary
    order = pc.sort_indices(names).to_numpy()
    rank = np.empty(len(order), np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    return rank[indices], names.take(pa.array(order)).to_pylist()


def _days(column: pa.ChunkedArray) -> Int:
    days: Int = pc.fill_null(column.cast(pa.int32()), UNDATED_DAY).to_numpy()
    return days.astype(np.int32, copy=False)


def load_table(data_dir: Path) -> EventTable:
    """The events of `data_dir`'s store (`<data_dir>/events.parquet`), only the columns the
    map needs. ValueError (one line: the folder, what to run) when there is no readable
    store; a store with no events gives an empty table."""
    loaded = _event_table(_read(data_dir))
    # Arrow's allocator keeps the freed buffers of the read and of its conversion for
    # later use (the process stayed 220 MB larger at 1,000,000 events): none is coming.
    pa.default_memory_pool().release_unused()
    return loaded


def store_stamp(data_dir: Path) -> float:
    """When the store last changed: its months list's time (every build that changes the
    store rewrites it); 0.0 without one."""
    months = Path(data_dir) / STORE_DIR / MONTHS_FILE
    return months.stat().st_mtime if months.exists() else 0.0


# The table of one store version, kept for the process (`load_table_once`).
_KEPT: dict[tuple[Path, float], EventTable] = {}
_READING = threading.Lock()


def load_table_once(data_dir: Path, stamp: float | None = None) -> EventTable:
    """`load_table`, read once per store version (`stamp`, default `store_stamp`) and kept
    for the process, the last version only. The app's server calls it when it starts
    (geo.app.server.read_large_store), so that its first visitor finds a million events
    read; a visitor who comes while it reads waits for that read, not another."""
    key = (Path(data_dir).resolve(), store_stamp(data_dir) if stamp is None else stamp)
    with _READING:
        table = _KEPT.get(key)
        if table is None:
            table = load_table(data_dir)
            _KEPT.clear()
            _KEPT[key] = table
    return table


def _event_table(table: pa.Table) -> EventTable:
    ids = pc.fill_null(table.column("id"), "")
    # No incident (a build older than incidents): the event is its own, as in layers.js.
    incident_ids = table.column("incident_id")
    incident_ids = pc.if_else(pc.fill_null(pc.equal(incident_ids, ""), True), ids, incident_ids)
    incident, incident_names = _codes(incident_ids)
    type_code, type_names = _codes(pc.fill_null(table.column("event_type"), ""))
    precision = pc.fill_null(table.column("geo_precision"), _LEAST_PRECISE).to_numpy()
    bbox = table.column("bbox")
    lon = pc.fill_null(pc.struct_field(bbox, "xmin"), np.nan).to_numpy()
    lat = pc.fill_null(pc.struct_field(bbox, "ymin"), np.nan).to_numpy()
    start, end = _days(table.column("date_start")), _days(table.column("date_end"))
    dated = (start != UNDATED_DAY) & (end != UNDATED_DAY)
    start, end = np.where(dated, start, UNDATED_DAY), np.where(dated, end, UNDATED_DAY)
    id_rank = np.empty(len(ids), np.int64)
    id_rank[pc.sort_indices(ids).to_numpy()] = np.arange(len(ids))
    order = np.lexsort((id_rank, precision, incident))
    strings = np.dtypes.StringDType()
    lat = lat[order].astype(np.float64)
    return EventTable(
        lon=lon[order].astype(np.float64),
        lat=lat,
        mercator_y=_mercator_share(lat),
        start=start[order].astype(np.int32),
        end=end[order].astype(np.int32),
        dated=dated[order],
        type_code=type_code[order].astype(np.int16),
        type_names=tuple(type_names),
        incident=incident[order].astype(np.int32),
        incident_names=np.array(incident_names, dtype=strings),
        precision=precision[order].astype(np.int8),
        ids=np.asarray(ids.to_numpy()[order], dtype=strings),
    )


def store_event_count(data_dir: Path) -> int:
    """The number of events in the build's store, from its files' footers (no row read);
    0 without a store."""
    total = 0
    for part in sorted((Path(data_dir) / STORE_DIR).glob("month=*/*.parquet")):
        try:
            total += pq.read_metadata(part).num_rows
        except (OSError, ValueError):
            continue  # a damaged month: the build repairs it; the dashboard says so
    return total


def day_of(number: int) -> datetime.date:
    return EPOCH + datetime.timedelta(days=int(number))


def date_span(
    table: EventTable, mask: Bool | None = None
) -> tuple[datetime.date, datetime.date] | None:
    """The first start and the last end of the dated events (of `mask`); None when none
    is dated."""
    dated = table.dated if mask is None else table.dated & mask
    if not dated.any():
        return None
    return day_of(table.start[dated].min()), day_of(table.end[dated].max())


def data_box(table: EventTable) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of the events; None without events."""
    if not len(table):
        return None
    return (
        float(table.lon.min()),
        float(table.lat.min()),
        float(table.lon.max()),
        float(table.lat.max()),
    )


def day_number(day: datetime.date) -> int:
    """A date as the table's day number (days since 1970-01-01)."""
    return (day - EPOCH).days


def type_mask(table: EventTable, types: Iterable[str] | None) -> Bool:
    """The events of these types; None or empty: every type (as `EventFilter.types`)."""
    wanted = frozenset(types or ())
    if not wanted:
        return np.ones(len(table), np.bool_)
    allowed = np.array([name in wanted for name in table.type_names] or [False], np.bool_)
    mask: Bool = allowed[table.type_code]
    return mask


def in_window(
    table: EventTable,
    start: datetime.date | None,
    end: datetime.date | None,
    types: frozenset[str] | None = None,
) -> Bool:
    """The dated events whose interval overlaps [start, end] (None: open), of these types:
    `geo.map.filters.in_window`'s rule (and `overlaps`'), on day numbers."""
    mask = table.dated.copy()
    if start is not None:
        mask &= table.end >= day_number(start)
    if end is not None:
        mask &= table.start <= day_number(end)
    if types:
        mask &= type_mask(table, types)
    return mask


@dataclass(frozen=True)
class ViewCounts:
    in_window: int  # events of the mask
    in_view: int  # of those, inside the bounds
    incidents_in_view: int

    @property
    def outside_view(self) -> int:
        return self.in_window - self.in_view


@dataclass(frozen=True)
class Markers:
    """One per incident in view, at its anchor (see the module's docstring)."""

    ids: list[str]  # the anchor's event id
    lat: Float
    lon: Float
    type_code: npt.NDArray[np.int16]
    reports: Int  # the incident's events in view


@dataclass(frozen=True)
class Clusters:
    """One per grid cell with events in view, in the cells' order (by column, then row)."""

    lat: Float  # the mean of its members' points
    lon: Float
    events: Int
    incidents: Int  # distinct incidents among its events
    type_code: npt.NDArray[np.int16]  # its most frequent type (the first in name order on a tie)
    south: Float  # its members' box
    west: Float
    north: Float
    east: Float


@dataclass(frozen=True)
class ViewLayer:
    """What the map draws for one window and view, and the counts: markers (kind
    "markers"), or clusters and the markers of the cells that hold one incident ("clusters")."""

    kind: Literal["markers", "clusters"]
    zoom: float
    cell_px: int
    counts: ViewCounts
    type_names: tuple[str, ...]
    markers: Markers | None = None
    clusters: Clusters | None = None

    def to_json(self) -> dict[str, Any]:
        """For the browser (geo/map/static/aggregates.js): arrays, not one object a point;
        points to 6 decimals (the build's), cluster centres to 5 (a metre)."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "zoom": self.zoom,
            "types": list(self.type_names),
            "counts": {
                "window": self.counts.in_window,
                "view": self.counts.in_view,
                "outside": self.counts.outside_view,
                "incidents": self.counts.incidents_in_view,
            },
        }
        if self.markers is not None:
            m = self.markers
            out["markers"] = {
                "id": m.ids,
                "lat": np.round(m.lat, 6).tolist(),
                "lon": np.round(m.lon, 6).tolist(),
                "type": m.type_code.tolist(),
                "reports": m.reports.tolist(),
            }
        if self.clusters is not None:
            c = self.clusters
            out["clusters"] = {
                "lat": np.round(c.lat, 5).tolist(),
                "lon": np.round(c.lon, 5).tolist(),
                "events": c.events.tolist(),
                "incidents": c.incidents.tolist(),
                "type": c.type_code.tolist(),
                "bounds": [np.round(a, 6).tolist() for a in (c.south, c.west, c.north, c.east)],
            }
        return out


def _frame(west: float, east: float) -> tuple[float, float, float]:
    """(w, e, shift): the bounds' longitudes as w in [-180, 180) and e = w + their span, and
    the multiple of 360 that takes w back to the west asked for. A span of 360 or more (a
    world view) is the whole world, drawn where the events are (shift 0)."""
    span = east - west
    if span >= 360:
        return -180.0, 180.0, 0.0
    w = (west + 180.0) % 360.0 - 180.0
    return w, w + span, 360.0 * round((west - w) / 360.0)


def _in_view(table: EventTable, rows: Int, bounds: Bounds) -> tuple[Int, Float]:
    """The rows inside the bounds, and their longitudes in the bounds' frame."""
    south, west, north, east = bounds
    w, e, shift = _frame(west, east)
    lat, lon = table.lat[rows], table.lon[rows]
    if w == -180.0 and e >= 180.0:  # the whole world across: every longitude as it is
        inside = (lat >= south) & (lat <= north)
        return rows[inside], lon[inside] + shift
    framed = np.where(lon < w, lon + 360.0, lon)  # w <= framed < w + 360
    inside = (lat >= south) & (lat <= north) & (framed <= e)
    return rows[inside], framed[inside] + shift


def _runs(values: npt.NDArray[Any]) -> Int:
    """Where each run of equal adjacent values starts."""
    if not len(values):
        return np.zeros(0, np.int32)
    starts = np.flatnonzero(values[1:] != values[:-1]) + 1
    return np.concatenate(([0], starts)).astype(np.int32)


def _markers(table: EventTable, rows: Int, lon: Float) -> Markers:
    """One marker per incident: rows are in table order, so an incident's rows in view are
    adjacent and the first is its anchor."""
    firsts = _runs(table.incident[rows])
    reports = np.diff(np.append(firsts, len(rows))).astype(np.int32)
    anchors = rows[firsts]
    return Markers(
        ids=table.ids[anchors].tolist(),
        lat=table.lat[anchors],
        lon=lon[firsts],
        type_code=table.type_code[anchors],
        reports=reports,
    )


def _mercator_share(lat: Float) -> Float:
    """Web Mercator y as a share of the world's height (0 at the top, 1 at the bottom)."""
    phi = np.radians(np.clip(lat, -MAX_MERCATOR_LAT, MAX_MERCATOR_LAT))
    share: Float = 0.5 - np.arcsinh(np.tan(phi)) / (2 * np.pi)
    return share


def _mercator_px(mercator_y: Float, lon: Float, zoom: float) -> tuple[Float, Float]:
    """Web Mercator pixel coordinates at `zoom` (256-pixel tiles, origin top left), from
    the rows' `EventTable.mercator_y`."""
    world = TILE_PX * 2.0**zoom
    return (lon + 180.0) / 360.0 * world, mercator_y * world


# Grid keys up to this many cells are counted with bincount (linear time); beyond (a view
# far wider than the screen at a high zoom), sorted.
_DENSE_KEYS = 1 << 22


def _group(keys: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], Int]:
    """(the distinct keys ascending, each row's group index)."""
    if len(keys) and keys.max() < _DENSE_KEYS:
        present = np.flatnonzero(np.bincount(keys))
        index = np.zeros(int(keys.max()) + 1, np.int32)
        index[present] = np.arange(len(present), dtype=np.int32)
        return present.astype(np.int64), index[keys]
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, inverse.astype(np.int32)


def _incidents_per_group(incident: Int, group: Int, n_groups: int) -> Int:
    """How many distinct incidents each group holds. The rows are in incident order: an
    incident whose rows all fall in one group is one run; only incidents spread over groups
    (a rare few) are sorted out pair by pair."""
    if not len(incident):
        return np.zeros(n_groups, np.int32)
    starts = np.empty(len(incident), np.bool_)
    starts[0] = True
    np.not_equal(incident[1:], incident[:-1], out=starts[1:])
    firsts = np.flatnonzero(starts)
    run_of_row = np.cumsum(starts, dtype=np.int32) - 1
    spread = group != group[firsts][run_of_row]
    if not spread.any():
        return np.bincount(group[firsts], minlength=n_groups).astype(np.int32)
    single = np.ones(len(firsts), np.bool_)
    single[run_of_row[spread]] = False
    counts = np.bincount(group[firsts[single]], minlength=n_groups)
    rows = np.flatnonzero(~single[run_of_row])
    pairs = np.unique(run_of_row[rows].astype(np.int64) * n_groups + group[rows])
    counts += np.bincount(pairs % n_groups, minlength=n_groups)
    return counts.astype(np.int32)


def _merge_near(
    cell_x: list[int], cell_y: list[int], px: Float, py: Float, events: npt.NDArray[Any], size: int
) -> Int:
    """Which cell each cell joins: the fullest first, each takes the cells not yet taken
    whose centre lies within one cell's width of its own (only the 8 cells around can), so
    that no two bubbles sit on each other where a busy place falls near a cell's corner."""
    at = {(a, b): i for i, (a, b) in enumerate(zip(cell_x, cell_y, strict=True))}
    x, y = px.tolist(), py.tolist()
    joined = [-1] * len(cell_x)
    for i in np.lexsort((np.arange(len(events)), -events)).tolist():
        if joined[i] >= 0:
            continue
        joined[i] = i
        for dx, dy in _AROUND:
            j = at.get((cell_x[i] + dx, cell_y[i] + dy), i)
            if joined[j] < 0 and (x[j] - x[i]) ** 2 + (y[j] - y[i]) ** 2 < size * size:
                joined[j] = i
    return np.array(joined, np.int64)


_AROUND = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy]


def _cell_groups(mercator_y: Float, lon: Float, zoom: float, cell_px: int) -> Int:
    """Each row's cluster: its grid cell's, cells with close centres merged
    (`_merge_near`); clusters numbered in the order of their first cell (column, row)."""
    x, y = _mercator_px(mercator_y, lon, zoom)
    # np.floor of a quotient: a tenth of the time of the float `//` (its remainder).
    cx, cy = np.floor(x / cell_px).astype(np.int64), np.floor(y / cell_px).astype(np.int64)
    cx -= cx.min()
    cy -= cy.min()
    rows_of_column = int(cy.max()) + 1
    cells, cell = _group(cx * rows_of_column + cy)
    count = np.bincount(cell)
    centre_x = np.bincount(cell, weights=x) / count
    centre_y = np.bincount(cell, weights=y) / count
    joined = _merge_near(
        (cells // rows_of_column).tolist(),
        (cells % rows_of_column).tolist(),
        centre_x,
        centre_y,
        count,
        cell_px,
    )
    _, cluster_of_cell = np.unique(joined, return_inverse=True)
    group: Int = cluster_of_cell.astype(np.int32)[cell]
    return group


def _clusters(
    table: EventTable, rows: Int, lon: Float, zoom: float, cell_px: int
) -> tuple[Clusters, Int]:
    """The rows' clusters, and each row's cluster."""
    lat = table.lat[rows]
    group = _cell_groups(table.mercator_y[rows], lon, zoom, cell_px)
    k = int(group.max()) + 1
    events = np.bincount(group, minlength=k)
    n_types = max(len(table.type_names), 1)
    by_type = np.bincount(
        group.astype(np.int64) * n_types + table.type_code[rows], minlength=k * n_types
    ).reshape(k, n_types)
    south, west = np.full(k, np.inf), np.full(k, np.inf)
    north, east = np.full(k, -np.inf), np.full(k, -np.inf)
    np.minimum.at(south, group, lat)
    np.minimum.at(west, group, lon)
    np.maximum.at(north, group, lat)
    np.maximum.at(east, group, lon)
    clusters = Clusters(
        lat=np.bincount(group, weights=lat, minlength=k) / events,
        lon=np.bincount(group, weights=lon, minlength=k) / events,
        events=events.astype(np.int32),
        incidents=_incidents_per_group(table.incident[rows], group, k),
        type_code=by_type.argmax(axis=1).astype(np.int16),
        south=south,
        west=west,
        north=north,
        east=east,
    )
    return clusters, group


def _lone_as_markers(
    table: EventTable, rows: Int, lon: Float, clusters: Clusters, group: Int
) -> tuple[Clusters, Markers]:
    """Cells holding one incident drawn as its marker (as supercluster leaves a point
    alone): clickable, with its event's details, at any zoom."""
    lone = clusters.incidents == 1
    kept = {f.name: getattr(clusters, f.name)[~lone] for f in fields(Clusters)}
    alone = lone[group]
    return Clusters(**kept), _markers(table, rows[alone], lon[alone])


def view_layer(
    table: EventTable,
    mask: Bool,
    bounds: Bounds,
    zoom: float,
    cell_px: int = 64,
    max_markers: int = 2000,
) -> ViewLayer:
    """What to draw of the events of `mask` inside `bounds` (south, west, north, east, as
    Leaflet's getBounds: west may be below -180 or east above 180) at `zoom`: a marker per
    incident when there are at most `max_markers` incidents in view, else clusters on a
    grid of `cell_px` pixels (and a marker for each cell that holds a single incident).
    Deterministic: the same table and arguments, the same layer."""
    selected = np.flatnonzero(mask).astype(np.int32)
    rows, lon = _in_view(table, selected, bounds)
    incidents = len(_runs(table.incident[rows]))
    counts = ViewCounts(in_window=len(selected), in_view=len(rows), incidents_in_view=incidents)
    clusters = None
    if incidents <= max_markers:
        markers = _markers(table, rows, lon)
    else:
        clusters, markers = _lone_as_markers(
            table, rows, lon, *_clusters(table, rows, lon, zoom, cell_px)
        )
    return ViewLayer(
        kind="markers" if clusters is None else "clusters",
        zoom=zoom,
        cell_px=cell_px,
        counts=counts,
        type_names=table.type_names,
        markers=markers,
        clusters=clusters,
    )


def events_at(
    table: EventTable, mask: Bool, lat: float, lon: float, tolerance: float = 1e-4
) -> list[str]:
    """The ids of the events of `mask` at a clicked point (within `tolerance` degrees, as
    `geo.map.filters.events_at`), oldest first, then by id: what a click on a bubble whose
    events all stand at one point reports, for the details panel."""
    lon = (lon + 180.0) % 360.0 - 180.0 if not -180.0 <= lon <= 180.0 else lon
    near = mask & (np.abs(table.lat - lat) < tolerance) & (np.abs(table.lon - lon) < tolerance)
    rows = np.flatnonzero(near)
    return [str(table.ids[r]) for r in sorted(rows, key=lambda r: (table.start[r], table.ids[r]))]


def incident_reports(table: EventTable, event_id: str) -> list[str]:
    """The ids of the reports of `event_id`'s incident, itself included, most precise
    first; [] for an id not in the table."""
    found = np.flatnonzero(table.ids == event_id)
    if not len(found):
        return []
    return [str(i) for i in table.ids[table.incident == table.incident[found[0]]]]


# Fields the build writes as JSON text in a table (geo.corpus.io.fields: kind "json"): the
# record declares them as objects.
def _json_fields() -> frozenset[str]:
    return frozenset(
        name
        for name, annotation in EventProperties.__annotations__.items()
        if str(getattr(annotation, "__forward_arg__", annotation)).startswith("dict")
    )


def _properties(row: dict[str, Any], json_fields: frozenset[str]) -> dict[str, Any]:
    props = {}
    for name, value in row.items():
        if name in ("geometry", "bbox", "month"):
            continue
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif name in json_fields and isinstance(value, str):
            value = json.loads(value)
        props[name] = value
    return props


def _wkb_point(wkb: bytes) -> list[float]:
    """A WKB point's [longitude, latitude] (the store's geometries are points)."""
    order = "<" if wkb[0] == 1 else ">"
    lon, lat = struct.unpack(order + "dd", wkb[5:21])
    return [lon, lat]


def records_by_id(data_dir: Path, ids: Sequence[str]) -> list[dict[str, Any]]:
    """The events with these ids as GeoJSON features (point, properties as the build wrote
    them; the page-only `marks` are not in the store), in the order asked; ids not found
    are left out.

    Two passes: the id column alone says which months hold them (a tenth of the store's
    bytes), then only those months' files are read; each on its own, so that a column
    typed differently in another month (a field that was all empty there) does not matter.
    """
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    asked = pc.field("id").isin(wanted)
    json_fields = _json_fields()
    found = {}
    try:
        holding = store_dataset(data_dir).to_table(columns=["__filename"], filter=asked)
        for path in sorted(set(holding.column("__filename").to_pylist())):
            for row in pq.read_table(path, filters=asked).to_pylist():
                found[row["id"]] = {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": _wkb_point(row["geometry"])},
                    "properties": _properties(row, json_fields),
                }
    except (OSError, pa.ArrowException) as exc:
        raise _unreadable(data_dir, exc) from None
    return [found[i] for i in wanted if i in found]
