"""What the load and soak benchmarks share: the app on loopback with its process id, memory
probes for the server and the browser, and the load average.

Memory of a process is read from /proc (`VmRSS`): psutil is not a dependency of the project.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

# The browser's command line, once (re-exported for the benchmarks that launch chromium).
from geo.map.snapshot import CHROMIUM, CHROMIUM_ARGS  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
START_THUMB = '.st-key-date_range input[type="range"]'
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
STARTED = time.monotonic()

# In the map frame: what Leaflet holds. `feature_groups` is streamlit-folium's
# window.feature_group, the list of every feature group it was ever sent.
MAP_STATE_JS = """() => {
    var map = window.map, n = 0, clustered = 0;
    if (!map) { return null; }
    n = Object.keys(map._layers).length;
    (window.campaignLayers || []).forEach(function (l) {
        if (l.cluster) { clustered += l.cluster.getLayers().length; }
    });
    return {layers: n, clustered: clustered,
            feature_groups: (window.feature_group || []).length,
            // the page around the map: what the map draws (markers, clusters, labels, edge
            // hints) comes and goes as the briefing map follows the window's events
            elements: document.getElementsByTagName("*").length -
                map.getContainer().getElementsByTagName("*").length,
            visible: Number(document.documentElement.getAttribute("data-visible-events"))};
}"""


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _proc_mb(path: str, field: str) -> float:
    """A "Field:  N kB" line of a /proc file, in MB (0 when the process is gone)."""
    try:
        with open(path, encoding="ascii") as lines:
            for line in lines:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_mb(pid: int) -> float:
    """Resident memory of one process, MB (0 when it is gone)."""
    return _proc_mb(f"/proc/{pid}/status", "VmRSS:")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used, seconds (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pss_mb(pid: int) -> float:
    """Proportional memory of one process, MB: shared pages split between their users, so
    a sum over processes is fair (0 when it is gone or unreadable)."""
    return _proc_mb(f"/proc/{pid}/smaps_rollup", "Pss:")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    children, out, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def tree_pss_mb(pid: int) -> float:
    """Proportional memory of a process and its descendants (a browser and its renderers)."""
    return sum(pss_mb(p) for p in tree(pid))


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and its live descendants (exited ones are not counted)."""
    return sum(cpu_seconds(p) for p in tree(pid))


def chromium_pid(marker: str) -> int | None:
    """The browser process launched with `--cm-marker=<marker>` among its arguments."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                args = cmdline.read().split(b"\0")
        except OSError:
            continue
        if f"--cm-marker={marker}".encode() in args and not any(
            a.startswith(b"--type=") for a in args
        ):
            return int(entry)
    return None


def is_remote(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in {"http", "https", "ws", "wss"} and parsed.hostname not in LOCAL_HOSTS


def require_chromium() -> None:
    if not CHROMIUM.exists():
        sys.exit("Debian chromium is missing: run `make setup` (apt-get install chromium)")


@dataclass
class Server:
    url: str
    pid: int

    def rss_mb(self) -> float:
        return rss_mb(self.pid)


@contextlib.contextmanager
def serve(
    corpus: Path,
    data: Path,
    logs: Path,
    app: Path = ROOT / "app.py",
    options: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """The Streamlit app on loopback (as the browser tests and `campaign-map serve` start it:
    geo.app.server), with the id of the server process, once it answers; stopped on exit."""
    from geo.app import server as app_server

    with app_server.running(
        app,
        cwd=ROOT,
        log=logs,
        options=options,
        timeout=90,
        env={"CAMPAIGN_MAP_CORPUS": str(corpus), "CAMPAIGN_MAP_DATA": str(data), **(env or {})},
    ) as running:
        yield Server(running.url, running.process.pid)


def seed_data(base: Path) -> tuple[Path, Path]:
    """An empty corpus folder (the app never rebuilds) and the seeds' map data."""
    sys.path.insert(0, str(ROOT))
    from geo.corpus.build import build

    corpus, data = base / "corpus", base / "seeds"
    corpus.mkdir()
    build(ROOT / "seeds", data, processes=1, progress=False)
    return corpus, data


# `app.py`, unchanged, with the server-side time of every full script run logged (one JSON
# line: session id, start and end in epoch seconds, how it ended: `ok` or the exception;
# Streamlit's stop and rerun are exceptions too). Fragment reruns do not run it. From the
# first run on, a thread also logs every second how many sessions the server holds (active
# ones, and all, including disconnected ones kept for server.disconnectedSessionTTL) and how
# many memory blocks Python has allocated (sys.getallocatedblocks: a leak of Python objects
# shows there even when freed memory keeps the RSS up).
TIMED_APP = """
import json, runpy, sys, threading, time
from streamlit.runtime.scriptrunner import get_script_run_ctx


def _count_sessions():
    from streamlit.runtime import Runtime

    while True:
        time.sleep(1)
        try:
            mgr = Runtime.instance()._session_mgr
            line = {{"t": time.time(), "sessions": mgr.num_sessions(),
                     "active": mgr.num_active_sessions(), "blocks": sys.getallocatedblocks()}}
        except Exception as exc:  # a probe: never break the app
            line = {{"t": time.time(), "error": repr(exc)}}
        with open({sessions_log!r}, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\\n")


if not getattr(sys, "_cm_session_probe", False):
    sys._cm_session_probe = True
    threading.Thread(target=_count_sessions, daemon=True).start()

started, ended = time.time(), "ok"
try:
    runpy.run_path({app!r}, run_name="__main__")
except BaseException as exc:
    ended = type(exc).__name__
    raise
finally:
    ctx = get_script_run_ctx()
    with open({log!r}, "a", encoding="utf-8") as out:
        out.write(json.dumps({{"session": ctx.session_id if ctx else None, "start": started,
                              "end": time.time(), "ended": ended}}) + "\\n")
"""


def timed_app(folder: Path, log_file: Path, sessions_log: Path) -> Path:
    """A Streamlit script in `folder` that runs `app.py` and logs each run's server-side time
    to `log_file`, and the sessions the server holds to `sessions_log`. Streamlit serves
    static files from beside the main script, so `folder` gets a link to the app's
    `static/`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "static").symlink_to(ROOT / "static", target_is_directory=True)
    script = folder / "timed_app.py"
    script.write_text(
        TIMED_APP.format(
            app=str(ROOT / "app.py"), log=str(log_file), sessions_log=str(sessions_log)
        ),
        encoding="utf-8",
    )
    return script


def read_runs(log_file: Path) -> list[dict]:
    import json

    if not log_file.exists():
        return []
    return [json.loads(line) for line in log_file.read_text("utf-8").splitlines() if line]
