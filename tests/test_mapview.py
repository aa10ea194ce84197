"""Map building: escaping, popups, filters, layers as the browser will get them."""

from __future__ import annotations

import base64
import datetime
import json
import re
from pathlib import Path

import folium
import pytest

from geo.app import playback
from geo.corpus import tables
from geo.corpus.ingest import add_article
from geo.map import filters, layers, popup, view
from geo.map.assets import STATIC, make_offline, static_text
from geo.map.escape import escape_text
from geo.pipeline.places.names import name_key
from tests.pages import page_code

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)> `${alert(1)}` \"q\" 'q'"


def feature(i: int = 0, **props) -> dict:
    base = {
        "id": f"a:{i}",
        "place": "Townville",
        "level": "city",
        "event_type": "offensive",
        "date_start": "2016-03-24",
        "date_end": "2016-03-24",
        "time_basis": "explicit",
        "snippet": "Troops entered Townville on March 24.",
        "actors": ["Rebels", "Army"],
        "figures": [],
        "marks": [
            {"start": 15, "end": 24, "kind": "place"},
            {"start": 25, "end": 36, "kind": "time"},
        ],
        "article_id": "a",
        "article_title": "Title",
        "article_source": "Source",
        "article_url": "https://example.org/a",
        "published": "2016-03-25",
        "confidence": 0.9,
        "other_places": [],
        "uncertainty_km": None,
    }
    base.update(props)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [43.1, 36.3]},
        "properties": base,
    }


def test_escape_defuses_html_and_template_syntax() -> None:
    out = escape_text(HOSTILE)
    assert "<" not in out and ">" not in out and "`" not in out and "${" not in out
    assert "&lt;script&gt;" in out


def test_popup_marks_place_and_time_and_escapes_everything() -> None:
    html = popup.event_popup(feature()["properties"])
    assert '<mark class="cm-place">Townville</mark>' in html
    assert '<mark class="cm-time">on March 24</mark>' in html
    assert 'href="https://example.org/a"' in html
    hostile = popup.event_popup(
        feature(
            snippet=HOSTILE,
            article_title=HOSTILE,
            place=HOSTILE,
            actors=[HOSTILE],
            article_url="javascript:alert(1)",
            marks=[],
        )["properties"]
    )
    assert "<script" not in hostile and "<img" not in hostile and "javascript:" not in hostile
    assert "`" not in hostile and "${" not in hostile


def test_filters_overlap_type_actor_place() -> None:
    events = [
        feature(0),
        feature(
            1,
            date_start="2015-01-01",
            date_end="2015-01-31",
            event_type="airstrike",
            actors=["Militia"],
            place="Otherton",
        ),
        feature(2, date_start=None, date_end=None),
    ]
    flt = filters.EventFilter(start=datetime.date(2015, 1, 20), end=datetime.date(2015, 2, 1))
    assert [f["properties"]["id"] for f in filters.filter_events(events, flt)] == ["a:1"]
    assert len(filters.filter_events(events, filters.EventFilter())) == 2
    assert len(filters.filter_events(events, filters.EventFilter(include_undated=True))) == 3
    by_type = filters.EventFilter(types=frozenset({"offensive"}))
    assert [f["properties"]["id"] for f in filters.filter_events(events, by_type)] == ["a:0"]
    by_actor = filters.EventFilter(actors=frozenset({"Army"}))
    assert [f["properties"]["id"] for f in filters.filter_events(events, by_actor)] == ["a:0"]
    by_place = filters.EventFilter(place_query="other")
    assert [f["properties"]["id"] for f in filters.filter_events(events, by_place)] == ["a:1"]
    assert filters.date_range(events) == (datetime.date(2015, 1, 1), datetime.date(2016, 3, 24))


def test_layers_render_data_escaped_inside_the_script() -> None:
    m = folium.Map(tiles=None)
    events = [
        feature(0, snippet=HOSTILE, marks=[]),
        feature(1, level="province", place="Province A"),
    ]
    shapes = {
        "province a": {"type": "Polygon", "coordinates": [[[40, 30], [41, 30], [41, 31], [40, 30]]]}
    }
    region = layers.event_layers(m, events, shapes)
    page = m.get_root().render()
    assert "<script>alert(1)" not in page and "</script><img" not in page
    assert "window.cmEventLayer(" in page and "window.cmRegionLayer(" in page
    assert page.count("window.cmLegend(") == 1 and '"cm-legend"' in page
    assert "window.cmEdgeHints(" in page
    assert region.data["regions"]["features"][0]["properties"]["members"][0]["pl"] == "Province A"
    # The visible events travel as a bitset: event n is bit n % 8 of byte n // 8.
    group = layers.visible_group([{"n": 9}, {"n": 0}, {"n": 17}])
    group.add_to(m)
    assert base64.b64encode(bytes([0b1, 0b10, 0b10])).decode() == "AQIC"
    assert 'window.cmShowOnly("AQIC")' in m.get_root().render()
    assert layers.ShowOnly([]).bits == ""


# -- the page's own scripts: files, each loaded once ------------------------------------

SHARED = (
    "cmEsc",
    "cmPopup",
    "cmTooltip",
    "cmApply",
    "cmShowOnly",
    "cmCountText",
    "cmEventLayer",
    "cmRegionLayer",
    "cmShapeMarker",
    "cmClusterIcon",
    "cmControl",
    "cmLegend",
    "cmEdgeHints",
    "cmCountryList",
    "cmBasemap",
    "cmTimeSlider",
)


def test_export_defines_each_shared_function_once() -> None:
    from geo.map.export import export_html

    page = export_html(
        [
            feature(0),
            feature(1, place="Otherton"),
            feature(2, level="province", place="Province A"),
        ],
        [{"id": "a", "title": "Title"}],
    ).decode("utf-8")
    code = page_code(page)  # the page and the files it inlines
    for name in SHARED:
        assert code.count(f"window.{name} = function") == 1, name
    # Self-contained: no link to the app's static files or an unresolved file link.
    assert "cm-static:" not in page and "/app/static" not in page


def test_the_slider_update_carries_data_only() -> None:
    """What streamlit-folium sends on every filter or slider change: one call, no code."""
    from streamlit_folium import _get_feature_group_string

    m = view.base_map()
    layers.event_layers(m, [feature(i) for i in range(40)], {})
    view.finish(m)
    payload = _get_feature_group_string(
        layers.visible_group([{"n": n} for n in range(0, 40, 3)]), m
    )
    assert "function" not in payload and "=>" not in payload
    assert payload.count("window.cm") == 1 and 'window.cmShowOnly("SZIkSZI=")' in payload
    assert len(payload.encode()) < 500


def test_the_app_map_links_each_file_once_and_defines_nothing_inline() -> None:
    """The app's map: its own scripts as links to published files (loaded once per
    mount by streamlit-folium), none pasted into the map's script."""
    published: dict[str, str] = {}

    def publish_asset(name: str, text: str) -> str:
        published[name] = text
        return f"/app/static/cm/{name}"

    m = view.base_map(publish=lambda name, data: f"/app/static/cm/{name}.json")
    layers.event_layers(
        m,
        [feature(0), feature(1, level="province", place="Province A")],
        {
            "province a": {
                "type": "Polygon",
                "coordinates": [[[40, 30], [41, 30], [41, 31], [40, 30]]],
            }
        },
        publish=lambda name, data: f"/app/static/cm/{name}.json",
    )
    page = view.finish(m, publish_asset=publish_asset).get_root().render()
    for name in (*layers.LAYER_JS, "basemap.js", "map.css"):
        assert published[name] == static_text(name)
        assert page.count(f'"/app/static/cm/{name}"') == 1, name
    assert "= function" not in page


def test_every_function_the_templates_call_is_defined_in_a_file() -> None:
    import geo.map.basemap
    import geo.map.export

    sources = "".join(path.read_text("utf-8") for path in STATIC.glob("*.js"))
    defined = set(re.findall(r"window\.(cm\w+) = function", sources))
    assert set(SHARED) <= defined
    for module in (layers, view, geo.map.basemap, geo.map.export):
        called = set(re.findall(r"window\.(cm\w+)\(", Path(module.__file__).read_text("utf-8")))
        assert called <= defined, (module.__name__, called - defined)


def test_static_links_resolve_offline() -> None:
    m = folium.Map(tiles=None)
    layers.PageStyle(briefing=True).add_to(m)
    page = make_offline(m).get_root().render()
    assert "--cm-scale: 1.6" in page
    assert "font: calc(14px * var(--cm-scale, 1))" in page_code(page)


SQUARE = {"type": "Polygon", "coordinates": [[[40, 30], [41, 30], [41, 31], [40, 31], [40, 30]]]}


def test_country_level_events_are_listed_not_drawn() -> None:
    """A large country's events: in the country list, never a point or an outline; a
    province the basemap has no outline for: a point; one it has: its outline."""
    events = [
        feature(0, level="country", place="Bigland", country="US"),  # 9.6 million km²
        feature(1, level="country", place="Bigland", country="US"),
        feature(2, level="country", place="Smalland", country="LB"),  # 10,400 km²
        feature(3, level="continent", place="Someland", country=""),
        feature(4, level="province", place="Shaped Province"),
        feature(5, level="province", place="Bare Province"),
        feature(6, place="Townville"),
    ]
    shapes = {name_key(n): SQUARE for n in ("Bigland", "Smalland", "Someland", "Shaped Province")}
    points, regions = layers.split_events(events, shapes)
    assert [f["properties"]["id"] for f in points] == ["a:5", "a:6"]
    region = layers.RegionLayer(regions, shapes)
    assert region.data is not None
    outlines = {
        f["properties"]["members"][0]["pl"]: f["properties"]["country"]
        for f in region.data["regions"]["features"]
    }
    assert outlines == {"Shaped Province": False, "Smalland": True}
    listed = {g["name"]: len(g["members"]) for g in region.data["countries"]}
    assert listed == {"Bigland": 2, "Smalland": 1, "Someland": 1}
    # Every event is shown somewhere, once: a point, a province outline or the list.
    assert len(points) + 1 + sum(listed.values()) == len(events)


def test_edge_hints_name_the_located_events_countries() -> None:
    m = folium.Map(tiles=None)
    events = [
        feature(0, country="IQ"),
        feature(1, country="US"),
        feature(2, country="NL"),
        feature(3, country="FR", level="country", place="France"),  # listed, never a hint
        feature(4, country=""),  # a derived place: no country, hinted without a name
    ]
    layers.event_layers(m, events, {})
    hints = next(c for c in m._children.values() if isinstance(c, layers.EdgeHints))
    assert hints.options["places"] == {
        "IQ": "Iraq",
        "NL": "the Netherlands",
        "US": "the United States",
    }


def test_types_differ_in_colour_and_shape() -> None:
    from geo.map import styles

    colours = [c.lower() for c, _ in styles.EVENT_STYLES.values()]
    shapes = [styles.event_shape(t) for t in styles.EVENT_STYLES]
    assert len(set(colours)) == len(colours) and len(set(shapes)) == len(shapes)
    assert set(styles.EVENT_SHAPES) == set(styles.EVENT_STYLES) and set(shapes) <= set(
        styles.SHAPES
    )
    # The pairs the issue found hard to tell apart differ in shape.
    assert styles.event_shape("offensive") != styles.event_shape("airstrike")
    assert styles.event_shape("statement") != styles.event_shape("other")
    # Every polygon covers the circle's area (but "other"'s smaller dot): none looks heavier.
    for name, corners in styles.SHAPES.items():
        if corners and name != "dot":
            area = (
                abs(
                    sum(
                        x0 * y1 - x1 * y0
                        for (x0, y0), (x1, y1) in zip(
                            corners, corners[1:] + corners[:1], strict=True
                        )
                    )
                )
                / 2
            )
            assert abs(area - 3.1416) < 0.05, name
    assert "<polygon" in styles.shape_svg("offensive") and "<circle" in styles.shape_svg("meeting")


def test_popup_without_source_has_no_dangling_separator() -> None:
    bare = popup.event_popup(feature(article_source=None, published=None)["properties"])
    assert "published" not in bare and "· </div>" not in bare and "<br></div>" not in bare
    no_source = popup.event_popup(feature(article_source=None)["properties"])
    assert "<br>published 2016-03-25</div>" in no_source
    both = popup.event_popup(feature()["properties"])
    assert "<bdi>Source</bdi> · published 2016-03-25" in both


def test_popup_shows_the_gazetteer_name_and_id_in_small_type() -> None:
    props = feature(place="Tikrit", gazetteer_name="Tikrīt", geonameid=99131)["properties"]
    html = popup.event_popup(props)
    assert "Tikrit" in html and '<div class="cm-gazetteer">Tikrīt · GeoNames 99131</div>' in html
    same = popup.event_popup(feature(gazetteer_name="Townville", geonameid=7)["properties"])
    assert '<div class="cm-gazetteer">GeoNames 7</div>' in same
    assert "cm-gazetteer" not in popup.event_popup(feature(level="derived")["properties"])
    # The page gets the gazetteer's name only where it differs from the name shown.
    index: dict[str, int] = {}
    assert popup.browser_event({**feature(), "properties": props}, index)["gn"] == "Tikrīt"
    assert "gn" not in popup.browser_event(feature(gazetteer_name="Townville"), index)


def test_the_page_gets_each_events_incident_when_it_has_more_than_one_report() -> None:
    """browser_event: the incident's id (`ic`, the page draws one marker per incident),
    its number of reports (`ir`) and its line (`il`), for an event reported more than once;
    nothing for an event reported once or from a build without incidents."""
    index: dict[str, int] = {}
    shared = popup.browser_event(
        feature(incident_id="I-1", incident_reports=3, incident_sources=2, disagreement=True),
        index,
    )
    assert (shared["ic"], shared["ir"]) == ("I-1", 3)
    assert shared["il"] == "One of 3 reports of this incident (2 sources); the reports disagree"
    assert shared["gp"] == 3  # the anchor's choice (layers.js): precision, then id
    alone = popup.browser_event(feature(incident_id="I-2", incident_reports=1), index)
    old = popup.browser_event(feature(), index)
    for event in (alone, old):
        assert not {"ic", "ir", "il"} & set(event)
    assert "reports of one incident" in layers.Legend().html  # what the badge says


def test_csv_and_geojson_downloads() -> None:
    events = [feature(0, snippet='=HYPERLINK("http://x")', place="+Place")]
    text = tables.to_csv(events).decode("utf-8")
    assert "'=HYPERLINK" in text and "'+Place" in text
    assert json.loads(tables.to_geojson(events))["features"][0]["properties"]["id"] == "a:0"


def test_playback_steps_and_loops() -> None:
    span = (datetime.date(2015, 1, 1), datetime.date(2015, 3, 1))
    state = playback.PlaybackState.from_session(
        {"window": (datetime.date(2015, 1, 1), datetime.date(2015, 1, 31)), "step": "week"}, span
    )
    nxt = state.advanced()
    assert (nxt.start, nxt.end) == (datetime.date(2015, 1, 8), datetime.date(2015, 2, 7))
    at_end = playback.PlaybackState(
        datetime.date(2015, 2, 1), datetime.date(2015, 3, 1), *span
    ).advanced()
    assert at_end.start == span[0]
    assert (
        playback.period_label(datetime.date(2015, 3, 2), datetime.date(2015, 3, 2))
        == "2 March 2015"
    )


def test_add_article_checks_and_writes(tmp_path) -> None:
    import pytest

    from geo.corpus.articles import ArticleError

    path = add_article(
        tmp_path,
        b"Troops entered Ramadi.",
        "My Story.txt",
        published=datetime.date(2016, 1, 4),
        source='The "Source"',
    )
    assert path.name == "my-story.txt"
    assert 'source = "The \\"Source\\""' in path.with_suffix(".toml").read_text("utf-8")
    assert add_article(tmp_path, b"Again.", "My Story.txt").name == "my-story-2.txt"
    with pytest.raises(ArticleError, match="not accepted"):
        add_article(tmp_path, b"x", "evil.exe")
    with pytest.raises(ArticleError, match="limit"):
        add_article(tmp_path, b"x" * 6_000_000, "big.txt")
    with pytest.raises(ArticleError, match="empty"):
        add_article(tmp_path, b"   ", "blank.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "my-story-2.txt",
        "my-story.toml",
        "my-story.txt",
    ]


def test_an_upload_never_takes_another_articles_sidecar(tmp_path) -> None:
    """report.md beside report.txt (with or without a sidecar) gets a stem of its own: its
    sidecar must not become report.txt's too."""
    (tmp_path / "report.txt").write_text("Shelling near Kherson on 3 May 2022.", "utf-8")
    path = add_article(tmp_path, b"Fighting at Bakhmut.", "report.md", source="Wire")
    assert path.name == "report-2.md"
    assert not (tmp_path / "report.toml").exists()
    assert (tmp_path / "report-2.toml").read_text("utf-8") == 'source = "Wire"\n'
    (tmp_path / "notes.toml").write_text('title = "Old"\n', "utf-8")  # a sidecar alone
    assert add_article(tmp_path, b"Text.", "notes.html").name == "notes-2.html"
    assert (tmp_path / "notes.toml").read_text("utf-8") == 'title = "Old"\n'


@pytest.mark.parametrize("uploaded", ["txt", "md", "html", "htm"])
@pytest.mark.parametrize("existing", ["txt", "md", "html", "htm"])
def test_every_pair_of_extensions_keeps_its_own_sidecar(tmp_path, existing, uploaded) -> None:
    """Whatever the two extensions (the same one too), the article already there keeps its
    sidecar and its id, and the upload gets a stem of its own."""
    old = tmp_path / f"report.{existing}"
    old.write_text("Shelling near Kherson on 3 May 2022.", "utf-8")
    (tmp_path / "report.toml").write_text("published = 2022-05-04\n", "utf-8")
    path = add_article(
        tmp_path, b"Fighting at Bakhmut.", f"report.{uploaded}", title="New", source="Wire"
    )
    assert path.stem != "report" and path.suffix == f".{uploaded}"
    assert (tmp_path / "report.toml").read_text("utf-8") == "published = 2022-05-04\n"
    assert path.with_suffix(".toml").exists()
    stems = [p.stem for p in tmp_path.iterdir() if p.suffix != ".toml"]
    assert sorted(stems) == sorted(["report", path.stem])  # two ids, one per article


def test_control_characters_in_a_title_or_source_are_written_as_spaces(tmp_path) -> None:
    import tomllib

    path = add_article(
        tmp_path, b"Text.", "a.txt", title="Bad\x00title\x1b[31m", source="Wire\x01\tfeed\n"
    )
    meta = tomllib.loads(path.with_suffix(".toml").read_text("utf-8"))
    assert meta == {"title": "Bad title [31m", "source": "Wire feed"}


def test_app_download_exports_the_current_view() -> None:
    from geo.map.assets import remote_urls
    from geo.map.export import export_html

    page = export_html(
        [feature(0), feature(1, place="Otherton")],
        [{"id": "a", "title": "Title", "source": "Source", "published": "2016-03-25"}],
    ).decode("utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert remote_urls(page) == []
    assert "Otherton" in page and "cm-slider" in page_code(page)


def test_the_default_window_is_the_busy_period_not_an_old_mention() -> None:
    def feature(day: str) -> dict:
        return {"properties": {"date_start": day, "date_end": day, "granularity": "day"}}

    features = [feature(f"2016-03-{d:02d}") for d in range(1, 21)] + [feature("1992-05-01")]
    span = filters.date_range(features)
    busy = filters.busy_range(features)
    assert span == (datetime.date(1992, 5, 1), datetime.date(2016, 3, 20))
    assert busy == (datetime.date(2016, 3, 1), datetime.date(2016, 3, 19))
    # From the busy period's start to the latest event: the newest news is never cut.
    assert playback.default_window(span, False, busy) == (busy[0], span[1])
    assert playback.default_window(span, True, busy)[0] == busy[0]
    # A corpus without such outliers opens on its whole span.
    even = features[:-1]
    assert playback.default_window(
        filters.date_range(even), False, filters.busy_range(even)
    ) == filters.date_range(even)
    assert filters.busy_range(features[:5]) is None  # too few to tell
