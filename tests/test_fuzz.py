"""Property-based and fuzz tests over hostile text (the "hardening" issue).

What every input must keep true, whatever it holds (Arabic script, bidi and zero-width marks,
combining marks, emoji, CRLF, control characters, HTML fragments, page debris):

* the geoparser's offsets point into the text it was given: ``text[start:end]`` is the
  mention, and the same characters the recogniser saw in the cleaned text;
* events' snippets are slices of the text and their marks lie inside the snippet;
* the date resolver never raises and returns well-formed intervals;
* the GeoJSON writers emit strict JSON (no NaN), RFC 7946 shapes and the strings they got;
* `campaign-map geoparse` answers every input line, good or bad, with one output line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from geo.corpus.articles import ArticleError, article_from_text
from geo.corpus.build import (
    article_events,
    event_properties,
    events_geojson,
    feature_json,
    times_in_article,
)
from geo.corpus.tables import to_geojson
from geo.pipeline.dates import (
    AnchorEvent,
    find_time_expressions,
    publication_date,
    sentence_interval,
)
from geo.pipeline.events import ArticleRef, Event, Mark
from geo.pipeline.places.geocoder import ONLINE_ENV
from geo.pipeline.places.toponyms import find_toponyms
from geo.pipeline.text.clean import CleanText, clean_text

GRANULARITIES = {"day", "week", "month", "season", "year"}
BASES = {"explicit", "relative", "publication"}
ROLES = {"place", "adjectival", "in_name"}

# ---------------------------------------------------------------------------------------
# Hostile text

PLACES = [
    "Fallujah",
    "Baghdad",
    "Hawija",
    "Aleppo",
    "Ramadi",
    "Kirkuk",
    "Damascus",
    "Syria",
    "Iraq",
    "Iraqi",
    "Anbar province",
    "the town of Bashiqa",
    "Deir ez-Zor",
    "Baghdad’s",
    "BAGHDAD",
    "Fallujah University",
]
JUNK = [
    "\u200f",
    "\u200e",
    "\u200d",
    "\u200b",
    "\u2060",
    "\ufeff",
    "\u202e",
    "\u2066",
    "\u0301",
    "\u0308\u0301",
    "\u064b",
    "\u0651",
    "😀",
    "🇮🇶",
    "👩\u200d👩\u200d👧",
    "👍🏽",
    "\r\n",
    "\r",
    "\n",
    "\n\n",
    "\t",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\u00a0",
    "<script>alert('x')</script>",
    "</script>",
    "<p>",
    "<b>",
    "&amp;",
    "&#x202e;",
    "<!--",
    "بغداد",
    "حلب",
    "قوات الأمن في",
    "١٢",
    "Recommended:",
    "Read more",
    "Share this\n",
    "5 Comments\n",
    "Related\n",
    "Photo: ",
    "(AFP)",
    "June 1, 2015",
    "last Friday",
    " 12 km north of ",
    " between ",
    " and ",
    "...",
    "…",
    "'s",
    "’s",
    "-",
    "al-",
    " ",
    ". ",
    '"',
    "“",
    "”",
    "İ",
    "ß",
    "ﬁ",
    "Å",
    "\ufffd",
]
TEMPLATES = [
    "Troops advanced on {a} from {b} on Friday.",
    "Fighting near {a}, 12 km east of {b}, killed 30 civilians.",
    "Iraqi forces retook {a}{j} last week, officials in {b} said.",
    "{a}{j}{b}",
    "{j}{a}{j}",
    "The village of Zorba, 20 kilometres north of {a}, fell{j} to militants.",
    "Airstrikes hit a village between {a} and {b} over the weekend.",
    "{a} ({j}) — Reuters\r\nThe offensive on {b} began in October 2016.",
    "Recommended:{a} fell{j}The army entered {b}.",
]

non_nul_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    max_size=20,
)
place_with_junk = st.builds(
    lambda place, junk, at: place[: at % (len(place) + 1)] + junk + place[at % (len(place) + 1) :],
    st.sampled_from(PLACES),
    st.sampled_from(JUNK),
    st.integers(0, 30),
)
sentences = st.builds(
    lambda template, a, b, j: template.format(a=a, b=b, j=j),
    st.sampled_from(TEMPLATES),
    st.sampled_from(PLACES),
    st.sampled_from(PLACES),
    st.sampled_from(JUNK),
)
# Page debris the cleaner removes: a mention next to it must still map back.
BOILERPLATE_LINES = [
    "Share this",
    "Recommended: Fighting resumes",
    "5 Comments",
    "Related",
    "More In World",
    "Leave a Reply",
    "6 min read",
    "Twitter: @someone",
    "December 6, 2016 | 5 Comments »",
    "Photo: Smoke rises (AFP)",
    "AFP/Getty Images",
    "Source: Reuters",
    "– John Smith",
    "Read more »",
    "Advertisement",
    "1. Jane Doe said:",
]
runs = st.lists(
    st.one_of(
        non_nul_text, st.sampled_from(JUNK), st.sampled_from(PLACES), place_with_junk, sentences
    ),
    max_size=24,
).map("".join)
pages = st.builds(
    lambda lines, newline: newline.join(lines),
    st.lists(
        st.one_of(
            sentences,
            runs,
            st.sampled_from(BOILERPLATE_LINES),
            st.builds(
                lambda a, b, c: a + b + c,
                sentences,
                st.sampled_from(["Recommended:", " Read more", "Related:"]),
                sentences,
            ),
        ),
        max_size=12,
    ),
    st.sampled_from(["\n", "\r\n", "\n\n", "\r\n\r\n"]),
)
documents = st.one_of(runs, pages)

# CAMPAIGN_MAP_FUZZ_EXAMPLES scales every property up for a longer hunt (default: CI-sized).
EXAMPLES = int(os.environ.get("CAMPAIGN_MAP_FUZZ_EXAMPLES", "120"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ---------------------------------------------------------------------------------------
# Toponym offsets


@FUZZ_SETTINGS
@given(text=documents)
@example(text="Troops advanced on Baghdad\u200d from Fallujah\u0301 on Friday.")
@example(text="\u200fبغداد Hawija\r\n<script>Aleppo</script> 👩\u200d👩\u200d👧 Aleppo")
# Found by this property: the model tagged "BashiQa\n" (with the line break) as an entity,
# and the mention ran past the end of its sentence.
@example(text="of BashiQa\nTroops advanced on Fallujah from Fallujah on Friday.")
# Found by this property: the model read "Deir <teaser> Ez-Zor" as one name across the teaser.
@example(text="Fighting in Deir Recommended: Rebels regroupEz-Zor was quiet.")
@example(text="Clashes in Baghdad Recommended:Rebels regroup in DamascusCity was quiet.")
def test_toponym_offsets_map_back_to_the_original(geoparser, text: str) -> None:
    result = geoparser.parse("fuzz", text)
    assert result.error is None
    for mention in [*result.toponyms, *result.unresolved]:
        assert 0 <= mention.start < mention.end <= len(text), mention
        assert text[mention.start : mention.end] == mention.text
        assert not mention.text[0].isspace() and not mention.text[-1].isspace(), mention
    for place in result.toponyms:
        assert place.sentence_start <= place.start < place.end <= place.sentence_end
        assert place.sentence_start >= 0 and place.sentence_end <= len(text)
        assert math.isfinite(place.lat) and -90 <= place.lat <= 90
        assert math.isfinite(place.lon) and -180 <= place.lon <= 180
        assert 0 <= place.confidence <= 1
        assert place.role in ROLES and place.adjectival == (place.role == "adjectival")
    json.dumps(result.to_json(), allow_nan=False)

    # What the recogniser saw in the cleaned text is what the original holds there: no
    # mention takes in text the cleaner removed.
    cleaned = clean_text(text)
    removed = _removed_offsets(cleaned)
    for mention in [*result.toponyms, *result.unresolved]:
        assert not removed.intersection(range(mention.start, mention.end)), mention
        assert mention.text in cleaned.text
    for top in find_toponyms(geoparser.nlp(cleaned.text), geoparser.gazetteer):
        assert cleaned.text[top.start : top.end] == top.text
        start, end = cleaned.span_to_original(top.start, top.end)
        if cleaned.gap_in(top.start, top.end) is None:
            assert text[start:end] == top.text, (top, text[start:end])


def test_entity_edges_without_letters_are_trimmed(geoparser) -> None:
    """Found by the CLI fuzz: the model ran "Ramadi" on over control characters, combining
    marks and an emoji, and the mention's text carried them along."""
    text = (
        "Ramadi \x05\x16\x05\x15\t\r\x04\x05 \u033a\u0324\u0331\u0348\u031e\u034e\u036e"
        "\u0368\u0305\u0357\u031a\u035e \U0001f633\U0001f39b Deir ez-Zor \u064c\u0652\u06db"
        "\u0605\u0615\u0608\u06e2\u0637 Syria"
    )
    assert [t.text for t in geoparser.parse("fuzz", text).toponyms] == [
        "Ramadi",
        "Deir ez-Zor",
        "Syria",
    ]


@FUZZ_SETTINGS
@given(text=pages, data=st.data())
def test_gaps_in_the_clean_text(text: str, data: st.DataObject) -> None:
    """`gap_in` and `text_broken_at_gaps`, which keep names and dates off removed text."""
    cleaned = clean_text(text)
    n = len(cleaned.text)
    start = data.draw(st.integers(0, n))
    end = data.draw(st.integers(start, n))
    one_run = all(
        not cleaned._piece(i).separator
        and (i == start or cleaned.to_original(i) == cleaned.to_original(i - 1) + 1)
        for i in range(start, end)
    )
    gap = cleaned.gap_in(start, end)
    assert (gap is None) == one_run
    if gap is not None:
        assert start <= gap < end and cleaned.gap_in(start, gap) is None
    broken = cleaned.text_broken_at_gaps()
    assert len(broken) == n
    for i, (was, now) in enumerate(zip(cleaned.text, broken, strict=True)):
        assert was == now or (was.isspace() and now == "\n"), i


def test_gaps_at_a_separator() -> None:
    raw = "Rebels joined a faction.Recommended:Plan for the city not workableThen came the battle."
    cleaned = clean_text(raw)
    sep = cleaned.text.index(" Then")  # the separator standing for the teaser
    assert cleaned.gap_in(sep, sep + 1) == sep
    assert cleaned.gap_in(sep - 8, sep + 5) == sep
    assert cleaned.gap_in(sep + 1, sep + 5) is None and cleaned.gap_in(0, sep) is None
    assert cleaned.text_broken_at_gaps() == "Rebels joined a faction.\nThen came the battle."
    # Without a separator (white space on one side), the gap is where the kept text resumes.
    raw = "Fighting in Deir Recommended: Rebels regroupEz-Zor was quiet."
    cleaned = clean_text(raw)
    assert cleaned.text == "Fighting in Deir Ez-Zor was quiet."
    assert cleaned.gap_in(12, 23) == cleaned.text.index("Ez-Zor")
    assert cleaned.text_broken_at_gaps() == "Fighting in Deir\nEz-Zor was quiet."


def _removed_offsets(cleaned: CleanText) -> set[int]:
    return {i for seg in cleaned.segments if not seg.kept for i in range(seg.start, seg.end)}


@FUZZ_SETTINGS
@given(
    text=documents, published=st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date.today()))
)
@example(
    text="Troops entered Fallujah on Friday. On Sunday, Dec. 4 they left.",
    published=dt.date(2016, 12, 6),
)
# Found by the CLI fuzz: a time expression running past its sentence ("on Friday. June 1")
# gave a mark that ended outside the snippet.
@example(text="Troops entered Ramadi on Friday. June 1 was quiet.", published=dt.date(2016, 6, 5))
# Found by this property: "on Friday. <teaser> June 1" was read as one date across the teaser.
@example(
    text="Troops advanced on Fallujah on Friday.Recommended:Fallujah fellJune 1, 2015The "
    "army entered Fallujah.",
    published=dt.date(2000, 1, 1),
)
def test_event_snippets_and_marks_are_slices_of_the_text(geoparser, text, published) -> None:
    try:
        article = article_from_text("fuzz", text, published=published)
    except ArticleError:
        assert not text.strip()
        return
    result = geoparser.parse(article.id, article.raw)
    removed = _removed_offsets(article.clean)
    times = times_in_article(
        article, publication_date(published, article.clean.datelines(), article.clean.text)
    )
    for expr in times:
        assert 0 <= expr.start < expr.end <= len(text)
        assert text[expr.start : expr.end] == expr.text
        assert not removed.intersection(range(expr.start, expr.end)), expr
        assert expr.text in article.clean.text
        assert expr.date_start <= expr.date_end
    record, events = article_events(article, result)
    json.dumps(record, default=str, allow_nan=False)
    places = {(p.start, p.end): p.text for p in result.places}
    for event in events:
        start = int(event.id.rsplit(":", 1)[1])
        assert text[start : start + len(event.snippet)] == event.snippet
        for mark in event.marks:
            assert 0 <= mark.start < mark.end <= len(event.snippet), (mark, event.snippet)
            if mark.kind == "place":
                assert (
                    places[(start + mark.start, start + mark.end)]
                    == (event.snippet[mark.start : mark.end])
                )
        if event.date_start is not None:
            assert event.date_start <= event.date_end
            assert event.granularity in GRANULARITIES and event.time_basis in BASES
        else:
            assert event.time_basis == "unknown"


# ---------------------------------------------------------------------------------------
# Dates

DATE_PHRASES = [
    "on Friday",
    "last Sunday",
    "next Monday",
    "over the weekend",
    "last weekend",
    "yesterday",
    "last night",
    "tomorrow",
    "later today",
    "last week",
    "this month",
    "next year",
    "earlier this year",
    "later this year",
    "the end of the year",
    "early next year",
    "late last month",
    "in October",
    "early February",
    "the end of December",
    "last June",
    "next June",
    "this June",
    "Dec. 4",
    "Sunday, Dec. 4",
    "Sunday, Dec. 31",
    "Feb. 29",
    "February 29",
    "29 February 2100",
    "February 29, 2000",
    "31 April 2015",
    "June 1, 2015",
    "Friday. June 1",
    "2016-04-09",
    "2099-12-31",
    "1900-01-01",
    "June 2014",
    "the end of June 2099",
    "mid-2015",
    "late 2099",
    "early 1900",
    "2014-2017",
    "2098–99",
    "from 1999 to 2001",
    "between 2099 and 2000",
    "in 2015",
    "since 1900",
    "over the past year",
    "the past 999 days",
    "the last 999 hours",
    "seven months of airstrikes",
    "999 years of war",
    "for 999 years",
    "for nearly three weeks",
    "999 years ago",
    "three weeks ago",
    "0 days ago",
    "in the coming weeks",
    "over the next 999 years",
    "the next day",
    "spring",
    "this spring",
    "later this spring",
    "earlier this winter",
    "last winter",
    "next fall",
    "the fall of Fallujah",
    "the summer of 2099",
    "winter 2099",
    "two weeks after June 1, 2015",
    "999 years before Jan. 1, 1900",
    "a few days later than",
    "in ١٩٩٩",
    "١٢ days ago",
    "March ٢٤",
    "May be",
    "We",
    "6 min read",
    "2,000 troops",
    "in 2015 percent",
]
date_texts = st.lists(
    st.one_of(
        st.sampled_from(DATE_PHRASES),
        st.sampled_from(JUNK),
        non_nul_text,
        st.sampled_from([" ", ", ", ". ", "\n", " the ", " after ", " before "]),
    ),
    max_size=20,
).map("".join)
# The resolver's whole range of publication dates, and the far ends of it.
any_publication = st.one_of(
    st.none(),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    st.sampled_from([dt.date(1900, 1, 1), dt.date(2100, 12, 31)]),
)


@FUZZ_SETTINGS
@given(text=st.one_of(date_texts, st.text(max_size=120)), published=any_publication, data=st.data())
@example(
    text="Sunday, Dec. 31 and two weeks after June 1, 2015",
    published=dt.date(1900, 1, 1),
    data=None,
)
def test_date_resolver_never_raises_and_gives_well_formed_intervals(text, published, data):
    anchors = []
    if data is not None and text:
        for _ in range(data.draw(st.integers(0, 3), label="anchors")):
            start = data.draw(st.integers(0, len(text) - 1))
            end = data.draw(st.integers(start + 1, len(text)))
            day = data.draw(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)))
            anchors.append(AnchorEvent(start, end, day))
    found = find_time_expressions(text, published, anchors)
    for first, second in zip(found, found[1:], strict=False):
        assert first.end <= second.start
    for expr in found:
        assert 0 <= expr.start < expr.end <= len(text)
        assert text[expr.start : expr.end] == expr.text
        assert expr.date_start <= expr.date_end
        assert expr.granularity in GRANULARITIES
        assert expr.basis in {"explicit", "relative"}
        assert isinstance(expr.planned, bool) and isinstance(expr.duration, bool)
        if published is not None and not expr.planned:
            assert expr.date_end <= published
        if published is None and expr.basis == "relative":  # only "<n> <units> after X"
            assert re.search(r"(?i)after|before|later|earlier", expr.text), expr

    interval = sentence_interval(found, published)
    if interval is None:
        assert published is None
    else:
        start, end, granularity, basis = interval
        assert start <= end and granularity in GRANULARITIES and basis in BASES


@settings(max_examples=max(20, EXAMPLES // 3), deadline=None)
@given(
    body=st.one_of(date_texts, st.text(max_size=80)),
    metadata=any_publication,
    datelines=st.lists(st.one_of(st.sampled_from(DATE_PHRASES), non_nul_text), max_size=2),
    today=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
)
def test_publication_date_never_raises(body, metadata, datelines, today) -> None:
    pub = publication_date(metadata, datelines, body, today=today)
    assert pub.basis in {"metadata", "text", "inferred", "unknown"}
    assert (pub.date is None) == (pub.basis == "unknown")
    if pub.date is not None:
        assert dt.date(1900, 1, 1) <= pub.date <= today
    if pub.basis == "metadata":
        assert pub.date == metadata


# ---------------------------------------------------------------------------------------
# GeoJSON writers

HOSTILE = [
    '"',
    "\\",
    '\\"',
    "</script>",
    "<script>alert(1)</script>",
    "<!--",
    "]]>",
    "\u2028",
    "\u2029",
    "\x00",
    "\x1f",
    "\x7f",
    "\ufeff",
    "\ud800",
    "\udfff",
    "\ud83d",
    "\ude00",
    "\ud83d\ude00",
    "😀",
    "NaN",
    "Infinity",
    '{"type": "Feature"}',
    "\r\n",
    "بغداد\u200f",
]
# Lone surrogates included: JSON input (or a UTF-7 page) can carry them, UTF-8 cannot.
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.lists(
        st.one_of(st.sampled_from(HOSTILE), st.characters(), st.characters(categories=["Cs"])),
        max_size=12,
    ).map("".join),
)
any_float = st.floats(allow_nan=True, allow_infinity=True)
dates = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
string_tuples = st.lists(hostile_text, max_size=3).map(tuple)
events = st.builds(
    Event,
    id=hostile_text,
    article=st.builds(
        ArticleRef,
        id=hostile_text,
        title=hostile_text,
        source=st.none() | hostile_text,
        url=st.none() | hostile_text,
        published=st.none() | dates,
        published_basis=hostile_text,
    ),
    place=hostile_text,
    gazetteer_name=hostile_text,
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
    level=hostile_text,
    geonameid=st.none() | st.integers(-(2**53), 2**53),
    country=hostile_text,
    place_confidence=any_float,
    uncertainty_km=st.none() | any_float,
    date_start=st.none() | dates,
    date_end=st.none() | dates,
    granularity=hostile_text,
    time_basis=hostile_text,
    planned=st.booleans(),
    event_type=hostile_text,
    actors=string_tuples,
    figures=string_tuples,
    snippet=hostile_text,
    marks=st.lists(st.builds(Mark, st.integers(), st.integers(), hostile_text), max_size=3).map(
        tuple
    ),
    caption=st.booleans(),
    confidence=any_float,
    other_places=string_tuples,
)
property_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), any_float, hostile_text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)
features = st.builds(
    lambda props, lon, lat: {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    },
    st.dictionaries(hostile_text, property_values, max_size=6),
    st.floats(-180, 180) | st.integers(-180, 180),
    st.floats(-90, 90) | st.integers(-90, 90),
)


def _scalar(value):
    """What strict JSON in UTF-8 can hold of a value: the writers' expected output."""
    if isinstance(value, str):
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [_scalar(v) for v in value]
    if isinstance(value, dict):
        return {_scalar(k): _scalar(v) for k, v in value.items()}
    return value


def _reject_constant(name: str):
    raise AssertionError(f"not strict JSON: {name}")


def _strict_collection(data: bytes, count: int) -> list[dict]:
    """Parse as strict JSON (UTF-8, no NaN/Infinity) and check RFC 7946's shapes."""
    collection = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    assert isinstance(collection["features"], list) and len(collection["features"]) == count
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert set(feature) - {"id"} == {"type", "geometry", "properties"}
        assert isinstance(feature["properties"], dict)
        if "id" in feature:  # the Feature's id member is the event's id (geo.corpus.io)
            assert feature["id"] == feature["properties"].get("id")
        geometry = feature["geometry"]
        assert geometry["type"] == "Point" and len(geometry["coordinates"]) == 2
        lon, lat = geometry["coordinates"]
        assert all(isinstance(c, int | float) and not isinstance(c, bool) for c in (lon, lat))
        assert math.isfinite(lon) and math.isfinite(lat)
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    return collection["features"]


@FUZZ_SETTINGS
@given(events=st.lists(events, max_size=4))
@example(events=[])
def test_events_geojson_is_strict_rfc7946(events) -> None:
    lines = [feature_json(event) for event in events]
    assert all("\n" not in line for line in lines)  # one feature a line: the cache splits there
    written = _strict_collection(b"".join(events_geojson(lines)), len(events))
    for event, feature in zip(events, written, strict=True):
        assert feature["properties"] == _scalar(event_properties(event))
        assert feature["geometry"]["coordinates"] == [round(event.lon, 6), round(event.lat, 6)]


@FUZZ_SETTINGS
@given(features=st.lists(features, max_size=4))
def test_table_geojson_download_is_strict_rfc7946(features) -> None:
    written = _strict_collection(to_geojson(features), len(features))
    for given_feature, feature in zip(features, written, strict=True):
        assert feature["properties"] == _scalar(given_feature["properties"])
        assert feature["geometry"]["coordinates"] == given_feature["geometry"]["coordinates"]


bad_coordinates = st.tuples(
    st.one_of(st.floats(allow_nan=True), st.none(), st.just("44.4")),
    st.one_of(st.floats(allow_nan=True), st.none(), st.just("33.3")),
).filter(
    lambda c: (
        not all(
            isinstance(v, float) and math.isfinite(v) and abs(v) <= limit
            for v, limit in zip(c, (180, 90), strict=True)
        )
    )
)


@FUZZ_SETTINGS
@given(event=events, coordinates=bad_coordinates)
@example(event=None, coordinates=(float("nan"), 33.3))
@example(event=None, coordinates=(44.4, 90.0000001))
def test_writers_refuse_a_point_that_is_not_wgs84(event, coordinates) -> None:
    lon, lat = coordinates
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }
    with pytest.raises(ValueError, match="coordinates"):
        to_geojson([feature])
    if event is not None and all(isinstance(c, float) for c in coordinates):
        with pytest.raises(ValueError, match="not a WGS 84"):
            feature_json(dataclasses.replace(event, lon=lon, lat=lat))


# ---------------------------------------------------------------------------------------
# `campaign-map geoparse` on random Unicode

ALPHABETS = [
    [chr(c) for c in range(0x20, 0x7F)],  # ASCII
    [chr(c) for c in range(0xA0, 0x100)],  # Latin-1
    [chr(c) for c in range(0x600, 0x700)],  # Arabic
    ["\u200f", "\u200e", "\u200d", "\u200c", "\u200b", "\u202e", "\u2066", "\ufeff"],
    [chr(c) for c in range(0x300, 0x370)],  # combining marks
    [chr(c) for c in range(0x1F300, 0x1F650)],  # emoji
    [chr(c) for c in range(0x4E00, 0x4E80)],  # CJK
    [chr(c) for c in range(0x00, 0x20)] + ["\x7f", "\x85", "\u2028", "\u2029"],  # controls
    [" ", " ", " ", "\n", "\r\n", ". ", ", "],
]


def _random_text(rng: random.Random) -> str:
    pieces = []
    for _ in range(rng.randint(1, 30)):
        roll = rng.random()
        if roll < 0.25:
            pieces.append(rng.choice(PLACES))
        elif roll < 0.35:
            pieces.append(rng.choice(DATE_PHRASES))
        elif roll < 0.45:
            pieces.append(rng.choice(JUNK))
        else:
            alphabet = rng.choice(ALPHABETS)
            pieces.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))))
    return " ".join(pieces) if rng.random() < 0.5 else "".join(pieces)


# Lines no reader can take, and what their error record says; each becomes "line-<n>" when
# it has no usable id.
BAD_LINES: list[tuple[bytes, str | None, str]] = [
    (b"{not json", None, "not valid JSON"),
    (b"[1, 2]", None, "JSON object"),
    (b'"just a string"', None, "JSON object"),
    (b"null", None, "JSON object"),
    (b'{"id": "no-text"}', "no-text", "'text' must be a string"),
    (b'{"id": "number", "text": 42}', "number", "'text' must be a string"),
    (b'{"id": "blank", "text": " \\n\\t "}', "blank", "empty"),
    (b'{"id": {"a": 1}, "text": "Baghdad"}', None, "'id' must be a string or a number"),
    (b'{"id": "latin-1", "text": "caf\xe9 in Baghdad"}', None, "not valid UTF-8"),
    (b'{"id": "bytes", "text": "\xff\xfe\x00Aleppo"}', None, "not valid UTF-8"),
    (b'\xef\xbb\xbf{"id": "bom"', None, "not valid JSON"),
]
# Valid JSON that is not valid Unicode: lone surrogates are read as U+FFFD, offsets intact.
SURROGATE_LINES = [
    (
        b'{"id": "lone-\\ud800", "text": "Troops entered Baghdad \\ud83d on Friday."}',
        "lone-\ufffd",
        "Troops entered Baghdad \ufffd on Friday.",
    ),
    (
        b'{"id": "cut-emoji", "text": "\\udfffFighting near Kirkuk", "title": "\\ud83d"}',
        "cut-emoji",
        "\ufffdFighting near Kirkuk",
    ),
]


def _fuzz_batch(seed: int, documents: int, bad: int) -> tuple[bytes, list[dict]]:
    """JSON Lines input and, per non-blank line, what its output record must be."""
    rng = random.Random(seed)
    lines: list[bytes] = []
    expected: list[dict] = []
    for i in range(documents):
        text = _random_text(rng)
        doc_id = rng.choice([f"doc-{i}", "dup", "", "ﻣﻘﺎﻝ-" + str(i), "😀"])  # ids may repeat
        item = {"id": doc_id, "text": text}
        if rng.random() < 0.5:
            item["published"] = rng.choice([None, "", "2016-10-17", "1900-01-01", "2099-12-31"])
        lines.append(json.dumps(item, ensure_ascii=rng.random() < 0.5).encode("utf-8"))
        expected.append(
            {"id": doc_id, "text": text} if text.strip() else {"id": doc_id, "error": "empty"}
        )
    for raw, doc_id, text in SURROGATE_LINES:
        lines.append(raw)
        expected.append({"id": doc_id, "text": text})
    for raw, doc_id, error in rng.sample(BAD_LINES, bad):
        lines.append(raw)
        expected.append({"id": doc_id, "error": error})
    order = list(range(len(lines)))
    rng.shuffle(order)
    out_lines, out_expected = [], []
    for index in order:
        out_lines.append(lines[index])
        want = expected[index]
        if want["id"] is None:  # named by its physical line, blank lines included
            want = want | {"id": f"line-{len(out_lines)}"}
        out_expected.append(want)
        if rng.random() < 0.1:
            out_lines.append(rng.choice([b"", b"   ", b"\t"]))  # blank lines are skipped
    data = b"".join(line + rng.choice([b"\n", b"\r\n"]) for line in out_lines)
    return data, out_expected


def _run_geoparse(tmp_path: Path, data: bytes, ner: str) -> tuple[int, list[dict], str]:
    source = tmp_path / "in.jsonl"
    source.write_bytes(data)
    out = tmp_path / "out.jsonl"
    env = dict(os.environ, CAMPAIGN_MAP_NER=ner)
    env.pop(ONLINE_ENV, None)  # offline, whatever the developer's shell says
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo.cli",
            "geoparse",
            "--input",
            str(source),
            "--output",
            str(out),
            "--quiet",
            "--processes",
            "2",
        ],
        capture_output=True,
        env=env,
        timeout=300,
        cwd=Path(__file__).resolve().parent.parent,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    raw = out.read_bytes().decode("utf-8")  # strict: the output is always UTF-8
    # splitlines() also breaks at U+0085, U+2028 and U+2029: one record is still one line.
    records = [json.loads(line, parse_constant=_reject_constant) for line in raw.splitlines()]
    return proc.returncode, records, stderr


def _check_records(records: list[dict], expected: list[dict], stderr: str) -> None:
    assert len(records) == len(expected)
    for number, (record, want) in enumerate(zip(records, expected, strict=True), start=1):
        assert {"id", "toponyms", "unresolved", "events"} <= set(record)
        if "error" in want:
            assert want["error"] in record.get("error", ""), (record, want)
            assert record["toponyms"] == record["unresolved"] == record["events"] == []
            assert record["id"] == want["id"] and f"{want['id']}: " in stderr
            continue
        assert "error" not in record, record
        assert record["id"] == want["id"]
        text = want["text"]
        for mention in [*record["toponyms"], *record["unresolved"]]:
            assert 0 <= mention["start"] < mention["end"] <= len(text), mention
            assert text[mention["start"] : mention["end"]] == mention["text"], (number, mention)
        for top in record["toponyms"]:
            assert -90 <= top["lat"] <= 90 and -180 <= top["lon"] <= 180
        for event in record["events"]:
            start = int(event["id"].rsplit(":", 1)[1])
            assert text[start : start + len(event["snippet"])] == event["snippet"]
            for mark in event["marks"]:
                assert 0 <= mark["start"] < mark["end"] <= len(event["snippet"])


def test_geoparse_cli_fuzz_without_the_model(tmp_path: Path) -> None:
    data, expected = _fuzz_batch(seed=7, documents=40, bad=len(BAD_LINES))
    code, records, stderr = _run_geoparse(tmp_path, data, ner="off")
    assert code == 0  # 1 only when every line failed
    _check_records(records, expected, stderr)


def test_geoparse_cli_fuzz_with_the_model(tmp_path: Path) -> None:
    data, expected = _fuzz_batch(seed=11, documents=10, bad=3)
    code, records, stderr = _run_geoparse(tmp_path, data, ner="on")
    assert code == 0
    _check_records(records, expected, stderr)
    assert any(record["toponyms"] for record in records)


def test_geoparse_cli_exit_code_when_every_line_fails(tmp_path: Path) -> None:
    data = b"".join(raw + b"\n" for raw, _, _ in BAD_LINES)
    code, records, stderr = _run_geoparse(tmp_path, data, ner="off")
    assert code == 1
    expected = [
        {"id": doc_id or f"line-{n}", "error": error}
        for n, (_, doc_id, error) in enumerate(BAD_LINES, start=1)
    ]
    _check_records(records, expected, stderr)
