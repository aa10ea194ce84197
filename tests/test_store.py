"""The columnar event store (geo.corpus.io.store): every build writes its events as
GeoParquet partitioned by month, read back by geopandas and DuckDB, and rewrites only the
months whose events changed. Articles written for the test."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import geopandas as gpd
import pytest

from geo.corpus.build import build
from geo.corpus.io.store import MONTHS_FILE, STORE_DIR, UNDATED, month_of, partition
from geo.map import filters

ARTICLES = {
    "north.txt": (
        "Rebels captured Gulu on 3 May 2019, officials said.\n\n"
        "Fighting was reported near Lira on 4 May 2019.\n"
    ),
    "east.txt": "Troops shelled Mbale on 12 June 2019, witnesses said.\n",
}


def sql(query: str) -> list[tuple]:
    return duckdb.connect().sql(query).fetchall()


@pytest.fixture()
def built(tmp_path: Path) -> tuple[Path, Path]:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    for name, text in ARTICLES.items():
        (corpus / name).write_text(text, "utf-8")
    build(corpus, data, processes=1, progress=False)
    return corpus, data


def test_month_of_an_event() -> None:
    assert month_of("2019-05-03") == "2019-05"
    assert month_of(None) == month_of("") == month_of("../x/y") == UNDATED


def test_a_hand_made_months_list_removes_nothing_outside_the_store(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, data = built
    victim = tmp_path / "victim"
    victim.mkdir()
    store = data / STORE_DIR
    # "2019-05/../../..": through a month that exists, to a folder outside the store.
    relative = os.path.relpath(victim, store / "month=2019-05")
    (store / MONTHS_FILE).write_text(json.dumps({f"2019-05/{relative}": {"events": ""}}))
    (corpus / "west.txt").write_text("Troops shelled Masaka on 20 May 2019, witnesses said.\n")
    build(corpus, data, processes=1, progress=False)
    assert victim.exists()
    assert len(gpd.read_parquet(store)) == len(filters.load_events(data / "events.geojson"))


def test_the_store_reads_back_in_geopandas_and_duckdb(built: tuple[Path, Path]) -> None:
    _, data = built
    events = filters.load_events(data / "events.geojson")
    by_month = Counter(month_of(f["properties"]["date_start"]) for f in events)
    assert set(by_month) == {"2019-05", "2019-06"}

    frame = gpd.read_parquet(data / STORE_DIR)
    assert frame.crs.to_epsg() == 4326 and len(frame) == len(events)
    assert Counter(frame["month"].astype(str)) == by_month
    points = {f["properties"]["id"]: tuple(f["geometry"]["coordinates"]) for f in events}
    assert {i: (g.x, g.y) for i, g in zip(frame["id"], frame.geometry, strict=True)} == points
    mbale = next(f for f in events if f["properties"]["place"] == "Mbale")
    lon, lat = mbale["geometry"]["coordinates"]
    near = gpd.read_parquet(data / STORE_DIR, bbox=(lon - 0.1, lat - 0.1, lon + 0.1, lat + 0.1))
    assert list(near["place"]) == ["Mbale"]

    files = f"read_parquet('{data / STORE_DIR}/*/*.parquet', hive_partitioning = true)"
    assert dict(sql(f"SELECT month, count(*) FROM {files} GROUP BY month")) == by_month
    # The bbox covering column: an area query without decoding the points.
    inside = sql(
        f"SELECT place FROM {files} WHERE bbox.xmin >= {lon - 0.1} AND bbox.xmax <= {lon + 0.1}"
        f" AND bbox.ymin >= {lat - 0.1} AND bbox.ymax <= {lat + 0.1}"
    )
    assert inside == [("Mbale",)]
    assert sql(f"SELECT DISTINCT incident_id IS NOT NULL FROM {files}") == [(True,)]


def test_only_the_months_that_changed_are_written(built: tuple[Path, Path]) -> None:
    corpus, data = built
    store = data / STORE_DIR
    may, june = partition(store, "2019-05"), partition(store, "2019-06")
    june_bytes, june_time = june.read_bytes(), june.stat().st_mtime_ns
    (corpus / "west.txt").write_text(
        "Troops shelled Masaka on 20 May 2019, witnesses said.\n", "utf-8"
    )
    build(corpus, data, processes=1, progress=False)
    assert "Masaka" in set(gpd.read_parquet(may)["place"])
    assert june.stat().st_mtime_ns == june_time and june.read_bytes() == june_bytes

    # June's only article goes: so does June's partition, and the months list says so.
    (corpus / "east.txt").unlink()
    build(corpus, data, processes=1, progress=False)
    assert not june.parent.exists()
    assert set(json.loads((store / MONTHS_FILE).read_text())) == {"2019-05"}


def test_undated_events_have_their_own_partition(tmp_path: Path) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    (corpus / "note.txt").write_text("Rebels captured Gulu after heavy fighting.\n", "utf-8")
    build(corpus, data, processes=1, progress=False)
    events = filters.load_events(data / "events.geojson")
    assert events and all(f["properties"]["date_start"] is None for f in events)
    assert len(gpd.read_parquet(partition(data / STORE_DIR, UNDATED))) == len(events)


@pytest.mark.parametrize(
    "harm",
    [
        lambda store: partition(store, "2019-05").write_bytes(b"garbage"),
        lambda store: partition(store, "2019-06").unlink(),
        lambda store: (store / MONTHS_FILE).write_text("{not json", "utf-8"),
        lambda store: (store / MONTHS_FILE).unlink(),
    ],
)
def test_a_damaged_store_is_written_again_by_the_next_build(
    built: tuple[Path, Path], harm: Callable[[Path], object]
) -> None:
    corpus, data = built
    store = data / STORE_DIR
    harm(store)
    summary = build(corpus, data, processes=1, progress=False)  # nothing else changed
    assert any(STORE_DIR in line for line in summary.repaired), summary.repaired
    assert len(gpd.read_parquet(store)) == len(filters.load_events(data / "events.geojson"))
    assert not build(corpus, data, processes=1, progress=False).repaired


def test_a_folder_built_before_the_store_gets_one_without_a_word(
    built: tuple[Path, Path],
) -> None:
    corpus, data = built
    shutil.rmtree(data / STORE_DIR)
    assert not build(corpus, data, processes=1, progress=False).repaired
    assert len(gpd.read_parquet(data / STORE_DIR)) == len(
        filters.load_events(data / "events.geojson")
    )


def test_a_store_that_cannot_be_written_costs_the_map_nothing(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, data = built
    (corpus / "west.txt").write_text("Troops shelled Masaka on 20 May 2019, witnesses said.\n")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("geo.corpus.io.parquet.write_parquet", full_disk)
    summary = build(corpus, data, processes=1, progress=False)
    assert any("not written" in line and "No space" in line for line in summary.repaired)
    events = filters.load_events(data / "events.geojson")
    assert "Masaka" in {f["properties"]["place"] for f in events}  # the map is built
    monkeypatch.undo()
    summary = build(corpus, data, processes=1, progress=False)  # nothing else changed
    assert len(gpd.read_parquet(data / STORE_DIR)) == len(events)
