"""Bounded work per article (issue 14, finding 5): a text longer than spaCy's limit is read
in chunks with offsets into the whole text, every stage grows linearly with the text, and
a per-article time budget stops an article that runs too long, in any process or thread.

The texts are written for these tests; the geoparser runs without the NER model (its
gazetteer matching finds "the town of X"), which keeps a text of a million characters to
a second or two.
"""

from __future__ import annotations

import datetime
import math
import random
import re
import threading
import time
from collections.abc import Callable

import pytest

import geo.pipeline.places.resolve as resolve
from geo.pipeline.budget import BudgetExceeded, Deadline
from geo.pipeline.dates import find_time_expressions
from geo.pipeline.events import ArticleRef, extract_events
from geo.pipeline.geoparse import Geoparser, GeoparseResult, PlaceMention, text_chunks
from geo.pipeline.nlp import MAX_SENTENCE_TOKENS, SENTENCE_CUT_SLACK, load_pipeline
from geo.pipeline.places.gazetteer import Gazetteer, Place, distance_km
from geo.pipeline.places.toponyms import Toponym

PUBLISHED = datetime.date(2015, 6, 20)
FILLER = (
    "Residents described long queues for bread and water, and nobody knew when the "
    "schools would open again.\n\n"
)
STORY = (
    "Rebels shelled the town of Evora on Monday. Troops left the city of Tomar.\n\n"
    "The town of Beja was quiet. Two days later the army entered the town of Faro.\n\n"
)


@pytest.fixture(scope="module")
def blank(gazetteer: Gazetteer) -> Geoparser:
    """The geoparser without the NER model: gazetteer matching only, fast."""
    return Geoparser(gazetteer=gazetteer, nlp=load_pipeline(False))


def spans(result: GeoparseResult) -> list[tuple[int, int, str, str, int, int]]:
    return [
        (t.start, t.end, t.text, t.name, t.sentence_start, t.sentence_end) for t in result.toponyms
    ]


def fastest(run: Callable[[], object], repeats: int = 3) -> float:
    """The shortest of a few timings: the least disturbed by whatever else the machine does."""
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


# --- Chunks -------------------------------------------------------------------------------


def test_a_text_beyond_spacys_limit_is_read_in_chunks_with_offsets_kept(blank) -> None:
    first = "Rebels shelled the town of Beja on Monday.\n\n"
    last = "Rebels shelled the town of Evora on Friday.\n"
    text = first + FILLER * (1_050_000 // len(FILLER)) + last
    assert len(text) > blank.nlp.max_length  # spaCy alone refuses it

    result = blank.parse_safely("long", text)

    assert result.error is None and result.skipped is None
    found = {t.text: t for t in result.toponyms}
    assert set(found) == {"Beja", "Evora"}
    evora = found["Evora"]
    assert (evora.start, evora.end) == (text.rindex("Evora"), text.rindex("Evora") + 5)
    assert text[evora.sentence_start : evora.sentence_end] == last.strip()
    assert found["Beja"].start == text.index("Beja")


def test_chunked_and_whole_readings_find_the_same_places_at_the_same_offsets(
    gazetteer, blank
) -> None:
    text = (STORY + FILLER) * 40  # about 10,000 characters
    chunked = Geoparser(gazetteer=gazetteer, nlp=blank.nlp, chunk_chars=1_500)

    whole, in_chunks = blank.parse("a", text), chunked.parse("a", text)

    assert len(text_chunks(text, 1_500)) > 5
    assert len(whole.toponyms) == 160
    assert spans(in_chunks) == spans(whole)
    for top in in_chunks.toponyms:
        assert text[top.start : top.end] == top.text


def test_chunks_cover_the_text_and_end_at_the_best_break() -> None:
    paragraphs = "A first paragraph.\n\nA second one, longer than the first.\n\nA third."
    lines = "one line\nanother line\na third line\n"
    sentences = "One sentence. Another sentence. A third sentence."
    for text, size, ends in [
        (paragraphs, 60, "\n\n"),
        (lines, 25, "\n"),
        (sentences, 35, ". "),
        ("x" * 100, 30, ""),  # no break at all: cut anywhere
    ]:
        chunks = text_chunks(text, size)
        assert chunks[0][0] == 0 and chunks[-1][1] == len(text)
        assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:], strict=False))
        assert all(0 < end - start <= size for start, end in chunks)
        assert all(text[:end].endswith(ends) for _, end in chunks[:-1]), (text, chunks)


def test_a_line_of_names_without_full_stops_is_cut_into_sentences() -> None:
    nlp = load_pipeline(False)
    names = ", ".join(f"Town{i}" for i in range(5_000))
    doc = nlp(f"Reported places: {names}")
    lengths = [len(sent) for sent in doc.sents]
    assert len(lengths) > 20
    assert max(lengths) <= MAX_SENTENCE_TOKENS + SENTENCE_CUT_SLACK
    # Ordinary sentences are left as they were.
    doc = nlp("Title line\nThe column left at dawn. It reached the river, and stopped.")
    assert [s.text.strip() for s in doc.sents] == [
        "Title line",
        "The column left at dawn.",
        "It reached the river, and stopped.",
    ]


# --- Linear growth ------------------------------------------------------------------------


def test_the_date_search_grows_linearly() -> None:
    # Dense with expressions and chained phrases, where a search per match shows most.
    paragraph = (
        "On 3 May 2015 the column left. The next day it rained. Two days later the bridge "
        "fell. That night the guns stopped; on the 9th talks began, for two weeks. "
    )

    def search(repeats: int) -> Callable[[], object]:
        text = paragraph * repeats
        return lambda: find_time_expressions(text, PUBLISHED)

    assert len(search(1_200)()) == 4 * len(search(300)())  # type: ignore[arg-type]
    small, large = fastest(search(300)), fastest(search(1_200))
    assert large < 8 * small, (small, large)  # quadratic: about 16 times


def _mention(text: str, name: str, start: int, sentence: tuple[int, int]) -> PlaceMention:
    return PlaceMention(
        start=start,
        end=start + len(name),
        text=name,
        name=name,
        lat=38.57,
        lon=-7.91,
        level="city",
        geonameid=None,
        confidence=0.9,
        country="PT",
        role="place",
        adjectival=False,
        sentence_start=sentence[0],
        sentence_end=sentence[1],
        caption=False,
    )


def _story_with_places(repeats: int) -> tuple[str, list[PlaceMention]]:
    """A place sentence, then a dated one without a place (it inherits the place)."""
    pieces, mentions, offset = [], [], 0
    for _ in range(repeats):
        place = "Troops entered the town of Evora at dawn. "
        dated = "They shelled the bridge on Monday. "
        mentions.append(
            _mention(
                place, "Evora", offset + place.index("Evora"), (offset, offset + len(place) - 1)
            )
        )
        pieces += [place, dated]
        offset += len(place) + len(dated)
    return "".join(pieces), mentions


def test_events_grow_linearly() -> None:
    ref = ArticleRef("a", "Report", None, None, PUBLISHED, "metadata")

    def events(repeats: int) -> Callable[[], object]:
        text, mentions = _story_with_places(repeats)
        times = find_time_expressions(text, PUBLISHED)
        return lambda: extract_events(ref, text, mentions, times)

    found = events(500)()
    assert len(found) == 1_000  # type: ignore[arg-type]  # the dated sentences inherit Evora
    small, large = fastest(events(500)), fastest(events(2_000))
    assert large < 8 * small, (small, large)  # quadratic: about 16 times


def test_proximity_rescoring_measures_only_nearby_places(gazetteer, monkeypatch) -> None:
    # Towns all over the world, many of them with namesakes: every group is rescored.
    places = gazetteer.places_in_box((-180, -60, 180, 75), levels=("city",), min_population=100_000)
    names = sorted({p.name for p in places if len(gazetteer.candidates(p.name)) > 1})[:1_500]
    assert len(names) == 1_500
    text = " ".join(f"in {name}." for name in names)
    toponyms, offset = [], 0
    for name in names:
        start = text.index(name, offset)
        toponyms.append(
            Toponym(
                start, start + len(name), name, "GPE", "place", start - 3, start + len(name) + 1
            )
        )
        offset = start + len(name)
    measured = 0

    def counted(a: object, b: object) -> float:
        nonlocal measured
        measured += 1
        return distance_km(a, b)  # type: ignore[arg-type]

    monkeypatch.setattr(resolve, "distance_km", counted)
    resolutions = resolve.resolve_toponyms(toponyms, text, gazetteer)
    assert sum(r.resolved for r in resolutions) == len(names)
    # Pair by pair it is one measurement per candidate and other place: 5 million here
    # (3,300 per name), against 100,000 through the grid.
    assert measured < 300 * len(names), measured


def test_the_grid_counts_exactly_what_a_pairwise_count_does() -> None:
    rng = random.Random(5)

    def place(lat: float, lon: float) -> Place:
        return Place(0, "p", lat, lon, "XX", "", 0, "city", None)

    # Clusters at the poles, across the date line and in the middle latitudes.
    points = [
        place(
            max(-90.0, min(90.0, lat + rng.gauss(0, 3))), (lon + rng.gauss(0, 5) + 180) % 360 - 180
        )
        for lat, lon in [(89.0, 0.0), (-88.0, 120.0), (10.0, 179.5), (-35.0, -179.0), (48.0, 2.0)]
        for _ in range(120)
    ]
    grid = resolve._PointGrid()
    for point in points:
        grid.add(point)
    for point in points[::7]:
        pairwise = sum(1 for other in points if distance_km(point, other) < resolve.PROXIMITY_KM)
        assert grid.count_within(point, resolve.PROXIMITY_KM) == pairwise


# --- The time budget ----------------------------------------------------------------------


def long_story(chars: int) -> str:
    return (STORY + FILLER) * (chars // len(STORY + FILLER))


def test_an_article_past_its_budget_is_stopped_and_reported(blank) -> None:
    text = long_story(600_000)
    unbounded = blank.parse_safely("long", text, budget_s=None)
    assert unbounded.toponyms and unbounded.skipped is None

    stopped = blank.parse_safely("long", text, budget_s=0.05)

    assert stopped.skipped == "took longer than 0.05 s; skipped"
    assert stopped.toponyms == [] and stopped.unresolved == [] and stopped.error is None
    assert stopped.to_json()["skipped"] == stopped.skipped
    # Stopped at the next chunk, not at the end of the work.
    assert stopped.seconds < unbounded.seconds / 2, (stopped.seconds, unbounded.seconds)


def test_the_budget_stops_an_article_in_a_thread_that_is_not_the_main_one(blank) -> None:
    results: list[GeoparseResult] = []
    docs = [("long", long_story(300_000)), ("short", STORY)]
    worker = threading.Thread(target=lambda: results.extend(blank.parse_many(docs, budget_s=0.02)))
    worker.start()
    worker.join(timeout=60)
    assert [r.id for r in results] == ["long", "short"]
    assert results[0].skipped and not results[0].toponyms
    assert results[1].skipped is None and results[1].toponyms


def test_the_budget_stops_an_article_in_a_worker_process(blank) -> None:
    docs = [(f"short-{i}", STORY) for i in range(8)] + [("long", long_story(300_000))]

    results = list(blank.parse_many(docs, processes=2, budget_s=0.05))

    assert [r.id for r in results] == [doc_id for doc_id, _ in docs]
    assert results[-1].skipped == "took longer than 0.05 s; skipped"
    assert all(r.skipped is None and len(r.toponyms) == 4 for r in results[:-1])


def test_dates_and_events_stop_at_their_deadline() -> None:
    text, mentions = _story_with_places(200)
    with pytest.raises(BudgetExceeded, match=re.escape("took longer than 0 s; skipped")):
        find_time_expressions(text, PUBLISHED, deadline=Deadline(0.0))
    times = find_time_expressions(text, PUBLISHED)
    ref = ArticleRef("a", "Report", None, None, PUBLISHED, "metadata")
    with pytest.raises(BudgetExceeded):
        extract_events(ref, text, mentions, times, deadline=Deadline(0.0))
    assert extract_events(ref, text, mentions, times, deadline=Deadline(60.0))
