"""Geoparsing benchmark scorer (shared/benchmarks/README.md, "Scoring protocol").

Implements the published E2E protocol (EUPEG ``Utils.calculateScores``; Gritta et
al. 2018) so our figures can be set next to the anchor numbers, plus the README's
"own variant": a fairer recognition score that is NOT comparable with published ones.

The scorer only consumes data: gold JSONL files and prediction dicts in the CLI output
format ``{"id", "toponyms": [{"start", "end", "text", "lat", "lon", ...}], ...}``.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.pipeline.places.gazetteer import haversine_km

Span = dict[str, Any]
Prediction = Mapping[str, Any]

CORPORA: tuple[str, ...] = ("geowebnews", "trnews", "lgl", "geovirus")

PROTOCOL_E2E = "E2E (published protocol)"
PROTOCOL_OWN = "own variant (not comparable)"

# Half the Earth's circumference: the AUC normaliser of Gritta et al. 2018.
MAX_ERROR_KM = 20039.0
ACC_THRESHOLD_KM = 161.0
# Midpoints must be strictly closer than this (EUPEG); compared doubled to stay exact.
MIDPOINT_TOLERANCE = 10

# GeoWebNews span types that are not toponyms (expression heads, entity names): not T.
NON_TOPONYM_TYPES: frozenset[str] = frozenset(
    {"Literal_Expression", "Non_Lit_Expression", "Non_Toponym"}
)

# The two gold annotations of G on the title of gwn-123 ("US", "American"). Our
# converter dropped them (negative offsets); EUPEG's gold keeps them and can never
# match them, so its published recall includes 2 extra false negatives. Only added
# when gwn-123 itself is scored, else a partial run is charged for an unseen document.
GWN_TITLE_DOC_ID = "gwn-123"
GWN_TITLE_EXTRA_FN = 2


@dataclass(frozen=True)
class GoldDocument:
    """One benchmark article with every annotated span (unfiltered: pick a subset)."""

    id: str
    text: str
    toponyms: list[Span]


@dataclass(frozen=True)
class Scores:
    """Recognition counts and ratios plus resolution metrics over matched pairs."""

    corpus: str
    protocol: str
    include_adjectival: bool
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    n: int  # pairs entering the resolution metrics
    mean_km: float | None
    median_km: float | None
    acc161: float | None
    auc: float | None
    # Own variant only: matched pairs whose gold has coordinates but the prediction has
    # none. They have no error distance, so they are counted here instead of vanishing.
    unresolved_matches: int = 0
    # Pairs >= 161 km apart although both name the same GeoNames entry: the error is in the
    # point chosen for that entry (country and province points), not in the disambiguation.
    same_entry_far: int = 0


# ----------------------------------------------------------------------- loading


def load_gold(path: Path, limit: int | None = None) -> list[GoldDocument]:
    """Read a benchmark JSONL file; ``limit`` stops early so tests stay fast."""
    docs: list[GoldDocument] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if limit is not None and len(docs) >= limit:
                break
            if not line.strip():
                continue
            raw = json.loads(line)
            docs.append(GoldDocument(id=raw["id"], text=raw["text"], toponyms=raw["toponyms"]))
    return docs


def corpus_name(path: Path | str) -> str:
    """Infer the corpus from the file name, since gold subsets differ per corpus."""
    stem = Path(path).name.lower().replace("-", "").replace("_", "")
    aliases = {
        "geowebnews": "geowebnews",
        "gwn": "geowebnews",
        "trnews": "trnews",
        "geovirus": "geovirus",
        "lgl": "lgl",
    }
    for key, corpus in aliases.items():
        if stem.startswith(key):
            return corpus
    raise ValueError(f"cannot infer benchmark corpus from file name {Path(path).name!r}")


# ----------------------------------------------------------------------- gold subsets


def _check_corpus(corpus: str) -> None:
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; expected one of {CORPORA}")


def has_coords(item: Mapping[str, Any]) -> bool:
    """True when both latitude and longitude are given."""
    return item.get("lat") is not None and item.get("lon") is not None


def gold_subset_g(corpus: str, toponyms: Iterable[Span]) -> list[Span]:
    """Subset G: what EUPEG and Gritta et al. 2018 score (recognition, resolution)."""
    _check_corpus(corpus)
    spans = list(toponyms)
    if corpus == "geowebnews":
        return [t for t in spans if t.get("geonameid") not in (None, "")]
    if corpus in ("trnews", "lgl"):
        return [t for t in spans if t.get("lat") is not None]
    return spans  # geovirus: every span is a resolved toponym


def gold_subset_own(corpus: str, toponyms: Iterable[Span]) -> list[Span]:
    """Own-variant gold: every toponym span (GeoWebNews: T), with or without coords."""
    _check_corpus(corpus)
    spans = list(toponyms)
    if corpus == "geowebnews":
        return [t for t in spans if t.get("type") not in NON_TOPONYM_TYPES]
    return spans


# ----------------------------------------------------------------------- matching


def _midpoints_close(pred: Mapping[str, Any], gold: Mapping[str, Any]) -> bool:
    # |(ps+pe)/2 - (gs+ge)/2| < 10, doubled so that integer offsets compare exactly.
    doubled = abs((pred["start"] + pred["end"]) - (gold["start"] + gold["end"]))
    return doubled < 2 * MIDPOINT_TOLERANCE


def match_document(
    gold: Sequence[Span], predictions: Sequence[Prediction], require_coords: bool
) -> tuple[list[tuple[Span, Prediction]], int, int]:
    """E2E steps 1-2: greedy one-to-one matching; returns (gold, pred) pairs, FP, FN.

    Gold is visited in document order and takes the first still-unmatched prediction in
    the system's output order, exactly like EUPEG, so ties are broken the same way.
    """
    # Step 1: EUPEG drops unresolved predictions before matching (neither TP nor FP).
    preds = list(predictions)
    if require_coords:
        preds = [p for p in preds if has_coords(p)]
    used = [False] * len(preds)
    pairs: list[tuple[Span, Prediction]] = []
    # Stable sort: spans with equal starts keep their file order.
    for g in sorted(gold, key=lambda t: t["start"]):
        gold_string = g["name"].lower()
        for i, p in enumerate(preds):
            if not used[i] and p["text"].lower() == gold_string and _midpoints_close(p, g):
                used[i] = True
                pairs.append((g, p))
                break
    return pairs, len(preds) - len(pairs), len(gold) - len(pairs)


# ----------------------------------------------------------------------- resolution


def resolution_metrics(errors_km: Sequence[float]) -> dict[str, Any]:
    """n, mean, median, Acc@161 and AUC (README step 4); all None when n == 0."""
    n = len(errors_km)
    if n == 0:
        return {"n": 0, "mean": None, "median": None, "acc161": None, "auc": None}
    # The README sorts before the trapezoid (Gritta's script did not).
    errors = sorted(errors_km)
    logs = [math.log1p(e) / math.log(MAX_ERROR_KM) for e in errors]
    # Trapezoid over n points with unit spacing, normalised by the n-1 intervals.
    auc = logs[0] if n == 1 else (sum(logs) - (logs[0] + logs[-1]) / 2) / (n - 1)
    return {
        "n": n,
        "mean": statistics.fmean(errors),
        "median": statistics.median(errors),
        "acc161": sum(1 for e in errors if e < ACC_THRESHOLD_KM) / n,
        "auc": auc,
    }


# ----------------------------------------------------------------------- scoring


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _score(
    corpus: str,
    protocol: str,
    gold_docs: Iterable[GoldDocument],
    predictions_by_id: Mapping[str, Prediction],
    *,
    e2e: bool,
    include_adjectival: bool,
) -> Scores:
    _check_corpus(corpus)
    subset = gold_subset_g if e2e else gold_subset_own
    tp = fp = fn = 0
    unresolved = 0
    same_entry_far = 0
    errors: list[float] = []
    doc_ids: set[str] = set()
    for doc in gold_docs:
        doc_ids.add(doc.id)
        gold = subset(corpus, doc.toponyms)
        pred_doc = predictions_by_id.get(doc.id)
        preds: list[Prediction] = list(pred_doc.get("toponyms", [])) if pred_doc else []
        if not include_adjectival:
            # Removed before matching: an adjectival mention is then neither TP nor FP.
            preds = [p for p in preds if not p.get("adjectival", False)]
        pairs, doc_fp, doc_fn = match_document(gold, preds, require_coords=e2e)
        tp += len(pairs)
        fp += doc_fp
        fn += doc_fn
        for g, p in pairs:
            if not has_coords(g):
                continue  # own variant: recognised, but nothing to measure against
            if not has_coords(p):
                unresolved += 1  # only possible in the own variant
                continue
            errors.append(haversine_km(g["lat"], g["lon"], p["lat"], p["lon"]))
            if (
                errors[-1] >= ACC_THRESHOLD_KM
                and g.get("geonameid")
                and (str(g["geonameid"]) == str(p.get("geonameid")))
            ):
                same_entry_far += 1
    if e2e and corpus == "geowebnews" and GWN_TITLE_DOC_ID in doc_ids:
        fn += GWN_TITLE_EXTRA_FN  # reproduces EUPEG's published recall (see above)
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    res = resolution_metrics(errors)
    return Scores(
        corpus=corpus,
        protocol=protocol,
        include_adjectival=include_adjectival,
        tp=tp,
        fp=fp,
        fn=fn,
        precision=precision,
        recall=recall,
        f1=f1,
        n=res["n"],
        mean_km=res["mean"],
        median_km=res["median"],
        acc161=res["acc161"],
        auc=res["auc"],
        unresolved_matches=unresolved,
        same_entry_far=same_entry_far,
    )


def score_e2e(
    corpus: str,
    gold_docs: Iterable[GoldDocument],
    predictions_by_id: Mapping[str, Prediction],
    include_adjectival: bool = True,
) -> Scores:
    """Published E2E protocol on gold subset G: the figure comparable with the anchors.

    ``include_adjectival=False`` drops predictions flagged ``"adjectival": true`` (gold
    unchanged); that is no longer the published protocol, so report it next to the
    default. Documents missing from ``predictions_by_id`` count all gold as FN.
    """
    return _score(
        corpus,
        PROTOCOL_E2E,
        gold_docs,
        predictions_by_id,
        e2e=True,
        include_adjectival=include_adjectival,
    )


def score_own(
    corpus: str,
    gold_docs: Iterable[GoldDocument],
    predictions_by_id: Mapping[str, Prediction],
    include_adjectival: bool = True,
) -> Scores:
    """Own variant: E2E matching on all toponyms and predictions (not comparable)."""
    return _score(
        corpus,
        PROTOCOL_OWN,
        gold_docs,
        predictions_by_id,
        e2e=False,
        include_adjectival=include_adjectival,
    )


# ----------------------------------------------------------------------- reporting


def _fmt(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def format_table(rows: Sequence[tuple[str, Scores]]) -> str:
    """Markdown table; ratios to 3 decimals, kilometres to whole numbers."""
    header = (
        "| corpus / protocol | P | R | F1 | Acc@161 | mean km | median km | AUC | n "
        "| same entry, >=161 km |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|---|---|"]
    for label, s in rows:
        cells = [
            label,
            _fmt(s.precision, 3),
            _fmt(s.recall, 3),
            _fmt(s.f1, 3),
            _fmt(s.acc161, 3),
            _fmt(s.mean_km, 0),
            _fmt(s.median_km, 0),
            _fmt(s.auc, 3),
            str(s.n),
            str(s.same_entry_far),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
