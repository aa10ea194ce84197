"""Events as files for other tools: GeoJSON, CSV, GeoPackage, KML and GeoParquet.

    write_events(features, Path("events.gpkg"), "gpkg")   # a file, put in place whole
    events_file(features, "kml")                          # the same file as bytes (the app)

Input and output only: the events come filtered from the caller (the map's filters), as
`EventFeature`s. Each format's writer is its own module; `fields` turns the record into
columns for all of them, so a new field of the record reaches every format by itself.
GDAL (through pyogrio) writes the GeoPackage, geopandas with pyarrow the GeoParquet; they
are imported when one of those files is written, so that the app and the command line do
not pay for them at start.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.corpus.io.csvfile import csv_bytes
from geo.corpus.io.files import write_through_folder
from geo.corpus.io.geojson import geojson_bytes
from geo.corpus.io.kml import kml_bytes
from geo.corpus.outputs import write_atomically
from geo.corpus.records import EventFeature


@dataclass(frozen=True)
class ExportFormat:
    name: str  # what --format takes
    suffix: str
    media_type: str
    label: str  # for a button or a help text


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("geojson", ".geojson", "application/geo+json", "GeoJSON"),
        ExportFormat("csv", ".csv", "text/csv", "CSV"),
        ExportFormat("gpkg", ".gpkg", "application/geopackage+sqlite3", "GeoPackage"),
        ExportFormat("kml", ".kml", "application/vnd.google-earth.kml+xml", "KML"),
        ExportFormat("parquet", ".parquet", "application/vnd.apache.parquet", "GeoParquet"),
    )
}

_BYTES_WRITERS: dict[str, Callable[[Sequence[EventFeature]], bytes]] = {
    "geojson": geojson_bytes,
    "csv": csv_bytes,
    "kml": kml_bytes,
}


def _file_writer(name: str) -> Callable[[Sequence[EventFeature], Path], None]:
    """The writer of a format whose library writes the file itself (imported here, late)."""
    if name == "gpkg":
        from geo.corpus.io.gpkg import write_gpkg

        return write_gpkg
    from geo.corpus.io.parquet import write_parquet

    return write_parquet


def _checked(features: Sequence[EventFeature], fmt: str) -> ExportFormat:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; one of: {', '.join(FORMATS)}")
    if not features:
        raise ValueError("no events to write")
    return FORMATS[fmt]


def write_events(features: Sequence[EventFeature], path: Path, fmt: str) -> None:
    """Write the events to `path` in format `fmt` (a key of FORMATS), replacing the file
    whole. ValueError for an unknown format, no events, or an event without a valid point;
    OSError (with `path` in its message) when the file cannot be written there."""
    _checked(features, fmt)
    # Said here in the user's terms; the writers would name their temporary file instead.
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a folder, not a file")
    if fmt in _BYTES_WRITERS:
        write_atomically(path, _BYTES_WRITERS[fmt](features))
        return
    writer = _file_writer(fmt)
    write_through_folder(path, lambda written: writer(features, written))


def events_file(features: Sequence[EventFeature], fmt: str) -> bytes:
    """The file `write_events` writes, as bytes (a download button's data)."""
    export = _checked(features, fmt)
    if fmt in _BYTES_WRITERS:
        return _BYTES_WRITERS[fmt](features)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"events{export.suffix}"
        _file_writer(fmt)(features, path)
        return path.read_bytes()


__all__ = ["FORMATS", "ExportFormat", "events_file", "write_events"]
