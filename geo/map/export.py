"""The static HTML export: one self-contained file with the map, its own time slider, popups,
legend, title and a note of when and from which articles it was built.

It is the app's map (same `geo.map.layers`, legend, popups and offline basemap) in a
different shell: instead of Streamlit widgets, a small Leaflet control filters the events in
the page. Every script, style and image is inlined, so the file opens from `file://` with no
network, for years.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
from branca.element import Figure, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from geo.corpus.outputs import ARTICLES_FILE, read_build
from geo.corpus.records import EventFeature
from geo.map.assets import static_links
from geo.map.basemap import basemap_for, region_shapes
from geo.map.bounds import event_bounds
from geo.map.escape import escape_text
from geo.map.filters import date_range
from geo.map.framing import count_label
from geo.map.layers import HtmlControl, event_layers
from geo.map.view import MapOptions, base_map, finish

# The pace of Play (the app's too: geo.app.playback): days per step by name, and seconds per
# step.
STEPS = {"day": 1, "week": 7, "month": 30}
SPEEDS = (0.5, 1.0, 2.0, 4.0)


class TimeSlider(JSCSSMixin, MacroElement):
    """One track with two handles over the corpus's days (the window), month ticks, the window
    and the count in words, Play/Pause with a step and a speed (window.cmTimeSlider,
    geo/map/static/slider.js).

    Filters through `window.cmApply`: an event is shown when its interval overlaps the window.
    The first window is `window` (clipped to the span), else the whole span.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmTimeSlider({{ this._parent.get_name() }}, {{ this.options | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links("filter.js", "layers.js", "slider.js")
    default_css = static_links("export.css")

    def __init__(
        self,
        start: datetime.date,
        end: datetime.date,
        window: tuple[datetime.date, datetime.date] | None = None,
        step: str = "week",
        speed: float = 1.0,
        dark: bool = False,
    ) -> None:
        super().__init__()
        self._name = "TimeSlider"
        days = max(0, (end - start).days)
        first, last = window or (start, end)
        first_day = min(days, max(0, (first - start).days))
        self.options = {
            "start": start.isoformat(),
            "days": days,
            "from": first_day,
            "to": min(days, max(first_day, (last - start).days)),
            "steps": STEPS,
            "step": step if step in STEPS else "week",
            "speeds": sorted({*SPEEDS, speed}),
            "speed": speed,
            "dark": dark,
        }


class TitleBox(HtmlControl):
    """The export's title and provenance note, top left."""

    default_js = static_links("layers.js")
    default_css = static_links("export.css")

    def __init__(self, title: str, note: str, dark: bool = False) -> None:
        super().__init__(
            f"<h1>{escape_text(title)}</h1>"
            f"<details><summary>About this map</summary>{note}</details>",
            "cm-title cm-dark" if dark else "cm-title",
            "topleft",
        )
        self._name = "TitleBox"


def export_map(
    features: Sequence[EventFeature],
    articles: Sequence[dict[str, Any]],
    title: str = "Campaign Map",
    briefing: bool = False,
    built: datetime.datetime | None = None,
    basemap: Path | None = None,
    window: tuple[datetime.date, datetime.date] | None = None,
    extras: Sequence[MacroElement] = (),
    note: str = "",
) -> folium.Map:
    """The export's map: the app's layers plus the in-page time control and the title box.

    It opens on the bulk of its events (`event_layers`: `framing.frame_bounds`), on
    `basemap` (default: the project's basemap if it covers them, `basemap_for`), showing the
    events of `window` (default: all).
    Undated events cannot be placed on the time control: the note says how many are left out.
    `extras` go on the map under the events (the overview of a large corpus's other events,
    geo.map.large_export), `note` (HTML) at the end of the title box's note.
    """
    dated = [f for f in features if f["properties"].get("date_start")]
    basemap = basemap or basemap_for(None, event_bounds(dated))
    m = base_map(MapOptions(style="dark" if briefing else "light", basemap=basemap))
    # The page's <title> (tab, bookmark, window list); branca writes it unescaped.
    figure = m.get_root()
    if isinstance(figure, Figure):
        figure.title = escape_text(title)
    for extra in extras:
        extra.add_to(m)
    # The events, the legend, the edge hints and the first view: the app's (geo.map.layers).
    event_layers(m, dated, region_shapes(basemap), briefing=briefing)
    span = date_range(dated)
    if span and window:  # the window asked for is on the control, even days without events
        span = (
            min(span[0], window[0]) if window[0] > datetime.date.min else span[0],
            max(span[1], window[1]) if window[1] < datetime.date.max else span[1],
        )
    if span:
        TimeSlider(*span, window=window, dark=briefing).add_to(m)
    built = built or datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    about = about_note(features, dated, articles, built) + note
    TitleBox(title, about, dark=briefing).add_to(m)
    return finish(m)


def about_note(
    features: Sequence[EventFeature],
    dated: Sequence[EventFeature],
    articles: Sequence[dict[str, Any]],
    built: datetime.datetime,
) -> str:
    """ "About this map": when it was built, what it counts (as the app counts: located and
    country-level events), what it leaves out, and the articles it draws on (HTML)."""
    used = sorted({f["properties"]["article_id"] for f in features})
    by_id = {a["id"]: a for a in articles}
    listing = "".join(f"<li>{article_line(by_id.get(i, {}), i)}</li>" for i in used)
    undated = len(features) - len(dated)
    return (
        f"Built {readable_date(built.date().isoformat())}, {built:%H:%M} UTC by Campaign Map "
        f"from {len(used)} article{'s' * (len(used) != 1)}: {count_label(dated)}"
        + (f" ({undated} undated event{'s' * (undated != 1)} left out)" if undated else "")
        + f".<ul>{listing}</ul>"
    )


def article_line(article: dict[str, Any], article_id: str) -> str:
    """ "Title (Source, 3 Mar 2015)", with only the parts the article has: no empty
    parentheses or dangling separators when its source or date is missing (HTML)."""
    title = f"<bdi>{escape_text(article.get('title') or article_id)}</bdi>"
    details = [
        f"<bdi>{escape_text(part)}</bdi>"
        for part in (article.get("source"), readable_date(article.get("published")))
        if part
    ]
    return title + (f" ({', '.join(details)})" if details else "")


def readable_date(value: str | None) -> str:
    """ "2015-03-03" -> "3 Mar 2015" (as the time control says dates); anything else as is."""
    try:
        day = datetime.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return str(value)
    return f"{day.day} {day:%b %Y}" if day else ""


def render_export(m: folium.Map) -> str:
    """The page, checked: no script, style, font or image may come from elsewhere."""
    from geo.map.assets import assert_no_remote_urls

    page = m.get_root().render()
    assert_no_remote_urls(page)
    return page


def export_html(
    features: Sequence[EventFeature],
    articles: Sequence[dict[str, Any]],
    style: str = "light",
    basemap: Path | None = None,
    window: tuple[datetime.date, datetime.date] | None = None,
) -> bytes:
    """The app's download: the current view (its events, opening on its `window`) as an
    export file's bytes."""
    m = export_map(features, articles, briefing=style == "dark", basemap=basemap, window=window)
    return render_export(m).encode("utf-8")


def write_export(m: folium.Map, target: Path) -> int:
    """Render to one file (written atomically); returns its size in bytes."""
    page = render_export(m)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return len(page.encode("utf-8"))


def load_articles(path: Path) -> list[dict[str, Any]]:
    """The articles of the build whose articles.json is `path` (MapDataError, a
    ValueError, when it is damaged)."""
    if path.name != ARTICLES_FILE:
        raise ValueError(f"{path}: a build's articles are in {ARTICLES_FILE}")
    articles: list[dict[str, Any]] = read_build(path.parent).articles["articles"]
    return articles
