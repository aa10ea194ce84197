"""`campaign-map build --corpus feed.jsonl|feed.parquet`: archives of articles, a row each."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from geo.cli import main
from geo.corpus.build import build, cache_name, user_corpus
from geo.corpus.io.archive import load_rows, scan_archive
from geo.corpus.sources import ArticleSource

from .conftest import SEEDS


def seed_rows() -> list[dict[str, object]]:
    """The seeds as archive rows: a file's stem, text and sidecar fields."""
    rows = []
    for path in sorted(SEEDS.glob("*.txt")):
        sidecar = path.with_suffix(".toml")
        meta = tomllib.loads(sidecar.read_text("utf-8")) if sidecar.exists() else {}
        published = meta.get("published")
        rows.append(
            {
                "id": path.stem,
                "text": path.read_text("utf-8"),
                "published": published.isoformat() if published else None,
                "title": meta.get("title"),
                "source": meta.get("source"),
                "url": None,
            }
        )
    return rows


def write_jsonl(path: Path, rows: list[object]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_parquet(path: Path, rows: list[dict[str, object]], group_rows: int = 2) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=group_rows)
    return path


@pytest.fixture(scope="module")
def folder_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("folder") / "out"
    build(SEEDS, out, processes=1, progress=False)
    return out


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_an_archive_maps_as_its_articles_would_as_files(
    kind: str, tmp_path: Path, folder_build: Path
) -> None:
    rows = seed_rows()
    archive = tmp_path / f"feed.{kind}"
    (write_jsonl if kind == "jsonl" else write_parquet)(archive, rows)  # type: ignore[operator]
    out = tmp_path / "out"
    summary = build(archive, out, processes=1, progress=False)
    assert summary.articles == len(rows) and not summary.skipped
    # The same events, to the byte: only where an article came from differs.
    assert (out / "events.geojson").read_bytes() == (folder_build / "events.geojson").read_bytes()
    records = json.loads((out / "articles.json").read_text("utf-8"))["articles"]
    assert [r["file"] for r in records] == [f"feed.{kind} row {n}" for n in range(1, 6)]
    # Unchanged rows come from the cache; a changed row alone is parsed again.
    assert build(archive, out, processes=1, progress=False).parsed == 0
    rows[2]["text"] = str(rows[2]["text"]) + "\nA later paragraph with nothing in it."
    (write_jsonl if kind == "jsonl" else write_parquet)(archive, rows)  # type: ignore[operator]
    assert build(archive, out, processes=1, progress=False).parsed == 1
    # A row added above the others: it alone is parsed, and the others are named where
    # they are now.
    quiet = {"id": "first", "text": "A quiet day in Gulu."}
    rows.insert(0, {**dict.fromkeys(rows[0]), **quiet})  # every column (Parquet's schema)
    (write_jsonl if kind == "jsonl" else write_parquet)(archive, rows)  # type: ignore[operator]
    assert build(archive, out, processes=1, progress=False).parsed == 1
    records = json.loads((out / "articles.json").read_text("utf-8"))["articles"]
    assert [r["file"] for r in records] == [f"feed.{kind} row {n}" for n in range(1, 7)]


def test_bad_rows_are_named_and_the_others_mapped(tmp_path: Path) -> None:
    good = {"id": "kherson-1", "text": "Troops entered the city of Kherson on 11 November 2022."}
    archive = write_jsonl(
        tmp_path / "feed.jsonl",
        [
            good,
            "{not json",
            json.dumps({"text": "No id here."}),
            json.dumps({"id": "kherson-1", "text": "The same id again."}),
            json.dumps({"id": "empty", "text": "  "}),
            json.dumps(["a", "list"]),
            json.dumps({"id": "../../outside", "text": "Shelling was reported in Kharkiv."}),
            json.dumps({"id": 7, "text": "Fighting near Bakhmut.", "published": "last week"}),
        ],
    )
    out = tmp_path / "out"
    summary = build(archive, out, processes=1, progress=False)
    assert summary.skipped == [
        "feed.jsonl row 2: not JSON (Expecting property name enclosed in double quotes)",
        "feed.jsonl row 3: no id (a text or a whole number)",
        "feed.jsonl row 4: id 'kherson-1' is row 1's too",
        "feed.jsonl row 5: no text",
        "feed.jsonl row 6: not a JSON object",
    ]
    records = {r["id"]: r for r in json.loads((out / "articles.json").read_text())["articles"]}
    assert set(records) == {"kherson-1", "../../outside", "7"}
    assert records["7"]["warnings"] == [
        "feed.jsonl row 8: published 'last week' is not a YYYY-MM-DD date; ignored"
    ]
    # An id that is no plain name never becomes a path: its cache entry is in the cache.
    assert sorted(p.name for p in (out / "cache").iterdir()) == sorted(
        cache_name(i) for i in records
    )
    assert (
        cache_name("../../outside").startswith("id-") and not (tmp_path / "outside.json").exists()
    )


def test_timestamps_and_dates_are_publication_days(tmp_path: Path) -> None:
    import datetime

    texts = ["Troops shelled the city of Kherson.", "Troops shelled the city of Kharkiv."]
    stamps = [datetime.datetime(2022, 11, 11, 9, 30), datetime.datetime(2022, 5, 3, 23, 59)]
    archives = [
        write_jsonl(
            tmp_path / "feed.jsonl",
            [
                {"id": "a", "text": texts[0], "published": "2022-11-11T09:30:00Z"},
                {"id": "b", "text": texts[1], "published": "2022-05-03"},
            ],
        ),
        write_parquet(  # a timestamp column
            tmp_path / "feed.parquet",
            [
                {"id": i, "text": t, "published": d}
                for i, t, d in zip("ab", texts, stamps, strict=True)
            ],
        ),
        write_parquet(  # a date column
            tmp_path / "days.parquet",
            [
                {"id": i, "text": t, "published": d.date()}
                for i, t, d in zip("ab", texts, stamps, strict=True)
            ],
        ),
    ]
    for archive in archives:
        out = tmp_path / f"out-{archive.name}"
        build(archive, out, processes=1, progress=False)
        records = json.loads((out / "articles.json").read_text())["articles"]
        assert [(r["published"], r["published_basis"]) for r in records] == [
            ("2022-11-11", "metadata"),
            ("2022-05-03", "metadata"),
        ], archive.name


def test_rows_are_read_where_the_scan_found_them(tmp_path: Path) -> None:
    rows = [{"id": f"r{n}", "text": f"Report number {n} from Gulu."} for n in range(7)]
    for archive in (
        write_jsonl(tmp_path / "feed.jsonl", ["", *rows]),  # a blank first line: row 2 on
        write_parquet(tmp_path / "feed.parquet", rows, group_rows=3),  # three row groups
    ):
        sources = [s for s in scan_archive(archive) if isinstance(s, ArticleSource)]
        picked = [sources[6], sources[1], sources[4]]  # out of order, across row groups
        loaded = load_rows(picked)
        assert [loaded[s].id for s in picked] == ["r6", "r1", "r4"]  # type: ignore[union-attr]
        assert [loaded[s].raw for s in picked] == [  # type: ignore[union-attr]
            "Report number 6 from Gulu.",
            "Report number 1 from Gulu.",
            "Report number 4 from Gulu.",
        ]


def test_a_row_changed_after_the_scan_is_not_mapped_from_other_text(tmp_path: Path) -> None:
    archive = write_jsonl(tmp_path / "feed.jsonl", [{"id": "a", "text": "Fighting in Gulu."}])
    (source,) = scan_archive(archive)
    write_jsonl(archive, [{"id": "a", "text": "Fighting in Arua."}])
    (found,) = load_rows([source]).values()  # type: ignore[list-item]
    assert str(found) == "feed.jsonl row 1: changed since the build began; the next build reads it"


def test_articles_added_in_the_app_join_an_archive(tmp_path: Path) -> None:
    archive = write_jsonl(tmp_path / "feed.jsonl", [{"id": "report", "text": "Shelling in Gulu."}])
    out = tmp_path / "out"
    added = user_corpus(out)
    added.mkdir(parents=True)
    (added / "report.txt").write_text("Rebels entered Arua on 3 May 2021.", encoding="utf-8")
    summary = build(archive, out, processes=1, progress=False)
    assert summary.articles == 2 and not summary.skipped
    ids = [r["id"] for r in json.loads((out / "articles.json").read_text())["articles"]]
    assert ids == ["report", "report.txt"]  # the file's stem is the archive's: its name then


def test_the_cli_names_a_file_that_is_no_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "feed.csv"
    table.write_text("id,text\n1,Fighting in Gulu.\n", encoding="utf-8")
    assert main(["build", "--corpus", str(table), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == (
        "campaign-map build: feed.csv: not a folder of articles nor an archive (.jsonl, .parquet)"
    )
    broken = tmp_path / "feed.parquet"
    broken.write_bytes(b"PAR1 but not really")
    assert main(["build", "--corpus", str(broken), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith(
        "campaign-map build: feed.parquet: not a Parquet file"
    )
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
