"""ACLED-style precision codes of an event: how exactly its place and its time are known.

Conflict-event datasets code every event this way so that an analyst can keep only what is
precise enough for the question (a town-level map of one week, a province-level count per
month). The codes follow ACLED's codebook:

- `geo_precision` 1: the town (or a point within it); 2: near it, a district, a point
  derived from it ("10 km south of X"), a facility named after it; 3: a province, a
  country or larger.
- `time_precision` 1: the day; 2: a few days or a week, or only the day it was reported on;
  3: a month or longer. None when the event is undated.
"""

from __future__ import annotations

import datetime
from typing import Literal

Precision = Literal[1, 2, 3]

GEO_PRECISION: dict[str, Precision] = {
    "city": 1,
    "village": 1,
    "derived": 2,
    "facility": 2,
    "province": 3,
    "country": 3,
    "continent": 3,
}
WEEK_DAYS = 7


def geo_precision(level: str) -> Precision:
    """The place's code from its gazetteer level (an unknown level counts as the least
    precise)."""
    return GEO_PRECISION.get(level, 3)


def time_precision(
    start: datetime.date | None, end: datetime.date | None, basis: str
) -> Precision | None:
    """The time's code from the event's interval: one day, up to a week, longer.

    An event dated only by its article's publication day ("reported on") happened on or
    shortly before it: a few days, not the day."""
    if start is None or end is None:
        return None
    days = (end - start).days + 1
    if days <= 1:
        return 2 if basis == "publication" else 1
    return 2 if days <= WEEK_DAYS else 3


# What each code means, in the words of the codebook above (the app's filters, the command
# line's help).
GEO_LABELS: dict[int, str] = {
    1: "the town",
    2: "near it, a district or a facility",
    3: "a province or larger",
}
TIME_LABELS: dict[int, str] = {1: "the day", 2: "a few days or a week", 3: "a month or longer"}
