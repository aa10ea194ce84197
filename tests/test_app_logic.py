"""The app's logic through Streamlit's AppTest: filters, the date slider, empty states, the
briefing view and the list of files that could not be mapped.

AppTest runs app.py headless, without a browser; st_folium shows up as an unknown element,
which is all these tests need (the map itself is tested in a browser by tests/e2e). Every
expected number is worked out here from the built events.geojson with `geo.map.filters`, never
written down, so the tests follow the seeds when they change.
"""

from __future__ import annotations

import datetime
import html
import json
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo.app import dashboard, playback, share, timeline
from geo.corpus import tables
from geo.corpus.build import build
from geo.map import filters, popup, styles, tiles
from geo.map.escape import escape_text
from geo.map.framing import count_label

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
# Files the build skips, put into the corpus next to the seeds (their events are unchanged).
BAD_FILES = {"empty.txt": b"", "junk.txt": b"\x00\x01\x02 not text \xff\xfe\x00" * 64}
NO_MATCH = "No events match the filters."
UNMAPPED = "Places that could not be resolved, undated articles, skipped files"

Features = list[dict[str, Any]]


@pytest.fixture(scope="module")
def seeds_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the seeds plus two unreadable files, and its map data (built once)."""
    base = tmp_path_factory.mktemp("app_logic")
    corpus, data = base / "corpus", base / "mapdata"
    shutil.copytree(ROOT / "seeds", corpus)
    for name, content in BAD_FILES.items():
        (corpus / name).write_bytes(content)
    build(corpus, data, processes=1, progress=False)
    return corpus, data


@pytest.fixture(scope="module")
def features(seeds_data: tuple[Path, Path]) -> Features:
    features = filters.load_events(seeds_data[1] / "events.geojson")
    assert features, "the seeds should give events"
    return features


@pytest.fixture(scope="module")
def span(features: Features) -> tuple[datetime.date, datetime.date]:
    span = filters.date_range(features)
    assert span is not None
    return span


def make_app(
    monkeypatch: pytest.MonkeyPatch, corpus: Path, data: Path, view: str | None = None
) -> AppTest:
    """The app over `corpus` and `data` (read by app.py on every run), not yet run."""
    monkeypatch.setenv("CAMPAIGN_MAP_CORPUS", str(corpus))
    monkeypatch.setenv("CAMPAIGN_MAP_DATA", str(data))
    monkeypatch.delenv(tiles.URL_ENV, raising=False)  # no local tile server: offline only
    if view:
        monkeypatch.setenv("CAMPAIGN_MAP_VIEW", view)
    else:
        monkeypatch.delenv("CAMPAIGN_MAP_VIEW", raising=False)
    return AppTest.from_file(str(APP), default_timeout=60)


def run(target: Any) -> AppTest:
    """Run the app (or the app of a widget just set); it must not raise."""
    at = target.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture()
def app(monkeypatch: pytest.MonkeyPatch, seeds_data: tuple[Path, Path]) -> AppTest:
    """The analyst dashboard over the seeds, after its first run."""
    return run(make_app(monkeypatch, *seeds_data))


# -- reading the page ------------------------------------------------------------------


def events_count(at: AppTest) -> int:
    """N of the "Events (N)" subheader above the table."""
    counts = [m.group(1) for s in at.subheader if (m := re.fullmatch(r"Events \((\d+)\)", s.value))]
    assert len(counts) == 1, [s.value for s in at.subheader]
    return int(counts[0])


def period(at: AppTest) -> str:
    """The period label above the map (its HTML)."""
    labels = [m.value for m in at.markdown if 'class="cm-period"' in m.value]
    assert len(labels) == 1, [m.value for m in at.markdown]
    return labels[0]


def period_of(start: datetime.date, end: datetime.date, events: Features) -> str:
    """The period line: the window and its count, located and country-level events apart
    (as the export says it)."""
    return (
        f'<div class="cm-period">{playback.period_label(start, end)}<span class="cm-count">'
        f" · {count_label(events)}</span></div>"  # type: ignore[arg-type]
    )


def table_ids(at: AppTest) -> list[str]:
    grids = [d for d in at.dataframe if d.key == "event_table"]
    return list(grids[0].value["id"]) if grids else []


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def unmapped_text(at: AppTest) -> list[str]:
    """The markdown of the expander listing what could not be mapped."""
    [expander] = [e for e in at.expander if e.label == UNMAPPED]
    return [m.value for m in expander.markdown]


def ids(features: Features) -> list[str]:
    return [f["properties"]["id"] for f in features]


def sorted_by_date(features: Features) -> Features:
    """By start date, then end date, then id: worked out here, not with the app's sort."""
    return sorted(
        features,
        key=lambda f: (
            f["properties"]["date_start"],
            f["properties"]["date_end"],
            f["properties"]["id"],
        ),
    )


def expected(
    features: Features, window: tuple[datetime.date, datetime.date], **chosen: Any
) -> Features:
    """What the page should show: the filters, then the date window (as the app does)."""
    flt = filters.EventFilter(
        **{k: frozenset(v) if isinstance(v, set | list) else v for k, v in chosen.items()}
    )
    return filters.in_window(filters.filter_events(features, flt), *window)


def assert_shows(
    at: AppTest, events: Features, window: tuple[datetime.date, datetime.date]
) -> None:
    """The table, its count and the period label all show `events`; the table in date
    order (start, then end)."""
    assert events_count(at) == len(events)
    assert table_ids(at) == ids(sorted_by_date(events))
    assert period(at) == period_of(*window, events)
    if events:
        assert NO_MATCH not in captions(at)
    else:
        assert NO_MATCH in captions(at)
        assert not at.download_button  # nothing to download


# -- empty states ----------------------------------------------------------------------


def test_empty_corpus_shows_the_no_events_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "mapdata"
    corpus.mkdir()
    at = run(make_app(monkeypatch, corpus, data))
    assert [i.value for i in at.info] == [
        f"No events yet. Put news articles (.txt, .md, .html) into `{corpus}/` or add one "
        "with “Add an article” in the sidebar; each is geoparsed and mapped."
    ]
    assert not at.warning  # nothing was skipped
    # The message alone: no map, chart or table sections with nothing in them.
    assert not [s.value for s in at.subheader]
    assert not at.slider  # no dates, no slider
    assert not [d for d in at.dataframe if d.key == "event_table"]
    assert (data / "events.geojson").exists()  # the first run built the (empty) data
    # The filters still render, with nothing to pick.
    assert at.multiselect(key="actors").options == []
    assert at.multiselect(key="sources").options == []
    assert at.multiselect(key="articles").options == []
    # A rerun (any widget) keeps the empty state and does not rebuild.
    stamp = (data / "events.geojson").stat().st_mtime
    at.text_input(key="place_query").input("Mosul")
    run(at)
    assert at.info and not [s.value for s in at.subheader]
    assert (data / "events.geojson").stat().st_mtime == stamp


def test_corpus_of_unreadable_files_warns_by_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "mapdata"
    corpus.mkdir()
    for name, content in BAD_FILES.items():
        (corpus / name).write_bytes(content)
    at = run(make_app(monkeypatch, corpus, data))
    assert at.info[0].value.startswith("No events yet.")
    skipped = json.loads((data / "articles.json").read_text("utf-8"))["skipped"]
    assert sorted(s["file"] for s in skipped) == sorted(BAD_FILES)
    [warning] = at.warning
    for s in skipped:
        assert f"{s['file']}: {s['reason']}" in html.unescape(warning.value)


def test_damaged_map_data_is_repaired_and_said(
    monkeypatch: pytest.MonkeyPatch, seeds_data: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, good = seeds_data
    data = tmp_path / "mapdata"
    shutil.copytree(good, data)
    events = data / "events.geojson"
    events.write_bytes(events.read_bytes()[:5000])  # cut short (a full disk, a bad copy)
    at = run(make_app(monkeypatch, corpus, data))
    [warning] = [html.unescape(w.value) for w in at.warning if "Repaired" in w.value]
    assert warning.startswith("Repaired the map data: events.geojson: damaged")
    assert events.read_bytes() == (good / "events.geojson").read_bytes()
    assert events_count(at) > 0


def test_damaged_basemap_is_repaired_and_said(
    monkeypatch: pytest.MonkeyPatch, seeds_data: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, good = seeds_data
    data = tmp_path / "mapdata"
    shutil.copytree(good, data)
    (data / "basemap.geojson").write_text('{"type": "FeatureCollection", "feat')  # cut short
    at = run(make_app(monkeypatch, corpus, data))
    [warning] = [html.unescape(w.value) for w in at.warning if "Repaired" in w.value]
    assert "basemap.geojson: damaged (not valid JSON)" in warning
    assert events_count(at) > 0
    # The seeds' own basemap (the project's) serves them: the damaged copy is gone.
    assert not (data / "basemap.geojson").exists()


@pytest.fixture(scope="module")
def undated_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A corpus of one article with events but no date (no dateline, no sidecar)."""
    base = tmp_path_factory.mktemp("app_logic_undated")
    corpus, data = base / "corpus", base / "mapdata"
    corpus.mkdir()
    (corpus / "undated.txt").write_text(
        "Iraqi forces attacked Mosul. Fighting continued in "
        "Tikrit as militias advanced on the city.\n",
        "utf-8",
    )
    build(corpus, data, processes=1, progress=False)
    return corpus, data


def test_undated_events_only(
    monkeypatch: pytest.MonkeyPatch, undated_data: tuple[Path, Path]
) -> None:
    features = filters.load_events(undated_data[1] / "events.geojson")
    assert features and not filters.date_range(features), "the article should be undated"
    at = run(make_app(monkeypatch, *undated_data))
    assert not at.info  # there are events: not the "No events yet" state
    assert not at.slider and "play" not in [b.key for b in at.button]
    assert events_count(at) == 0 and NO_MATCH in captions(at)
    [article] = json.loads((undated_data[1] / "articles.json").read_text("utf-8"))["articles"]
    text = unmapped_text(at)
    assert any(t.startswith("**Undated articles (1)**") for t in text)
    assert f"<li>{article['title']} (undated.txt)</li>" in "".join(text)


@pytest.mark.parametrize("corpus", ["empty", "undated"])
def test_no_period_label_without_dated_events(
    corpus: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, undated_data: tuple[Path, Path]
) -> None:
    if corpus == "empty":
        (tmp_path / "corpus").mkdir()
        at = run(make_app(monkeypatch, tmp_path / "corpus", tmp_path / "mapdata"))
    else:
        at = run(make_app(monkeypatch, *undated_data))
    today = playback.period_label(datetime.date.today(), datetime.date.today())
    assert not [m.value for m in at.markdown if today in m.value]


# -- the date window -------------------------------------------------------------------


def test_default_window_is_the_corpus_span(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    slider = app.slider(key="date_range")
    assert slider.value == span
    assert app.session_state[playback.WINDOW_KEY] == span
    shown = expected(features, span)
    assert shown == [f for f in features if f["properties"]["date_start"]]  # every dated one
    assert_shows(app, shown, span)
    assert "Events over time" in [s.value for s in app.subheader]
    assert [b.label for b in app.download_button] == [
        "Download GeoJSON",
        "Download CSV",
        "Download HTML map",
        "Download PNG",  # Debian's chromium is installed (tests/e2e/conftest.py needs it)
        "Download GeoPackage",  # under "More formats"
        "Download KML",
        "Download GeoParquet",
    ]


def test_slider_narrows_the_events(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    lo, hi = span
    window = (lo, lo + (hi - lo) / 2)
    shown = expected(features, window)
    assert 0 < len(shown) < len(expected(features, span))
    run(app.slider(key="date_range").set_value(window))
    assert app.session_state[playback.WINDOW_KEY] == window
    assert app.slider(key="date_range").value == window
    assert_shows(app, shown, window)
    # One day: the label is that day, events overlapping it are counted.
    day = datetime.date.fromisoformat(
        max(f["properties"]["date_start"] for f in features if f["properties"]["date_start"])
    )
    run(app.slider(key="date_range").set_value((day, day)))
    shown = expected(features, (day, day))
    assert shown and playback.period_label(day, day) in period(app)
    assert_shows(app, shown, (day, day))
    # Back to the whole span.
    run(app.slider(key="date_range").set_value(span))
    assert_shows(app, expected(features, span), span)


def test_window_without_events_says_so(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    lo, hi = span
    empty_days = [
        d
        for d in (lo + datetime.timedelta(days=n) for n in range((hi - lo).days))
        if not expected(features, (d, d))
    ]
    assert empty_days, "the seeds should have a day without events"
    window = (empty_days[0], empty_days[0])
    run(app.slider(key="date_range").set_value(window))
    assert_shows(app, [], window)
    assert "0 events" in period(app)


def test_period_label_follows_the_window(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    lo, _ = span
    for window in [
        (lo, lo + datetime.timedelta(days=9)),  # same month or not: both shapes
        (lo, lo + datetime.timedelta(days=45)),
        span,
    ]:
        run(app.slider(key="date_range").set_value(window))
        label = playback.period_label(*window)
        assert f'<div class="cm-period">{label}<span' in period(app)
        assert_shows(app, expected(features, window), window)


# -- filters ---------------------------------------------------------------------------


def test_event_type_filter(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    types = sorted({f["properties"]["event_type"] for f in features})
    assert app.multiselect(key="types").value == []
    for picked in ([types[0]], types[:2]):
        run(app.multiselect(key="types").set_value(picked))
        shown = expected(features, span, types=picked)
        assert shown and all(f["properties"]["event_type"] in picked for f in shown)
        assert_shows(app, shown, span)
    # A type no event has (if there is one): nothing.
    for absent in sorted(set(styles.EVENT_STYLES) - set(types))[:1]:
        run(app.multiselect(key="types").set_value([absent]))
        assert_shows(app, [], span)
    run(app.multiselect(key="types").set_value([]))
    assert_shows(app, expected(features, span), span)


def test_actor_filter(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    actors = sorted({a for f in features for a in f["properties"]["actors"] if a})
    assert app.multiselect(key="actors").options == actors
    rarest = min(actors, key=lambda a: len(expected(features, span, actors={a})))
    shown = expected(features, span, actors={rarest})
    assert shown == [f for f in features if rarest in f["properties"]["actors"]]
    run(app.multiselect(key="actors").set_value([rarest]))
    assert_shows(app, shown, span)
    # Two actors: events with either.
    both = [rarest, actors[0] if actors[0] != rarest else actors[1]]
    run(app.multiselect(key="actors").set_value(both))
    assert_shows(app, expected(features, span, actors=set(both)), span)
    assert events_count(app) >= len(shown)


def test_source_filter_including_unknown(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    sources = {f["properties"].get("article_source") or "" for f in features}
    named = sorted(s for s in sources if s)
    assert "" in sources and named, "the seeds should have articles with and without a source"
    assert app.multiselect(key="sources").options == sorted([*named, "unknown"])
    run(app.multiselect(key="sources").set_value([named[0]]))
    shown = [f for f in features if f["properties"].get("article_source") == named[0]]
    assert shown == expected(features, span, sources={named[0]})
    assert_shows(app, shown, span)
    # "unknown": the articles without a source.
    run(app.multiselect(key="sources").set_value(["unknown"]))
    shown = [f for f in features if not f["properties"].get("article_source")]
    assert shown == expected(features, span, sources={""})
    assert_shows(app, shown, span)
    run(app.multiselect(key="sources").set_value(["unknown", named[0]]))
    assert_shows(app, expected(features, span, sources={"", named[0]}), span)


def test_article_filter(
    app: AppTest,
    features: Features,
    seeds_data: tuple[Path, Path],
    span: tuple[datetime.date, datetime.date],
) -> None:
    articles = json.loads((seeds_data[1] / "articles.json").read_text("utf-8"))["articles"]
    widget = app.multiselect(key="articles")
    assert widget.options == [a["title"][:80] for a in articles]
    for article in articles[:2]:
        run(app.multiselect(key="articles").set_value([article["id"]]))
        shown = expected(features, span, articles={article["id"]})
        assert shown and all(f["properties"]["article_id"] == article["id"] for f in shown)
        assert_shows(app, shown, span)


def ascii_name(name: str) -> str:
    """A name as typed on an English keyboard: "Sāmarrā’" -> "samarra" (the test's own
    folding, not the app's name keys)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def test_place_search(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    place = max(
        {f["properties"]["place"] for f in features},
        key=lambda p: sum(f["properties"]["place"] == p for f in features),
    )
    for query in [place, place.upper()[:4], f"  {place.lower()} "]:
        run(app.text_input(key="place_query").input(query))
        shown = expected(features, span, place_query=query)
        assert shown and all(
            ascii_name(query.strip())
            in ascii_name(" ".join([f["properties"]["place"], *f["properties"]["other_places"]]))
            for f in shown
        )
        assert_shows(app, shown, span)
    run(app.text_input(key="place_query").input("no such place anywhere"))
    assert_shows(app, [], span)


def test_place_search_ignores_spelling(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    """A place spelt with diacritics ("Tikrīt": the name shown, or the gazetteer's under a
    name readers know) is found by its plain spelling ("Tikrit"), in any case."""

    def names(f: dict[str, Any]) -> set[str]:
        return {f["properties"]["place"], f["properties"].get("gazetteer_name") or ""}

    marked = sorted({n for f in features for n in names(f) if ascii_name(n) != n.lower()})
    assert marked, "the seeds should have places with diacritics"
    for name in marked:
        query = ascii_name(name).title()
        run(app.text_input(key="place_query").input(query))
        at_place = [f for f in expected(features, span) if name in names(f)]
        shown = expected(features, span, place_query=query)
        assert at_place and all(f in shown for f in at_place), (name, query)
        assert_shows(app, shown, span)


def named(event_id: str, place: str, gazetteer: str = "", others: tuple[str, ...] = ()) -> Any:
    return {
        "properties": {
            "id": event_id,
            "place": place,
            "gazetteer_name": gazetteer,
            "other_places": list(others),
        }
    }


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Tikrit", ["t"]),  # the gazetteer's "Tikrīt" without its mark
        ("TIKR", ["t"]),
        ("raqqa", ["r"]),  # "Ar Raqqah": the article and the final h
        ("Qayyarah", ["q"]),  # "Al Qayyārah", doubled letters
        ("al qay", ["q"]),
        ("al", ["q", "n"]),  # an article alone: plain folded text
        ("Ninawa", ["n"]),  # a sentence's other place
        ("Nīnawá", ["n"]),
        ("الموصل", ["m"]),  # no Latin letters: matched as it is written
        ("Kherson", []),
        ("   ", ["t", "r", "q", "n", "m"]),  # no search
    ],
)
def test_place_matcher_uses_name_keys(query: str, found: list[str]) -> None:
    events = [
        named("t", "Tikrit", "Tikrīt"),
        named("r", "Ar Raqqah"),
        named("q", "Qayyarah", "Al Qayyārah"),
        named("n", "Mosul", others=("Al Nīnawá",)),
        named("m", "الموصل"),
    ]
    match = filters.place_matcher(query)
    shown = [e["properties"]["id"] for e in events if match is None or match(e["properties"])]
    assert shown == found


def test_filters_and_window_combine(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    lo, hi = span
    window = (lo + (hi - lo) / 3, hi)
    in_it = expected(features, window)
    event_type, place = in_it[0]["properties"]["event_type"], in_it[0]["properties"]["place"]
    app.multiselect(key="types").set_value([event_type])
    app.text_input(key="place_query").input(place)
    run(app.slider(key="date_range").set_value(window))
    shown = expected(features, window, types={event_type}, place_query=place)
    assert 0 < len(shown) < len(expected(features, window, types={event_type}))
    assert len(shown) < len(expected(features, window, place_query=place))
    assert_shows(app, shown, window)
    # Dropping the filters keeps the window.
    app.multiselect(key="types").set_value([])
    run(app.text_input(key="place_query").input(""))
    assert app.slider(key="date_range").value == window
    assert_shows(app, expected(features, window), window)


# -- the date controls beside the slider -----------------------------------------------


def window_controls(at: AppTest) -> tuple[Any, Any, Any]:
    """The slider's value and the From and To inputs' values."""
    return (
        at.slider(key=timeline.RANGE_KEY).value,
        at.date_input(key=timeline.FROM_KEY).value,
        at.date_input(key=timeline.TO_KEY).value,
    )


def test_date_inputs_and_slider_move_together(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    lo, hi = span
    assert window_controls(app) == (span, lo, hi)
    # Typing a start date: the slider and the window follow, the end stays.
    start = lo + (hi - lo) / 3
    run(app.date_input(key=timeline.FROM_KEY).set_value(start))
    assert window_controls(app) == ((start, hi), start, hi)
    assert_shows(app, expected(features, (start, hi)), (start, hi))
    # An end before the start: the window is that one day.
    end = start - datetime.timedelta(days=10)
    run(app.date_input(key=timeline.TO_KEY).set_value(end))
    assert window_controls(app) == ((end, end), end, end)
    # The slider: both inputs follow.
    window = (lo + datetime.timedelta(days=5), lo + datetime.timedelta(days=40))
    run(app.slider(key=timeline.RANGE_KEY).set_value(window))
    assert window_controls(app) == (window, *window)
    assert app.session_state[playback.WINDOW_KEY] == window
    assert_shows(app, expected(features, window), window)


def test_step_buttons_move_the_window_by_the_step(
    app: AppTest, span: tuple[datetime.date, datetime.date]
) -> None:
    lo, _ = span
    window = (lo + datetime.timedelta(days=30), lo + datetime.timedelta(days=60))
    run(app.slider(key=timeline.RANGE_KEY).set_value(window))
    run(app.selectbox(key="step").set_value("month"))
    run(app.button(key="step_forward").click())
    days = datetime.timedelta(days=playback.STEPS["month"])
    later = (window[0] + days, window[1] + days)
    assert window_controls(app) == (later, *later)
    run(app.button(key="step_back").click())
    assert window_controls(app) == (window, *window)
    run(app.button(key="step_back").click())  # to the start of the span, width kept
    assert window_controls(app)[0] == (lo, lo + (window[1] - window[0]))


def test_play_button_starts_and_stops_playback(app: AppTest) -> None:
    assert app.button(key="play").label == "Play"
    run(app.button(key="play").click())
    assert app.session_state["playing"] is True
    assert app.button(key="play").label == "Pause"
    run(app.button(key="play").click())
    assert app.session_state["playing"] is False
    assert app.button(key="play").label == "Play"


@pytest.mark.parametrize(
    ("span", "labels"),
    [
        # Nine months: every month labelled, the first with its year.
        (
            (datetime.date(2015, 2, 10), datetime.date(2015, 11, 20)),
            ["Mar 2015", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov"],
        ),
        # Thirty months: every third, years at January.
        (
            (datetime.date(2014, 6, 1), datetime.date(2016, 12, 6)),
            ["Jul 2014", "Oct", "2015", "Apr", "Jul", "Oct", "2016", "Apr", "Jul", "Oct"],
        ),
    ],
)
def test_month_ticks_under_the_slider(
    span: tuple[datetime.date, datetime.date], labels: list[str]
) -> None:
    ticks = timeline.month_ticks(span)
    assert [t.label for t in ticks if t.label] == labels
    lo, hi = span
    months = (hi.year - lo.year) * 12 + hi.month - lo.month + (lo.day == 1)
    assert len(ticks) == months  # every month has its mark
    assert all(0 <= a.at < b.at <= 1 for a, b in zip(ticks, ticks[1:], strict=False))
    # A mark sits where its month starts on the slider's scale.
    first = ticks[0]
    day = datetime.date(lo.year + lo.month // 12, lo.month % 12 + 1, 1) if lo.day > 1 else lo
    assert first.at == pytest.approx((day - lo).days / (hi - lo).days)


def test_month_ticks_of_a_long_corpus_stay_few() -> None:
    ticks = timeline.month_ticks((datetime.date(1990, 1, 1), datetime.date(2017, 1, 1)))
    assert 0 < len([t for t in ticks if t.label]) <= timeline.MAX_LABELS
    assert len(ticks) <= timeline.MAX_MARKS
    assert timeline.month_ticks((datetime.date(2015, 1, 1), datetime.date(2015, 1, 1))) == []


# -- the chart and the table -----------------------------------------------------------


def event(event_id: str, first: str, last: str, kind: str = "offensive") -> dict[str, Any]:
    return {
        "properties": {"id": event_id, "date_start": first, "date_end": last, "event_type": kind}
    }


def test_chart_counts_each_month_an_event_overlaps() -> None:
    events = [
        event("a", "2014-11-20", "2015-02-03"),  # four months
        event("b", "2015-03-05", "2015-03-05", "capture"),
        event("c", "2014-01-01", "2014-12-31"),  # a year-long background event
    ]
    counts = tables.monthly_counts(events)  # type: ignore[arg-type]
    assert ("2014-01-01", "offensive", 1) in counts and ("2014-12-01", "offensive", 2) in counts
    assert [c for c in counts if c[1] == "capture"] == [("2015-03-01", "capture", 1)]
    assert sum(n for _, _, n in counts) == 4 + 1 + 12
    # A March 2015 window: bars in March only, however early an event began.
    march = tables.monthly_counts(
        [*events, event("d", "2014-06-01", "2015-04-30")],  # type: ignore[list-item]
        datetime.date(2015, 3, 1),
        datetime.date(2015, 3, 31),
    )
    assert march == [("2015-03-01", "capture", 1), ("2015-03-01", "offensive", 1)]


def test_table_is_in_date_order(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    [grid] = [d for d in app.dataframe if d.key == "event_table"]
    dates = list(zip(grid.value["date_start"], grid.value["date_end"], strict=True))
    assert dates == sorted(dates) and len(dates) == len(expected(features, span))
    # The sentence has a wide column of its own, and the table starts with when and what.
    assert list(grid.value.columns[:5]) == [
        "date_start",
        "date_end",
        "event_type",
        "place",
        "snippet",
    ]


# -- shareable views -------------------------------------------------------------------


def test_shared_link_opens_its_view(
    monkeypatch: pytest.MonkeyPatch,
    seeds_data: tuple[Path, Path],
    features: Features,
    span: tuple[datetime.date, datetime.date],
) -> None:
    """A link's window, filters, picked event and map view are where a new visitor starts;
    the app writes the same view back into its URL."""
    lo, hi = span
    window = (lo + (hi - lo) / 4, lo + (hi - lo) / 2)
    in_window = expected(features, window)
    kind = in_window[0]["properties"]["event_type"]
    place = ascii_name(in_window[0]["properties"]["place"])
    shown = expected(features, window, types={kind}, place_query=place)
    picked = shown[-1]
    query = {
        "from": window[0].isoformat(),
        "to": window[1].isoformat(),
        "type": kind,
        "place": place,
        "event": picked["properties"]["id"],
        "map": "34.5,43.25,9",
    }
    at = make_app(monkeypatch, *seeds_data)
    at.query_params.update(query)
    run(at)
    assert at.multiselect(key="types").value == [kind]
    assert at.text_input(key="place_query").value == place
    assert window_controls(at) == (window, *window)
    assert_shows(at, shown, window)
    popups = [m.value for m in at.markdown if m.value.startswith('<div class="cm-popup">')]
    assert popups[0] == popup.event_popup(picked["properties"])
    assert at.session_state[dashboard.CENTER] == (34.5, 43.25)
    assert at.session_state[dashboard.ZOOM] == 9
    assert share.normal(at.query_params) == share.normal(query)
    # After the first run the widgets rule: a new type replaces the link's in the URL.
    other = next(t for t in styles.EVENT_STYLES if t != kind)
    run(at.multiselect(key="types").set_value([other]))
    assert at.query_params["type"] == other


def test_bad_link_opens_the_default_view(
    monkeypatch: pytest.MonkeyPatch,
    seeds_data: tuple[Path, Path],
    features: Features,
    span: tuple[datetime.date, datetime.date],
) -> None:
    at = make_app(monkeypatch, *seeds_data)
    at.query_params.update(
        {
            "from": "2015-13-01",
            "to": "1900-01-01",  # before the corpus: the window is its first day
            "type": ["no-such-type", "offensive"],
            "actor": "nobody",
            "article": "nothing",
            "event": "no-such-event",
            "map": "500,10,3",
            "speed": "-1",
        }
    )
    run(at)
    assert at.multiselect(key="types").value == ["offensive"]
    assert at.multiselect(key="actors").value == []
    assert at.multiselect(key="articles").value == []
    assert window_controls(at)[0] == (span[0], span[0])
    assert "Click a marker on the map, or pick a row of the table below." in captions(at)
    assert "map" not in at.query_params and "speed" not in at.query_params


# -- details of a clicked point --------------------------------------------------------


def test_clicked_point_shows_its_events(
    app: AppTest, features: Features, span: tuple[datetime.date, datetime.date]
) -> None:
    """The map reports a click as a point; the details panel shows the events drawn there."""

    def at_point(f: dict[str, Any]) -> list[dict[str, Any]]:
        return [g for g in features if g["geometry"] == f["geometry"]]

    busiest = max(features, key=lambda f: len(at_point(f)))
    lon, lat = busiest["geometry"]["coordinates"]
    point = {"lat": lat, "lng": lon}
    app.session_state["clicked"] = point
    run(app)
    picked = filters.events_at(expected(features, span), point)
    assert len(picked) == len(at_point(busiest)) > 1
    popups = [m.value for m in app.markdown if m.value.startswith('<div class="cm-popup">')]
    assert popups == [popup.event_popup(f["properties"]) for f in picked[:10]]
    place = busiest["properties"]["place"]
    assert f"{len(at_point(busiest))} events at {place} in the corpus" in captions(app)
    assert len([e for e in app.expander if e.label == "Full article text"]) == len(popups)
    # A window without those events: nothing picked, the hint instead.
    days = (span[0] + datetime.timedelta(days=n) for n in range((span[1] - span[0]).days))
    outside = next(d for d in days if not filters.events_at(expected(features, (d, d)), point))
    run(app.slider(key="date_range").set_value((outside, outside)))
    assert not [m for m in app.markdown if m.value.startswith('<div class="cm-popup">')]
    assert "Click a marker on the map, or pick a row of the table below." in captions(app)


def test_map_clicks_pick_events(features: Features) -> None:
    """What the map reports, as geo.app.dashboard reads it: a click on a marker picks its
    event (first among those at its place); a click that hits no event changes nothing;
    the same marker clicked again counts again (a table pick may have moved the panel)."""
    by_point: dict[tuple[float, float], Features] = {}
    for f in features:
        by_point.setdefault(tuple(f["geometry"]["coordinates"]), []).append(f)
    (lon, lat), crowd = max(by_point.items(), key=lambda item: len(item[1]))
    assert len(crowd) > 1
    session: dict[str, Any] = {}
    last = crowd[-1]["properties"]["id"]
    click = {"lat": lat, "lng": lon, "id": last}
    dashboard.take_map_return(
        session, {"last_object_clicked": click, "last_object_clicked_count": 1}, features, "k"
    )
    assert dashboard.picked_id(session, features) == last
    assert dashboard.picked_events(session, features)[1:] == [
        f for f in crowd if f["properties"]["id"] != last
    ]
    # A click on the land or a cluster bubble (no event there): the panel keeps its event.
    nowhere = {"last_object_clicked": {"lat": 0.5, "lng": 0.5}, "last_object_clicked_count": 2}
    dashboard.take_map_return(session, nowhere, features, "k")
    assert dashboard.picked_id(session, features) == last
    # A table row elsewhere, then the same marker again: a new click (its count), re-picked.
    other = next(f for f in features if f["geometry"]["coordinates"] != [lon, lat])
    dashboard.pick(session, other)
    again = {"last_object_clicked": click, "last_object_clicked_count": 2}
    dashboard.take_map_return(session, again, features, "k")
    assert dashboard.picked_id(session, features) == other["properties"]["id"]  # already seen
    again["last_object_clicked_count"] = 3
    dashboard.take_map_return(session, again, features, "k")
    assert dashboard.picked_id(session, features) == last
    # A click without an id (an older page): the place's events, the first of them first.
    dashboard.take_map_return(
        session,
        {"last_object_clicked": {"lat": lat, "lng": lon}, "last_object_clicked_count": 4},
        features,
        "k",
    )
    assert dashboard.picked_id(session, features) == crowd[0]["properties"]["id"]
    # Another map (a new style: counting starts again) counts its first click.
    dashboard.pick(session, other)
    dashboard.take_map_return(
        session, {"last_object_clicked": click, "last_object_clicked_count": 1}, features, "dark"
    )
    assert dashboard.picked_id(session, features) == last


def test_map_view_is_kept_for_the_link() -> None:
    session: dict[str, Any] = {}
    dashboard.take_map_return(session, {"center": {"lat": 34.5, "lng": 43.1}, "zoom": 8}, [], "k")
    assert (session[dashboard.CENTER], session[dashboard.ZOOM]) == ((34.5, 43.1), 8)
    for junk in (
        {"center": "x", "zoom": 3},
        {"center": {"lat": "a", "lng": 1}, "zoom": 3},
        {"zoom": None},
    ):
        dashboard.take_map_return(session, junk, [], "k")
        assert (session[dashboard.CENTER], session[dashboard.ZOOM]) == ((34.5, 43.1), 8)
    # The view a map is mounted with stays while it is mounted; a new map starts where the
    # last one was.
    assert dashboard.map_view(session, "k") == ((34.5, 43.1), 8)
    dashboard.take_map_return(session, {"center": {"lat": 30.0, "lng": 40.0}, "zoom": 5}, [], "k")
    assert dashboard.map_view(session, "k") == ((34.5, 43.1), 8)
    assert dashboard.map_view(session, "dark") == ((30.0, 40.0), 5)


def test_a_click_anywhere_on_the_map_is_kept_for_a_corrected_place() -> None:
    """streamlit-folium's `last_clicked` (the land, not a marker) is the point "Wrong place"
    offers (geo.app.corrections_form); a malformed one changes nothing."""
    assert "last_clicked" in dashboard.MAP_RETURNS
    session: dict[str, Any] = {}
    dashboard.take_map_return(session, {"last_clicked": {"lat": 12.5, "lng": -3.25}}, [], "k")
    assert session[dashboard.MAP_POINT] == (12.5, -3.25)
    for junk in ({"last_clicked": {"lat": "x", "lng": 1}}, {"last_clicked": None}, {}):
        dashboard.take_map_return(session, junk, [], "k")
        assert session[dashboard.MAP_POINT] == (12.5, -3.25)
    assert dashboard.PICKED_ID not in session  # a click on the land picks no event


# -- what could not be mapped ----------------------------------------------------------


def test_expander_lists_skipped_files(app: AppTest, seeds_data: tuple[Path, Path]) -> None:
    doc = json.loads((seeds_data[1] / "articles.json").read_text("utf-8"))
    assert sorted(s["file"] for s in doc["skipped"]) == sorted(BAD_FILES)
    text = unmapped_text(app)
    assert f"**Skipped files ({len(BAD_FILES)})**" in text
    reasons = {s["file"]: s["reason"] for s in doc["skipped"]}
    assert reasons["empty.txt"] and reasons["junk.txt"]
    for name, reason in reasons.items():
        assert f"<li>{escape_text(f'{name}: {reason}')}</li>" in "".join(text)
    unresolved = sum(len(a["unresolved"]) for a in doc["articles"])
    assert f"**Unresolved place names ({unresolved})**" in text
    undated = [a for a in doc["articles"] if not a["published"]]
    assert any(t.startswith(f"**Undated articles ({len(undated)})**") for t in text)
    # Some events are on the page all the same: no empty-state warning.
    assert not app.warning and not app.info


# -- the briefing screen ---------------------------------------------------------------


@pytest.mark.parametrize("how", ["env", "query"])
def test_briefing_view(
    how: str,
    monkeypatch: pytest.MonkeyPatch,
    seeds_data: tuple[Path, Path],
    features: Features,
    span: tuple[datetime.date, datetime.date],
) -> None:
    at = make_app(monkeypatch, *seeds_data, view="briefing" if how == "env" else None)
    if how == "query":
        at.query_params["view"] = "briefing"
    run(at)
    # The sidebar's widgets are still made; this CSS hides the sidebar.
    assert playback.BRIEFING_CSS.strip() in [m.value for m in at.markdown]
    # The date window moves on its own: no slider, date inputs or playback buttons.
    controls = {timeline.FROM_KEY, timeline.TO_KEY, "play", "step_back", "step_forward"}
    assert not at.slider
    assert [w.key for w in [*at.date_input, *at.button] if w.key in controls] == []
    assert "dark" not in [t.key for t in at.toggle]  # always the dark basemap
    # st.stop() after the map: no chart, details, table or expander.
    assert [s.value for s in at.subheader] == []
    assert not at.dataframe and not at.download_button
    assert UNMAPPED not in [e.label for e in at.expander]
    # It plays, starting on the default two-month window; a rerun sooner than a step's
    # seconds does not move it (only the timer does).
    assert at.session_state["playing"] is True
    start, end = at.session_state[playback.WINDOW_KEY]
    assert (start, end) == playback.default_window(span, briefing=True)
    run(at)
    assert at.session_state[playback.WINDOW_KEY] == (start, end)
    # The period, its count and its captions: one panel over the map (geo.app.playback).
    shown = filters.in_window(filters.filter_events(features, filters.EventFilter()), start, end)
    [panel] = [m.value for m in at.markdown if 'class="cm-period"' in m.value]
    assert panel.startswith(f'<div class="cm-brief" data-start="{start}" data-end="{end}">')
    assert f'<span class="cm-count">{escape_text(count_label(shown))}</span>' in panel
    captions = playback.caption_events(shown, start, end)
    assert panel.count('class="cm-caption"') == max(1, len(captions))  # or "no new events"
    # The screen's URL is left as it was opened (no window written into it every step).
    assert at.query_params == ({"view": "briefing"} if how == "query" else {})


@pytest.mark.parametrize(
    ("speed", "step", "seconds"),
    [("2", "month", 2.0), ("0.25", "day", 0.25), ("fast", "fortnight", 1.0)],
)
def test_briefing_pace_from_the_url(
    speed: str,
    step: str,
    seconds: float,
    monkeypatch: pytest.MonkeyPatch,
    seeds_data: tuple[Path, Path],
    span: tuple[datetime.date, datetime.date],
) -> None:
    at = make_app(monkeypatch, *seeds_data)
    at.query_params.update(view="briefing", speed=speed, step=step)
    run(at)
    days = playback.STEPS.get(step, playback.STEPS["week"])  # an unknown step: a week
    assert at.session_state["speed"] == seconds
    assert at.session_state["step"] == (step if step in playback.STEPS else "week")
    default = playback.default_window(span, briefing=True)
    assert at.session_state[playback.WINDOW_KEY] == default
    # The next step, when its time comes, moves the window by the step from the URL.
    at.session_state["stepped_at"] = 0.0
    run(at)
    stepped = playback.PlaybackState(*default, *span, playing=True, step_days=days).advanced()
    assert at.session_state[playback.WINDOW_KEY] == (stepped.start, stepped.end)


def test_dashboard_pace_from_the_url(
    monkeypatch: pytest.MonkeyPatch, seeds_data: tuple[Path, Path]
) -> None:
    """The dashboard's step and speed choices (beside the slider) start where the URL says,
    a speed that is not a preset offered too."""
    at = make_app(monkeypatch, *seeds_data)
    at.query_params.update(speed="0.25", step="month")
    run(at)
    assert at.selectbox(key="step").value == "month"
    assert at.selectbox(key="speed").value == 0.25
    assert 0.25 in at.selectbox(key="speed").options or "0.25 s per step" in (
        at.selectbox(key="speed").options
    )


def test_tiles_from_the_url(monkeypatch: pytest.MonkeyPatch, seeds_data: tuple[Path, Path]) -> None:
    at = make_app(monkeypatch, *seeds_data)
    at.query_params["tiles"] = "no-such-tiles"
    run(at)
    [warning] = at.warning
    assert html.unescape(warning.value).startswith("Unknown tiles 'no-such-tiles'")
    assert at.selectbox(key="tiles").value == tiles.OFFLINE
    assert at.selectbox(key="tiles").options == [
        "None (offline)",
        *(t.label for t in tiles.PRESETS.values()),
    ]
    at = make_app(monkeypatch, *seeds_data)
    at.query_params["tiles"] = "osm"
    run(at)
    assert not at.warning
    assert at.selectbox(key="tiles").value == "osm"


def test_a_crafted_tiles_link_stays_literal_text(
    monkeypatch: pytest.MonkeyPatch, seeds_data: tuple[Path, Path]
) -> None:
    """`?tiles=` is shown back in a warning: an image or a link in it stays text."""
    at = make_app(monkeypatch, *seeds_data)
    crafted = "![x](http://host.example/pixel.png) [log in](http://host.example/)"
    at.query_params["tiles"] = crafted
    at = run(at)
    (warning,) = [w.value for w in at.warning if "Unknown tiles" in w.value]
    assert "](" not in warning and "![" not in warning  # no Markdown image or link forms
    # named, as text (punctuation as character references, which Markdown shows as such)
    assert crafted in html.unescape(warning)


# Every query parameter the app reads (geo.app.share, the pace, the view, the tiles).
QUERY_PARAMETERS = [
    share.START, share.END, share.TYPES, share.ACTORS, share.SOURCES, share.ARTICLES,
    share.PLACE, share.EVENT, share.MAP, share.DARK, share.TILES, share.VIEW, share.SPEED,
    share.STEP,
]  # fmt: skip
MARKDOWN_PAYLOAD = (
    "**bold** [log in](http://host.example/) ![x](http://host.example/p.png) "
    "$x^2$ :red[red] <b>tag</b>"
)
MARKDOWN_FORMS = ("](http", "![", "$x^2$", ":red[", "<b>", "**bold**")


@pytest.mark.parametrize("name", QUERY_PARAMETERS)
def test_markdown_in_any_query_parameter_stays_text(
    monkeypatch: pytest.MonkeyPatch, seeds_data: tuple[Path, Path], name: str
) -> None:
    """A link anyone can craft: whatever of it the app shows back is literal text (in
    Markdown elements escaped, so no link, image, formula, colour or tag is made)."""
    at = make_app(monkeypatch, *seeds_data)
    at.query_params[name] = MARKDOWN_PAYLOAD
    at = run(at)
    shown = [
        element.value
        for kind in ("markdown", "warning", "info", "error", "success", "caption", "subheader")
        for element in getattr(at, kind)
        if isinstance(element.value, str)
    ]
    for value in shown:
        for form in MARKDOWN_FORMS:
            assert form not in value, (name, value[:200])


def test_an_event_is_corrected_from_its_details_panel(
    monkeypatch: pytest.MonkeyPatch, seeds_data: tuple[Path, Path], tmp_path: Path
) -> None:
    """Verified and a new type, saved from the form under the picked event: written to the
    corrections file beside the added articles (not into the corpus folder), mapped at once,
    and shown as corrected."""
    corpus, good = seeds_data
    data = tmp_path / "mapdata"
    shutil.copytree(good, data)
    features = filters.load_events(data / "events.geojson")
    target = next(f for f in features if f["properties"]["date_start"])
    lon, lat = target["geometry"]["coordinates"]
    at = make_app(monkeypatch, corpus, data)
    at.session_state["clicked"] = {"lat": lat, "lng": lon}
    at = run(at)
    first_popup = next(
        m.value for m in at.markdown if m.value.startswith('<div class="cm-popup">')
    )  # the first picked event's popup comes first, then its form
    picked = next(f for f in features if popup.event_popup(f["properties"]) == first_popup)[
        "properties"
    ]
    new_type = next(t for t in styles.EVENT_STYLES if t != picked["event_type"])
    [status] = [r for r in at.radio if r.label == "Status"][:1]
    status.set_value("verified")
    [kind] = [s for s in at.selectbox if s.label == "Type"][:1]
    kind.set_value(new_type)
    [save] = [b for b in at.button if b.label == "Save correction"][:1]
    run(save.click())
    lines = (data / "corpus" / "corrections.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line)["change"]["kind"] for line in lines] == ["verified", "type"]
    assert not (corpus / "corrections.jsonl").exists()  # the corpus folder is left alone
    after = {
        f["properties"]["id"]: f["properties"] for f in filters.load_events(data / "events.geojson")
    }
    corrected = after[picked["id"]]
    assert corrected["verification"] == "verified" and corrected["event_type"] == new_type
    assert corrected["corrected"]["event_type"]["was"] == picked["event_type"]
    assert any("Corrected" in s.value for s in at.success)


def test_details_list_the_incidents_reports_and_their_disagreement(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.test_incidents import disagreeing_corpus

    corpus, data = disagreeing_corpus(tmp_path / "corpus"), tmp_path / "mapdata"
    build(corpus, data, processes=1, progress=False)
    gulu = next(
        f
        for f in filters.load_events(data / "events.geojson")
        if f["properties"]["place"] == "Gulu"
    )
    lon, lat = gulu["geometry"]["coordinates"]
    at = make_app(monkeypatch, corpus, data)
    at.session_state["clicked"] = {"lat": lat, "lng": lon}
    at = run(at)
    assert "2 reports of this incident, newest first" in captions(at)
    [said] = [t.value for t in at.text if t.value.startswith("The reports disagree")]
    assert "3,000 fighters (Wire One)" in said and "5,000 fighters (Paper Two)" in said
    reports = next(d.value for d in at.dataframe if "figures" in d.value.columns)
    assert set(reports["figures"]) == {"3,000 fighters", "5,000 fighters"}
    assert set(reports["verification"]) == {"unverified"}


def test_a_briefing_of_verified_incidents_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """?view=briefing&status=verified: the screen shows the incidents an analyst verified
    (every report of them) and says so."""
    from geo.cli import main
    from tests.test_incidents import disagreeing_corpus

    corpus, data = disagreeing_corpus(tmp_path / "corpus"), tmp_path / "mapdata"
    build(corpus, data, processes=1, progress=False)
    wire = next(
        f["properties"]
        for f in filters.load_events(data / "events.geojson")
        if f["properties"]["article_id"] == "wire"
    )
    argv = ["correct", "--corpus", str(corpus), "--data", str(data), "verify", wire["id"]]
    assert main([*argv, "verified"]) == 0
    build(corpus, data, processes=1, progress=False)
    at = make_app(monkeypatch, corpus, data)
    at.query_params.update(view="briefing", status="verified", **{"from": "2019-05-01"})
    at = run(at)
    assert at.session_state["verification"] == ["verified"]
    [panel] = [m.value for m in at.markdown if 'class="cm-period"' in m.value]
    # Gulu's two reports (one verified: the incident is), not Lira's lone capture.
    assert "1 incident (2 reports) · verified incidents only" in panel
    assert "Lira" not in panel and "Gulu" in panel
