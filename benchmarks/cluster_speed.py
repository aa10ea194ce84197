"""Build throughput: the local build against builds on a Dask cluster of 1 and 2 workers,
on a synthetic corpus (the seeds, replicated and varied: build_speed.make_corpus), as a
folder and as a JSON Lines archive; with each worker's memory and the cluster's own cost
(starting the workers, loading the model on each).

    python benchmarks/cluster_speed.py [--articles 2000] [--runs local,cluster1,cluster2]

Every build starts from an empty output folder (no cache). Figures go to docs/results.md;
the projection to a million articles is worked out there from them.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.build_speed import make_corpus  # noqa: E402
from geo.corpus.build import build  # noqa: E402
from geo.corpus.cluster import PLUGIN, GeoparserPlugin  # noqa: E402


def write_archive(corpus: Path, archive: Path) -> None:
    """The corpus folder as a JSON Lines archive (id, text, published)."""
    with archive.open("w", encoding="utf-8") as rows:
        for path in sorted(corpus.glob("*.txt")):
            published = path.with_suffix(".toml").read_text("utf-8").split("=")[1].strip()
            row = {"id": path.stem, "text": path.read_text("utf-8"), "published": published}
            rows.write(json.dumps(row) + "\n")


def rss_mb(pid_memory: dict[str, int]) -> str:
    return ", ".join(f"{m / 1e6:.0f}" for m in sorted(pid_memory.values()))


def timed_build(corpus: Path, out: Path, **how: object) -> tuple[float, int, int]:
    started = time.perf_counter()
    summary = build(corpus, out, progress=False, **how)  # type: ignore[arg-type]
    return time.perf_counter() - started, summary.articles, summary.events


def on_cluster(corpus: Path, out: Path, workers: int) -> None:
    import psutil
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    with cluster, Client(cluster) as client:
        client.register_plugin(GeoparserPlugin(), name=PLUGIN)
        ready = time.perf_counter() - started
        idle = client.run(lambda: psutil.Process().memory_info().rss)
        seconds, articles, events = timed_build(corpus, out, scheduler=cluster.scheduler_address)
        busy = client.run(lambda: psutil.Process().memory_info().rss)
    print(
        f"cluster of {workers}: {articles} articles, {events} events in {seconds:.1f} s "
        f"({articles / seconds:.1f} articles/s); starting it and loading the model on each "
        f"worker {ready:.1f} s; worker memory (MB) {rss_mb(idle)} loaded, {rss_mb(busy)} after"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", default="local,cluster1,cluster2,archive")
    args = parser.parse_args()
    runs = args.runs.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        make_corpus(corpus, args.articles)
        for processes in (1, 2):
            if f"local{processes}" in runs or "local" in runs:
                out = Path(tmp) / f"local{processes}"
                seconds, articles, events = timed_build(corpus, out, processes=processes)
                print(
                    f"local build, {processes} process(es): {articles} articles, {events} "
                    f"events in {seconds:.1f} s ({articles / seconds:.1f} articles/s)"
                )
        for workers in (1, 2):
            if f"cluster{workers}" in runs:
                on_cluster(corpus, Path(tmp) / f"cluster{workers}", workers)
        if "archive" in runs:
            archive = Path(tmp) / "corpus.jsonl"
            write_archive(corpus, archive)
            seconds, articles, events = timed_build(archive, Path(tmp) / "archive", processes=2)
            print(
                f"local build of the same articles as one JSON Lines archive, 2 processes: "
                f"{articles} articles in {seconds:.1f} s ({articles / seconds:.1f} articles/s)"
            )


if __name__ == "__main__":
    main()
