"""CSV for spreadsheets: every field of the record (lists joined with "; "), then lat and
lon; UTF-8 with a byte order mark, which is how Excel knows the file is UTF-8 (without it
"Tikrīt" opens as "TikrÄ«t"); cells that a spreadsheet would run as formulas defused."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from geo.corpus.io.fields import Field, as_text, clean_properties, event_fields, lon_lat
from geo.corpus.records import EventFeature

COORDINATE_COLUMNS = ("lat", "lon")
NUMBER_KINDS = frozenset({"integer", "real"})


def csv_safe(value: Any) -> Any:
    """Spreadsheets run cells that start with =, +, - or @ as formulas; article text is
    data, so such cells get a leading apostrophe (OWASP 'CSV injection')."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def _cell(field: Field, value: Any) -> str | None:
    text = as_text(field.kind, value)
    # A number is a number to a spreadsheet ("-3.5" is no formula): only text is defused.
    return text if field.kind in NUMBER_KINDS else csv_safe(text)


def csv_bytes(features: Sequence[EventFeature]) -> bytes:
    """The events as CSV, one row each, in the record's field order, lat and lon last."""
    fields = event_fields(features)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*(f.name for f in fields), *COORDINATE_COLUMNS])
    for feature in features:
        props = clean_properties(feature)
        lon, lat = lon_lat(feature)
        cells = [_cell(f, props.get(f.name)) for f in fields]
        writer.writerow([*cells, lat, lon])
    return buffer.getvalue().encode("utf-8-sig")
