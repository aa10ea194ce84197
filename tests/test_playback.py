"""The briefing screen's parts (geo.app.playback): which events get a caption, in which
order, how a caption reads, the period and count over the map; and the map element that
makes the map follow the events (geo.map.follow). Events are made here, by hand.

The screen in a browser (filling it, the captions that fit, the map following the events)
is tests/e2e/test_briefing.py.
"""

from __future__ import annotations

import datetime
import html
import re
from pathlib import Path
from typing import Any

import folium
import pytest

from geo.app import playback
from geo.map import filters
from geo.map.follow import Follow
from geo.map.framing import count_label

D = datetime.date
WINDOW = (D(2021, 3, 1), D(2021, 4, 29))


def event(
    n: int,
    start: str | None,
    end: str | None = None,
    place: str = "Townsville",
    level: str = "city",
    article: str = "a1",
    snippet: str | None = None,
    granularity: str = "day",
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [10.0 + n, 50.0]},
        "n": n,
        "properties": {
            "id": f"{article}:{n:04d}",
            "place": place,
            "level": level,
            "date_start": start,
            "date_end": end if end is not None else start,
            "granularity": granularity,
            "snippet": snippet if snippet is not None else f"Sentence number {n}.",
            "article_id": article,
        },
    }


def starts(features: list[dict[str, Any]]) -> list[str]:
    return [f["properties"]["date_start"] for f in features]


class FakeStreamlit:
    """Records what the panel writes (st.markdown's HTML)."""

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def markdown(self, body: str, unsafe_allow_html: bool = False) -> None:
        assert unsafe_allow_html
        self.blocks.append(body)


def overlay(visible: list[dict[str, Any]], window: tuple[D, D] = WINDOW) -> str:
    st = FakeStreamlit()
    state = playback.PlaybackState(*window, lo=D(2020, 1, 1), hi=D(2022, 1, 1))
    playback.briefing_overlay(st, state, visible)  # type: ignore[arg-type]
    [block] = st.blocks  # one block: the page replaces the panel in one go
    return block


# -- which events, in which order -------------------------------------------------------


def test_captions_are_the_events_that_start_in_the_window_newest_first() -> None:
    visible = [
        event(1, "2021-02-20", "2021-03-05"),  # overlaps the window but started before it
        event(2, "2021-03-01"),  # the window's first day
        event(3, "2021-04-29"),  # its last day
        event(4, "2021-03-15", "2021-03-21", granularity="week"),
        event(5, "2021-04-02"),
        event(6, None),  # undated
    ]
    chosen = playback.caption_events(visible, *WINDOW)
    assert starts(chosen) == ["2021-04-29", "2021-04-02", "2021-03-15", "2021-03-01"]


def test_long_background_events_get_no_caption() -> None:
    visible = [
        event(1, "2021-03-02", "2022-03-01", granularity="year"),  # "over the past year"
        event(2, "2021-03-01", "2021-05-31", granularity="season"),  # "this spring"
        event(3, "2021-03-01", "2021-03-31", granularity="month"),  # "in March": news
        event(4, "2021-03-10"),
    ]
    chosen = playback.caption_events(visible, *WINDOW)
    assert [f["n"] for f in chosen] == [4, 3]
    assert all(playback._days(f) <= playback.BACKGROUND_DAYS for f in chosen)


def test_one_caption_per_sentence_with_its_places() -> None:
    said = "Troops entered Northtown and Southville while the capital watched."
    visible = [
        event(1, "2021-03-10", place="Northtown", snippet=said),
        event(2, "2021-03-10", place="Southville", snippet=said),
        event(3, "2021-03-10", place="Freedonia", level="country", snippet=said),
        event(4, "2021-03-10", place="Northtown", snippet=said, article="a2"),  # another text
        event(5, "2021-03-11", place="Freedonia", level="country"),
    ]
    chosen = playback.caption_events(visible, *WINDOW)
    assert [f["n"] for f in chosen] == [5, 4, 3]  # newest first; one per article's sentence
    places = playback.sentence_places(visible)
    # A country is named only for a sentence that names no place in it.
    assert places[("a1", said)] == "Northtown, Southville"
    assert places[("a2", said)] == "Northtown"
    assert places[("a1", "Sentence number 5.")] == "Freedonia"


def test_captions_limit() -> None:
    visible = [event(n, f"2021-03-{n:02d}") for n in range(1, 29)]
    assert len(playback.caption_events(visible, *WINDOW)) == playback.MAX_CAPTIONS
    assert starts(playback.caption_events(visible, *WINDOW, limit=2)) == [
        "2021-03-28",
        "2021-03-27",
    ]


# -- how a caption reads -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "granularity", "said"),
    [
        ("2021-03-09", "2021-03-09", "day", "9 Mar 2021"),
        ("2021-03-01", "2021-03-31", "month", "Mar 2021"),
        ("2021-02-01", "2021-02-28", "month", "Feb 2021"),
        ("2021-03-08", "2021-03-14", "week", "8–14 March 2021"),
        ("2021-03-27", "2021-03-28", "day", "27–28 March 2021"),
    ],
)
def test_caption_date(start: str, end: str, granularity: str, said: str) -> None:
    assert playback.caption_date(event(1, start, end, granularity=granularity)["properties"]) == (
        said
    )


def test_caption_html_is_escaped_and_carries_the_start_date() -> None:
    hostile = event(1, "2021-03-09", place="<b>X</b>", snippet='<script>alert("x")</script> & so')
    text = playback.caption_html(hostile)
    assert "<script>" not in text and "<b>X</b>" not in text
    assert '<time datetime="2021-03-09">9 Mar 2021</time>' in text
    assert html.unescape(re.sub(r"<[^>]+>", "", text)) == (
        '9 Mar 2021 · <b>X</b> — <script>alert("x")</script> & so'
    )


def test_caption_long_sentence_is_cut_at_a_word() -> None:
    words = "word " * 100
    text = playback.caption_html(event(1, "2021-03-09", snippet=words.strip()))
    said = html.unescape(re.sub(r"<[^>]+>", "", text)).split(" — ", 1)[1]
    assert len(said) <= playback.CAPTION_CHARS and said.endswith("word…")


# -- the panel over the map --------------------------------------------------------------


def test_overlay_period_count_and_captions() -> None:
    visible = [
        event(1, "2021-03-10", place="Northtown"),
        event(2, "2021-04-01", place="Southville"),
        event(3, "2021-02-01", "2021-03-20", place="Westford"),  # on the map, no caption
    ]
    block = overlay(visible)
    assert block.startswith('<div class="cm-brief" data-start="2021-03-01" data-end="2021-04-29">')
    assert f'<div class="cm-period">{playback.period_label(*WINDOW)}' in block
    assert '<span class="cm-count">3 events</span>' in block
    assert block.count('class="cm-caption"') == 2
    assert block.index("Southville") < block.index("Northtown")
    assert "Westford" not in block
    assert "\n" not in block  # raw HTML on one line: Markdown leaves it alone


def test_overlay_says_what_the_screen_is_limited_to() -> None:
    flt = filters.EventFilter(verification=frozenset({"verified"}))
    assert filters.status_label(flt) == "verified incidents only"
    assert filters.status_label(filters.EventFilter()) == ""
    everything = frozenset({"verified", "unverified", "rejected"})
    assert filters.status_label(filters.EventFilter(verification=everything)) == ""
    st = FakeStreamlit()
    state = playback.PlaybackState(*WINDOW, lo=D(2020, 1, 1), hi=D(2022, 1, 1))
    visible = [event(1, "2021-03-10", place="Northtown")]
    playback.briefing_overlay(st, state, visible, filters.status_label(flt))  # type: ignore[arg-type]
    assert '<span class="cm-count">1 event · verified incidents only</span>' in st.blocks[0]


def test_overlay_counts_country_level_events_apart() -> None:
    """With only country-level events in the window, the screen never says "2 events" over
    a map that shows nothing (issue 13)."""
    visible = [
        event(1, "2021-03-10", place="Freedonia", level="country"),
        event(2, "2021-03-12", place="Sylvania", level="country"),
    ]
    block = overlay(visible)
    label = count_label(visible)
    assert label != "2 events" and "country-level" in label
    assert f'<span class="cm-count">{label}</span>' in block


def test_overlay_without_captions_says_so() -> None:
    block = overlay([event(1, "2021-01-01", "2021-12-31", granularity="year")])
    assert "No new events in this period." in block
    assert "<time" not in block


# -- the map follows the events ----------------------------------------------------------


def test_follow_element_loads_its_script_and_style() -> None:
    m = folium.Map(location=[50, 10], zoom_start=5, tiles=None)
    Follow().add_to(m)
    page = m.get_root().render()
    assert f"window.cmFollow({m.get_name()}, " in page
    assert '"minKm": 200.0' in page and '"overlay": ".cm-brief"' in page
    assert "cm-static:follow.js" in page and "cm-static:briefing-map.css" in page


def test_a_corpus_signature_changes_when_its_files_or_its_archive_change(tmp_path: Path) -> None:
    from geo.app.playback import folder_signature

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("Fighting in Gulu.", encoding="utf-8")
    before = folder_signature(folder)
    (folder / "b.txt").write_text("Shelling in Arua.", encoding="utf-8")
    assert folder_signature(folder) != before
    archive = tmp_path / "feed.jsonl"
    archive.write_text('{"id": 1, "text": "Fighting in Gulu."}\n', encoding="utf-8")
    before = folder_signature(archive)
    assert before  # an archive has a signature: the app rebuilds when it grows
    with archive.open("a", encoding="utf-8") as rows:
        rows.write('{"id": 2, "text": "Shelling in Arua."}\n')
    assert folder_signature(archive) != before
    assert folder_signature(tmp_path / "missing") == ()
