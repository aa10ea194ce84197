"""KML 2.2 for Google Earth: one Placemark per event, its place as the name, its sentence
as the description, its dates as a TimeSpan (Google Earth's time slider), every field of
the record as typed ExtendedData (GDAL reads them back as fields).

The event id is the field `event_id` (see `_KML_NAMES`).

Written with `xml.etree`, not GDAL. GDAL's LIBKML driver (3.12, tried through pyogrio) does
write a TimeSpan from `begin`/`end` fields, but it puts text in CDATA sections without
splitting a "]]>" in it, so one sentence quoting it makes the whole file unreadable XML;
and it writes an `id` field as the Placemark's XML id, which must be an XML name (no ":",
as event ids have). GDAL's older KML driver writes no TimeSpan at all.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from geo.corpus.io.fields import Field, FieldKind, as_text, clean_properties, event_fields, lon_lat
from geo.corpus.records import EventFeature

KML_NAMESPACE = "http://www.opengis.net/kml/2.2"
SCHEMA_ID = "events"
# KML's SimpleField types for each kind of field; dates and lists are text.
_KML_TYPES: dict[FieldKind, str] = {"integer": "int", "real": "double", "boolean": "bool"}
# GDAL reads a Placemark's XML id as its field "id" (and would call the record's "id2"):
# the event id goes by another name. It is not the XML id itself, which must be an XML
# name (no ":", no leading digit), as event ids are not.
_KML_NAMES = {"id": "event_id"}
# Characters XML 1.0 cannot hold at all, not even escaped (control characters, U+FFFE/F);
# a file with one is not XML, so they become U+FFFD.
_NOT_XML_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    return _NOT_XML_RE.sub("\ufffd", value)


def kml_name(field: str) -> str:
    """The name of a record's field in the KML's ExtendedData."""
    return _KML_NAMES.get(field, field)


def _decimal(number: float) -> str:
    """A coordinate in plain decimals: KML readers do not all read "1e-05"."""
    return f"{number:.9f}".rstrip("0").rstrip(".")


def _schema(document: ET.Element, fields: Sequence[Field]) -> None:
    schema = ET.SubElement(document, "Schema", name=SCHEMA_ID, id=SCHEMA_ID)
    for f in fields:
        kml_type = _KML_TYPES.get(f.kind, "string")
        ET.SubElement(schema, "SimpleField", name=kml_name(f.name), type=kml_type)


def _time_span(placemark: ET.Element, start: object, end: object) -> None:
    """The event's dates as a TimeSpan; an undated event gets none, so Google Earth shows it
    at every time."""
    if not isinstance(start, str):
        return
    span = ET.SubElement(placemark, "TimeSpan")
    ET.SubElement(span, "begin").text = start
    ET.SubElement(span, "end").text = end if isinstance(end, str) else start


def _placemark(folder: ET.Element, feature: EventFeature, fields: Sequence[Field]) -> None:
    props = clean_properties(feature)
    placemark = ET.SubElement(folder, "Placemark")
    ET.SubElement(placemark, "name").text = xml_text(str(props.get("place") or ""))
    # Google Earth shows a description as HTML: the sentence is escaped for HTML too, so
    # that a "<script>" in an article is shown, not run. The exact text is in ExtendedData.
    description = html.escape(str(props.get("snippet") or ""), quote=False)
    ET.SubElement(placemark, "description").text = xml_text(description)
    _time_span(placemark, props.get("date_start"), props.get("date_end"))
    data = ET.SubElement(ET.SubElement(placemark, "ExtendedData"), "SchemaData")
    data.set("schemaUrl", f"#{SCHEMA_ID}")
    for f in fields:
        text = as_text(f.kind, props.get(f.name))
        if text is not None:  # a missing value is no SimpleData: GDAL reads it as null
            ET.SubElement(data, "SimpleData", name=kml_name(f.name)).text = xml_text(text)
    lon, lat = lon_lat(feature)
    point = ET.SubElement(placemark, "Point")
    ET.SubElement(point, "coordinates").text = f"{_decimal(lon)},{_decimal(lat)}"


def kml_bytes(features: Sequence[EventFeature]) -> bytes:
    fields = event_fields(features)
    kml = ET.Element("kml", xmlns=KML_NAMESPACE)
    document = ET.SubElement(kml, "Document")
    ET.SubElement(document, "name").text = "events"
    _schema(document, fields)
    for feature in features:
        _placemark(document, feature, fields)
    ET.indent(kml, space=" ")
    # As text, then encoded once: ElementTree's own UTF-8 output is twice as slow.
    text = ET.tostring(kml, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{text}\n'.encode()
