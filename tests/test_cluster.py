"""Builds on a Dask cluster (geo.corpus.cluster): the same bytes as a local build, a worker
killed during a build, an article that kills or hangs its workers, a scheduler out of reach.

One two-worker cluster of processes serves the module (starting one costs seconds); the
faults are a test's worker plugin, set up on each worker (and on each worker started in
place of a killed one) and taken down when its test ends."""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pytest
from distributed import Client, LocalCluster, WorkerPlugin

from geo.cli import main
from geo.corpus import cluster as cluster_module
from geo.corpus.build import BuildError, build
from geo.corpus.cluster import BROKE_WORKERS, HUNG_WORKERS, PLUGIN, GeoparserPlugin, HangWatch

from .conftest import SEEDS


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    # As the cluster `--workers` starts: a task whose worker dies is tried once more; one
    # task at a time on a worker.
    with dask.config.set(cluster_module.LOCAL_CONFIG):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    with cluster, Client(cluster) as client:
        yield client


def outputs(out: Path) -> dict[str, bytes]:
    """Every file a build wrote (the cache and the columnar store too), by path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def local_seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("local") / "out"
    build(SEEDS, out, processes=1, progress=False)
    return outputs(out)


class DyingWorker(WorkerPlugin):
    """Makes a worker's process exit in the middle of a task: on the first task of the
    whole cluster (`once`: a marker file says it happened), or on every task holding an
    article with the id `poison`."""

    def __init__(self, marker: Path | None = None, poison: str | None = None) -> None:
        self.marker, self.poison = marker, poison

    def setup(self, worker: Any) -> None:
        self.original = cluster_module.run_jobs

        def run_jobs(jobs: list[Any], *args: Any) -> Any:
            if self.marker is not None and not self.marker.exists():
                self.marker.touch()
                os._exit(1)
            if self.poison is not None and any(j.source.id == self.poison for j in jobs):
                os._exit(1)
            return self.original(jobs, *args)

        cluster_module.run_jobs = run_jobs  # type: ignore[assignment]

    def teardown(self, worker: Any) -> None:
        cluster_module.run_jobs = self.original


@pytest.fixture()
def dying(client: Client) -> Iterator[Any]:
    def register(plugin: DyingWorker) -> None:
        client.register_plugin(plugin, name="dying-worker")

    yield register
    client.unregister_worker_plugin("dying-worker")


def test_a_two_worker_cluster_builds_the_seeds_byte_identically(
    client: Client, tmp_path: Path, local_seeds: dict[str, bytes]
) -> None:
    out = tmp_path / "out"
    summary = build(SEEDS, out, progress=False, scheduler=client.scheduler.address)
    assert summary.parsed == 5 and not summary.skipped
    assert outputs(out) == local_seeds
    # The cache is shared: a local build after it parses nothing.
    assert build(SEEDS, out, processes=1, progress=False).parsed == 0


def worker_malloc(dask_worker: Any) -> tuple[str | None, bool]:
    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), dask_worker.plugins[PLUGIN].malloc_tuned


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_workers_take_back_glibc_s_malloc_limits(client: Client) -> None:
    # The nanny's trim setting, which fixes the mmap threshold, is there; the plugin set
    # both thresholds back (mallopt said yes).
    client.register_plugin(GeoparserPlugin(), name=PLUGIN)
    by_worker = client.run(worker_malloc)
    assert len(by_worker) == 2
    assert all(env is not None and tuned for env, tuned in by_worker.values()), by_worker


def test_a_worker_killed_during_a_build_loses_nothing(
    client: Client, dying: Any, tmp_path: Path, local_seeds: dict[str, bytes]
) -> None:
    marker = tmp_path / "killed"
    dying(DyingWorker(marker=marker))
    out = tmp_path / "out"
    summary = build(SEEDS, out, progress=False, scheduler=client.scheduler.address)
    assert marker.exists()  # a worker did die, holding a task
    assert summary.parsed == 5 and not summary.skipped
    assert outputs(out) == local_seeds  # nothing lost, nothing twice


def test_an_article_that_kills_its_workers_is_named_and_skipped(
    client: Client, dying: Any, tmp_path: Path, local_seeds: dict[str, bytes]
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    # Enough articles for tasks of two (chunked: four tasks a worker), so that the task
    # with the poison is split and its other article still mapped.
    for n in range(11):
        (corpus / f"extra-{n:02}.txt").write_text(f"Note {n}: nothing happened.", "utf-8")
    (corpus / "poison.txt").write_text("Rebels shelled Gulu on 3 May 2021.", encoding="utf-8")
    dying(DyingWorker(poison="poison"))
    out = tmp_path / "out"
    summary = build(corpus, out, progress=False, scheduler=client.scheduler.address)
    assert summary.skipped == [f"poison.txt: {BROKE_WORKERS}"]
    assert summary.articles == 16
    assert (out / "events.geojson").read_bytes() == local_seeds["events.geojson"]


class HangingWorker(WorkerPlugin):
    """Makes every task holding an article with the id `poison` never return: it waits, as
    native code stuck on a lock would, where no time budget's check can stop it."""

    def __init__(self, poison: str) -> None:
        self.poison = poison

    def setup(self, worker: Any) -> None:
        self.original = cluster_module.run_jobs

        def run_jobs(jobs: list[Any], *args: Any) -> Any:
            if any(j.source.id == self.poison for j in jobs):
                time.sleep(3600)
            return self.original(jobs, *args)

        cluster_module.run_jobs = run_jobs  # type: ignore[assignment]

    def teardown(self, worker: Any) -> None:
        cluster_module.run_jobs = self.original


def test_an_article_that_hangs_its_workers_is_named_and_skipped(
    client: Client,
    dying: Any,
    tmp_path: Path,
    local_seeds: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An article's budget of 8 s and a second more: a worker holding it for 9 s is hung.
    monkeypatch.setattr(cluster_module, "HANG_GRACE_S", 1.0)
    monkeypatch.setattr(cluster_module, "WATCH_EVERY_S", 0.5)
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "poison.txt").write_text("Rebels shelled Gulu on 3 May 2021.", encoding="utf-8")
    dying(HangingWorker(poison="poison"))
    out = tmp_path / "out"
    began = time.monotonic()
    summary = build(corpus, out, progress=False, scheduler=client.scheduler.address, budget_s=8)
    assert summary.skipped == [f"poison.txt: {HUNG_WORKERS.format(seconds=9)}"]
    assert (out / "events.geojson").read_bytes() == local_seeds["events.geojson"]
    assert time.monotonic() - began < 120  # two hangs of 9 s, two restarts: not forever


def test_a_worker_is_hung_when_it_holds_the_same_tasks_too_long() -> None:
    watch = HangWatch({"a": 10.0, "b": 30.0, "c": 10.0})
    assert watch.hung({"w1": ["a"], "w2": []}, now=0.0) == {}
    assert watch.hung({"w1": ["a"], "w2": ["c"]}, now=5.0) == {}  # w2's clock starts now
    assert watch.hung({"w1": ["a"], "w2": ["c"]}, now=11.0) == {"w1": ["a"]}
    # Reported once, then watched anew; a worker that moved on is not hung.
    assert watch.hung({"w1": ["a"], "w2": ["b"]}, now=12.0) == {}
    assert watch.hung({"w1": ["a"], "w2": ["b"]}, now=30.0) == {"w1": ["a"]}
    # Two tasks held: the longer allowance counts; an unknown task is never hung.
    watch = HangWatch({"a": 10.0, "b": 30.0})
    watch.hung({"w": ["a", "b"], "x": ["zz"]}, now=0.0)
    assert watch.hung({"w": ["b", "a"], "x": ["zz"]}, now=20.0) == {}
    assert watch.hung({"w": ["a", "b"], "x": ["zz"]}, now=31.0) == {"w": ["a", "b"]}


def a_map_and_a_new_article(tmp_path: Path) -> tuple[Path, Path]:
    """(corpus, out): the seeds built locally into out, then an article added to the
    corpus, so that the next build has one to parse."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    out = tmp_path / "out"
    build(corpus, out, processes=1, progress=False)
    (corpus / "new.txt").write_text("Rebels entered Arua on 3 May 2021.", encoding="utf-8")
    return corpus, out


def map_files(out: Path) -> dict[str, bytes]:
    """The map a build left (its outputs and store; not the cache, which may have grown)."""
    return {k: v for k, v in outputs(out).items() if not k.startswith("cache/")}


def test_an_unreachable_scheduler_is_one_line_and_the_map_stands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, out = a_map_and_a_new_article(tmp_path)
    before = map_files(out)
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT_S", 1.0)
    address = "tcp://127.0.0.1:9"  # the discard port: nobody listens
    with pytest.raises(BuildError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        build(corpus, out, progress=False, scheduler=address)
    assert map_files(out) == before
    code = main(
        ["build", "--corpus", str(corpus), "--out", str(out), "--scheduler", address, "--quiet"]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("campaign-map build: cannot reach the Dask scheduler at tcp://127.0.0")


def test_workers_starts_a_cluster_here(tmp_path: Path, local_seeds: dict[str, bytes]) -> None:
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert outputs(out)["events.geojson"] == local_seeds["events.geojson"]


class OtherPipeline(GeoparserPlugin):
    """A worker with other code or another gazetteer: its pipeline version differs."""

    idempotent = False  # it takes the place of the build's own

    def setup(self, worker: Any) -> None:
        super().setup(worker)
        self.version = "0123456789abcdef"


def test_a_worker_with_another_pipeline_stops_the_build(client: Client, tmp_path: Path) -> None:
    client.register_plugin(OtherPipeline(), name=PLUGIN)
    try:
        with pytest.raises(BuildError, match="runs another pipeline .version 0123456789abcdef"):
            build(SEEDS, tmp_path / "out", progress=False, scheduler=client.scheduler.address)
    finally:
        client.unregister_worker_plugin(PLUGIN)
    assert not (tmp_path / "out" / "events.geojson").exists()


class ShutsTheClusterDown(WorkerPlugin):
    """The first task brings the whole cluster down (its scheduler included), as a
    scheduler's machine lost in the middle of a build."""

    def setup(self, worker: Any) -> None:
        def run_jobs(jobs: list[Any], *args: Any) -> Any:
            from distributed import get_client

            get_client().shutdown()
            time.sleep(60)  # never returns: the cluster goes down around it

        cluster_module.run_jobs = run_jobs  # type: ignore[assignment]


def test_a_scheduler_lost_during_a_build_is_one_line_and_the_map_stands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, out = a_map_and_a_new_article(tmp_path)
    before = map_files(out)
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT_S", 2.0)  # its reconnection too
    cluster = LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.CRITICAL,
    )
    client = Client(cluster)
    client.register_plugin(ShutsTheClusterDown(), name="shuts-down")
    address = cluster.scheduler_address
    try:
        with pytest.raises(BuildError, match=f"lost the scheduler at {address} during the build"):
            build(corpus, out, progress=False, scheduler=address)
    finally:  # what is left of the cluster: gone already, so no waiting for answers
        with contextlib.suppress(Exception):
            client.close(timeout=1)
        with contextlib.suppress(Exception):
            cluster.close(timeout=1)
    assert map_files(out) == before
