"""Real-browser fixtures: Debian's chromium driven by Playwright, the app on loopback.

Every request the browser makes is recorded; tests assert that none left the machine.
Screenshots go to `artifacts/` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import base64
import http.server
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from geo.app import server as app_server
from geo.corpus.build import build
from geo.map.snapshot import CHROMIUM, CHROMIUM_ARGS  # the browser's command line, once

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

if not CHROMIUM.exists():  # the set-up (make setup) installs it; say so instead of skipping
    pytest.fail(
        "Debian chromium is missing: run `make setup` (apt-get install chromium)", pytrace=False
    )


@pytest.fixture(scope="session")
def app_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A corpus (a copy of the seeds) and its built map data."""
    base = tmp_path_factory.mktemp("app")
    corpus, data = base / "corpus", base / "mapdata"
    shutil.copytree(ROOT / "seeds", corpus)
    build(corpus, data, processes=1, progress=False)
    return corpus, data


class TileServer:
    """A local tile server on loopback (as a briefing room's own would be): answers every
    /{z}/{x}/{y}.png with one PNG and records the paths asked for."""

    PNG = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9Q"
        "DwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )

    def __init__(self) -> None:
        self.paths: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(server.PNG)))
                self.end_headers()
                self.wfile.write(server.PNG)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/tiles/{{z}}/{{x}}/{{y}}.png"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="session")
def tile_server() -> Iterator[TileServer]:
    server = TileServer()
    yield server
    server.httpd.shutdown()


@pytest.fixture(scope="session")
def app_url(app_data: tuple[Path, Path], tile_server: TileServer) -> Iterator[str]:
    corpus, data = app_data
    # The local tile server is configured but, like every tile layer, off until chosen.
    with running_app(corpus, data, CAMPAIGN_MAP_TILE_URL=tile_server.url) as url:
        yield url


@contextmanager
def running_app(corpus: Path, data: Path, **env: str) -> Iterator[str]:
    """The app on loopback over `corpus` and `data` (more environment in `env`), once it
    answers; yields its URL and stops it on exit. `app_url` is one for the whole session;
    tests that need a corpus of their own or write into it start their own. Started as
    `campaign-map serve` starts it (geo.app.server); its output is shown if it fails to."""
    with (
        tempfile.TemporaryDirectory(prefix="campaign-app-") as tmp,
        app_server.running(
            ROOT / "app.py",
            cwd=ROOT,
            log=Path(tmp) / "app.log",
            env={"CAMPAIGN_MAP_CORPUS": str(corpus), "CAMPAIGN_MAP_DATA": str(data), **env},
        ) as app,
    ):
        yield app.url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class RequestLog:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def remote(self) -> list[str]:
        """Requests to any host but the app's own (data: and about: never leave)."""
        out = []
        for url in self.urls:
            parsed = urlparse(url)
            if parsed.scheme in {"data", "about", "blob", "file"}:
                continue
            if parsed.hostname not in LOCAL_HOSTS:
                out.append(url)
        return out


@pytest.fixture()
def page(browser) -> Iterator[tuple[object, RequestLog, list[str]]]:
    """A fresh page; remote requests are recorded and aborted, console errors collected."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    log, errors = RequestLog(), []
    context.on("request", lambda request: log.urls.append(request.url))

    def route(route) -> None:
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:", "file:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield pg, log, errors
    context.close()


@contextmanager
def file_page(browser, size: dict[str, int]) -> Iterator[tuple[object, list[str]]]:
    """A page for an exported file: it may load file: and data: URLs only (anything else
    is aborted); console errors and page errors collected."""
    context = browser.new_context(viewport=size)
    context.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg, errors
    finally:
        context.close()


def screenshot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=False)
    return path


# True once the map has been still for three animation frames in a row: no zoom, pan or
# cluster animation running (Leaflet's and Leaflet.markercluster's own flags and the classes
# they set while animating) and every marker and cluster where it was on the frame before.
# The first call with a new `token` only records where things are.
MAP_STILL_JS = """([token]) => {
    const layer = (window.campaignLayers || []).find(l => l.kind === "points");
    const map = layer && layer.cluster._map;
    const busy = (map && (map._animatingZoom || (map._panAnim && map._panAnim._inProgress)))
        || (layer && layer.cluster._inZoomAnimation > 0)
        || document.querySelector(".leaflet-zoom-anim, .leaflet-cluster-anim");
    const where = busy ? null : [...document.querySelectorAll("path.cm-event, .marker-cluster")]
        .map(e => { const r = e.getBoundingClientRect(); return `${r.x},${r.y},${r.width}`; })
        .join(";");
    const last = window.__cmTestStill;
    if (!last || last.token !== token) {
        window.__cmTestStill = {token, where, frames: 0};
        return false;
    }
    last.frames = where !== null && where === last.where ? last.frames + 1 : 0;
    last.where = where;
    return last.frames >= 2;
}"""


def frame_of(where):
    """A page or frame as it is; a frame locator (`Locator.content_frame`) as its frame, to
    evaluate or wait for a function in."""
    owner = getattr(where, "owner", None)
    return owner.element_handle().content_frame() if owner is not None else where


# Both event layers (points and regions: geo.map.layers puts one of each on every map) have
# their data, fetched from the app's static files, and show it. The map frame's
# `data-visible-events` comes with the first filter, which can come before that data (a
# count of 0 under load).
MAP_DATA_JS = "() => (window.campaignLayers || []).length >= 2"


def wait_map_data(where, timeout: float = 60_000) -> None:
    """Until the map in `where` (a page, a frame or a frame locator) shows its events."""
    frame_of(where).wait_for_function(MAP_DATA_JS, timeout=timeout)


def wait_map_still(where, timeout: float = 10_000) -> None:
    """Until the map in `where` (a page, a frame or a frame locator) has stopped moving, e.g.
    after a click that zooms into a cluster or spiderfies it: what a person waits for before
    clicking a marker (a forced click skips Playwright's own wait for a still element)."""
    frame_of(where).wait_for_function(
        MAP_STILL_JS, arg=[time.monotonic_ns()], polling="raf", timeout=timeout
    )


def open_a_popup(pg, where=None):
    """Click an event marker (opening clusters until one shows); returns the popup content.

    `where` is the page or frame holding the map (default: the page)."""
    where = where or pg
    for _ in range(6):
        wait_map_still(where)  # a cluster's zoom: its markers are drawn once it has ended
        if where.locator("path.cm-event").count():
            break
        where.locator(".marker-cluster").first.click()
    else:
        wait_map_still(where)
    content = where.locator(".leaflet-popup-content")
    marker = where.locator("path.cm-event").first
    for _ in range(3):  # a click that did not open it (a marker under another): again
        marker.hover(force=True)
        marker.click(force=True)
        try:
            content.wait_for(timeout=3_000)
            return content
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: click again
            wait_map_still(where)
    content.wait_for(timeout=5_000)
    return content


def wait_idle(pg, timeout: float = 30_000) -> None:
    """Until the script has not been running for half a second (the map's first answer
    reruns the app once; a click during a rerun may hit an element being replaced)."""
    pg.wait_for_function(
        """() => {
        const app = document.querySelector('[data-testid="stApp"]');
        const now = Date.now();
        if (!app || app.dataset.testScriptState !== "notRunning") { window.cmIdleSince = 0; }
        else if (!window.cmIdleSince) { window.cmIdleSince = now; }
        return window.cmIdleSince && now - window.cmIdleSince > 500;
    }""",
        polling=100,
        timeout=timeout,
    )
