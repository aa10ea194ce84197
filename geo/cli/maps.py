"""`campaign-map export` and `snapshot`: the export's map of a data folder (the app's
filters as options) as one HTML file, or as a PNG drawn in Chromium."""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.corpus.corrections import STATUSES
from geo.corpus.io import FORMATS
from geo.pipeline.actions import EVENT_TYPES, load_actors
from geo.pipeline.precision import GEO_LABELS, TIME_LABELS

if TYPE_CHECKING:
    import folium

    from geo.corpus.records import EventFeature
    from geo.map.filters import EventFilter


# `export --format`: the map page, or the events as a file for other tools (geo.corpus.io).
EXPORT_FORMATS = ("html", *FORMATS)


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


def _listed(values: Iterable[str], most: int = 12) -> str:
    """Choices for a message: sorted, the first `most` of many and how many there are."""
    names = sorted(set(values), key=str.casefold)
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown}... ({len(names)} in all)"


def _chosen(asked: list[str] | None, known: Iterable[str], flag: str) -> frozenset[str]:
    """The values asked for, each as the data spells it (case aside); _Refused names the
    first one that is none of them, and the choices."""
    by_key = {value.casefold(): value for value in known if value}
    chosen = set()
    for value in asked or ():
        found = by_key.get(value.strip().casefold())
        if found is None:
            raise _Refused(f"{flag} {value!r}: not one of {_listed(by_key.values())}")
        chosen.add(found)
    return frozenset(chosen)


def _quoted(name: str) -> str:
    """A name as a shell needs it typed: in quotes when it has a space."""
    return f'"{name}"' if " " in name else name


def _lexicon_actors() -> list[str]:
    """The actor names of mapdata/actors.toml, or none if it cannot be read."""
    try:
        return [actor.name for actor in load_actors()]
    except (OSError, ValueError, KeyError):  # a broken lexicon: only the data's names count
        return []


def _load(data: Path) -> tuple[list[EventFeature], list[dict[str, object]]]:
    """The build's events and articles; _Refused (one line) when there are none or they are
    damaged."""
    from geo.map.export import load_articles
    from geo.map.filters import load_events

    try:
        features = load_events(data / "events.geojson")
        articles = load_articles(data / "articles.json")
    except ValueError as exc:  # MapDataError: says what is damaged and how to rebuild it
        raise _Refused(str(exc)) from None
    if not features:
        raise _Refused(
            f"no events in {data}/events.geojson; run campaign-map build --out {data} first"
        )
    return features, articles


def _dates(args: argparse.Namespace) -> tuple[datetime.date | None, datetime.date | None]:
    start, end = _date_arg(args.start, "--start"), _date_arg(args.end, "--end")
    if start and end and end < start:
        raise _Refused(f"--end {end} is before --start {start}")
    return start, end


def _event_filter(
    args: argparse.Namespace,
    dates: tuple[datetime.date | None, datetime.date | None],
    features: list[EventFeature],
    data: Path,
) -> EventFilter:
    """The filters of `args`, each value checked against what can be chosen."""
    from geo.map.filters import EventFilter, place_matcher

    start, end = dates
    props = [f["properties"] for f in features]
    place = args.place or ""
    matches = place_matcher(place)
    if matches is not None and not any(matches(p) for p in props):
        raise _Refused(f"--place {place!r} matches no place in {data}/events.geojson")
    return EventFilter(
        start=start,
        end=end,
        types=_chosen(args.types, EVENT_TYPES, "--types"),
        actors=_chosen(
            args.actors,
            [*_lexicon_actors(), *(a for p in props for a in p.get("actors") or ())],
            "--actors",
        ),
        sources=_chosen(args.sources, (p.get("article_source") or "" for p in props), "--sources"),
        articles=_chosen(args.articles, (p["article_id"] for p in props), "--articles"),
        place_query=place,
        geo_precision=frozenset(args.geo_precision or ()),
        time_precision=frozenset(args.time_precision or ()),
        verification=frozenset(args.verification or ()),
        disagreeing_only=args.disagreeing,
    )


@dataclass(frozen=True)
class _Chosen:
    """The events the filters of `args` keep, and what the map around them needs."""

    events: list[EventFeature]
    features: list[EventFeature]  # all of the data's events
    articles: list[dict[str, Any]]
    data: Path
    start: datetime.date | None
    end: datetime.date | None


def _chosen_events(args: argparse.Namespace) -> _Chosen:
    """The data's events that pass the filters of `args`. Filters that leave no event are
    refused: an empty map or file is never what was asked for."""
    from geo.map.filters import filter_events

    dates = _dates(args)  # before the data is read: a typo is said at once
    data = Path(args.data)
    features, articles = _load(data)
    flt = _event_filter(args, dates, features, data)
    chosen = filter_events(features, flt)
    if not chosen:
        raise _Refused(
            f"no event of the {len(features)} in {data}/events.geojson passes these filters; "
            "nothing written"
        )
    return _Chosen(chosen, features, articles, data, flt.start, flt.end)


def _export_map(args: argparse.Namespace, briefing: bool) -> tuple[folium.Map, int]:
    """The export's map of `args` (data folder, title, filters) and how many events it has.
    Its time control opens on the --start/--end window, the rest of the span a drag away.
    A large corpus's export holds one window in full (`_large_export_map`)."""
    from geo.map.aggregate import LARGE_EVENTS, store_event_count
    from geo.map.basemap import basemap_for
    from geo.map.export import export_map

    if store_event_count(Path(args.data)) >= LARGE_EVENTS:
        return _large_export_map(args, briefing)
    picked = _chosen_events(args)
    chosen, articles, data, features = picked.events, picked.articles, picked.data, picked.features
    start, end = picked.start, picked.end
    m = export_map(
        chosen,
        articles,
        title=args.title,
        briefing=briefing,
        basemap=basemap_for(data, features),
        window=(start or datetime.date.min, end or datetime.date.max) if start or end else None,
    )
    return m, len(chosen)


def _large_export_map(args: argparse.Namespace, briefing: bool) -> tuple[folium.Map, int]:
    """A large corpus's export (geo.map.large_export): the events of the --start/--end
    window (default: the most recent stretch that fits) in full, through the other
    filters (checked against the window's events), and the rest as counts."""
    from geo.map import large_export
    from geo.map.aggregate import load_table
    from geo.map.filters import filter_events

    dates = _dates(args)
    data = Path(args.data)
    types = _chosen(args.types, EVENT_TYPES, "--types")
    try:
        table = load_table(data)
        window = large_export.export_window(table, *dates, types)
    except ValueError as exc:  # an unreadable store, a window too full: one line
        raise _Refused(str(exc)) from None

    def keep(features: list[EventFeature]) -> list[EventFeature]:
        return filter_events(features, _event_filter(args, window, features, data))

    export = large_export.large_export(data, table, window, types, keep)
    if not export.features:
        raise _Refused(
            f"no event of {window[0]} to {window[1]} in {data} passes these filters; "
            "nothing written"
        )
    m = large_export.large_export_map(data, table, export, title=args.title, briefing=briefing)
    return m, len(export.features)


def _export_format(args: argparse.Namespace) -> tuple[str, str]:
    """(format, file): --format, else the one --out's suffix names, else html (the map
    page, whatever the file is called)."""
    from geo.corpus.io import FORMATS

    by_suffix = {f.suffix: name for name, f in FORMATS.items()} | {".html": "html", ".htm": "html"}
    suffix = Path(args.out).suffix.lower() if args.out else ""
    fmt = args.format or by_suffix.get(suffix) or "html"
    suffix = ".html" if fmt == "html" else FORMATS[fmt].suffix
    return fmt, args.out or f"campaign{suffix}"


def cmd_export(args: argparse.Namespace) -> int:
    from geo.corpus.io import write_events
    from geo.map.export import write_export

    try:
        fmt, out = _export_format(args)
        target = _check_out(out)
        if fmt == "html":
            m, events = _export_map(args, args.briefing)
        else:
            chosen = _chosen_events(args).events
            events = len(chosen)
    except _Refused as exc:
        print(f"campaign-map export: {exc}", file=sys.stderr)
        return 2
    if fmt == "html":
        size = write_export(m, target)
    else:
        try:
            write_events(chosen, target, fmt)
        except (OSError, ValueError) as exc:
            print(f"campaign-map export: {exc}", file=sys.stderr)
            return 2
        size = target.stat().st_size
    print(f"wrote {out}: {events} events, {size / 1e6:.2f} MB")
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
    actors = _lexicon_actors()
    p.add_argument(
        "--data",
        metavar="DIR",
        default="mapdata",
        help="the map data folder (from campaign-map build)",
    )
    p.add_argument("--title", default="Campaign Map", help="the title on the map")
    p.add_argument("--start", metavar="DATE", help="YYYY-MM-DD: events overlapping from this day")
    p.add_argument("--end", metavar="DATE", help="YYYY-MM-DD: events overlapping up to this day")
    p.add_argument(
        "--types",
        nargs="*",
        metavar="TYPE",
        help=f"event types, any of: {', '.join(EVENT_TYPES)} (default: all)",
    )
    p.add_argument(
        "--actors",
        nargs="*",
        metavar="ACTOR",
        help="actors (quote names with spaces)"
        + (f", any of: {', '.join(map(_quoted, actors))}".replace("%", "%%") if actors else "")
        + " (default: all)",
    )
    p.add_argument("--sources", nargs="*", metavar="SOURCE", help="article sources (default: all)")
    p.add_argument(
        "--articles",
        nargs="*",
        metavar="ID",
        help="article ids: file names without extension (default: all)",
    )
    p.add_argument(
        "--place",
        metavar="NAME",
        help="part of a place name, spelling aside: Menaka finds Ménaka (default: all places)",
    )
    for flag, what, labels in (
        ("--geo-precision", "places", GEO_LABELS),
        ("--time-precision", "times", TIME_LABELS),
    ):
        codes = ", ".join(f"{code} {label}" for code, label in labels.items())
        p.add_argument(
            flag,
            nargs="*",
            type=int,
            choices=tuple(labels),
            metavar="CODE",
            help=f"keep {what} of these precision codes: {codes} (default: all)",
        )
    p.add_argument(
        "--verification",
        nargs="*",
        choices=STATUSES,
        metavar="STATUS",
        help="keep the incidents an analyst marked so (campaign-map correct verify; an "
        "incident's status is the latest given to any of its reports): "
        f"{', '.join(STATUSES)} (default: all)",
    )
    p.add_argument(
        "--disagreeing",
        action="store_true",
        help="only events of incidents whose reports differ on figures, dates or actors",
    )
