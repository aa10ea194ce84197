"""`campaign-map snapshot` and `geo.map.snapshot.render_png`: a PNG of the export, of the
size asked for, with a map on it (not a blank or half-drawn page)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import struct
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from geo.cli import main
from geo.map import filters
from geo.map.export import export_map, load_articles, render_export
from geo.map.snapshot import SnapshotError, render_png

from .conftest import ARTIFACTS


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (signature, then the IHDR chunk)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", data[:16]
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def picture_stats(data: bytes) -> tuple[int, float, float]:
    """(distinct colours, the commonest colour's share of the pixels, mean brightness)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    top = max(n for n, _ in colours)
    brightness = ImageStat.Stat(image.convert("L")).mean[0]
    return len(colours), top / (image.width * image.height), brightness


def _export_html(data: Path, briefing: bool = False) -> str:
    features = filters.load_events(data / "events.geojson")
    m = export_map(features, load_articles(data / "articles.json"), briefing=briefing)
    return render_export(m)


def test_render_png_has_the_size_and_a_map(app_data) -> None:
    _, data = app_data
    png = render_png(_export_html(data), (1280, 720))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "snapshot-1280x720.png").write_bytes(png)
    assert png_size(png) == (1280, 720)
    colours, top, _ = picture_stats(png)
    # Land, sea, borders, rivers, labels, markers and the controls: a blank or unstyled page
    # has a handful of colours, one of them nearly everywhere.
    assert colours > 500 and top < 0.85, (colours, top)


def test_render_png_inside_an_event_loop(app_data) -> None:
    """A server's thread runs an event loop (Playwright's sync API refuses to run in one):
    the picture is made all the same."""
    _, data = app_data
    html = _export_html(data)

    async def inside() -> bytes:  # and at twice the pixels per CSS pixel: still the size asked
        return render_png(html, (1280, 960), scale=2)

    # In a thread of its own: the test's thread may hold the browser fixtures' loop already.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        png = pool.submit(asyncio.run, inside()).result()
    assert png_size(png) == (1280, 960)


def test_render_png_refuses_clearly(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="out of range"):
        render_png("<html></html>", (100_000, 10))
    with pytest.raises(SnapshotError, match="not a multiple of scale 2"):
        render_png("<html></html>", (1281, 960), scale=2)
    with pytest.raises(SnapshotError, match="chromium is missing"):
        render_png("<html></html>", (800, 600), chromium=tmp_path / "no-chromium")
    # A page that never draws a map: a time-out that says so, not a hang.
    with pytest.raises(SnapshotError, match="not drawn within"):
        render_png("<!doctype html><title>empty</title>", (800, 600), timeout_s=2)


def test_snapshot_command(app_data, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, data = app_data
    light, dark = tmp_path / "light.png", tmp_path / "dark.png"
    common = ["--data", str(data), "--start", "2015-01-01", "--end", "2015-06-30"]
    assert main(["snapshot", "--out", str(light), "--size", "1600x900", *common]) == 0
    assert "1600x900 px" in capsys.readouterr().out
    assert (
        main(["snapshot", "--out", str(dark), "--size", "1024x768", "--style", "dark", *common])
        == 0
    )
    assert png_size(light.read_bytes()) == (1600, 900)
    assert png_size(dark.read_bytes()) == (1024, 768)
    light_stats, dark_stats = picture_stats(light.read_bytes()), picture_stats(dark.read_bytes())
    assert light_stats[0] > 500 and dark_stats[0] > 500
    assert dark_stats[2] < light_stats[2] - 40, (dark_stats, light_stats)  # a dark screen
    (ARTIFACTS / "snapshot-dark.png").write_bytes(dark.read_bytes())
