"""Shared fixtures: one gazetteer and one geoparser per test session (loading costs ~1 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.pipeline.places.gazetteer import Gazetteer, get_gazetteer

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BENCHMARKS = ROOT.parent / "shared" / "benchmarks"


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return get_gazetteer()


@pytest.fixture(scope="session")
def geoparser(gazetteer: Gazetteer):
    from geo.pipeline.geoparse import Geoparser

    return Geoparser(gazetteer=gazetteer)


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
