"""`campaign-map build`: standard outputs, incremental, deterministic, atomic, bad input."""

from __future__ import annotations

import datetime
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyogrio
import pytest

from geo.cli import main
from geo.corpus.build import build

from .conftest import ROOT, SEEDS


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def test_outputs_are_standard_files(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = build(corpus, out, processes=1, progress=False)
    assert summary.articles == 5 and summary.events > 30 and not summary.skipped
    collection = json.loads((out / "events.geojson").read_text("utf-8"))
    assert collection["type"] == "FeatureCollection" and "crs" not in collection  # RFC 7946
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert feature["geometry"]["type"] == "Point"
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        props = feature["properties"]
        for key in (
            "date_start",
            "date_end",
            "place",
            "level",
            "event_type",
            "article_id",
            "snippet",
        ):
            assert key in props
        assert props["date_start"] <= props["date_end"]
    # GDAL (through pyogrio) reads it back with every feature and its fields.
    info = pyogrio.read_info(out / "events.geojson")
    assert info["features"] == len(collection["features"])
    assert {"date_start", "event_type", "snippet"} <= set(info["fields"])
    assert info["crs"] == "EPSG:4326"
    import geopandas

    frame = geopandas.read_file(out / "events.geojson")
    assert len(frame) == len(collection["features"]) and frame.geometry.is_valid.all()
    articles = json.loads((out / "articles.json").read_text("utf-8"))
    by_id = {a["id"]: a for a in articles["articles"]}
    assert by_id["001_be3ca6a2eed3a1bd"]["published"] == "2015-01-12"
    assert by_id["001_be3ca6a2eed3a1bd"]["published_basis"] == "text"
    assert by_id["004_5a53932adf590de1"]["published_basis"] == "inferred"
    assert by_id["000_bc2536e3535fb8c6"]["published_basis"] == "metadata"
    # The seeds' campaign runs from Mosul's fall (June 2014) to December 2016.
    from geo.map import filters

    assert filters.date_range(collection["features"]) == (
        datetime.date(2014, 6, 1),
        datetime.date(2016, 12, 6),
    )


def test_seed_places_carry_the_articles_plain_spellings(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(corpus, out, processes=1, progress=False)
    events = [f["properties"] for f in json.loads((out / "events.geojson").read_text())["features"]]
    texts = {
        a["id"]: a["text"] for a in json.loads((out / "articles.json").read_text())["articles"]
    }
    # The seeds spell every place in plain letters: no diacritic reaches a place name,
    # while the gazetteer's name and id stay beside it.
    assert all(e["place"].isascii() for e in events), {e["place"] for e in events}
    marked = {
        (e["place"], e["gazetteer_name"]) for e in events if not e["gazetteer_name"].isascii()
    }
    assert {("Tikrit", "Tikrīt"), ("Samarra", "Sāmarrā’"), ("Nineveh province", "Nīnawá")} <= marked
    for event in events:
        if not event["gazetteer_name"].isascii():
            spelt = event["place"].removesuffix(" province")
            assert spelt in texts[event["article_id"]], event["place"]
    assert all(e["geonameid"] for e in events if e["level"] != "derived")


def test_incremental_and_deterministic(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(corpus, out, processes=1, progress=False)
    events = (out / "events.geojson").read_bytes()
    articles = (out / "articles.json").read_bytes()
    again = build(corpus, out, processes=1, progress=False)
    assert (first.parsed, again.parsed) == (5, 0)
    assert (out / "events.geojson").read_bytes() == events
    assert (out / "articles.json").read_bytes() == articles
    # A clean rebuild elsewhere gives the same bytes too.
    other = tmp_path / "other"
    build(corpus, other, processes=1, progress=False)
    assert (other / "events.geojson").read_bytes() == events
    # Adding one article parses only that one.
    (corpus / "new.txt").write_text("Iraqi forces recaptured Ramadi on Monday.", "utf-8")
    (corpus / "new.toml").write_text("published = 2016-01-04\n", "utf-8")
    added = build(corpus, out, processes=1, progress=False)
    assert added.parsed == 1 and added.articles == 6
    new_events = [
        f
        for f in json.loads((out / "events.geojson").read_text("utf-8"))["features"]
        if f["properties"]["article_id"] == "new"
    ]
    assert [(f["properties"]["place"], f["properties"]["date_start"]) for f in new_events] == [
        ("Ramadi", "2016-01-04")
    ]


def test_bad_files_are_reported_and_the_rest_mapped(corpus: Path, tmp_path: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (corpus / "copy.txt").write_bytes((corpus / "000_bc2536e3535fb8c6.txt").read_bytes())
    (corpus / "undated.txt").write_text("Clashes were reported near Kirkuk.", "utf-8")
    summary = build(corpus, tmp_path / "out", processes=1, progress=False)
    skipped = "\n".join(summary.skipped)
    assert "empty.txt" in skipped and "image.txt" in skipped and "copy.txt" in skipped
    assert summary.articles == 6 and summary.undated == 1
    articles = json.loads((tmp_path / "out" / "articles.json").read_text("utf-8"))
    assert {s["file"] for s in articles["skipped"]} == {"empty.txt", "image.txt", "copy.txt"}
    undated = next(a for a in articles["articles"] if a["id"] == "undated")
    assert undated["published"] is None and undated["published_basis"] == "unknown"


def test_missing_corpus_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["build", "--corpus", str(tmp_path / "nope"), "--out", str(tmp_path / "o"), "--quiet"]
    )
    assert code == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.parametrize("kill_after", [1.0, 2.0, 3.0])
def test_killed_build_leaves_the_last_good_output(
    corpus: Path, tmp_path: Path, kill_after: float
) -> None:
    out = tmp_path / "out"
    build(corpus, out, processes=1, progress=False)
    good = (out / "events.geojson").read_bytes(), (out / "articles.json").read_bytes()
    for i in range(30):  # enough new articles that the build is still running when killed
        (corpus / f"extra{i}.txt").write_text(
            f"Troops advanced on Mosul and Tikrit on Monday, report {i}.", "utf-8"
        )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "geo.cli",
            "build",
            "--corpus",
            str(corpus),
            "--out",
            str(out),
            "--processes",
            "1",
            "--quiet",
        ],
        cwd=ROOT,
    )
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    events, articles = (out / "events.geojson").read_bytes(), (out / "articles.json").read_bytes()
    assert (events, articles) == good or json.loads(articles)["articles"][-1]["id"] == "extra9"
    summary = build(corpus, out, processes=1, progress=False)  # the next build completes it
    assert summary.articles == 35
    assert not list(out.glob(".*.tmp")) and not list((out / "cache").glob(".*.tmp"))
    ids = {a["id"] for a in json.loads((out / "articles.json").read_text("utf-8"))["articles"]}
    assert {f"extra{i}" for i in range(30)} <= ids


def test_articles_added_in_the_app_are_mapped_beside_the_corpus(tmp_path: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    (corpus / "report.txt").write_text("Rebels entered Gulu on 3 May 2019, officials said.\n")
    added = out / "corpus"  # where the app writes uploads
    added.mkdir(parents=True)
    (added / "report.txt").write_text("Troops retook Kindu on 9 June 2019, officials said.\n")
    summary = build(corpus, out, processes=1, progress=False)
    assert summary.articles == 2
    events = json.loads((out / "events.geojson").read_text())["features"]
    by_article = {f["properties"]["article_id"]: f["properties"]["place"] for f in events}
    assert by_article == {"report": "Gulu", "report.txt": "Kindu"}  # unique ids, both mapped
    assert sorted(p.name for p in corpus.iterdir()) == ["report.txt"]  # nothing written there
