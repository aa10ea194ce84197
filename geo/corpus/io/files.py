"""Export files put in place whole: a reader (or a sync tool) never sees half a file, and a
failed export leaves the previous file as it was. The file is readable as any new file of
this user is (mode 0666 less the umask), not private as a temporary file would be."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_through_folder(target: Path, write: Callable[[Path], None]) -> None:
    """`write(path)` into a new private folder beside `target`, then the file renamed over
    `target` (same file system: the rename is atomic). For writers that make the file
    themselves (GDAL, pyarrow): they create it with the umask's mode, and whatever else
    they leave (a GeoPackage's journal) goes with the folder."""
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as folder:
        written = Path(folder) / target.name  # the real name: drivers go by the suffix
        write(written)
        os.replace(written, target)
