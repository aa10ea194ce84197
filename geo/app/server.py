"""`python -m geo.app.server run app.py [options]`: Streamlit's own command line, in a process
that has already imported the app's heavy modules.

Streamlit imports an app's modules during the first visitor's first run: here about 1.5 s
(pandas and Altair 0.7 s, folium 0.4 s, the pipeline 0.3 s), all before that visitor's map
can be drawn. Imported once when the server starts, they are in
`sys.modules` for every visitor, the first one included (benchmarks/app_speed.py: "cold").

Also the one place that says how the app is started: `command` (the command line, used by
`campaign-map serve`), `wait_until_up` and `running` (start, wait until it answers, stop; used
by the browser tests and the benchmarks).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

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


def main() -> None:
    started = time.perf_counter()
    for name in PRELOAD:
        importlib.import_module(name)
    print(
        f"Campaign Map: app modules imported in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    from streamlit.web.cli import main as streamlit_main

    streamlit_main(prog_name="streamlit")  # what `python -m streamlit` runs


if __name__ == "__main__":
    main()
