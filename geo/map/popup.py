"""An event as the reader sees it: the app's details panel (HTML made here) and the data the
page makes its popups from.

An event's popup has two implementations, one per language: the map's is made in the page
from data (`browser_event`, cmPopup in geo/map/static/popup.js); the app's details panel is
Streamlit Markdown, which runs no script, so it gets HTML made here (`event_popup`). Both
show the same parts; keep them in step. Article text is escaped by `geo.map.escape` here and
by `cmEsc` (geo/map/static/escape.js) in the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from geo.corpus.records import EventFeature, EventProperties
from geo.map.escape import escape_text, safe_url
from geo.map.framing import incident_key
from geo.map.styles import event_style


def highlighted_snippet(props: EventProperties) -> str:
    """The snippet with its place and time expressions marked, everything escaped."""
    snippet = props.get("snippet") or ""
    marks = props.get("marks") or []
    pieces, cursor = [], 0
    for mark in sorted(marks, key=lambda m: m["start"]):
        start, end = int(mark["start"]), int(mark["end"])
        if start < cursor or end > len(snippet):
            continue  # overlapping or stale marks: show the text plain
        pieces.append(escape_text(snippet[cursor:start]))
        kind = "place" if mark.get("kind") == "place" else "time"
        pieces.append(f'<mark class="cm-{kind}">{escape_text(snippet[start:end])}</mark>')
        cursor = end
    pieces.append(escape_text(snippet[cursor:]))
    return "".join(pieces)


def interval_label(props: EventProperties) -> str:
    start, end = props.get("date_start"), props.get("date_end")
    if not start:
        return "undated"
    label = start if start == end else f"{start} – {end}"
    basis = props.get("time_basis")
    if basis == "publication":
        label += " (reported on)"
    elif props.get("planned"):
        label += " (planned)"
    return label


def gazetteer_line(props: EventProperties) -> str:
    """The gazetteer's name of the place and its GeoNames id, in small type, when they say
    more than the name shown ("" for a derived place with neither)."""
    name = props.get("gazetteer_name") or props.get("place") or ""
    geonameid = props.get("geonameid")
    parts = [escape_text(name)] if name != props.get("place") else []
    if geonameid:
        parts.append(f"GeoNames {int(geonameid)}")
    return f'<div class="cm-gazetteer">{" · ".join(parts)}</div>' if parts else ""


def source_line(props: EventProperties) -> str:
    """ "<br>Source · published 2016-03-25" with only the parts the article has: no
    dangling separator when its source or date is missing."""
    parts = [
        f"<bdi>{escape_text(source)}</bdi>" if (source := props.get("article_source")) else "",
        f"published {escape_text(published)}" if (published := props.get("published")) else "",
    ]
    return "<br>" + " · ".join(p for p in parts if p) if any(parts) else ""


def precision_label(props: EventProperties) -> str:
    """ "precision place 1, time 2": the ACLED-style codes (cmPrecision in the page)."""
    label = f"precision place {props.get('geo_precision') or 3}"
    return label + (f", time {time}" if (time := props.get("time_precision")) else "")


def incident_label(props: EventProperties) -> str:
    """ "One of 3 reports of this incident (2 sources); the reports disagree; the incident
    is verified", "" for an event reported once (geo.corpus.incidents; its own status is
    the incident's, said by `correction_label`)."""
    reports = int(props.get("incident_reports") or 1)
    if reports <= 1:
        return ""
    sources = int(props.get("incident_sources") or 0)
    label = f"One of {reports} reports of this incident"
    label += f" ({sources} source{'s' if sources != 1 else ''})" if sources else ""
    label += "; the reports disagree" if props.get("disagreement") else ""
    status = props.get("incident_verification") or "unverified"
    return label + (f"; the incident is {status}" if status != "unverified" else "")


def correction_label(props: EventProperties) -> str:
    """ "Corrected: event type was plan; verified": what analysts changed (geo.corpus
    .corrections), "" when nothing. Made here for both the page and the details panel."""
    corrected = props.get("corrected") or {}
    parts = [
        f"{name.replace('_', ' ')} was {'none' if change.get('was') is None else change['was']}"
        for name, change in sorted(corrected.items())
    ]
    label = f"Corrected: {'; '.join(parts)}" if parts else ""
    status = props.get("verification") or "unverified"
    if status != "unverified":
        label = f"{label}; {status}" if label else status.capitalize()
    return label


def event_popup(props: EventProperties) -> str:
    """An event as HTML for the app's details panel (the map's popups: cmPopup)."""
    color, type_label = event_style(props.get("event_type"))
    # <bdi>: bidi controls in article text (a right-to-left override) stay inside it.
    title = f"<bdi>{escape_text(props.get('article_title') or props.get('article_id'))}</bdi>"
    url = safe_url(props.get("article_url"))
    link = (
        f'<a href="{escape_text(url)}" target="_blank" rel="noopener">{title}</a>' if url else title
    )
    rows = [
        f'<div class="cm-type" style="border-left:6px solid {color}">{escape_text(type_label)}'
        f' · {escape_text(props.get("place"))} <span class="cm-level">'
        f"({escape_text(props.get('level'))})</span></div>",
        gazetteer_line(props),
        f'<div class="cm-when">{escape_text(interval_label(props))}</div>',
        f'<blockquote class="cm-snippet">{highlighted_snippet(props)}</blockquote>',
        f'<div class="cm-article">{link}{source_line(props)}</div>',
    ]
    if props.get("actors"):
        actors = "; ".join(props["actors"])
        rows.append(f'<div class="cm-actors">Actors: {escape_text(actors)}</div>')
    if props.get("figures"):
        figures = "; ".join(props["figures"])
        rows.append(f'<div class="cm-figures">Figures: {escape_text(figures)}</div>')
    if incident := incident_label(props):
        rows.append(f'<div class="cm-incident">{escape_text(incident)}</div>')
    if correction := correction_label(props):
        rows.append(f'<div class="cm-corrected">{escape_text(correction)}</div>')
    rows.append(
        f'<div class="cm-conf">confidence {float(props.get("confidence") or 0):.2f}'
        f"{' · derived place' if props.get('level') == 'derived' else ''}"
        f" · {escape_text(precision_label(props))}</div>"
    )
    return '<div class="cm-popup">' + "".join(rows) + "</div>"


def browser_event(feature: EventFeature, articles: dict[str, int]) -> dict[str, Any]:
    """One event as the browser gets it: short keys, the article by index, no HTML.

    Popups are made in the page by `cmPopup` (geo/map/static/popup.js) when they open:
    pre-rendered HTML for every event would triple the size of a 10,000-event export.
    """
    p = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    marks = p.get("marks") or []
    event: dict[str, Any] = {
        "id": p["id"],
        "n": feature.get("n", -1),
        "start": p.get("date_start") or "",
        "end": p.get("date_end") or "",
        "x": lon,
        "y": lat,
        "ty": p.get("event_type") or "other",
        "pl": p.get("place") or "",
        "gid": p.get("geonameid") or 0,
        "c": p.get("country") or "",
        "lv": p.get("level") or "",
        "b": p.get("time_basis") or "",
        "pn": bool(p.get("planned")),
        "sn": p.get("snippet") or "",
        "mk": [[m["start"], m["end"], 1 if m.get("kind") == "place" else 0] for m in marks],
        "a": articles.setdefault(p.get("article_id") or "", len(articles)),
        "ac": "; ".join(p.get("actors") or ()),
        "fg": "; ".join(p.get("figures") or ()),
        "cf": round(float(p.get("confidence") or 0), 2),
        "r": (p.get("uncertainty_km") or 0) * 1000,
        "gp": p.get("geo_precision") or 3,
        "tp": p.get("time_precision") or 0,
    }
    if correction := correction_label(p):  # sent only for the few an analyst touched
        event["cr"] = correction
    if incident := incident_label(p):  # and for events reported more than once
        event["il"] = incident
    # Their incident, which the page draws as one marker (cmEventLayer, layers.js), and its
    # number of reports; an event reported once is its own incident (its id).
    if (incident_id := incident_key(p)) != event["id"]:
        event["ic"] = incident_id
        event["ir"] = int(p.get("incident_reports") or 1)
    # The gazetteer's name, sent only where it differs from the name shown (a few bytes
    # per event in a 10,000-event export); builds from before it existed have none.
    if (gazetteer := p.get("gazetteer_name")) and gazetteer != event["pl"]:
        event["gn"] = gazetteer
    return event


def browser_articles(features: Iterable[EventFeature], index: dict[str, int]) -> list[dict]:
    """The articles the events refer to, in index order (shared by all their events)."""
    by_id = {f["properties"]["article_id"]: f["properties"] for f in features}
    out = []
    for article_id, _ in sorted(index.items(), key=lambda item: item[1]):
        p = by_id.get(article_id)
        if p is None:
            out.append({"t": article_id, "s": "", "u": "", "p": ""})
            continue
        out.append(
            {
                "t": p["article_title"] or article_id,
                "s": p["article_source"] or "",
                "u": safe_url(p["article_url"]) or "",
                "p": p["published"] or "",
            }
        )
    return out
