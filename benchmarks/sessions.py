"""Twenty browser sessions on the app at once: does every one get its map, how long do they
wait, and does the server's memory stay flat over several waves of them?

    python benchmarks/sessions.py [--sessions 20] [--waves 3] [--rounds 3] [--pause 125]

Starts the real app (`app.py`, run through a small wrapper that logs the server-side end of
every full script run and how many sessions the server holds: `probes.TIMED_APP`) on
loopback on the seeds' map data, with an empty corpus folder (it never rebuilds), and one
headless Debian chromium (Playwright's async API). Each wave opens `--sessions` browser
contexts and navigates all of them at the same moment; a session's load time runs from
`goto` to its map frame's <html data-visible-events> (the markers are on the map). Then every
session moves the date slider's start thumb by keyboard `--rounds` times (End: few events;
Home: all of them), all sessions at once, and the contexts are closed.

The browsers run on the same machine as the server: the CPU seconds each side used are
printed, and the time at which the server had finished each session's first run, to tell
the server's share of a page load from the browser's.

Between waves the benchmark waits `--pause` seconds: Streamlit keeps a disconnected session
for `server.disconnectedSessionTTL` (120 s by default) before freeing it, so the server's
memory and session count after the pause show what the sessions left behind. The server's
resident memory (/proc VmRSS) is sampled every 0.25 s throughout.

Memory is called flat when the last wave's peak and its after-pause value are within
`--flat-mb` MB (default 15) of the second wave's: the first wave is the warm-up (first
imports of pandas and Altair, the map built once and cached for every session).

Prints the figures on stdout and progress on stderr. Every request to a host other than
loopback is counted (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from benchmarks.probes import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_FRAME,
    START_THUMB,
    STARTED,
    chromium_pid,
    cpu_seconds,
    is_remote,
    load_average,
    log,
    percentile,
    read_runs,
    require_chromium,
    rss_mb,
    seed_data,
    serve,
    timed_app,
    tree_cpu_seconds,
    tree_pss_mb,
)

TARGET_P95_S = 5.0
VISIBLE_JS = "() => Number(document.documentElement.getAttribute('data-visible-events'))"


@dataclass
class Sample:
    at: float
    phase: str
    server_mb: float


@dataclass
class Wave:
    number: int
    loads: list[float | None] = field(default_factory=list)  # seconds; None: no map
    errors: list[str] = field(default_factory=list)
    moves: list[float] = field(default_factory=list)  # slider key -> markers, seconds
    move_errors: list[str] = field(default_factory=list)
    load_average: dict[str, str] = field(default_factory=dict)
    browser_mb: float = 0.0
    # CPU seconds used by the server and by the browser: while the maps loaded, while the
    # sliders moved.
    cpu: dict[str, tuple[float, float]] = field(default_factory=dict)
    opened_at: float = 0.0  # epoch seconds, when the sessions navigated
    held: dict[str, str] = field(default_factory=dict)  # sessions the server holds
    server_done: list[float] = field(default_factory=list)  # seconds to each first run's end


class Sampler:
    """The server's RSS every `period` seconds, tagged with the phase the run is in."""

    def __init__(self, pid: int, period: float = 0.25) -> None:
        self.pid, self.period = pid, period
        self.phase = "start"
        self.samples: list[Sample] = []
        self._task: asyncio.Task | None = None

    def now(self) -> float:
        value = rss_mb(self.pid)
        self.samples.append(Sample(time.monotonic(), self.phase, value))
        return value

    async def _run(self) -> None:
        while True:
            self.now()
            await asyncio.sleep(self.period)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def peak(self, *phases: str) -> float:
        return max((s.server_mb for s in self.samples if s.phase in phases), default=0.0)


async def map_frame(pg):
    handle = await pg.locator(MAP_FRAME).last.element_handle()
    return await handle.content_frame()


async def open_map(pg, url: str, timeout_ms: float) -> float:
    started = time.perf_counter()
    await pg.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    await (
        pg.locator(MAP_FRAME)
        .last.content_frame.locator("html[data-visible-events]")
        .wait_for(state="attached", timeout=timeout_ms)
    )
    return time.perf_counter() - started


async def move_slider(pg, rounds: int, timeout_ms: float) -> list[float]:
    """End then Home on the start thumb, `rounds` times; seconds from each key press until
    the map shows the new count."""
    frame = await map_frame(pg)
    total = await frame.evaluate(VISIBLE_JS)
    thumb = pg.locator(START_THUMB).first
    times = []
    for _ in range(rounds):
        for key, check in (("End", "n => n < total"), ("Home", "n => n === total")):
            await thumb.focus()
            started = time.perf_counter()
            await thumb.press(key)
            await frame.wait_for_function(
                f"([total]) => {{ var n = ({VISIBLE_JS})(); return ({check})(n); }}",
                arg=[total],
                polling=50,
                timeout=timeout_ms,
            )
            times.append(time.perf_counter() - started)
    return times


async def run_wave(
    browser,
    url: str,
    number: int,
    args,
    sampler: Sampler,
    remote: list[str],
    browser_pid: int | None,
) -> Wave:
    wave = Wave(number)
    timeout_ms = args.timeout * 1000
    contexts, pages = [], []
    for _ in range(args.sessions):
        context = await browser.new_context(viewport={"width": 1600, "height": 1000})
        context.on("request", lambda r: remote.append(r.url) if is_remote(r.url) else None)
        contexts.append(context)
        pages.append(await context.new_page())
    wave.load_average["before"] = load_average()

    def cpu() -> tuple[float, float]:
        return (
            cpu_seconds(sampler.pid),
            tree_cpu_seconds(browser_pid) if browser_pid else float("nan"),
        )

    start_cpu = cpu()
    sampler.phase = f"wave{number}-load"
    log(f"wave {number}: opening {args.sessions} sessions at once")
    wave.opened_at = time.time()
    loads = await asyncio.gather(
        *(open_map(pg, url, timeout_ms) for pg in pages), return_exceptions=True
    )
    for result in loads:
        if isinstance(result, BaseException):
            wave.loads.append(None)
            wave.errors.append(f"{type(result).__name__}: {str(result).splitlines()[0]}")
        else:
            wave.loads.append(result)
    got = [pg for pg, t in zip(pages, wave.loads, strict=True) if t is not None]
    log(
        f"wave {number}: {len(got)}/{args.sessions} maps; loads "
        + ", ".join(f"{t:.1f}" if t is not None else "-" for t in wave.loads)
    )
    wave.load_average["loaded"] = load_average()
    loaded_cpu = cpu()
    wave.cpu["load"] = (loaded_cpu[0] - start_cpu[0], loaded_cpu[1] - start_cpu[1])
    sampler.phase = f"wave{number}-slider"
    moves = await asyncio.gather(
        *(move_slider(pg, args.rounds, timeout_ms) for pg in got), return_exceptions=True
    )
    for result in moves:
        if isinstance(result, BaseException):
            wave.move_errors.append(f"{type(result).__name__}: {str(result).splitlines()[0]}")
        else:
            wave.moves.extend(result)
    wave.load_average["after slider"] = load_average()
    moved_cpu = cpu()
    wave.cpu["slider"] = (moved_cpu[0] - loaded_cpu[0], moved_cpu[1] - loaded_cpu[1])
    if browser_pid:
        wave.browser_mb = tree_pss_mb(browser_pid)
    log(
        f"wave {number}: {len(wave.moves)} slider moves, {len(wave.move_errors)} failed; "
        f"server RSS {sampler.now():.0f} MB"
    )
    sampler.phase = f"wave{number}-closed"
    for context in contexts:
        await context.close()
    return wave


async def run(args) -> int:
    from playwright.async_api import async_playwright

    def say(line: str = "") -> None:
        print(line, flush=True)

    with tempfile.TemporaryDirectory(prefix="cm-sessions-") as tmp:
        base = Path(tmp)
        log("building the seeds' map data")
        corpus, data = seed_data(base)
        runs_log = base / "runs.jsonl"
        sessions_log = base / "sessions.jsonl"
        app = timed_app(base / "timed", runs_log, sessions_log)

        def held() -> str:
            """Sessions the server holds now: active / all (disconnected ones included)."""
            lines = read_runs(sessions_log)
            last = lines[-1] if lines else {}
            return (
                f"{last.get('active', '?')} / {last.get('sessions', '?')}, "
                f"{last.get('blocks', 0) / 1e6:.2f} M blocks"
            )

        with serve(corpus, data, base / "server.log", app=app) as server:
            marker = uuid.uuid4().hex
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, f"--cm-marker={marker}"]
                )
                browser_pid = chromium_pid(marker)
                sampler = Sampler(server.pid)
                sampler.start()
                remote: list[str] = []
                waves, after_pause = [], []
                started_rss = sampler.now()
                say(
                    f"Campaign Map, {args.sessions} concurrent browser sessions x {args.waves} "
                    f"waves: one headless chromium, {args.sessions} contexts; seeds "
                    f"(73 events), desk view; {args.rounds} slider rounds (End, Home) per "
                    f"session; load average before {load_average()} (1/5/15 min; 2 cores, "
                    "other work on the machine skews every figure)"
                )
                say(f"server RSS after start-up (no session yet): {started_rss:.0f} MB")
                try:
                    for number in range(1, args.waves + 1):
                        sampler.phase = f"wave{number}-before"
                        before = sampler.now()
                        wave = await run_wave(
                            browser, server.url, number, args, sampler, remote, browser_pid
                        )
                        waves.append(wave)
                        sampler.phase = f"wave{number}-pause"
                        await asyncio.sleep(5)
                        closed = sampler.now()
                        wave.held["5 s after close"] = held()
                        log(
                            f"wave {number}: closed; server RSS {closed:.0f} MB, sessions held "
                            f"(active / all) {wave.held['5 s after close']}; waiting "
                            f"{args.pause:.0f} s for the session TTL"
                        )
                        await asyncio.sleep(max(0.0, args.pause - 5))
                        wave.held["after the pause"] = held()
                        after_pause.append((before, closed, sampler.now()))
                        first: dict[str, float] = {}
                        for run in read_runs(runs_log):
                            if run["start"] >= wave.opened_at and run["session"] not in first:
                                first[run["session"]] = run["end"] - wave.opened_at
                        wave.server_done = sorted(first.values())
                finally:
                    await sampler.stop()
                    await browser.close()
                    if args.json:
                        Path(args.json).write_text(
                            json.dumps(
                                {
                                    "rss": [asdict(x) for x in sampler.samples],
                                    "sessions": read_runs(sessions_log),
                                    "runs": read_runs(runs_log),
                                }
                            )
                        )

    say()
    ok_maps, ok_p95 = True, True

    def wave_peak(number: int) -> float:
        # the pause too: the server finishes the reruns the sessions asked for after they close
        return sampler.peak(*(f"wave{number}-{phase}" for phase in ("load", "slider", "pause")))

    def spread(values: list[float]) -> str:
        if not values:
            return "-"
        return f"{statistics.median(values):.2f} / {percentile(values, 95):.2f} / {max(values):.2f}"

    columns = [
        "wave",
        "maps",
        "page load p50 / p95 / max (s)",
        "server's first run done p50 / p95 / max (s)",
        "slider move p50 / p95 (s)",
        "server RSS before / peak / 5 s after close / after the pause (MB)",
        "sessions held (active / all), Python memory blocks: 5 s after close; after the pause",
        "browser PSS (MB)",
        "CPU s while loading: server / browser",
        "CPU s while sliding: server / browser",
        "load average (1/5/15) before; loaded; after sliding",
    ]
    say("| " + " | ".join(columns) + " |")
    say("|" + "---|" * len(columns))
    for wave, (before, closed, paused) in zip(waves, after_pause, strict=True):
        loads = [t for t in wave.loads if t is not None]
        ok_maps &= len(loads) == args.sessions
        p95 = percentile(loads, 95) if loads else float("inf")
        ok_p95 &= p95 < TARGET_P95_S
        peak = wave_peak(wave.number)
        moves = (
            f"{statistics.median(wave.moves):.2f} / {percentile(wave.moves, 95):.2f}"
            if wave.moves
            else "-"
        )
        la, cpu = wave.load_average, wave.cpu
        cells = [
            str(wave.number),
            f"{len(loads)}/{args.sessions}",
            spread(loads),
            f"{spread(wave.server_done)} ({len(wave.server_done)} sessions)",
            moves,
            f"{before:.0f} / {peak:.0f} / {closed:.0f} / {paused:.0f}",
            f"{wave.held.get('5 s after close')}; {wave.held.get('after the pause')}",
            f"{wave.browser_mb:.0f}",
            f"{cpu['load'][0]:.1f} / {cpu['load'][1]:.1f}",
            f"{cpu['slider'][0]:.1f} / {cpu['slider'][1]:.1f}",
            f"{la['before']}; {la['loaded']}; {la['after slider']}",
        ]
        say("| " + " | ".join(cells) + " |")
        for error in wave.errors + wave.move_errors:
            say(f"  wave {wave.number}: {error}")
    peaks = [wave_peak(w.number) for w in waves]
    settled = [p for _, _, p in after_pause]
    ref = 1 if len(waves) > 2 else 0
    peak_growth, settled_growth = peaks[-1] - peaks[ref], settled[-1] - settled[ref]
    flat = peak_growth < args.flat_mb and settled_growth < args.flat_mb
    say()
    say(
        f"sessions that got their map: {sum(t is not None for w in waves for t in w.loads)}/"
        f"{args.sessions * len(waves)}"
    )
    say(f"requests to hosts other than loopback: {len(remote)}")
    say(
        f"server RSS growth, wave {ref + 1} -> wave {len(waves)}: peak {peak_growth:+.1f} MB, "
        f"after the pause {settled_growth:+.1f} MB"
    )

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    say(f"target every session gets its map: {verdict(ok_maps)}")
    say(f"target p95 page load < {TARGET_P95_S:.0f} s in every wave: {verdict(ok_p95)}")
    say(
        f"target server memory flat (growth < {args.flat_mb:.0f} MB from wave {ref + 1}): "
        f"{verdict(flat)}"
    )
    say(f"target no request off the machine: {verdict(not remote)}")
    say(f"load average after: {load_average()}; took {time.monotonic() - STARTED:.0f} s")
    return 0 if ok_maps and ok_p95 and flat and not remote else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="slider End/Home rounds")
    parser.add_argument(
        "--pause",
        type=float,
        default=125.0,
        help="seconds between waves (> server.disconnectedSessionTTL, 120 s)",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per wait")
    parser.add_argument("--flat-mb", type=float, default=15.0)
    parser.add_argument("--json", help="write the server's RSS samples here")
    args = parser.parse_args()
    require_chromium()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
