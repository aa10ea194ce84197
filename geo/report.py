"""A readable summary of a `campaign-map geoparse` output file (used by `make run`)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def summarise(path: Path) -> str:
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(raw)
        if record.get("error"):
            lines.append(f"{record['id']}: ERROR {record['error']}")
            continue
        places = Counter(
            (t["name"], t["level"], round(t["lat"], 3), round(t["lon"], 3))
            for t in record["toponyms"] if t.get("role", "place") == "place"
        )
        lines.append(f"{record['id']}: {sum(places.values())} place mentions, "
                     f"{len(places)} places, {len(record['unresolved'])} unresolved")
        for (name, level, lat, lon), count in places.most_common():
            lines.append(f"    {name:<28} {level:<9} {lat:>9}, {lon:<9} x{count}")
        for item in record["unresolved"]:
            lines.append(f"    ? {item['text']!r}: {item['reason']}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarise(Path(sys.argv[1])))
