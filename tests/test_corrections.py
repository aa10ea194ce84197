"""Corrections that stick (issue 15): the corrections file, applying it to an article's
places and events, and `campaign-map correct`. Sentences and places written for the test."""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import stat
from pathlib import Path

import pytest

from geo.cli import main
from geo.corpus.corrections import (
    CORRECTIONS_FILE,
    Correction,
    EntryError,
    EventRef,
    MentionRef,
    append_entry,
    correct_events,
    correct_mentions,
    corrections_by_article,
    corrections_digest,
    effective,
    load_corrections,
    new_entry,
    unknown_articles,
)
from geo.pipeline.events import ArticleRef, Event, extract_events
from geo.pipeline.geoparse import GeoparseResult, PlaceMention, UnresolvedMention

TEXT = (
    "Rebels captured Norvale on Friday after a week of fighting. "
    "Aircraft bombed Ostrava and Kelby, officials said.\n"
    "The ministers met in Dunmore to discuss the ceasefire. Pellham was quiet.\n"
)
PLACES = {  # name -> (gazetteer id, lat, lon)
    "Norvale": (101, 10.0, 10.0),
    "Ostrava": (102, 11.0, 11.0),
    "Kelby": (103, 12.0, 12.0),
    "Dunmore": (104, 13.0, 13.0),
}
PUBLISHED = datetime.date(2021, 3, 6)
NOW = datetime.datetime(2021, 3, 7, 9, 30, tzinfo=datetime.UTC)


def _sentence(text: str, start: int) -> tuple[int, int]:
    """The test text's sentence around `start` (". " and line breaks end them)."""
    stop = text.rfind(". ", 0, start)
    s_start = max(stop + 2 if stop >= 0 else 0, text.rfind("\n", 0, start) + 1)
    ends = [i + 1 for i in (text.find(". ", start), text.find(".\n", start)) if i >= 0]
    return s_start, min(ends)


def _mention(text: str, name: str, place: str | None = None, after: int = 0) -> PlaceMention:
    start = text.index(name, after)
    geonameid, lat, lon = PLACES[place or name]
    s_start, s_end = _sentence(text, start)
    return PlaceMention(
        start, start + len(name), name, place or name, lat, lon, "city", geonameid, 0.8, "ZZ",
        "place", False, s_start, s_end, False,
    )  # fmt: skip


def _parse(text: str = TEXT) -> GeoparseResult:
    """What a geoparser might make of the text: four places, one name left unresolved."""
    start = text.index("Pellham")
    s_start, s_end = _sentence(text, start)
    unresolved = UnresolvedMention(
        start, start + 7, "Pellham", text[s_start:s_end], "no gazetteer entry"
    )
    return GeoparseResult("art", [_mention(text, n) for n in PLACES], [unresolved])


def _events(result: GeoparseResult, text: str = TEXT) -> list[Event]:
    ref = ArticleRef("art", "A test", None, None, PUBLISHED, "metadata")
    return extract_events(ref, text, result.toponyms, [])


def _span(name: str, text: str = TEXT) -> MentionRef:
    start = text.index(name)
    return MentionRef(start, start + len(name), name)


def _ref(event: Event) -> EventRef:
    return EventRef(event.id, event.snippet, event.gazetteer_name)


def _write(path: Path, *entries: dict) -> list[Correction]:
    taken: list[str] = []
    for entry in entries:
        append_entry(path, entry)
        taken.append(entry["id"])
    corrections, problems = load_corrections(path)
    assert not problems
    return corrections


def _entry(change: dict, seconds: int = 0, **target: object) -> dict:
    return new_entry(change, now=NOW + datetime.timedelta(seconds=seconds), **target)  # type: ignore[arg-type]


PARIS = {
    "kind": "place", "geonameid": 2988507, "lat": 48.85341, "lon": 2.3488, "name": "Paris",
    "level": "city", "country": "FR",
}  # fmt: skip


def _apply(corrections: list[Correction], text: str = TEXT):
    mentions = correct_mentions(_parse(text), text, corrections)
    events = correct_events("art", _events(mentions.result, text), corrections, mentions)
    return mentions, events


# -- the file ----------------------------------------------------------------------------


def test_every_kind_round_trips_through_the_file(tmp_path: Path) -> None:
    events = _events(_parse())
    path = tmp_path / CORRECTIONS_FILE
    entries = [
        _entry(PARIS, 0, article="art", mention=_span("Kelby"), by="ana", why="the capital"),
        _entry({"kind": "not_a_place"}, 1, article="art", mention=_span("Dunmore")),
        _entry(
            {"kind": "date", "start": "2021-03-04", "end": "2021-03-05"},
            2,
            article="art",
            event=_ref(events[0]),
        ),
        _entry({"kind": "type", "type": "airstrike"}, 3, article="art", event=_ref(events[0])),
        _entry({"kind": "verified", "status": "verified"}, 4, article="art", event=_ref(events[0])),
        _entry({"kind": "merge", "with": "other:12"}, 5, article="art", event=_ref(events[0])),
        _entry({"kind": "split"}, 6, article="art", event=_ref(events[0])),
    ]
    entries.append(_entry({"kind": "undo", "entry": entries[3]["id"]}, 7))
    loaded = _write(path, *entries)
    assert [c.id for c in loaded] == [e["id"] for e in entries]
    assert [c.kind for c in loaded] == [
        "place", "not_a_place", "date", "type", "verified", "merge", "split", "undo",
    ]  # fmt: skip
    assert loaded[0].mention == _span("Kelby") and loaded[0].by == "ana"
    assert loaded[0].why == "the capital" and loaded[0].at == "2021-03-07T09:30:00Z"
    assert loaded[2].event == _ref(events[0])
    for line in path.read_text(encoding="utf-8").splitlines():
        assert isinstance(json.loads(line), dict)  # one JSON object a line


def test_bad_lines_are_reported_with_their_line_and_the_others_apply(tmp_path: Path) -> None:
    path = tmp_path / CORRECTIONS_FILE
    good = _entry({"kind": "not_a_place"}, article="art", mention=_span("Dunmore"))
    lines = [
        json.dumps(good),
        "{not json",
        "[1, 2]",
        json.dumps(good | {"id": "x2", "change": {"kind": "rename"}}),
        json.dumps(good | {"id": "x3", "mention": {"start": 5, "end": 9, "text": "Kelby"}}),
        json.dumps(good),  # the same id again
        json.dumps({"id": "x4", "at": good["at"], "change": {"kind": "undo", "entry": "nope"}}),
        json.dumps(good | {"id": "x5", "whyy": "typo"}),
        "",
        json.dumps(
            good
            | {"id": "x6", "change": {"kind": "date", "start": "2021-03-05", "end": "2021-03-01"}}
        ),  # fmt: skip
        json.dumps(good | {"id": "x7", "at": "yesterday"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corrections, problems = load_corrections(path)
    assert [c.id for c in corrections] == [good["id"], "x5"]
    by_line = {int(p.split(": line ")[1].split(":")[0]): p for p in problems}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8, 10, 11]
    assert all(p.startswith(f"{path}: line ") and "\n" not in p for p in problems)
    assert "not valid JSON" in by_line[2] and "JSON object" in by_line[3]
    assert "kind" in by_line[4] and "does not hold its text" in by_line[5]
    assert "already line 1" in by_line[6] and "no earlier entry" in by_line[7]
    assert "whyy" in by_line[8] and "before" in by_line[10] and "timestamp" in by_line[11]


def test_a_missing_file_is_no_corrections_and_an_unreadable_one_is_said(tmp_path: Path) -> None:
    assert load_corrections(tmp_path / CORRECTIONS_FILE) == ([], [])
    (tmp_path / "folder.jsonl").mkdir()
    corrections, problems = load_corrections(tmp_path / "folder.jsonl")
    assert corrections == [] and len(problems) == 1 and "folder.jsonl" in problems[0]


def test_appending_never_changes_earlier_lines(tmp_path: Path) -> None:
    path = tmp_path / CORRECTIONS_FILE
    first = _entry({"kind": "not_a_place"}, article="art", mention=_span("Dunmore"))
    append_entry(path, first)
    before = path.read_bytes()
    append_entry(path, _entry({"kind": "undo", "entry": first["id"]}, 1))
    assert path.read_bytes().startswith(before) and path.read_bytes().count(b"\n") == 2
    # A last line written by hand without its newline gets one, and stays as it was.
    with path.open("ab") as fh:
        fh.write(json.dumps(first | {"id": "hand"}).encode())
    before = path.read_bytes()
    append_entry(path, _entry({"kind": "undo", "entry": "hand"}, 2))
    assert path.read_bytes().startswith(before)
    corrections, problems = load_corrections(path)
    assert not problems and len(corrections) == 4


def test_the_file_is_created_with_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        append_entry(tmp_path / CORRECTIONS_FILE, _entry({"kind": "split"}, **_event_target()))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / CORRECTIONS_FILE).stat().st_mode) == 0o640


def _event_target() -> dict:
    return {"article": "art", "event": _ref(_events(_parse())[0])}


def test_the_same_entry_twice_gets_two_ids() -> None:
    change = {"kind": "verified", "status": "verified"}
    first = _entry(change, **_event_target())
    again = new_entry(change, now=NOW, taken=[first["id"]], **_event_target())
    assert again["id"] != first["id"] and again["at"] != first["at"]


def test_an_entry_is_checked_before_it_is_written() -> None:
    with pytest.raises(EntryError, match="change.type"):
        _entry({"kind": "type", "type": "picnic"}, **_event_target())
    with pytest.raises(EntryError, match="change.lat"):
        _entry(PARIS | {"lat": 91}, article="art", mention=_span("Kelby"))
    with pytest.raises(EntryError, match="mention"):
        _entry(PARIS, article="art")


# -- undo ----------------------------------------------------------------------------------


def test_undo_cancels_an_entry_and_an_undone_undo_restores_it(tmp_path: Path) -> None:
    path = tmp_path / CORRECTIONS_FILE
    fix = _entry({"kind": "not_a_place"}, article="art", mention=_span("Dunmore"))
    undo = _entry({"kind": "undo", "entry": fix["id"]}, 1)
    corrections = _write(path, fix, undo)
    assert effective(corrections) == []
    redo = _entry({"kind": "undo", "entry": undo["id"]}, 2)
    corrections = _write(path, redo)
    assert [c.id for c in effective(corrections)] == [fix["id"]]


# -- mentions --------------------------------------------------------------------------------


def test_not_a_place_removes_the_mention_and_its_event(tmp_path: Path) -> None:
    corrections = _write(
        tmp_path / CORRECTIONS_FILE,
        _entry({"kind": "not_a_place"}, article="art", mention=_span("Dunmore")),
        _entry({"kind": "not_a_place"}, 1, article="art", mention=_span("Pellham")),
    )
    before = _events(_parse())
    mentions, events = _apply(corrections)
    assert "Dunmore" not in [t.text for t in mentions.result.toponyms]
    assert mentions.result.unresolved == []  # no longer in the list of unresolved names
    assert "Dunmore" in {e.place for e in before}
    assert "Dunmore" not in {e.place for e in events.events}
    assert not mentions.problems and not events.problems


def test_wrong_place_moves_the_event_and_keeps_what_it_was(tmp_path: Path) -> None:
    fix = _entry(PARIS, article="art", mention=_span("Kelby"), why="the capital")
    mentions, events = _apply(_write(tmp_path / CORRECTIONS_FILE, fix))
    kelby = next(t for t in mentions.result.toponyms if t.text == "Kelby")
    assert (kelby.name, kelby.lat, kelby.lon, kelby.geonameid) == (
        "Paris",
        48.85341,
        2.3488,
        2988507,
    )
    assert kelby.confidence == 1.0 and kelby.country == "FR"
    moved = next(e for e in events.events if e.gazetteer_name == "Paris")
    assert (moved.lat, moved.lon) == (48.85341, 2.3488)
    assert events.properties(moved.id)["corrected"] == {
        "place": {"was": "Kelby", "now": "Paris", "entry": fix["id"]}
    }
    others = [e for e in events.events if e.id != moved.id]
    assert others and all(events.properties(e.id)["corrected"] == {} for e in others)


def test_a_place_corrected_in_the_first_sentence_is_shown_corrected(tmp_path: Path) -> None:
    fix = _entry(PARIS, article="art", mention=_span("Norvale"))
    _, events = _apply(_write(tmp_path / CORRECTIONS_FILE, fix))
    paris = next(e for e in events.events if e.gazetteer_name == "Paris")
    assert paris.id == "art:0" and events.corrected[paris.id]["place"]["was"] == "Norvale"


def test_another_place_of_the_same_name_is_shown_corrected(tmp_path: Path) -> None:
    """The usual wrong place: another town of that name. The popup must tell them apart."""
    namesake = {"kind": "place", "geonameid": 9103, "lat": -12.0, "lon": 40.0,
                "name": "Kelby", "level": "city", "country": "YY"}  # fmt: skip
    fix = _entry(namesake, article="art", mention=_span("Kelby"))
    _, events = _apply(_write(tmp_path / CORRECTIONS_FILE, fix))
    moved = next(e for e in events.events if e.geonameid == 9103)
    assert events.corrected[moved.id]["place"] == {
        "was": "Kelby (ZZ)",
        "now": "Kelby (YY)",
        "entry": fix["id"],
    }
    same_country = {**namesake, "country": "ZZ"}
    fix = _entry(same_country, 1, article="art", mention=_span("Kelby"))
    _, events = _apply(_write(tmp_path / "other.jsonl", fix))
    moved = next(e for e in events.events if e.geonameid == 9103)
    assert events.corrected[moved.id]["place"]["was"] == "Kelby (103)"
    assert events.corrected[moved.id]["place"]["now"] == "Kelby (9103)"


def test_a_later_place_correction_wins_and_keeps_the_first_was(tmp_path: Path) -> None:
    point = {"kind": "place", "geonameid": None, "lat": 1.5, "lon": 2.5, "name": "Camp 4",
             "level": "facility", "country": ""}  # fmt: skip
    corrections = _write(
        tmp_path / CORRECTIONS_FILE,
        _entry(PARIS, article="art", mention=_span("Kelby")),
        _entry(point, 1, article="art", mention=_span("Kelby")),
    )
    mentions, events = _apply(corrections)
    assert [f.was for f in mentions.fixes] == ["Kelby"]
    camp = next(e for e in events.events if e.gazetteer_name == "Camp 4")
    assert camp.level == "facility" and camp.geonameid is None
    assert events.corrected[camp.id]["place"]["was"] == "Kelby"


def test_a_placed_name_is_a_place_not_a_capital_standing_for_its_government(
    tmp_path: Path,
) -> None:
    text = "Shells fired by Kelby hit the market on Friday.\n"
    capital = dataclasses.replace(_mention(text, "Kelby"), capital=True)
    result = GeoparseResult("art", [capital], [])
    assert _events(result, text) == []  # "by Kelby": its government, not a place
    fix = _write(
        tmp_path / CORRECTIONS_FILE, _entry(PARIS, article="art", mention=_span("Kelby", text))
    )
    mentions = correct_mentions(result, text, fix)
    assert [e.gazetteer_name for e in _events(mentions.result, text)] == ["Paris"]


def test_a_placed_adjective_becomes_a_mapped_place(tmp_path: Path) -> None:
    adjective = dataclasses.replace(_mention(TEXT, "Kelby"), role="adjectival", adjectival=True)
    result = dataclasses.replace(_parse(), toponyms=[_mention(TEXT, "Norvale"), adjective])
    assert "Kelby" not in {e.gazetteer_name for e in _events(result)}
    fix = _write(tmp_path / CORRECTIONS_FILE, _entry(PARIS, article="art", mention=_span("Kelby")))
    mentions = correct_mentions(result, TEXT, fix)
    assert "Paris" in {e.gazetteer_name for e in _events(mentions.result)}


def test_a_failed_geoparse_gets_no_places_from_corrections(tmp_path: Path) -> None:
    fix = _write(tmp_path / CORRECTIONS_FILE, _entry(PARIS, article="art", mention=_span("Kelby")))
    failed = GeoparseResult("art", [], [], error="RuntimeError: boom")
    assert correct_mentions(failed, TEXT, fix).result.toponyms == []


def test_an_unresolved_name_can_be_placed(tmp_path: Path) -> None:
    point = {"kind": "place", "geonameid": None, "lat": 3.0, "lon": 4.0, "name": "Pellham",
             "level": "village", "country": ""}  # fmt: skip
    mentions, events = _apply(
        _write(tmp_path / CORRECTIONS_FILE, _entry(point, article="art", mention=_span("Pellham")))
    )
    assert mentions.result.unresolved == []
    placed = next(t for t in mentions.result.toponyms if t.text == "Pellham")
    assert TEXT[placed.sentence_start : placed.sentence_end] == "Pellham was quiet."
    assert placed.role == "place"


# -- events ----------------------------------------------------------------------------------


def test_date_and_type_are_corrected_with_the_originals_kept(tmp_path: Path) -> None:
    target = _events(_parse())[0]
    date = _entry(
        {"kind": "date", "start": "2021-03-04", "end": "2021-03-05"},
        article="art",
        event=_ref(target),
    )
    kind = _entry({"kind": "type", "type": "offensive"}, 1, article="art", event=_ref(target))
    _, events = _apply(_write(tmp_path / CORRECTIONS_FILE, date, kind))
    event = next(e for e in events.events if e.id == target.id)
    assert (event.date_start, event.date_end) == (
        datetime.date(2021, 3, 4),
        datetime.date(2021, 3, 5),
    )
    assert event.time_basis == "explicit" and event.granularity == "week"
    assert event.event_type == "offensive"
    assert events.corrected[target.id] == {
        "date_start": {"was": "2021-03-06", "now": "2021-03-04", "entry": date["id"]},
        "date_end": {"was": "2021-03-06", "now": "2021-03-05", "entry": date["id"]},
        "event_type": {"was": target.event_type, "now": "offensive", "entry": kind["id"]},
    }
    assert target.event_type != "offensive"  # the pipeline's value really changed


def test_a_type_confirmed_as_it_was_is_not_shown_as_corrected(tmp_path: Path) -> None:
    target = _events(_parse())[0]
    same = _entry({"kind": "type", "type": target.event_type}, article="art", event=_ref(target))
    _, events = _apply(_write(tmp_path / CORRECTIONS_FILE, same))
    assert events.corrected == {} and not events.problems
    # Changed, then changed back: the pipeline's value again, nothing to show.
    other = "offensive" if target.event_type != "offensive" else "capture"
    corrections = _write(
        tmp_path / CORRECTIONS_FILE,
        _entry({"kind": "type", "type": other}, 1, article="art", event=_ref(target)),
        _entry({"kind": "type", "type": target.event_type}, 2, article="art", event=_ref(target)),
    )
    assert _apply(corrections)[1].corrected == {}


def test_verification_latest_wins_and_undo_restores_the_previous(tmp_path: Path) -> None:
    path = tmp_path / CORRECTIONS_FILE
    target = _events(_parse())[0]
    verified = _entry({"kind": "verified", "status": "verified"}, article="art", event=_ref(target))
    rejected = _entry(
        {"kind": "verified", "status": "rejected"}, 1, article="art", event=_ref(target)
    )
    corrections = _write(path, verified, rejected)
    assert _apply(corrections)[1].properties(target.id)["verification"] == "rejected"
    corrections = _write(path, _entry({"kind": "undo", "entry": rejected["id"]}, 2))
    assert _apply(effective(corrections))[1].properties(target.id)["verification"] == "verified"
    corrections = _write(path, _entry({"kind": "undo", "entry": verified["id"]}, 3))
    assert _apply(effective(corrections))[1].properties(target.id)["verification"] == "unverified"


def test_merge_and_split_are_handed_to_the_incidents(tmp_path: Path) -> None:
    first, second = _events(_parse())[:2]
    merge = _entry({"kind": "merge", "with": second.id}, article="art", event=_ref(first))
    split = _entry({"kind": "split"}, 1, article="art", event=_ref(second))
    _, events = _apply(_write(tmp_path / CORRECTIONS_FILE, merge, split))
    assert [(link.event, link.kind, link.other) for link in events.links.values()] == [
        (first.id, "merge", second.id),
        (second.id, "split", None),
    ]
    assert events.properties(first.id)["incident_link"] == {
        "kind": "merge",
        "with": second.id,
        "entry": merge["id"],
    }
    assert events.properties(events.events[2].id)["incident_link"] is None


def test_the_later_of_a_merge_and_a_split_decides(tmp_path: Path) -> None:
    first, second = _events(_parse())[:2]
    merge = _entry({"kind": "merge", "with": second.id}, article="art", event=_ref(first))
    split = _entry({"kind": "split"}, 1, article="art", event=_ref(first))
    _, events = _apply(_write(tmp_path / CORRECTIONS_FILE, merge, split))
    assert events.properties(first.id)["incident_link"]["kind"] == "split"


def test_a_verdict_carries_when_it_was_given(tmp_path: Path) -> None:
    target = _events(_parse())[0]
    verified = _entry({"kind": "verified", "status": "verified"}, article="art", event=_ref(target))
    _, events = _apply(_write(tmp_path / CORRECTIONS_FILE, verified))
    said = events.properties(target.id)
    assert (said["verification"], said["verified_at"]) == ("verified", verified["at"])
    assert events.properties(_events(_parse())[1].id)["verified_at"] is None


def test_an_event_correction_made_before_a_place_correction_still_applies(tmp_path: Path) -> None:
    kelby_event = next(e for e in _events(_parse()) if e.gazetteer_name == "Kelby")
    verify = _entry(
        {"kind": "verified", "status": "verified"}, article="art", event=_ref(kelby_event)
    )
    fix = _entry(PARIS, 1, article="art", mention=_span("Kelby"))
    _, events = _apply(_write(tmp_path / CORRECTIONS_FILE, verify, fix))
    assert not events.problems
    assert events.properties(kelby_event.id)["verification"] == "verified"


# -- an article that changed -----------------------------------------------------------------


def test_text_inserted_before_a_mention_moves_the_correction_with_it(tmp_path: Path) -> None:
    corrections = _write(
        tmp_path / CORRECTIONS_FILE, _entry(PARIS, article="art", mention=_span("Kelby"))
    )
    edited = "Update: casualty figures revised. " + TEXT
    mentions, events = _apply(corrections, edited)
    assert not mentions.problems
    assert any(e.gazetteer_name == "Paris" for e in events.events)


def test_corrections_that_no_longer_apply_are_reported_not_misapplied(tmp_path: Path) -> None:
    events = _events(_parse())
    norvale = next(e for e in events if e.gazetteer_name == "Norvale")
    ostrava = next(e for e in events if e.gazetteer_name == "Ostrava")
    corrections = _write(
        tmp_path / CORRECTIONS_FILE,
        _entry(PARIS, article="art", mention=_span("Kelby")),
        _entry({"kind": "type", "type": "meeting"}, 1, article="art", event=_ref(norvale)),
        _entry({"kind": "verified", "status": "verified"}, 2, article="art", event=_ref(ostrava)),
    )
    # Kelby twice (no longer at its offsets: which one?), Norvale's sentence rewritten,
    # Ostrava's sentence now about another place.
    edited = (
        "Kelby and Kelby. Rebels seized Norvale on Friday after a week of fighting. "
        "Aircraft bombed Dunmore and Kelby, officials said.\n"
        "The ministers met in Dunmore to discuss the ceasefire. Pellham was quiet.\n"
    )
    bombed = edited.index("Aircraft")
    result = GeoparseResult(
        "art",
        [
            _mention(edited, "Kelby"),
            _mention(edited, "Kelby", after=5),
            _mention(edited, "Norvale"),
            _mention(edited, "Dunmore", after=bombed),
            _mention(edited, "Kelby", after=bombed),
        ],
        [],
    )
    mentions = correct_mentions(result, edited, corrections)
    made = _events(mentions.result, edited)
    out = correct_events("art", made, corrections, mentions)
    problems = mentions.problems + out.problems
    assert len(problems) == 3, problems
    assert all(p.startswith("art: correction ") and "no longer applies" in p for p in problems)
    assert "appears 3 times" in mentions.problems[0]
    assert "Paris" not in {e.gazetteer_name for e in out.events}
    assert {e.event_type for e in out.events} == {e.event_type for e in made}
    assert out.verification == {}


def test_an_event_id_taken_over_by_another_place_is_not_corrected(tmp_path: Path) -> None:
    """Ostrava's event is the sentence's first ("art:60"); once Ostrava is no place,
    Kelby's event takes that id: Ostrava's correction must not land on Kelby."""
    ostrava = next(e for e in _events(_parse()) if e.gazetteer_name == "Ostrava")
    corrections = _write(
        tmp_path / CORRECTIONS_FILE,
        _entry({"kind": "type", "type": "meeting"}, article="art", event=_ref(ostrava)),
        _entry({"kind": "not_a_place"}, 1, article="art", mention=_span("Ostrava")),
    )
    _, events = _apply(corrections)
    kelby = next(e for e in events.events if e.gazetteer_name == "Kelby")
    assert kelby.id == ostrava.id and kelby.event_type == "airstrike"
    (problem,) = events.problems
    assert "no event at Ostrava" in problem and "now: Kelby" in problem


def test_a_deleted_article_is_reported(tmp_path: Path) -> None:
    corrections = _write(
        tmp_path / CORRECTIONS_FILE,
        _entry({"kind": "not_a_place"}, article="gone", mention=_span("Kelby")),
    )
    (problem,) = unknown_articles(corrections, ["art"])
    assert "no article 'gone'" in problem and corrections[0].id in problem
    assert unknown_articles(corrections, ["gone"]) == []


def test_an_articles_digest_changes_with_its_corrections_only(tmp_path: Path) -> None:
    path = tmp_path / CORRECTIONS_FILE
    first = _write(path, _entry({"kind": "not_a_place"}, article="art", mention=_span("Kelby")))
    digest = corrections_digest(corrections_by_article(first)["art"])
    other = _write(path, _entry({"kind": "not_a_place"}, 1, article="b", mention=_span("Kelby")))
    assert corrections_digest(corrections_by_article(other)["art"]) == digest
    undo = _write(path, _entry({"kind": "undo", "entry": first[0].id}, 2))
    assert corrections_by_article(undo).get("art") is None and corrections_digest([]) == ""


def test_the_build_steps_apply_corrections_to_an_article(tmp_path: Path) -> None:
    """The order the build calls them in: geoparse, mentions, article_events, events."""
    from geo.corpus.articles import article_from_text
    from geo.corpus.build import article_events

    article = article_from_text("art", TEXT, published=PUBLISHED)
    kelby = next(e for e in _events(_parse()) if e.gazetteer_name == "Kelby")
    corrections = _write(
        tmp_path / CORRECTIONS_FILE,
        _entry(PARIS, article="art", mention=_span("Kelby")),
        _entry({"kind": "type", "type": "capture"}, 1, article="art", event=_ref(kelby)),
    )
    mentions = correct_mentions(_parse(), article.raw, corrections)
    _, made = article_events(article, mentions.result)
    out = correct_events("art", made, corrections, mentions)
    paris = next(e for e in out.events if e.gazetteer_name == "Paris")
    assert paris.event_type == "capture" and set(out.corrected[paris.id]) == {"place", "event_type"}


# -- the command line ------------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    """A corpus of one article and map data with its events (as a build writes them)."""
    folder, data = tmp_path / "articles", tmp_path / "data"
    folder.mkdir()
    data.mkdir()
    (folder / "art.txt").write_text(TEXT, encoding="utf-8")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [e.lon, e.lat]},
            "properties": {
                "id": e.id,
                "article_id": "art",
                "snippet": e.snippet,
                "gazetteer_name": e.gazetteer_name,
            },
        }
        for e in _events(_parse())
    ]
    (data / "events.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return folder, data


def _correct(corpus: tuple[Path, Path], *argv: str) -> int:
    folder, data = corpus
    return main(["correct", "--corpus", str(folder), "--data", str(data), *argv])


def test_the_command_appends_one_valid_line_per_correction(corpus, capsys) -> None:
    folder, _ = corpus
    path = folder / CORRECTIONS_FILE
    kelby = str(TEXT.index("Kelby"))
    first_event = _events(_parse())[0].id
    commands = [
        ["place", "art", kelby, str(int(kelby) + 5), "--geonameid", "2988507", "--by", "ana"],
        ["not-a-place", "art", str(TEXT.index("Pellham")), str(TEXT.index("Pellham") + 7)],
        ["place", "art", kelby, str(int(kelby) + 5), "--lat", "1.5", "--lon", "2", "--name", "X"],
        ["date", first_event, "--start", "2021-03-04", "--why", "the raid began on Thursday"],
        ["type", first_event, "offensive"],
        ["verify", first_event, "verified"],
        ["merge", first_event, _events(_parse())[1].id],
        ["split", first_event],
    ]
    sizes = []
    for command in commands:
        before = path.read_bytes() if path.exists() else b""
        assert _correct(corpus, *command) == 0, capsys.readouterr().err
        assert path.read_bytes().startswith(before)  # append-only
        sizes.append(len(path.read_text(encoding="utf-8").splitlines()))
    assert sizes == list(range(1, len(commands) + 1))
    corrections, problems = load_corrections(path)
    assert not problems
    assert corrections[0].change | {"lat": 0, "lon": 0} == {
        "kind": "place", "geonameid": 2988507, "lat": 0, "lon": 0, "name": "Paris",
        "level": "city", "country": "FR",
    }  # fmt: skip
    assert corrections[0].mention == _span("Kelby") and corrections[0].by == "ana"
    assert corrections[3].change == {"kind": "date", "start": "2021-03-04", "end": "2021-03-04"}
    assert corrections[3].why == "the raid began on Thursday"
    assert corrections[3].event and corrections[3].event.id == first_event
    # undo, by the start of an id; then the list says which apply.
    assert _correct(corpus, "undo", corrections[5].id[:6]) == 0
    assert "added" in capsys.readouterr().out
    assert _correct(corpus, "list") == 0
    listed = capsys.readouterr().out
    assert f"[undone by {load_corrections(path)[0][-1].id}]" in listed
    assert listed.count("[applies]") == len(commands) - 1


@pytest.mark.parametrize(
    "argv, says",
    [
        (["place", "nope", "0", "5", "--geonameid", "2988507"], "no article 'nope'"),
        (["place", "art", "0", "7", "--geonameid", "2988507"], "not a name"),  # "Rebels "
        (["place", "art", "16", "23", "--geonameid", "999999999"], "no such place"),
        (["place", "art", "16", "23"], "give --geonameid"),
        (["place", "art", "16", "23", "--geonameid", "2988507", "--name", "X"], "not both"),
        (["place", "art", "16", "23", "--lat", "95", "--lon", "1", "--name", "X"], "not a point"),
        (["place", "art", "16", "x", "--geonameid", "2988507"], "END 'x'"),
        (["not-a-place", "art", "16", "9999"], "not a span"),
        (["date", "art:0", "--start", "2021-02-30"], "YYYY-MM-DD"),
        (["date", "art:0"], "--start"),
        (["date", "art:0", "--start", "2021-03-05", "--end", "2021-03-01"], "before"),
        (["type", "art:0", "picnic"], "one of"),
        (["verify", "art:0", "maybe"], "one of"),
        (["verify", "art:999", "verified"], "no event 'art:999'"),
        (["merge", "art:0", "art:0"], "not another event"),
        (["undo", "0123456789"], "no correction"),
    ],
)
def test_the_command_refuses_bad_input_in_one_line(corpus, capsys, argv, says) -> None:
    folder, _ = corpus
    assert _correct(corpus, *argv) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and err.startswith("campaign-map correct")
    assert not (folder / CORRECTIONS_FILE).exists()


def test_the_command_refuses_an_event_whose_sentence_changed(corpus, capsys) -> None:
    folder, _ = corpus
    (folder / "art.txt").write_text(TEXT.replace("bombed", "shelled"), encoding="utf-8")
    event = next(e for e in _events(_parse()) if e.gazetteer_name == "Ostrava")
    assert _correct(corpus, "verify", event.id, "verified") == 2
    assert "build again" in capsys.readouterr().err


def test_list_reports_what_no_longer_applies_after_an_edit(corpus, capsys) -> None:
    folder, _ = corpus
    start = TEXT.index("Kelby")
    assert _correct(corpus, "not-a-place", "art", str(start), str(start + 5)) == 0
    edited = "Kelby and Kelby. " + TEXT  # moved, and no longer the only one
    (folder / "art.txt").write_text(edited, encoding="utf-8")
    capsys.readouterr()
    assert _correct(corpus, "list") == 1
    out, err = capsys.readouterr()
    assert "NO LONGER APPLIES" in out and "appears 3 times" in out
    assert "1 correction(s) no longer apply" in err
    # An undo is refused twice over for the same entry.
    (entry,) = load_corrections(folder / CORRECTIONS_FILE)[0]
    assert _correct(corpus, "undo", entry.id) == 0
    assert _correct(corpus, "undo", entry.id) == 2
    assert "undone already" in capsys.readouterr().err
