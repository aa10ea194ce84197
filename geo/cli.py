"""`campaign-map`: the command line.

Subcommands: `geoparse` (the JSON Lines contract other tools rely on), `evaluate` (scores
against a benchmark gold file), `build` (a corpus's map data), `export` (a self-contained HTML
map), `snapshot` (that map as a PNG for slides), `serve` (the app), `gazetteer` (builds the
offline index at set-up).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tqdm import tqdm

from geo.corpus.articles import Article, ArticleError, article_from_text, load_article, load_corpus

if TYPE_CHECKING:
    import folium


@contextmanager
def _open(path: str, mode: str) -> Iterator[IO[str]]:
    """UTF-8 text; bytes that are not UTF-8 are read as surrogate escapes, so that one bad
    line becomes an error record instead of stopping the run (see `_read_jsonl`)."""
    errors = "surrogateescape" if "r" in mode else "strict"
    if path == "-":
        stream = sys.stdin if "r" in mode else sys.stdout
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors=errors)
        yield stream
        return
    with open(path, mode, encoding="utf-8", errors=errors) as fh:
        yield fh


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _scalar_values(value: object) -> object:
    """Strings with lone surrogates ("\\ud83d" escapes of a cut emoji) as U+FFFD, as browsers
    do: they cannot be written as UTF-8, and one-for-one replacement keeps every offset."""
    if isinstance(value, str):
        return _SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_scalar_values(v) for v in value]
    if isinstance(value, dict):
        return {_scalar_values(k): _scalar_values(v) for k, v in value.items()}
    return value


# Characters that JSON leaves raw in strings but that str.splitlines() and some other line
# readers take for line breaks; escaped, one record is always one line for every reader.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_LINE_BREAK_RE = re.compile("[\x85\u2028\u2029]")


def _json_line(record: dict[str, object]) -> str:
    text = json.dumps(record, ensure_ascii=False)
    return _LINE_BREAK_RE.sub(lambda m: _LINE_BREAKS[m.group(0)], text) + "\n"


@dataclass
class _Input:
    """One document to geoparse, or the reason it cannot be."""

    id: str
    article: Article | None = None
    error: str | None = None


def _published(value: object, number: int) -> datetime.date | None:
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"line {number}: 'published' must be YYYY-MM-DD or null") from None


def _read_jsonl(lines: IO[str]) -> Iterator[_Input]:
    """One input per line; a bad line becomes an error record instead of stopping the run."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if _SURROGATE_RE.search(line):  # undecodable bytes, escaped by `_open`
            yield _Input(f"line-{number}", error=f"line {number}: not valid UTF-8")
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _Input(f"line-{number}", error=f"line {number}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(item, dict):
            yield _Input(f"line-{number}", error=f"line {number}: expected a JSON object")
            continue
        item = {key: _scalar_values(value) for key, value in item.items()}
        doc_id = str(item.get("id", f"line-{number}"))
        text = item.get("text")
        if not isinstance(text, str):
            yield _Input(doc_id, error=f"line {number}: 'text' must be a string")
            continue
        try:
            published = _published(item.get("published"), number)
            article = article_from_text(
                doc_id,
                text,
                published=published,
                title=item.get("title"),
                source=item.get("source"),
                url=item.get("url"),
            )
        except (ValueError, ArticleError) as exc:
            yield _Input(doc_id, error=str(exc))
            continue
        yield _Input(doc_id, article)


def _inputs(source: str) -> Iterator[_Input]:
    path = Path(source)
    if source != "-" and path.is_dir():
        articles, errors = load_corpus(path)
        for err in errors:
            yield _Input(err.path.stem if err.path else source, error=str(err))
        for article in articles:
            yield _Input(article.id, article)
        return
    if source != "-" and path.suffix.lower() not in {".jsonl", ".json", ".ndjson"}:
        try:
            yield _Input(path.stem, load_article(path))
        except ArticleError as exc:
            yield _Input(path.stem, error=str(exc))
        return
    with _open(source, "r") as fh:
        yield from _read_jsonl(fh)


def cmd_geoparse(args: argparse.Namespace) -> int:
    from geo.corpus.build import article_events, event_properties
    from geo.pipeline.geoparse import Geoparser

    items = list(_inputs(args.input))
    good = [(item.id, item.article.raw) for item in items if item.article is not None]
    parser = Geoparser() if good else None
    # In input order, not by id: two documents may share an id.
    results = iter(
        list(
            tqdm(
                parser.parse_many(good, processes=args.processes) if parser else [],
                total=len(good),
                desc="geoparse",
                unit="doc",
                disable=args.quiet or len(good) < 20,
                file=sys.stderr,
            )
        )
    )
    failures = 0
    with _open(args.output, "w") as out:
        for item in items:
            record: dict[str, object]
            if item.article is None:
                failures += 1
                print(f"campaign-map geoparse: {item.id}: {item.error}", file=sys.stderr)
                record = {
                    "id": item.id,
                    "toponyms": [],
                    "unresolved": [],
                    "events": [],
                    "error": item.error,
                }
            else:
                result = next(results)
                record = result.to_json()
                if result.error:
                    failures += 1
                    print(f"campaign-map geoparse: {item.id}: {result.error}", file=sys.stderr)
                    record["events"] = []
                else:
                    _, events = article_events(item.article, result)
                    record["events"] = [
                        event_properties(e) | {"lat": e.lat, "lon": e.lon} for e in events
                    ]
            out.write(_json_line(record))
    return 1 if failures and failures == len(items) else 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from geo.evaluation import evaluate, evaluate_events
    from geo.pipeline.geoparse import Geoparser

    rows = []
    for gold_path in args.gold:
        if evaluate_events.is_events_gold(gold_path):
            _evaluate_events(gold_path, args)
            continue
        corpus = evaluate.corpus_name(gold_path)
        docs = evaluate.load_gold(Path(gold_path), limit=args.limit)
        parser = Geoparser()
        started = time.perf_counter()
        predictions = {
            r.id: r.to_json()
            for r in tqdm(
                parser.parse_many([(d.id, d.text) for d in docs], processes=args.processes),
                total=len(docs),
                desc=corpus,
                unit="doc",
                file=sys.stderr,
                disable=args.quiet,
            )
        }
        seconds = time.perf_counter() - started
        if args.predictions:
            with open(Path(args.predictions) / f"{corpus}.jsonl", "w", encoding="utf-8") as fh:
                for doc in docs:
                    fh.write(json.dumps(predictions[doc.id], ensure_ascii=False) + "\n")
        rows.append((f"{corpus} E2E", evaluate.score_e2e(corpus, docs, predictions)))
        rows.append(
            (
                f"{corpus} E2E, no adjectives",
                evaluate.score_e2e(corpus, docs, predictions, include_adjectival=False),
            )
        )
        rows.append((f"{corpus} own variant", evaluate.score_own(corpus, docs, predictions)))
        print(
            f"{corpus}: {len(docs)} documents in {seconds:.1f} s "
            f"({len(docs) / seconds:.1f} docs/s)",
            file=sys.stderr,
        )
    if rows:
        print(evaluate.format_table(rows))
    return 0


def _evaluate_events(gold_path: str, args: argparse.Namespace) -> None:
    """Places and dated events of an events gold file, through the build's own steps."""
    from geo.corpus.build import article_events, event_properties
    from geo.evaluation import evaluate_events
    from geo.pipeline.geoparse import Geoparser

    docs = evaluate_events.load_events_gold(gold_path, limit=args.limit)
    parser = Geoparser()
    articles = {d.id: article_from_text(d.id, d.text, d.published, d.title or None) for d in docs}
    started = time.perf_counter()
    predictions: dict[str, dict[str, object]] = {}
    results = parser.parse_many(
        [(d.id, articles[d.id].clean) for d in docs], processes=args.processes
    )
    for result in tqdm(
        results, total=len(docs), desc="events", unit="doc", file=sys.stderr, disable=args.quiet
    ):
        _, events = article_events(articles[result.id], result)
        predictions[result.id] = result.to_json() | {
            "events": [event_properties(e) | {"lat": e.lat, "lon": e.lon} for e in events]
        }
    seconds = time.perf_counter() - started

    def country_of(gold: dict[str, object]) -> str | None:
        name = str(gold.get("place") or gold.get("name") or "")
        return next(
            (
                c.place.country
                for c in parser.gazetteer.candidates(name)
                if c.place.level == "country"
            ),
            None,
        )

    judged = evaluate_events.load_judged(args.judged, country_of) if args.judged else None
    scores = evaluate_events.score_events(docs, predictions, country_of, judged)
    if args.predictions:
        with open(
            Path(args.predictions) / f"{Path(gold_path).stem}.jsonl", "w", encoding="utf-8"
        ) as fh:
            for doc in docs:
                fh.write(json.dumps(predictions[doc.id], ensure_ascii=False) + "\n")
    if args.show_misses:
        for line in scores.missed:
            print(f"missed: {line}", file=sys.stderr)
        for line in scores.unmatched:
            print(f"unmatched: {line}", file=sys.stderr)
        for line in scores.wrong_type:
            print(f"type: {line}", file=sys.stderr)
    print(
        f"{Path(gold_path).name}: {len(docs)} documents in {seconds:.1f} s "
        f"({len(docs) / seconds:.1f} docs/s)",
        file=sys.stderr,
    )
    print(evaluate_events.format_event_scores(Path(gold_path).name, scores))


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


class _Refused(Exception):
    """A command's arguments or data cannot be used: one line on stderr, exit status 2."""


def _date_arg(value: str | None, flag: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise _Refused(f"{flag} must be a date as YYYY-MM-DD, not {value!r}") from None


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
        m, events = _export_map(args, args.briefing)
    except _Refused as exc:
        print(f"campaign-map export: {exc}", file=sys.stderr)
        return 2
    size = write_export(m, Path(args.out))
    print(f"wrote {args.out}: {events} events, {size / 1e6:.2f} MB")
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    """The export's page (same filters) as a PNG, rendered by chromium (geo.map.snapshot)."""
    from geo.map import snapshot
    from geo.map.export import render_export

    started = time.perf_counter()
    try:
        size = snapshot.parse_size(args.size)
        snapshot.check_browser()  # before the export is made: a missing browser says so at once
        m, events = _export_map(args, args.style == "dark")
        png = snapshot.render_png(render_export(m), size, scale=args.scale)
    except (_Refused, ValueError, snapshot.SnapshotError) as exc:
        print(f"campaign-map snapshot: {exc}", file=sys.stderr)
        return 2
    target = Path(args.out)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(png)
    tmp.replace(target)
    print(
        f"wrote {target}: {size[0]}x{size[1]} px, {events} events, "
        f"{len(png) / 1e6:.2f} MB in {time.perf_counter() - started:.1f} s"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import webbrowser

    from geo.app import server as app_server

    app = Path(__file__).resolve().parent.parent / "app.py"
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


def _add_export_args(p: argparse.ArgumentParser) -> None:
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
    _add_export_args(p)
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
    _add_export_args(p)
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


if __name__ == "__main__":
    sys.exit(main())
