"""The static export opened from file:// in a real browser, with the network cut."""

from __future__ import annotations

import datetime
import html.parser
import re
from pathlib import Path

from geo.map import filters, framing
from geo.map.export import about_note, article_line, export_map, load_articles, write_export

from .conftest import open_a_popup, screenshot

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


def test_export_works_offline(page, app_data, tmp_path: Path) -> None:
    _, data = app_data
    features = filters.load_events(data / "events.geojson")
    target = tmp_path / "campaign.html"
    size = write_export(export_map(features, load_articles(data / "articles.json")), target)
    # The seeds export stays small: 1.9 MB, most of it the world basemap and its towns.
    assert size < 2_500_000

    pg, log, errors = page
    pg.goto(target.as_uri())
    pg.wait_for_selector("html[data-visible-events]", state="attached", timeout=30_000)
    total = int(pg.locator("html").get_attribute("data-visible-events"))
    assert total > 30
    assert pg.locator(".cm-slider").is_visible() and pg.locator(".cm-legend").is_visible()
    screenshot(pg, "export")

    # Narrow the range to its last day: fewer events.
    pg.evaluate("""() => { const s = window.cmSlider; s.from.value = s.to.value;
                           s.from.dispatchEvent(new Event('input')); }""")
    narrowed = int(pg.locator("html").get_attribute("data-visible-events"))
    assert narrowed < total
    pg.evaluate("""() => { const s = window.cmSlider; s.from.value = 0;
                           s.from.dispatchEvent(new Event('input')); }""")

    snippet = open_a_popup(pg).locator(".cm-snippet")
    assert len(snippet.inner_text()) > 20
    assert pg.locator(".leaflet-popup-content .cm-article").inner_text()
    screenshot(pg, "export-popup")

    assert [u for u in log.urls if not u.startswith(("file:", "data:", "about:"))] == []
    assert not errors, errors


def test_export_is_valid_html(app_data, tmp_path: Path) -> None:
    _, data = app_data
    target = tmp_path / "campaign.html"
    write_export(
        export_map(
            filters.load_events(data / "events.geojson"), load_articles(data / "articles.json")
        ),
        target,
    )
    page = target.read_text("utf-8")

    class Checker(html.parser.HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.errors: list[str] = []

        def handle_starttag(self, tag, attrs) -> None:
            if tag not in VOID:
                self.stack.append(tag)

        def handle_startendtag(self, tag, attrs) -> None:
            if tag not in VOID:
                self.errors.append(f"<{tag}/> is not a void element")

        def handle_endtag(self, tag) -> None:
            if not self.stack or self.stack[-1] != tag:
                self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            else:
                self.stack.pop()

    checker = Checker()
    checker.feed(page)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert not checker.errors and not checker.stack, (checker.errors[:5], checker.stack)


HOSTILE = (
    "<script>alert(1)</script><img src=x onerror=alert(1)> `${alert(1)}` </script> "
    "\"q\" 'q' \u201cq\u201d \u200f\u200d الموصل"
)


def test_hostile_article_text_stays_text(page, app_data, tmp_path: Path) -> None:
    _, data = app_data
    features = filters.load_events(data / "events.geojson")[:5]
    for feature in features:
        p = feature["properties"]
        p.update(
            snippet=HOSTILE + " " + p["snippet"],
            place=HOSTILE,
            article_title=HOSTILE,
            article_source=HOSTILE,
            actors=[HOSTILE],
            article_url="javascript:alert(1)",
            marks=[],
        )
    target = tmp_path / "hostile.html"
    write_export(export_map(features, [], title=HOSTILE), target)
    pg, log, errors = page
    pg.goto(target.as_uri())
    pg.wait_for_selector("html[data-visible-events]", state="attached", timeout=30_000)
    content = open_a_popup(pg)
    assert "<script>alert(1)</script>" in content.inner_text()  # shown as text
    assert content.locator("script, img, a[href^=javascript]").count() == 0
    assert pg.title() == HOSTILE  # the <title> says it, as text
    pg.locator(".cm-title summary").click()
    assert pg.locator(".cm-title img, .cm-title script").count() == 0
    assert pg.locator("img[src=x]").count() == 0
    assert not errors, errors  # a dialog (alert) would be recorded here


# -- the time control -------------------------------------------------------------------

# "54 events", "54 events located · 17 country-level", "36 incidents (54 reports) · 17
# country-level" (geo.map.framing.count_label).
COUNT = re.compile(
    r"^(?:(\d+) events?(?: located)?|\d+ incidents? \((\d+) reports\))(?: · (\d+) country-level)?$"
)
STATE_JS = """() => { const s = window.cmSlider;
    return {from: +s.from.value, to: +s.to.value, max: +s.to.max,
            period: document.querySelector(".cm-slider-period").textContent,
            count: document.querySelector(".cm-slider-count").textContent,
            visible: +document.documentElement.getAttribute("data-visible-events")}; }"""


def _open_export(pg, data: Path, tmp_path: Path, **kwargs) -> dict:
    features = filters.load_events(data / "events.geojson")
    target = tmp_path / "campaign.html"
    write_export(export_map(features, load_articles(data / "articles.json"), **kwargs), target)
    pg.goto(target.as_uri())
    pg.wait_for_selector("html[data-cm-applied]", state="attached", timeout=30_000)
    return pg.evaluate(STATE_JS)


def _shown(state: dict) -> int:
    """The events the count says are shown (located and country-level)."""
    match = COUNT.match(state["count"])
    assert match, state["count"]
    return int(match.group(1) or match.group(2)) + int(match.group(3) or 0)


def test_title_count_and_readable_dates(page, app_data, tmp_path: Path) -> None:
    _, data = app_data
    pg, _, errors = page
    state = _open_export(pg, data, tmp_path, title="Spring offensive, seen from the desk")
    assert pg.title() == "Spring offensive, seen from the desk"
    span = filters.date_range(filters.load_events(data / "events.geojson"))
    assert span
    # The whole span, as a reader says dates ("1 Jun 2014 – 6 Dec 2016"), not ISO.
    assert state["from"] == 0 and state["to"] == state["max"] == (span[1] - span[0]).days
    assert str(span[1].year) in state["period"] and "-" not in state["period"]
    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2}\b", state["period"]), state["period"]
    # The count as the app says it: the page's own text when filter.js provides it.
    has_text = pg.evaluate("() => typeof window.cmCountText === 'function'")
    if has_text:
        assert state["count"] == pg.evaluate("() => window.cmCountText()")
    assert _shown(state) > 30
    # Month ticks: labelled ones under the track, a year among them.
    labels = pg.locator(".cm-tick-label").all_inner_texts()
    assert 2 <= len(labels) <= 8 and any(re.fullmatch(r"\d{4}", t) for t in labels), labels
    assert pg.locator(".cm-tick").count() > len(labels)
    screenshot(pg, "export-time-control")
    assert not errors, errors


def test_keys_and_drag_move_the_window(page, app_data, tmp_path: Path) -> None:
    _, data = app_data
    pg, _, errors = page
    whole = _open_export(pg, data, tmp_path)
    days = whole["max"]

    # Keyboard: the last day's handle, a tenth at a time, then a day back.
    pg.locator(".cm-to").focus()
    for _ in range(5):
        pg.keyboard.press("PageDown")
    pg.keyboard.press("ArrowLeft")
    keyed = pg.evaluate(STATE_JS)
    assert keyed["from"] == 0 and 0 < keyed["to"] < days, keyed
    assert keyed["period"] != whole["period"] and _shown(keyed) < _shown(whole)

    # The first day's handle cannot pass the last day's.
    pg.locator(".cm-from").focus()
    pg.keyboard.press("End")
    passed = pg.evaluate(STATE_JS)
    assert passed["from"] == passed["to"] == keyed["to"], passed
    pg.keyboard.press("Home")

    # Both handles are reachable with Tab, then the play button and the step and speed.
    pg.locator(".cm-from").focus()
    order = []
    for _ in range(4):
        pg.keyboard.press("Tab")
        order.append(pg.evaluate("() => document.activeElement.className"))
    assert order == ["cm-to", "cm-play", "cm-step", "cm-speed"], order

    # Drag the first day's handle to the middle of the track with the mouse.
    box = pg.locator(".cm-range").bounding_box()
    thumb = pg.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.cm-range')).height)"
    )
    y = box["y"] + box["height"] / 2
    pg.mouse.move(box["x"] + thumb / 2, y)
    pg.mouse.down()
    pg.mouse.move(box["x"] + box["width"] * 0.3, y, steps=8)
    pg.mouse.up()
    dragged = pg.evaluate(STATE_JS)
    assert 0 < dragged["from"] < dragged["to"] == keyed["to"], dragged
    assert _shown(dragged) <= _shown(keyed)
    assert not errors, errors


def test_play_moves_the_window_keeping_its_width(page, app_data, tmp_path: Path) -> None:
    _, data = app_data
    pg, _, errors = page
    start, end = filters.date_range(filters.load_events(data / "events.geojson")) or (None, None)
    assert start and end
    first = (start + datetime.timedelta(days=30), start + datetime.timedelta(days=120))
    state = _open_export(pg, data, tmp_path, window=first)
    assert (state["from"], state["to"]) == (30, 120), state

    # Play at the fastest pace with a month's step: the window moves on and keeps 90 days.
    pg.select_option(".cm-step", "month")
    pg.select_option(".cm-speed", "0.5")
    pg.locator(".cm-play").click()
    assert pg.locator(".cm-play").get_attribute("aria-pressed") == "true"
    pg.wait_for_function("() => +window.cmSlider.to.value >= 180", timeout=10_000)
    pg.locator(".cm-play").click()
    moved = pg.evaluate(STATE_JS)
    assert pg.locator(".cm-play").get_attribute("aria-pressed") == "false"
    assert moved["to"] - moved["from"] == 90 and (moved["to"] - 120) % 30 == 0, moved
    assert moved["period"] != state["period"]

    # At the end it starts again from the first day, width kept (PlaybackState.advanced).
    pg.evaluate("""() => { const s = window.cmSlider; s.to.value = s.to.max;
                           s.from.value = +s.to.max - 90; s.apply(); s.advance(); }""")
    wrapped = pg.evaluate(STATE_JS)
    assert (wrapped["from"], wrapped["to"]) == (0, 90), wrapped

    # Play from the whole span narrows it first: a moving window, not a still one.
    pg.evaluate("""() => { const s = window.cmSlider; s.from.value = 0;
                           s.to.value = s.to.max; s.apply(); }""")
    pg.locator(".cm-play").click()
    pg.wait_for_function("() => +window.cmSlider.from.value > 0", timeout=10_000)
    pg.locator(".cm-play").click()
    narrowed = pg.evaluate(STATE_JS)
    assert narrowed["to"] - narrowed["from"] < narrowed["max"], narrowed
    assert not errors, errors


def test_about_note_counts_like_the_app_and_lists_articles_cleanly(app_data) -> None:
    _, data = app_data
    features = filters.load_events(data / "events.geojson")
    built = datetime.datetime(2020, 5, 4, 9, 30, tzinfo=datetime.UTC)
    note = about_note(features, features, load_articles(data / "articles.json"), built)
    assert note.startswith("Built 4 May 2020, 09:30 UTC")
    assert framing.count_label(features) in note  # e.g. "54 events located · 17 country-level"
    assert "left out" not in note
    undated = [dict(features[0], properties={**features[0]["properties"], "date_start": None})]
    assert "(1 undated event left out)" in about_note(
        [*features, *undated],
        features,
        [],
        built,  # type: ignore[list-item]
    )
    full = {"title": "Bridge reopened", "source": "Gazette", "published": "2015-03-03"}
    assert (
        article_line(full, "a1")
        == "<bdi>Bridge reopened</bdi> (<bdi>Gazette</bdi>, <bdi>3 Mar 2015</bdi>)"
    )
    no_source = article_line({"title": "Bridge reopened", "published": "2015-03-03"}, "a1")
    assert no_source == "<bdi>Bridge reopened</bdi> (<bdi>3 Mar 2015</bdi>)"
    assert article_line({"source": "", "published": None}, "a1") == "<bdi>a1</bdi>"
