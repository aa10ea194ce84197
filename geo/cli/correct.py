"""`campaign-map correct`: an analyst's corrections from the command line, each one line
appended to <corpus>/corrections.jsonl (see geo.corpus.corrections), and the list of them
with whether each still applies to the articles as they are now.

Every correction is checked before it is written (the article, the name at its offsets,
the gazetteer place, the date, the type, the event in the built map data); a refusal is
one line on stderr and exit status 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.corpus.articles import Article, ArticleError, article_ids, corpus_files, load_article
from geo.corpus.corrections import (
    CORRECTIONS_FILE,
    LEVELS,
    POINT_LEVEL,
    STATUSES,
    Correction,
    EntryError,
    EventRef,
    MentionRef,
    append_entry,
    load_corrections,
    new_entry,
    parse_entry,
    still_applies,
    undone_by,
)
from geo.pipeline.actions import EVENT_TYPES

EVENTS_FILE = "events.geojson"
SHORTEST_ID_PREFIX = 4  # `undo 3f2a` when no other entry starts so


class _Refused(Exception):
    """The correction cannot be made: one line on stderr, exit status 2."""


@dataclass(frozen=True)
class Action:
    name: str
    summary: str
    example: str


ACTIONS = (
    Action(
        "place",
        "the place a name of an article stands for: a gazetteer place or a point",
        "campaign-map correct place report-7 120 125 --geonameid 2988507 --why 'not Texas'",
    ),
    Action(
        "not-a-place",
        "a name of an article that is no place",
        "campaign-map correct not-a-place report-7 300 306",
    ),
    Action(
        "date",
        "the dates of an event",
        "campaign-map correct date report-7:1200 --start 2021-03-04 --end 2021-03-05",
    ),
    Action("type", "the type of an event", "campaign-map correct type report-7:1200 airstrike"),
    Action(
        "verify",
        "an event verified, rejected, or back to unverified",
        "campaign-map correct verify report-7:1200 verified --by ana",
    ),
    Action(
        "merge",
        "an event goes with another event or incident",
        "campaign-map correct merge report-7:1200 wire-12:88",
    ),
    Action(
        "split",
        "an event stands apart from its incident",
        "campaign-map correct split report-7:1200",
    ),
    Action("undo", "take back an earlier correction", "campaign-map correct undo 3f2a9c1b0d"),
    Action(
        "list",
        "every correction, and whether it still applies to the articles as they are",
        "campaign-map correct list",
    ),
)


# ---------------------------------------------------------------------------------------
# The corpus, its articles and the built events


@dataclass
class _Corpus:
    """The corpus folder (where the corrections file is) and the map data built from it
    (its events, and the articles added in the app)."""

    folder: Path
    data: Path
    _paths: dict[str, Path] | None = None
    _articles: dict[str, Article | str] = field(default_factory=dict)
    _events: dict[str, dict[str, Any]] | None = None

    @property
    def file(self) -> Path:
        return self.folder / CORRECTIONS_FILE

    def paths(self) -> dict[str, Path]:
        """Article id -> file, with the ids the build gives (the app's added articles too)."""
        if self._paths is None:
            from geo.corpus.build import user_corpus

            try:
                files = corpus_files(self.folder)
                added = user_corpus(self.data)
                if added.is_dir() and added.resolve() != self.folder.resolve():
                    files += corpus_files(added)
            except ArticleError as exc:
                raise _Refused(f"--corpus {self.folder}: {exc.reason}") from None
            self._paths = {article_id: path for path, article_id in article_ids(files).items()}
        return self._paths

    def text(self, article_id: str) -> Article | str:
        """The article, or why it cannot be read."""
        if article_id not in self._articles:
            path = self.paths().get(article_id)
            if path is None:
                self._articles[article_id] = f"no article {article_id!r} in {self.folder}"
            else:
                try:
                    self._articles[article_id] = load_article(path)
                except ArticleError as exc:
                    self._articles[article_id] = str(exc)
        return self._articles[article_id]

    def article(self, article_id: str) -> Article:
        found = self.text(article_id)
        if isinstance(found, str):
            raise _Refused(found)
        return found

    def events(self) -> dict[str, dict[str, Any]]:
        """Event id -> its properties, from the built map data."""
        if self._events is None:
            path = self.data / EVENTS_FILE
            try:
                features = json.loads(path.read_text(encoding="utf-8"))["features"]
                self._events = {f["properties"]["id"]: f["properties"] for f in features}
            except FileNotFoundError:
                raise _Refused(
                    f"--data {self.data}: no {EVENTS_FILE}; build the map first "
                    f"(campaign-map build --corpus {self.folder} --out {self.data})"
                ) from None
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise _Refused(f"{path}: cannot read the events ({exc})") from None
        return self._events

    def event(self, event_id: str) -> tuple[str, EventRef]:
        """The event's article id and its reference (sentence, place), checked against
        the article as it is now."""
        props = self.events().get(event_id)
        if props is None:
            raise _Refused(f"no event {event_id!r} in {self.data / EVENTS_FILE}")
        article = self.article(str(props["article_id"]))
        sentence = str(props["snippet"])
        if sentence not in article.raw:
            raise _Refused(
                f"event {event_id}: its sentence is no longer in article {article.id}; "
                "build again and use the event's new id"
            )
        return article.id, EventRef(event_id, sentence, props.get("gazetteer_name"))


# ---------------------------------------------------------------------------------------
# Checking arguments


def _int(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise _Refused(f"{what} {value!r}: give a whole number") from None


def _float(value: str, what: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise _Refused(f"{what} {value!r}: give a number") from None


def _date(value: str, what: str) -> str:
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise _Refused(f"{what} {value!r}: give a date as YYYY-MM-DD") from None


def _mention(article: Article, start_arg: str, end_arg: str) -> MentionRef:
    """The name at START END of the article's text (the offsets `geoparse` gives)."""
    start, end = _int(start_arg, "START"), _int(end_arg, "END")
    if not 0 <= start < end <= len(article.raw):
        raise _Refused(
            f"{start}-{end}: not a span of article {article.id} "
            f"(its text has {len(article.raw)} characters)"
        )
    text = article.raw[start:end]
    if not text.strip() or text != text.strip():
        raise _Refused(f"{start}-{end} of article {article.id} is {text!r}: not a name")
    return MentionRef(start, end, text)


def _gazetteer_change(geonameid: int) -> dict[str, Any]:
    from geo.pipeline.places.gazetteer import get_gazetteer

    found = get_gazetteer().by_geonameid(geonameid)
    if not found:
        raise _Refused(f"--geonameid {geonameid}: no such place in the gazetteer")
    place = found[0]
    return {
        "kind": "place",
        "geonameid": geonameid,
        "lat": place.lat,
        "lon": place.lon,
        "name": place.name,
        "level": place.level,
        "country": place.country,
    }


def _place_change(args: argparse.Namespace) -> dict[str, Any]:
    """A gazetteer place (--geonameid) or a point (--lat, --lon, --name)."""
    point = (args.lat, args.lon)
    if args.geonameid is not None:
        if point != (None, None) or args.name is not None:
            raise _Refused("give --geonameid, or --lat, --lon and --name of a point, not both")
        return _gazetteer_change(_int(args.geonameid, "--geonameid"))
    if None in point or not (args.name or "").strip():
        raise _Refused("give --geonameid N, or --lat, --lon and --name of a point")
    lat, lon = _float(args.lat, "--lat"), _float(args.lon, "--lon")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _Refused(f"--lat {args.lat} --lon {args.lon}: not a point on the earth")
    level = args.level or POINT_LEVEL
    if level not in LEVELS:
        raise _Refused(f"--level {level!r}: one of {', '.join(LEVELS)}")
    return {
        "kind": "place",
        "geonameid": None,
        "lat": lat,
        "lon": lon,
        "name": args.name.strip(),
        "level": level,
        "country": (args.country or "").upper(),
    }


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise _Refused(f"{what} {value!r}: one of {', '.join(allowed)}")
    return value


# ---------------------------------------------------------------------------------------
# The actions: each returns the entry's target and change (new_entry's keywords)


def _on_mention(args: argparse.Namespace, corpus: _Corpus) -> dict[str, Any]:
    article = corpus.article(args.article)
    mention = _mention(article, args.start, args.end)
    change = _place_change(args) if args.action == "place" else {"kind": "not_a_place"}
    return {"change": change, "article": article.id, "mention": mention}


def _event_change(args: argparse.Namespace, corpus: _Corpus) -> dict[str, Any]:
    if args.action == "date":
        if not args.start:
            raise _Refused("give the first day: --start YYYY-MM-DD")
        start = _date(args.start, "--start")
        end = _date(args.end, "--end") if args.end else start
        if end < start:
            raise _Refused(f"--end {end} is before --start {start}")
        return {"kind": "date", "start": start, "end": end}
    if args.action == "type":
        return {"kind": "type", "type": _one_of(args.type, EVENT_TYPES, "TYPE")}
    if args.action == "verify":
        return {"kind": "verified", "status": _one_of(args.status, STATUSES, "STATUS")}
    if args.action == "merge":
        known = set(corpus.events()) | {
            str(p["incident_id"]) for p in corpus.events().values() if p.get("incident_id")
        }
        if args.other == args.event or args.other not in known:
            raise _Refused(f"WITH {args.other!r}: not another event or incident of the map data")
        return {"kind": "merge", "with": args.other}
    return {"kind": "split"}


def _on_event(args: argparse.Namespace, corpus: _Corpus) -> dict[str, Any]:
    article_id, event = corpus.event(args.event)
    return {"change": _event_change(args, corpus), "article": article_id, "event": event}


def _entry_id(wanted: str, corrections: list[Correction]) -> Correction:
    """The entry an id, or a unique start of one, names."""
    exact = [c for c in corrections if c.id == wanted]
    if exact:
        return exact[0]
    starting = [c for c in corrections if c.id.startswith(wanted)]
    if len(wanted) >= SHORTEST_ID_PREFIX and len(starting) == 1:
        return starting[0]
    if starting:
        raise _Refused(f"{wanted!r} starts {len(starting)} entries' ids: give more of it")
    raise _Refused(f"no correction {wanted!r} in the corrections file")


def _on_undo(args: argparse.Namespace, corrections: list[Correction]) -> dict[str, Any]:
    target = _entry_id(args.entry, corrections)
    undone = undone_by(corrections)
    if target.id in undone:
        raise _Refused(f"correction {target.id} is undone already (by {undone[target.id]})")
    return {"change": {"kind": "undo", "entry": target.id}}


# ---------------------------------------------------------------------------------------
# list


def _state(correction: Correction, corpus: _Corpus, undone: dict[str, str]) -> str | None:
    """ "undone by X", "undoes X", None when it applies, else why not."""
    if correction.id in undone:
        return f"undone by {undone[correction.id]}"
    if correction.kind == "undo":
        return f"undoes {correction.change['entry']}"
    article = corpus.text(correction.article or "")
    if isinstance(article, str):
        return f"NO LONGER APPLIES: {article}"
    why = still_applies(correction, article.raw)
    return f"NO LONGER APPLIES: {why}" if why else None


def _list(corpus: _Corpus) -> int:
    corrections, problems = load_corrections(corpus.file)
    for problem in problems:
        print(f"campaign-map correct: {problem}", file=sys.stderr)
    if not corrections:
        print(f"no corrections in {corpus.file}")
        return 1 if problems else 0
    undone = undone_by(corrections)
    failing = 0
    for c in corrections:
        state = _state(c, corpus, undone)
        failing += bool(state and state.startswith("NO LONGER"))
        print(f"{c.id}  {c.at}  {c.by or '-'}  {c.target}  {c.summary}  [{state or 'applies'}]")
        if c.why:
            print(f"    why: {c.why}")
    if failing:
        print(f"{failing} correction(s) no longer apply", file=sys.stderr)
    return 1 if failing or problems else 0


# ---------------------------------------------------------------------------------------
# The command


def _run(args: argparse.Namespace) -> int:
    corpus = _Corpus(Path(args.corpus), Path(args.data))
    if not corpus.folder.is_dir():
        raise _Refused(f"--corpus {args.corpus}: no such folder")
    if args.action == "list":
        return _list(corpus)
    corrections, problems = load_corrections(corpus.file)
    for problem in problems:  # the new line is written all the same: it is not theirs
        print(f"campaign-map correct: {problem}", file=sys.stderr)
    if args.action == "undo":
        target = _on_undo(args, corrections)
    elif args.action in ("place", "not-a-place"):
        target = _on_mention(args, corpus)
    else:
        target = _on_event(args, corpus)
    try:
        entry = new_entry(**target, by=args.by, why=args.why, taken=[c.id for c in corrections])
    except EntryError as exc:
        raise _Refused(str(exc)) from None
    try:
        append_entry(corpus.file, entry)
    except OSError as exc:
        raise _Refused(f"{corpus.file}: cannot write ({exc.strerror or exc})") from None
    written = parse_entry(entry)
    print(f"{corpus.file}: added {written.id}: {written.target}: {written.summary}")
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except _Refused as exc:
        print(f"campaign-map correct {args.action}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `correct list | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 0


# ---------------------------------------------------------------------------------------
# Options


def _where(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """--corpus, --data, --by, --why: on `correct` (with their defaults) and again on each
    action (without, so that they may follow the action's name too)."""

    def default(value: str | None) -> str | None:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "--corpus",
        metavar="DIR",
        default=default("seeds"),
        help=f"the folder of articles; its {CORRECTIONS_FILE} holds the corrections",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        default=default("mapdata"),
        help="the map data built from it: the events that event ids name",
    )
    parser.add_argument("--by", default=default(None), help="who makes the correction")
    parser.add_argument("--why", default=default(None), help="why, in a few words")


def _action_args(p: argparse.ArgumentParser, name: str) -> None:
    if name in ("place", "not-a-place"):
        p.add_argument("article", metavar="ARTICLE", help="the article's id (its file's stem)")
        p.add_argument("start", metavar="START", help="where the name starts in the text")
        p.add_argument("end", metavar="END", help="where it ends (as geoparse gives them)")
    if name == "place":
        p.add_argument("--geonameid", metavar="N", help="the gazetteer place (GeoNames id)")
        p.add_argument("--lat", metavar="LAT", help="or a point: its latitude")
        p.add_argument("--lon", metavar="LON", help="its longitude")
        p.add_argument("--name", help="the point's name")
        p.add_argument(
            "--level", help=f"the point's level, one of {', '.join(LEVELS)} (default: village)"
        )
        p.add_argument("--country", metavar="CC", help="the point's country code (ISO 3166)")
    if name in ("date", "type", "verify", "merge", "split"):
        p.add_argument("event", metavar="EVENT_ID", help="the event's id (the map's table)")
    if name == "date":
        p.add_argument("--start", metavar="YYYY-MM-DD", help="its first day (required)")
        p.add_argument("--end", metavar="YYYY-MM-DD", help="its last day (default: --start)")
    if name == "type":
        p.add_argument("type", metavar="TYPE", help=f"one of {', '.join(EVENT_TYPES)}")
    if name == "verify":
        p.add_argument("status", metavar="STATUS", help=f"one of {', '.join(STATUSES)}")
    if name == "merge":
        p.add_argument("other", metavar="WITH", help="the other event's or incident's id")
    if name == "undo":
        p.add_argument("entry", metavar="ENTRY_ID", help="the correction's id (or its start)")


def add_correct_args(p: argparse.ArgumentParser) -> None:
    _where(p, defaults=True)
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action in ACTIONS:
        q = sub.add_parser(
            action.name,
            help=action.summary,
            description=f"campaign-map correct {action.name}: {action.summary}."
            + (
                " Exit status 1 when a line is bad or a correction no longer applies."
                if action.name == "list"
                else ""
            ),
            epilog=f"example:\n  {action.example}",
            formatter_class=p.formatter_class,
        )
        _where(q, defaults=False)
        _action_args(q, action.name)
    p.set_defaults(func=cmd_correct)
