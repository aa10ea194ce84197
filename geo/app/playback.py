"""Time playback for the app: the date window, stepping it, and the briefing screen's parts."""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from geo.corpus.articles import ARTICLE_SUFFIXES
from geo.corpus.records import EventFeature, EventProperties
from geo.map import export
from geo.map.assets import static_text
from geo.map.escape import escape_text
from geo.map.framing import count_label, is_country_level

# Streamlit's session state (keys str or int) or, in tests, a plain dict.
Session = MutableMapping[Any, Any]

WINDOW_KEY = "window"
# The pace offered beside the dates (days per step; seconds per step): the export's, so
# that Play moves a window alike in the app and in an exported file.
STEPS, SPEEDS = export.STEPS, export.SPEEDS
SPEED_LIMITS = (0.05, 60.0)  # what a URL may ask for (fast: tests; slow: a quiet screen)
# The briefing screen's page CSS (geo/map/static/briefing.css), as st.markdown takes it.
BRIEFING_CSS = f"<style>\n{static_text('briefing.css')}</style>"
# Captions: events longer than this are background ("over the past year"), not news of the
# window; at most MAX_CAPTIONS are sent (the screen shows those that fit), each sentence cut
# at CAPTION_CHARS so that one caption never fills the panel alone.
BACKGROUND_DAYS = 31
MAX_CAPTIONS = 12
CAPTION_CHARS = 220
ONE_DAY = datetime.timedelta(days=1)


@dataclass
class PlaybackState:
    """The date window the map shows, and whether it is moving."""

    start: datetime.date
    end: datetime.date
    lo: datetime.date  # the corpus span
    hi: datetime.date
    playing: bool = False
    step_days: int = 7
    seconds: float = 1.0

    @classmethod
    def from_session(
        cls, session: Session, span: tuple[datetime.date, datetime.date] | None
    ) -> PlaybackState:
        lo, hi = span or (datetime.date.today(), datetime.date.today())
        start, end = session.get(WINDOW_KEY, (lo, hi))
        start, end = max(lo, min(start, hi)), max(lo, min(end, hi))
        return cls(
            start,
            max(start, end),
            lo,
            hi,
            bool(session.get("playing", False)),
            STEPS.get(session.get("step", "week"), 7),
            float(session.get("speed", 1.0)),
        )

    def advanced(self) -> PlaybackState:
        """One step later; past the end it starts again (the briefing screen loops)."""
        width = self.end - self.start
        step = datetime.timedelta(days=self.step_days)
        if self.end >= self.hi:
            return replace(self, start=self.lo, end=min(self.hi, self.lo + width))
        end = min(self.hi, self.end + step)
        return replace(self, start=end - width, end=end)

    def store(self, session: Session) -> None:
        session[WINDOW_KEY] = (self.start, self.end)


def step_due(session: Session, seconds: float, now: float | None = None) -> bool:
    """Whether playback should move on now: once per `seconds`, not on every rerun (a
    filter change while playing must not jump a step), and not on the first run, so the
    screen starts on the first window."""
    now = time.monotonic() if now is None else now
    last = session.get("stepped_at")
    if last is not None and now - last < 0.8 * seconds:
        return False
    session["stepped_at"] = now
    return last is not None


def parse_speed(value: str | None) -> float | None:
    """Seconds per step from a URL's `speed=`, within SPEED_LIMITS; None if unusable."""
    try:
        speed = float(value) if value is not None else None
    except ValueError:
        return None
    if speed is None or not SPEED_LIMITS[0] <= speed <= SPEED_LIMITS[1]:
        return None
    return speed


def init_pace(session: Session, params: Mapping[str, str]) -> None:
    """First visit: the pace from the URL (?speed=2&step=month), else 1 s per week."""
    if "speed" not in session:
        session["speed"] = parse_speed(params.get("speed")) or 1.0
    if "step" not in session:
        session["step"] = params.get("step") if params.get("step") in STEPS else "week"


def speed_choices(current: float) -> list[float]:
    """The sidebar's speeds, plus the one a URL asked for."""
    return sorted({*SPEEDS, float(current)})


def default_window(
    span: tuple[datetime.date, datetime.date],
    briefing: bool,
    busy: tuple[datetime.date, datetime.date] | None = None,
) -> tuple[datetime.date, datetime.date]:
    """Desk: the whole campaign, or from the start of its busy period
    (`geo.map.filters.busy_range`) to the end, when old mentions stretch the span to more than
    twice that. Briefing: a moving two-month window from that start."""
    if busy is not None and (span[1] - busy[0]) * 2 < span[1] - span[0]:
        span = (max(span[0], busy[0]), span[1])
    if not briefing:
        return span
    return span[0], min(span[1], span[0] + datetime.timedelta(days=60))


def period_label(start: datetime.date, end: datetime.date) -> str:
    if start == end:
        return start.strftime("%-d %B %Y")
    if start.year == end.year:
        if start.month == end.month:
            return f"{start.day}–{end.day} {end:%B %Y}"
        return f"{start:%-d %b} – {end:%-d %b %Y}"
    return f"{start:%-d %b %Y} – {end:%-d %b %Y}"


def folder_signature(folder: Path) -> tuple[tuple[str, float, int], ...]:
    """Names, times and sizes of a corpus folder's files: changes when files come or go;
    of an archive (a corpus that is one .jsonl or .parquet file), its own."""
    if folder.is_file():
        stat = folder.stat()
        return ((folder.name, stat.st_mtime, stat.st_size),)
    if not folder.is_dir():
        return ()
    entries = []
    for entry in os.scandir(folder):
        if entry.is_file() and entry.name.endswith((*ARTICLE_SUFFIXES, ".toml")):
            stat = entry.stat()
            entries.append((entry.name, stat.st_mtime, stat.st_size))
    return tuple(sorted(entries))


def caption_events(
    visible: Iterable[EventFeature],
    start: datetime.date,
    end: datetime.date,
    limit: int = MAX_CAPTIONS,
) -> list[EventFeature]:
    """The briefing screen's captions: the events that start in the window, newest first.

    An event that started before the window is old news however long it lasts; one longer
    than BACKGROUND_DAYS ("over the past year", "this spring") is background, not something
    that happened in these weeks, and would otherwise stand at the top of every step it
    overlaps. A sentence that gives several places is one caption (its places joined), the
    first of them. `limit` bounds the page's work; the screen shows as many as fit.
    """
    low, high = start.isoformat(), end.isoformat()
    chosen = [
        f
        for f in visible
        if (first := f["properties"]["date_start"])
        and low <= first <= high
        and _days(f) <= BACKGROUND_DAYS
    ]
    chosen.sort(key=lambda f: (f["properties"]["date_start"] or "", f["properties"]["id"]))
    chosen.reverse()
    out: list[EventFeature] = []
    seen: set[tuple[str, str]] = set()
    for feature in chosen:
        p = feature["properties"]
        if (p["article_id"], p["snippet"]) not in seen:
            seen.add((p["article_id"], p["snippet"]))
            out.append(feature)
    return out[:limit]


def _days(feature: EventFeature) -> int:
    p = feature["properties"]
    first, last = p["date_start"], p["date_end"] or p["date_start"]
    if not first or not last:
        return 0
    return (datetime.date.fromisoformat(last) - datetime.date.fromisoformat(first)).days


def caption_date(p: EventProperties) -> str:
    """An event's date as a caption says it: "12 Aug 2014", "Aug 2014", "5–11 January 2015"."""
    first = datetime.date.fromisoformat(p["date_start"] or "")
    last = datetime.date.fromisoformat(p["date_end"] or p["date_start"] or "")
    if first == last:
        return f"{first:%-d %b %Y}"
    if p["granularity"] == "month" and first.day == 1 and (last + ONE_DAY).day == 1:
        return f"{first:%b %Y}"
    return period_label(first, last)


def sentence_places(features: Iterable[EventFeature]) -> dict[tuple[str, str], str]:
    """Each sentence's places, joined: a caption stands for its sentence's events. A country
    only when the sentence names no place in it ("Kajaani, far from the fighting in
    Portugal" is about Kajaani; "Kajaani, Portugal" would misplace it)."""
    located: dict[tuple[str, str], dict[str, None]] = {}
    countries: dict[tuple[str, str], dict[str, None]] = {}
    for f in features:
        p = f["properties"]
        key = (p["article_id"], p["snippet"])
        (countries if is_country_level(f) else located).setdefault(key, {})[p["place"]] = None
    return {key: ", ".join(located.get(key) or countries[key]) for key in {*located, *countries}}


def caption_html(feature: EventFeature, places: str | None = None) -> str:
    """One caption: when and where (`places`, else the event's place) in the caption colour,
    then the article's sentence. Its `<time datetime>` is the event's start, which the
    browser test reads."""
    p = feature["properties"]
    snippet = p["snippet"]
    if len(snippet) > CAPTION_CHARS:
        snippet = snippet[: CAPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return (
        f'<div class="cm-caption"><b><time datetime="{escape_text(p["date_start"])}">'
        f"{escape_text(caption_date(p))}</time> · {escape_text(places or p['place'])}</b>"
        f" — {escape_text(snippet)}</div>"
    )


def briefing_overlay(
    st: Any, state: PlaybackState, visible: list[EventFeature], scope: str = ""
) -> None:
    """The briefing screen's text, over the map's left side (briefing.css): the period, the
    count (located and country-level events, as the app and export count them) with what
    the screen is limited to (`scope`: "verified incidents only") and the captions of the
    events that start in it. One block: the page replaces it in one go.
    The page shows as many captions as fit whole; a caption that would be cut is hidden.
    The window's dates are on the panel for the browser tests."""
    captions = caption_events(visible, state.start, state.end)
    places = sentence_places(visible) if captions else {}
    body = "".join(
        caption_html(f, places.get((f["properties"]["article_id"], f["properties"]["snippet"])))
        for f in captions
    ) or ('<div class="cm-caption cm-quiet">No new events in this period.</div>')
    count = " · ".join(filter(None, [count_label(visible), scope]))
    st.markdown(
        f'<div class="cm-brief" data-start="{state.start}" data-end="{state.end}">'
        f'<div class="cm-period">{escape_text(period_label(state.start, state.end))}'
        f'<span class="cm-count">{escape_text(count)}</span></div>'
        f'<div class="cm-captions">{body}</div></div>',
        unsafe_allow_html=True,
    )
