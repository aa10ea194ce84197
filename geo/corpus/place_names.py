"""One name per place across a build: the name most of the corpus's articles use.

The pipeline names a place as its article spells it (`geo.pipeline.places.reader_names`):
"Menaka" where GeoNames has "Ménaka". Per article is not enough for a map: two articles
spelling a town "Timbuktu" and "Tombouctou" would put two names on one point, split its
search and its "N events at ..." count. So the build decides per corpus, from the
spellings of all its articles summed.

The build caches per article, and an article's cached feature lines carry its own names.
Each cache entry therefore also keeps the article's votes (`names`) and which place each
of its lines is (`event_places`); at assembly the corpus's names are computed from the
votes and only the lines whose names differ are rewritten. Adding an article that tips a
place's name rewrites other articles' lines without parsing them again, and the same
corpus still gives the same bytes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from geo.corpus.tables import dumps_geojson
from geo.pipeline.places.reader_names import (
    NameVotes,
    merge_votes,
    name_votes,
    place_id,
    reader_name,
)

if TYPE_CHECKING:
    from geo.pipeline.events import Event
    from geo.pipeline.geoparse import PlaceMention


def entry_names(mentions: Iterable[PlaceMention], events: Sequence[Event]) -> dict[str, Any]:
    """The parts of an article's cache entry that naming needs: the article's votes per
    place and the place of each of its events (in the order of its feature lines)."""
    votes = name_votes(mentions)
    return {
        "names": {pid: votes[pid].to_json() for pid in sorted(votes)},
        "event_places": [place_id(e.geonameid, e.gazetteer_name, e.lat, e.lon) for e in events],
    }


def _votes(entry: Mapping[str, Any]) -> dict[str, NameVotes]:
    return {pid: NameVotes.from_json(v) for pid, v in (entry.get("names") or {}).items()}


def corpus_names(entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each place's name in the whole build, by place id."""
    merged = merge_votes(_votes(entry) for entry in entries)
    return {pid: reader_name(votes) for pid, votes in merged.items()}


def renamed_features(entry: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """The entry's feature lines with the build's names: `place` by place id, and the
    sentence's `other_places` (names only) where the article's name maps to one."""
    features: list[str] = entry["features"]
    article = {pid: reader_name(votes) for pid, votes in _votes(entry).items()}
    renames = {pid: names[pid] for pid, own in article.items() if names.get(pid, own) != own}
    if not renames:
        return features
    targets: dict[str, set[str]] = defaultdict(set)
    for pid, own in article.items():
        targets[own].add(names.get(pid, own))
    # Two places the article calls alike but the corpus tells apart: left as they are.
    others = {
        own: next(iter(new)) for own, new in targets.items() if len(new) == 1 and own not in new
    }
    quoted = [json.dumps(own, ensure_ascii=False) for own in others]
    out = []
    for line, pid in zip(features, entry["event_places"], strict=True):
        if pid not in renames and not any(q in line for q in quoted):
            out.append(line)  # most lines: nothing to rename, nothing to parse
            continue
        feature = json.loads(line)
        props = feature["properties"]
        props["place"] = renames.get(pid, props["place"])
        props["other_places"] = sorted(
            {others.get(n, n) for n in props["other_places"]} - {props["place"]}
        )
        out.append(dumps_geojson(feature))
    return out
