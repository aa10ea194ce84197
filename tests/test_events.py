"""Dated events: the seeds' main events, event types, actors, figures."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path

import pytest

from geo.articles import load_article
from geo.build import article_events
from geo.events import ArticleRef, event_type, extract_events, find_figures, load_actors
from geo.gazetteer import Place, distance_km
from geo.geoparse import PlaceMention

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
    delegation = next(e for e in seed_events["003_a4a40e82292800eb"]
                      if "delegation of ISIS chiefs" in e.snippet)
    assert delegation.place == "Mosul"
    assert "Ar Raqqah" in delegation.other_places


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
    sentence = ("Altogether 54,000 Iraqi troops and 5,000 US servicemen were invested; "
                "an initial assault force of 9,000 and 2 million people.")
    assert find_figures(sentence) == ("54,000 Iraqi troops", "5,000 US servicemen",
                                      "force of 9,000", "2 million people")
    actors = load_actors()
    found = extract_events(
        ArticleRef("a", "t", None, None, datetime.date(2016, 1, 1), "metadata"),
        "Peshmerga and ISIS fighters clashed in Sinjar. It is what it is.",
        [PlaceMention(41, 47, "Sinjar", "Sinjar", 36.3, 41.8, "city", 1, 0.9, "IQ", "place",
                      False, 0, 48, False)],
        [],
        actors,
    )
    assert found[0].actors == ("ISIS", "Peshmerga")
    assert found[0].time_basis == "publication"


def test_user_extends_the_actor_lexicon(tmp_path: Path) -> None:
    lexicon = tmp_path / "actors.toml"
    lexicon.write_text('[[actor]]\nname = "Golden Division"\nside = "Iraq"\n'
                       'patterns = ["Golden Division", "CTS"]\n', encoding="utf-8")
    actors = load_actors(lexicon)
    assert actors[0].pattern.search("the CTS entered") and not actors[0].pattern.search("cts")
