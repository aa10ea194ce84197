"""Builds on a Dask cluster (dask.distributed): `campaign-map build --scheduler
tcp://HOST:8786`, or `--workers N` for a cluster of N processes started on this machine.

The cluster runs the work on each article (geo.corpus.work.run_jobs), a task being a few
consecutive articles (their sources in, their cache entries out). Each worker loads the
spaCy model and opens the gazetteer index once, when it joins (`GeoparserPlugin`), never
per task; and each task says which pipeline version its worker runs, so that a worker with
other code or another gazetteer cannot slip different events into the map. The build's
own process keeps the rest: it writes the cache and the outputs, so cluster and local builds
share their cache and make the same bytes.

Faults: a worker that dies (killed, out of memory) loses its task to another worker; a
worker that holds a task longer than its articles' time budgets allow (hung in something
the budget's checks cannot stop: native code) is restarted by its nanny (`HangWatch`),
which the scheduler counts as a task that brought a worker down; a task that has brought
down more workers than the scheduler allows (`allowed-failures`) is split into its
articles, and an article that still does is reported by name and skipped; a scheduler out
of reach, or one without workers, is a BuildError naming its address,
raised before anything is written; so is a scheduler lost during the build (what was
parsed by then is cached, and the outputs are the last build's).
"""

from __future__ import annotations

import ctypes
import logging
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import CancelledError
from contextlib import contextmanager
from typing import Any, cast

import dask
from distributed import Client, Future, LocalCluster, WorkerPlugin, as_completed, get_worker
from distributed.scheduler import KilledWorker

from geo.corpus.work import ArticleJob, BuildError, Outcome, chunked, pipeline_version, run_jobs

PLUGIN = "campaign-map-geoparser"
CONNECT_TIMEOUT_S = 10.0  # for the scheduler to answer, and for a first worker to join
# The cluster this machine starts: a task whose worker died is tried once more, then split
# (see the module's docstring); one task at a time on a worker, so that a worker restarted
# for a hung task takes no waiting task down with it. A scheduler of the user's keeps its
# own settings.
LOCAL_CONFIG = {
    "distributed.scheduler.allowed-failures": 1,
    "distributed.scheduler.worker-saturation": 1.0,
}
BROKE_WORKERS = "stopped the build worker that read it (it crashed or was killed); skipped"
HUNG_WORKERS = "hung the build worker that read it (no answer in {seconds:g} s); skipped"
# A task may take its articles' budgets (each stops at its own) and this much more (a
# worker's pause, a slow disk) before its worker counts as hung.
HANG_GRACE_S = 60.0
POLL_S = 0.05  # how often the build looks for finished tasks
WATCH_EVERY_S = 5.0  # and asks the scheduler which worker holds which task


# Dask's nanny starts its workers with MALLOC_TRIM_THRESHOLD_ set (to hand freed memory
# back to the system), and a threshold set by hand stops glibc from raising its mmap
# threshold as it otherwise does: every array over 128 KiB the model makes is then mapped
# and unmapped anew, and a worker parsed 15-20% slower than a plain process
# (docs/results.md). A worker takes back the ceilings glibc's own raising would reach on a
# 64-bit machine (mallopt(3): DEFAULT_MMAP_THRESHOLD_MAX, and twice it to trim).
MMAP_THRESHOLD_BYTES = 32 << 20
TRIM_THRESHOLD_BYTES = 64 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters, from glibc's malloc.h


def tune_malloc() -> bool:
    """Sets this process's glibc malloc thresholds for parsing; False where the C library
    is not glibc (nothing to do)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "gnu_get_libc_version"):  # musl and others: not glibc's malloc
        return False
    return bool(
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )


class GeoparserPlugin(WorkerPlugin):
    """Loads what the work needs once per worker: the model, the gazetteer index; and sets
    the worker's malloc for it (`tune_malloc`)."""

    # Registered once: a cluster that served an earlier build keeps its loaded models.
    idempotent = True

    def setup(self, worker: Any) -> None:
        from geo.pipeline.geoparse import Geoparser

        self.malloc_tuned = tune_malloc()
        self.parser = Geoparser()
        self.version = pipeline_version()


def _run_task(jobs: list[ArticleJob], budget_s: float | None) -> tuple[str, list[Outcome]]:
    plugin = cast(GeoparserPlugin, get_worker().plugins[PLUGIN])
    return plugin.version, run_jobs(jobs, plugin.parser, budget_s)


@contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Client]:
    """A client of the scheduler at `scheduler`, or of a cluster of `workers` processes
    started here (one thread each: spaCy holds the GIL)."""
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise BuildError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
        with client:
            yield client
        return
    with dask.config.set(LOCAL_CONFIG):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: 8787 may be another cluster's
            silence_logs=logging.ERROR,
        )
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client


def _prepared(client: Client, where: str) -> int:
    """The number of workers, once each has loaded the pipeline (BuildError if none
    joins, or if they cannot load it: no model, no gazetteer index)."""
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except TimeoutError:
        raise BuildError(f"no Dask worker joined {where} in {CONNECT_TIMEOUT_S:g} s") from None
    try:
        client.register_plugin(GeoparserPlugin(), name=PLUGIN)
    except Exception as exc:  # noqa: BLE001 - whatever a worker raised while loading
        raise BuildError(f"the workers of {where} cannot load the pipeline: {exc!r}") from None
    return len(client.scheduler_info(n_workers=-1)["workers"])


class HangWatch:
    """Finds workers that have held the same tasks for longer than those tasks may take
    (`allowance_s`, by task key): hung. A worker's tasks are what the scheduler says it is
    processing; the clock starts when that set last changed."""

    def __init__(self, allowance_s: Mapping[str, float]) -> None:
        self.allowance_s = allowance_s
        self.since: dict[str, tuple[frozenset[str], float]] = {}

    def hung(self, processing: Mapping[str, Sequence[str]], now: float) -> dict[str, list[str]]:
        """The hung workers (by address) and the tasks they hold, from the scheduler's
        `processing` at time `now`; a worker reported once is watched anew."""
        found = {}
        for worker, keys in processing.items():
            held = frozenset(str(k) for k in keys)
            was = self.since.get(worker)
            if not held or was is None or was[0] != held:
                self.since[worker] = (held, now)
                continue
            allowed = max(self.allowance_s.get(k, float("inf")) for k in held)
            if now - was[1] > allowed:
                found[worker] = sorted(held)
                self.since.pop(worker)
        for gone in set(self.since) - set(processing):
            del self.since[gone]
        return found


def _finished(finished: as_completed, watch: Any) -> Iterator[Future]:
    """The futures of `finished` as they finish; while none does, `watch()` every
    WATCH_EVERY_S seconds."""
    watched = time.monotonic()
    while not finished.is_empty():
        if finished.has_ready():
            yield next(finished)
            continue
        if time.monotonic() - watched >= WATCH_EVERY_S:
            watch()
            watched = time.monotonic()
        time.sleep(POLL_S)


def _failure(exc: BaseException, hung_for: float | None) -> str:
    """Why an article's own task failed: it brought workers down (crashed them, or hung
    them `hung_for` seconds), or raised."""
    if not isinstance(exc, KilledWorker):
        return f"failed: {exc!r}"
    return BROKE_WORKERS if hung_for is None else HUNG_WORKERS.format(seconds=hung_for)


def run_on_cluster(
    jobs: Sequence[ArticleJob],
    scheduler: str | None,
    workers: int | None,
    budget_s: float | None,
) -> Iterator[list[Outcome]]:
    """The outcomes of the jobs, a task's at a time as they finish (in no fixed order)."""
    where = f"the scheduler at {scheduler}" if scheduler else "the local cluster"
    with _client(scheduler, workers) as client:
        size = _prepared(client, where)
        tasks: dict[Future, list[ArticleJob]] = {}
        allowance_s: dict[str, float] = {}
        hung: dict[str, float] = {}  # the tasks whose workers were restarted: their allowance
        finished = as_completed(loop=client.loop)

        def submit(task: list[ArticleJob]) -> None:
            future = client.submit(_run_task, task, budget_s, pure=False)
            tasks[future] = task
            if budget_s is not None:  # no budget, no bound on a task's time
                allowance_s[str(future.key)] = len(task) * budget_s + HANG_GRACE_S
            finished.add(future)

        watch = HangWatch(allowance_s)

        def restart_hung() -> None:
            found = watch.hung(client.processing(), time.monotonic())
            if found:
                hung.update((k, allowance_s[k]) for keys in found.values() for k in keys)
                # Its nanny kills the process and starts another; a worker without one is
                # let go (a deployment restarts it), the scheduler's own check the last resort.
                client.restart_workers(list(found), raise_for_error=False)

        for task in chunked(jobs, size):
            submit(task)
        for future in _finished(finished, restart_hung):
            task = tasks.pop(future)
            try:
                version, outcomes = future.result()
            except CancelledError:  # the scheduler is gone: every task's future is cancelled
                raise BuildError(
                    f"lost {where} during the build; the articles parsed so far are cached "
                    "and the next build goes on from them"
                ) from None
            except Exception as exc:  # noqa: BLE001 - a killed worker (KilledWorker), or worse
                if len(task) > 1:  # one of its articles, or none: each is tried alone
                    for job in task:
                        submit([job])
                    continue
                why = _failure(exc, hung.get(str(future.key)))
                outcomes, version = [Outcome(task[0].source, error=why)], pipeline_version()
            if version != pipeline_version():
                raise BuildError(
                    f"a worker of {where} runs another pipeline (version {version}, this "
                    f"build's is {pipeline_version()}): install the same Campaign Map and "
                    "gazetteer on every machine"
                )
            yield outcomes


__all__ = ["BROKE_WORKERS", "HUNG_WORKERS", "GeoparserPlugin", "HangWatch", "run_on_cluster"]
