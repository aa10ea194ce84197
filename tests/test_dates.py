"""Publication dates and time expressions (geo.pipeline.dates): the seeds, generic grammar,
properties."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.corpus.articles import Article, load_article
from geo.pipeline.dates import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    AnchorEvent,
    TimeExpression,
    find_time_expressions,
    publication_date,
    sentence_interval,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
D = dt.date
# Seeds 000 and 002 carry no date; their metadata sidecars will say 2015-03-02 (a Monday).
SEED_METADATA = {"000": D(2015, 3, 2), "002": D(2015, 3, 2)}


def _seed(prefix: str) -> Article:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return load_article(path)


def _seed_expressions(prefix: str) -> tuple[str, list[TimeExpression]]:
    article = _seed(prefix)
    published = (
        SEED_METADATA.get(prefix)
        or publication_date(article.published, article.clean.datelines(), article.clean.text).date
    )
    text = article.clean.text
    return text, find_time_expressions(text, published)


def _covering(text: str, found: list[TimeExpression], phrase: str) -> list[TimeExpression]:
    """The expression covering each occurrence of ``phrase`` (case-insensitive); fails if any
    occurrence has none."""
    starts = [m.start() for m in re.finditer(re.escape(phrase), text, re.IGNORECASE)]
    assert starts, f"{phrase!r} is not in the text"
    result = []
    for start in starts:
        hits = [e for e in found if e.start <= start < e.end]
        assert hits, f"no expression covers {phrase!r} at {start}"
        result.append(hits[0])
    return result


def _one(text: str, published: dt.date | None) -> TimeExpression:
    found = find_time_expressions(text, published)
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------------------------------
# Seeds


def test_seed_000_weekend_weekdays_and_duration() -> None:
    text, found = _seed_expressions("000")
    weekends = _covering(text, found, "over the weekend")
    assert len(weekends) == 3
    for expr in weekends:
        assert (expr.date_start, expr.date_end) == (D(2015, 2, 28), D(2015, 3, 1))
        assert expr.basis == "relative"
    (friday,) = _covering(text, found, "On Friday")
    assert (friday.date_start, friday.date_end) == (D(2015, 2, 27), D(2015, 2, 27))
    (monday,) = _covering(text, found, "on Monday")
    assert (monday.date_start, monday.date_end) == (D(2015, 3, 2), D(2015, 3, 2))
    (airstrikes,) = _covering(text, found, "seven months")
    assert airstrikes.duration and not airstrikes.planned
    assert (airstrikes.date_start, airstrikes.date_end) == (D(2014, 8, 2), D(2015, 3, 2))
    # "three decades of repressive practices" is history, not a duration ending at P.
    assert not any("decades" in e.text for e in found)


def test_seed_001_dateline_and_relative_months() -> None:
    article = _seed("001")
    pub = publication_date(article.published, article.clean.datelines(), article.clean.text)
    assert (pub.date, pub.basis, pub.evidence) == (D(2015, 1, 12), "text", "12 January, 2015")
    text, found = _seed_expressions("001")
    (june,) = _covering(text, found, "last June")
    assert (june.date_start, june.date_end, june.basis) == (
        D(2014, 6, 1),
        D(2014, 6, 30),
        "relative",
    )
    for week in _covering(text, found, "last week"):
        assert (week.date_start, week.date_end, week.granularity) == (
            D(2015, 1, 5),
            D(2015, 1, 11),
            "week",
        )
    (february,) = _covering(text, found, "early February")
    assert (february.date_start, february.date_end) == (D(2015, 2, 1), D(2015, 2, 10))
    assert february.planned
    for spring in _covering(text, found, "spring"):
        assert (spring.date_start, spring.date_end) == (D(2015, 3, 1), D(2015, 5, 31))
        assert spring.planned and spring.granularity == "season"
    (collapse,) = _covering(text, found, "in June of")
    assert (collapse.date_start, collapse.date_end) == (D(2014, 6, 1), D(2014, 6, 30))
    (coming,) = _covering(text, found, "in the coming weeks")
    assert coming.planned and (coming.date_start, coming.date_end) == (
        D(2015, 1, 12),
        D(2015, 2, 2),
    )
    (restored,) = _covering(text, found, "in 2004")
    assert (restored.date_start, restored.granularity) == (D(2004, 1, 1), "year")


def test_seed_002_monday_sunday_and_later_this_spring() -> None:
    text, found = _seed_expressions("002")
    (monday,) = _covering(text, found, "on Monday")
    assert monday.date_start == monday.date_end == D(2015, 3, 2)
    (sunday,) = _covering(text, found, "On Sunday")
    assert sunday.date_start == sunday.date_end == D(2015, 3, 1)
    (spring,) = _covering(text, found, "later this spring")
    assert spring.planned
    assert D(2015, 3, 1) <= spring.date_start <= spring.date_end <= D(2015, 5, 31)
    (morning,) = _covering(text, found, "this morning")
    assert morning.date_start == morning.date_end == D(2015, 3, 2)
    (today,) = _covering(text, found, "today")
    assert today.date_start == D(2015, 3, 2)
    (weekend,) = _covering(text, found, "since the weekend")
    assert (weekend.date_start, weekend.date_end) == (D(2015, 2, 28), D(2015, 3, 1))
    (hours,) = _covering(text, found, "over the past 24 hours")
    assert hours.duration and (hours.date_start, hours.date_end) == (D(2015, 3, 1), D(2015, 3, 2))
    # The briefing's date is unknown, so "two weeks after a ... briefing" stays unresolved.
    start = text.index("two weeks after")
    assert not [e for e in found if e.start <= start < e.end]


def test_seed_003_weekday_fixes_year_and_dates_never_after_publication() -> None:
    article = _seed("003")
    pub = publication_date(article.published, article.clean.datelines(), article.clean.text)
    assert (pub.date, pub.basis) == (D(2016, 12, 6), "text")
    text, found = _seed_expressions("003")
    (sunday,) = _covering(text, found, "Sunday, Dec. 4")
    assert (sunday.text, sunday.date_start, sunday.date_end) == (
        "Sunday, Dec. 4",
        D(2016, 12, 4),
        D(2016, 12, 4),
    )
    assert (sunday.granularity, sunday.basis) == ("day", "explicit")
    (video,) = _covering(text, found, "Dec. 27")
    assert video.date_start == video.date_end == D(2015, 12, 27)
    (october,) = _covering(text, found, "in October")
    assert (october.date_start, october.date_end) == (D(2016, 10, 1), D(2016, 10, 31))
    (ago,) = _covering(text, found, "three weeks ago")
    assert ago.granularity == "week" and ago.date_start <= D(2016, 11, 15) <= ago.date_end
    (deadline,) = _covering(text, found, "the end of December")
    assert deadline.planned and deadline.date_start.year == 2016
    (january,) = _covering(text, found, "next month")
    assert january.planned and (january.date_start, january.date_end) == (
        D(2017, 1, 1),
        D(2017, 1, 31),
    )


def test_seed_004_inferred_publication_from_caption() -> None:
    article = _seed("004")
    assert article.clean.datelines() == []
    pub = publication_date(article.published, article.clean.datelines(), article.clean.text)
    assert (pub.date, pub.basis) == (D(2016, 4, 9), "inferred")
    assert "April 9, 2016" in pub.evidence
    text, found = _seed_expressions("004")
    (caption,) = _covering(text, found, "April 9, 2016")
    assert (caption.date_start, caption.granularity, caption.basis) == (
        D(2016, 4, 9),
        "day",
        "explicit",
    )
    (march,) = _covering(text, found, "March 24")
    assert march.date_start == march.date_end == D(2016, 3, 24)
    (thursday,) = _covering(text, found, "on Thursday")
    assert (thursday.date_start, thursday.basis) == (D(2016, 4, 7), "relative")
    for phrase in ("101st Airborne", "2,000 people"):
        start = text.index(phrase)
        assert not [e for e in found if e.start <= start < e.end], phrase


def test_seed_without_date_and_without_metadata_is_unknown() -> None:
    article = _seed("000")
    pub = publication_date(None, article.clean.datelines(), article.clean.text)
    assert (pub.date, pub.basis, pub.evidence) == (None, "unknown", "")
    # Its collector's sidecar is what dates it.
    pub = publication_date(article.published, article.clean.datelines(), article.clean.text)
    assert (pub.date, pub.basis) == (D(2015, 3, 2), "metadata")


# ---------------------------------------------------------------------------------------
# Publication date


def test_publication_metadata_wins_over_text() -> None:
    pub = publication_date(D(2015, 6, 2), ["June 1, 2015"], "BAGHDAD, May 3, 2015 - ...")
    assert (pub.date, pub.basis, pub.evidence) == (D(2015, 6, 2), "metadata", "")


def test_publication_leading_dateline_in_body() -> None:
    body = "Mosul battle rages\nBAGHDAD, June 1, 2015 (Reuters) - Troops advanced on Monday."
    pub = publication_date(None, [], body)
    assert (pub.date, pub.basis, pub.evidence) == (D(2015, 6, 1), "text", "June 1, 2015")


def test_publication_dateline_in_another_format() -> None:
    pub = publication_date(None, ["2015-06-01"], "Troops advanced.")
    assert (pub.date, pub.basis) == (D(2015, 6, 1), "text")


def test_publication_never_after_today() -> None:
    today = D(2016, 1, 1)
    assert publication_date(D(2016, 5, 1), [], "", today=today).basis == "unknown"
    body = "The talks on March 3, 2015 and on April 9, 2016 failed."
    pub = publication_date(None, ["June 1, 2016"], body, today=today)
    assert (pub.date, pub.basis) == (D(2015, 3, 3), "inferred")


def test_publication_inference_ignores_dates_without_a_year() -> None:
    pub = publication_date(None, [], "Fighting resumed on Dec. 4 and on Friday.")
    assert pub.basis == "unknown"
    # A date computed from an explicit one is not itself written in the text.
    pub = publication_date(None, [], "The strike came two days after April 9, 2016.")
    assert (pub.date, pub.basis) == (D(2016, 4, 9), "inferred")


# ---------------------------------------------------------------------------------------
# Generic grammar

TUESDAY = D(2016, 12, 6)


@pytest.mark.parametrize(
    ("phrase", "published", "start", "end", "granularity", "basis"),
    [
        ("9 April 2016", None, D(2016, 4, 9), D(2016, 4, 9), "day", "explicit"),
        ("12 January, 2015", None, D(2015, 1, 12), D(2015, 1, 12), "day", "explicit"),
        ("Monday, December 5, 2016", None, D(2016, 12, 5), D(2016, 12, 5), "day", "explicit"),
        ("2016-04-09", None, D(2016, 4, 9), D(2016, 4, 9), "day", "explicit"),
        ("in June 2014", None, D(2014, 6, 1), D(2014, 6, 30), "month", "explicit"),
        ("mid-2015", None, D(2015, 5, 1), D(2015, 8, 31), "season", "explicit"),
        ("in 2015", None, D(2015, 1, 1), D(2015, 12, 31), "year", "explicit"),
        ("the summer of 2015", None, D(2015, 6, 1), D(2015, 8, 31), "season", "explicit"),
        ("Dec 4", TUESDAY, D(2016, 12, 4), D(2016, 12, 4), "day", "explicit"),
        ("December 4th", TUESDAY, D(2016, 12, 4), D(2016, 12, 4), "day", "explicit"),
        ("Dec. 27", TUESDAY, D(2015, 12, 27), D(2015, 12, 27), "day", "explicit"),
        ("late March", TUESDAY, D(2016, 3, 21), D(2016, 3, 31), "week", "explicit"),
        ("in October", D(2017, 2, 10), D(2016, 10, 1), D(2016, 10, 31), "month", "explicit"),
        ("last June", D(2016, 6, 20), D(2015, 6, 1), D(2015, 6, 30), "month", "relative"),
        ("yesterday", TUESDAY, D(2016, 12, 5), D(2016, 12, 5), "day", "relative"),
        ("tonight", TUESDAY, TUESDAY, TUESDAY, "day", "relative"),
        ("Tuesday", TUESDAY, TUESDAY, TUESDAY, "day", "relative"),
        ("last Tuesday", TUESDAY, D(2016, 11, 29), D(2016, 11, 29), "day", "relative"),
        ("last month", TUESDAY, D(2016, 11, 1), D(2016, 11, 30), "month", "relative"),
        ("last year", TUESDAY, D(2015, 1, 1), D(2015, 12, 31), "year", "relative"),
        ("earlier this year", TUESDAY, D(2016, 1, 1), TUESDAY, "year", "relative"),
        ("this year", TUESDAY, D(2016, 1, 1), TUESDAY, "year", "relative"),
        ("two days ago", TUESDAY, D(2016, 12, 4), D(2016, 12, 4), "day", "relative"),
        ("a couple of weeks ago", TUESDAY, D(2016, 11, 19), D(2016, 11, 25), "week", "relative"),
        ("last winter", TUESDAY, D(2015, 12, 1), D(2016, 2, 29), "season", "relative"),
        ("in the spring", D(2016, 9, 15), D(2016, 3, 1), D(2016, 5, 31), "season", "relative"),
    ],
)
def test_resolves(
    phrase: str,
    published: dt.date | None,
    start: dt.date,
    end: dt.date,
    granularity: str,
    basis: str,
) -> None:
    expr = _one(f"Officials said {phrase} that the city fell.", published)
    assert expr.text == phrase
    assert (expr.date_start, expr.date_end, expr.granularity, expr.basis) == (
        start,
        end,
        granularity,
        basis,
    )
    assert not expr.planned and not expr.duration


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("next month", D(2017, 1, 1), D(2017, 1, 31)),
        ("next week", D(2016, 12, 12), D(2016, 12, 18)),
        ("tomorrow", D(2016, 12, 7), D(2016, 12, 7)),
        ("in the coming weeks", TUESDAY, D(2016, 12, 27)),
        ("in the next two months", TUESDAY, D(2017, 2, 6)),
        ("next summer", D(2017, 6, 1), D(2017, 8, 31)),
        ("early next year", D(2017, 1, 1), D(2017, 4, 30)),
        ("in January", D(2017, 1, 1), D(2017, 1, 31)),  # the month after P's is the coming one
    ],
)
def test_planned(phrase: str, start: dt.date, end: dt.date) -> None:
    expr = _one(f"Officials said {phrase} the city would fall.", TUESDAY)
    assert expr.planned and not expr.duration
    assert (expr.date_start, expr.date_end) == (start, end)


@pytest.mark.parametrize(
    ("phrase", "start"),
    [
        ("over the past year", D(2015, 12, 6)),
        ("the past few days", D(2016, 12, 3)),
        ("for three weeks", D(2016, 11, 15)),
        ("over the past 24 hours", D(2016, 12, 5)),
    ],
)
def test_durations_end_at_publication(phrase: str, start: dt.date) -> None:
    expr = _one(f"Troops fought {phrase} near the city.", TUESDAY)
    assert expr.duration and not expr.planned
    assert (expr.date_start, expr.date_end) == (start, TUESDAY)


def test_weekend_when_published_on_a_weekend() -> None:
    saturday, sunday = D(2016, 12, 10), D(2016, 12, 11)
    on_sunday = _one("It fell over the weekend.", sunday)
    assert (on_sunday.date_start, on_sunday.date_end) == (saturday, sunday)
    on_saturday = _one("It fell over the weekend.", saturday)
    assert (on_saturday.date_start, on_saturday.date_end) == (saturday, saturday)  # cut at P
    last = _one("It fell last weekend.", sunday)
    assert (last.date_start, last.date_end) == (D(2016, 12, 3), D(2016, 12, 4))
    monday = _one("It fell last weekend.", D(2016, 12, 12))
    assert (monday.date_start, monday.date_end) == (saturday, sunday)


def test_weekday_fixes_the_year_of_a_month_day() -> None:
    # Dec. 4 is a Monday in 2017 and a Sunday in 2016.
    expr = _one("They arrived Sunday, Dec. 4, unhindered.", D(2017, 12, 10))
    assert expr.date_start == D(2016, 12, 4)
    assert _one("They arrived Dec. 4, unhindered.", D(2017, 12, 10)).date_start == D(2017, 12, 4)


def test_month_day_without_year_never_after_publication() -> None:
    assert _one("It fell on March 24.", D(2016, 3, 23)).date_start == D(2015, 3, 24)
    assert _one("It fell on March 24.", D(2016, 3, 24)).date_start == D(2016, 3, 24)
    assert _one("It fell on Feb. 29.", D(2017, 6, 1)).date_start == D(2016, 2, 29)


def test_without_publication_only_dates_with_a_year_resolve() -> None:
    text = "On Friday, on Dec. 4, in October, last week and on April 9, 2016 it was quiet."
    found = find_time_expressions(text, None)
    assert [(e.text, e.date_start) for e in found] == [("on April 9, 2016", D(2016, 4, 9))]


def test_anchored_offsets() -> None:
    text = "It came two weeks after Dec. 4 and three days before the fall of Mosul."
    anchor = AnchorEvent(text.index("the fall"), text.index("Mosul") + 5, D(2014, 6, 10))
    found = find_time_expressions(text, D(2016, 12, 30), [anchor])
    assert [e.text for e in found] == [
        "two weeks after Dec. 4",
        "three days before the fall of Mosul",
    ]
    assert found[0].date_start <= D(2016, 12, 18) <= found[0].date_end
    assert found[1].date_start == found[1].date_end == D(2014, 6, 7)


def test_an_anchor_ending_inside_after_still_gives_the_whole_phrase() -> None:
    """Found by the fuzz test: an anchor span that starts at "after" and ends inside it
    made the expression "two weeks a"."""
    text = "Troops left two weeks after the ceasefire."
    after = text.index("after")
    found = find_time_expressions(text, None, [AnchorEvent(after, after + 1, D(2015, 6, 1))])
    assert [e.text for e in found] == ["two weeks after"]
    assert found[0].date_start <= D(2015, 6, 15) <= found[0].date_end


@pytest.mark.parametrize(
    "text",
    [
        "We never lost a war before.",
        "6 min read",
        "5 Comments",
        "There may be more fighting.",
        "Major General Gary Volesky of the 101st Airborne Division",
        "The Iraqi army had no plan for us, and we're 2,000 people.",
        "Troops march 24 miles a day.",
        "the fall of Mosul",
        "the Arab Spring",
        "20 years of age",
        "Mayor Smith said the 2015 budget is 9,000 dollars at 10:30.",
        "Wed, Sat and Sun are abbreviations.",
        "nine weeks after it began",
        "The next day, troops entered the town.",
        "three decades of repressive practices",
        "The troops rested for a while. USA Today reported 24 hours later.",
    ],
)
def test_not_dates(text: str) -> None:
    assert find_time_expressions(text, TUESDAY) == []


# ---------------------------------------------------------------------------------------
# Chained phrases: "the next day" counts from the previous event date of the text

LATE_JUNE = D(2015, 6, 20)  # P for the chains below, well after their anchors
MAY_3 = D(2015, 5, 3)
ANCHOR_SENTENCE = "On 3 May 2015 the ferry to Korvath stopped running. "


def _chained(sentence: str, published: dt.date | None = LATE_JUNE) -> list[TimeExpression]:
    """The expressions of the anchor sentence followed by ``sentence``."""
    found = find_time_expressions(ANCHOR_SENTENCE + sentence, published)
    assert found and found[0].text == "On 3 May 2015", found
    return found[1:]


def _span(expr: TimeExpression) -> tuple[dt.date, dt.date, str, str]:
    return expr.date_start, expr.date_end, expr.granularity, expr.basis


@pytest.mark.parametrize(
    "phrase",
    [
        "The next day",
        "The following day",
        "the next morning",
        "The following night",
        "The day after",
        "The day after that",
    ],
)
def test_chain_next_day(phrase: str) -> None:
    (expr,) = _chained(f"{phrase}, the harbour master reopened the quay.")
    assert expr.text.lower() == phrase.lower()
    assert _span(expr) == (D(2015, 5, 4), D(2015, 5, 4), "day", "relative")
    assert not expr.planned and not expr.duration


@pytest.mark.parametrize(
    ("phrase", "start", "end", "granularity"),
    [
        ("A day later", D(2015, 5, 4), D(2015, 5, 4), "day"),
        ("A day after,", D(2015, 5, 4), D(2015, 5, 4), "day"),
        ("Two days later", D(2015, 5, 5), D(2015, 5, 5), "day"),
        ("Three days after that,", D(2015, 5, 6), D(2015, 5, 6), "day"),
        ("Two days earlier", D(2015, 5, 1), D(2015, 5, 1), "day"),
        ("Four days before that,", D(2015, 4, 29), D(2015, 4, 29), "day"),
        ("A week later", D(2015, 5, 7), D(2015, 5, 13), "week"),  # May 10, give or take 3
        ("Two weeks later", D(2015, 5, 14), D(2015, 5, 20), "week"),
        ("A month later", D(2015, 5, 19), D(2015, 6, 18), "month"),  # June 3 +- 15
    ],
)
def test_chain_counted_offsets(phrase: str, start: dt.date, end: dt.date, granularity: str) -> None:
    (expr,) = _chained(f"{phrase} the pumps at Essenby failed.")
    assert expr.text == phrase.rstrip(",")
    assert _span(expr) == (start, end, granularity, "relative")


@pytest.mark.parametrize(
    "phrase",
    [
        "That night",
        "That evening",
        "That same day",
        "The same day",
        "Later that day",
        "Earlier that morning",
    ],
)
def test_chain_same_day_is_the_anchor(phrase: str) -> None:
    (expr,) = _chained(f"{phrase} a storm flooded the Miren road.")
    assert expr.text == phrase
    assert _span(expr) == (MAY_3, MAY_3, "day", "relative")


@pytest.mark.parametrize("phrase", ["The previous day", "The day before", "The night before"])
def test_chain_previous_day(phrase: str) -> None:
    (expr,) = _chained(f"{phrase}, pickets had gathered at Tallow Ford.")
    assert expr.text == phrase
    assert _span(expr) == (D(2015, 5, 2), D(2015, 5, 2), "day", "relative")
    assert not expr.duration  # not "the past day"


def test_chain_following_week_month_year_are_calendar_periods() -> None:
    # 3 May 2015 is a Sunday: the following week is Monday 4 to Sunday 10 May.
    week, month, year = _chained(
        "The following week the mill closed. The following month it reopened. "
        "The following year it burned.",
        published=D(2017, 1, 1),
    )
    assert _span(week) == (D(2015, 5, 4), D(2015, 5, 10), "week", "relative")
    # Each chains from the one before it: the month after that week, the year after June.
    assert _span(month) == (D(2015, 6, 1), D(2015, 6, 30), "month", "relative")
    assert _span(year) == (D(2016, 1, 1), D(2016, 12, 31), "year", "relative")


def test_chain_of_three() -> None:
    text = (
        "Crews reached Oltrava on May 3. The next day they cleared the pass. "
        "Two days later the convoy crossed it. That night the snow returned."
    )
    found = find_time_expressions(text, LATE_JUNE)
    assert [(e.text, e.date_start, e.date_end) for e in found] == [
        ("on May 3", MAY_3, MAY_3),
        ("The next day", D(2015, 5, 4), D(2015, 5, 4)),
        ("Two days later", D(2015, 5, 6), D(2015, 5, 6)),
        ("That night", D(2015, 5, 6), D(2015, 5, 6)),
    ]


def test_chain_from_a_month_keeps_the_month_granularity() -> None:
    text = (
        "In June 2014 the Brennick dam cracked. A month later the valley flooded. "
        "The next day the levee held. The following week the water fell."
    )
    found = find_time_expressions(text, D(2016, 1, 1))
    assert [_span(e) for e in found] == [
        (D(2014, 6, 1), D(2014, 6, 30), "month", "explicit"),
        (D(2014, 7, 1), D(2014, 7, 31), "month", "relative"),  # the whole month moves
        (D(2014, 7, 2), D(2014, 8, 1), "month", "relative"),
        (D(2014, 7, 9), D(2014, 8, 8), "month", "relative"),
    ]


def test_chain_after_an_anchored_offset() -> None:
    text = "The siege ended two weeks after Dec. 4, 2016. A day later the gates opened."
    anchored, later = find_time_expressions(text, D(2017, 3, 1))
    assert anchored.text == "two weeks after Dec. 4, 2016"
    assert (anchored.date_start, anchored.date_end) == (D(2016, 12, 15), D(2016, 12, 21))
    assert _span(later) == (D(2016, 12, 16), D(2016, 12, 22), "week", "relative")


def test_chain_without_an_anchor() -> None:
    # Looking back counts from P, like "yesterday"; anything else cannot be placed.
    (before,) = find_time_expressions("The day before, the Varrow line went quiet.", TUESDAY)
    assert _span(before) == (D(2016, 12, 5), D(2016, 12, 5), "day", "relative")
    (previous,) = find_time_expressions("The previous day the Varrow line held.", TUESDAY)
    assert _span(previous) == (D(2016, 12, 5), D(2016, 12, 5), "day", "relative")
    assert not previous.duration
    for text in (
        "That night the Varrow line held.",
        "Two days later the line broke.",
        "The following week the line broke.",
        "The same day, it rained.",
    ):
        assert find_time_expressions(text, TUESDAY) == [], text


def test_chain_needs_publication() -> None:
    text = "On 3 May 2015 the ferry stopped. The next day it ran again. The day before, fog."
    assert [e.text for e in find_time_expressions(text, None)] == ["On 3 May 2015"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Two days after the attack the quay reopened.",
        "Three days after that attack the quay reopened.",
        "The day after Christmas the quay reopened.",
        "A week later than planned the quay reopened.",
        "The day before the vote the quay reopened.",
        "Day-to-day life returned to the quay.",
        "The day was grey and the night was long.",
    ],
)
def test_chain_phrases_that_are_not_chains(sentence: str) -> None:
    assert _chained(sentence) == []


def test_next_week_and_next_month_stay_relative_to_publication() -> None:
    week, month = _chained(
        "The next week talks open. The next month polls close.", published=TUESDAY
    )
    assert (week.text, week.date_start, week.date_end) == (
        "next week",
        D(2016, 12, 12),
        D(2016, 12, 18),
    )
    assert (month.text, month.date_start) == ("next month", D(2017, 1, 1))
    assert week.planned and month.planned


def test_chain_past_publication_is_planned_and_still_chains() -> None:
    later, after_that = _chained(
        "Two days later the barge sails. Three days after that, it docks.", published=D(2015, 5, 4)
    )
    assert later.planned and later.date_start == D(2015, 5, 5)
    # A chain that ran past P goes on from its last step, not back to May 3.
    assert after_that.planned and after_that.date_start == D(2015, 5, 8)
    (straddling,) = _chained("A week later the barge sails.", published=D(2015, 5, 9))
    assert not straddling.planned and straddling.date_end == D(2015, 5, 9)  # cut at P


def test_chain_skips_planned_and_duration_anchors() -> None:
    text = (
        "Fighting reached Sandmere on 2 May 2015. Talks are set for next month. "
        "After seven months of siege, aid arrived. The next day the guns fell silent."
    )
    found = find_time_expressions(text, LATE_JUNE)
    assert [e.text for e in found] == [
        "on 2 May 2015",
        "next month",
        "seven months",
        "The next day",
    ]
    assert found[-1].date_start == found[-1].date_end == MAY_3


# ---------------------------------------------------------------------------------------
# Sentence interval


def _expr(start: dt.date, end: dt.date, offset: int = 0, **flags: bool) -> TimeExpression:
    return TimeExpression(offset, offset + 1, "x", start, end, "day", "relative", **flags)


def test_sentence_interval_prefers_narrowest_past_expression() -> None:
    month = _expr(D(2016, 10, 1), D(2016, 10, 31), offset=0)
    friday = _expr(D(2016, 12, 2), D(2016, 12, 2), offset=5)
    planned = _expr(D(2016, 12, 7), D(2016, 12, 7), offset=9, planned=True)
    assert sentence_interval([month, planned, friday], TUESDAY)[:2] == (
        D(2016, 12, 2),
        D(2016, 12, 2),
    )


def test_sentence_interval_duration_then_publication() -> None:
    duration = _expr(D(2016, 5, 6), TUESDAY, duration=True)
    planned = _expr(D(2017, 1, 1), D(2017, 1, 31), planned=True)
    assert sentence_interval([planned, duration], TUESDAY)[:2] == (D(2016, 5, 6), TUESDAY)
    assert sentence_interval([planned], TUESDAY) == (TUESDAY, TUESDAY, "day", "publication")
    assert sentence_interval([], TUESDAY) == (TUESDAY, TUESDAY, "day", "publication")
    assert sentence_interval([], None) is None


def test_sentence_interval_on_a_seed_sentence() -> None:
    text, found = _seed_expressions("000")
    start = text.index("On Friday, U. S. defense officials")
    end = text.index(".", text.index("indefinitely postponed"))
    in_sentence = [e for e in found if start <= e.start < end]
    assert sentence_interval(in_sentence, D(2015, 3, 2)) == (
        D(2015, 2, 27),
        D(2015, 2, 27),
        "day",
        "relative",
    )


# ---------------------------------------------------------------------------------------
# Properties

publication_dates = st.dates(D(1990, 1, 1), D(2030, 12, 31))
weekday_phrases = st.builds(
    lambda template, name: (template.format(name), name),
    st.sampled_from(["{}", "on {}", "last {}", "{} morning", "On {} night"]),
    st.sampled_from(WEEKDAY_NAMES),
)


def _in_sentence(phrase: str) -> tuple[str, int, int]:
    text = f"Officials said {phrase} that the offensive began."
    return text, len("Officials said "), len("Officials said ") + len(phrase)


def _checked(phrase: str, published: dt.date) -> TimeExpression:
    """The one expression of a template sentence, after the invariants every one must hold."""
    text, start, end = _in_sentence(phrase)
    expr = _one(text, published)
    assert (expr.start, expr.end, expr.text) == (start, end, phrase)
    assert expr.date_start <= expr.date_end
    if not expr.planned:
        assert expr.date_end <= published
    return expr


@settings(max_examples=150, deadline=None)
@given(published=publication_dates, phrase_and_day=weekday_phrases)
def test_weekday_lands_on_that_day_within_a_week(published, phrase_and_day) -> None:
    phrase, name = phrase_and_day
    expr = _checked(phrase, published)
    assert expr.date_start == expr.date_end
    assert expr.date_start.weekday() == WEEKDAY_NAMES.index(name)
    assert 0 <= (published - expr.date_start).days <= 7
    if phrase.startswith("last"):
        assert expr.date_start < published


@settings(max_examples=150, deadline=None)
@given(
    published=publication_dates,
    month=st.integers(1, 12),
    day=st.integers(1, 28),
    weeks=st.integers(1, 60),
)
def test_month_phrases(published, month, day, weeks) -> None:
    name = MONTH_NAMES[month - 1]

    last = _checked(f"last {name}", published)
    assert last.date_start.month == month and last.date_start.day == 1
    assert last.date_end < published.replace(day=1)
    assert (published - last.date_start).days < 366 + 31

    month_day = _checked(f"{name} {day}", published)
    assert month_day.date_start == month_day.date_end
    assert (month_day.date_start.month, month_day.date_start.day) == (month, day)
    assert 0 <= (published - month_day.date_start).days < 366

    in_month = _checked(f"in {name}", published)
    assert in_month.date_start.month == month
    if in_month.planned:  # only the month right after P's month looks forward
        assert month == published.month % 12 + 1
    else:
        assert 0 <= (published - in_month.date_start).days < 366

    ago = _checked(f"{weeks} weeks ago", published)
    assert ago.date_start <= published - dt.timedelta(weeks=weeks) <= ago.date_end


@settings(max_examples=100, deadline=None)
@given(published=publication_dates)
def test_weekend_and_last_week(published) -> None:
    weekend = _checked("over the weekend", published)
    assert weekend.date_start.weekday() == 5
    assert 0 <= (published - weekend.date_start).days <= 6
    last_week = _checked("last week", published)
    assert last_week.date_start.weekday() == 0 and last_week.date_end.weekday() == 6
    assert 1 <= (published - last_week.date_end).days <= 7


# A chained phrase and its step in days from a day anchor.
CHAIN_STEPS = {
    "The next day": 1,
    "Two days later": 2,
    "The day before,": -1,
    "That night": 0,
    "Three days after that,": 3,
    "The previous day": -1,
}


@settings(max_examples=150, deadline=None)
@given(
    published=publication_dates,
    back=st.integers(0, 4000),
    phrases=st.lists(st.sampled_from(sorted(CHAIN_STEPS)), min_size=1, max_size=4),
)
def test_chained_steps_add_up_from_the_anchor(published, back, phrases) -> None:
    anchor = published - dt.timedelta(days=back)
    text = f"On {anchor.day} {anchor:%B} {anchor.year} the Aldmoor bridge closed. " + " ".join(
        f"{phrase} it was inspected." for phrase in phrases
    )
    first, *chained = find_time_expressions(text, published)
    assert first.date_start == first.date_end == anchor
    assert [e.text for e in chained] == [p.rstrip(",") for p in phrases]
    day = anchor
    for expr, phrase in zip(chained, phrases, strict=True):
        day += dt.timedelta(days=CHAIN_STEPS[phrase])
        assert expr.date_start == expr.date_end == day
        assert expr.granularity == "day" and expr.basis == "relative"
        assert expr.planned == (day > published)
    if phrases[0] == "The next day":
        assert chained[0].date_start == anchor + dt.timedelta(days=1)


_PHRASES = [
    "over the weekend",
    "last week",
    "on Friday",
    "Sunday, Dec. 4",
    "in October",
    "mid-2015",
    "three weeks ago",
    "later this spring",
    "in the coming weeks",
    "seven months of",
    "the end of December",
    "We",
    "may be",
    "6 min read",
    "2,000",
    "March 24",
    "last June",
    "The next day,",
    "two days later",
    "that night",
    "the day before,",
    "a month later",
    "the following week",
    "Dec. 4, 2016",
]


@settings(max_examples=150, deadline=None)
@given(
    published=st.one_of(st.none(), publication_dates),
    narrative=st.booleans(),
    words=st.lists(
        st.sampled_from(
            [*_PHRASES, "troops", "the", ",", ".", "On 9 May 2015", "On the 9th,", "by the 2nd,"]
        ),
        max_size=25,
    ),
)
def test_expressions_never_overlap_and_match_the_text(published, narrative, words) -> None:
    text = " ".join(words)
    found = find_time_expressions(text, published, narrative=narrative)
    for first, second in zip(found, found[1:], strict=False):
        assert first.end <= second.start
    for expr in found:
        assert text[expr.start : expr.end] == expr.text
        assert expr.date_start <= expr.date_end
        # A narrative's P is only its latest full date: its story may go on past it.
        if published is not None and not expr.planned and not narrative:
            assert expr.date_end <= published


_DATE_ALPHABET = "0123456789 ,.-–/'’ACDFJMNOSTWadeghiklmnorstuwyk\n"


@settings(max_examples=200, deadline=None)
@given(
    published=st.one_of(st.none(), publication_dates),
    text=st.one_of(st.text(max_size=80), st.text(alphabet=_DATE_ALPHABET, max_size=80)),
)
def test_any_text_is_safe(published, text) -> None:
    for expr in find_time_expressions(text, published):
        assert text[expr.start : expr.end] == expr.text
        assert expr.date_start <= expr.date_end


@settings(max_examples=100, deadline=None)
@given(
    metadata=st.one_of(st.none(), publication_dates),
    dateline=st.one_of(st.none(), publication_dates),
    in_text=st.one_of(st.none(), publication_dates),
    today=st.dates(D(2000, 1, 1), D(2030, 12, 31)),
)
def test_publication_date_is_never_after_today(metadata, dateline, in_text, today) -> None:
    datelines = [f"{dateline:%B} {dateline.day}, {dateline.year}"] if dateline else []
    body = f"Troops arrived on {in_text:%B} {in_text.day}, {in_text.year}." if in_text else "."
    pub = publication_date(metadata, datelines, body, today=today)
    assert pub.date is None or pub.date <= today
    assert (pub.date is None) == (pub.basis == "unknown")


# --- Undated pages read as narratives (issue 11): the story's own year, not P's.


def test_a_narrative_date_without_a_year_takes_the_storys_year() -> None:
    text = "On 4 March 2019 the Dalvik ferry sank. On 6 March divers reached it."
    inferred = D(2019, 3, 4)  # an undated page's P is its latest full date
    news = find_time_expressions(text, inferred)[1]
    story = find_time_expressions(text, inferred, narrative=True)[1]
    assert news.date_start == D(2018, 3, 6)  # news: the latest 6 March not after P
    assert story.date_start == D(2019, 3, 6) and not story.planned


def test_a_narrative_crosses_the_new_year() -> None:
    text = "The blockade began in December 2018. On 3 January the port reopened."
    found = find_time_expressions(text, None, narrative=True)
    assert [e.date_start for e in found] == [D(2018, 12, 1), D(2019, 1, 3)]


def test_a_bare_year_is_no_anchor_for_a_narrative() -> None:
    text = "The fort was built in 1950. On 3 January the garrison left."
    assert [e.text for e in find_time_expressions(text, None, narrative=True)] == ["in 1950"]


def test_on_the_nth_is_a_day_of_the_anchors_month() -> None:
    text = (
        "On 7 May 2020 the siege of Brantwick began. On the 9th, the garrison surrendered. "
        "The 11th Army Corps withdrew. On 30 May the road opened; by the 2nd, trucks ran."
    )
    found = find_time_expressions(text, D(2020, 7, 1))
    assert [(e.text, e.date_start) for e in found] == [
        ("On 7 May 2020", D(2020, 5, 7)),
        ("On the 9th", D(2020, 5, 9)),
        ("On 30 May", D(2020, 5, 30)),
        ("by the 2nd", D(2020, 6, 2)),
    ]


def test_a_wire_dateline_a_day_before_the_page_dates_the_story() -> None:
    body = "Rebels routed\nGOMA, Jan 2 (AFP) - Rebels said on Friday they held the airport."
    pub = publication_date(D(2009, 1, 3), [], body)
    assert (pub.date, pub.basis, pub.evidence) == (D(2009, 1, 2), "text", "GOMA, Jan 2")
    far = publication_date(D(2009, 3, 3), [], body)  # two months: a different story's date
    assert (far.date, far.basis) == (D(2009, 3, 3), "metadata")
