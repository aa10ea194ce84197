"""A small slice of a public benchmark, geoparsed end to end and scored (the full run is
`make evaluate`). Bounds sit well below the full-corpus figures in the README, so the test
fails only when recognition or resolution really breaks."""

from __future__ import annotations

import pytest

from geo.evaluation import evaluate
from geo.pipeline.nlp import load_pipeline

from .conftest import BENCHMARKS


@pytest.mark.skipif(not (BENCHMARKS / "trnews.jsonl").exists(), reason="no ../shared")
def test_trnews_slice(geoparser) -> None:
    docs = evaluate.load_gold(BENCHMARKS / "trnews.jsonl", limit=25)
    predictions = {d.id: geoparser.parse(d.id, d.text).to_json() for d in docs}
    scores = evaluate.score_e2e("trnews", docs, predictions)
    assert scores.f1 > 0.7, scores
    assert scores.acc161 is not None and scores.acc161 > 0.6, scores


@pytest.mark.skipif(not (BENCHMARKS / "geowebnews.jsonl").exists(), reason="no ../shared")
def test_without_the_model_recall_drops_but_precision_holds(gazetteer) -> None:
    from geo.pipeline.geoparse import Geoparser

    docs = evaluate.load_gold(BENCHMARKS / "geowebnews.jsonl", limit=25)
    blank = Geoparser(gazetteer=gazetteer, nlp=load_pipeline(False))
    predictions = {d.id: blank.parse(d.id, d.text).to_json() for d in docs}
    scores = evaluate.score_e2e("geowebnews", docs, predictions)
    assert scores.precision > 0.8 and scores.recall > 0.3, scores
