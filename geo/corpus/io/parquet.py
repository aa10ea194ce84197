"""GeoParquet, written by geopandas with pyarrow: WKB points with their CRS in the file's
"geo" metadata, the record's fields with Arrow types (lists of strings as lists)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq

from geo.corpus.io.frame import event_frame
from geo.corpus.records import EventFeature

# pandas's own description of the frame. It names the list columns' type in a form pandas
# cannot read back ("list<item: string>[pyarrow]"), so that pandas.read_parquet and
# geopandas.read_parquet would fail on the file; the Arrow schema says all it says.
PANDAS_METADATA = b"pandas"


def write_parquet(
    features: Sequence[EventFeature],
    path: Path,
    covering_bbox: bool = False,
    from_build: bool = False,
) -> None:
    """`covering_bbox`: a `bbox` column of each point's box, named in the "geo" metadata,
    for readers that filter by area without decoding geometries (the event store);
    `from_build`: the features were read from a build's lines (strict JSON already)."""
    buffer = io.BytesIO()
    # No index column: the row number means nothing to a reader; `id` is the event's id.
    frame = event_frame(features, strict_json=from_build)
    frame.to_parquet(buffer, index=False, write_covering_bbox=covering_bbox)
    table = pq.read_table(io.BytesIO(buffer.getvalue()))
    metadata = {k: v for k, v in (table.schema.metadata or {}).items() if k != PANDAS_METADATA}
    pq.write_table(table.replace_schema_metadata(metadata), path, compression="snappy")
