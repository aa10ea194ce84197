"""The build's own process at scale: its memory and time to put a parsed corpus together.

Past the parsing (the pool's or the cluster's work), the build's process reads every
article's cache entry, names the places across the corpus, groups the incidents and writes
events.geojson, articles.json and the columnar store. That step runs on one machine
whatever the cluster, so its memory per event says how large a corpus one machine can build.

    python benchmarks/build_memory.py [--articles 2000]

Parses a synthetic corpus once (build_speed.py's), then builds it again from the cache in
a new process with its outputs removed (so they are all written), twice, and prints that
process's resident memory as each step ends, and above what it held before the build: at
its peak, and once the incidents are grouped (what it holds of the corpus while it writes
the outputs: the part that grows with the corpus), per event.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from build_speed import make_corpus  # noqa: E402


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _trace_stages() -> dict[str, float]:
    """Print the resident memory as each step of the build's assembly ends; and keep it."""
    import geo.corpus.build as build_module

    after: dict[str, float] = {}

    def traced(name: str) -> None:
        step = getattr(build_module, name)

        def run(*args: object, **kwargs: object) -> object:
            result = step(*args, **kwargs)
            after[name] = _rss_mb()
            print(f"  after {name}: resident {after[name]:.0f} MB")
            return result

        setattr(build_module, name, run)

    for name in ("_gather", "corpus_names", "with_incidents", "write_build", "write_store"):
        traced(name)
    return after


def assemble(corpus: Path, out: Path) -> None:
    """The measured step, in this (new) process: a build whose articles are all cached."""
    import shutil

    from geo.corpus.build import build

    for name in ("events.geojson", "articles.json", "events.parquet"):
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    after = _trace_stages()
    before = _rss_mb()
    started = time.perf_counter()
    summary = build(corpus, out, processes=1, progress=False)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    events = max(summary.events, 1)
    grown, held = peak - before, after.get("with_incidents", before) - before
    print(
        f"{summary.articles} articles ({summary.parsed} parsed), {summary.events} events: "
        f"{took:.1f} s; resident {before:.0f} MB before, peak {peak:.0f} MB "
        f"(+{grown:.0f} MB, {grown * 1024 / events:.1f} KB an event); held after grouping "
        f"+{held:.0f} MB ({held * 1024 / events:.1f} KB an event)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--folder", help="keep the corpus and its cache here (reused)")
    parser.add_argument("--assemble", nargs=2, metavar=("CORPUS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.assemble:
        assemble(Path(args.assemble[0]), Path(args.assemble[1]))
        return
    from geo.corpus.build import build

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder or tmp)
        corpus, out = folder / "corpus", folder / "mapdata"
        if not corpus.is_dir():
            corpus.mkdir(parents=True)
            make_corpus(corpus, args.articles)
        started = time.perf_counter()
        build(corpus, out, processes=args.processes, progress=False)
        print(f"parsed {args.articles} articles in {time.perf_counter() - started:.0f} s")
        for _ in range(2):
            command = [sys.executable, __file__, "--assemble", str(corpus), str(out)]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
