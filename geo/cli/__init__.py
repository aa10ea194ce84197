"""campaign-map: the events of news articles on a map, from the command line.

Subcommands (SUBCOMMANDS below, the one list the help is made from): geoparse (the JSON
Lines contract other tools rely on; documents.py), evaluate (scores against a benchmark gold
file; scoring.py), build (a corpus's map data), serve (the app), export (a self-contained HTML
map, or the events as GeoJSON, CSV, GeoPackage, KML, GeoParquet) and snapshot (that map as a
PNG for slides; maps.py), gazetteer (builds the offline index at set-up), correct (the
analysts' corrections file; correct.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import NamedTuple

from geo.cli.correct import add_correct_args
from geo.cli.documents import cmd_geoparse
from geo.cli.maps import EXPORT_FORMATS, add_export_args, cmd_export, cmd_snapshot
from geo.cli.scoring import cmd_evaluate
from geo.corpus.articles import ArticleError
from geo.pipeline.budget import DEFAULT_BUDGET_S

DEFAULT_PORT = 8501


class Subcommand(NamedTuple):
    name: str
    summary: str  # one line: the top-level help's list and the subcommand's description
    example: str


SUBCOMMANDS = (
    Subcommand(
        "build",
        "build the map data (events, articles) of a folder of articles",
        "campaign-map build --corpus articles --out mapdata",
    ),
    Subcommand(
        "serve",
        "open the map app in a browser",
        "campaign-map serve --data mapdata --corpus articles",
    ),
    Subcommand(
        "export",
        "write the map as one self-contained HTML file",
        "campaign-map export --out map.html --start 2016-01-01 --types capture offensive",
    ),
    Subcommand(
        "snapshot",
        "draw the map as a PNG for slides (in Chromium)",
        "campaign-map snapshot --out map.png --size 3840x2160 --style dark",
    ),
    Subcommand(
        "geoparse",
        "find and resolve the places of documents (JSON Lines in and out)",
        "campaign-map geoparse --input docs.jsonl --output places.jsonl",
    ),
    Subcommand(
        "evaluate",
        "score the geoparser against benchmark gold files",
        "campaign-map evaluate gold.jsonl --limit 100",
    ),
    Subcommand(
        "correct",
        "correct a place, date, type or status; list the corrections (corrections.jsonl)",
        "campaign-map correct place report-7 120 125 --geonameid 2988507 --why 'not Texas'",
    ),
    Subcommand(
        "gazetteer",
        "build the offline gazetteer index (make setup does it)",
        "campaign-map gazetteer --force",
    ),
)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Each option's default after its help, where it has one worth saying (not None, not
    an off switch, not already said); descriptions and examples as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            not action.option_strings
            or action.default in (None, False, argparse.SUPPRESS)
            or "default" in text
        ):
            return text
        return f"{text} (default: %(default)s)"


def _refuse(command: str, problem: str) -> int:
    """A user's error: one line naming the problem, exit status 2 (as argparse's own)."""
    print(f"campaign-map {command}: {problem}", file=sys.stderr)
    return 2


def cmd_build(args: argparse.Namespace) -> int:
    from geo.corpus.build import BuildError, build

    if args.budget < 0:
        return _refuse("build", f"--budget {args.budget:g}: give seconds, or 0 for no limit")
    if args.workers is not None and args.workers < 1:
        return _refuse("build", f"--workers {args.workers}: give one or more")
    started = time.perf_counter()
    try:
        summary = build(
            Path(args.corpus),
            Path(args.out),
            processes=args.processes,
            progress=not args.quiet,
            budget_s=args.budget or None,
            scheduler=args.scheduler,
            workers=args.workers,
        )
    except (ArticleError, BuildError) as exc:
        return _refuse("build", str(exc))
    print(f"{summary}\nbuilt {args.out}/ in {time.perf_counter() - started:.1f} s")
    if summary.empty:  # an empty map is written (the app's empty state), but it is no success
        return _refuse("build", summary.empty)
    return _ensure_basemap(Path(args.out))


def _ensure_basemap(out: Path) -> int:
    """The offline basemap must cover the events just built (or the region fixed in
    out/view.toml); here, not in the build, because the corpus package knows no map."""
    from geo.map.basemap_build import ensure_basemap, remove_damaged_basemap
    from geo.map.filters import load_events

    started = time.perf_counter()
    repaired = remove_damaged_basemap(out)
    if repaired:
        print(f"  repaired {repaired}")
    try:
        path, built = ensure_basemap(out, load_events(out / "events.geojson"))
    except ValueError as exc:  # an unusable view.toml, damaged map data
        return _refuse("build", str(exc))
    if built and path is not None:
        print(
            f"basemap for the events: {path} ({path.stat().st_size / 1e6:.1f} MB, "
            f"{time.perf_counter() - started:.1f} s)"
        )
    return 0


def _serve_environment(args: argparse.Namespace) -> dict[str, str] | str:
    """The app's environment: --data and --corpus as absolute paths (the app runs from the
    project folder, not from where the command was typed); or what is wrong with them."""
    from geo.app import server as app_server
    from geo.corpus.io.archive import is_archive

    env = dict(os.environ)
    for flag, variable, value in (
        ("--data", app_server.DATA_ENV, args.data),
        ("--corpus", app_server.CORPUS_ENV, args.corpus),
    ):
        if value is None:
            continue  # the app's own default, or the variable already set
        folder = Path(value).expanduser().resolve()
        # A corpus may also be an archive of articles (geo.corpus.io.archive).
        archive = flag == "--corpus" and folder.is_file() and is_archive(folder)
        if not folder.is_dir() and not archive:
            return f"{flag} {value}: no such folder"
        env[variable] = str(folder)
    if args.briefing:
        env[app_server.VIEW_ENV] = "briefing"  # every visitor opens the briefing view
    return env


def _port_problem(port: int) -> str | None:
    """Why Streamlit could not listen on `port` (said before it starts), or None."""
    from geo.app import server as app_server

    if not 1 <= port <= 65535:
        return f"--port {port}: a port is a number from 1 to 65535"
    try:
        if not app_server.port_in_use(port):
            return None
    except OSError as exc:  # a port below 1024 without the right to it, say
        return f"port {port} cannot be used ({exc.strerror or exc})"
    free = app_server.next_free_port(port)
    return f"port {port} is in use" + (f"; try --port {free}" if free else "")


def cmd_serve(args: argparse.Namespace) -> int:
    import subprocess
    import webbrowser

    from geo.app import server as app_server

    env = _serve_environment(args)
    if isinstance(env, str):
        return _refuse("serve", env)
    problem = _port_problem(args.port)
    if problem:
        return _refuse("serve", problem)
    if args.data and not args.corpus and app_server.CORPUS_ENV not in os.environ:
        # The app rebuilds its data folder from its corpus (an article added, a repair):
        # from seeds/, data built from other articles would be replaced without a word.
        return _refuse("serve", f"--data {args.data} needs --corpus, the folder it was built from")
    app = Path(__file__).resolve().parents[2] / "app.py"
    url = f"http://localhost:{args.port}/" + ("?view=briefing" if args.briefing else "")
    print(f"Campaign Map: {url}", flush=True)

    def open_browser(server: subprocess.Popen) -> None:
        # Headless (geo.app.server.OPTIONS): we open the browser ourselves, once the app
        # answers (a browser opened earlier shows "cannot connect").
        if not args.headless and app_server.wait_until_up(f"http://localhost:{args.port}", server):
            webbrowser.open(url)  # a no-op where there is no browser (a server, CI)

    # SIGTERM, SIGINT and SIGHUP stop the app too: it never outlives this command.
    return app_server.serve_until_stopped(
        app_server.command(app, args.port), env=env, cwd=app.parent, then=open_browser
    )


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


def _add_geoparse(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--input",
        metavar="FILE",
        required=True,
        help="JSON Lines file ({id, text, published} per line), - for stdin, "
        "or a .txt/.md/.html file or a folder of them (required)",
    )
    p.add_argument(
        "--output", metavar="FILE", default="-", help="JSON Lines output file, - for stdout"
    )
    p.add_argument(
        "--processes",
        type=int,
        metavar="N",
        help="worker processes (default: one per CPU, at most 4)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_geoparse)


def _add_evaluate(p: argparse.ArgumentParser) -> None:
    p.add_argument("gold", nargs="+", help="gold JSON Lines files (shared/benchmarks format)")
    p.add_argument(
        "--limit", type=int, metavar="N", help="the first N documents only (default: all)"
    )
    p.add_argument(
        "--processes",
        type=int,
        metavar="N",
        help="worker processes (default: one per CPU, at most 4)",
    )
    p.add_argument("--predictions", metavar="DIR", help="a folder to write the predictions to")
    p.add_argument(
        "--judged",
        metavar="FILE",
        help="events gold: a second list of events judged correct "
        "(JSON Lines: article, place, lat, lon, level, dates)",
    )
    p.add_argument(
        "--show-misses",
        action="store_true",
        help="events gold: list missed gold events and unmatched system events",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_evaluate)


def _add_build(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--corpus",
        metavar="PATH",
        default="seeds",
        help="folder of articles, or a JSON Lines or Parquet archive of them (a row an "
        "article: id, text, and optionally published, title, source, url)",
    )
    p.add_argument("--out", metavar="DIR", default="mapdata", help="output folder")
    p.add_argument(
        "--processes",
        type=int,
        metavar="N",
        help="worker processes (default: one per CPU, at most 4)",
    )
    cluster = p.add_mutually_exclusive_group()
    cluster.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="parse the articles on the Dask cluster of this scheduler (tcp://HOST:8786); "
        "see the README's 'Building on a cluster'",
    )
    cluster.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="parse the articles on a Dask cluster of N worker processes started here",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--budget",
        type=float,
        metavar="SECONDS",
        default=DEFAULT_BUDGET_S,
        help="time allowed per article: a slower one is stopped, reported and skipped "
        "until it changes or gets more time (0: no limit)",
    )
    p.set_defaults(func=cmd_build)


def _add_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="the port the app listens on")
    p.add_argument(
        "--data",
        metavar="DIR",
        help="the map data folder the app shows and rebuilds (events.geojson, articles.json) "
        "(default: $CAMPAIGN_MAP_DATA, else mapdata/ in the project folder)",
    )
    p.add_argument(
        "--corpus",
        metavar="DIR",
        help="the folder of articles the app maps "
        "(default: $CAMPAIGN_MAP_CORPUS, else seeds/ in the project folder)",
    )
    p.add_argument(
        "--briefing",
        action="store_true",
        help="open the briefing view (the dark, large-type map for a wall screen) instead "
        "of the analyst's view, for every visitor",
    )
    p.add_argument(
        "--headless", action="store_true", help="do not open a browser (the address is printed)"
    )
    p.set_defaults(func=cmd_serve)


def _add_export(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        metavar="FILE",
        help="the file to write (default: campaign.html, or campaign.<format>)",
    )
    p.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        help="html: the map with its time slider; geojson, csv, gpkg (GeoPackage), kml "
        "(Google Earth), parquet (GeoParquet): the filtered events for other tools "
        "(default: from the --out suffix, else html)",
    )
    add_export_args(p)
    p.add_argument("--briefing", action="store_true", help="dark, large-type style")
    p.set_defaults(func=cmd_export)


def _add_snapshot(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="FILE", default="campaign.png", help="the PNG file to write")
    p.add_argument("--size", default="1920x1080", help="WIDTHxHEIGHT in pixels, up to 7680x4320")
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


def _add_gazetteer(p: argparse.ArgumentParser) -> None:
    p.add_argument("--path", help="where to write it (default: the user cache)")
    p.add_argument("--force", action="store_true", help="rebuild even if present")
    p.set_defaults(func=cmd_gazetteer)


_OPTIONS = {
    "geoparse": _add_geoparse,
    "evaluate": _add_evaluate,
    "build": _add_build,
    "serve": _add_serve,
    "export": _add_export,
    "snapshot": _add_snapshot,
    "correct": add_correct_args,
    "gazetteer": _add_gazetteer,
}


def _overview() -> str:
    width = max(len(s.name) for s in SUBCOMMANDS)
    lines = ["subcommands, each with an example:"]
    for s in SUBCOMMANDS:
        lines += [f"  {s.name:<{width}}  {s.summary}", f"  {'':<{width}}    {s.example}"]
    lines += ["", "campaign-map SUBCOMMAND --help lists its options and their defaults."]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="campaign-map",
        description="Campaign Map: the events of news articles (what happened, where, "
        "when) on a map.",
        epilog=_overview(),
        formatter_class=HelpFormatter,
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="SUBCOMMAND", help="one of those below"
    )
    for s in SUBCOMMANDS:
        p = sub.add_parser(
            s.name,
            description=f"campaign-map {s.name}: {s.summary}.",
            epilog=f"example:\n  {s.example}",
            formatter_class=HelpFormatter,
        )
        _OPTIONS[s.name](p)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
