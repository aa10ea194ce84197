"""Shareable views (geo.app.share): a view survives the trip through a URL's query, and a
query typed, cut or edited by hand gives the view it can read and never an exception."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.app import playback, share

FULL = share.View(
    start=datetime.date(2015, 3, 1),
    end=datetime.date(2015, 3, 31),
    types=("offensive", "airstrike"),
    actors=("Army, 9th Division", "Militia"),  # a comma inside a name
    sources=("Example Wire",),
    articles=("003_abc",),
    place="Tikrit",
    geo_precision=(1, 2),
    time_precision=(1,),
    verification=("verified",),
    disagreeing=True,
    event="003_abc:1234",
    center=(34.61581, 43.67861),
    zoom=9,
    dark=True,
    tiles="osm",
    view="briefing",
    speed=0.5,
    step="month",
)


def parse(query: dict) -> share.View:
    return share.parse(query, steps=playback.STEPS, parse_speed=playback.parse_speed)


def through_url(view: share.View) -> share.View:
    """The view written into a link and read back as a browser sends it."""
    url = share.link("http://127.0.0.1:8501/?old=1#top", view)
    assert url.startswith("http://127.0.0.1:8501/")
    return parse(parse_qs(urlparse(url).query, keep_blank_values=True))


def test_round_trip_of_every_field() -> None:
    assert through_url(FULL) == FULL
    # The plain view has a plain address.
    assert share.params(share.View()) == {}
    assert share.link("http://host/app?x=1", share.View()) == "http://host/app"
    assert through_url(share.View()) == share.View()


def test_lists_are_repeated_parameters() -> None:
    query = share.params(FULL)
    assert query["type"] == ["offensive", "airstrike"]
    assert query["actor"] == ["Army, 9th Division", "Militia"]
    assert "actor=Army%2C+9th+Division&actor=Militia" in share.query_string(FULL)


def test_centre_is_rounded_to_about_a_metre() -> None:
    view = share.View(center=(34.123456789, -43.987654321), zoom=7)
    assert share.params(view)["map"] == "34.12346,-43.98765,7"
    assert through_url(view).center == (34.12346, -43.98765)
    # A centre without a zoom (or a zoom without a centre) is not a map view.
    assert "map" not in share.params(share.View(center=(1.0, 2.0)))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"from": "2015-02-30"}, share.View()),  # no such day
        ({"from": "yesterday", "to": "2015-03-01"}, share.View(end=datetime.date(2015, 3, 1))),
        ({"from": "2015-04-01", "to": "2015-03-01"}, share.View()),  # backwards: neither
        ({"map": "34.6,43.7"}, share.View()),  # no zoom
        ({"map": "34.6,43.7,99"}, share.View()),  # zoom out of range
        ({"map": "34.6,43.7,7.5"}, share.View()),  # not a zoom level
        ({"map": "95,43.7,7"}, share.View()),  # latitude out of range
        ({"map": "nan,inf,7"}, share.View()),
        ({"map": "a,b,c"}, share.View()),
        ({"speed": "fast", "step": "fortnight"}, share.View()),
        ({"speed": "0"}, share.View()),  # beyond playback.SPEED_LIMITS
        ({"view": "admin"}, share.View()),
        ({"dark": "maybe"}, share.View()),
        ({"place": "   "}, share.View()),
        ({"place": "x" * (share.MAX_TEXT + 1)}, share.View()),
        ({"type": ["", " ", "offensive", "offensive"]}, share.View(types=("offensive",))),
        ({"event": ["first", "second"]}, share.View(event="second")),  # the last one counts
        ({"geo": ["0", "2", "x", "4"], "time": "3.0"}, share.View(geo_precision=(2,))),
        ({"status": ["verified", "approved"]}, share.View(verification=("verified",))),
        ({"disagreeing": "perhaps"}, share.View()),
        ({"unknown": "1", "from": "2015-01-01"}, share.View(start=datetime.date(2015, 1, 1))),
    ],
)
def test_bad_values_are_ignored(query: dict, expected: share.View) -> None:
    assert parse(query) == expected


def test_too_many_values_are_cut() -> None:
    view = parse({"actor": [f"actor {n}" for n in range(share.MAX_VALUES * 2)]})
    assert len(view.actors) == share.MAX_VALUES


def test_restricted_to_what_the_corpus_offers() -> None:
    view = FULL.restricted(
        types={"offensive"}, actors={"Militia", "Other"}, sources=set(), articles={"003_abc"}
    )
    assert view.types == ("offensive",)
    assert view.actors == ("Militia",)
    assert view.sources == ()
    assert view.articles == ("003_abc",)
    assert view.place == FULL.place and view.center == FULL.center  # the rest as it was


def test_normal_form_compares_one_value_and_a_list() -> None:
    assert share.normal({"a": "1", "b": ["2", "3"]}) == share.normal({"a": ["1"], "b": ["2", "3"]})
    assert share.normal({"a": "1"}) != share.normal({"a": ["1", "1"]})


@given(
    st.dictionaries(
        st.sampled_from(["from", "to", "type", "map", "speed", "step", "place", "event", "x"]),
        st.one_of(st.text(max_size=40), st.lists(st.text(max_size=20), max_size=4)),
        max_size=6,
    )
)
def test_any_query_reads_without_an_exception(query: dict) -> None:
    """Whatever a URL holds, a view comes back, and writing it gives a query that reads
    back as the same view."""
    view = parse(query)
    assert parse(share.params(view)) == view
