"""Dated events: the seeds' main events, event types, actors, figures."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path

import pytest

from geo.corpus.articles import load_article
from geo.corpus.build import article_events
from geo.pipeline.actions import event_type, find_figures, load_actors
from geo.pipeline.events import ArticleRef, extract_events
from geo.pipeline.geoparse import PlaceMention
from geo.pipeline.places.gazetteer import Place, distance_km

from .conftest import SEEDS

GOLD = tomllib.loads((Path(__file__).parent / "data" / "seed_events.toml").read_text("utf-8"))


@pytest.fixture(scope="module")
def seed_events(geoparser):
    events = {}
    for path in sorted(SEEDS.glob("*.txt")):
        article = load_article(path)
        _, found = article_events(article, geoparser.parse(article.id, article.raw))
        events[article.id] = found
    return events


@pytest.mark.parametrize("gold", GOLD["event"], ids=[g["what"][:40] for g in GOLD["event"]])
def test_main_events_land_on_place_and_interval(seed_events, gold) -> None:
    candidates = [e for e in seed_events[gold["article"]] if gold["snippet_contains"] in e.snippet]
    assert candidates, f"no event for {gold['what']!r}"
    truth = Place(0, "", gold["lat"], gold["lon"], "", "", 0, "city", None)
    event = candidates[0]
    here = Place(0, event.place, event.lat, event.lon, "", "", 0, event.level, None)
    assert distance_km(here, truth) < gold.get("max_km", 25), (event.place, event.level)
    assert (event.date_start, event.date_end) == (gold["date_start"], gold["date_end"]), event


def test_origin_is_not_the_place(seed_events) -> None:
    delegation = next(
        e for e in seed_events["003_a4a40e82292800eb"] if "delegation of ISIS chiefs" in e.snippet
    )
    assert delegation.place == "Mosul"
    assert "Raqqa" in delegation.other_places  # the article's spelling, not "Ar Raqqah"


def test_every_event_is_consistent(seed_events) -> None:
    for events in seed_events.values():
        for event in events:
            assert event.date_start <= event.date_end
            published = event.article.published
            if not event.planned:
                assert event.date_end <= published
            for mark in event.marks:
                assert 0 <= mark.start < mark.end <= len(event.snippet)
            assert 0 < event.confidence <= 1
            assert event.time_basis in {"explicit", "relative", "publication"}


def test_publication_date_is_inherited_and_marked(seed_events) -> None:
    undated = [e for e in seed_events["000_bc2536e3535fb8c6"] if e.time_basis == "publication"]
    assert undated and all(e.date_start == datetime.date(2015, 3, 2) for e in undated)


def test_event_types() -> None:
    assert event_type("Troops stormed the city and recaptured it.") == "capture"
    assert event_type("Warplanes conducted airstrikes on the town.") == "airstrike"
    assert event_type("The army launched an offensive.") == "offensive"
    assert event_type("Soldiers fled the town overnight.") == "withdrawal"
    assert event_type("Thousands of refugees were displaced.") == "civilian_harm"
    assert event_type("The minister met with commanders during a visit.") == "meeting"
    assert event_type("The offensive was postponed.") == "offensive"
    assert event_type("The weather was fine.") == "other"
    # The trigger nearest the time expression decides a mixed sentence.
    sentence = "The offensive to liberate the city stalled; commanders met with envoys Sunday."
    assert event_type(sentence) == "capture"
    assert event_type(sentence, near=sentence.index("Sunday")) == "meeting"


def test_figures_and_actors() -> None:
    sentence = (
        "Altogether 54,000 Iraqi troops and 5,000 US servicemen were invested; "
        "an initial assault force of 9,000 and 2 million people."
    )
    assert find_figures(sentence) == (
        "54,000 Iraqi troops",
        "5,000 US servicemen",
        "force of 9,000",
        "2 million people",
    )
    actors = load_actors()
    found = extract_events(
        ArticleRef("a", "t", None, None, datetime.date(2016, 1, 1), "metadata"),
        "Peshmerga and ISIS fighters clashed in Sinjar. It is what it is.",
        [
            PlaceMention(
                41,
                47,
                "Sinjar",
                "Sinjar",
                36.3,
                41.8,
                "city",
                1,
                0.9,
                "IQ",
                "place",
                False,
                0,
                48,
                False,
            )
        ],
        [],
        actors,
    )
    assert found[0].actors == ("ISIS", "Peshmerga")
    assert found[0].time_basis == "publication"


def test_user_extends_the_actor_lexicon(tmp_path: Path) -> None:
    lexicon = tmp_path / "actors.toml"
    lexicon.write_text(
        '[[actor]]\nname = "Golden Division"\nside = "Iraq"\n'
        'patterns = ["Golden Division", "CTS"]\n',
        encoding="utf-8",
    )
    actors = load_actors(lexicon)
    assert actors[0].pattern.search("the CTS entered") and not actors[0].pattern.search("cts")


# --- Events as (action, place, time) triples (issue 11): sentences written for the test.


def events_of(geoparser, text: str, published: datetime.date = datetime.date(2019, 6, 14)):
    from geo.corpus.articles import article_from_text

    article = article_from_text("t", text, published)
    return article_events(article, geoparser.parse("t", text))[1]


def where_when(events) -> list[tuple[str, str, str]]:
    return [(e.country, e.place, e.date_start.isoformat()) for e in events]


def test_a_dateline_is_never_the_place_of_another_places_event(geoparser) -> None:
    text = "NAIROBI (Reuters) - Rebels captured Bunia on Friday, officials said.\n"
    assert [e.place for e in events_of(geoparser, text)] == ["Bunia"]


def test_two_places_with_two_dates_make_two_events(geoparser) -> None:
    text = "The army captured Gulu on 3 May while the push into Kisangani started on 9 June."
    assert [(e.place, e.date_start.isoformat()) for e in events_of(geoparser, text)] == [
        ("Gulu", "2019-05-03"),
        ("Kisangani", "2019-06-09"),
    ]


def test_coordinated_places_share_the_action_and_its_date(geoparser) -> None:
    found = events_of(geoparser, "Government forces retook Kindu and Kalemie on Friday.")
    assert [(e.place, e.date_start.isoformat(), e.event_type) for e in found] == [
        ("Kindu", "2019-06-14", "capture"),
        ("Kalemie", "2019-06-14", "capture"),
    ]


def test_a_place_left_is_the_place_of_a_withdrawal(geoparser) -> None:
    (event,) = events_of(geoparser, "Rebels withdrew from Kalemie on Sunday.")
    assert (event.place, event.event_type) == ("Kalemie", "withdrawal")


def test_from_is_still_an_origin_for_movement_toward_another_place(geoparser) -> None:
    (event,) = events_of(geoparser, "A convoy arrived in Goma from Kisangani on Sunday.")
    assert event.place == "Goma"


def test_the_main_action_wins_over_an_opening_subordinate_clause(geoparser) -> None:
    undated = events_of(
        geoparser, "After securing Bunia, forces launched an operation to retake Kisangani."
    )
    assert [e.place for e in undated] == ["Kisangani"]


def test_a_dated_subordinate_clause_gets_its_own_event(geoparser) -> None:
    text = (
        "After securing Bunia on 3 May, forces launched an operation to retake Kisangani on 9 May."
    )
    assert [(e.place, e.date_start.isoformat()) for e in events_of(geoparser, text)] == [
        ("Bunia", "2019-05-03"),
        ("Kisangani", "2019-05-09"),
    ]


def test_relative_anchors_chain_to_the_previous_dated_event(geoparser) -> None:
    text = (
        "Rebels attacked Goma on 3 May 2013.\n\n"
        "The next day, troops entered Bunia. Two days later, they reached Kisangani."
    )
    found = {e.place: e.date_start.isoformat() for e in events_of(geoparser, text)}
    assert found == {"Goma": "2013-05-03", "Bunia": "2013-05-04", "Kisangani": "2013-05-06"}


def test_an_old_event_reported_later_keeps_its_own_date(geoparser) -> None:
    text = "Militants captured Kindu in June 2012, a report said on Monday."
    (event,) = events_of(geoparser, text, datetime.date(2017, 3, 1))
    assert (event.date_start, event.date_end) == (
        datetime.date(2012, 6, 1),
        datetime.date(2012, 6, 30),
    )


def test_old_background_without_an_action_stays_out(geoparser) -> None:
    assert events_of(geoparser, "Kindu was founded in 1930.", datetime.date(2017, 3, 1)) == []


def test_the_main_action_decides_the_type_not_the_report(geoparser) -> None:
    (event,) = events_of(
        geoparser, "30,000 troops stormed Kisangani on Friday, officials reported."
    )
    assert event.event_type == "offensive"


def test_a_country_around_a_town_is_context(geoparser) -> None:
    found = events_of(geoparser, "Fighting raged in Gulu, in northern Uganda, on Friday.")
    assert [e.place for e in found] == ["Gulu"]


def test_a_village_near_a_town_does_not_swallow_the_towns_event(geoparser) -> None:
    # The origin is a village near the town: the town still has its event.
    found = events_of(
        geoparser, "Troops advanced on Kisangani from Yangambi, officials in Kinshasa said."
    )
    assert found and found[0].place == "Kisangani"


def test_a_continent_is_never_inherited_by_the_next_sentence(geoparser) -> None:
    text = "The war shook Europe.\nTroops were seizing the bridge on Thursday."
    assert events_of(geoparser, text) == [] or all(
        e.place != "Europe" or "Europe" in e.snippet for e in events_of(geoparser, text)
    )


def test_a_country_is_an_event_place_only_where_something_happens_in_it(geoparser) -> None:
    assert events_of(geoparser, "Uganda said on Friday it would send more troops.") == []
    found = events_of(geoparser, "Thousands fled to neighbouring Uganda on Friday.")
    assert [e.place for e in found] == ["Uganda"]


def test_a_far_reference_point_is_not_the_place(geoparser) -> None:
    text = "Rebels shelled a village 90 km (56 miles) north of Kisangani on Friday."
    assert events_of(geoparser, text) == []
    near = events_of(geoparser, "Rebels shelled a village 8 km north of Kisangani on Friday.")
    assert [e.place for e in near] == ["Kisangani"]


def test_a_capital_standing_for_its_government_is_not_the_place(geoparser) -> None:
    text = "Rebels captured Gulu on Friday, a victory for Kampala."
    assert [e.place for e in events_of(geoparser, text)] == ["Gulu"]
    text = "Rebels backed by Kampala captured Gulu on Friday."
    assert [e.place for e in events_of(geoparser, text)] == ["Gulu"]
    assert events_of(geoparser, "Kinshasa said on Friday that talks had failed.") == []


def test_a_dateline_alone_gives_no_event(geoparser) -> None:
    text = "KINSHASA (Reuters) - Rebels said on Friday they had shot down a helicopter.\n"
    assert events_of(geoparser, text) == []


def test_event_triggers_are_data_and_match_every_form_and_occurrence(tmp_path: Path) -> None:
    from geo.pipeline.actions import load_event_types

    assert (
        event_type("Ukrainian troops pushed east, seizing the town on Thursday.", near=45)
        == "capture"
    )  # "seizing", the trigger nearest the time, not the earlier "pushed"
    assert event_type("The center stayed calm.") == "other"  # "enter" is no word start here
    custom = tmp_path / "types.toml"
    custom.write_text('[[type]]\nname = "civilian_harm"\ntriggers = ["march", "rall"]\n')
    types = load_event_types(custom)
    assert event_type("Crowds rallied in the square.", types=types) == "civilian_harm"
    custom.write_text('[[type]]\nname = "protest"\ntriggers = ["rall"]\n')
    with pytest.raises(ValueError, match="unknown event type 'protest'"):
        load_event_types.__wrapped__(custom)  # a name the map's legend does not know


def test_a_dateline_may_name_several_places() -> None:
    from geo.pipeline.event_places import opens_dateline

    text = "Goma and Bukavu, 4 June 2016:\nGoma and Bukavu were shelled: ten died."
    first, second = text.index("Goma"), text.index("Bukavu")
    assert opens_dateline(text, first, first + 4) and opens_dateline(text, second, second + 6)
    later = text.index("Goma", 10)
    assert not opens_dateline(text, later, later + 4)
