"""The dashboard's date controls above the map: the range slider with a row of month ticks
under it, From/To date inputs kept in step with it, and Play/Pause, step back and forward,
the step size and the speed beside them.

Every control writes the one date window (`geo.app.playback.WINDOW_KEY`) and every other
control is set from it (`set_window`), so the slider, the date inputs and playback never
disagree. Streamlit lets a widget's value be set only before the widget is drawn in a run:
the callbacks here run first, and playback's step is taken before the controls are drawn.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any

from geo.app import playback
from geo.app.playback import PlaybackState, Session
from geo.map.assets import static_text

RANGE_KEY = "date_range"  # the slider
FROM_KEY, TO_KEY = "date_from", "date_to"  # the date inputs
# Month labels under the slider: at most this many, every 1, 2, 3, 6 or 12 months (or whole
# multiples of a year on a long corpus); every month still gets its tick mark.
MAX_LABELS = 12
LABEL_STEPS = (1, 2, 3, 6, 12)
MAX_MARKS = 120  # beyond ten years, marks only where a label is
# The page CSS of the controls (geo/map/static/timeline.css), as st.markdown takes it.
TIMELINE_CSS = f"<style>\n{static_text('timeline.css')}</style>"


@dataclass(frozen=True)
class Tick:
    """A month's mark under the slider: where (0..1 along the track) and its label ("" for
    a mark alone)."""

    at: float
    label: str
    year: bool  # the first month of a year: a taller mark, the year in the label


def _months(lo: datetime.date, hi: datetime.date) -> list[datetime.date]:
    """The first days of the months after `lo` up to `hi` (and `lo` if it is one)."""
    out = []
    year, month = lo.year, lo.month
    if lo.day != 1:
        year, month = year + month // 12, month % 12 + 1
    while (day := datetime.date(year, month, 1)) <= hi:
        out.append(day)
        year, month = year + month // 12, month % 12 + 1
    return out


def label_step(months: int) -> int:
    """Months between two labels: the smallest of LABEL_STEPS (then whole years) that puts
    at most MAX_LABELS labels on the track."""
    for step in LABEL_STEPS:
        if months <= step * MAX_LABELS:
            return step
    return 12 * -(-months // (12 * MAX_LABELS))  # whole years, rounded up


def month_ticks(span: tuple[datetime.date, datetime.date]) -> list[Tick]:
    """The month marks of the slider's span, labelled every `label_step` months ("Mar",
    the year at January: "2015", and the first label with its year: "Jun 2014")."""
    lo, hi = span
    days = (hi - lo).days
    if days <= 0:
        return []
    months = _months(lo, hi)
    step = label_step(len(months))
    ticks: list[Tick] = []
    for day in months:
        labelled = (day.year * 12 + day.month - 1) % step == 0
        if not labelled and len(months) > MAX_MARKS:
            continue
        if not labelled:
            label = ""
        elif day.month == 1:
            label = str(day.year)
        elif not any(t.label for t in ticks):
            label = f"{day:%b %Y}"
        else:
            label = f"{day:%b}"
        ticks.append(Tick((day - lo).days / days, label, day.month == 1))
    return ticks


def ticks_html(span: tuple[datetime.date, datetime.date]) -> str:
    """The row of month marks under the slider (styled by timeline.css); the labels are
    generated here from dates, nothing from an article."""
    marks = "".join(
        f'<span class="cm-tick{" cm-tick-year" * t.year}{" cm-tick-label" * bool(t.label)}"'
        f' style="left:{t.at * 100:.3f}%">{t.label}</span>'
        for t in month_ticks(span)
    )
    return f'<div class="cm-ticks" aria-hidden="true">{marks}</div>'


# -- one window for every control ------------------------------------------------------


def set_window(session: Session, start: datetime.date, end: datetime.date) -> None:
    """The date window, and every control that shows it. Call it from a callback or before
    the controls are drawn in this run."""
    session[playback.WINDOW_KEY] = (start, end)
    session[RANGE_KEY] = (start, end)
    session[FROM_KEY] = start
    session[TO_KEY] = end


def window_of(session: Session, span: tuple[datetime.date, datetime.date]) -> PlaybackState:
    """The window within the corpus span (and the playback settings)."""
    return PlaybackState.from_session(session, span)


def from_slider(session: Session, span: tuple[datetime.date, datetime.date]) -> None:
    """The slider moved: the window and the date inputs follow."""
    current = window_of(session, span)
    start, end = session.get(RANGE_KEY) or (current.start, current.end)
    set_window(session, start, end)


def from_start(session: Session, span: tuple[datetime.date, datetime.date]) -> None:
    """The From date was typed: the window starts there; its end moves along only if it
    would otherwise end before it starts."""
    current = window_of(session, span)
    start = session.get(FROM_KEY) or current.start  # cleared input: keep the window
    set_window(session, start, max(start, current.end))


def from_end(session: Session, span: tuple[datetime.date, datetime.date]) -> None:
    """The To date was typed: the window ends there (its start moves back if need be)."""
    current = window_of(session, span)
    end = session.get(TO_KEY) or current.end
    set_window(session, min(current.start, end), end)


def stepped_back(state: PlaybackState) -> PlaybackState:
    """One step earlier, the window's width kept; at the start it stays there."""
    width = state.end - state.start
    start = max(state.lo, state.start - datetime.timedelta(days=state.step_days))
    return replace(state, start=start, end=min(state.hi, start + width))


def step(session: Session, span: tuple[datetime.date, datetime.date], forward: bool) -> None:
    """The step buttons: the window one step later (after the end: the start again, as
    playback does) or earlier."""
    current = window_of(session, span)
    moved = current.advanced() if forward else stepped_back(current)
    set_window(session, moved.start, moved.end)


def timer(state: PlaybackState, span: tuple[datetime.date, datetime.date] | None) -> float | None:
    """Seconds between playback steps, None when not playing (the window panel's timer)."""
    return state.seconds if state.playing and span else None


def toggle_play(session: Session) -> None:
    session["playing"] = not session.get("playing", False)


# -- drawing ---------------------------------------------------------------------------


def speed_label(seconds: float) -> str:
    return f"{seconds:g} s per step"


def controls(st: Any, session: Session, span: tuple[datetime.date, datetime.date]) -> None:
    """The date controls (Streamlit `st`, its session state): From, To, step back, Play or
    Pause, step forward, step size and speed on one row; the slider and its month ticks
    under them. Each control's callback moves the window before the rerun draws them."""
    lo, hi = span
    state = window_of(session, span)
    # Every control shows the window (clamped to the span), whatever moved it last: a
    # callback, playback, a shared link or a new corpus.
    set_window(session, state.start, state.end)
    st.markdown(TIMELINE_CSS, unsafe_allow_html=True)
    row = st.columns([1.3, 1.3, 0.5, 0.9, 0.5, 1, 1.2], vertical_alignment="bottom")
    row[0].date_input(
        "From",
        min_value=lo,
        max_value=hi,
        format="YYYY-MM-DD",
        key=FROM_KEY,
        on_change=from_start,
        args=(session, span),
        help="Click its year and type the date's digits (20150301), then Esc or Tab",
    )
    row[1].date_input(
        "To",
        min_value=lo,
        max_value=hi,
        format="YYYY-MM-DD",
        key=TO_KEY,
        on_change=from_end,
        args=(session, span),
    )
    row[2].button(
        "",
        icon=":material/skip_previous:",
        key="step_back",
        on_click=step,
        args=(session, span, False),
        help="One step earlier",
        width="stretch",
    )
    row[3].button(
        "Pause" if state.playing else "Play",
        icon=":material/pause:" if state.playing else ":material/play_arrow:",
        key="play",
        on_click=toggle_play,
        args=(session,),
        type="primary" if state.playing else "secondary",
        width="stretch",
        help="Step the date window through time",
    )
    row[4].button(
        "",
        icon=":material/skip_next:",
        key="step_forward",
        on_click=step,
        args=(session, span, True),
        help="One step later",
        width="stretch",
    )
    row[5].selectbox("Step", list(playback.STEPS), key="step")
    row[6].selectbox(
        "Speed", playback.speed_choices(session["speed"]), key="speed", format_func=speed_label
    )
    st.slider(
        "Dates",
        min_value=lo,
        max_value=hi,
        format="YYYY-MM-DD",
        key=RANGE_KEY,
        on_change=from_slider,
        args=(session, span),
        label_visibility="collapsed",
        help="Events whose dates overlap this range are on the map",
    )
    st.markdown(ticks_html(span), unsafe_allow_html=True)
