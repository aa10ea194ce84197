"""`campaign-map geoparse`: the JSON Lines contract other tools rely on (documents in,
their places out), and reading a file or a folder of articles as documents."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tqdm import tqdm

from geo.corpus.articles import (
    CORRECTIONS_FILE,
    Article,
    ArticleError,
    article_from_text,
    load_article,
    load_corpus,
)
from geo.corpus.corrections import (
    Correction,
    correct_events,
    correct_mentions,
    corrections_by_article,
    load_corrections,
)

if TYPE_CHECKING:
    from geo.pipeline.geoparse import GeoparseResult


@contextmanager
def _open(path: str, mode: str) -> Iterator[IO[str]]:
    """UTF-8 text; bytes that are not UTF-8 are read as surrogate escapes, so that one bad
    line becomes an error record instead of stopping the run (see `_read_jsonl`)."""
    errors = "surrogateescape" if "r" in mode else "strict"
    if path == "-":
        stream = sys.stdin if "r" in mode else sys.stdout
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors=errors)
        yield stream
        return
    with open(path, mode, encoding="utf-8", errors=errors) as fh:
        yield fh


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _scalar_values(value: object) -> object:
    """Strings with lone surrogates ("\\ud83d" escapes of a cut emoji) as U+FFFD, as browsers
    do: they cannot be written as UTF-8, and one-for-one replacement keeps every offset.
    Lists and objects are left as they are: no field is read from inside one, and walking a
    deeply nested one would overflow the stack."""
    if isinstance(value, str):
        return _SURROGATE_RE.sub("\ufffd", value)
    return value


# Characters that JSON leaves raw in strings but that str.splitlines() and some other line
# readers take for line breaks; escaped, one record is always one line for every reader.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_LINE_BREAK_RE = re.compile("[\x85\u2028\u2029]")


def _json_line(record: dict[str, object]) -> str:
    text = json.dumps(record, ensure_ascii=False)
    return _LINE_BREAK_RE.sub(lambda m: _LINE_BREAKS[m.group(0)], text) + "\n"


@dataclass
class _Input:
    """One document to geoparse, or the reason it cannot be."""

    id: str
    article: Article | None = None
    error: str | None = None
    warning: str | None = None  # read all the same (a publication date it could not use)


# Other ways a feed writes a day, read with a warning: spelled-out months either way round,
# slashes year first, an ISO timestamp. Not "12/11/2016" (day or month first?).
_OTHER_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%Y/%m/%d")


def _other_date_form(text: str) -> datetime.date | None:
    text = " ".join(text.replace(".", " ").split())
    with contextlib.suppress(ValueError):
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    for form in _OTHER_DATE_FORMATS:
        with contextlib.suppress(ValueError):
            return datetime.datetime.strptime(text, form).date()
    return None


def _published(value: object, number: int) -> tuple[datetime.date | None, str | None]:
    """The publication date, and a warning when it is not YYYY-MM-DD: a date written in
    another common form ("17 December 2016") is read, anything else costs the document
    its date, never its places."""
    if value in (None, ""):
        return None, None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return datetime.date.fromisoformat(value), None
        other = _other_date_form(value)
        if other is not None:
            return other, (
                f"line {number}: 'published' {value[:40]!r} read as {other.isoformat()} "
                "(write YYYY-MM-DD)"
            )
    # A list or an object is named, not shown: its text could be nested 900 deep.
    shown = (
        "a list"
        if isinstance(value, list)
        else "an object"
        if isinstance(value, dict)
        else repr(str(value)[:40])
    )
    return None, (
        f"line {number}: 'published' must be YYYY-MM-DD or null, not {shown}: read as undated"
    )


def _doc_id(value: object, number: int) -> str | None:
    """A document's id as a string: a string or a number as given, `line-N` when there is
    none; None for anything else (an object, a list, true), which is refused."""
    if value is None:
        return f"line-{number}"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _read_jsonl(lines: IO[str]) -> Iterator[_Input]:
    """One input per line; a bad line becomes an error record instead of stopping the run."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if _SURROGATE_RE.search(line):  # undecodable bytes, escaped by `_open`
            yield _Input(f"line-{number}", error=f"line {number}: not valid UTF-8")
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _Input(f"line-{number}", error=f"line {number}: not valid JSON ({exc.msg})")
            continue
        except RecursionError:  # a line of 1,000 nested brackets: this line, not the run
            yield _Input(f"line-{number}", error=f"line {number}: JSON nested too deeply")
            continue
        if not isinstance(item, dict):
            yield _Input(f"line-{number}", error=f"line {number}: expected a JSON object")
            continue
        item = {key: _scalar_values(value) for key, value in item.items()}
        doc_id = _doc_id(item.get("id"), number)
        if doc_id is None:
            yield _Input(
                f"line-{number}", error=f"line {number}: 'id' must be a string or a number"
            )
            continue
        text = item.get("text")
        if not isinstance(text, str):
            yield _Input(doc_id, error=f"line {number}: 'text' must be a string")
            continue
        published, warning = _published(item.get("published"), number)
        try:
            article = article_from_text(
                doc_id,
                text,
                published=published,
                title=item.get("title"),
                source=item.get("source"),
                url=item.get("url"),
            )
        except (ValueError, ArticleError) as exc:
            yield _Input(doc_id, error=str(exc))
            continue
        yield _Input(doc_id, article, warning=warning)


def _inputs(source: str) -> Iterator[_Input]:
    path = Path(source)
    if source != "-" and path.is_dir():
        articles, errors = load_corpus(path)
        for err in errors:
            yield _Input(err.path.stem if err.path else source, error=str(err))
        for article in articles:
            yield _Input(article.id, article)
        return
    if source != "-" and path.suffix.lower() not in {".jsonl", ".json", ".ndjson"}:
        try:
            yield _Input(path.stem, load_article(path))
        except ArticleError as exc:
            yield _Input(path.stem, error=str(exc))
        return
    with _open(source, "r") as fh:
        yield from _read_jsonl(fh)


def _unusable(source: str, output: str) -> str | None:
    """A missing input or output folder, said before any document is parsed."""
    if source != "-" and not Path(source).exists():
        return f"--input {source}: no such file or folder"
    if output != "-" and not Path(output).parent.is_dir():
        return f"--output {output}: no folder {Path(output).parent}"
    return None


def _folder_corrections(source: str) -> dict[str, list[Correction]]:
    """The corrections of a folder of articles (its corrections.jsonl), by article; a
    problem with the file is said on stderr. None for other inputs."""
    path = Path(source) / CORRECTIONS_FILE
    if source == "-" or not path.is_file():
        return {}
    corrections, problems = load_corrections(path)
    for problem in problems:
        print(f"campaign-map geoparse: {problem}", file=sys.stderr)
    return corrections_by_article(corrections)


def _document_record(
    item: _Input, result: GeoparseResult, fixes: list[Correction]
) -> dict[str, object]:
    """A document's output line: its places and events, the analysts' corrections applied
    (those that no longer apply said on stderr)."""
    from geo.corpus.build import article_events, event_properties

    assert item.article is not None
    mentions = correct_mentions(result, item.article.raw, fixes)
    record = mentions.result.to_json()
    if result.error or result.skipped:
        record["events"] = []
        return record
    _, events = article_events(item.article, mentions.result)
    corrected = correct_events(item.id, events, fixes, mentions)
    for problem in mentions.problems + corrected.problems:
        print(f"campaign-map geoparse: {problem}", file=sys.stderr)
    record["events"] = [
        {**event_properties(e), **corrected.properties(e.id), "lat": e.lat, "lon": e.lon}
        for e in corrected.events
    ]
    return record


def cmd_geoparse(args: argparse.Namespace) -> int:
    from geo.pipeline.geoparse import Geoparser

    problem = _unusable(args.input, args.output)
    if problem:
        print(f"campaign-map geoparse: {problem}", file=sys.stderr)
        return 2
    items = list(_inputs(args.input))
    fixes = _folder_corrections(args.input)
    good = [(item.id, item.article.raw) for item in items if item.article is not None]
    parser = Geoparser() if good else None
    # In input order, not by id: two documents may share an id.
    results = iter(
        list(
            tqdm(
                parser.parse_many(good, processes=args.processes) if parser else [],
                total=len(good),
                desc="geoparse",
                unit="doc",
                disable=args.quiet or len(good) < 20,
                file=sys.stderr,
            )
        )
    )
    failures = 0
    with _open(args.output, "w") as out:
        for item in items:
            record: dict[str, object]
            if item.article is None:
                failures += 1
                print(f"campaign-map geoparse: {item.id}: {item.error}", file=sys.stderr)
                record = {
                    "id": item.id,
                    "toponyms": [],
                    "unresolved": [],
                    "events": [],
                    "error": item.error,
                }
            else:
                result = next(results)
                if item.warning:
                    print(f"campaign-map geoparse: {item.id}: {item.warning}", file=sys.stderr)
                problem = result.error or result.skipped  # failed, or ran out of time
                if problem:
                    failures += 1
                    print(f"campaign-map geoparse: {item.id}: {problem}", file=sys.stderr)
                record = _document_record(item, result, fixes.get(item.id, []))
                if item.warning:
                    record["warning"] = item.warning
            out.write(_json_line(record))
    return 1 if failures and failures == len(items) else 0
