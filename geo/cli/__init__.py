"""`campaign-map`: the command line.

Subcommands: `geoparse` (the JSON Lines contract other tools rely on; documents.py),
`evaluate` (scores against a benchmark gold file; scoring.py), `build` (a corpus's map data),
`export` (a self-contained HTML map) and `snapshot` (that map as a PNG for slides; maps.py),
`serve` (the app), `gazetteer` (builds the offline index at set-up).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from geo.cli.documents import cmd_geoparse
from geo.cli.maps import add_export_args, cmd_export, cmd_snapshot
from geo.cli.scoring import cmd_evaluate
from geo.corpus.articles import ArticleError


def cmd_build(args: argparse.Namespace) -> int:
    from geo.corpus.build import build

    started = time.perf_counter()
    try:
        summary = build(
            Path(args.corpus), Path(args.out), processes=args.processes, progress=not args.quiet
        )
    except ArticleError as exc:
        print(f"campaign-map build: {exc}", file=sys.stderr)
        return 2
    print(f"{summary}\nbuilt {args.out}/ in {time.perf_counter() - started:.1f} s")
    return _ensure_basemap(Path(args.out))


def _ensure_basemap(out: Path) -> int:
    """The offline basemap must cover the events just built (or the region fixed in
    out/view.toml); here, not in the build, because the corpus package knows no map."""
    from geo.map.basemap_build import ensure_basemap
    from geo.map.filters import load_events

    started = time.perf_counter()
    try:
        path, built = ensure_basemap(out, load_events(out / "events.geojson"))
    except ValueError as exc:  # an unusable view.toml
        print(f"campaign-map build: {exc}", file=sys.stderr)
        return 2
    if built and path is not None:
        print(
            f"basemap for the events: {path} ({path.stat().st_size / 1e6:.1f} MB, "
            f"{time.perf_counter() - started:.1f} s)"
        )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import webbrowser

    from geo.app import server as app_server

    app = Path(__file__).resolve().parents[2] / "app.py"
    # Headless (geo.app.server.OPTIONS): we open the browser ourselves, once the app answers
    # (a browser opened earlier shows "cannot connect").
    command = app_server.command(app, args.port)
    env = dict(os.environ)
    if args.briefing:
        env["CAMPAIGN_MAP_VIEW"] = "briefing"  # the app opens in the briefing view
    url = f"http://localhost:{args.port}/" + ("?view=briefing" if args.briefing else "")
    print(f"Campaign Map: {url}", flush=True)
    server = subprocess.Popen(command, env=env, cwd=app.parent)
    if not args.headless and app_server.wait_until_up(f"http://localhost:{args.port}", server):
        webbrowser.open(url)  # a no-op where there is no browser (a server, CI)
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        return server.wait()


def cmd_gazetteer(args: argparse.Namespace) -> int:
    from geo.pipeline.places.gazetteer import default_index_path
    from geo.pipeline.places.gazetteer_index import build_index

    # The default index is named after its inputs: a changed curated file or package
    # version means a name not present yet, so the index is rebuilt.
    target = Path(args.path) if args.path else default_index_path()
    if target.exists() and not args.force:
        print(f"gazetteer index present: {target}")
        return 0
    started = time.perf_counter()
    build_index(target)
    if not args.path:  # indexes of earlier inputs only take space
        for old in target.parent.glob("gazetteer-*.sqlite"):
            if old != target:
                old.unlink(missing_ok=True)
    print(f"gazetteer index built in {time.perf_counter() - started:.1f} s: {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="campaign-map", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("geoparse", help="find and resolve the places of documents")
    p.add_argument(
        "--input",
        required=True,
        help="JSON Lines file ({id, text, published}), '-' for stdin, "
        "or a .txt/.md/.html file or a folder of them",
    )
    p.add_argument("--output", default="-", help="JSON Lines output file, '-' for stdout")
    p.add_argument("--processes", type=int, default=None, help="worker processes")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_geoparse)

    p = sub.add_parser("evaluate", help="score against benchmark gold files")
    p.add_argument("gold", nargs="+", help="gold JSON Lines files (shared/benchmarks format)")
    p.add_argument("--limit", type=int, default=None, help="first N documents only")
    p.add_argument("--processes", type=int, default=None)
    p.add_argument("--predictions", help="folder to write the predictions to")
    p.add_argument(
        "--judged",
        help="events gold: a second list of events judged correct "
        "(JSON Lines: article, place, lat, lon, level, dates)",
    )
    p.add_argument(
        "--show-misses",
        action="store_true",
        help="events gold: list missed gold events and unmatched system events",
    )
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("build", help="build the map data (events, articles) of a corpus")
    p.add_argument("--corpus", default="seeds", help="folder of articles (default: seeds)")
    p.add_argument("--out", default="mapdata", help="output folder (default: mapdata)")
    p.add_argument("--processes", type=int, default=None)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("export", help="write a self-contained HTML map")
    p.add_argument("--out", default="campaign.html")
    add_export_args(p)
    p.add_argument("--briefing", action="store_true", help="dark, large-type style")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "snapshot", help="a PNG of the map for slides (the export, rendered by chromium)"
    )
    p.add_argument("--out", default="campaign.png", help="PNG file (default: campaign.png)")
    p.add_argument(
        "--size",
        default="1920x1080",
        help="WIDTHxHEIGHT in pixels (default: 1920x1080; up to 7680x4320)",
    )
    p.add_argument(
        "--scale",
        type=int,
        choices=(1, 2, 3, 4),
        help="pixels per CSS pixel: the map is laid out on a page SIZE/SCALE and drawn "
        "sharper (default: 1, or 2 from 3840x2160 up)",
    )
    p.add_argument(
        "--style",
        choices=("light", "dark"),
        default="light",
        help="light (desk) or dark (briefing room: large type)",
    )
    add_export_args(p)
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("serve", help="open the map app (Streamlit)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--briefing", action="store_true", help="print the briefing view's URL")
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("gazetteer", help="build the offline gazetteer index")
    p.add_argument("--path", help="where to write it (default: the user cache)")
    p.add_argument("--force", action="store_true", help="rebuild even if present")
    p.set_defaults(func=cmd_gazetteer)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
