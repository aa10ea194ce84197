"""Dates in news articles: when a story was published, and when the things it reports happened.

War reporting dates its events mostly relative to the day it was published: "on Friday",
"over the weekend", "last June", "three weeks ago", "later this spring". To put an event on a
timeline we need (1) the publication date P and (2) every time expression in the text,
resolved to an interval of calendar days anchored on P.

How expressions are found and resolved
--------------------------------------
* Candidates are found with regular expressions for generic English date grammar, one pattern
  per kind of expression (the RULES table below). We never run a date parser over raw text:
  dateparser's ``search_dates`` reads "We" as Wednesday, "5" as May and "6 min" as a date.
* Each pattern has a resolver that turns its match into an inclusive interval of days, a
  granularity (the size class of the interval) and a basis ("explicit": the text names the
  calendar date; "relative": it only makes sense from P).
* Where candidates overlap the longest wins, so "Sunday, Dec. 4" is one expression rather
  than "Sunday" plus "Dec. 4".
* Narrative phrases chain to the story, not to P: "the next day", "the day after", "two
  days later", "three days after that", "the following week", "that night", "later that
  day", "the same day", "the previous day", "the day before", "a month later" are resolved
  in a last pass from the closest preceding expression that dates an event (not planned,
  not a duration; chained ones count), so "On May 3 ... The next day ... Two days later"
  is May 3, 4 and 6. A day anchor gets the step ("the next day" = anchor + 1, "a week
  later" = anchor + 7 give or take 3); an anchor at least as coarse as the step moves
  whole and keeps its granularity ("the next day" after "in June" = June 2 to July 1);
  "that night" and "the same day" are the anchor itself. With no anchor only phrases
  looking back resolve, from P ("the day before" = P - 1). "the next week" and "next
  month" stay relative to P. See ``_add_chained``.
* Verb tense is not read. A date without a year takes the latest year that does not put it
  after P ("Dec. 27" in a December 6 article is last December), with one exception for
  month names (see ``_year_for_month``); a season without a year is the occurrence
  nearest to P (see ``_season``).
* A reported event cannot lie in the future, so an interval that is not marked ``planned``
  never ends after P: one that starts after P is planned ("next month"), one that straddles
  P is cut at P ("this year" = January 1 to P) unless its wording looks forward ("in the
  coming weeks" = P to P + 3 weeks, planned).

Month names must be capitalised ("may be" and "march on" are verbs) and weekdays must be
spelt out ("We", "Sun" and "Sat" are not days). Without P only dates that name their year
resolve; everything else is left out, since an interval we cannot compute is no use.

dateparser parses dateline strings, whose formats vary from site to site; in running text our
patterns already isolate the day, month and year, so those dates are built directly.
"""

from __future__ import annotations

import datetime
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import dateparser

from geo.pipeline.budget import NO_DEADLINE, Deadline

Granularity = Literal["day", "week", "month", "season", "year"]
Basis = Literal["explicit", "relative", "publication"]
# Where an article's publication date comes from (see publication_date).
PublishedBasis = Literal["metadata", "text", "inferred", "unknown"]
Date = datetime.date

EARLIEST_PUBLICATION = Date(1900, 1, 1)  # same floor as the metadata sidecars
LEADING_DATELINE_LINES = 3  # non-empty lines at the top of the body that may hold a dateline
YEARS_BACK_FOR_WEEKDAY = 2  # "Sunday, Dec. 4": look for the year in P's year and 2 before
# "in the coming weeks" without a number: how far ahead it reaches.
COMING_DEFAULT: dict[str, tuple[int, Granularity]] = {
    "day": (7, "day"),
    "week": (3, "week"),
    "month": (3, "month"),
    "year": (1, "year"),
}
# "three weeks ago" is a point in time with some slack around it (days either side).
AROUND_DAYS = {"day": 0, "week": 3, "month": 15, "year": 182}


# ---------------------------------------------------------------------------------------
# Public types


@dataclass(frozen=True)
class TimeExpression:
    """A time expression found in a text and the interval of days it stands for."""

    start: int  # character offsets into the text given
    end: int
    text: str
    date_start: Date  # inclusive interval
    date_end: Date
    granularity: Granularity
    basis: Basis
    planned: bool = False  # a future interval: "later this spring", "next month"
    duration: bool = False  # "seven months of airstrikes": an interval ending at P


@dataclass(frozen=True)
class PublicationDate:
    """When an article was published, and how we know."""

    date: Date | None
    basis: PublishedBasis
    evidence: str  # the text it came from, or ""


@dataclass(frozen=True)
class AnchorEvent:
    """A span of the text whose date is known from elsewhere ("the fall of Kabul").

    "two weeks after <anchor>" resolves against it. The text's own day-precise time
    expressions are anchors too ("two weeks after Dec. 4").
    """

    start: int
    end: int
    date: Date


@dataclass(frozen=True)
class _Interval:
    """What a resolver returns; ``find_time_expressions`` adds the span."""

    start: Date
    end: Date
    granularity: Granularity
    basis: Basis
    planned: bool = False
    duration: bool = False


# ---------------------------------------------------------------------------------------
# Calendar arithmetic

ONE_DAY = datetime.timedelta(days=1)


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _month_span(year: int, month: int) -> tuple[Date, Date]:
    first = Date(year, month, 1)
    following = Date(year + month // 12, month % 12 + 1, 1)
    return first, following - ONE_DAY


def _add_months(day: Date, months: int) -> Date:
    """``day`` moved by whole months; the 31st becomes the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _month_span(year, month + 1)[1].day
    return Date(year, month + 1, min(day.day, last))


def _shift(day: Date, n: int, unit: str) -> Date:
    """``day`` moved by ``n`` days, weeks, months or years."""
    if unit == "day":
        return day + _days(n)
    if unit == "week":
        return day + _days(7 * n)
    if unit == "month":
        return _add_months(day, n)
    return _add_months(day, 12 * n)


def _around(center: Date, unit: str) -> tuple[Date, Date]:
    """The slack a "<n> <units> ago" point carries: none for days, more for longer units."""
    slack = _days(AROUND_DAYS[unit])
    return center - slack, center + slack


def _period(day: Date, unit: str, offset: int = 0) -> tuple[Date, Date]:
    """The ISO week (Monday-Sunday), month or year holding ``day``, moved by ``offset``."""
    if unit == "week":
        monday = day - _days(day.weekday()) + _days(7 * offset)
        return monday, monday + _days(6)
    if unit == "month":
        moved = _add_months(day.replace(day=1), offset)
        return _month_span(moved.year, moved.month)
    return Date(day.year + offset, 1, 1), Date(day.year + offset, 12, 31)


def _weekday_on_or_before(day: Date, weekday: int) -> Date:
    return day - _days((day.weekday() - weekday) % 7)


# Meteorological seasons of the northern hemisphere: first month of each. A winter belongs
# to the year of its December (winter 2015 = December 2015 to February 2016).
SEASON_FIRST_MONTH = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}


def _season_span(season: str, year: int) -> tuple[Date, Date]:
    first = Date(year, SEASON_FIRST_MONTH[season], 1)
    return first, _add_months(first, 3) - ONE_DAY


def _season_occurrences(season: str, around: Date) -> list[tuple[Date, Date]]:
    """The occurrences of a season from two years before ``around`` to one after, in order."""
    return [_season_span(season, year) for year in range(around.year - 2, around.year + 2)]


def _distance(span: tuple[Date, Date], day: Date) -> int:
    """Days between ``day`` and the nearest day of ``span`` (0 inside it)."""
    start, end = span
    if day < start:
        return (start - day).days
    if day > end:
        return (day - end).days
    return 0


@dataclass(frozen=True)
class _Part:
    """A third of a period, with the granularity that size of interval has."""

    start: Date
    end: Date
    granularity: Granularity


def _part(span: tuple[Date, Date], granularity: Granularity, part: int) -> _Part:
    """The first (0), middle (1) or last (2) third of a month, season or year.

    A month splits into days 1-10, 11-20 and 21-end ("early February", "late March"); a
    season or a year into thirds of its months ("mid-2015" = May-August).
    """
    start, end = span
    if granularity == "month":
        firsts = (start, start.replace(day=11), start.replace(day=21))
        lasts = (start.replace(day=10), start.replace(day=20), end)
        return _Part(firsts[part], lasts[part], "week")
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    size = months // 3
    first = _add_months(start, size * part)
    last = _add_months(first, size) - ONE_DAY
    return _Part(first, last, "month" if granularity == "season" else "season")


# ---------------------------------------------------------------------------------------
# Vocabulary

MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MONTH_ABBREVIATIONS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
MONTHS = {name.lower(): number for number, name in enumerate(MONTH_NAMES, start=1)}
MONTHS |= MONTH_ABBREVIATIONS
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAY_ABBREVIATIONS = {
    "mon": 0,
    "tue": 1,
    "tues": 1,
    "wed": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
WEEKDAYS = {name.lower(): number for number, name in enumerate(WEEKDAY_NAMES)}
WEEKDAYS |= WEEKDAY_ABBREVIATIONS
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "eighteen": 18,
    "twenty": 20,
    "thirty": 30,
    "forty-eight": 48,
    "a couple of": 2,
    "a few": 3,
    "few": 3,
}
# "early", "mid", "late" and friends: which third of a period they pick.
PARTS = {"early": 0, "beginning": 0, "start": 0, "mid": 1, "middle": 1, "late": 2, "end": 2}

_SP = r"[^\S\n]+"  # spaces within a line: a date never runs across a line break
_BEFORE = r"(?<![\w'’-])"  # a candidate starts at a word boundary
_MONTH_FULL = "|".join(MONTH_NAMES)
_MONTH_ALL = "|".join(n.capitalize() for n in sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_FULL = "|".join(WEEKDAY_NAMES)
_WEEKDAY_ALL = "|".join(n.capitalize() for n in sorted(WEEKDAYS, key=len, reverse=True))

# Months are case-sensitive on purpose (capitalised only); the words around them are not.
_MONTH = rf"(?P<month>(?:{_MONTH_ALL})\b)\.?"  # "December", "Dec.", "Dec"
_MONTH_NAME = rf"(?P<month>(?:{_MONTH_FULL})\b)"  # spelt out: "in October", not "in Oct"
_DAY = r"(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?!\w|[.,]\d)"
_YEAR = r"(?P<year>(?:19|20)\d\d)(?!\w|[.,]\d|%)"
_WEEKDAY_PREFIX = rf"(?:(?P<weekday>(?:{_WEEKDAY_ALL})\b)\.?,?{_SP})?"  # "Sunday, " "Sun. "
_LEAD = (  # an optional preposition, kept in the span: "in October", "over the weekend"
    rf"(?:(?i:in|on|at|over|during|since|until|till|by|from|through|throughout|before|after"
    rf"|within){_SP})?"
)
_PART = rf"(?P<part>(?i:early|mid|late|(?:the{_SP})?(?:end|beginning|start|middle){_SP}of))"
_NUM = (
    r"(?P<n>\d{1,3}|(?i:"
    + "|".join(w.replace(" ", _SP) for w in sorted(NUMBER_WORDS, key=len, reverse=True))
    + r"))"
)
_UNIT = r"(?P<unit>(?i:hours?|days?|weeks?|months?|years?))\b"
_UNIT_NO_HOURS = r"(?P<unit>(?i:days?|weeks?|months?|years?))\b"


def _month_number(name: str) -> int:
    return MONTHS[name.lower()]


def _number(word: str) -> int:
    word = " ".join(word.lower().split())
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


UNIT_GRANULARITY: dict[str, Granularity] = {
    "hour": "day",
    "day": "day",
    "week": "week",
    "month": "month",
    "year": "year",
}


def _unit(word: str) -> Granularity:
    """ "weeks" -> "week"; hours count as days (a map has no finer scale)."""
    return UNIT_GRANULARITY[word.lower().rstrip("s")]


def _amount(match: re.Match[str]) -> tuple[int, Granularity]:
    """(n, unit) of "<n> <units>", with hours rounded up to whole days."""
    n = _number(match["n"]) if match["n"] else 1
    if match["unit"].lower().startswith("hour"):
        return max(1, -(-n // 24)), "day"
    return n, _unit(match["unit"])


def _part_index(part: str | None) -> int | None:
    if part is None:
        return None
    words = part.lower().split()
    return PARTS[words[-2] if words[-1] == "of" else words[0]]


# ---------------------------------------------------------------------------------------
# Resolvers: one per pattern. Each gets the match and P (None when unknown) and returns an
# _Interval, or None when the match cannot be resolved (no P, or no such day).

Resolver = Callable[[re.Match[str], Date | None], _Interval | None]


def _full_date(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "April 9, 2016", "12 January, 2015", "2016-04-09": the text names the day."""
    month = int(match["mnum"]) if "mnum" in match.re.groupindex else None
    try:
        day = Date(int(match["year"]), month or _month_number(match["month"]), int(match["day"]))
    except ValueError:  # "February 30, 2015"
        return None
    return _Interval(day, day, "day", "explicit")


def _month_day(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "Dec. 4", "March 24", "4 December": the latest such day that is not after P.

    A weekday given with it ("Sunday, Dec. 4") picks the year where the date falls on that
    weekday, if there is one among P's year and the two before.
    """
    if published is None:
        return None
    month, day = _month_number(match["month"]), int(match["day"])
    if match["weekday"]:
        weekday = WEEKDAYS[match["weekday"].lower()]
        for year in range(published.year, published.year - YEARS_BACK_FOR_WEEKDAY - 1, -1):
            candidate = _valid_date(year, month, day)
            if candidate is not None and candidate.weekday() == weekday:
                return _Interval(candidate, candidate, "day", "explicit")
    for year in range(published.year, published.year - 8, -1):  # 8 years reach a February 29
        candidate = _valid_date(year, month, day)
        if candidate is not None and candidate <= published:
            return _Interval(candidate, candidate, "day", "explicit")
    return None


def _valid_date(year: int, month: int, day: int) -> Date | None:
    try:
        return Date(year, month, day)
    except ValueError:
        return None


def _month_year(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "June 2014", "in early June 2014", "the end of June 2014"."""
    span = _month_span(int(match["year"]), _month_number(match["month"]))
    return _with_part(_Interval(*span, "month", "explicit"), match["part"])


def _year_for_month(published: Date, month: int) -> int:
    """The year of a month named without one: the latest that does not put it after P.

    Exception: the month right after P's month is the coming one ("perhaps in early
    February" in a January article), because a reporter writing about the month eleven
    months back would say "last February".
    """
    if month == published.month % 12 + 1:
        return published.year + (1 if published.month == 12 else 0)
    return published.year if month <= published.month else published.year - 1


def _month_alone(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "in October", "early February", "the end of December" (year from P)."""
    if published is None:
        return None
    month = _month_number(match["month"])
    span = _month_span(_year_for_month(published, month), month)
    part = match["part"] if "part" in match.re.groupindex else None
    return _with_part(_Interval(*span, "month", "explicit"), part)


def _month_relative(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "last June" (the latest June before P's month), "next June", "this June"."""
    if published is None:
        return None
    month, rel = _month_number(match["month"]), match["rel"].lower()
    if rel == "last":
        year = published.year if month < published.month else published.year - 1
    elif rel == "next":
        year = published.year if month > published.month else published.year + 1
    else:
        year = published.year
    return _Interval(*_month_span(year, month), "month", "relative", planned=rel == "next")


def _year_part(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "mid-2015", "early 2015", "the end of 2015"."""
    span = _period(Date(int(match["year"]), 1, 1), "year")
    return _with_part(_Interval(*span, "year", "explicit"), match["part"])


def _year_range(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "2014-2017", "2014–15", "from 2014 to 2017"."""
    first, second = int(match["year"]), match["year2"]
    last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
    if last <= first:
        return None
    return _Interval(Date(first, 1, 1), Date(last, 12, 31), "year", "explicit")


def _year(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "in 2015", "since 2004"."""
    return _Interval(*_period(Date(int(match["year"]), 1, 1), "year"), "year", "explicit")


def _weekday(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "on Friday": the latest Friday on or before P (P itself if P is a Friday).

    "last Friday" is strictly before P; "next Friday" strictly after.
    """
    if published is None:
        return None
    weekday = WEEKDAYS[match["weekday"].lower()]
    rel = (match["rel"] or "").lower()
    day = _weekday_on_or_before(published, weekday)
    if rel in ("last", "past") and day == published:
        day -= _days(7)
    elif rel == "next":
        day += _days(7)
    return _Interval(day, day, "day", "relative", planned=rel == "next")


def _weekend(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "over the weekend": the latest Saturday-Sunday on or before P (P's own if P is one).

    "last weekend" is the one before P's own when P falls on a weekend; "next weekend" is the
    first one after P.
    """
    if published is None:
        return None
    rel = (match["rel"] or match["rel2"] or "").lower()
    saturday = _weekday_on_or_before(published, 5)
    if rel == "next":
        saturday += _days(7)
    elif rel in ("last", "past") and published.weekday() >= 5:
        saturday -= _days(7)
    return _Interval(saturday, saturday + ONE_DAY, "day", "relative", planned=rel == "next")


def _day_word(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "today", "this morning", "yesterday", "last night", "tomorrow"."""
    if published is None:
        return None
    word = " ".join(match["word"].lower().split())
    if word in ("yesterday", "last night"):
        day = published - ONE_DAY
    elif word == "tomorrow":
        day = published + ONE_DAY
    else:
        day = published
    planned = word in ("tomorrow", "later today")
    return _Interval(day, day, "day", "relative", planned=planned)


def _calendar_relative(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "last week" (the previous ISO week), "this month", "next year", "earlier this year"."""
    if published is None:
        return None
    rel = " ".join(match["rel"].lower().split())
    unit = _unit(match["unit"])
    offset = {"last": -1, "next": 1}.get(rel, 0)
    start, end = _period(published, unit, offset)
    if rel == "earlier this":
        end = published
    elif rel == "later this":
        start = published + ONE_DAY
        if start > end:
            return None
    planned = rel in ("next", "later this")
    return _Interval(start, end, unit, "relative", planned=planned)


def _calendar_part(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "the end of the year", "early next year", "late last month"."""
    if published is None:
        return None
    rel = match["rel"].lower()
    unit = _unit(match["unit"])
    span = _period(published, unit, {"last": -1, "next": 1}.get(rel, 0))
    interval = _Interval(*span, unit, "relative", planned=rel == "next")
    return _with_part(interval, match["part"])


def _past_duration(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "over the past year", "seven months of airstrikes", "for three weeks": [P - n, P]."""
    if published is None:
        return None
    n, unit = _amount(match)
    if n == 0:
        return None
    start = _shift(published, -n, unit)
    return _Interval(start, published, unit, "relative", duration=True)


def _ago(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "three weeks ago": around P - 3 weeks (see AROUND_DAYS)."""
    if published is None:
        return None
    n, unit = _amount(match)
    if n == 0:
        return None
    start, end = _around(_shift(published, -n, unit), unit)
    return _Interval(start, end, unit, "relative")


def _coming(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "in the coming weeks" (P to P + 3 weeks), "over the next two months" (P to P + 2)."""
    if published is None:
        return None
    if match["which"].lower() == "next" and not match["n"] and not match["unit"].endswith("s"):
        return None  # "the next day" is narrative, relative to the story, not to P
    if match["n"]:
        n, unit = _amount(match)
    else:
        n, unit = COMING_DEFAULT[_unit(match["unit"])]
    end = _shift(published, n, unit)
    return _Interval(published, end, unit, "relative", planned=True)


def _season(match: re.Match[str], published: Date | None) -> _Interval | None:
    """ "spring", "this spring", "later this spring", "last winter", "the summer of 2015".

    With a year it is that year's season. Otherwise "last" is the latest one over before P,
    "next" the first one starting after P, and anything else ("spring offensive", "this
    spring", "until spring") the occurrence nearest to P: in January the coming spring,
    in September the spring just gone. "fall" needs a qualifier or a year, because "the fall
    of Kabul" is not a season.
    """
    season = match["season"].lower()
    rel = " ".join((match["rel"] or "").lower().split())
    if season == "fall" and not match["year"] and rel in ("", "the"):
        return None
    if match["year"]:
        span = _season_span(season, int(match["year"]))
        return _with_part(_Interval(*span, "season", "explicit"), match["part"])
    if published is None:
        return None
    occurrences = _season_occurrences(season, published)
    if rel in ("last", "past"):
        span = [s for s in occurrences if s[1] < published][-1]
    elif rel in ("next", "the coming"):
        span = [s for s in occurrences if s[0] > published][0]
    else:
        span = min(occurrences, key=lambda s: _distance(s, published))
    start, end = span
    if rel == "later this" and start <= published:
        start = published + ONE_DAY
        if start > end:
            return None
    elif rel == "earlier this" and end > published >= start:
        end = published
    planned = rel in ("next", "the coming", "later this")
    interval = _Interval(start, end, "season", "relative", planned=planned)
    return _with_part(interval, match["part"])


def _with_part(interval: _Interval, part: str | None) -> _Interval:
    index = _part_index(part)
    if index is None:
        return interval
    piece = _part((interval.start, interval.end), interval.granularity, index)
    return replace(interval, start=piece.start, end=piece.end, granularity=piece.granularity)


# ---------------------------------------------------------------------------------------
# Patterns: each rule is a regular expression and the resolver for its matches. The order
# does not matter; overlapping matches are settled by length in _longest_without_overlaps.


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    resolve: Resolver


def _rule(name: str, pattern: str, resolve: Resolver) -> _Rule:
    return _Rule(name, re.compile(_BEFORE + pattern), resolve)


_NOT_DATE_AFTER_OF = (  # "seven months of airstrikes", not "two weeks of March"
    rf"(?!(?:{_MONTH_FULL})\b|(?:19|20)\d\d|(?i:the{_SP}(?:year|month|week)|this|last|next"
    r"|age)\b)"
)

RULES: list[_Rule] = [
    # --- Dates that name their year
    _rule("date m-d-y", rf"{_LEAD}{_WEEKDAY_PREFIX}{_MONTH}{_SP}{_DAY},?{_SP}{_YEAR}", _full_date),
    _rule(
        "date d-m-y",
        rf"{_LEAD}{_WEEKDAY_PREFIX}(?i:the{_SP})?{_DAY}(?:{_SP}of)?{_SP}{_MONTH},?{_SP}{_YEAR}",
        _full_date,
    ),
    _rule(
        "date iso",
        r"(?P<year>(?:19|20)\d\d)-(?P<mnum>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12]\d|3[01])(?![\w-])",
        _full_date,
    ),
    _rule(
        "month year",
        rf"{_LEAD}(?:{_PART}(?:{_SP}|-))?{_MONTH},?{_SP}(?:of{_SP})?{_YEAR}",
        _month_year,
    ),
    _rule("part of year", rf"{_LEAD}{_PART}(?:{_SP}|-){_YEAR}", _year_part),
    _rule(
        "year range",
        rf"{_LEAD}(?:(?i:from|between){_SP})?(?P<year>(?:19|20)\d\d)"
        rf"(?:[^\S\n]*[-–—][^\S\n]*|{_SP}(?i:to|and|until|till){_SP})"
        r"(?P<year2>(?:19|20)\d\d|\d\d)(?!\w|[.,]\d|%)",
        _year_range,
    ),
    _rule(
        "year",
        rf"(?i:in|since|during|by|until|till|before|after|from|through|throughout|of)"
        rf"{_SP}(?:(?i:the{_SP}year){_SP})?{_YEAR}(?![^\S\n]*(?i:percent|per\b))",
        _year,
    ),
    # --- Dates whose year comes from P
    _rule("month day", rf"{_LEAD}{_WEEKDAY_PREFIX}{_MONTH}{_SP}{_DAY}", _month_day),
    _rule(
        "day month",
        rf"{_LEAD}{_WEEKDAY_PREFIX}(?i:the{_SP})?(?<![\w.,]){_DAY}(?:{_SP}of)?{_SP}{_MONTH}",
        _month_day,
    ),
    _rule("part of month", rf"{_LEAD}{_PART}(?:{_SP}|-)(?:in{_SP})?{_MONTH_NAME}", _month_alone),
    _rule(
        "in month",
        rf"(?i:in|during|since|until|till|by|from|through|throughout|before|after)"
        rf"{_SP}{_MONTH_NAME}",
        _month_alone,
    ),
    _rule(
        "last/next/this <Month>",
        rf"{_LEAD}(?P<rel>(?i:last|next|this)){_SP}{_MONTH_NAME}",
        _month_relative,
    ),
    # --- Relative to P
    _rule(
        "weekday",
        rf"{_LEAD}(?:(?P<rel>(?i:last|next|this|past)){_SP})?(?P<weekday>(?:{_WEEKDAY_FULL})\b)"
        rf"(?:{_SP}(?i:morning|afternoon|evening|night)\b)?",
        _weekday,
    ),
    _rule(
        "weekend",
        rf"{_LEAD}(?:(?P<rel>(?i:this|last|next|past))|(?i:the)(?:{_SP}(?P<rel2>(?i:past|last)))?)"
        rf"{_SP}(?i:weekend)\b",
        _weekend,
    ),
    _rule(
        "day word",
        rf"(?<!USA\s)(?P<word>(?i:today|yesterday|tomorrow|tonight|last{_SP}night"
        rf"|this{_SP}(?:morning|afternoon|evening)|(?:earlier|later){_SP}today))\b",
        _day_word,
    ),
    _rule(
        "last/this/next week, month, year",
        rf"{_LEAD}(?P<rel>(?i:last|this|next|earlier{_SP}this|later{_SP}this)){_SP}"
        rf"(?P<unit>(?i:week|month|year))\b",
        _calendar_relative,
    ),
    _rule(
        "part of last/this/next month, year",
        rf"{_LEAD}{_PART}(?:{_SP}|-)(?P<rel>(?i:last|this|next|the)){_SP}"
        rf"(?P<unit>(?i:month|year))\b",
        _calendar_part,
    ),
    _rule(
        "the past n units",
        rf"{_LEAD}(?i:the){_SP}(?i:past|last|previous){_SP}(?:{_NUM}{_SP})?{_UNIT}",
        _past_duration,
    ),
    _rule(
        "n units of",
        rf"(?<![Ff]irst\s)(?<![Nn]ext\s)(?<![Ff]inal\s){_NUM}{_SP}{_UNIT_NO_HOURS}"
        rf"(?={_SP}of{_SP}{_NOT_DATE_AFTER_OF})",
        _past_duration,
    ),
    _rule(
        "for n units",
        rf"(?i:for){_SP}(?:(?i:about|nearly|almost|more{_SP}than|over|some){_SP})?"
        rf"{_NUM}{_SP}{_UNIT}",
        _past_duration,
    ),
    _rule(
        "n units ago",
        rf"(?:(?i:about|nearly|almost|some|more{_SP}than|just|only){_SP})?"
        rf"{_NUM}{_SP}{_UNIT_NO_HOURS}{_SP}(?i:ago)\b",
        _ago,
    ),
    _rule(
        "the coming units",
        rf"{_LEAD}(?i:the){_SP}(?P<which>(?i:coming|next)){_SP}(?:{_NUM}{_SP})?{_UNIT}",
        _coming,
    ),
    _rule(
        "season",
        rf"{_LEAD}(?:(?P<rel>(?i:this|last|next|past|earlier{_SP}this|later{_SP}this"
        rf"|the{_SP}coming|the)){_SP})?(?:(?P<part>(?i:early|mid|late))(?:{_SP}|-))?"
        rf"(?<!Arab\s)(?P<season>(?i:spring|summer|autumn|fall|winter))(?!\w)"
        rf"(?:,?{_SP}(?:of{_SP})?{_YEAR})?",
        _season,
    ),
]

# "two weeks after <anchor>": resolved in a second pass, once the anchors are known.
_ANCHORED_RE = re.compile(
    _BEFORE + rf"{_NUM}{_SP}{_UNIT_NO_HOURS}{_SP}(?P<dir>(?i:after|before|later{_SP}than"
    rf"|earlier{_SP}than)){_SP}(?P<the>(?i:the){_SP})?"
)

# "The next day", "two days later", "that night": resolved in a third pass, from the
# closest preceding event date of the text (see _add_chained).
_TIME_OF_DAY = r"(?:day|morning|afternoon|evening|night)\b(?!-)"  # "day-to-day" is no day
# "the day after" and "two days after that" chain only when nothing follows but punctuation:
# in "two days after the attack" or "the day after Christmas" the anchor is something else.
_CLAUSE_END = r"(?=[^\S\n]*(?:[,.;:!?)—–-]|\n|$))"


@dataclass(frozen=True)
class _ChainRule:
    """A phrase that moves ``n`` units on (negative: back) from the previous event date.

    ``n`` None: the phrase counts ("two days later"), read with ``_amount`` and the
    direction word. ``unit`` None: the phrase names it ("the following week").
    ``calendar``: the phrase means a whole calendar period ("the following week" is
    Monday to Sunday), not a point with some slack around it ("a week later").
    """

    name: str
    pattern: re.Pattern[str]
    n: int | None
    unit: Granularity | None
    calendar: bool = False


def _chain_rule(
    name: str, pattern: str, n: int | None, unit: Granularity | None, calendar: bool = False
) -> _ChainRule:
    return _ChainRule(name, re.compile(_BEFORE + rf"(?i:{pattern})"), n, unit, calendar)


# The rules never overlap one another. "the next week" and "the next month" are left to
# the rules above, which read them from P ("next week"); "the following week" chains.
CHAIN_RULES: list[_ChainRule] = [
    _chain_rule("the next day", rf"the{_SP}(?:next|following){_SP}{_TIME_OF_DAY}", 1, "day"),
    _chain_rule(
        "the day after", rf"the{_SP}(?:day|night){_SP}after(?:{_SP}that)?{_CLAUSE_END}", 1, "day"
    ),
    _chain_rule(
        "the previous day", rf"the{_SP}(?:previous|preceding){_SP}{_TIME_OF_DAY}", -1, "day"
    ),
    _chain_rule(
        "the day before",
        rf"the{_SP}(?:day|night|morning|evening){_SP}before(?:{_SP}that)?"
        rf"{_CLAUSE_END}",
        -1,
        "day",
    ),
    _chain_rule(
        "that night",
        rf"(?:(?:later|earlier){_SP})?(?:that(?:{_SP}same)?|the{_SP}same){_SP}"
        rf"{_TIME_OF_DAY}",
        0,
        "day",
    ),
    _chain_rule(
        "the following week",
        rf"the{_SP}following{_SP}(?P<unit>week|month|year)\b",
        1,
        None,
        calendar=True,
    ),
    # "On the 9th," / "by the 11th,": only before a clause break, since "the 11th Army
    # Corps" and "the 9th century" are no days.
    _chain_rule(
        "on the nth",
        rf"(?:on|by|until|till|from|since){_SP}the{_SP}(?P<ordinal>3[01]|[12]\d|[1-9])"
        rf"(?:st|nd|rd|th)(?:{_SP}of{_SP}the{_SP}month)?{_CLAUSE_END}",
        0,
        "day",
    ),
    _chain_rule(
        "n units later",
        rf"{_NUM}{_SP}{_UNIT_NO_HOURS}{_SP}(?P<dir>(?:later|earlier)(?!{_SP}than\b)"
        rf"|(?:after|before)(?:{_SP}that)?{_CLAUSE_END})",
        None,
        None,
    ),
]


# ---------------------------------------------------------------------------------------
# Finding expressions


def find_time_expressions(
    text: str,
    published: Date | None,
    anchor_events: Sequence[AnchorEvent] | None = None,
    *,
    narrative: bool = False,
    deadline: Deadline = NO_DEADLINE,
) -> list[TimeExpression]:
    """Every time expression in ``text`` that resolves, in text order, without overlaps.

    ``published`` is P, the date relative expressions are anchored on; without it only
    dates that name their year resolve. ``anchor_events`` are spans whose date is known
    from elsewhere, for "two weeks after <anchor>". Narrative phrases ("the next day",
    "two days later") chain to the closest preceding event date (see ``_add_chained``).

    ``narrative``: P is not the day the text was written (an undated encyclopedic page,
    whose P is only inferred from its latest date). Such a text tells its story in order,
    so a date without a year takes the year of the text's closest preceding date that
    names one ("On 6 September 2022 ... On 7 September"), and such a date or a step of
    the story after P is not thereby planned (expressions read from P still are).

    The work is linear in the length of the text (each pass goes through the text or the
    expressions once); `deadline` is checked as the rules and matches go by and raises
    `budget.BudgetExceeded` when it passes.
    """
    found = _expressions_from_rules(text, published, narrative, deadline)
    found = _add_anchored(text, found, published, anchor_events or ())
    deadline.check()
    return _add_chained(text, found, published, narrative, deadline)


# The rules whose year comes from P in news and from the story's own dates in a narrative.
_YEAR_FROM_CONTEXT = {"month day", "day month"}


def _expressions_from_rules(
    text: str,
    published: Date | None,
    narrative: bool = False,
    deadline: Deadline = NO_DEADLINE,
) -> list[TimeExpression]:
    """The first pass: every rule over the text, then the longest of overlapping matches.

    The rules that name their year come first in RULES, so in a narrative the dates
    without one find theirs among the candidates already made.
    """
    candidates: list[TimeExpression] = []
    for rule in RULES:
        deadline.check()
        story = _StoryDates(candidates) if narrative and rule.name in _YEAR_FROM_CONTEXT else None
        for count, match in enumerate(rule.pattern.finditer(text)):
            deadline.check_every(count)
            if story is not None:
                anchor = story.before(match.start())
                interval = (anchor and _month_day_in_story(match, anchor)) or rule.resolve(
                    match, published
                )
            else:
                interval = rule.resolve(match, published)
            if interval is None:
                continue
            if not narrative or interval.basis == "relative":  # "this year": from P
                interval = _against_publication(interval, published)
            candidates.append(_expression(text, match.start(), match.end(), interval))
            if story is not None:
                story.add(candidates[-1])
    return _longest_without_overlaps(candidates)


def _names_story_date(expr: TimeExpression) -> bool:
    """A day or a month that names its year: where a narrative's story is (a bare year,
    "captured in 1992", is often background in such pages)."""
    return (
        expr.basis == "explicit" and GRANULARITY_RANK[expr.granularity] <= GRANULARITY_RANK["month"]
    )


class _StoryDates:
    """The closest preceding date that names its year, for one rule's matches in text
    order: the latest-starting one of those that end before the match (the first made,
    on a tie), among the candidates of the earlier rules and this rule's own so far.

    A sweep, not a search per match: the earlier rules' dates are sorted by their end once,
    and this rule's own dates all end before its next match (matches do not overlap).
    """

    def __init__(self, earlier: Sequence[TimeExpression]) -> None:
        # (end, start, -order): the sweep passes them by end; the best is the latest start,
        # then the first made.
        self.waiting = sorted(
            (e.end, e.start, -order, e) for order, e in enumerate(earlier) if _names_story_date(e)
        )
        self.passed = 0
        self.best_earlier: tuple[int, int, TimeExpression] | None = None
        self.latest_own: TimeExpression | None = None

    def before(self, position: int) -> TimeExpression | None:
        """The story's date closest before `position` (positions never decrease)."""
        while self.passed < len(self.waiting) and self.waiting[self.passed][0] <= position:
            _, start, order, expr = self.waiting[self.passed]
            if self.best_earlier is None or (start, order) > self.best_earlier[:2]:
                self.best_earlier = (start, order, expr)
            self.passed += 1
        earlier = self.best_earlier[2] if self.best_earlier else None
        own = self.latest_own
        if own is None or (earlier is not None and earlier.start >= own.start):
            return earlier  # on a tie the earlier rule's, made first
        return own

    def add(self, expr: TimeExpression) -> None:
        """A date this rule just made (it ends before the rule's next match)."""
        if _names_story_date(expr):
            self.latest_own = expr


def _month_day_in_story(match: re.Match[str], anchor_expr: TimeExpression) -> _Interval | None:
    """ "On 7 September" in a narrative: the day nearest ``anchor_expr``, the closest
    preceding day or month that names its year (see ``_StoryDates``), in the year before,
    the same or the next ("December 2014 ... On 3 January" is January 2015)."""
    anchor = anchor_expr.date_start
    month, day = _month_number(match["month"]), int(match["day"])
    candidates = [
        d
        for year in (anchor.year - 1, anchor.year, anchor.year + 1)
        if (d := _valid_date(year, month, day)) is not None
    ]
    if not candidates:
        return None
    nearest = min(candidates, key=lambda d: abs((d - anchor).days))
    return _Interval(nearest, nearest, "day", "explicit")


def _expression(text: str, start: int, end: int, interval: _Interval) -> TimeExpression:
    return TimeExpression(
        start=start,
        end=end,
        text=text[start:end],
        date_start=interval.start,
        date_end=interval.end,
        granularity=interval.granularity,
        basis=interval.basis,
        planned=interval.planned,
        duration=interval.duration,
    )


def _against_publication(interval: _Interval, published: Date | None) -> _Interval:
    """Apply "a reported event is not in the future" (see the module docstring)."""
    if published is None:
        return interval
    if interval.start > published:
        return replace(interval, planned=True)
    if interval.end > published and not interval.planned:
        return replace(interval, end=published)
    return interval


def _longest_without_overlaps(candidates: list[TimeExpression]) -> list[TimeExpression]:
    """Keep the longest candidates that do not overlap a longer one, in text order.

    The characters of the kept ones are marked, so that each candidate is checked against
    its own span only (candidates are never empty: every rule matches a word).
    """
    kept: list[TimeExpression] = []
    taken = bytearray(max((c.end for c in candidates), default=0))
    for cand in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
        if taken.find(1, cand.start, cand.end) < 0:
            kept.append(cand)
            taken[cand.start : cand.end] = b"\x01" * (cand.end - cand.start)
    return sorted(kept, key=lambda c: c.start)


def _add_anchored(
    text: str,
    found: list[TimeExpression],
    published: Date | None,
    anchor_events: Sequence[AnchorEvent],
) -> list[TimeExpression]:
    """Resolve "two weeks after <anchor>" where an anchor follows the phrase directly.

    The new expression spans the phrase and its anchor and replaces the anchor's own time
    expression ("two weeks after Dec. 4" is one expression: around Dec. 18).
    """
    anchors = {a.start: (a.end, a.date) for a in anchor_events}
    for expr in found:
        if expr.granularity == "day" and expr.date_start == expr.date_end:
            anchors.setdefault(expr.start, (expr.end, expr.date_start))
    if not anchors:
        return found
    added: list[TimeExpression] = []
    for match in _ANCHORED_RE.finditer(text):
        # The anchor may start at "after" (a time expression takes it as its preposition),
        # at "the" ("the fall of Kabul") or after both.
        starts = (match.start("dir"), match.start("the"), match.end())
        anchor = next((anchors[s] for s in starts if s in anchors), None)
        if anchor is None:
            continue
        anchor_end, anchor_date = anchor
        n, unit = _amount(match)
        sign = 1 if match["dir"].lower().startswith(("after", "later")) else -1
        start, end = _around(_shift(anchor_date, sign * n, unit), unit)
        interval = _against_publication(_Interval(start, end, unit, "relative"), published)
        # The phrase and its anchor: at least through "after" (an anchor that starts at it
        # may end sooner).
        added.append(_expression(text, match.start(), max(anchor_end, match.end("dir")), interval))
    return sorted(_replace_overlapped(found, added), key=lambda e: e.start)


def _replace_overlapped(
    found: list[TimeExpression], added: list[TimeExpression]
) -> list[TimeExpression]:
    """``found`` (in text order, without overlaps) with each of ``added`` (in the order of
    their starts) put in its place: an added expression replaces every expression it
    overlaps, found or added before it.

    So a found one stays unless an added one overlaps it, and an added one stays unless the
    next one starts before it ends (the ones after that start later still). The found are
    looked up by bisection: a text of many anchored phrases is not searched once for each.
    """
    starts = [e.start for e in found]
    ends = [e.end for e in found]  # in order too: the found do not overlap
    dropped: set[int] = set()
    for expr in added:
        dropped.update(range(bisect_right(ends, expr.start), bisect_left(starts, expr.end)))
    kept_added = [
        expr
        for i, expr in enumerate(added)
        if i + 1 == len(added) or expr.end <= added[i + 1].start
    ]
    return [e for i, e in enumerate(found) if i not in dropped] + kept_added


GRANULARITY_RANK: dict[Granularity, int] = {
    "day": 0,
    "week": 1,
    "month": 2,
    "season": 3,
    "year": 4,
}


def _add_chained(
    text: str,
    found: list[TimeExpression],
    published: Date | None,
    narrative: bool = False,
    deadline: Deadline = NO_DEADLINE,
) -> list[TimeExpression]:
    """Resolve "the next day", "two days later", "that night" from the previous event date.

    The anchor is the closest time expression before the phrase that is neither planned
    nor a duration, chained ones included, so "On May 3 ... The next day ... Two days
    later" gives May 3, 4 and 6. A chained one stays an anchor even when it ran past P and
    became planned: the text still tells one sequence, and skipping it would put "three
    days after that" before the step it follows.

    Without such an anchor, phrases looking back ("the day before") count from P, as
    "yesterday" does; the others are left out, since "the next day" or "that night" after
    nothing can be any day. Without P nothing chains: like other relative phrases they are
    left out, and an article without P has no day-precise date to chain from anyway (one
    would have been taken as its inferred P). A narrative (see ``find_time_expressions``)
    chains from its own dates with or without P, and a step past P is not planned there.

    "On the 9th" names a day of the anchor's month (of the next month when the anchor is
    later in its month): in a story told day by day the month goes without saying.

    A phrase that covers a first-pass expression replaces it ("the previous day" is not
    the duration "the past day"); one that sits inside a longer expression is dropped.

    One sweep in text order (see ``_ChainSweep``): the expressions never overlap, and a
    phrase only looks back, so what lies behind it is settled.
    """
    if published is None and not narrative:
        return found
    sweep = _ChainSweep(found)
    for count, (rule, match) in enumerate(_chain_matches(text)):
        deadline.check_every(count)
        start, end = match.span()
        first, last = sweep.overlapping(start, end)
        inside = sweep.done[first:last]
        if any(e.start < start or e.end > end for e in inside):
            continue
        n, unit = _chain_step(rule, match)
        anchor = sweep.anchor(first) or (
            _Interval(published, published, "day", "publication")
            if n < 0 and published is not None
            else None
        )
        if anchor is None:
            continue
        if rule.name == "on the nth":
            interval = _day_of_anchor_month(anchor, int(match["ordinal"]))
        else:
            interval = _chained(anchor, n, unit, rule.calendar)
        if interval is None:
            continue
        if not narrative:
            interval = _against_publication(interval, published)
        sweep.replace(first, last, _expression(text, start, end, interval))
    return sweep.result()


class _ChainSweep:
    """The expressions of ``_add_chained`` as its phrases go by in text order.

    ``done`` holds, in text order and without overlaps, every expression that starts
    before a phrase seen so far ends (the rest of ``found`` waits); a chained one goes in
    as it is made, in place of the expressions it covers, which lie at the end of
    ``done`` (before those a longer earlier phrase brought in). The anchor of a phrase is
    the last expression before them that dates an event, found by a pointer that only
    moves forward: what ends before one phrase ends before every later one, and is never
    replaced.
    """

    def __init__(self, found: list[TimeExpression]) -> None:
        self.waiting = found
        self.next_waiting = 0
        self.done: list[TimeExpression] = []
        self.chained: set[int] = set()  # starts of the chained expressions
        self.scanned = 0  # ``done[:scanned]`` have been looked at for the anchor
        self.last_anchor: TimeExpression | None = None

    def overlapping(self, start: int, end: int) -> tuple[int, int]:
        """``done[first:last]``: the expressions that overlap [start, end) (starting
        before ``end`` and ending after ``start``), once every expression that starts
        before ``end`` is in ``done``."""
        done, waiting = self.done, self.waiting
        while self.next_waiting < len(waiting) and waiting[self.next_waiting].start < end:
            done.append(waiting[self.next_waiting])
            self.next_waiting += 1
        last = len(done)
        while last > 0 and done[last - 1].start >= end:
            last -= 1
        first = last
        while first > 0 and done[first - 1].end > start:
            first -= 1
        return first, last

    def anchor(self, before: int) -> _Interval | None:
        """The interval of the last of ``done[:before]`` (the expressions ending before the
        phrase) that dates an event (or is itself chained, planned or not)."""
        while self.scanned < before:
            expr = self.done[self.scanned]
            if not expr.duration and (not expr.planned or expr.start in self.chained):
                self.last_anchor = expr
            self.scanned += 1
        last = self.last_anchor
        if last is None:
            return None
        return _Interval(last.date_start, last.date_end, last.granularity, last.basis)

    def replace(self, first: int, last: int, expr: TimeExpression) -> None:
        """``expr`` (chained) in place of ``done[first:last]``."""
        self.done[first:last] = [expr]
        self.chained.add(expr.start)

    def result(self) -> list[TimeExpression]:
        return self.done + self.waiting[self.next_waiting :]


def _chain_matches(text: str) -> list[tuple[_ChainRule, re.Match[str]]]:
    """Every chain phrase of the text, in text order (the anchors must be resolved first)."""
    matches = [(rule, m) for rule in CHAIN_RULES for m in rule.pattern.finditer(text)]
    return sorted(matches, key=lambda pair: pair[1].start())


def _chain_step(rule: _ChainRule, match: re.Match[str]) -> tuple[int, Granularity]:
    """How far the phrase moves, and in which unit: "three days before that" -> (-3, day)."""
    if rule.n is not None:
        return rule.n, rule.unit or _unit(match["unit"])
    n, unit = _amount(match)
    sign = 1 if match["dir"].lower().startswith(("later", "after")) else -1
    return sign * n, unit


def _day_of_anchor_month(anchor: _Interval, day: int) -> _Interval | None:
    """Day ``day`` of the anchor's month, or of the next month when that is before the
    anchor ("On 30 May ... on the 2nd" is June 2). None for a day the month lacks."""
    month_start = anchor.start.replace(day=1)
    for first in (month_start, _add_months(month_start, 1)):
        candidate = _valid_date(first.year, first.month, day)
        if candidate is not None and candidate >= anchor.start:
            return _Interval(candidate, candidate, "day", "relative")
    return None


def _chained(anchor: _Interval, n: int, unit: Granularity, calendar: bool) -> _Interval | None:
    """``anchor`` moved by ``n`` units; None past the calendar's ends (year 1 or 9999).

    An anchor at least as coarse as the unit moves whole and keeps its granularity ("the
    next day" after "in June" is June 2 to July 1): the anchor's own width is the
    uncertainty. A finer anchor gives the calendar period ("the following week": the ISO
    week after the anchor's) or, like "two weeks after Dec. 4", the point with the unit's
    slack ("a week later": 7 days on, give or take 3).
    """
    try:
        if GRANULARITY_RANK[unit] <= GRANULARITY_RANK[anchor.granularity]:
            start = _shift(anchor.start, n, unit)
            # The day after the end, moved, minus one: June 1-30 plus a month is July 1-31.
            end = max(start, _shift(anchor.end + ONE_DAY, n, unit) - ONE_DAY)
            return _Interval(start, end, anchor.granularity, "relative")
        if calendar:
            start, end = _period(anchor.start, unit, n)[0], _period(anchor.end, unit, n)[1]
        else:
            start = _around(_shift(anchor.start, n, unit), unit)[0]
            end = _around(_shift(anchor.end, n, unit), unit)[1]
    except (OverflowError, ValueError):
        return None
    return _Interval(start, end, unit, "relative")


# ---------------------------------------------------------------------------------------
# Publication date

_DATEPARSER_SETTINGS = {
    "REQUIRE_PARTS": ["day", "month", "year"],
    "PREFER_DATES_FROM": "past",
    "RETURN_AS_TIMEZONE_AWARE": False,
}
# A date that names its year, without named groups, to find a dateline at the top of the
# body: "KABUL, June 1, 2015 (Reuters) -", "Published: Monday, 1 June 2015".
_PLAIN_FULL_DATE = (
    rf"(?:(?:{_WEEKDAY_ALL})\b\.?,?{_SP})?"
    rf"(?:(?:{_MONTH_ALL})\b\.?{_SP}\d{{1,2}}(?:st|nd|rd|th)?,?{_SP}(?:19|20)\d\d"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:{_SP}of)?{_SP}(?:{_MONTH_ALL})\b\.?,?{_SP}(?:19|20)\d\d"
    r"|(?:19|20)\d\d-\d\d-\d\d)"
)
_LEADING_DATELINE_RE = re.compile(
    r"[^\S\n]*(?:(?i:published|posted|updated|date)(?:[^\S\n]+on)?[^\S\n]*:?[^\S\n]*)?"
    rf"(?:[A-Z][A-Za-z.'’ -]{{1,40}}?,{_SP})?"  # a place: "KABUL, "
    rf"(?P<date>{_PLAIN_FULL_DATE})(?![\w])(?=[^\S\n]*(?:$|[-–—|(:,]))",
    re.MULTILINE,
)

# "COLOMBO, Jan 2 AFP -": a wire dateline, its place in capitals, its date without a year.
_WIRE_DATELINE_RE = re.compile(
    rf"[^\S\n]*[A-Z][A-Z.'’ -]{{1,40}},{_SP}(?P<month>(?:{_MONTH_ALL})\b)\.?{_SP}"
    r"(?P<day>[12]\d|3[01]|0?[1-9])(?!\d)"
)
WIRE_FILING_DAYS = 3  # how much later a site may run a wire story


def publication_date(
    article_published: Date | None,
    datelines: list[str],
    body_text: str,
    *,
    today: Date | None = None,
) -> PublicationDate:
    """The date an article was published, and where it came from.

    In order of trust: the metadata date (or the wire dateline a few days before it, see
    ``_wire_filing``); a dateline the cleaner took off the page
    ("12 January, 2015"); a dateline at the top of the body ("KABUL, June 1, 2015 -");
    the latest date in the text that names its day and year (basis "inferred": a caption
    dated "April 9, 2016" suggests, but does not prove, when the story ran); else unknown.
    A date after ``today`` (default: the real today) or before 1900 is never taken.
    """
    today = today or Date.today()

    def plausible(day: Date | None) -> bool:
        return day is not None and EARLIEST_PUBLICATION <= day <= today

    if article_published is not None and plausible(article_published):
        filed = _wire_filing(body_text, article_published)
        if filed is not None:
            return PublicationDate(filed[0], "text", filed[1])
        return PublicationDate(article_published, "metadata", "")
    for line in datelines:
        day = _parse_dateline(line)
        if plausible(day):
            return PublicationDate(day, "text", line.strip())
    for line in [line for line in body_text.splitlines() if line.strip()][:LEADING_DATELINE_LINES]:
        match = _LEADING_DATELINE_RE.match(line)
        day = _parse_dateline(match["date"]) if match else None
        if match and plausible(day):
            return PublicationDate(day, "text", match["date"])
    explicit_days = [  # without anchored phrases: "two days after <date>" is not written
        e
        for e in _expressions_from_rules(body_text, None)
        if e.basis == "explicit" and e.granularity == "day" and plausible(e.date_start)
    ]
    if explicit_days:
        latest = max(explicit_days, key=lambda e: e.date_start)
        return PublicationDate(latest.date_start, "inferred", latest.text)
    return PublicationDate(None, "unknown", "")


def _wire_filing(body_text: str, published: Date) -> tuple[Date, str] | None:
    """The day a wire story was filed, from a dateline without a year ("COLOMBO, Jan 2
    AFP -") a day or few before the page's own date: the story's "on Friday" and its
    undated sentences belong to the day it was written, not the day a site ran it."""
    lines = [line for line in body_text.splitlines() if line.strip()]
    for line in lines[: LEADING_DATELINE_LINES + 2]:
        match = _WIRE_DATELINE_RE.match(line)
        if match is None:
            continue
        month, day = _month_number(match["month"]), int(match["day"])
        for year in (published.year, published.year - 1):
            filed = _valid_date(year, month, day)
            if filed is not None and 0 < (published - filed).days <= WIRE_FILING_DAYS:
                return filed, match.group().strip()
    return None


def _parse_dateline(text: str) -> Date | None:
    """A dateline string as a date, or None when it lacks a day, month or year."""
    parsed = dateparser.parse(text, languages=["en"], settings=_DATEPARSER_SETTINGS)
    return parsed.date() if parsed is not None else None


# ---------------------------------------------------------------------------------------
# The interval a sentence's events get


def sentence_interval(
    expressions_in_sentence: Sequence[TimeExpression],
    published: Date | None,
) -> tuple[Date, Date, Granularity, Basis] | None:
    """When the events of one sentence happened: (start, end, granularity, basis).

    The narrowest expression that is neither planned nor a duration wins ("On Friday,
    officials said the offensive launched in October was postponed" -> Friday); ties go to
    the first in the sentence. Failing that, the narrowest duration ("seven months of
    airstrikes"). Planned expressions never date a sentence: a plan is news on the day it
    is reported. A sentence without a usable expression gets P with basis "publication";
    without P it gets None.
    """
    happened = [e for e in expressions_in_sentence if not e.planned]
    for group in ([e for e in happened if not e.duration], [e for e in happened if e.duration]):
        if group:
            best = min(group, key=lambda e: (e.date_end - e.date_start, e.start))
            return best.date_start, best.date_end, best.granularity, best.basis
    if published is None:
        return None
    return published, published, "day", "publication"
