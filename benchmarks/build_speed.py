"""Build speed: a 2,000-article corpus (the seeds, replicated and varied), against the
geoparser's own throughput; then a rebuild after adding one article.

    python benchmarks/build_speed.py [--articles 2000]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.corpus.build import build  # noqa: E402
from geo.map.basemap_build import ensure_basemap  # noqa: E402
from geo.map.filters import load_events  # noqa: E402
from geo.pipeline.geoparse import Geoparser  # noqa: E402


def make_corpus(folder: Path, n: int) -> None:
    """n articles: each a seed with its paragraphs shuffled and a sidecar date moved."""
    rng = random.Random(11)
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    for i in range(n):
        seed = seeds[i % len(seeds)]
        paragraphs = seed.read_text("utf-8").split("\n\n")
        head, body = paragraphs[:1], paragraphs[1:]
        rng.shuffle(body)
        (folder / f"a{i:05d}.txt").write_text("\n\n".join(head + body) + f"\n\n[{i}]\n", "utf-8")
        day = rng.randrange(1, 28)
        (folder / f"a{i:05d}.toml").write_text(
            f"published = 2016-{rng.randrange(1, 13):02d}-{day:02d}\n", "utf-8"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus, out = Path(tmp) / "corpus", Path(tmp) / "mapdata"
        corpus.mkdir()
        make_corpus(corpus, args.articles)
        texts = [(p.stem, p.read_text("utf-8")) for p in sorted(corpus.glob("*.txt"))]

        parser_ = Geoparser()
        started = time.perf_counter()
        for _ in parser_.parse_many(texts):
            pass
        geoparse_s = time.perf_counter() - started
        print(
            f"geoparse alone: {len(texts)} articles in {geoparse_s:.1f} s "
            f"({len(texts) / geoparse_s:.1f} articles/s)"
        )

        started = time.perf_counter()
        summary = build(corpus, out, progress=False)
        build_s = time.perf_counter() - started
        print(
            f"full build: {summary.articles} articles, {summary.events} events in "
            f"{build_s:.1f} s ({summary.articles / build_s:.1f} articles/s; "
            f"{build_s / geoparse_s:.2f}x the geoparser's time)"
        )

        started = time.perf_counter()
        build(corpus, out, progress=False)
        print(f"rebuild, nothing changed: {time.perf_counter() - started:.2f} s")

        # `campaign-map build` also makes the folder's basemap when the events' area has
        # none (the in-process builds above did not): made here, as the user's first
        # `campaign-map build` would have made it, so the rebuild below measures a rebuild.
        ensure_basemap(out, load_events(out / "events.geojson"))
        shutil.copy(ROOT / "seeds" / "004_5a53932adf590de1.txt", corpus / "new-article.txt")
        # Measured as a user runs it: a fresh `campaign-map build` process.
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "geo.cli",
                "build",
                "--corpus",
                str(corpus),
                "--out",
                str(out),
                "--quiet",
            ],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        print(
            f"rebuild after adding one article (fresh process): "
            f"{time.perf_counter() - started:.2f} s"
        )
        # As the app does it: a running process that has loaded the model once.
        shutil.copy(ROOT / "seeds" / "003_a4a40e82292800eb.txt", corpus / "newer-article.txt")
        started = time.perf_counter()
        build(corpus, out, progress=False)
        print(
            f"rebuild after adding one article (running process, e.g. the app): "
            f"{time.perf_counter() - started:.2f} s"
        )


if __name__ == "__main__":
    main()
