"""Recognition and resolution rules (issue 11), each on sentences written for the test."""

from __future__ import annotations

import pytest

from geo.pipeline.geoparse import GeoparseResult


@pytest.fixture(scope="module")
def parse(geoparser):
    def run(text: str) -> GeoparseResult:
        return geoparser.parse("t", text)

    return run


def mentions(result: GeoparseResult, text: str) -> list:
    return [t for t in result.toponyms if t.text == text]


def test_a_place_once_is_a_place_at_every_mention(parse) -> None:
    text = (
        "Rebels shelled the outskirts of Kalemie on Monday.\n\n"
        "Kalemie had been cut off for weeks, aid workers said. Kalemie, the main port "
        "on the lake, is short of food."
    )
    found = mentions(parse(text), "Kalemie")
    assert len(found) == 3
    assert {t.role for t in found} == {"place"}
    assert {t.country for t in found} == {"CD"}


def test_one_sense_leaves_longer_names_alone(parse) -> None:
    text = "Fighting reached Kisangani on Monday. Kisangani University closed its doors."
    roles = [t.role for t in parse(text).toponyms if t.text.startswith("Kisangani")]
    assert roles[0] == "place"
    assert "place" not in roles[1:]


@pytest.mark.parametrize(
    "text, name",
    [
        ("Rwanda-backed rebels advanced on Goma overnight.", "Rwanda"),
        ("The Kenya-led force patrolled the port of Kismayo.", "Kenya"),
        ("US officials said the embassy in Nairobi would close.", "US"),
        ("UK intelligence expects more fighting around Bunia.", "UK"),
    ],
)
def test_adjectival_uses_of_a_country_are_not_places(parse, text, name) -> None:
    found = mentions(parse(text), name)
    assert found and all(t.role == "adjectival" for t in found), found


def test_an_acronym_used_as_a_place_stays_a_place(parse) -> None:
    result = parse("Delegates flew to the US and then to Nairobi for talks.")
    assert [t.role for t in mentions(result, "US")] == ["place"]


@pytest.mark.parametrize("word", ["Western", "Eastern", "Christian", "North"])
def test_directions_and_religions_alone_are_never_places(parse, word) -> None:
    text = f"{word} leaders met in Addis Ababa on Friday to discuss the ceasefire."
    result = parse(text)
    assert not [t for t in result.toponyms if t.text == word and t.role == "place"]
    assert mentions(result, "Addis Ababa")


def test_a_facility_resolves_to_its_place_with_a_radius(parse) -> None:
    result = parse("Militants shelled the Bunia airport on Tuesday, the army said.")
    (bunia,) = mentions(result, "Bunia")
    assert bunia.level == "facility" and bunia.country == "CD"
    assert bunia.uncertainty_km and bunia.derived_from == "airport of Bunia"


def test_an_exact_spelling_outranks_a_folded_one(parse) -> None:
    (place,) = mentions(parse("Troops entered Samarra on 1 September."), "Samarra")
    assert place.country == "IQ"


def test_a_named_place_that_no_gazetteer_knows_is_listed_as_unresolved(parse) -> None:
    result = parse("Rebels overran the village of Zorgovka, residents said.")
    assert [u.text for u in result.unresolved] == ["Zorgovka"]
    assert result.unresolved[0].reason


def test_a_small_place_abroad_needs_more_than_the_texts_word(parse) -> None:
    # "the town of Baga" names a place; the gazetteer's Bagas are villages in Spain and
    # India, not in the country this article is about.
    text = (
        "Nigerian troops fought their way back into the town of Baga in Nigeria on "
        "Sunday, officials in Abuja said."
    )
    result = parse(text)
    assert not [t for t in result.toponyms if t.text == "Baga"]
    assert "Baga" in [u.text for u in result.unresolved]


def test_a_name_listed_after_a_cued_one_is_cued_too() -> None:
    import spacy

    from geo.pipeline.places.name_context import cue_before

    doc = spacy.blank("en")("Crowds gathered in Aldor, Brint and Velmar while Osric and Tam spoke.")
    by_text = {t.text: doc[t.i : t.i + 1] for t in doc}
    assert cue_before(by_text["Brint"]) and cue_before(by_text["Velmar"])
    assert not cue_before(by_text["Tam"])


def test_a_connector_does_not_end_a_named_place(parse) -> None:
    text = "Troops advanced toward the town of Velmarsk as night fell."
    assert [u.text for u in parse(text).unresolved] == ["Velmarsk"]


@pytest.mark.parametrize(
    "text, name, country",
    [
        (
            "Ukrainian forces shelled Mariupil on Monday, and Russian officials denied it.",
            "Mariupol",
            "UA",
        ),
        ("Afghan police fled from Tirin Kot as the Taliban advanced.", "Tarinkot", "AF"),
    ],
)
def test_another_romanisation_finds_the_place_in_the_articles_countries(
    parse, text, name, country
) -> None:
    written = text.split()[3] if "Mariupil" in text else "Tirin Kot"
    (found,) = mentions(parse(text), written)
    assert (found.name, found.country) == (name, country)


def test_another_romanisation_is_not_taken_abroad(parse) -> None:
    text = "Nigerian soldiers entered Maydugiri after a long march, officials said."
    assert not [t for t in parse(text).toponyms if t.text == "Maydugiri" and t.name]


def test_a_river_is_not_the_town_of_its_name(parse) -> None:
    result = parse("Troops crossed the Kasai River near Tshikapa on Monday.")
    assert not [t for t in result.toponyms if t.text.startswith("Kasai")]
    (river,) = [u for u in result.unresolved if u.text.startswith("Kasai")]
    assert "water" in river.reason


def test_every_word_list_says_what_it_is_for_and_where_it_comes_from() -> None:
    import tomllib

    from geo.pipeline.places.wordlists import RECOGNITION_WORDS, word_pairs, words

    lists = tomllib.loads(RECOGNITION_WORDS.read_text(encoding="utf-8"))
    for name, table in lists.items():
        assert table.get("why") and table.get("source"), name
        found = word_pairs(name) if "words" not in table else {"": words(name)}
        assert all(found.values()), name
    assert "seizing" in words("place_cues") and "base" in word_pairs("facility_pairs")["air"]
