"""Export size and time to interactive: the seeds, and 10,000 synthetic events.

    python benchmarks/export_speed.py

"Interactive" = from navigation start (file://) to the page's event layer having added its
markers (the `data-visible-events` attribute), in headless Debian chromium, network cut.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from probes import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from synthetic import synthesize  # noqa: E402

from geo.corpus.build import build  # noqa: E402
from geo.map import filters  # noqa: E402
from geo.map.export import export_map, load_articles, write_export  # noqa: E402


def export(data: Path, target: Path) -> tuple[int, int, float]:
    features = filters.load_events(data / "events.geojson")
    started = time.perf_counter()
    size = write_export(export_map(features, load_articles(data / "articles.json")), target)
    return len(features), size, time.perf_counter() - started


def interactive_seconds(browser, target: Path, runs: int = 3) -> list[float]:
    times = []
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
        )
        started = time.perf_counter()
        page.goto(target.as_uri())
        page.wait_for_selector("html[data-visible-events]", state="attached", timeout=60_000)
        times.append(time.perf_counter() - started)
        page.close()
    return times


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        seeds_data = Path(tmp) / "seeds"
        build(ROOT / "seeds", seeds_data, processes=1, progress=False)
        big_data = synthesize(10_000, Path(tmp) / "big")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for label, data, limit_mb in (
                ("seeds", seeds_data, 1.5),
                ("10,000 events", big_data, 8.0),
            ):
                target = Path(tmp) / f"{label[:5]}.html"
                n, size, seconds = export(data, target)
                runs = interactive_seconds(browser, target)
                print(
                    f"{label}: {n} events, {size / 1e6:.2f} MB (limit {limit_mb} MB: "
                    f"{'met' if size / 1e6 < limit_mb else 'MISSED'}), written in "
                    f"{seconds:.1f} s; interactive in {statistics.median(runs):.2f} s "
                    f"(median of {len(runs)}: {', '.join(f'{r:.2f}' for r in runs)})"
                )
            browser.close()


if __name__ == "__main__":
    main()
