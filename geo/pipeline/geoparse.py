"""Geoparsing one document: text -> cleaned text -> spaCy Doc -> toponyms -> resolved places.

Offsets in the output always point into the text the caller gave (before cleaning), so
`text[start:end]` is the mention, whatever boilerplate the cleaner removed.

Bounded work: a text longer than CHUNK_CHARS is read by spaCy in chunks cut at paragraph,
line or sentence ends (spaCy refuses texts over its `max_length`, 1,000,000 characters,
and its cost per character grows with the length of one Doc); the toponyms of each chunk
keep their offsets into the whole text, and resolution sees all of them at once. A
per-document time budget (`budget.Deadline`) is checked between chunks and through
resolution; a document that runs past it is returned as skipped (`GeoparseResult.skipped`).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from functools import partial

from spacy.language import Language

from geo.pipeline.budget import (
    DEFAULT_BUDGET_S,
    NO_DEADLINE,
    BudgetExceeded,
    Deadline,
    deadline_after,
)
from geo.pipeline.nlp import load_pipeline
from geo.pipeline.places.gazetteer import Gazetteer, Level, get_gazetteer
from geo.pipeline.places.geocoder import ONLINE_ENV, FallbackGeocoder
from geo.pipeline.places.resolve import Resolution, resolve_toponyms
from geo.pipeline.places.toponyms import ADJECTIVAL, PLACE, Role, Toponym, find_toponyms
from geo.pipeline.text.clean import CleanText, clean_text

# Nominatim's address types mapped to our levels; anything else is a facility.
ONLINE_LEVELS: dict[str, Level] = {
    "country": "country",
    "state": "province",
    "province": "province",
    "region": "province",
    "city": "city",
    "town": "city",
    "village": "village",
    "hamlet": "village",
    "suburb": "village",
}


@dataclass(frozen=True)
class PlaceMention:
    """A resolved toponym, as written to JSON (the `geoparse` command-line contract)."""

    start: int
    end: int
    text: str
    name: str
    lat: float
    lon: float
    level: Level
    geonameid: int | None
    confidence: float
    country: str
    role: Role  # "place" (mapped), "adjectival" or "in_name" (reported, not mapped)
    adjectival: bool
    sentence_start: int
    sentence_end: int
    caption: bool
    uncertainty_km: float | None = None
    derived_from: str | None = None
    alternatives: list[dict[str, object]] = field(default_factory=list)
    capital: bool = False  # a national capital, often a government's name ("Moscow said")
    feature_word: str = ""  # what the text calls it: "region" in "Mopti region"


@dataclass(frozen=True)
class UnresolvedMention:
    start: int
    end: int
    text: str
    sentence: str
    reason: str


# spaCy reads a longer text in chunks of at most this many characters: far below its
# `max_length`, where its cost per character is still that of a news article.
CHUNK_CHARS = 100_000
# Where a chunk may end, best first: a paragraph break, a line break, a sentence's end, a
# space; each looked for in the second half of the chunk.
CHUNK_BREAKS: tuple[tuple[str, ...], ...] = (("\n\n",), ("\n",), (". ", "? ", "! "), (" ", "\t"))


@dataclass
class GeoparseResult:
    """The places of one document.

    `error`: the document failed (the message); `skipped`: it ran past its time budget
    ("took longer than 300 s; skipped"), so it has no places. Either way the lists are
    empty. `seconds`: the time the geoparse took, so that a caller can give the document's
    later steps what is left of its budget.
    """

    id: str
    toponyms: list[PlaceMention]
    unresolved: list[UnresolvedMention]
    error: str | None = None
    skipped: str | None = None
    seconds: float = field(default=0.0, compare=False)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "toponyms": [asdict(t) for t in self.toponyms],
            "unresolved": [asdict(u) for u in self.unresolved],
        }
        if self.error:
            out["error"] = self.error
        if self.skipped:
            out["skipped"] = self.skipped
        return out

    @property
    def places(self) -> list[PlaceMention]:
        """The mentions that go on the map (no adjectives, no names inside organisations)."""
        return [t for t in self.toponyms if t.role == PLACE]


class Geoparser:
    """Holds the loaded pipeline and gazetteer; parse many documents with one instance."""

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        nlp: Language | None = None,
        online: FallbackGeocoder | None = None,
        chunk_chars: int = CHUNK_CHARS,
    ) -> None:
        self.gazetteer = gazetteer or get_gazetteer()
        self.nlp = nlp or load_pipeline()
        self.chunk_chars = max(1, min(chunk_chars, self.nlp.max_length))
        # Only when the user configured an online provider; None keeps every run offline.
        self.online = online or (
            FallbackGeocoder.from_environment() if os.environ.get(ONLINE_ENV) else None
        )

    def parse(
        self,
        doc_id: str,
        text: str | CleanText,
        clean: bool = True,
        *,
        deadline: Deadline = NO_DEADLINE,
    ) -> GeoparseResult:
        """The places of one document. `text` may come already cleaned (an article is read
        and cleaned once, by geo.corpus.articles); a plain string is cleaned here unless
        `clean` is False.

        `deadline` is checked between chunks and through resolution: past it,
        `budget.BudgetExceeded` is raised (`parse_safely` turns it into a skipped result).
        """
        if isinstance(text, CleanText):
            cleaned: CleanText | None = text
            text = text.original
        else:
            cleaned = clean_text(text) if clean else None
        parsed_text = cleaned.text if cleaned else text
        toponyms = self._find_toponyms(parsed_text, deadline)
        if cleaned is not None:
            toponyms = _within_kept_text(toponyms, cleaned)
        deadline.check()
        resolutions = resolve_toponyms(toponyms, parsed_text, self.gazetteer, deadline)
        if self.online is not None:
            resolutions = [self._ask_online(r, deadline) for r in resolutions]
        return _result(doc_id, text, parsed_text, cleaned, resolutions)

    def _find_toponyms(self, text: str, deadline: Deadline) -> list[Toponym]:
        """The toponyms of the text, read by spaCy whole or, when longer than
        `chunk_chars`, chunk by chunk with offsets into the whole text."""
        if len(text) <= self.chunk_chars:
            return find_toponyms(self.nlp(text), self.gazetteer)
        found: list[Toponym] = []
        for start, end in text_chunks(text, self.chunk_chars):
            deadline.check()
            found += [
                _shifted(top, start)
                for top in find_toponyms(self.nlp(text[start:end]), self.gazetteer)
            ]
        return found

    def parse_many(
        self,
        docs: Iterable[tuple[str, str | CleanText]],
        processes: int | None = None,
        budget_s: float | None = DEFAULT_BUDGET_S,
    ) -> Iterator[GeoparseResult]:
        """Parse (id, text) pairs in order, on several cores when there are many.

        Each document has `budget_s` seconds (None: no limit), counted from the moment its
        own parse starts, in whichever process or thread runs it; one that takes longer is
        stopped at the next chunk or batch of names and comes back with `skipped` set
        ("took longer than 300 s; skipped") and no places, and the others go on.
        """
        docs = list(docs)
        processes = processes or min(os.cpu_count() or 1, 4)
        if processes <= 1 or len(docs) < 8:
            for doc_id, text in docs:
                yield self.parse_safely(doc_id, text, budget_s)
            return
        global _worker
        _worker = self  # inherited by forked workers: no second model load
        chunk = max(1, min(16, len(docs) // (processes * 4)))
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(processes, context, initializer=_reopen_in_worker) as pool:
            yield from pool.map(partial(_parse_in_worker, budget_s=budget_s), docs, chunksize=chunk)

    def _ask_online(self, res: Resolution, deadline: Deadline = NO_DEADLINE) -> Resolution:
        """A miss of the offline gazetteer, put to the configured online geocoder."""
        if res.resolved or res.toponym.role != PLACE or self.online is None:
            return res
        deadline.check()  # a request may take seconds: none is sent past the deadline
        location = self.online.geocode(res.toponym.name)
        if location is None:
            return res
        kind = str((location.raw or {}).get("addresstype") or (location.raw or {}).get("type"))
        level = ONLINE_LEVELS.get(kind, "facility")
        return replace(
            res,
            lat=location.latitude,
            lon=location.longitude,
            level=level,
            confidence=0.5,
            reason=f"online geocoder: {location.address}",
        )

    def parse_safely(
        self, doc_id: str, text: str | CleanText, budget_s: float | None = DEFAULT_BUDGET_S
    ) -> GeoparseResult:
        """Like parse, but a failure becomes an error record instead of an exception, and
        a document that takes longer than `budget_s` seconds (None: no limit) a skipped
        one (see `parse_many`)."""
        started = time.monotonic()
        try:
            result = self.parse(doc_id, text, deadline=deadline_after(budget_s))
        except BudgetExceeded as exc:
            result = GeoparseResult(doc_id, [], [], skipped=str(exc))
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the rest
            result = GeoparseResult(doc_id, [], [], error=f"{type(exc).__name__}: {exc}")
        result.seconds = time.monotonic() - started
        return result


_NAME_END_JUNK = " \t\n\r.,;:!?-–—'\"’”"


def _within_kept_text(toponyms: list[Toponym], cleaned: CleanText) -> list[Toponym]:
    """Names never run across page debris the cleaner removed.

    "Fighting in Basra <teaser> City officials said" reads "in Basra City officials said"
    once the teaser is gone, and the model may tag "Basra City". Such a toponym is cut back
    to its text before the removed span, so that its offsets map to one run of the original.
    """
    kept: list[Toponym] = []
    for top in toponyms:
        cut = cleaned.gap_in(top.start, top.end)
        if cut is None:
            kept.append(top)
            continue
        text = cleaned.text[top.start : cut].rstrip(_NAME_END_JUNK)
        if text:
            kept.append(
                replace(top, end=top.start + len(text), text=text, lookup="", feature_word="")
            )
    return kept


_worker: Geoparser | None = None


def _reopen_in_worker() -> None:
    # An SQLite connection must not be shared across fork: each worker opens its own.
    assert _worker is not None
    _worker.gazetteer.reopen()


def _parse_in_worker(
    item: tuple[str, str | CleanText], budget_s: float | None = DEFAULT_BUDGET_S
) -> GeoparseResult:
    assert _worker is not None
    return _worker.parse_safely(*item, budget_s=budget_s)


def text_chunks(text: str, size: int) -> list[tuple[int, int]]:
    """(start, end) spans of at most `size` characters that cover `text` end to end, each
    cut at the best break of CHUNK_BREAKS in its second half (anywhere when it has none:
    a text without a space).

    A chunk ends after its break, so the next one starts where a sentence does: spaCy
    starts a sentence at the start of every text it reads, as it would there anyway.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > size:
        limit = start + size
        end = limit
        for breaks in CHUNK_BREAKS:
            found = max(text.rfind(b, start + size // 2, limit) for b in breaks)
            if found >= 0:
                end = found + len(next(b for b in breaks if text.startswith(b, found)))
                break
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    return spans


def _shifted(top: Toponym, offset: int) -> Toponym:
    """A toponym of a chunk, with offsets into the whole text."""
    return replace(
        top,
        start=top.start + offset,
        end=top.end + offset,
        sentence_start=top.sentence_start + offset,
        sentence_end=top.sentence_end + offset,
    )


def _result(
    doc_id: str,
    original: str,
    parsed: str,
    cleaned: CleanText | None,
    resolutions: list[Resolution],
) -> GeoparseResult:
    def to_original(start: int, end: int) -> tuple[int, int]:
        return cleaned.span_to_original(start, end) if cleaned else (start, end)

    toponyms: list[PlaceMention] = []
    unresolved: list[UnresolvedMention] = []
    for res in resolutions:
        top = res.toponym
        start, end = to_original(top.start, top.end)
        s_start, s_end = to_original(top.sentence_start, top.sentence_end)
        if not res.resolved or not res.level:
            unresolved.append(
                UnresolvedMention(
                    start,
                    end,
                    original[start:end],
                    parsed[top.sentence_start : top.sentence_end],
                    res.reason,
                )
            )
            continue
        place = res.place
        toponyms.append(
            PlaceMention(
                start=start,
                end=end,
                text=original[start:end],
                name=place.name if place else top.text,
                lat=float(res.lat),  # type: ignore[arg-type]
                lon=float(res.lon),  # type: ignore[arg-type]
                level=res.level,
                geonameid=place.geonameid if place else None,
                confidence=res.confidence,
                country=place.country if place else res.country,
                role=top.role,
                adjectival=top.role == ADJECTIVAL,
                sentence_start=s_start,
                sentence_end=s_end,
                caption=cleaned is not None and cleaned.kind_at(top.start) == "caption",
                uncertainty_km=res.uncertainty_km,
                derived_from=res.reason or None,
                alternatives=[
                    {
                        "name": p.name,
                        "lat": p.lat,
                        "lon": p.lon,
                        "country": p.country,
                        "level": p.level,
                        "geonameid": p.geonameid,
                    }
                    for p in res.alternatives
                ],
                capital=bool(place and place.capital),
                feature_word=top.feature_word,
            )
        )
    return GeoparseResult(doc_id, toponyms, unresolved)
