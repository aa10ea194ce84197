"""A picture of the map for slides: an export page rendered in Debian's chromium (the browser
the set-up installs) through Playwright, screenshotted once the map is drawn.

The page is opened from a temporary file with every request that is not `file:` or `data:`
aborted: an export is self-contained, so the picture is exactly what the file shows
offline. The browser's command line lives here, once; the browser tests and the benchmarks
launch chromium with the same arguments (`CHROMIUM`, `CHROMIUM_ARGS`).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (`make setup`: apt-get install chromium)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# A phone screen up to an 8K wall: smaller is no map, larger than chromium's own screenshot
# limit (16,384 px) is refused by it with an unreadable error.
MIN_SIZE = (320, 240)
MAX_SIZE = (7680, 4320)
DEFAULT_SIZE = (1920, 1080)
# The page a picture is laid out on at most: a larger picture is this page at 2x, 3x...
# (crisper, not smaller type: a 4K picture of a 1080p page reads the same on a slide).
LAYOUT_SIZE = (1920, 1080)
_SIZE_RE = re.compile(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*")

# Drawn: the offline basemap (basemap.js) and every filter the page applied, the cluster
# layer's chunked additions included (filter.js sets data-cm-applied when none is pending).
DRAWN_JS = """() => {
    const html = document.documentElement;
    return html.getAttribute("data-basemap") === "drawn"
        && html.hasAttribute("data-cm-applied") && !window.cmBusy;
}"""
# Two animation frames more: labels placed on "cm:applied" and fonts are on screen.
SETTLE_JS = """() => document.fonts.ready.then(() => new Promise(done =>
    requestAnimationFrame(() => requestAnimationFrame(() => done(true)))))"""
# A picture has nothing to press: the page's controls that only work by hand are hidden
# (export.css, html.cm-picture); the title, period, count and legend stay.
PICTURE_JS = """() => document.documentElement.classList.add("cm-picture")"""


class SnapshotError(Exception):
    """Why no picture was made, in one line a person can act on."""


def parse_size(text: str) -> tuple[int, int]:
    """ "1920x1080" -> (1920, 1080), within MIN_SIZE..MAX_SIZE; ValueError says what is wrong."""
    match = _SIZE_RE.fullmatch(text)
    if not match:
        raise ValueError(f"size must be WIDTHxHEIGHT in pixels (e.g. 1920x1080), not {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    check_size((width, height))
    return width, height


def check_size(size: tuple[int, int]) -> None:
    width, height = size
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise ValueError(
            f"size {width}x{height} is out of range: from {MIN_SIZE[0]}x{MIN_SIZE[1]} "
            f"to {MAX_SIZE[0]}x{MAX_SIZE[1]} pixels"
        )


def check_browser(chromium: Path | None = None) -> None:
    """SnapshotError unless the browser (default: the one the set-up installs) is there."""
    chromium = chromium or CHROMIUM
    if not chromium.exists():
        raise SnapshotError(
            f"chromium is missing ({chromium}): run `make setup` (apt-get install chromium)"
        )


def auto_scale(size: tuple[int, int]) -> int:
    """Pixels per CSS pixel for a picture of `size`: 1 up to LAYOUT_SIZE, 2 from twice
    that (3840x2160), ... when the size divides evenly; else 1."""
    scale = max(1, min(size[0] // LAYOUT_SIZE[0], size[1] // LAYOUT_SIZE[1]))
    return scale if size[0] % scale == 0 and size[1] % scale == 0 else 1


def render_png(
    html: str,
    size: tuple[int, int] = DEFAULT_SIZE,
    scale: int | None = None,
    chromium: Path | None = None,
    timeout_s: float = 60.0,
) -> bytes:
    """The page `html` (an export: `geo.map.export.render_export`) as a PNG of `size` pixels,
    once its basemap and markers are drawn; laid out on a page `scale` times smaller
    (default: `auto_scale`). Raises SnapshotError (chromium missing, a bad size, a page that
    never finishes drawing) and nothing else the caller must know of."""
    scale = scale or auto_scale(size)
    try:
        check_size(size)
        if size[0] % scale or size[1] % scale:
            raise ValueError(f"size {size[0]}x{size[1]} is not a multiple of scale {scale}")
        if size[0] // scale < MIN_SIZE[0] or size[1] // scale < MIN_SIZE[1]:
            raise ValueError(f"scale {scale} leaves too small a page for {size[0]}x{size[1]}")
    except ValueError as exc:
        raise SnapshotError(str(exc)) from None
    chromium = chromium or CHROMIUM
    check_browser(chromium)
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no event loop in this thread: Playwright's sync API may run here
        return _render(html, size, scale, chromium, timeout_s)
    # Inside an event loop (a server's thread) the sync API refuses to run: use a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_render, html, size, scale, chromium, timeout_s).result()


def _render(
    html: str, size: tuple[int, int], scale: int, chromium: Path, timeout_s: float
) -> bytes:
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SnapshotError("Playwright is not installed: run `make setup`") from None
    width, height = size[0] // scale, size[1] // scale
    with tempfile.TemporaryDirectory(prefix="campaign-snapshot-") as tmp:
        page_file = Path(tmp) / "map.html"
        page_file.write_text(html, encoding="utf-8")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
                try:
                    context = browser.new_context(
                        viewport={"width": width, "height": height}, device_scale_factor=scale
                    )
                    context.route("**/*", _local_only)
                    page = context.new_page()
                    page.goto(page_file.as_uri(), timeout=timeout_s * 1000)
                    page.wait_for_function(DRAWN_JS, timeout=timeout_s * 1000)
                    page.evaluate(PICTURE_JS)
                    page.evaluate(SETTLE_JS)
                    return page.screenshot(type="png", full_page=False)
                finally:
                    browser.close()
        except PlaywrightTimeout:
            raise SnapshotError(
                f"the map was not drawn within {timeout_s:.0f} s (no basemap or markers)"
            ) from None
        except PlaywrightError as exc:
            first = (str(exc).strip().splitlines() or ["unknown error"])[0]
            raise SnapshotError(f"chromium failed: {first}") from None


def _local_only(route: Any) -> None:  # playwright's Route
    """The export needs nothing from the network: anything but the file itself is refused."""
    if route.request.url.startswith(("file:", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort()
