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
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo.app import playback
from geo.corpus.build import build
from geo.map import filters, popup, styles, tiles
from geo.map.escape import escape_text

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


def period_of(start: datetime.date, end: datetime.date, count: int) -> str:
    return (
        f'<div class="cm-period">{playback.period_label(start, end)}<span class="cm-count">'
        f" · {count} event{'s' * (count != 1)}</span></div>"
    )


def table_ids(at: AppTest) -> list[str]:
    tables = [d for d in at.dataframe if d.key == "event_table"]
    return list(tables[0].value["id"]) if tables else []


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def unmapped_text(at: AppTest) -> list[str]:
    """The markdown of the expander listing what could not be mapped."""
    [expander] = [e for e in at.expander if e.label == UNMAPPED]
    return [m.value for m in expander.markdown]


def ids(features: Features) -> list[str]:
    return [f["properties"]["id"] for f in features]


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
    """The table, its count and the period label all show `events`, in the file's order."""
    assert events_count(at) == len(events)
    assert table_ids(at) == ids(events)
    assert period(at) == period_of(*window, len(events))
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
    assert not at.slider and "playing" not in [t.key for t in at.toggle]
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
    assert len(app.download_button) == 3


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
            query.strip().lower()
            in " ".join([f["properties"]["place"], *f["properties"]["other_places"]]).lower()
            for f in shown
        )
        assert_shows(app, shown, span)
    run(app.text_input(key="place_query").input("no such place anywhere"))
    assert_shows(app, [], span)


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
    assert not at.slider  # the date window moves on its own
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
    shown = filters.in_window(filters.filter_events(features, filters.EventFilter()), start, end)
    assert period(at) == period_of(start, end, len(shown))
    captions_html = [m.value for m in at.markdown if 'class="cm-caption"' in m.value]
    assert len(captions_html) == min(3, len(shown))


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
    assert at.select_slider(key="speed").value == seconds  # offered even if not a preset
    assert str(seconds) in at.select_slider(key="speed").options
    assert at.selectbox(key="step").value == at.session_state["step"]
    default = playback.default_window(span, briefing=True)
    assert at.session_state[playback.WINDOW_KEY] == default
    # The next step, when its time comes, moves the window by the step from the URL.
    at.session_state["stepped_at"] = 0.0
    run(at)
    stepped = playback.PlaybackState(*default, *span, playing=True, step_days=days).advanced()
    assert at.session_state[playback.WINDOW_KEY] == (stepped.start, stepped.end)


def test_tiles_from_the_url(monkeypatch: pytest.MonkeyPatch, seeds_data: tuple[Path, Path]) -> None:
    at = make_app(monkeypatch, *seeds_data)
    at.query_params["tiles"] = "no-such-tiles"
    run(at)
    [warning] = at.warning
    assert warning.value.startswith("Unknown tiles 'no-such-tiles'")
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
