"""Corrections made in the app (geo/app/correction_choices.py, corrections_form.py): the
pure parts (the event's names as mentions of its article, runner-up places, the gazetteer
search, incidents to merge with, the last correction to undo, the unresolved names) and the
forms through Streamlit's AppTest over a small corpus written for these tests: each save is
one line of the app's corrections file, checked against the article's text, and the map is
built again with it.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo.app import correction_choices as choices
from geo.app import corrections_form as cf
from geo.app import dashboard
from geo.corpus.build import build
from geo.corpus.corrections import MentionRef, load_corrections, new_entry, parse_entry
from geo.map import filters, tiles
from geo.pipeline.places.gazetteer import get_gazetteer, haversine_km

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"

WIRE = (
    "Rebels captured Gulu on 3 May 2019 with 3,000 fighters, officials said.\n"
    "On 5 May 2019 the army shelled rebel positions in Kitgum, residents said.\n"
    "Fighting was reported near the village of Zorbaxa on 6 May 2019.\n"
)
PAPER = "Rebels seized Gulu on 3 May 2019 with 5,000 fighters, witnesses said.\n"
LATER = "On 12 May 2019 the army bombed rebel positions in Gulu, officials said.\n"
SIDECARS = {
    "wire": 'source = "Wire One"\npublished = 2019-05-07\n',
    "paper": 'source = "Paper Two"\npublished = 2019-05-08\n',
    "later": 'source = "Wire One"\npublished = 2019-05-13\n',
}

Props = Any  # an event record (EventProperties) as read back


def write_corpus(folder: Path) -> Path:
    """Two reports of one capture at Gulu, a later bombing there, a shelling of Kitgum and
    a village the gazetteer does not know."""
    folder.mkdir(parents=True)
    for stem, text in (("wire", WIRE), ("paper", PAPER), ("later", LATER)):
        (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
        (folder / f"{stem}.toml").write_text(SIDECARS[stem], encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("app_corrections")
    corpus = write_corpus(base / "corpus")
    build(corpus, base / "mapdata", processes=1, progress=False)
    return corpus, base / "mapdata"


@pytest.fixture()
def workspace(built: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A corpus and its map data of the test's own: corrections are written beside it."""
    corpus, data = tmp_path / "corpus", tmp_path / "mapdata"
    shutil.copytree(built[0], corpus)
    shutil.copytree(built[1], data)
    return corpus, data


def events(data: Path) -> dict[str, Props]:
    return {
        f["properties"]["id"]: f["properties"] for f in filters.load_events(data / "events.geojson")
    }


def features_of(data: Path) -> list[Any]:
    return filters.load_events(data / "events.geojson")


# -- pure parts ------------------------------------------------------------------------


def test_the_events_place_name_is_a_mention_of_its_article(built: tuple[Path, Path]) -> None:
    corpus, data = built
    by_id = events(data)
    texts = {stem: (corpus / f"{stem}.txt").read_text("utf-8") for stem in ("wire", "later")}
    for event_id in ("wire:0", "later:0"):
        props = by_id[event_id]
        [mention] = choices.place_mentions(props)
        article = texts[props["article_id"]]
        assert article[mention.start : mention.end] == mention.text == "Gulu"
        offset = choices.sentence_offset(event_id)
        assert offset is not None and mention.start == offset + article[offset:].index("Gulu")
    # The village's sentence has its event at Kitgum, named in an earlier sentence: no
    # name of this sentence to correct.
    inherited = next(p for p in by_id.values() if p["snippet"].startswith("Fighting was reported"))
    assert choices.place_mentions(inherited) == []


def test_the_name_of_the_events_place_is_chosen_among_the_sentences_names() -> None:
    snippet = "Shelling hit Alpha and Beta on Monday."
    props = {
        "id": "a:2:40",
        "snippet": snippet,
        "place": "Beta",
        "gazetteer_name": "Beta",
        "marks": [
            {"start": 13, "end": 18, "kind": "place"},
            {"start": 23, "end": 27, "kind": "place"},
            {"start": 31, "end": 37, "kind": "time"},
        ],
    }
    mentions = choices.place_mentions(props)
    assert mentions == [MentionRef(53, 58, "Alpha"), MentionRef(63, 67, "Beta")]
    assert choices.event_mention_index(props, mentions) == 1
    assert choices.sentence_offset("a:40") == 40 and choices.sentence_offset("plain") is None


def test_runner_ups_leave_out_the_events_place_nearest_first(built: tuple[Path, Path]) -> None:
    data = built[1]
    props = events(data)["wire:0"]
    near = choices.article_centre(props, features_of(data))
    assert near is not None
    gazetteer = get_gazetteer()
    ups = choices.runner_ups(gazetteer, "Gulu", props, near)
    assert ups and props["geonameid"] not in {p.geonameid for p in ups}
    assert {c.place.geonameid for c in gazetteer.candidates("Gulu")} - {props["geonameid"]} == {
        p.geonameid for p in ups
    }
    distances = [round(haversine_km(*near, p.lat, p.lon)) for p in ups]
    assert distances == sorted(distances)
    label = choices.place_label(ups[0], near)
    assert ups[0].name in label and "km away" in label


def test_gazetteer_search_ignores_spelling_and_finds_name_starts() -> None:
    gazetteer = get_gazetteer()
    kitgum = next(c.place for c in gazetteer.candidates("Kitgum"))
    assert kitgum in choices.search_places(gazetteer, "KITGÚM", None)
    assert kitgum in choices.search_places(gazetteer, "Kitg", None)
    assert choices.search_places(gazetteer, "  ", None) == []
    assert choices.place_change(kitgum) == {
        "kind": "place",
        "geonameid": kitgum.geonameid,
        "lat": kitgum.lat,
        "lon": kitgum.lon,
        "name": kitgum.name,
        "level": kitgum.level,
        "country": kitgum.country,
    }


def feature(event_id: str, lon: float, lat: float, start: str | None, **more: Any) -> Any:
    props = {
        "id": event_id,
        "article_id": event_id.split(":")[0],
        "place": f"P{event_id}",
        "date_start": start,
        "date_end": start,
        "snippet": f"Words of {event_id} one two three four five six seven eight nine.",
        "incident_id": more.pop("incident_id", ""),
        "incident_reports": more.pop("incident_reports", 1),
    }
    return {"geometry": {"coordinates": [lon, lat]}, "properties": props}


def test_incidents_to_merge_with_are_near_in_place_and_time() -> None:
    own = feature("a:0", 30.0, 10.0, "2020-01-10", incident_id="I-own", incident_reports=2)
    same_incident = feature("b:0", 30.0, 10.0, "2020-01-10", incident_id="I-own")
    near_soon = feature("c:0", 30.1, 10.0, "2020-01-12", incident_id="I-c")
    near_later = feature("d:0", 30.0, 10.1, "2020-02-01", incident_id="I-d")
    near_report = feature("e:5", 30.0, 10.0, "2020-02-01", incident_id="I-d")
    too_far = feature("f:0", 31.0, 10.0, "2020-01-10", incident_id="I-f")  # ~110 km
    too_late = feature("g:0", 30.0, 10.0, "2020-06-01", incident_id="I-g")
    undated = feature("h:0", 30.0, 10.0, None)
    features = [own, same_incident, near_soon, near_later, near_report, too_far, too_late, undated]
    offered = choices.nearby_incidents(own["properties"], features)
    assert [c.merge_with for c in offered] == ["c:0", "d:0", "h:0"]
    assert offered[0].days == 2 and offered[0].km < 15 and offered[2].days is None
    later = offered[1].label
    assert later.startswith("Pd:0, 2020-02-01:") and later.endswith("(2 reports)")
    assert "…" in later  # the first words of the snippet, not all of it
    assert choices.can_split(own["properties"]) and not choices.can_split(near_soon["properties"])


def test_the_last_correction_of_an_event_is_the_one_to_undo() -> None:
    props = {"id": "a:100", "article_id": "a", "snippet": "Rebels took Gulu on Monday."}
    event = {"id": "a:100", "sentence": props["snippet"], "place": "Gulu"}
    from geo.corpus.corrections import EventRef

    ref = EventRef(**event)
    verified = new_entry({"kind": "verified", "status": "verified"}, article="a", event=ref)
    in_sentence = new_entry(
        {"kind": "not_a_place"}, article="a", mention=MentionRef(112, 116, "Gulu")
    )
    elsewhere = new_entry({"kind": "not_a_place"}, article="a", mention=MentionRef(5, 9, "Lira"))
    undo = new_entry({"kind": "undo", "entry": in_sentence["id"]})
    parsed = [parse_entry(e) for e in (verified, in_sentence, elsewhere)]
    assert choices.last_correction(parsed, props) == parsed[1]
    assert choices.last_correction([*parsed, parse_entry(undo)], props) == parsed[0]
    assert choices.last_correction(parsed[2:], props) is None


def test_unresolved_names_carry_their_offsets(built: tuple[Path, Path]) -> None:
    corpus, data = built
    doc = json.loads((data / "articles.json").read_text("utf-8"))
    names = choices.unresolved_names(doc["articles"])
    [zorbaxa] = [n for n in names if n.mention.text == "Zorbaxa"]
    text = (corpus / "wire.txt").read_text("utf-8")
    assert text[zorbaxa.mention.start : zorbaxa.mention.end] == "Zorbaxa"
    assert zorbaxa.article == "wire" and zorbaxa.label.startswith("Zorbaxa: ")
    # A record without offsets (an older build's) is left out, not a crash.
    old = [{"id": "x", "unresolved": [{"text": "Foo", "sentence": "", "reason": ""}]}]
    assert choices.unresolved_names(old) == []


def test_entries_are_appended_with_distinct_ids(tmp_path: Path) -> None:
    file = tmp_path / "new" / "corrections.jsonl"
    target = choices.Target({"kind": "not_a_place"}, article="a", mention=MentionRef(0, 4, "Gulu"))
    written = choices.write_entries(file, [target, target], why=" not here ")
    assert len({c.id for c in written}) == 2
    back, problems = load_corrections(file)
    assert [c.id for c in back] == [c.id for c in written] and not problems
    assert back[0].why == "not here"
    assert choices.saved_line("Corrected X", written) == "Corrected X: not a place; not a place"


# -- the forms in the app --------------------------------------------------------------


def open_app(monkeypatch: pytest.MonkeyPatch, corpus: Path, data: Path, event: Props) -> AppTest:
    """The app over the test's folders with `event` picked (as a click on its marker)."""
    monkeypatch.setenv("CAMPAIGN_MAP_CORPUS", str(corpus))
    monkeypatch.setenv("CAMPAIGN_MAP_DATA", str(data))
    monkeypatch.delenv(tiles.URL_ENV, raising=False)
    monkeypatch.delenv("CAMPAIGN_MAP_VIEW", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=120)
    lon, lat = next(
        f["geometry"]["coordinates"]
        for f in features_of(data)
        if f["properties"]["id"] == event["id"]
    )
    at.session_state[dashboard.CLICKED] = {"lat": lat, "lng": lon}
    at.session_state[dashboard.PICKED_ID] = event["id"]
    return run(at)


def run(target: Any) -> AppTest:
    at = target.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def lines(data: Path) -> list[dict[str, Any]]:
    file = data / "corpus" / "corrections.jsonl"
    return [json.loads(line) for line in file.read_text("utf-8").splitlines()]


def said(at: AppTest) -> str:
    """The sidebar's saved line as it reads (escaped for Markdown: entities)."""
    return html.unescape(" ".join(s.value for s in at.success))


def test_wrong_place_from_the_runner_ups_is_saved_mapped_and_undone(
    monkeypatch: pytest.MonkeyPatch, workspace: tuple[Path, Path]
) -> None:
    corpus, data = workspace
    before = events(data)["wire:0"]
    at = open_app(monkeypatch, corpus, data, before)
    pick = at.selectbox(key="cf-candidates-wire:0")
    china = next(i for i, label in enumerate(pick.options) if label.startswith("Gulu, CN ("))
    run(pick.select_index(china))
    run(at.button(key="cf-place-wire:0").click())
    [entry] = lines(data)
    assert entry["article"] == "wire" and entry["change"]["kind"] == "place"
    text = (corpus / "wire.txt").read_text("utf-8")
    mention = entry["mention"]
    assert text[mention["start"] : mention["end"]] == mention["text"] == "Gulu"
    assert entry["change"]["country"] == "CN"
    after = events(data)["wire:0"]
    assert after["country"] == "CN" and after["geonameid"] == entry["change"]["geonameid"]
    change = entry["change"]
    assert f'Corrected "Gulu": place -> Gulu ({change["geonameid"]})' in said(at)
    assert not (corpus / "corrections.jsonl").exists()  # the corpus folder is left alone
    # Undo: the place is the pipeline's again.
    at = open_app(monkeypatch, corpus, data, after)
    run(at.button(key="cf-undo-wire:0").click())
    undo = lines(data)[-1]
    assert undo["change"] == {"kind": "undo", "entry": entry["id"]}
    restored = events(data)["wire:0"]
    assert restored["geonameid"] == before["geonameid"] and not restored["corrected"]


def test_wrong_place_from_a_search_and_the_clicked_point(
    monkeypatch: pytest.MonkeyPatch, workspace: tuple[Path, Path]
) -> None:
    corpus, data = workspace
    at = open_app(monkeypatch, corpus, data, events(data)["later:0"])
    run(at.radio(key="cf-source-later:0").set_value(cf.PLACE_SOURCES[1]))
    run(at.text_input(key="cf-query-later:0").input("kitgúm"))
    assert at.selectbox(key="cf-search-later:0").options[0].startswith("Kitgum, UG (")
    run(at.button(key="cf-place-later:0").click())
    assert lines(data)[-1]["change"]["name"] == "Kitgum"
    moved = events(data)["later:0"]
    assert moved["gazetteer_name"] == "Kitgum" and moved["corrected"]["place"]["was"] == "Gulu"
    # The details panel follows the event to its new place, shown as corrected.
    change = lines(data)[-1]["change"]
    assert at.session_state[dashboard.CLICKED] == {"lat": change["lat"], "lng": change["lon"]}
    first = next(m.value for m in at.markdown if m.value.startswith('<div class="cm-popup">'))
    assert "Corrected: place was Gulu" in first
    # A point clicked on the map, named by the analyst.
    at = open_app(monkeypatch, corpus, data, events(data)["paper:0"])
    at.session_state[dashboard.MAP_POINT] = (2.5, 32.5)
    run(at.radio(key="cf-source-paper:0").set_value(cf.PLACE_SOURCES[2]))
    run(at.text_input(key="cf-point-name-paper:0").input("Gulu outskirts"))
    run(at.button(key="cf-place-paper:0").click())
    change = lines(data)[-1]["change"]
    assert (change["lat"], change["lon"], change["name"]) == (2.5, 32.5, "Gulu outskirts")
    moved = events(data)["paper:0"]
    assert moved["gazetteer_name"] == "Gulu outskirts" and moved["corrected"]["place"]


def test_not_a_place_removes_its_events(
    monkeypatch: pytest.MonkeyPatch, workspace: tuple[Path, Path]
) -> None:
    corpus, data = workspace
    at = open_app(monkeypatch, corpus, data, events(data)["later:0"])
    run(at.button(key="cf-nap-later:0").click())
    assert lines(data)[-1]["change"] == {"kind": "not_a_place"}
    assert not [p for p in events(data).values() if p["article_id"] == "later"]
    assert "not a place" in said(at)


def test_merge_and_split_are_written_as_the_command_line_writes_them(
    monkeypatch: pytest.MonkeyPatch, workspace: tuple[Path, Path]
) -> None:
    corpus, data = workspace
    wire = events(data)["wire:0"]
    assert wire["incident_reports"] == 2  # with the paper's report
    at = open_app(monkeypatch, corpus, data, wire)
    merge = at.selectbox(key="cf-merge-pick-wire:0")
    assert merge.options[0].startswith('Gulu, 2019-05-12: "On 12 May 2019')
    run(at.button(key="cf-merge-wire:0").click())
    entry = lines(data)[-1]
    assert entry["change"] == {"kind": "merge", "with": "later:0"}
    assert entry["event"] == {"id": "wire:0", "sentence": wire["snippet"], "place": "Gulu"}
    at = open_app(monkeypatch, corpus, data, events(data)["wire:0"])
    run(at.button(key="cf-split-wire:0").click())
    assert lines(data)[-1]["change"] == {"kind": "split"}
    # One report alone: nothing to split from.
    at = open_app(monkeypatch, corpus, data, events(data)["wire:72"])
    assert not [b for b in at.button if b.key == "cf-split-wire:72"]


def test_an_unresolved_name_gets_a_place_or_is_no_place(
    monkeypatch: pytest.MonkeyPatch, workspace: tuple[Path, Path]
) -> None:
    corpus, data = workspace
    at = open_app(monkeypatch, corpus, data, events(data)["wire:0"])
    assert at.selectbox(key="cf-unresolved-name").options[0].startswith("Zorbaxa: ")
    run(at.text_input(key="cf-unresolved-query-wire-188").input("Kitgum"))
    run(at.button(key="cf-unresolved-save").click())
    entry = lines(data)[-1]
    text = (corpus / "wire.txt").read_text("utf-8")
    m = entry["mention"]
    assert text[m["start"] : m["end"]] == "Zorbaxa" and entry["change"]["name"] == "Kitgum"
    doc = json.loads((data / "articles.json").read_text("utf-8"))
    wire = next(a for a in doc["articles"] if a["id"] == "wire")
    assert wire["unresolved"] == []  # placed now


def test_article_text_in_the_forms_stays_text(
    monkeypatch: pytest.MonkeyPatch, workspace: tuple[Path, Path]
) -> None:
    """The unresolved name's sentence (article text) and the names are shown as literal
    text: no link, image or emphasis forms from them."""
    corpus, data = workspace
    said = "the village of Zorbaxa on 6 May 2019"
    hostile = said + ", see [the report](https://example.invalid) **now** ![x](y)"
    text = (corpus / "wire.txt").read_text("utf-8")
    (corpus / "wire.txt").write_text(text.replace(said, hostile), "utf-8")
    build(corpus, data, processes=1, progress=False)
    at = open_app(monkeypatch, corpus, data, events(data)["paper:0"])
    shown = [c.value for c in at.caption]
    assert any("Zorbaxa" in c for c in shown), shown
    for caption in shown:
        assert "](" not in caption and "**" not in caption, caption
