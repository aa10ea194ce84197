"""The build's incident step over feature lines (geo.corpus.incident_lines): the fields are
written into the lines as the JSON a full rewrite would give, and a line is read once per
process. Events written for the test."""

from __future__ import annotations

import json

from geo.corpus import incident_lines
from geo.corpus.tables import dumps_geojson
from tests.test_incidents import event


def lines() -> list[str]:
    features = [
        event("wire:120", "2020-05-02", source='Wire "One"'),
        event("paper:45", "2020-05-02", source="Paper Two"),
        event("blog:7", "2020-07-01"),
    ]
    for f in features:
        # The defaults the build writes (geo.corpus.build.event_properties), and a sentence
        # that quotes the field names as text: only the keys themselves are written over.
        f["properties"].update(
            incident_id="",
            incident_reports=1,
            incident_sources=1,
            disagreement=False,
            incident_verification="unverified",
            snippet='He said "incident_id": "x", "disagreement": true.',
        )
    return [dumps_geojson(f) for f in features]


def rewritten(line: str, fields: dict) -> str:
    feature = json.loads(line)
    feature["properties"].update(fields)
    return json.dumps(feature, ensure_ascii=False, sort_keys=True, allow_nan=False)


def test_fields_are_written_as_a_full_rewrite_would_write_them() -> None:
    given = lines()
    out = incident_lines.with_incidents(list(given))
    for before, after in zip(given, out, strict=True):
        props = json.loads(after)["properties"]
        fields = {k: props[k] for k in incident_lines.FIELDS}
        assert after == rewritten(before, fields)
        assert props["snippet"] == 'He said "incident_id": "x", "disagreement": true.'
    first, second, third = (json.loads(line)["properties"] for line in out)
    assert first["incident_id"] == second["incident_id"] != third["incident_id"]
    assert (first["incident_reports"], first["incident_sources"]) == (2, 2)


def test_a_line_without_the_fields_is_written_whole() -> None:
    line = json.dumps({"type": "Feature", "properties": {"id": "a:1"}})
    fields = dict.fromkeys(incident_lines.FIELDS, 1)
    assert json.loads(incident_lines.with_fields(line, fields))["properties"] == {
        "id": "a:1",
        **fields,
    }


def test_a_line_is_read_once_per_process() -> None:
    given = lines()
    incident_lines.grouping_views(given)
    kept = incident_lines._views
    key = incident_lines._line_key
    assert set(kept) == {key(line) for line in given}
    assert "snippet" not in kept[key(given[0])]["properties"]
    views = incident_lines.grouping_views([*given[:2], "{}"])
    assert views[0] is kept[key(given[0])]  # not read again
    assert set(incident_lines._views) == {key(line) for line in [*given[:2], "{}"]}


def test_the_views_share_their_keys_and_short_values() -> None:
    # A build holds a view per event of the corpus: each holding its own copy of every key
    # and place name was 4.8 KB an event (benchmarks/build_memory.py).
    first, second = (
        json.dumps({"type": "Feature", "properties": {"place": "Ville" + "-sur-Mer", "id": i}})
        for i in ("a:1", "b:1")
    )
    one, two = incident_lines.grouping_views([first, second])
    key_one = next(iter(one["properties"]))
    key_two = next(iter(two["properties"]))
    assert key_one == key_two == "place" and key_one is key_two
    assert one["properties"]["place"] is two["properties"]["place"]


def test_the_lines_are_rewritten_in_place() -> None:
    # A build holds its corpus's lines once: the grouped line replaces the parsed one.
    given = lines()
    assert incident_lines.with_incidents(given) is given
    assert all('"incident_id": ""' not in line for line in given)
