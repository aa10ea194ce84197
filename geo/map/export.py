"""The static HTML export: one self-contained file with the map, its own time slider, popups,
legend, title and a note of when and from which articles it was built.

It is the app's map (same `geo.map.layers`, legend, popups and offline basemap) in a
different shell: instead of Streamlit widgets, a small Leaflet control filters the events in
the page. Every script, style and image is inlined, so the file opens from `file://` with no
network, for years.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from geo.corpus.records import EventFeature
from geo.map.assets import static_links
from geo.map.basemap import basemap_for, region_shapes
from geo.map.bounds import event_bounds, focus_bounds
from geo.map.escape import escape_text
from geo.map.filters import date_range
from geo.map.layers import HtmlControl, Legend, event_layers
from geo.map.view import MapOptions, base_map, finish


class TimeSlider(JSCSSMixin, MacroElement):
    """Two range handles over the corpus's days, a play button and the period in big type
    (window.cmTimeSlider, geo/map/static/slider.js).

    Filters through `window.cmApply`: an event is shown when its interval overlaps the range.
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
        self, start: datetime.date, end: datetime.date, step_days: int = 7, interval_ms: int = 800
    ) -> None:
        super().__init__()
        self._name = "TimeSlider"
        self.options = {
            "start": start.isoformat(),
            "days": max(0, (end - start).days),
            "step": step_days,
            "intervalMs": interval_ms,
        }


class TitleBox(HtmlControl):
    """The export's title and provenance note, top left."""

    default_js = static_links("layers.js")
    default_css = static_links("export.css")

    def __init__(self, title: str, note: str) -> None:
        super().__init__(
            f"<h1>{escape_text(title)}</h1>"
            f"<details><summary>About this map</summary>{note}</details>",
            "cm-title",
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
) -> folium.Map:
    """The export's map: the app's layers plus the in-page slider and the title box.

    It opens framing its events (`focus_bounds`), on `basemap` (default: the project's
    basemap if it covers them, `basemap_for`)."""
    dated = [f for f in features if f["properties"].get("date_start")]
    basemap = basemap or basemap_for(None, event_bounds(dated))
    m = base_map(
        MapOptions(
            style="dark" if briefing else "light", basemap=basemap, bounds=focus_bounds(dated)
        )
    )
    regions = event_layers(m, dated, region_shapes(basemap), briefing=briefing)
    Legend(
        types={f["properties"]["event_type"] for f in dated},
        note=("No outline for: " + ", ".join(map(escape_text, regions.missing)))
        if regions.missing
        else "",
    ).add_to(m)
    span = date_range(dated)
    if span:
        TimeSlider(*span).add_to(m)
    used = sorted({f["properties"]["article_id"] for f in features})
    by_id = {a["id"]: a for a in articles}
    built = built or datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    listing = "".join(
        f"<li>{escape_text(by_id.get(i, {}).get('title') or i)}"
        f" ({escape_text(by_id.get(i, {}).get('source') or 'unknown source')},"
        f" {escape_text(by_id.get(i, {}).get('published') or 'undated')})</li>"
        for i in used
    )
    undated = len(features) - len(dated)
    note = (
        f"Built {built.isoformat()} by Campaign Map from {len(used)} articles; "
        f"{len(dated)} dated events"
        + (f" ({undated} undated events left out)" if undated else "")
        + f".<ul>{listing}</ul>"
    )
    TitleBox(title, note).add_to(m)
    return finish(m)


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
) -> bytes:
    """The app's download: the current view as an export file's bytes."""
    m = export_map(features, articles, briefing=style == "dark", basemap=basemap)
    return render_export(m).encode("utf-8")


def write_export(m: folium.Map, target: Path) -> int:
    """Render to one file (written atomically); returns its size in bytes."""
    page = render_export(m)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return len(page.encode("utf-8"))


def load_articles(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8")).get("articles", [])
