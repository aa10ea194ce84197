"""Time playback for the app: the date window, stepping it, and the briefing screen's parts."""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from geo.corpus.articles import ARTICLE_SUFFIXES
from geo.corpus.records import EventFeature
from geo.map.assets import static_text
from geo.map.escape import escape_text

# Streamlit's session state (keys str or int) or, in tests, a plain dict.
Session = MutableMapping[Any, Any]

WINDOW_KEY = "window"
STEPS = {"week": 7, "day": 1, "month": 30}
SPEEDS = (0.5, 1.0, 2.0, 4.0)  # seconds per step offered in the sidebar
SPEED_LIMITS = (0.05, 60.0)  # what a URL may ask for (fast: tests; slow: a quiet screen)
# The briefing screen's page CSS (geo/map/static/briefing.css), as st.markdown takes it.
BRIEFING_CSS = f"<style>\n{static_text('briefing.css')}</style>"


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
    """Names, times and sizes of a corpus folder's files: changes when files come or go."""
    if not folder.is_dir():
        return ()
    entries = []
    for entry in os.scandir(folder):
        if entry.is_file() and entry.name.endswith((*ARTICLE_SUFFIXES, ".toml")):
            stat = entry.stat()
            entries.append((entry.name, stat.st_mtime, stat.st_size))
    return tuple(sorted(entries))


def caption_panel(st: Any, visible: list[EventFeature], limit: int = 3) -> None:
    """The briefing screen's captions: the latest events of the window, in big type."""
    latest = sorted(
        visible,
        key=lambda f: (f["properties"]["date_end"] or "", f["properties"]["id"]),
        reverse=True,
    )[:limit]
    for feature in latest:
        p = feature["properties"]
        snippet = p["snippet"] if len(p["snippet"]) < 240 else p["snippet"][:237] + "…"
        st.markdown(
            f'<div class="cm-caption"><b>{escape_text(p["date_start"])} · '
            f"{escape_text(p['place'])}</b> — {escape_text(snippet)}</div>",
            unsafe_allow_html=True,
        )
