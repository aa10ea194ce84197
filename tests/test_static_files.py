"""The app's static files: content-named, old versions removed, those in use kept."""

from __future__ import annotations

import os
import time
from pathlib import Path

from geo.app.static_files import KEEP_SECONDS, KEEP_VERSIONS, StaticFiles


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_new_version_removes_old_unused_ones(tmp_path: Path) -> None:
    files = StaticFiles(tmp_path, "/app/static/cm/")
    urls = [files.publish("events.json", f'{{"version": {n}}}') for n in range(10)]
    assert len(set(urls)) == 10 and urls[0].startswith("/app/static/cm/events-")
    # Written within the last minutes: all kept (a page may still be loading any of them).
    assert len(files.versions("events", ".json")) == 10
    for n, url in enumerate(urls):
        age(tmp_path / url.rsplit("/", 1)[1], KEEP_SECONDS + 100 - n)  # old, the first oldest
    files.publish("events.json", '{"version": "new"}')
    kept = files.versions("events", ".json")
    assert len(kept) == KEEP_VERSIONS
    assert [p.name for p in kept[1:]] == [url.rsplit("/", 1)[1] for url in urls[-3:][::-1]]


def test_a_version_in_use_is_kept(tmp_path: Path) -> None:
    files = StaticFiles(tmp_path, "/s")
    first = files.publish("events.json", "first")
    for n in range(6):
        files.publish("events.json", f"v{n}")
    for path in files.versions("events", ".json"):
        age(path, KEEP_SECONDS + 100)
    assert files.publish("events.json", "first") == first  # a page shows it again: touched
    files.publish("events.json", "newest")
    names = {p.name for p in files.versions("events", ".json")}
    assert first.rsplit("/", 1)[1] in names and len(names) == KEEP_VERSIONS


def test_other_files_are_left_alone(tmp_path: Path) -> None:
    files = StaticFiles(tmp_path, "/s")
    others = [
        files.publish("markerclustercss.css", "a"),
        files.publish("markerclusterdefaultcss.css", "b"),
        files.publish("events.js", "c"),
    ]
    (tmp_path / "notes.txt").write_text("not ours")
    for path in tmp_path.iterdir():
        age(path, KEEP_SECONDS + 100)
    for n in range(KEEP_VERSIONS + 2):
        files.publish("events.json", f"v{n}")
    for url in others:
        assert (tmp_path / url.rsplit("/", 1)[1]).exists()
    assert (tmp_path / "notes.txt").exists()
