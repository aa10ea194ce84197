"""The static export opened from file:// in a real browser, with the network cut."""

from __future__ import annotations

import html.parser
from pathlib import Path

from geo.map import filters
from geo.map.export import export_map, load_articles, write_export

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
    assert size < 1_500_000  # the seeds export stays small

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
    pg.locator(".cm-title summary").click()
    assert pg.locator(".cm-title img, .cm-title script").count() == 0
    assert pg.locator("img[src=x]").count() == 0
    assert not errors, errors  # a dialog (alert) would be recorded here
