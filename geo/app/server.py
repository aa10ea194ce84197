"""`python -m geo.app.server run app.py [options]`: Streamlit's own command line, in a process
that has already imported the app's heavy modules.

Streamlit imports an app's modules during the first visitor's first run: here about 1.5 s
(pandas and Altair 0.7 s, folium 0.4 s, the pipeline 0.3 s), all before that visitor's map
can be drawn. Imported once when the server starts, they are in
`sys.modules` for every visitor, the first one included (benchmarks/app_speed.py: "cold").
"""

from __future__ import annotations

import importlib
import sys
import time

# Nothing that imports Streamlit (streamlit-folium does): Streamlit reads its configuration
# when first imported, before the command line's options, which it would then ignore.
PRELOAD = ("pandas", "altair", "folium", "geo.map.mapview", "geo.app.playback", "geo.corpus.tables",
           "geo.map.tiles", "geo.corpus.build", "geo.corpus.ingest", "geo.map.export")


def main() -> None:
    started = time.perf_counter()
    for name in PRELOAD:
        importlib.import_module(name)
    print(f"Campaign Map: app modules imported in {time.perf_counter() - started:.1f} s",
          file=sys.stderr, flush=True)
    from streamlit.web.cli import main as streamlit_main

    streamlit_main(prog_name="streamlit")  # what `python -m streamlit` runs


if __name__ == "__main__":
    main()
