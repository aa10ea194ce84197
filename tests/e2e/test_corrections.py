"""Corrections in a real browser: an app of its own over a small corpus written for these
tests (tests/test_app_corrections.py), with its own data folder, so the corrections file is
written there and nowhere else. An event is picked by a link (`?event=<id>`), corrected
from "Correct this event" under it, and the map data built again shows the correction.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geo.corpus.build import build
from geo.map import filters
from tests.test_app_corrections import write_corpus

from .conftest import running_app, screenshot, wait_idle, wait_map_data
from .test_app import MAP_FRAME

SIDEBAR = '[data-testid="stSidebar"]'


@pytest.fixture(scope="module")
def corrections_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    base = tmp_path_factory.mktemp("corrections")
    corpus, data = write_corpus(base / "corpus"), base / "mapdata"
    build(corpus, data, processes=1, progress=False)
    with running_app(corpus, data) as url:
        yield url, corpus, data


def events(data: Path) -> dict[str, dict]:
    return {
        f["properties"]["id"]: dict(f["properties"])
        for f in filters.load_events(data / "events.geojson")
    }


def open_event(pg, url: str, event_id: str):
    """The app with `event_id` picked, its correction form open; returns the form's panel."""
    pg.goto(f"{url}?event={event_id}", wait_until="domcontentloaded")
    pg.wait_for_selector(MAP_FRAME, timeout=60_000)
    pg.locator(".cm-popup").first.wait_for(timeout=60_000)
    expander = pg.locator('[data-testid="stExpander"]').filter(has_text="Correct this event")
    wait_idle(pg)  # a click during a rerun may hit a button being replaced, and be lost
    expander.first.locator("summary").click()
    wait_idle(pg)
    return expander.first


def saved(pg, text: str) -> None:
    """Until the sidebar says what was saved (Streamlit draws "->" as an arrow)."""
    said = re.compile(re.escape(text).replace("\\->", "(->|→)"))
    try:
        pg.locator(SIDEBAR).get_by_text(said).first.wait_for(timeout=90_000)
    except Exception:
        screenshot(pg, "corrections-not-saved")
        print(pg.locator(SIDEBAR).inner_text()[-600:])
        print(pg.locator('[data-testid="stException"]').all_inner_texts())
        raise


def shows(selectbox, start: str, timeout: float = 30.0) -> None:
    """Until a select box shows a choice starting so (its value is its input's)."""
    deadline = time.monotonic() + timeout
    while not (selectbox.input_value() or "").startswith(start):
        assert time.monotonic() < deadline, (start, selectbox.input_value())
        time.sleep(0.2)


def corrected(pg, text: str) -> None:
    """Until the details panel says the picked event was corrected so."""
    pg.locator(".cm-popup .cm-corrected").filter(has_text=text).first.wait_for(timeout=30_000)


def only_the_apps_file(corpus: Path, data: Path) -> list[dict]:
    """The app's corrections: in its data folder's added-articles folder, never the corpus."""
    assert not (corpus / "corrections.jsonl").exists()
    return [
        json.loads(line)
        for line in (data / "corpus" / "corrections.jsonl").read_text("utf-8").splitlines()
    ]


def test_wrong_place_by_search_and_by_runner_up(page, corrections_app) -> None:
    url, corpus, data = corrections_app
    pg, log, errors = page
    form = open_event(pg, url, "wire:0")
    form.get_by_text("A gazetteer search").click()
    search = form.get_by_label("Search the gazetteer")
    search.fill("kitgúm")
    search.press("Enter")
    shows(form.get_by_label("Place", exact=True), "Kitgum, UG (")
    form.get_by_role("button", name="Save place").click()
    saved(pg, 'Corrected "Gulu": place -> Kitgum')
    # The details panel follows the event to its new place and says what it was.
    pg.locator(".cm-popup .cm-corrected").filter(
        has_text="Corrected: place was Gulu"
    ).first.wait_for(timeout=30_000)
    assert events(data)["wire:0"]["gazetteer_name"] == "Kitgum"
    screenshot(pg, "corrections-search")

    # A runner-up: another Gulu of the gazetteer, chosen from the list.
    form = open_event(pg, url, "paper:0")
    choice = form.get_by_label("Place", exact=True)
    option = pg.get_by_role("option").filter(has_text="Gulu, CN (").first
    # The runner-ups' list, nearest first; typed into, it narrows. A rerun (the map saying
    # where it is) can close it on the way: open it again.
    for _ in range(3):
        choice.click()
        choice.fill("Gulu, CN")
        try:
            option.click(timeout=10_000)
            break
        except PlaywrightTimeout:
            pg.keyboard.press("Escape")
    shows(form.get_by_label("Place", exact=True), "Gulu, CN (")
    form.get_by_role("button", name="Save place").click()
    saved(pg, 'Corrected "Gulu": place -> Gulu (')
    moved = events(data)["paper:0"]
    assert moved["country"] == "CN"
    pg.locator(".cm-popup .cm-gazetteer").filter(
        has_text=f"GeoNames {moved['geonameid']}"
    ).first.wait_for(timeout=30_000)
    kinds = [e["change"]["kind"] for e in only_the_apps_file(corpus, data)]
    assert kinds[-2:] == ["place", "place"]
    assert log.remote() == [], log.remote()
    assert not [e for e in errors if "dialog" in e], errors


def test_not_a_place_removes_its_events(page, corrections_app) -> None:
    url, corpus, data = corrections_app
    pg, _, errors = page
    form = open_event(pg, url, "later:0")
    form.get_by_role("button", name='"Gulu" is not a place').click()
    saved(pg, 'Corrected "Gulu": not a place')
    assert not [p for p in events(data).values() if p["article_id"] == "later"]
    assert only_the_apps_file(corpus, data)[-1]["change"] == {"kind": "not_a_place"}
    # Gone from the page too: no popup in the panel, no marker on the map has its sentence.
    frame = pg.locator(MAP_FRAME).last.content_frame
    frame.locator("html[data-visible-events]").wait_for(state="attached", timeout=60_000)
    wait_map_data(frame)  # the attribute can come before the layers' data
    # Every report of every incident marker (a marker stands for its incident's reports).
    sentences = frame.locator("html").evaluate(
        """() => (window.campaignLayers || []).filter(l => l.kind === "points")
                 .flatMap(l => l.markers.flatMap(
                     m => (m.cmMembers || [m.feature.properties]).map(p => p.sn)))"""
    )
    assert sentences and not [s for s in sentences if "12 May 2019" in s]
    assert not pg.locator(".cm-popup").filter(has_text="12 May 2019").count()
    assert not [e for e in errors if "dialog" in e], errors


def test_a_new_date_is_shown(page, corrections_app) -> None:
    url, corpus, data = corrections_app
    pg, _, errors = page
    form = open_event(pg, url, "wire:72")
    # The range's day fields (year, month and day each a field): the end first, so that the
    # range is never backwards on the way.
    for which, day in (("end", "21"), ("start", "20")):
        form.get_by_role("spinbutton", name=f"day, Dates {which} date").click()
        pg.keyboard.type(day)
    form.get_by_role("button", name="Save correction").click()
    saved(pg, "date 2019-05-20..2019-05-21")
    after = events(data)["wire:72"]
    assert (after["date_start"], after["date_end"]) == ("2019-05-20", "2019-05-21")
    pg.locator(".cm-popup .cm-corrected").filter(
        has_text="date start was 2019-05-05"
    ).first.wait_for(timeout=30_000)
    assert only_the_apps_file(corpus, data)[-1]["change"]["kind"] == "date"
    screenshot(pg, "corrections-date")
    assert not [e for e in errors if "dialog" in e], errors
