"""The files the app's pages fetch (map data, scripts) in Streamlit's static folder.

Each name carries a hash of its content, so a browser never sees a stale copy. Every new
version of a file would otherwise stay for good (eight copies of 17.6 MB of events at
50,000 events): when a new version is written, older versions of the same file are removed,
except the newest few and any used in the last minutes, which pages still open may be
loading.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from pathlib import Path

# The app keeps up to four maps (style x tiles x data version, app.py's base_map cache);
# each may be on a page that is still loading its files.
KEEP_VERSIONS = 4
KEEP_SECONDS = 15 * 60
DIGEST_CHARS = 16


class StaticFiles:
    """Content-named files in `folder`, served at `url_prefix`."""

    def __init__(self, folder: Path, url_prefix: str) -> None:
        self.folder, self.url_prefix = Path(folder), url_prefix.rstrip("/")

    def publish(self, file_name: str, text: str) -> str:
        """Write `text` as a version of `file_name` (e.g. "events.json"); its URL."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_CHARS]
        stem, suffix = os.path.splitext(file_name)
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{stem}-{digest}{suffix}"
        try:
            os.utime(target)  # in use again: the newest version, kept
        except FileNotFoundError:
            tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}")  # one per writer
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(target)
            self.remove_old_versions(stem, suffix)
        return f"{self.url_prefix}/{target.name}"

    def versions(self, stem: str, suffix: str) -> list[Path]:
        """The versions of one file, newest first."""
        pattern = re.compile(
            rf"{re.escape(stem)}-[0-9a-f]{{{DIGEST_CHARS}}}{re.escape(suffix)}", re.ASCII
        )
        found = []
        for path in self.folder.iterdir():
            if pattern.fullmatch(path.name):
                try:
                    found.append((path.stat().st_mtime, path))
                except FileNotFoundError:  # removed by another session meanwhile
                    continue
        return [path for _, path in sorted(found, reverse=True)]

    def remove_old_versions(self, stem: str, suffix: str) -> list[Path]:
        """Remove the versions past the newest KEEP_VERSIONS not used for KEEP_SECONDS."""
        now = time.time()
        removed = []
        for path in self.versions(stem, suffix)[KEEP_VERSIONS:]:
            try:
                if now - path.stat().st_mtime > KEEP_SECONDS:
                    path.unlink()
                    removed.append(path)
            except FileNotFoundError:
                continue
        return removed


__all__ = ["StaticFiles"]
