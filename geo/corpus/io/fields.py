"""The event record as the columns of a table: which fields, of which kind, in which order.

Every writer but GeoJSON (which keeps the record whole) reads the record through here, so
a field added to `EventProperties` reaches every file without a change to a writer. The
order is the record's (`EventProperties` declares it), then any field the record does not
declare, in the order the events first carry it. A field's kind comes from its declared
type when the values agree with it (so that a column keeps its type when a selection's
values happen to be all whole numbers or all missing), else from the values.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from geo.corpus.io.geojson import json_safe, point_geometry
from geo.corpus.records import EventFeature, EventProperties

FieldKind = Literal["text", "integer", "real", "boolean", "date", "text_list", "json"]

# Offsets into the snippet for the page's highlighting: nothing a table or a GIS layer can
# use. GeoJSON keeps them (it is the whole record); the tabular formats leave them out.
PAGE_ONLY_FIELDS = frozenset({"marks"})
# The record's ISO dates (YYYY-MM-DD): date columns where the format has a date type.
DATE_FIELDS = frozenset({"date_start", "date_end", "published"})
# Lists in the formats without list types (CSV, KML): one cell, items joined with this.
LIST_SEPARATOR = "; "

_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Declared types the writers map to a kind; others (Literal aliases such as Level) are
# read from the values.
_DECLARED_KINDS: dict[frozenset[str], FieldKind] = {
    frozenset({"str"}): "text",
    frozenset({"int"}): "integer",
    frozenset({"float"}): "real",
    frozenset({"int", "float"}): "real",
    frozenset({"bool"}): "boolean",
    frozenset({"list[str]"}): "text_list",
}


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind


def _declared_kind(name: str) -> FieldKind | None:
    annotation = EventProperties.__annotations__.get(name)
    if annotation is None:
        return None
    # A string under `from __future__ import annotations`, which TypedDict wraps in a
    # ForwardRef; read as text, never evaluated (that would import the pipeline).
    text = str(getattr(annotation, "__forward_arg__", annotation))
    parts = frozenset(p.strip() for p in text.split("|")) - {"None"}
    return _DECLARED_KINDS.get(parts)


def _is_kind(kind: FieldKind, value: Any) -> bool:
    """`value` (not None) fits a column of `kind`."""
    if kind in ("text", "date"):
        return isinstance(value, str) and (kind == "text" or _is_iso_date(value))
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "real":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "text_list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return True  # json: anything JSON holds


def _is_iso_date(value: str) -> bool:
    """YYYY-MM-DD and a day of the calendar (a date column refuses 2015-02-30)."""
    if _ISO_DATE_RE.fullmatch(value) is None:
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _inferred_kind(values: Sequence[Any]) -> FieldKind:
    """The narrowest kind all values fit; JSON text for a mix."""
    kinds: tuple[FieldKind, ...] = ("boolean", "integer", "real", "text", "text_list")
    return next((k for k in kinds if all(_is_kind(k, v) for v in values)), "json")


def field_kind(name: str, values: Sequence[Any]) -> FieldKind:
    """The kind of column a field's values (None left out) make."""
    declared = _declared_kind(name)
    if name in DATE_FIELDS and declared == "text" and all(_is_kind("date", v) for v in values):
        return "date"
    if declared is not None and all(_is_kind(declared, v) for v in values):
        return declared
    return _inferred_kind(values) if values else "text"


def event_fields(features: Sequence[EventFeature]) -> list[Field]:
    """The columns of these events: every property some event has, but the page-only."""
    values: dict[str, list[Any]] = {}
    for feature in features:
        for name, value in feature["properties"].items():
            present = values.setdefault(name, [])
            if value is not None:
                present.append(value)
    declared = [name for name in EventProperties.__annotations__ if name in values]
    extra = [name for name in values if name not in EventProperties.__annotations__]
    return [
        Field(name, field_kind(name, values[name]))
        for name in declared + extra
        if name not in PAGE_ONLY_FIELDS
    ]


def clean_properties(feature: EventFeature) -> dict[str, Any]:
    """The properties the tabular formats write, as each can hold them: strict-JSON values
    (see `json_safe`), so that a lone surrogate or a NaN cannot stop a writer half-way."""
    kept = {k: v for k, v in feature["properties"].items() if k not in PAGE_ONLY_FIELDS}
    props: dict[str, Any] = json_safe(kept)
    return props


def lon_lat(feature: EventFeature) -> tuple[float, float]:
    """The feature's point; ValueError for one that is not a WGS 84 longitude, latitude."""
    lon, lat = point_geometry(*feature["geometry"]["coordinates"])["coordinates"]
    return lon, lat


def as_text(kind: FieldKind, value: Any) -> str | None:
    """A value as one text cell (CSV, KML): lists joined, booleans as true/false, objects
    as JSON; None stays None (an empty cell)."""
    if value is None:
        return None
    if kind == "text_list":
        return LIST_SEPARATOR.join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
