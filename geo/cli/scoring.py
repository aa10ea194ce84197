"""`campaign-map evaluate`: scores against a benchmark's gold file (places, or dated
events with the judged list)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from geo.corpus.articles import article_from_text

if TYPE_CHECKING:
    pass


def _unusable(args: argparse.Namespace) -> str | None:
    """What makes the run impossible, said before any document is parsed: a gold or judged
    file that is not there, a predictions folder that is not."""
    for gold in args.gold:
        if not Path(gold).is_file():
            return f"{gold}: no such file"
    if args.judged and not Path(args.judged).is_file():
        return f"--judged {args.judged}: no such file"
    if args.predictions and not Path(args.predictions).is_dir():
        return f"--predictions {args.predictions}: no such folder"
    return None


def cmd_evaluate(args: argparse.Namespace) -> int:
    from geo.evaluation import evaluate, evaluate_events
    from geo.pipeline.geoparse import Geoparser

    problem = _unusable(args)
    if problem:
        print(f"campaign-map evaluate: {problem}", file=sys.stderr)
        return 2
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
