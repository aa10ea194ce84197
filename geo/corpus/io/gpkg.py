"""GeoPackage, written by GDAL through pyogrio: one layer, "events", of WGS 84 points.

GDAL numbers the rows (a GeoPackage's feature id is an integer); the event id is the
text column `id`. Dates are DATE columns, the lists JSON string lists (QGIS and GDAL read
them as lists).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyogrio

from geo.corpus.io.frame import event_frame
from geo.corpus.records import EventFeature

LAYER = "events"


def write_gpkg(features: Sequence[EventFeature], path: Path) -> None:
    """Write a new GeoPackage at `path` (which must not exist: GDAL would add a layer)."""
    # Arrow's write path keeps the Arrow column types (see frame.py); the default path
    # would write the lists as their repr.
    pyogrio.write_dataframe(event_frame(features), path, layer=LAYER, driver="GPKG", use_arrow=True)
