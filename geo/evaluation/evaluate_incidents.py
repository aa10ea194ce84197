"""Scoring the incident grouping against gold incident labels.

The gold file (`benchmarks/incidents_gold.jsonl`, how it was labelled:
`benchmarks/incidents_gold.md`) points at events, never copies text: one line per event
with its incident label,
- `{"set": "events-dev", "article": id, "event": i, "incident": label}`: the i-th gold
  event of an events-dev article (`../shared/benchmarks/events-dev/articles.jsonl`);
- `{"set": "seeds", "article": id, "offset": n, "place": name, "incident": label}`: the
  event the build makes at the sentence starting at character n of a seed article (event
  ids are "<article id>:<sentence offset>", geo/pipeline/events.py) and at that place.

The system's events are the build's: the seeds folder built as `campaign-map build` builds
it, the events-dev articles as `campaign-map evaluate` makes their events; each set is
grouped as a whole (across articles), by `geo.corpus.incidents`.

Alignment, one to one: a gold events-dev event is the system event of the same article
that comes from its evidence sentence(s) and matches it as `evaluate_events` matches
events (the place within 25 km, 150 km or the same country by level; overlapping
intervals); with `--any-sentence`, from any sentence of the article. A seed label is the
event at its sentence offset and place. Gold events the system did not make are left out
and counted.

Pairwise, over the aligned events of a set:
- false-merge rate = pairs the system put in one incident that gold says are different /
  pairs the system put in one incident;
- missed-merge rate = pairs gold puts in one incident that the system did not /
  pairs gold puts in one incident.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from geo.evaluation.evaluate import haversine_km
from geo.evaluation.evaluate_events import event_matches
from geo.paths import MAPDATA

ROOT = MAPDATA.parent
DEFAULT_GOLD = ROOT / "benchmarks" / "incidents_gold.jsonl"
DEFAULT_EVENTS_DEV = ROOT.parent / "shared" / "benchmarks" / "events-dev" / "articles.jsonl"
DEFAULT_SEEDS = ROOT / "seeds"
TARGET_FALSE_MERGE = 0.02
TARGET_MISSED_MERGE = 0.10

Json = dict[str, Any]


# ------------------------------------------------------------------------------ gold


@dataclass(frozen=True)
class GoldLabel:
    """One gold event and its incident: an events-dev event (by its index in the
    article's gold list) or a seed event (by sentence offset and place)."""

    set: str
    article: str
    incident: str
    event: int | None = None
    offset: int | None = None
    place: str | None = None

    @property
    def key(self) -> str:
        where = self.event if self.event is not None else f"@{self.offset} {self.place}"
        return f"{self.article}[{where}]"


def load_incident_gold(path: Path | str) -> list[GoldLabel]:
    """The labels; ValueError naming the file and line for one that cannot be read."""
    labels = []
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                labels.append(
                    GoldLabel(
                        set=str(raw["set"]),
                        article=str(raw["article"]),
                        incident=str(raw["incident"]),
                        event=int(raw["event"]) if "event" in raw else None,
                        offset=int(raw["offset"]) if "offset" in raw else None,
                        place=str(raw["place"]) if "place" in raw else None,
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not an incident label ({exc})") from None
    return labels


# ------------------------------------------------------------------------- alignment


def sentence_offset(event_id: str) -> int:
    """The sentence offset an event id ends with ("<article>:<offset>", "<article>:2:<offset>")."""
    return int(event_id.rsplit(":", 1)[1])


def flat_event(feature: Mapping[str, Any]) -> Json:
    """A feature's properties with its point as `lat`/`lon` (what `event_matches` reads)."""
    lon, lat = feature["geometry"]["coordinates"][:2]
    return dict(feature["properties"]) | {"lat": lat, "lon": lon}


def _candidates(
    gold: Json,
    evidence: tuple[int, int] | None,
    events: Sequence[tuple[int, Json]],
    country_of: Callable[[Json], str | None],
) -> list[tuple[tuple[Any, ...], int]]:
    """The system events (index, event) a gold event may align with, best first by
    (not from the evidence, another type, distance, id)."""
    found = []
    for index, event in events:
        in_evidence = evidence is not None and (
            evidence[0] <= sentence_offset(str(event["id"])) < evidence[1]
        )
        if (evidence is not None and not in_evidence) or not event_matches(event, gold, country_of):
            continue
        distance = (
            0.0
            if gold["level"] == "country"
            else haversine_km(event["lat"], event["lon"], gold["lat"], gold["lon"])
        )
        rank = (not in_evidence, event.get("event_type") != gold["type"], round(distance, 1))
        found.append(((*rank, str(event["id"])), index))
    return found


def align_events_dev(
    labels: Sequence[GoldLabel],
    documents: Mapping[str, Json],
    features: Sequence[Mapping[str, Any]],
    country_of: Callable[[Json], str | None],
    any_sentence: bool = False,
) -> dict[int, int]:
    """Gold label (its index in `labels`) -> system feature (its index), one to one."""
    by_article: dict[str, list[tuple[int, Json]]] = {}
    for index, feature in enumerate(features):
        event = flat_event(feature)
        by_article.setdefault(str(event["article_id"]), []).append((index, event))
    pairs = []
    for number, label in enumerate(labels):
        document = documents[label.article]
        assert label.event is not None
        gold = document["events"][label.event]
        start = document["text"].find(gold["evidence"])
        evidence = None if any_sentence else (start, start + len(gold["evidence"]))
        for rank, index in _candidates(
            gold, evidence, by_article.get(label.article, []), country_of
        ):
            pairs.append((rank, number, index))
    return _one_to_one(pairs)


def _one_to_one(pairs: Iterable[tuple[tuple[Any, ...], int, int]]) -> dict[int, int]:
    """The best pairs first, each gold and each system event used once."""
    aligned: dict[int, int] = {}
    used: set[int] = set()
    for _, number, index in sorted(pairs):
        if number not in aligned and index not in used:
            aligned[number] = index
            used.add(index)
    return aligned


def _same_name(a: str, b: str) -> bool:
    a, b = a.casefold(), b.casefold()
    return bool(a) and bool(b) and (a == b or a in b or b in a)


def align_seeds(
    labels: Sequence[GoldLabel], features: Sequence[Mapping[str, Any]]
) -> dict[int, int]:
    """Gold label -> the system event of its article at its sentence offset and place."""
    pairs = []
    for number, label in enumerate(labels):
        for index, feature in enumerate(features):
            props = feature["properties"]
            if (
                props["article_id"] == label.article
                and sentence_offset(str(props["id"])) == label.offset
                and (
                    _same_name(str(props.get("place")), str(label.place))
                    or _same_name(str(props.get("gazetteer_name")), str(label.place))
                )
            ):
                pairs.append(((str(props["id"]),), number, index))
    return _one_to_one(pairs)


# ---------------------------------------------------------------------------- scores


@dataclass
class PairScores:
    """The pairwise comparison of one set, with the counts behind each rate."""

    gold_events: int = 0
    aligned: int = 0
    system_same: int = 0
    false_merges: int = 0
    gold_same: int = 0
    missed_merges: int = 0
    gold_same_all: int = 0  # gold-same pairs, aligned or not (what the alignment covers)
    false_merge_pairs: list[str] = field(default_factory=list)
    missed_merge_pairs: list[str] = field(default_factory=list)

    @property
    def false_merge_rate(self) -> float:
        return self.false_merges / self.system_same if self.system_same else 0.0

    @property
    def missed_merge_rate(self) -> float:
        return self.missed_merges / self.gold_same if self.gold_same else 0.0


def pair_scores(
    gold: Sequence[str], system: Sequence[str | None], names: Sequence[str] | None = None
) -> PairScores:
    """Pairwise false and missed merges: `gold[i]` is event i's gold incident, `system[i]`
    its system incident (None: the system did not make the event; left out)."""
    names = names or [str(i) for i in range(len(gold))]
    scores = PairScores(gold_events=len(gold), aligned=sum(s is not None for s in system))
    for i, j in combinations(range(len(gold)), 2):
        same_gold = gold[i] == gold[j]
        scores.gold_same_all += same_gold
        if system[i] is None or system[j] is None:
            continue
        same_system = system[i] == system[j]
        scores.gold_same += same_gold
        scores.system_same += same_system
        if same_system and not same_gold:
            scores.false_merges += 1
            scores.false_merge_pairs.append(f"{names[i]} + {names[j]}")
        if same_gold and not same_system:
            scores.missed_merges += 1
            scores.missed_merge_pairs.append(f"{names[i]} + {names[j]}")
    return scores


def format_pair_scores(label: str, s: PairScores) -> str:
    """A Markdown table of the rates with their counts and the targets."""
    rows = [
        ("gold events aligned to system events", f"{s.aligned}/{s.gold_events}"),
        (
            f"false-merge rate (target <= {TARGET_FALSE_MERGE:.0%})",
            f"{s.false_merge_rate:.3f} ({s.false_merges}/{s.system_same} system-same pairs)",
        ),
        (
            f"missed-merge rate (target <= {TARGET_MISSED_MERGE:.0%})",
            f"{s.missed_merge_rate:.3f} ({s.missed_merges}/{s.gold_same} gold-same pairs)",
        ),
        ("gold-same pairs with both events aligned", f"{s.gold_same}/{s.gold_same_all}"),
    ]
    lines = [f"| {label} | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def score_set(
    labels: Sequence[GoldLabel], aligned: Mapping[int, int], incident_of: Sequence[str]
) -> PairScores:
    """The pairwise scores of one set from its alignment and the system's incident ids."""
    system = [incident_of[aligned[n]] if n in aligned else None for n in range(len(labels))]
    return pair_scores([label.incident for label in labels], system, [lb.key for lb in labels])


# ------------------------------------------------------------------ gold as input

# The gold list's levels as the gazetteer's: an informal region is an area like a province.
GOLD_LEVELS = {"region": "province", "water": "city"}
FACILITY_RADIUS_KM = 15.0  # what resolution gives a facility named after a town


def gold_features(
    labels: Sequence[GoldLabel], documents: Mapping[str, Json]
) -> list[dict[str, Any]]:
    """The gold events of the labels as event features (their place, interval and type,
    their article's source): the grouping's input without the extractor's errors, so
    that its rules are measured alone."""
    features = []
    for label in labels:
        document = documents[label.article]
        assert label.event is not None
        gold = document["events"][label.event]
        level = GOLD_LEVELS.get(gold["level"], gold["level"])
        properties = {
            "id": f"{label.article}:{label.event}",
            "place": gold["place"],
            "level": level,
            "geonameid": None,
            "country": "",
            "uncertainty_km": FACILITY_RADIUS_KM if level == "facility" else None,
            "date_start": gold["date_start"],
            "date_end": gold["date_end"],
            "time_basis": "explicit",
            "planned": False,
            "event_type": gold["type"],
            "actors": [],
            "figures": [],
            "article_id": label.article,
            "article_source": document.get("source"),
        }
        geometry = {"type": "Point", "coordinates": [gold["lon"], gold["lat"]]}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return features


# ------------------------------------------------------------------------ the run


def read_documents(path: Path) -> dict[str, Json]:
    with path.open(encoding="utf-8") as fh:
        return {doc["id"]: doc for doc in map(json.loads, filter(str.strip, fh))}


def system_features(
    documents: Mapping[str, Json], seeds: Path, processes: int | None
) -> tuple[list[Json], list[Json], Callable[[Json], str | None]]:
    """The build's events of the events-dev articles (as `campaign-map evaluate` makes
    them, with each article's source) and of the seeds folder (a build into a temporary
    folder), with the incident id of each; and the gazetteer's country of a gold place.

    The one step that runs the corpus layer (the build and the grouping)."""
    from geo.corpus.articles import article_from_text
    from geo.corpus.build import article_events, build, event_properties
    from geo.pipeline.geoparse import Geoparser

    parser = Geoparser()
    articles = {
        doc_id: article_from_text(
            doc_id,
            doc["text"],
            datetime.date.fromisoformat(doc["published"]) if doc.get("published") else None,
            doc.get("title") or None,
            doc.get("source") or None,
        )
        for doc_id, doc in documents.items()
    }
    dev: list[Json] = []
    for result in parser.parse_many(
        [(doc_id, a.clean) for doc_id, a in articles.items()], processes=processes
    ):
        for event in article_events(articles[result.id], result)[1]:
            geometry = {"type": "Point", "coordinates": [event.lon, event.lat]}
            dev.append(
                {"type": "Feature", "geometry": geometry, "properties": event_properties(event)}
            )
    with tempfile.TemporaryDirectory() as out:
        build(seeds, Path(out), processes=processes, progress=False)
        seeded = json.loads((Path(out) / "events.geojson").read_text(encoding="utf-8"))
    seed_features: list[Json] = seeded["features"]
    for features in (dev, seed_features):
        with_incidents(features)

    def country_of(gold: Json) -> str | None:
        name = str(gold.get("place") or "")
        return next(
            (
                c.place.country
                for c in parser.gazetteer.candidates(name)
                if c.place.level == "country"
            ),
            None,
        )

    return dev, seed_features, country_of


def with_incidents(features: list[Json]) -> list[Json]:
    """The features, each with its `incident_id` (the grouping of the corpus layer)."""
    from geo.corpus.incidents import incident_ids

    for feature, name in zip(features, incident_ids(features), strict=True):
        feature["properties"]["incident_id"] = name
    return features


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m geo.evaluation.evaluate_incidents",
        description="False- and missed-merge rates of the incident grouping on gold labels.",
    )
    p.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="incident labels (JSON Lines)")
    p.add_argument("--events-dev", type=Path, default=DEFAULT_EVENTS_DEV, help="articles.jsonl")
    p.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="the seeds folder")
    p.add_argument("--processes", type=int, default=None, help="parser processes")
    p.add_argument(
        "--any-sentence",
        action="store_true",
        help="align a gold event with a matching event of any sentence, not only its evidence",
    )
    p.add_argument("--show", action="store_true", help="list the false and missed merges")
    return p.parse_args(argv)


def _problem(args: argparse.Namespace) -> str | None:
    for flag, path in (("--gold", args.gold), ("--events-dev", args.events_dev)):
        if not path.is_file():
            return f"{flag} {path}: no such file"
    if not args.seeds.is_dir():
        return f"--seeds {args.seeds}: no such folder"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    problem = _problem(args)
    labels: list[GoldLabel] = []
    if problem is None:
        try:
            labels = load_incident_gold(args.gold)
        except ValueError as exc:
            problem = str(exc)
    if problem is not None:
        print(f"evaluate_incidents: {problem}", file=sys.stderr)
        return 2
    documents = read_documents(args.events_dev)
    dev_labels = [lb for lb in labels if lb.set == "events-dev" and lb.article in documents]
    seed_labels = [lb for lb in labels if lb.set == "seeds"]
    dev, seeded, country_of = system_features(documents, args.seeds, args.processes)
    results = [
        (
            "events-dev (rules developed here)",
            dev_labels,
            align_events_dev(dev_labels, documents, dev, country_of, args.any_sentence),
            dev,
        ),
        ("seeds (held out)", seed_labels, align_seeds(seed_labels, seeded), seeded),
        (
            "events-dev gold events as input (the rules alone)",
            dev_labels,
            {n: n for n in range(len(dev_labels))},
            with_incidents(gold_features(dev_labels, documents)),
        ),
    ]
    for label, set_labels, aligned, features in results:
        ids = [str(f["properties"]["incident_id"]) for f in features]
        scores = score_set(set_labels, aligned, ids)
        print(format_pair_scores(label, scores))
        print()
        if args.show:
            for pair in scores.false_merge_pairs:
                print(f"false merge: {pair}", file=sys.stderr)
            for pair in scores.missed_merge_pairs:
                print(f"missed merge: {pair}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
