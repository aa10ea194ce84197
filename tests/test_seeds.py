"""The seed corpus: every place a reader would put on the map is found and placed right."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from geo.pipeline.places.gazetteer import Place, distance_km

GOLD = tomllib.loads((Path(__file__).parent / "data" / "seed_places.toml").read_text("utf-8"))


@pytest.fixture(scope="module")
def parsed(geoparser, seed_texts):
    return {stem: geoparser.parse(stem, text) for stem, text in seed_texts.items()}


@pytest.mark.parametrize(
    "entry", GOLD["place"], ids=[f"{p['article'][:3]}-{p['mention']}" for p in GOLD["place"]]
)
def test_place_found_within_25_km(parsed, seed_texts, entry) -> None:
    result = parsed[entry["article"]]
    text = seed_texts[entry["article"]]
    mentions = [t for t in result.places if t.text == entry["mention"]]
    assert mentions, f"{entry['mention']} not found; unresolved: {result.unresolved}"
    truth = Place(0, "truth", entry["lat"], entry["lon"], "", "", 0, "city", None)
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text
        here = Place(0, mention.name, mention.lat, mention.lon, "", "", 0, mention.level, None)
        assert distance_km(here, truth) < 25, (mention.name, mention.lat, mention.lon)


@pytest.mark.parametrize(
    "entry", GOLD["region"], ids=[f"{p['article'][:3]}-{p['mention']}" for p in GOLD["region"]]
)
def test_regions_resolve_to_the_right_entry(parsed, entry) -> None:
    mentions = [t for t in parsed[entry["article"]].places if t.text == entry["mention"]]
    assert mentions and all(m.geonameid == entry["geonameid"] for m in mentions)


def test_derived_place_is_marked(parsed) -> None:
    kharbardan = [t for t in parsed["004_5a53932adf590de1"].places if t.text == "Kharbardan"]
    assert kharbardan[0].level == "derived"
    assert kharbardan[0].uncertainty_km and kharbardan[0].derived_from
    assert kharbardan[0].caption  # the sentence is the photo caption


def test_adjectives_and_organisations_are_not_places(parsed) -> None:
    for result in parsed.values():
        for mention in result.toponyms:
            if mention.text in {"Iraqi", "Iranian", "Kurdish", "American", "Syrian"}:
                assert mention.adjectival and mention.role == "adjectival"
    mosul_university = [
        t
        for t in parsed["004_5a53932adf590de1"].toponyms
        if t.text == "Mosul" and "University" in parsed_text_after(t, "004_5a53932adf590de1")
    ]
    assert all(t.role == "in_name" for t in mosul_university)


def parsed_text_after(mention, stem: str) -> str:
    text = (Path(__file__).parents[1] / "seeds" / f"{stem}.txt").read_text("utf-8")
    return text[mention.end : mention.end + 12]


def test_boilerplate_places_never_reach_the_map(parsed) -> None:
    comments = parsed["003_a4a40e82292800eb"]
    assert not [t for t in comments.places if t.text in {"Afghanistan", "Antietam"}]
    sidebar = parsed["002_9cc5c565ada27aa5"]
    assert not [t for t in sidebar.toponyms if t.text in {"Russia", "Russian"}]


def test_unresolved_names_are_reported_not_dropped(geoparser) -> None:
    text = "Fighters entered Zzyzxabad on Monday, officials in Baghdad said."
    result = geoparser.parse("t", text)
    names = {u.text for u in result.unresolved} | {t.text for t in result.toponyms}
    assert "Baghdad" in names
    for item in result.unresolved:
        assert item.reason and item.sentence
