"""`campaign-map`: the command line.

Subcommands: `geoparse` (the JSON Lines contract other tools rely on), `evaluate` (scores
against a benchmark gold file), `gazetteer` (builds the offline index at set-up).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from tqdm import tqdm

from geo.articles import ArticleError, load_article, load_corpus


@contextmanager
def _open(path: str, mode: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdin if "r" in mode else sys.stdout
        return
    with open(path, mode, encoding="utf-8") as fh:
        yield fh


def _read_jsonl(lines: IO[str]) -> Iterator[tuple[str, str | None, str | None]]:
    """(id, text, error) per line; a bad line yields an error instead of stopping."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"line-{number}", None, f"line {number}: not valid JSON ({exc.msg})"
            continue
        if not isinstance(item, dict):
            yield f"line-{number}", None, f"line {number}: expected a JSON object"
            continue
        doc_id = str(item.get("id", f"line-{number}"))
        text = item.get("text")
        if not isinstance(text, str):
            yield doc_id, None, f"line {number}: 'text' must be a string"
            continue
        yield doc_id, text, None


def _inputs(source: str) -> Iterator[tuple[str, str | None, str | None]]:
    path = Path(source)
    if source != "-" and path.is_dir():
        articles, errors = load_corpus(path)
        for err in errors:
            yield err.path.stem if err.path else source, None, str(err)
        for article in articles:
            yield article.id, article.raw, None
        return
    if source != "-" and path.suffix.lower() not in {".jsonl", ".json", ".ndjson"}:
        try:
            article = load_article(path)
        except ArticleError as exc:
            yield path.stem, None, str(exc)
            return
        yield article.id, article.raw, None
        return
    with _open(source, "r") as fh:
        yield from _read_jsonl(fh)


def cmd_geoparse(args: argparse.Namespace) -> int:
    from geo.geoparse import Geoparser

    items = list(_inputs(args.input))
    parser = Geoparser()
    good = [(doc_id, text) for doc_id, text, err in items if err is None and text is not None]
    results = {
        r.id: r for r in tqdm(parser.parse_many(good, processes=args.processes),
                              total=len(good), desc="geoparse", unit="doc",
                              disable=args.quiet or len(good) < 20, file=sys.stderr)
    }
    failures = 0
    with _open(args.output, "w") as out:
        for doc_id, _text, err in items:
            if err is not None:
                failures += 1
                print(f"campaign-map geoparse: {doc_id}: {err}", file=sys.stderr)
                record: dict[str, object] = {"id": doc_id, "toponyms": [], "unresolved": [],
                                             "error": err}
            else:
                result = results[doc_id]
                if result.error:
                    failures += 1
                    print(f"campaign-map geoparse: {doc_id}: {result.error}", file=sys.stderr)
                record = result.to_json()
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 1 if failures and failures == len(items) else 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from geo import evaluate
    from geo.geoparse import Geoparser

    rows = []
    for gold_path in args.gold:
        corpus = evaluate.corpus_name(gold_path)
        docs = evaluate.load_gold(Path(gold_path), limit=args.limit)
        parser = Geoparser()
        started = time.perf_counter()
        predictions = {
            r.id: r.to_json()
            for r in tqdm(parser.parse_many([(d.id, d.text) for d in docs],
                                            processes=args.processes),
                          total=len(docs), desc=corpus, unit="doc", file=sys.stderr,
                          disable=args.quiet)
        }
        seconds = time.perf_counter() - started
        if args.predictions:
            with open(Path(args.predictions) / f"{corpus}.jsonl", "w", encoding="utf-8") as fh:
                for doc in docs:
                    fh.write(json.dumps(predictions[doc.id], ensure_ascii=False) + "\n")
        rows.append((f"{corpus} E2E", evaluate.score_e2e(corpus, docs, predictions)))
        rows.append((f"{corpus} E2E, no adjectives",
                     evaluate.score_e2e(corpus, docs, predictions, include_adjectival=False)))
        rows.append((f"{corpus} own variant", evaluate.score_own(corpus, docs, predictions)))
        print(f"{corpus}: {len(docs)} documents in {seconds:.1f} s "
              f"({len(docs) / seconds:.1f} docs/s)", file=sys.stderr)
    print(evaluate.format_table(rows))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from geo.build import build

    started = time.perf_counter()
    try:
        summary = build(Path(args.corpus), Path(args.out), processes=args.processes,
                        progress=not args.quiet)
    except ArticleError as exc:
        print(f"campaign-map build: {exc}", file=sys.stderr)
        return 2
    print(f"{summary}\nbuilt {args.out}/ in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_gazetteer(args: argparse.Namespace) -> int:
    from geo.gazetteer import build_index, default_index_path

    target = Path(args.path) if args.path else default_index_path()
    if target.exists() and not args.force:
        print(f"gazetteer index present: {target}")
        return 0
    started = time.perf_counter()
    build_index(target)
    print(f"gazetteer index built in {time.perf_counter() - started:.1f} s: {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="campaign-map", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("geoparse", help="find and resolve the places of documents")
    p.add_argument("--input", required=True,
                   help="JSON Lines file ({id, text, published}), '-' for stdin, "
                        "or a .txt/.md/.html file or a folder of them")
    p.add_argument("--output", default="-", help="JSON Lines output file, '-' for stdout")
    p.add_argument("--processes", type=int, default=None, help="worker processes")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_geoparse)

    p = sub.add_parser("evaluate", help="score against benchmark gold files")
    p.add_argument("gold", nargs="+", help="gold JSON Lines files (shared/benchmarks format)")
    p.add_argument("--limit", type=int, default=None, help="first N documents only")
    p.add_argument("--processes", type=int, default=None)
    p.add_argument("--predictions", help="folder to write the predictions to")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("build", help="build the map data (events, articles) of a corpus")
    p.add_argument("--corpus", default="seeds", help="folder of articles (default: seeds)")
    p.add_argument("--out", default="mapdata", help="output folder (default: mapdata)")
    p.add_argument("--processes", type=int, default=None)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_build)

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
