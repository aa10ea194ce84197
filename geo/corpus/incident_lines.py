"""The build's incident step over its feature lines: every event's incident (its id, reports,
sources, disagreement, verdict: `geo.corpus.incidents`) written into the GeoJSON lines the
cache holds, and the analysts' merges that name nothing.

A build with outputs to write runs this over the whole corpus (the events of 2,000 articles:
24,000 lines). Two things keep it from costing more than the grouping itself:
- a line is read once per process: what the grouping reads of it (every field but the
  sentence, its marks and the article's title and address) is kept between builds, so the
  app's "Add an article" reads only the new article's lines;
- the fields are written into the line as text: a line is strict JSON with its keys sorted
  (`geo.corpus.build.feature_json`), and inside JSON strings every quote is escaped, so
  `"incident_id": ` can only be the key itself.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Mapping
from typing import Any

from geo.corpus.incidents import incidents, unknown_merges

# What the grouping never reads: the long fields, left out of the kept views.
UNREAD = ("snippet", "marks", "article_title", "article_url", "other_places", "corrected")
FIELDS = (
    "disagreement",
    "incident_id",
    "incident_reports",
    "incident_sources",
    "incident_verification",
)
_FIELD = re.compile(r'"(' + "|".join(FIELDS) + r')": (?:true|false|null|-?\d+|"(?:[^"\\]|\\.)*")')

# line's digest -> the view the grouping reads (a feature without its long fields), for the
# lines of the last build: a process that builds again (the app) reads only the new lines.
# By digest, not by line, so that the build can let a line go once it has its incident.
_views: dict[bytes, dict[str, Any]] = {}


def _line_key(line: str) -> bytes:
    return hashlib.blake2b(line.encode("utf-8"), digest_size=16).digest()


# Strings up to this long are shared between the views (sys.intern): keys, places, types,
# dates; each view would otherwise hold its own copy of every key and repeated value.
_SHARED_CHARS = 40


def _shared(value: Any) -> Any:
    return sys.intern(value) if type(value) is str and len(value) <= _SHARED_CHARS else value


def _view(line: str) -> dict[str, Any]:
    """The feature as the grouping reads it. Its strings are shared: a build holds a view
    per event of the corpus at once (2.0 KB an event with them shared, 4.8 KB without)."""
    feature = {_shared(k): _shared(v) for k, v in json.loads(line).items()}
    props = feature.get("properties")
    if isinstance(props, dict):
        feature["properties"] = {
            _shared(k): _shared(v) for k, v in props.items() if k not in UNREAD
        }
    elif props is None:
        feature["properties"] = {}
    geometry = feature.get("geometry")
    if isinstance(geometry, dict):
        feature["geometry"] = {_shared(k): v for k, v in geometry.items()}
    return feature


def grouping_views(feature_lines: list[str]) -> list[dict[str, Any]]:
    """The features as the grouping reads them, each line parsed once per process."""
    global _views
    seen = _views
    keys = [_line_key(line) for line in feature_lines]
    views = {
        key: seen.get(key) or _view(line) for key, line in zip(keys, feature_lines, strict=True)
    }
    _views = views  # another build may replace it now: this one reads its own
    return [views[key] for key in keys]


def with_fields(
    line: str, fields: Mapping[str, Any], encoded: Mapping[str, str] | None = None
) -> str:
    """The line with `fields` (the incident's, all of FIELDS) written in (`encoded`: their
    JSON texts, made once for all the incident's lines); a line that does not hold each of
    them exactly once is parsed and written whole instead."""
    if sorted(_FIELD.findall(line)) != sorted(FIELDS):
        feature = json.loads(line)
        feature["properties"].update(fields)
        return json.dumps(feature, ensure_ascii=False, sort_keys=True, allow_nan=False)
    texts = encoded or _encoded(fields)
    return _FIELD.sub(lambda m: texts[m[1]], line)


def _encoded(fields: Mapping[str, Any]) -> dict[str, str]:
    return {k: f'"{k}": {json.dumps(v, ensure_ascii=False)}' for k, v in fields.items()}


def with_incidents(feature_lines: list[str]) -> list[str]:
    """The feature lines with each event's incident written in, in place (a corpus's lines
    are held once, not twice): its id, how many reports and sources it has, whether they
    disagree, its verdict. The events of the whole corpus are grouped, across articles,
    once they are put together. Returns the list."""
    for incident in incidents(grouping_views(feature_lines)):
        fields = {
            "incident_id": incident.id,
            "incident_reports": incident.reports,
            "incident_sources": len(incident.sources),
            "disagreement": bool(incident.disagreements),
            "incident_verification": incident.verification,
        }
        encoded = _encoded(fields)
        for i in incident.members:
            feature_lines[i] = with_fields(feature_lines[i], fields, encoded)
    return feature_lines


def merges_without_target(feature_lines: list[str]) -> list[str]:
    """The analysts' merges with an event or incident the map data no longer has (its
    article changed or went): said, never applied elsewhere. Only a build with merges
    reads its features for this."""
    if not any('"incident_link": {' in line for line in feature_lines):
        return []
    return unknown_merges(grouping_views(feature_lines))
