"""Where the project's files are: the package sits in the project root, beside the
curated and generated map data (`mapdata/`) and the npm packages (`assets/`)."""

from __future__ import annotations

from pathlib import Path

GEO = Path(__file__).resolve().parent  # the package
ROOT = GEO.parent
MAPDATA = ROOT / "mapdata"
NODE_MODULES = ROOT / "assets" / "node_modules"
