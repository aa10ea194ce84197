"""Synthetic map data for benchmarks: the seeds' events, replicated with varied dates and
positions, written as a mapdata folder (events.geojson + articles.json).

    python benchmarks/synthetic.py --events 10000 --out /tmp/mapdata-10k
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.corpus.build import build  # noqa: E402
from geo.corpus.incident_lines import with_incidents  # noqa: E402
from geo.corpus.outputs import write_build  # noqa: E402


def synthesize(n_events: int, out: Path, seed: int = 3) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "mapdata"
        build(ROOT / "seeds", data, processes=1, progress=False)
        base = json.loads((data / "events.geojson").read_text("utf-8"))["features"]
        articles = json.loads((data / "articles.json").read_text("utf-8"))
    rng = random.Random(seed)
    start = datetime.date(2014, 6, 1)
    features = []
    for i in range(n_events):
        feature = json.loads(json.dumps(base[i % len(base)]))
        props = feature["properties"]
        day = start + datetime.timedelta(days=rng.randrange(0, 940))
        length = rng.choice([0, 0, 0, 1, 6, 30])
        props["date_start"] = day.isoformat()
        props["date_end"] = (day + datetime.timedelta(days=length)).isoformat()
        props["id"] = f"{props['article_id']}:{i}"
        lon, lat = feature["geometry"]["coordinates"]
        feature["geometry"]["coordinates"] = [
            round(lon + rng.uniform(-0.6, 0.6), 5),
            round(lat + rng.uniform(-0.6, 0.6), 5),
        ]
        features.append(feature)
    # The copies carry their seed's incident: grouped again, as a build groups its events.
    features = [json.loads(line) for line in with_incidents([json.dumps(f) for f in features])]
    out.mkdir(parents=True, exist_ok=True)
    # As a build writes them: the manifest names its events' checksum (else the app takes
    # the events for damaged and builds the map again from its corpus).
    events = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    write_build(out, events, {k: v for k, v in articles.items() if k != "events_sha256"})
    shutil.rmtree(out / "cache", ignore_errors=True)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(synthesize(args.events, args.out))
