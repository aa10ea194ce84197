"""Long articles: seconds per stage (clean, geoparse, dates, events) for one article of
10k to 5M characters, of two kinds:

- "story": paragraphs written for this benchmark, repeated: places, dates of every kind
  the date rules read, chained phrases ("the next day"), actions, sentences without any;
- "names": one sentence written for this benchmark, repeated with a different town each
  time (towns of South America from the gazetteer, far from any corpus of the project):
  thousands of distinct names, as in a pasted list of places.

    python benchmarks/long_articles.py [--sizes 10000,100000,400000,1000000,5000000]
                                       [--kinds story,names]
    CAMPAIGN_MAP_NER=off python benchmarks/long_articles.py   # without the NER model

Every stage should grow linearly: the seconds per 100k characters (the last column) stay
about the same from the smallest size to the largest. The geoparse runs without a time
budget here, so that the figures show the whole work.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.pipeline.dates import find_time_expressions  # noqa: E402
from geo.pipeline.events import ArticleRef, extract_events  # noqa: E402
from geo.pipeline.geoparse import Geoparser  # noqa: E402
from geo.pipeline.places.gazetteer import Gazetteer  # noqa: E402
from geo.pipeline.text.clean import clean_text  # noqa: E402

PUBLISHED = datetime.date(2015, 6, 20)
PARAGRAPHS = [
    "On March 3, 2015 rebels shelled the town of Evora, killing four civilians. The next "
    "day government forces attacked Beja and captured the bridge south of Faro.",
    "Two days later an airstrike hit a market in Coimbra, officials in Lisbon said on "
    "Friday. Fighting is expected to resume next week near Braga and Porto.",
    "Last Sunday militants ambushed a convoy 10 km north of Guarda. Three weeks ago a car "
    "bomb exploded in Viseu, and in the spring of 2014 the army retook Leiria.",
    "The mayor of Setubal said the situation was calm. Aid workers reached Aveiro on 12 "
    "April, two weeks after the offensive began, and left the following week.",
    "Residents described long queues for bread and water. Nobody could say when the "
    "schools would open again, and many families had already left for the coast.",
    "In June troops advanced from Santarem towards Tomar. That night the red force "
    "withdrew to Abrantes; on the 9th it counterattacked between Castelo Branco and Covilha.",
]
NAME_SENTENCE = "Fighting was reported in {} on Monday."
NAMES_BOX = (-82.0, -56.0, -34.0, 13.0)  # South America: (min lon, min lat, max lon, max lat)


def story_text(chars: int) -> str:
    """The paragraphs repeated, a blank line apart, to about ``chars`` characters."""
    pieces: list[str] = []
    size = 0
    while size < chars:
        paragraph = PARAGRAPHS[len(pieces) % len(PARAGRAPHS)]
        pieces.append(paragraph)
        size += len(paragraph) + 2
    return "Exercise report\n\n" + "\n\n".join(pieces) + "\n"


def names_text(chars: int, names: list[str]) -> str:
    """The name sentence with one town after another, to about ``chars`` characters."""
    pieces: list[str] = []
    size = 0
    while size < chars:
        sentence = NAME_SENTENCE.format(names[len(pieces) % len(names)])
        pieces.append(sentence)
        size += len(sentence) + 1
    return "Reports\n\n" + " ".join(pieces) + "\n"


def town_names(gazetteer: Gazetteer) -> list[str]:
    places = gazetteer.places_in_box(NAMES_BOX, levels=("city", "village"), min_population=1000)
    return sorted({p.name for p in places})


def measure(text: str, parser: Geoparser) -> dict[str, float]:
    """Seconds per stage for one article, as the build runs them."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    clean = clean_text(text)
    seconds["clean"] = time.perf_counter() - started

    started = time.perf_counter()
    result = parser.parse("long", clean)  # no deadline: the whole work is timed
    seconds["geoparse"] = time.perf_counter() - started

    started = time.perf_counter()
    found = find_time_expressions(clean.text_broken_at_gaps(), PUBLISHED)
    times = [
        dataclasses.replace(expr, start=start, end=end)
        for expr in found
        for start, end in [clean.span_to_original(expr.start, expr.end)]
    ]
    seconds["dates"] = time.perf_counter() - started

    started = time.perf_counter()
    ref = ArticleRef("long", "Exercise report", None, None, PUBLISHED, "metadata")
    events = extract_events(ref, text, result.toponyms, times)
    seconds["events"] = time.perf_counter() - started
    total = sum(seconds.values())
    print(
        f"{len(text):>10,} chars  "
        + "  ".join(f"{stage} {s:7.2f} s" for stage, s in seconds.items())
        + f"  | total {total:7.2f} s ({total / len(text) * 100_000:.2f} s per 100k chars)"
        + f"  places {len(result.toponyms):,} times {len(times):,} events {len(events):,}",
        flush=True,
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,400000,1000000,5000000")
    parser.add_argument("--kinds", default="story,names")
    args = parser.parse_args()
    geoparser = Geoparser()
    geoparser.parse("warm-up", PARAGRAPHS[0])  # the model and gazetteer load outside the timing
    names = town_names(geoparser.gazetteer)
    for kind in args.kinds.split(","):
        print(f"{kind}:" + (f" ({len(names):,} town names)" if kind == "names" else ""))
        for chars in (int(s) for s in args.sizes.split(",")):
            measure(story_text(chars) if kind == "story" else names_text(chars, names), geoparser)


if __name__ == "__main__":
    main()
