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
task that has brought down more workers than the scheduler allows (`allowed-failures`) is
split into its articles, and an article that still does is reported by name and skipped;
a scheduler out of reach, or one without workers, is a BuildError naming its address,
raised before anything is written; so is a scheduler lost during the build (what was
parsed by then is cached, and the outputs are the last build's).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError
from contextlib import contextmanager
from typing import Any, cast

import dask
from distributed import Client, Future, LocalCluster, WorkerPlugin, as_completed, get_worker
from distributed.scheduler import KilledWorker

from geo.corpus.work import ArticleJob, BuildError, Outcome, chunked, pipeline_version, run_jobs

PLUGIN = "campaign-map-geoparser"
CONNECT_TIMEOUT_S = 10.0  # for the scheduler to answer, and for a first worker to join
# On the cluster this machine starts: a task whose worker died is tried once more, then
# split (see the module's docstring); a scheduler of the user's keeps its own setting.
LOCAL_ALLOWED_FAILURES = 1
BROKE_WORKERS = "stopped the build worker that read it (it crashed or was killed); skipped"


class GeoparserPlugin(WorkerPlugin):
    """Loads what the work needs once per worker: the model, the gazetteer index."""

    # Registered once: a cluster that served an earlier build keeps its loaded models.
    idempotent = True

    def setup(self, worker: Any) -> None:
        from geo.pipeline.geoparse import Geoparser

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
    with dask.config.set({"distributed.scheduler.allowed-failures": LOCAL_ALLOWED_FAILURES}):
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
        finished = as_completed(loop=client.loop)

        def submit(task: list[ArticleJob]) -> None:
            future = client.submit(_run_task, task, budget_s, pure=False)
            tasks[future] = task
            finished.add(future)

        for task in chunked(jobs, size):
            submit(task)
        for future in finished:
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
                why = BROKE_WORKERS if isinstance(exc, KilledWorker) else f"failed: {exc!r}"
                outcomes, version = [Outcome(task[0].source, error=why)], pipeline_version()
            if version != pipeline_version():
                raise BuildError(
                    f"a worker of {where} runs another pipeline (version {version}, this "
                    f"build's is {pipeline_version()}): install the same Campaign Map and "
                    "gazetteer on every machine"
                )
            yield outcomes


__all__ = ["BROKE_WORKERS", "GeoparserPlugin", "run_on_cluster"]
