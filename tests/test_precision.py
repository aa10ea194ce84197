"""ACLED-style precision codes: from the level and the interval, through the build, into
the popup and the filters. Sentences written for the test."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from geo.corpus.build import build
from geo.map import filters, popup
from geo.pipeline.precision import geo_precision, time_precision

D = datetime.date


@pytest.mark.parametrize(
    ("level", "code"),
    [
        ("city", 1),
        ("village", 1),
        ("derived", 2),
        ("facility", 2),
        ("province", 3),
        ("country", 3),
        ("continent", 3),
        ("something new", 3),
    ],
)
def test_place_precision_from_the_level(level: str, code: int) -> None:
    assert geo_precision(level) == code


@pytest.mark.parametrize(
    ("start", "end", "basis", "code"),
    [
        (D(2019, 5, 3), D(2019, 5, 3), "explicit", 1),
        (D(2019, 5, 3), D(2019, 5, 3), "relative", 1),
        (D(2019, 5, 3), D(2019, 5, 3), "publication", 2),  # only the day it was reported
        (D(2019, 5, 3), D(2019, 5, 5), "explicit", 2),
        (D(2019, 5, 1), D(2019, 5, 7), "explicit", 2),
        (D(2019, 5, 1), D(2019, 5, 8), "explicit", 3),
        (D(2019, 5, 1), D(2019, 5, 31), "explicit", 3),
        (None, None, "unknown", None),
    ],
)
def test_time_precision_from_the_interval(
    start: D | None, end: D | None, basis: str, code: int | None
) -> None:
    assert time_precision(start, end, basis) == code


ARTICLE = (
    "Rebels entered Gulu on 3 May 2019, officials said.\n\n"
    "Rebels seized the village of Xville, 20 km north of Lira, on 4 May 2019.\n\n"
    "Fighting spread across Uganda in April 2019, the army said.\n\n"
    "Rebels shelled Gulu airport between 5 and 7 May 2019.\n"
)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("precision")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "report.txt").write_text(ARTICLE, "utf-8")
    build(corpus, base / "out", processes=1, progress=False)
    return base / "out"


@pytest.fixture(scope="module")
def events(data: Path) -> dict[tuple[str, str], dict]:
    features = filters.load_events(data / "events.geojson")
    return {(f["properties"]["place"], f["properties"]["level"]): f for f in features}


def codes(event: dict) -> tuple[int, int | None]:
    return event["properties"]["geo_precision"], event["properties"]["time_precision"]


def test_the_build_codes_every_event(events: dict[tuple[str, str], dict]) -> None:
    assert {key: codes(f) for key, f in events.items()} == {
        ("Gulu", "city"): (1, 1),
        ("Lira", "city"): (1, 1),
        ("Xville", "derived"): (2, 1),  # a point derived from Lira
        ("Gulu", "facility"): (2, 1),  # the airport
        ("Uganda", "country"): (3, 3),  # a country, a month
    }


def test_filters_keep_the_codes_asked_for(events: dict[tuple[str, str], dict]) -> None:
    features = list(events.values())

    def kept(**codes: frozenset[int]) -> set[tuple[str, str]]:
        flt = filters.EventFilter(**codes)  # type: ignore[arg-type]
        return {
            (f["properties"]["place"], f["properties"]["level"])
            for f in filters.filter_events(features, flt)
        }

    assert kept(geo_precision=frozenset({1})) == {("Gulu", "city"), ("Lira", "city")}
    assert kept(geo_precision=frozenset({2, 3})) == {
        ("Xville", "derived"),
        ("Gulu", "facility"),
        ("Uganda", "country"),
    }
    assert kept(time_precision=frozenset({3})) == {("Uganda", "country")}
    assert kept() == set(events)


def test_popup_shows_the_codes(events: dict[tuple[str, str], dict]) -> None:
    gulu = events["Gulu", "city"]["properties"]
    assert "precision place 1, time 1" in popup.event_popup(gulu)
    undated = dict(gulu, time_precision=None)
    assert "precision place 1<" in popup.event_popup(undated)  # type: ignore[arg-type]
    sent = popup.browser_event(events["Uganda", "country"], {})
    assert (sent["gp"], sent["tp"]) == (3, 3)


def test_export_filters_by_precision(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.cli import main

    out = tmp_path / "map.html"
    argv = ["export", "--data", str(data), "--out", str(out)]
    assert main([*argv, "--geo-precision", "1", "--time-precision", "1"]) == 0
    assert "2 events" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        main([*argv, "--geo-precision", "4"])
    assert refused.value.code == 2
    assert "invalid choice: 4" in capsys.readouterr().err
