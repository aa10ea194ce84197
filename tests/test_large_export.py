"""The static export of a large corpus (geo.map.large_export): the window it holds in full
(asked for, or the most recent stretch that fits), the rest as counts per zoom, the note
that says which is which, and `campaign-map export` on such a corpus. Events made for the
test (tests/test_aggregate.py's builder); the export in a browser: tests/e2e."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from geo.cli import main
from geo.map import aggregate, filters, large_export
from geo.map.export import render_export
from tests.test_aggregate import feature, mixed_sample, stored

D = datetime.date


def day_events(days: dict[str, int]) -> list[dict[str, Any]]:
    """n one-day events on each day, spread over a few places, types alternating."""
    out = []
    for day, n in days.items():
        for _ in range(n):
            i = len(out)
            kind = ("offensive", "airstrike")[i % 2]
            out.append(feature(i, 30 + i % 5, 10 + i % 3, day, day, kind, incident=f"I-{i}"))
    return out


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> aggregate.EventTable:
    # 2 events on 1 May, 3 on 5 May, 1 on 9 May, 4 on 10 May: 10 in all.
    features = day_events({"2022-05-01": 2, "2022-05-05": 3, "2022-05-09": 1, "2022-05-10": 4})
    return aggregate.load_table(stored(tmp_path_factory.mktemp("days"), features))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], Path]:
    features = mixed_sample(400, seed=11)
    return features, stored(tmp_path_factory.mktemp("sample"), features)


@pytest.mark.parametrize(
    ("most", "window"),
    [
        (4, (D(2022, 5, 10), D(2022, 5, 10))),  # the last day alone
        (5, (D(2022, 5, 6), D(2022, 5, 10))),  # back to the day after the 5th's three
        (7, (D(2022, 5, 6), D(2022, 5, 10))),
        (8, (D(2022, 5, 2), D(2022, 5, 10))),
        (10, (D(2022, 5, 1), D(2022, 5, 10))),  # all of it
        (50, (D(2022, 5, 1), D(2022, 5, 10))),
    ],
)
def test_the_most_recent_stretch_that_fits(
    days: aggregate.EventTable, most: int, window: tuple[D, D]
) -> None:
    assert large_export.recent_window(days, None, most) == window


def test_the_recent_stretch_of_some_types_or_up_to_a_day(days: aggregate.EventTable) -> None:
    # Airstrikes are every other event: 1 on 1 May, 1 on 5 May, 1 on 9 May, 2 on 10 May.
    assert large_export.recent_window(days, {"airstrike"}, 3) == (D(2022, 5, 6), D(2022, 5, 10))
    assert large_export.recent_window(days, None, 3, last=D(2022, 5, 9)) == (
        D(2022, 5, 6),
        D(2022, 5, 9),
    )
    assert large_export.recent_window(days, None, 3) is None  # the 10th alone holds 4
    assert large_export.recent_window(days, {"meeting"}, 100) is None  # none of that type


def test_a_window_is_taken_as_asked_or_refused_with_one_that_fits(
    days: aggregate.EventTable,
) -> None:
    assert large_export.export_window(days, D(2022, 5, 2), None, frozenset(), most=8) == (
        D(2022, 5, 2),
        D(2022, 5, 10),
    )
    assert large_export.export_window(days, None, D(2022, 5, 5), frozenset(), most=5) == (
        D(2022, 5, 1),
        D(2022, 5, 5),
    )
    assert large_export.export_window(days, None, None, frozenset(), most=5) == (
        D(2022, 5, 6),
        D(2022, 5, 10),
    )
    with pytest.raises(large_export.WindowTooFull) as refused:
        large_export.export_window(days, D(2022, 5, 1), D(2022, 5, 9), frozenset(), most=4)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("1 May 2022 to 9 May 2022 holds 6 events;")
    assert "at most 4 in full" in message
    # The window it offers ends where the one asked for ends, and fits.
    assert "--start 2022-05-02 --end 2022-05-09 holds 4" in message
    with pytest.raises(large_export.WindowTooFull, match="choose fewer --types"):
        large_export.export_window(days, None, None, frozenset(), most=3)
    with pytest.raises(ValueError, match="no dated event of these types"):
        large_export.export_window(days, None, None, frozenset({"meeting"}))


def test_the_overview_counts_every_event_at_every_zoom(sample) -> None:
    _, data = sample
    table = aggregate.load_table(data)
    mask = aggregate.type_mask(table, {"offensive", "airstrike", "capture"})
    layers = large_export.overview_layers(table, mask)
    assert min(layers) == 3 and len(layers) > 3
    for zoom, layer in layers.items():
        clusters = layer.clusters.events.sum() if layer.clusters is not None else 0
        markers = layer.markers.reports.sum() if layer.markers is not None else 0
        assert clusters + markers == mask.sum(), zoom
        assert layer.zoom == zoom and layer.kind == "clusters"
    # Closer zooms part the clusters.
    first, last = layers[min(layers)], layers[max(layers)]
    assert len(last.markers.ids) + len(last.clusters.lat) > len(first.clusters.lat) + len(
        first.markers.ids
    )


def test_the_overview_stops_at_its_size(sample) -> None:
    _, data = sample
    table = aggregate.load_table(data)
    mask = np.ones(len(table), np.bool_)
    assert list(large_export.overview_layers(table, mask, most_bytes=1)) == [3]
    assert large_export.overview_layers(table, ~mask) == {}


def test_the_export_holds_the_window_in_full_and_the_rest_as_counts(sample) -> None:
    features, data = sample
    table = aggregate.load_table(data)
    window = (D(2020, 3, 1), D(2020, 3, 31))
    types = frozenset({"offensive", "capture"})
    export = large_export.large_export(data, table, window, types)
    # In full: the dashboard's window and type rules, on the records as built.
    wanted = filters.EventFilter(start=window[0], end=window[1], types=types)
    expected = filters.filter_events(features, wanted)
    assert sorted(f["properties"]["id"] for f in export.features) == sorted(
        f["properties"]["id"] for f in expected
    )
    assert export.features[0]["properties"]["snippet"]
    of_types = [f for f in features if f["properties"]["event_type"] in types]
    assert export.outside == len(of_types) - len(expected) > 0

    kept = large_export.large_export(data, table, window, types, keep=lambda fs: fs[:2])
    assert len(kept.features) == 2 and kept.outside == export.outside


def test_the_exported_page_says_what_it_holds(sample) -> None:
    features, data = sample
    table = aggregate.load_table(data)
    window = (D(2020, 3, 1), D(2020, 3, 31))
    export = large_export.large_export(data, table, window, frozenset({"offensive"}))
    page = render_export(large_export.large_export_map(data, table, export, title="Big"))
    held = {f["properties"]["snippet"] for f in export.features}
    others = {f["properties"]["snippet"] for f in features} - held
    assert all(s in page for s in held)
    assert not any(s in page for s in others)  # the rest are counts: no record of theirs
    note = re.sub(r"\s+", " ", page)
    assert (
        f"this file holds in full the {len(export.features)} events of 1 Mar 2020 to "
        "31 Mar 2020 of these types (Offensive or assault)" in note
    )
    assert f"The other {export.outside} events of these types" in note
    assert f"{export.outside} events outside this file" in note  # the key on the map
    assert "window.cmZoomAggregates(" in page


# -- `campaign-map export` on a large corpus ---------------------------------------------


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch, sample) -> Path:
    """The sample counts as a large corpus: its export takes one window."""
    monkeypatch.setattr(aggregate, "LARGE_EVENTS", 100)
    monkeypatch.setattr(large_export, "EXPORT_MOST_EVENTS", 60)
    return sample[1]


def test_export_of_a_large_corpus_takes_the_recent_stretch(large: Path, tmp_path, capsys) -> None:
    out = tmp_path / "big.html"
    assert main(["export", "--data", str(large), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    held = int(re.search(r": (\d+) events", said)[1])
    assert 0 < held <= 60
    page = out.read_text(encoding="utf-8")
    assert "campaign-map export --start ... --end ..." in page


def test_export_of_a_large_corpus_refuses_a_full_window_in_one_line(
    large: Path, tmp_path, capsys
) -> None:
    out = tmp_path / "big.html"
    argv = ["export", "--data", str(large), "--out", str(out), "--start", "2020-01-01"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("campaign-map export: 1 Jan 2020 to ")
    assert "at most 60 in full" in err and "--start " in err
    assert not out.exists()
    # The other filters are checked against the window's events.
    argv = ["export", "--data", str(large), "--out", str(out), "--actors", "Nobody"]
    assert main(argv) == 2
    assert "--actors 'Nobody': not one of " in capsys.readouterr().err
    argv = ["export", "--data", str(large), "--out", str(out), "--types", "capture"]
    assert main([*argv, "--start", "2020-03-01", "--end", "2020-03-31"]) == 0
