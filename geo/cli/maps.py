"""`campaign-map export` and `snapshot`: the export's map of a data folder (the app's
filters as options) as one HTML file, or as a PNG drawn in Chromium."""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import folium


class _Refused(Exception):
    """A command's arguments or data cannot be used: one line on stderr, exit status 2."""


def _date_arg(value: str | None, flag: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise _Refused(f"{flag} must be a date as YYYY-MM-DD, not {value!r}") from None


def _check_out(out: str) -> Path:
    """Where a command writes: its folder must exist (said before any work is done)."""
    target = Path(out)
    if not target.parent.is_dir():
        raise _Refused(f"--out {out}: no folder {target.parent}")
    return target


def _export_map(args: argparse.Namespace, briefing: bool) -> tuple[folium.Map, int]:
    """The export's map of `args` (data folder, title, filters) and how many events it has.
    Its time control opens on the --start/--end window, the rest of the span a drag away."""
    from geo.map.basemap import basemap_for
    from geo.map.export import export_map, load_articles
    from geo.map.filters import EventFilter, filter_events, load_events

    start, end = _date_arg(args.start, "--start"), _date_arg(args.end, "--end")
    if start and end and end < start:
        raise _Refused(f"--end {end} is before --start {start}")
    data = Path(args.data)
    features = load_events(data / "events.geojson")
    if not features:
        raise _Refused(
            f"no events in {data}/events.geojson; run `campaign-map build --out {data}` first"
        )
    flt = EventFilter(
        start=start,
        end=end,
        types=frozenset(args.types or ()),
        actors=frozenset(args.actors or ()),
        sources=frozenset(args.sources or ()),
        articles=frozenset(args.articles or ()),
        place_query=args.place or "",
    )
    chosen = filter_events(features, flt)
    m = export_map(
        chosen,
        load_articles(data / "articles.json"),
        title=args.title,
        briefing=briefing,
        basemap=basemap_for(data, features),
        window=(start or datetime.date.min, end or datetime.date.max) if start or end else None,
    )
    return m, len(chosen)


def cmd_export(args: argparse.Namespace) -> int:
    from geo.map.export import write_export

    try:
        target = _check_out(args.out)
        m, events = _export_map(args, args.briefing)
    except _Refused as exc:
        print(f"campaign-map export: {exc}", file=sys.stderr)
        return 2
    size = write_export(m, target)
    print(f"wrote {args.out}: {events} events, {size / 1e6:.2f} MB")
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    """The export's page (same filters) as a PNG, rendered by chromium (geo.map.snapshot)."""
    from geo.map import snapshot
    from geo.map.export import render_export

    started = time.perf_counter()
    try:
        size = snapshot.parse_size(args.size)
        target = _check_out(args.out)
        snapshot.check_browser()  # before the export is made: a missing browser says so at once
        m, events = _export_map(args, args.style == "dark")
        png = snapshot.render_png(render_export(m), size, scale=args.scale)
    except (_Refused, ValueError, snapshot.SnapshotError) as exc:
        print(f"campaign-map snapshot: {exc}", file=sys.stderr)
        return 2
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(png)
    tmp.replace(target)
    print(
        f"wrote {target}: {size[0]}x{size[1]} px, {events} events, "
        f"{len(png) / 1e6:.2f} MB in {time.perf_counter() - started:.1f} s"
    )
    return 0


def add_export_args(p: argparse.ArgumentParser) -> None:
    """What `export` and `snapshot` share: the data, the title and the filters."""
    p.add_argument("--data", default="mapdata", help="folder with events.geojson")
    p.add_argument("--title", default="Campaign Map")
    p.add_argument("--start", help="YYYY-MM-DD: events overlapping from this day")
    p.add_argument("--end", help="YYYY-MM-DD: events overlapping up to this day")
    p.add_argument("--types", nargs="*", help="event types (offensive, capture, ...)")
    p.add_argument("--actors", nargs="*")
    p.add_argument("--sources", nargs="*")
    p.add_argument("--articles", nargs="*", help="article ids")
    p.add_argument("--place", help="place name contains")
