"""Tests for the benchmark scorer: hand-built cases plus a smoke test on real gold."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from geo.evaluation.evaluate import (
    PROTOCOL_E2E,
    PROTOCOL_OWN,
    GoldDocument,
    Scores,
    corpus_name,
    format_table,
    gold_subset_g,
    gold_subset_own,
    haversine_km,
    load_gold,
    match_document,
    resolution_metrics,
    score_e2e,
    score_own,
)

BENCHMARKS = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"


def gold(
    name: str,
    start: int,
    lat: float | None = 10.0,
    lon: float | None = 20.0,
    **extra: object,
) -> dict[str, Any]:
    return {
        "start": start,
        "end": start + len(name),
        "name": name,
        "lat": lat,
        "lon": lon,
        **extra,
    }


def pred(
    text: str,
    start: int,
    end: int | None = None,
    lat: float | None = 10.0,
    lon: float | None = 20.0,
    **extra: object,
) -> dict[str, Any]:
    return {
        "start": start,
        "end": start + len(text) if end is None else end,
        "text": text,
        "name": text,
        "lat": lat,
        "lon": lon,
        "level": "city",
        "geonameid": None,
        "confidence": 0.9,
        **extra,
    }


def doc_preds(doc_id: str, toponyms: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": doc_id, "toponyms": toponyms, "unresolved": []}


# ----------------------------------------------------------------- matching


def test_match_is_case_insensitive() -> None:
    pairs, fp, fn = match_document([gold("Paris", 0)], [pred("PARIS", 0)], require_coords=True)
    assert len(pairs) == 1
    assert (fp, fn) == (0, 0)


def test_different_string_does_not_match() -> None:
    pairs, fp, fn = match_document([gold("Paris", 0)], [pred("Pariss", 0)], require_coords=True)
    assert (len(pairs), fp, fn) == (0, 1, 1)


def test_midpoint_boundary() -> None:
    g = gold("Paris", 0)  # midpoint 2.5
    near = pred("Paris", 9, 15)  # midpoint 12.0: difference 9.5 -> match
    far = pred("Paris", 10, 15)  # midpoint 12.5: difference 10 -> no match (strict <)
    assert len(match_document([g], [near], require_coords=True)[0]) == 1
    assert match_document([g], [far], require_coords=True) == ([], 1, 1)


def test_one_to_one_no_overlap_credit() -> None:
    pairs, fp, fn = match_document(
        [gold("Paris", 0)], [pred("Paris, France", 0)], require_coords=True
    )
    assert (len(pairs), fp, fn) == (0, 1, 1)


def test_prediction_used_once_and_first_in_output_order() -> None:
    g1, g2 = gold("York", 0), gold("york", 5)
    p_late, p_early = pred("YORK", 5, lat=1.0), pred("York", 0, lat=2.0)
    pairs, fp, fn = match_document([g2, g1], [p_late, p_early], require_coords=True)
    # g1 comes first in document order and takes the first prediction in output order.
    assert [(g["start"], p["lat"]) for g, p in pairs] == [(0, 1.0), (5, 2.0)]
    assert (fp, fn) == (0, 0)
    pairs, fp, fn = match_document([g1], [p_early, pred("York", 0)], require_coords=True)
    assert (len(pairs), fp, fn) == (1, 1, 0)


def test_predictions_without_coords_dropped_only_when_required() -> None:
    g = [gold("Paris", 0)]
    p = [pred("Paris", 0, lat=None, lon=None)]
    assert match_document(g, p, require_coords=True) == ([], 0, 1)
    pairs, fp, fn = match_document(g, p, require_coords=False)
    assert (len(pairs), fp, fn) == (1, 0, 0)


# ----------------------------------------------------------------- subsets and names


def test_gold_subsets() -> None:
    spans = [
        gold("Syria", 0, geonameid="163843", type="Literal"),
        gold("Main St", 10, lat=None, lon=None, type="Literal"),
        gold("church", 20, lat=None, lon=None, type="Literal_Expression"),
        gold("Bay School", 30, type="Coercion"),
    ]
    assert [t["name"] for t in gold_subset_g("geowebnews", spans)] == ["Syria"]
    assert [t["name"] for t in gold_subset_own("geowebnews", spans)] == [
        "Syria",
        "Main St",
        "Bay School",
    ]
    for corpus in ("trnews", "lgl"):
        assert [t["name"] for t in gold_subset_g(corpus, spans)] == [
            "Syria",
            "Bay School",
        ]
        assert len(gold_subset_own(corpus, spans)) == 4
    assert len(gold_subset_g("geovirus", spans)) == 4
    with pytest.raises(ValueError, match="unknown corpus"):
        gold_subset_g("conll", spans)


def test_corpus_name() -> None:
    assert corpus_name(Path("/x/geowebnews.jsonl")) == "geowebnews"
    assert corpus_name("trnews.jsonl") == "trnews"
    assert corpus_name(Path("lgl.jsonl")) == "lgl"
    assert corpus_name(Path("a/geovirus.jsonl")) == "geovirus"
    with pytest.raises(ValueError, match="cannot infer"):
        corpus_name(Path("wikitor.jsonl"))


# ----------------------------------------------------------------- resolution metrics


def test_haversine_paris_london() -> None:
    d = haversine_km(48.8566, 2.3522, 51.5074, -0.1278)
    assert d == pytest.approx(343.5, abs=1.0)
    assert haversine_km(0.0, 0.0, 0.0, 0.0) == 0.0
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * 6371.0)


def test_auc_by_hand() -> None:
    # l = ln(1+e)/ln(20039): e = 0 -> 0, e = 20038 -> 1. Sorted l = [0, 0, 1]:
    # (0 + 0 + 1 - (0 + 1)/2) / 2 = 0.25 (unsorted [0, 1, 0] would give 0.5).
    assert resolution_metrics([0.0, 20038.0, 0.0])["auc"] == pytest.approx(0.25)
    # l = [0, 1, 1, 1]: (3 - 0.5) / 3
    assert resolution_metrics([20038.0, 0.0, 20038.0, 20038.0])["auc"] == pytest.approx(2.5 / 3)
    # n == 1 is defined as l1; e = sqrt(20039) - 1 gives l = 0.5.
    assert resolution_metrics([math.sqrt(20039.0) - 1])["auc"] == pytest.approx(0.5)


def test_mean_median_acc() -> None:
    m = resolution_metrics([100.0, 1.0, 161.0, 10.0])
    assert m["n"] == 4
    assert m["median"] == pytest.approx(55.0)  # even n: mean of 10 and 100
    assert m["mean"] == pytest.approx(68.0)
    assert m["acc161"] == pytest.approx(0.75)  # 161 itself is not < 161
    assert resolution_metrics([]) == {
        "n": 0,
        "mean": None,
        "median": None,
        "acc161": None,
        "auc": None,
    }


# ----------------------------------------------------------------- corpus scoring


def test_e2e_vs_own_for_predictions_without_coords() -> None:
    docs = [
        GoldDocument(
            "trnews-1",
            "x",
            [gold("Ankara", 0), gold("Main Street", 20, lat=None, lon=None)],
        )
    ]
    preds = {
        "trnews-1": doc_preds(
            "trnews-1",
            [
                pred("Ankara", 0, lat=None, lon=None),
                pred("Main Street", 20, lat=None, lon=None),
            ],
        )
    }
    e2e = score_e2e("trnews", docs, preds)
    assert (e2e.tp, e2e.fp, e2e.fn) == (0, 0, 1)
    assert e2e.protocol == PROTOCOL_E2E
    own = score_own("trnews", docs, preds)
    assert (own.tp, own.fp, own.fn) == (2, 0, 0)
    assert own.protocol == PROTOCOL_OWN
    assert own.n == 0
    assert own.unresolved_matches == 1


def test_scores_counts_and_resolution() -> None:
    docs = [
        GoldDocument("lgl-1", "x", [gold("Paris", 0, 48.8566, 2.3522), gold("Rome", 30)]),
        # No predictions for lgl-2: its gold all counts as FN.
        GoldDocument("lgl-2", "x", [gold("Oslo", 0)]),
    ]
    preds = {
        "lgl-1": doc_preds(
            "lgl-1", [pred("Paris", 0, lat=51.5074, lon=-0.1278), pred("Berlin", 50)]
        )
    }
    s = score_e2e("lgl", docs, preds)
    assert (s.tp, s.fp, s.fn) == (1, 1, 2)
    assert (s.precision, s.recall) == (pytest.approx(0.5), pytest.approx(1 / 3))
    assert s.f1 == pytest.approx(0.4)
    assert s.n == 1
    assert s.acc161 == 0.0
    assert s.mean_km == pytest.approx(343.5, abs=1.0)


def test_adjectival_filter() -> None:
    docs = [GoldDocument("trnews-1", "x", [gold("Turkish", 0), gold("Ankara", 40)])]
    preds = {
        "trnews-1": doc_preds(
            "trnews-1",
            [
                pred("Turkish", 0, adjectival=True),
                pred("Ankara", 40, adjectival=False),
                pred("Syrian", 80, adjectival=True),
            ],
        )
    }
    with_adj = score_e2e("trnews", docs, preds)
    assert (with_adj.tp, with_adj.fp, with_adj.fn) == (2, 1, 0)
    without = score_e2e("trnews", docs, preds, include_adjectival=False)
    assert (without.tp, without.fp, without.fn) == (1, 0, 1)
    assert not without.include_adjectival
    own = score_own("trnews", docs, preds, include_adjectival=False)
    assert (own.tp, own.fp, own.fn) == (1, 0, 1)


def test_gwn_title_false_negatives_only_with_gwn_123() -> None:
    spans = [gold("Syria", 0, geonameid="163843", type="Literal")]
    preds = {d: doc_preds(d, [pred("Syria", 0)]) for d in ("gwn-1", "gwn-123")}
    partial = score_e2e("geowebnews", [GoldDocument("gwn-1", "x", spans)], preds)
    assert partial.fn == 0
    full = score_e2e("geowebnews", [GoldDocument("gwn-123", "x", spans)], preds)
    assert (full.tp, full.fn) == (1, 2)
    assert score_own("geowebnews", [GoldDocument("gwn-123", "x", spans)], preds).fn == 0


def test_format_table() -> None:
    s = Scores(
        corpus="lgl",
        protocol=PROTOCOL_E2E,
        include_adjectival=True,
        tp=1,
        fp=1,
        fn=2,
        precision=0.5,
        recall=1 / 3,
        f1=0.4,
        n=1,
        mean_km=343.55,
        median_km=343.55,
        acc161=0.0,
        auc=0.59,
        same_entry_far=1,
    )
    empty = Scores(
        corpus="lgl",
        protocol=PROTOCOL_OWN,
        include_adjectival=True,
        tp=0,
        fp=0,
        fn=0,
        precision=0.0,
        recall=0.0,
        f1=0.0,
        n=0,
        mean_km=None,
        median_km=None,
        acc161=None,
        auc=None,
    )
    lines = format_table([("LGL E2E", s), ("LGL own", empty)]).splitlines()
    assert lines[0].startswith("| corpus / protocol | P | R | F1 | Acc@161 |")
    assert lines[2] == "| LGL E2E | 0.500 | 0.333 | 0.400 | 0.000 | 344 | 344 | 0.590 | 1 | 1 |"
    assert lines[3].count("n/a") == 4


# ------------------------------------------------------------- smoke test on real gold


def _trnews_head() -> list[GoldDocument]:
    path = BENCHMARKS / "trnews.jsonl"
    if not path.exists():
        pytest.skip(f"benchmark data not available at {path}")
    docs = load_gold(path, limit=5)
    assert len(docs) == 5
    assert corpus_name(path) == "trnews"
    return docs


def _perfect(docs: list[GoldDocument], dlat: float = 0.0) -> dict[str, dict[str, Any]]:
    out = {}
    for d in docs:
        tops = []
        for t in d.toponyms:
            lat = t["lat"]
            if lat is not None and dlat:
                lat = lat + dlat if lat + dlat <= 90 else lat - dlat
            tops.append(pred(t["name"], t["start"], t["end"], lat=lat, lon=t["lon"]))
        out[d.id] = doc_preds(d.id, tops)
    return out


def test_smoke_perfect_predictions_on_trnews() -> None:
    docs = _trnews_head()
    for d in docs:
        assert all(d.text[t["start"] : t["end"]] == t["name"] for t in d.toponyms)
    s = score_e2e("trnews", docs, _perfect(docs))
    assert s.tp > 0
    assert s.tp == sum(len(gold_subset_g("trnews", d.toponyms)) for d in docs)
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)
    assert s.acc161 == 1.0
    assert s.n == s.tp
    assert s.mean_km == pytest.approx(0.0)
    assert s.auc == pytest.approx(0.0)


def test_smoke_shifted_predictions_on_trnews() -> None:
    docs = _trnews_head()
    s = score_e2e("trnews", docs, _perfect(docs, dlat=5.0))
    assert (s.precision, s.recall) == (1.0, 1.0)
    assert s.acc161 == 0.0
    assert s.median_km == pytest.approx(556.0, abs=1.0)  # 5 degrees of latitude


def test_same_entry_far_counts_point_convention_errors() -> None:
    gold = [
        GoldDocument(
            "d",
            "Canada",
            [
                {
                    "start": 0,
                    "end": 6,
                    "name": "Canada",
                    "lat": 60.0,
                    "lon": -113.6,
                    "geonameid": "6251999",
                }
            ],
        )
    ]
    far_same = {
        "d": {
            "id": "d",
            "toponyms": [
                {
                    "start": 0,
                    "end": 6,
                    "text": "Canada",
                    "lat": 60.0,
                    "lon": -95.0,
                    "geonameid": 6251999,
                }
            ],
        }
    }
    far_other = {
        "d": {
            "id": "d",
            "toponyms": [
                {"start": 0, "end": 6, "text": "Canada", "lat": 60.0, "lon": -95.0, "geonameid": 1}
            ],
        }
    }
    assert score_e2e("lgl", gold, far_same).same_entry_far == 1
    assert score_e2e("lgl", gold, far_other).same_entry_far == 0
