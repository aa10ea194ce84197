"""Real-browser fixtures: Debian's chromium driven by Playwright, the app on loopback.

Every request the browser makes is recorded; tests assert that none left the machine.
Screenshots go to `artifacts/` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import base64
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from geo.corpus.build import build

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

if not CHROMIUM.exists():  # the set-up (make setup) installs it; say so instead of skipping
    pytest.fail("Debian chromium is missing: run `make setup` (apt-get install chromium)",
                pytrace=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the app at {url} did not become healthy in {timeout} s")


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

    PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9Q"
                           "DwADhgGAWjR9awAAAABJRU5ErkJggg==")

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
    port = free_port()
    # The local tile server is configured but, like every tile layer, off until chosen.
    env = {**os.environ, "CAMPAIGN_MAP_CORPUS": str(corpus), "CAMPAIGN_MAP_DATA": str(data),
           "CAMPAIGN_MAP_TILE_URL": tile_server.url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo.app.server", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none",
             "--server.enableStaticServing", "true"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def running_app(corpus: Path, data: Path, **env: str) -> Iterator[str]:
    """Another app process (as `app_url` starts one) over its own corpus and map data, for
    tests that need a corpus of their own or write into it; yields its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo.app.server", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--server.enableStaticServing", "true"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "CAMPAIGN_MAP_CORPUS": str(corpus), "CAMPAIGN_MAP_DATA": str(data),
             **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


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
    pg.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"),
                                    dialog.dismiss()))
    yield pg, log, errors
    context.close()


def screenshot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=False)
    return path


def open_a_popup(pg, where=None):
    """Click an event marker (opening clusters until one shows); returns the popup content.

    `where` is the page or frame holding the map (default: the page)."""
    where = where or pg
    for _ in range(6):
        if where.locator("path.cm-event").count():
            break
        where.locator(".marker-cluster").first.click()
        pg.wait_for_timeout(700)
    content = where.locator(".leaflet-popup-content")
    marker = where.locator("path.cm-event").first
    for _ in range(3):  # a cluster's zoom animation may still be moving the marker
        marker.hover(force=True)
        marker.click(force=True)
        try:
            content.wait_for(timeout=3_000)
            return content
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: click again
            pg.wait_for_timeout(500)
    content.wait_for(timeout=5_000)
    return content
