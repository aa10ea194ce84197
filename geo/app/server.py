"""`python -m geo.app.server run app.py [options]`: Streamlit's own command line, in a process
that has already imported the app's heavy modules.

Streamlit imports an app's modules during the first visitor's first run: here about 1.5 s
(pandas and Altair 0.7 s, folium 0.4 s, the pipeline 0.3 s), all before that visitor's map
can be drawn. Imported once when the server starts, they are in
`sys.modules` for every visitor, the first one included (benchmarks/app_speed.py: "cold").
A large corpus's events are read then too, beside Streamlit's start (`read_large_store`).

Also the one place that says how the app is started: `command` (the command line, used by
`campaign-map serve`), `port_in_use` and `next_free_port` (checked before it starts),
`serve_until_stopped` (the server as a child that the signals stopping `campaign-map serve` stop
too), `wait_until_up` and `running` (start, wait until it answers, stop; used by the browser
tests and the benchmarks).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# The environment variables the app (app.py) reads: its map data folder, its corpus folder,
# and the view every visitor opens ("briefing"); `campaign-map serve` sets them for it.
DATA_ENV = "CAMPAIGN_MAP_DATA"
CORPUS_ENV = "CAMPAIGN_MAP_CORPUS"
VIEW_ENV = "CAMPAIGN_MAP_VIEW"

# Nothing that imports Streamlit (streamlit-folium does): Streamlit reads its configuration
# when first imported, before the command line's options, which it would then ignore.
PRELOAD = (
    "pandas",
    "altair",
    "folium",
    "geo.map.view",
    "geo.map.basemap_build",
    "geo.app.playback",
    "geo.corpus.tables",
    "geo.map.tiles",
    "geo.corpus.build",
    "geo.corpus.ingest",
    "geo.map.export",
    "geo.map.aggregate",
    "geo.map.large_export",
    "geo.app.large_corpus",
)


# Headless always: otherwise Streamlit's first run asks for an e-mail address on the terminal,
# which blocks an unattended start. No file watcher (the app is not edited while it runs); static
# serving for the map's local files.
OPTIONS = (
    "--server.headless",
    "true",
    "--browser.gatherUsageStats",
    "false",
    "--server.fileWatcherType",
    "none",
    "--server.enableStaticServing",
    "true",
)


def command(
    app: Path | str, port: int, *, address: str | None = None, options: Sequence[str] = ()
) -> list[str]:
    """The command line that serves `app` (a Streamlit script) on `port`, through this module;
    `address` limits it to one interface (the tests use 127.0.0.1); `options` are more
    Streamlit options, after ours (the later one wins)."""
    line = [sys.executable, "-m", "geo.app.server", "run", str(app), "--server.port", str(port)]
    if address:
        line += ["--server.address", address]
    return [*line, *OPTIONS, *options]


def wait_until_up(url: str, server: subprocess.Popen | None = None, timeout: float = 60.0) -> bool:
    """Poll `url`'s health endpoint until it answers 200 (True), `server` exits or `timeout`
    seconds pass (False)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while (server is None or server.poll() is None) and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)  # between polls, not a guess at the start-up time
    return False


def port_in_use(port: int) -> bool:
    """Whether Streamlit could not listen on `port`: it binds every interface (IPv4 and IPv6,
    with SO_REUSEADDR as here), so a server on any address of the port takes it."""
    for family, address in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:  # no IPv6 on this machine: nothing can listen there either
            continue
        with sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind((address, port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return True
                if family == socket.AF_INET:  # EACCES (a port below 1024) and the like
                    raise
    return False


def next_free_port(port: int, tries: int = 50) -> int | None:
    """The first port after `port` that nothing listens on, or None within `tries`."""
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        with contextlib.suppress(OSError):
            if not port_in_use(candidate):
                return candidate
    return None


# What stops `campaign-map serve`: a terminal's Ctrl-C, `kill`, a closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOP_GRACE_SECONDS = 10.0  # then the child is killed: a stop must stop


def serve_until_stopped(
    line: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    then: Callable[[subprocess.Popen], object] | None = None,
    grace: float = STOP_GRACE_SECONDS,
) -> int:
    """Run the server command `line` as a child until it exits; `then(server)` runs
    meanwhile (waiting for it to answer, opening a browser). A stop signal to this process
    is passed on to the child, which is killed if it has not exited `grace` seconds later.
    The child has its own process group, so a terminal's Ctrl-C reaches it once, from here.
    The exit status is the child's (128 + N when signal N ended it, as a shell says)."""
    received: list[tuple[int, float]] = []
    children: list[subprocess.Popen] = []

    def forward(signum: int, _frame: object) -> None:
        received.append((signum, time.monotonic()))
        for child in children:
            with contextlib.suppress(OSError):
                child.send_signal(signum)

    # Installed before the child exists: a stop that comes while it starts is not lost.
    previous = {sig: signal.signal(sig, forward) for sig in STOP_SIGNALS}
    try:
        server = subprocess.Popen(list(line), env=dict(env), cwd=cwd, process_group=0)
        children.append(server)
        if received:  # stopped before the child could be told
            server.send_signal(received[0][0])
        elif then is not None:
            then(server)
        while True:
            try:
                code = server.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if received and time.monotonic() - received[0][1] > grace:
                    server.kill()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for child in children:  # this command failed (not the child): the child stops too
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
    return 128 - code if code < 0 else code


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Running:
    url: str  # http://127.0.0.1:<port>, no trailing slash
    process: subprocess.Popen


@contextlib.contextmanager
def running(
    app: Path | str,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    log: Path | None = None,
    options: Sequence[str] = (),
    timeout: float = 60.0,
) -> Iterator[Running]:
    """`app` served on a free loopback port (environment `env` added to this process's), once
    it answers; stopped on exit. Its output goes to `log` (or nowhere); if it exits or does not
    answer within `timeout` seconds, RuntimeError with the log's end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log.open("wb")) if log else subprocess.DEVNULL
        proc = subprocess.Popen(
            command(app, port, address="127.0.0.1", options=options),
            cwd=cwd or Path(app).resolve().parent,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            if not wait_until_up(url, proc, timeout):
                said = log.read_text(errors="replace")[-2000:] if log else ""
                state = (
                    f"exited with {proc.returncode}"
                    if proc.poll() is not None
                    else (f"did not answer in {timeout:.0f} s")
                )
                raise RuntimeError(f"the app {app} on {url} {state}: {said}")
            yield Running(url, proc)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def read_large_store() -> None:
    """A large corpus's events (the app's large page: geo.map.aggregate.load_table_once)
    read before its first visitor asks: a million events take 1.3-1.5 s. Anything amiss
    with the store is left for the app to say."""
    from geo.map import aggregate

    data = Path(os.environ.get(DATA_ENV, "mapdata"))  # as app.py
    try:
        if aggregate.store_event_count(data) >= aggregate.LARGE_EVENTS:
            aggregate.load_table_once(data)
    except (OSError, ValueError):
        return


def main() -> None:
    started = time.perf_counter()
    for name in PRELOAD:
        importlib.import_module(name)
    print(
        f"Campaign Map: app modules imported in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    threading.Thread(target=read_large_store, name="read-large-store", daemon=True).start()
    from streamlit.web.cli import main as streamlit_main

    streamlit_main(prog_name="streamlit")  # what `python -m streamlit` runs


if __name__ == "__main__":
    main()
