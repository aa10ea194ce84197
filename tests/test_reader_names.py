"""Place names as English readers know them: the articles' spelling, one name per place in
a build, the gazetteer's name kept beside it (geo/pipeline/places/reader_names.py,
geo/corpus/place_names.py). The sentences are written for these tests."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from pathlib import Path

from geo.corpus.build import build
from geo.pipeline.events import ArticleRef, extract_events
from geo.pipeline.geoparse import PlaceMention
from geo.pipeline.places.reader_names import NameVotes, merge_votes, reader_name

# Two articles spell one town two ways, a third names a city and a province.
REPORTS = {
    "a": (
        "2016-05-06",
        "Iraqi troops reached the outskirts of Qayyarah on 3 May 2016, officials said.\n"
        "Fighting went on inside Qayyarah on 5 May 2016 as Iraqi forces pushed north.\n",
    ),
    "b": ("2016-05-10", "Iraqi jets struck Mosul and Qayyara on 10 May 2016.\n"),
    "c": (
        "2015-04-03",
        "Government forces in Iraq retook Tikrit on 31 March 2015 after a month of fighting.\n"
        "Militants fled Anbar province on 2 April 2015, the ministry said.\n",
    ),
}
LATER = "Iraqi engineers cleared roads near Qayyara on 12 May 2016. Qayyara was quiet.\n"


def _write(corpus: Path, name: str, published: str, text: str) -> None:
    (corpus / f"{name}.txt").write_text(text, "utf-8")
    (corpus / f"{name}.toml").write_text(f"published = {published}\n", "utf-8")


def _events(out: Path) -> list[dict]:
    return [f["properties"] for f in json.loads((out / "events.geojson").read_text())["features"]]


def test_one_name_per_place_across_the_corpus(tmp_path: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    for name, (published, text) in REPORTS.items():
        _write(corpus, name, published, text)
    build(corpus, out, processes=1, progress=False)
    events = _events(out)
    tikrit = next(e for e in events if e["gazetteer_name"] == "Tikrīt")
    assert tikrit["place"] == "Tikrit" and tikrit["geonameid"]  # the id is kept
    assert {e["place"] for e in events if e["level"] == "province"} == {"Anbar province"}
    # "Qayyarah" twice in one article, "Qayyara" once in another: one name, everywhere,
    # in the other article's `other_places` too.
    town = {e["place"] for e in events if e["gazetteer_name"] == "Al Qayyārah"}
    assert town == {"Qayyarah"}
    mosul = next(e for e in events if e["place"] == "Mosul")
    assert mosul["other_places"] == ["Qayyarah"]
    assert (out / "cache" / "b.json").read_text().count('"Qayyara"') >= 1  # its own name

    # A new article spelling it "Qayyara" twice tips the count: the other articles' lines
    # are renamed without parsing them again.
    _write(corpus, "d", "2016-05-13", LATER)
    again = build(corpus, out, processes=1, progress=False)
    assert (again.parsed, again.articles) == (1, 4)
    renamed = _events(out)
    assert {e["place"] for e in renamed if e["gazetteer_name"] == "Al Qayyārah"} == {"Qayyara"}
    assert sum(e["article_id"] == "a" and e["place"] == "Qayyara" for e in renamed) == 2
    assert next(e for e in renamed if e["place"] == "Mosul")["other_places"] == ["Qayyara"]
    # A clean build of the same corpus gives the same bytes.
    build(corpus, tmp_path / "fresh", processes=1, progress=False)
    assert (tmp_path / "fresh" / "events.geojson").read_bytes() == (
        out / "events.geojson"
    ).read_bytes()


def _mention(start: int, text: str, name: str, level: str = "city", **kw: object) -> PlaceMention:
    return PlaceMention(
        start=start,
        end=start + len(text),
        text=text,
        name=name,
        lat=kw.pop("lat", 34.6),  # type: ignore[arg-type]
        lon=kw.pop("lon", 43.7),  # type: ignore[arg-type]
        level=level,  # type: ignore[arg-type]
        geonameid=kw.pop("geonameid", 1),  # type: ignore[arg-type]
        confidence=0.9,
        country="XX",
        role="place",
        adjectival=False,
        sentence_start=0,
        sentence_end=kw.pop("sentence_end", 60),  # type: ignore[arg-type]
        caption=False,
        **kw,  # type: ignore[arg-type]
    )


ARTICLE = ArticleRef("x", "t", None, None, datetime.date(2016, 1, 10), "metadata")


def test_a_non_latin_or_acronym_spelling_falls_back_to_the_ascii_name() -> None:
    text = "Troops stormed تكريت on 3 January 2016, officials said."
    at = text.index("تكريت")
    events = extract_events(ARTICLE, text, [_mention(at, "تكريت", "Tikrīt")], [], ())
    assert [(e.place, e.gazetteer_name) for e in events] == [("Tikrit", "Tikrīt")]
    text = "Troops stormed NORTHVILLE on 3 January 2016."
    at = text.index("NORTHVILLE")
    events = extract_events(ARTICLE, text, [_mention(at, "NORTHVILLE", "Nörthvīlle")], [], ())
    assert [e.place for e in events] == ["Northville"]


def test_countries_keep_the_gazetteers_english_name() -> None:
    text = "Jets bombed targets in America on 3 January 2016."
    at = text.index("America")
    mention = _mention(at, "America", "Farland", level="country")
    assert [e.place for e in extract_events(ARTICLE, text, [mention], [], ())] == ["Farland"]


def test_a_province_takes_the_division_word_its_article_uses() -> None:
    votes = NameVotes("Nīnawá", "province", Counter({"Nineveh": 3}), Counter({"province": 1}))
    assert reader_name(votes) == "Nineveh province"
    assert reader_name(NameVotes("Nīnawá", "province", Counter({"Nineveh": 1}))) == "Nineveh"
    county = NameVotes("Orange", "province", Counter({"Orange County": 1}), Counter({"county": 1}))
    assert reader_name(county) == "Orange County"  # not "Orange County county"
    assert reader_name(NameVotes("Nīnawá", "province")) == "Ninawa"  # no Latin spelling


def test_ties_are_broken_the_same_way_in_every_order() -> None:
    one = {"1": NameVotes("Al Qayyārah", "village", Counter({"Qayyarah": 1}))}
    other = {"1": NameVotes("Al Qayyārah", "village", Counter({"Qaiyara": 1}))}
    names = {reader_name(merge_votes(order)["1"]) for order in ([one, other], [other, one])}
    assert names == {"Qaiyara"}  # equal counts: the alphabetically first spelling
