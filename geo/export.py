"""The static HTML export: one self-contained file with the map, its own time slider, popups,
legend, title and a note of when and from which articles it was built.

It is the app's map (same `geo.mapview` layers, legend, popups and offline basemap) in a
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
from jinja2 import Template

from geo import mapview


class TimeSlider(MacroElement):
    """Two range handles over the corpus's days, a play button and the period in big type.

    Filters through `window.cmApply`: an event is shown when its interval overlaps the range.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var first = new Date({{ this.start | tojson }} + "T00:00:00Z");
            var days = {{ this.days | tojson }};
            function iso(n) {
                return new Date(first.getTime() + n * 86400000).toISOString().slice(0, 10);
            }
            var control = L.control({position: "topright"});
            control.onAdd = function () {
                var div = L.DomUtil.create("div", "cm-slider");
                div.innerHTML =
                    '<div class="cm-slider-period" aria-live="polite"></div>' +
                    '<label>from <input type="range" class="cm-from" min="0" max="' + days +
                    '" value="0" aria-label="start date"></label>' +
                    '<label>to <input type="range" class="cm-to" min="0" max="' + days +
                    '" value="' + days + '" aria-label="end date"></label>' +
                    '<button type="button" class="cm-play" aria-label="play">▶ Play</button>' +
                    '<span class="cm-slider-count"></span>';
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo({{ this._parent.get_name() }});
            var root = control.getContainer();
            var from = root.querySelector(".cm-from"), to = root.querySelector(".cm-to");
            var label = root.querySelector(".cm-slider-period");
            var count = root.querySelector(".cm-slider-count");
            var button = root.querySelector(".cm-play"), timer = null;
            function apply() {
                var a = Math.min(+from.value, +to.value), b = Math.max(+from.value, +to.value);
                var s = iso(a), e = iso(b);
                label.textContent = s === e ? s : s + " – " + e;
                var n = window.cmApply(function (p) {
                    return p.start && p.start <= e && p.end >= s; });
                count.textContent = n + " events";
            }
            function step() {
                var width = +to.value - +from.value;
                if (+to.value >= days) { from.value = 0; to.value = width; }
                else { to.value = Math.min(days, +to.value + {{ this.step }});
                       from.value = +to.value - width; }
                apply();
            }
            from.addEventListener("input", apply);
            to.addEventListener("input", apply);
            button.addEventListener("click", function () {
                if (timer) { clearInterval(timer); timer = null; button.textContent = "▶ Play"; }
                else {
                    if (+to.value - +from.value >= days) { to.value = Math.min(days, 30); }
                    timer = setInterval(step, {{ this.interval_ms }});
                    button.textContent = "❚❚ Pause";
                }
            });
            window.cmSlider = {from: from, to: to, apply: apply};
            apply();
        })();
        {% endmacro %}
        """
    )

    def __init__(self, start: datetime.date, end: datetime.date, step_days: int = 7,
                 interval_ms: int = 800) -> None:
        super().__init__()
        self._name = "TimeSlider"
        self.start = start.isoformat()
        self.days = max(0, (end - start).days)
        self.step = step_days
        self.interval_ms = interval_ms


class TitleBox(MacroElement):
    """The export's title and provenance note, top left."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "topleft"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "cm-title");
            div.innerHTML = {{ this.html | tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        self._name = "TitleBox"
        self.html = (f"<h1>{mapview.escape_text(title)}</h1>"
                     f'<details><summary>About this map</summary>{note}</details>')


EXPORT_CSS = """
.cm-slider { background: rgba(255,255,255,.95); padding: 8px 12px; border-radius: 6px;
  font: 14px system-ui, sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); min-width: 300px; }
.cm-slider label { display: block; }
.cm-slider input { width: 220px; vertical-align: middle; }
.cm-slider-period { font-size: 22px; font-weight: 700; margin-bottom: 4px; }
.cm-slider-count { margin-left: 10px; color: #333; }
.cm-title { background: rgba(255,255,255,.95); padding: 6px 12px; border-radius: 6px;
  max-width: 420px; font: 13px system-ui, sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.cm-title h1 { font-size: 18px; margin: 2px 0; }
"""


def export_map(
    features: Sequence[dict[str, Any]],
    articles: Sequence[dict[str, Any]],
    title: str = "Campaign Map",
    briefing: bool = False,
    built: datetime.datetime | None = None,
) -> folium.Map:
    """The export's map: the app's layers plus the in-page slider and the title box."""
    style = "dark" if briefing else "light"
    m = mapview.base_map(mapview.MapOptions(style=style))
    dated = [f for f in features if f["properties"].get("date_start")]
    regions = mapview.event_layers(m, dated, mapview.region_shapes(), briefing=briefing)
    mapview.Legend(types={f["properties"]["event_type"] for f in dated},
                   note=("No outline for: " + ", ".join(map(mapview.escape_text,
                                                              regions.missing)))
                   if regions.missing else "").add_to(m)
    span = mapview.date_range(dated)
    if span:
        TimeSlider(*span).add_to(m)
    used = sorted({f["properties"]["article_id"] for f in features})
    by_id = {a["id"]: a for a in articles}
    built = built or datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    listing = "".join(
        f"<li>{mapview.escape_text(by_id.get(i, {}).get('title') or i)}"
        f" ({mapview.escape_text(by_id.get(i, {}).get('source') or 'unknown source')},"
        f" {mapview.escape_text(by_id.get(i, {}).get('published') or 'undated')})</li>"
        for i in used
    )
    undated = len(features) - len(dated)
    note = (f"Built {built.isoformat()} by Campaign Map from {len(used)} articles; "
            f"{len(dated)} dated events" + (f" ({undated} undated events left out)"
                                            if undated else "") + f".<ul>{listing}</ul>")
    TitleBox(title, note).add_to(m)
    style_el = mapview.PageStyle(briefing=briefing)
    style_el.css += EXPORT_CSS
    style_el.add_to(m)
    if span:
        bounds = [[min(f["geometry"]["coordinates"][1] for f in dated),
                   min(f["geometry"]["coordinates"][0] for f in dated)],
                  [max(f["geometry"]["coordinates"][1] for f in dated),
                   max(f["geometry"]["coordinates"][0] for f in dated)]]
        m.fit_bounds(bounds, padding=(30, 30), max_zoom=8)
    return mapview.finish(m)


def render_export(m: folium.Map) -> str:
    """The page, checked: no script, style, font or image may come from elsewhere."""
    from geo.assets import assert_no_remote_urls

    page = m.get_root().render()
    assert_no_remote_urls(page)
    return page


def export_html(features: Sequence[dict[str, Any]], articles: Sequence[dict[str, Any]],
                style: str = "light") -> bytes:
    """The app's download: the current view as an export file's bytes."""
    m = export_map(features, articles, briefing=style == "dark")
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
