"""Corrections through the whole build: applied by every build (a full rebuild too), by the
export and its filters, shown in the popup; undone; reported when the article changed.
Sentences written for the test."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from geo.cli import main
from geo.corpus.build import build
from geo.map import filters, popup

ARTICLE = (
    "Rebels captured Gulu on 3 May 2019, officials said.\n\n"
    "Fighting was also reported near Lira on 4 May 2019.\n"
)


def events_of(data: Path) -> list[dict]:
    return filters.load_events(data / "events.geojson")


def correct(corpus: Path, data: Path, *argv: str) -> None:
    assert main(["correct", "--corpus", str(corpus), "--data", str(data), *argv]) == 0


@pytest.fixture()
def corpus_and_data(tmp_path: Path) -> tuple[Path, Path]:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    (corpus / "report.txt").write_text(ARTICLE, "utf-8")
    build(corpus, data, processes=1, progress=False)
    return corpus, data


def test_corrections_stick_through_builds_and_can_be_undone(
    corpus_and_data: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, data = corpus_and_data
    before = {e["properties"]["place"]: e["properties"] for e in events_of(data)}
    assert set(before) == {"Gulu", "Lira"}
    lira = ARTICLE.index("Lira")
    correct(corpus, data, "not-a-place", "report", str(lira), str(lira + 4), "--why", "a test")
    gulu_id = before["Gulu"]["id"]
    correct(corpus, data, "type", gulu_id, "airstrike", "--by", "an analyst")
    correct(corpus, data, "verify", gulu_id, "verified")
    capsys.readouterr()

    summary = build(corpus, data, processes=1, progress=False)
    assert summary.parsed == 1 and not summary.corrections
    after = {e["properties"]["id"]: e["properties"] for e in events_of(data)}
    assert {p["place"] for p in after.values()} == {"Gulu"}  # not a place: Lira is gone
    gulu = after[gulu_id]
    assert gulu["event_type"] == "airstrike" and gulu["verification"] == "verified"
    assert gulu["corrected"]["event_type"]["was"] == before["Gulu"]["event_type"]
    shown = popup.event_popup(gulu)  # type: ignore[arg-type]
    assert f"Corrected: event type was {before['Gulu']['event_type']}; verified" in shown

    # A full rebuild (no cache, no data) applies them all the same.
    shutil.rmtree(data)
    build(corpus, data, processes=1, progress=False)
    assert {e["properties"]["id"]: e["properties"]["event_type"] for e in events_of(data)}[
        gulu_id
    ] == "airstrike"

    # The export keeps the verified events when asked.
    out = tmp_path / "verified.geojson"
    argv = ["export", "--data", str(data), "--out", str(out), "--verification", "verified"]
    assert main(argv) == 0
    assert [f["properties"]["id"] for f in json.loads(out.read_text())["features"]] == [gulu_id]

    # Undo the type: the pipeline's type is back, the rest still holds.
    entry = next(
        json.loads(line)["id"]
        for line in (corpus / "corrections.jsonl").read_text("utf-8").splitlines()
        if json.loads(line)["change"]["kind"] == "type"
    )
    correct(corpus, data, "undo", entry)
    build(corpus, data, processes=1, progress=False)
    [gulu] = [e["properties"] for e in events_of(data) if e["properties"]["id"] == gulu_id]
    assert (
        gulu["event_type"] == before["Gulu"]["event_type"] and "event_type" not in gulu["corrected"]
    )
    assert gulu["verification"] == "verified"


def test_a_correction_of_a_changed_article_is_reported(
    corpus_and_data: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, data = corpus_and_data
    [gulu_id] = [
        e["properties"]["id"] for e in events_of(data) if e["properties"]["place"] == "Gulu"
    ]
    correct(corpus, data, "type", gulu_id, "airstrike")
    (corpus / "report.txt").write_text(
        ARTICLE.replace("Rebels captured Gulu", "Rebels left Kitgum")
    )
    summary = build(corpus, data, processes=1, progress=False)
    assert len(summary.corrections) == 1
    assert "no longer applies" in summary.corrections[0] and "correction problem" in str(summary)
    assert not [e for e in events_of(data) if e["properties"]["event_type"] == "airstrike"]
    # A bad line in the file: said, and the other lines still apply.
    with (corpus / "corrections.jsonl").open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    summary = build(corpus, data, processes=1, progress=False)
    assert any("line 2" in p for p in summary.corrections)
    assert json.loads((data / "articles.json").read_text())["corrections"]


def test_geoparse_of_a_folder_applies_its_corrections(
    corpus_and_data: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, data = corpus_and_data
    [gulu_id] = [
        e["properties"]["id"] for e in events_of(data) if e["properties"]["place"] == "Gulu"
    ]
    lira = ARTICLE.index("Lira")
    correct(corpus, data, "not-a-place", "report", str(lira), str(lira + 4))
    correct(corpus, data, "verify", gulu_id, "rejected")
    out = tmp_path / "places.jsonl"
    assert main(["geoparse", "--input", str(corpus), "--output", str(out), "--quiet"]) == 0
    [record] = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [t["text"] for t in record["toponyms"]] == ["Gulu"]
    [gulu] = [e for e in record["events"] if e["id"] == gulu_id]
    assert gulu["verification"] == "rejected"


SECOND_REPORT = (
    "Rebel fighters captured Gulu on 3 May 2019 after a night of clashes, a witness said.\n"
)


def test_merge_split_and_verdicts_reach_the_incidents(
    corpus_and_data: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, data = corpus_and_data
    (corpus / "wire.txt").write_text(SECOND_REPORT, "utf-8")
    build(corpus, data, processes=1, progress=False)

    def gulu() -> list[dict]:
        return sorted(
            (e["properties"] for e in events_of(data) if e["properties"]["place"] == "Gulu"),
            key=lambda p: p["id"],
        )

    first, second = gulu()
    assert first["incident_id"] == second["incident_id"]  # one capture, two reports
    correct(corpus, data, "split", second["id"])
    build(corpus, data, processes=1, progress=False)
    first, second = gulu()
    assert first["incident_id"] != second["incident_id"] and second["incident_reports"] == 1

    # Merged back by naming the incident the map shows.
    correct(corpus, data, "merge", second["id"], first["incident_id"])
    build(corpus, data, processes=1, progress=False)
    first, second = gulu()
    assert first["incident_id"] == second["incident_id"] and first["incident_reports"] == 2

    # One report verified: the incident is, and the export keeps both of its reports.
    correct(corpus, data, "verify", first["id"], "verified")
    capsys.readouterr()
    build(corpus, data, processes=1, progress=False)
    first, second = gulu()
    assert (first["verification"], second["verification"]) == ("verified", "unverified")
    assert first["incident_verification"] == second["incident_verification"] == "verified"
    out = tmp_path / "verified.geojson"
    argv = ["export", "--data", str(data), "--out", str(out), "--verification", "verified"]
    assert main(argv) == 0
    kept = {f["properties"]["id"] for f in json.loads(out.read_text())["features"]}
    assert kept == {first["id"], second["id"]}

    # The article it merged with loses that event: the merge is said, not misapplied.
    (corpus / "wire.txt").write_text(SECOND_REPORT.replace("Gulu", "Kitgum"), "utf-8")
    (corpus / "report.txt").write_text(ARTICLE.replace("Gulu", "Kitgum"), "utf-8")
    summary = build(corpus, data, processes=1, progress=False)
    assert any("no longer applies" in p for p in summary.corrections)
