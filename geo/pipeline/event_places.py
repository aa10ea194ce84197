"""Where a sentence's actions happen: which of its resolved places get an event.

Not an origin ("arrived in A from B" is A; but "withdrew from X" makes X the place), not
a wire dateline, a far reference point or a capital standing for its government, not a
place in an undated opening subordinate clause, and not a coarser place around a finer
one of the sentence; a country or continent only where the sentence puts something in
it. Clauses are found by punctuation and conjunctions, not a parser.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from geo.pipeline.dates import TimeExpression
from geo.pipeline.places.gazetteer import distance_km

if TYPE_CHECKING:  # spaCy loads only when something is parsed, not for cached builds
    from geo.pipeline.geoparse import PlaceMention

# A province's point may lie this far from a town inside it.
PROVINCE_REACH_KM = 300.0
CONTAINER_LEVELS = frozenset({"province", "region", "country", "continent"})
LEVEL_SPECIFICITY = {
    "derived": 4,
    "village": 4,
    "facility": 4,
    "city": 3,
    "province": 2,
    "country": 1,
    "continent": 0,
}
# "160 km (100 miles) southwest of X" (see _far_reference); closer than this, X is as good
# a place for the event as the map can give.
REFERENCE_REACH_KM = 30.0
_DISTANCE_BEFORE = re.compile(
    r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*-?\s*(?P<unit>(?i:kilomet(?:re|er)s?|km|miles?))\b\.?"
    r"(?:\s*\([^)]{0,40}\))?\s+(?i:(?:north|south)?-?(?:east|west)|north|south)(?i:ern)?"
    r"\s+of\s+(?:(?i:the)\s+)?(?:(?i:capital|city|town|provincial\s+capital)\s+(?:of\s+)?)?$"
)
_GOVERNMENT_BEFORE = re.compile(r"\b(?i:by|for|with|between)\s+$")
_GOVERNMENT_AFTER = re.compile(
    r"\s+(?:(?:has|had|have|also|later|then)\s+)?(?i:said|says|announced|claim(?:s|ed)?|accused"
    r"|denied|wants|wanted|insist(?:s|ed)?|warned|responded|rejected|agreed|demanded|urged"
    r"|ordered|sent|deployed)\b"
)
# A country or a continent is the place of an action only where the sentence puts the
# action in it; as a subject ("Armenia said", "Chad sent troops") it names an actor, and
# named in passing it is context. (Provinces and towns are places wherever they stand.)
BROAD_LEVELS = frozenset({"country", "continent"})
_PUT_IN = re.compile(
    r"\b(?i:in|into|inside|across|throughout|within|to|toward|towards|on|over)\s+"
    r"(?:(?i:the)\s+)?(?:(?i:north|south|east|west|central|northern|southern|eastern|western"
    r"|north-?eastern|north-?western|south-?eastern|south-?western|neighbou?ring|war-torn"
    r"|rebel-held)\s+)*$"
)
# Leaving a place makes it the place of the event ("withdrew from X", "pulled out of X").
_LEAVING = re.compile(
    r"\b(?:withdr\w*|retreat\w*|pull\w*\s+(?:out|back)|driven\s+out|drove\s+\w+\s+out|"
    r"expel\w*|oust\w*|push\w*\s+\w*\s*out|fled|flee\w*|evacuat\w*|escap\w*|exit\w*)"
    r"(?:\s+\w+){0,3}?\s+(?:from|of)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# A wire dateline opening a line: "KABUL (Reuters) -", "TRIPOLI, Libya --", "Dubai:".
# A dateline may name several places: "Tripoli and Tunis, 4 June 2016:".
_NAME = r"[A-Z][\w'’.-]*(?:[^\S\n]+[A-Z][\w'’.-]*){0,3}"
_DATELINE_AFTER = re.compile(
    rf"(?:[^\S\n]*(?:,|[^\S\n]and)[^\S\n]+{_NAME})*"
    r"[^\S\n]*(?:,[^\n]{0,40}?)?[^\S\n]*(?:\(|--|—|–|-\s|:)"
)
_DATELINE_BEFORE = re.compile(rf"[^\S\n]*(?:{_NAME}[^\S\n]*(?:,|[^\S\n]and)[^\S\n]+)*")
# A sentence that opens with a subordinate clause ("After securing A, forces ...").
_SUBORDINATE_OPENING = re.compile(
    r"\s*[\"“‘']?(?:After|Before|Having|Following|Since|Once|When|While|Whilst|Despite|"
    r"Although|As|Upon|Until)\b[^,;]*,"
)


def _is_origin(text: str, mention: PlaceMention) -> bool:
    """'... arrived in Gao from Kidal': Kidal is where they came from.

    Not for places left or lost: "withdrew from X", "were driven out of X". Never for a
    place inherited from the sentence before (it has no offsets in this one: its "60
    characters before" would be the whole text, read again for each such sentence).
    """
    if mention.start < 0:
        return False
    before = text[max(0, mention.start - 60) : mention.start]
    if not re.search(r"\bfrom\s+(?:the\s+)?$", before, re.IGNORECASE):
        return False
    return not _LEAVING.search(before)


# A dateline's places and punctuation fit in this many characters either side of a name
# (the line's start before it, its "(Reuters) -" or ":" after it); past that, a line of
# names is a list, and reading it all again for each of its names would be quadratic.
DATELINE_REACH = 200


def opens_dateline(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a place opening a line as a wire dateline ("KABUL
    (Reuters) -", "Dubai:", "Tripoli and Tunis, 4 June 2016:"): where the story was
    filed."""
    if start < 0:
        return False
    reach = max(0, start - DATELINE_REACH)
    line_start = text.rfind("\n", reach, start) + 1
    if line_start == 0 and reach > 0:  # the line starts further back than a dateline
        return False
    if not _DATELINE_BEFORE.fullmatch(text, line_start, start):
        return False
    return bool(_DATELINE_AFTER.match(text, end, end + DATELINE_REACH))


def _inside(fine: PlaceMention, coarse: PlaceMention) -> bool:
    """Whether a coarser place plausibly contains a finer one (context, not an event).

    Only regions contain: a town near a village is a neighbour, not its container.
    """
    if coarse.level not in CONTAINER_LEVELS:
        return False
    if coarse.level in {"country", "continent"}:
        return fine.country == coarse.country or coarse.level == "continent"
    return fine.country == coarse.country and distance_km(fine, coarse) <= PROVINCE_REACH_KM


def event_places(
    text: str, s_start: int, mentions: list[PlaceMention], times: list[TimeExpression]
) -> list[PlaceMention]:
    """The places where the sentence's actions happen, in text order, one per place.

    Origins, a dateline and places in an opening subordinate clause ("After securing A,
    ...", unless that clause has its own date) give way to the others; a coarser place
    that contains a finer one of the sentence is context ("Sheberghan, Jawzjan province"),
    and so is a country the sentence does not put anything in (see BROAD_LEVELS); the
    rest each get an event.
    """
    candidates = [m for m in mentions if not _is_origin(text, m)] or mentions
    # Where the story was filed and a far point a distance is measured from are never
    # where something happened, even when the sentence names no other place.
    candidates = [
        m
        for m in candidates
        if not opens_dateline(text, m.start, m.end)
        and not _far_reference(text, m)
        and not _government(text, m)
    ]
    # Within the sentence: a comma further on cannot make its opening clause (and a
    # search past it would read the rest of a text without commas for every sentence).
    s_end = max(m.sentence_end for m in mentions)
    opening = _SUBORDINATE_OPENING.match(text, s_start, s_end)
    if opening and not any(t.start < opening.end() for t in times):
        main = [m for m in candidates if m.start < 0 or m.start >= opening.end()]
        candidates = main or candidates
    candidates = [m for m in candidates if m.level not in BROAD_LEVELS or _put_in(text, m)]
    if not candidates:
        return []
    chosen: list[PlaceMention] = []
    for mention in sorted(candidates, key=lambda m: -LEVEL_SPECIFICITY.get(m.level, 0)):
        rank = LEVEL_SPECIFICITY.get(mention.level, 0)
        finer = [m for m in mentions if LEVEL_SPECIFICITY.get(m.level, 0) > rank]
        if any(_inside(m, mention) for m in finer):
            continue
        if any((c.name, c.lat, c.lon) == (mention.name, mention.lat, mention.lon) for c in chosen):
            continue
        chosen.append(mention)
    # Never nothing: every sentence with a mapped place has an event somewhere.
    chosen = chosen or [max(candidates, key=lambda m: LEVEL_SPECIFICITY.get(m.level, 0))]
    return sorted(chosen, key=lambda m: m.start)


def _far_reference(text: str, mention: PlaceMention) -> bool:
    """ "a town 160 km (100 miles) southwest of X": X is only where the distance is
    measured from, and farther than an event's place may be from its point."""
    match = _DISTANCE_BEFORE.search(text, max(0, mention.start - 80), max(0, mention.start))
    if match is None:
        return False
    km = float(match["num"].replace(",", "")) * (1.609344 if match["unit"][0] in "mM" else 1.0)
    return km > REFERENCE_REACH_KM


def _government(text: str, mention: PlaceMention) -> bool:
    """A capital standing for its government: "captured by Moscow", "a victory for Kyiv",
    "Tripoli said"; where it acts, it is an actor, not a place."""
    if not mention.capital or mention.start < 0:
        return False
    return bool(
        _GOVERNMENT_BEFORE.search(text, max(0, mention.start - 20), mention.start)
        or _GOVERNMENT_AFTER.match(text, mention.end)
    )


def _put_in(text: str, mention: PlaceMention) -> bool:
    """Whether the sentence puts something in the place ("fighting in eastern Ukraine",
    "fled to neighbouring Chad", "strikes on Yemen"), not just names it."""
    return mention.start >= 0 and bool(
        _PUT_IN.search(text, max(0, mention.start - 60), mention.start)
    )
