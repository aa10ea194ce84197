"""`campaign-map build`: a corpus folder in, the map's data out.

Writes into the output folder (default `mapdata/`):
- `events.geojson`: an RFC 7946 FeatureCollection, one Point per event (geopandas/GDAL);
- `articles.json`: every article with its metadata, publication date and how it was known,
  counts, unresolved places, warnings; and every file that could not be read, with why.

Incremental: each article's result is cached under `<out>/cache/` by a key over its text,
its sidecar, the pipeline version and the curated data, so unchanged articles are not parsed
again. Deterministic: the same corpus gives byte-identical files. Old or new, never a mix:
the two outputs are put in place together (`geo.corpus.outputs`), so a build killed at any
moment leaves the last good build readable; damaged outputs and cache entries are found
(checksums) and written again, and the summary says so.
Each place gets one name across the corpus, the one its articles use most
(`geo.corpus.place_names`), decided when the cached articles are put together.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from geo.corpus.articles import (
    ARTICLE_SUFFIXES,
    ArticleError,
    corpus_files,
    unsupported_files,
)
from geo.corpus.corrections import (
    CORRECTIONS_FILE,
    Correction,
    corrections_by_article,
    corrections_digest,
    load_corrections,
    unknown_articles,
)
from geo.corpus.incident_lines import grouping_views as views
from geo.corpus.incident_lines import merges_without_target, with_incidents
from geo.corpus.incidents import DEFAULT_RULES
from geo.corpus.io.archive import ARCHIVE_SUFFIXES, is_archive, scan_archive
from geo.corpus.io.store import MONTHS_FILE, STORE_DIR, month_of, write_store
from geo.corpus.io.store import damaged as store_damage
from geo.corpus.outputs import (
    ARTICLES_FILE,
    EVENTS_FILE,
    damage,
    tidy,
    write_atomically,
    write_build,
)
from geo.corpus.place_names import corpus_names, renamed_features
from geo.corpus.sources import ArticleSource, file_sources
from geo.corpus.work import (
    ArticleJob,
    BuildError,
    Outcome,
    article_events,
    event_properties,
    feature_json,
    file_text,
    json_default,
    pipeline_version,
    run_local,
    times_in_article,
)
from geo.pipeline.budget import DEFAULT_BUDGET_S


@dataclass
class BuildSummary:
    articles: int = 0
    parsed: int = 0  # articles geoparsed in this run (the rest came from the cache)
    events: int = 0
    places: int = 0
    unresolved: int = 0
    undated: int = 0
    skipped: list[str] = field(default_factory=list)  # "file: reason"
    repaired: list[str] = field(default_factory=list)  # "file: what was wrong; what was done"
    corrections: list[str] = field(default_factory=list)  # a bad line, one that no longer applies
    corpus: str = ""  # the corpus folder, for the empty-corpus line

    def __str__(self) -> str:
        lines = [
            f"{self.articles} articles ({self.parsed} parsed, "
            f"{self.articles - self.parsed} from cache), {self.events} events at "
            f"{self.places} places, {self.unresolved} unresolved place names, "
            f"{self.undated} undated articles, {len(self.skipped)} files skipped",
        ]
        if self.empty:
            lines.append(f"  {self.empty}")
        lines += [f"  skipped {item}" for item in self.skipped]
        lines += [f"  repaired {item}" for item in self.repaired]
        lines += [f"  correction problem: {item}" for item in self.corrections]
        return "\n".join(lines)

    @property
    def empty(self) -> str:
        """Why the map is empty when no article could be read, else ""."""
        if self.articles:
            return ""
        kinds = ", ".join(ARTICLE_SUFFIXES)
        return f"no articles to map in {self.corpus or 'the corpus'} (it reads {kinds} files)"


def events_geojson(feature_lines: Iterable[str]) -> Iterator[bytes]:
    """The FeatureCollection, one feature a line, no `crs` member (RFC 7946), a line at a
    time: a large corpus's file is never held whole (its lines are, once).

    Written directly rather than through geopandas/GDAL, from lines serialised once when
    each article was parsed: importing geopandas and a GDAL write would add ~1.3 s to every
    incremental build (the target is under 2 s). The tests read the file back with GDAL
    (pyogrio) and geopandas.
    """
    yield b'{"type": "FeatureCollection", "features": [\n'
    separator = b""
    for line in feature_lines:
        yield separator + line.encode("utf-8")
        separator = b",\n"
    yield b"\n]}\n"


USER_CORPUS = "corpus"  # the data folder's folder of articles added in the app


def user_corpus(out: Path) -> Path:
    """Where the app writes the articles its users add: beside the map data they feed."""
    return Path(out) / USER_CORPUS


def _corpus_sources(corpus: Path, out: Path) -> tuple[list[ArticleSource], list[ArticleError]]:
    """The corpus's articles (a folder's files, or an archive's rows), then those added in
    the app; and what cannot be read: an archive's bad rows, the files of either folder
    that are no articles (a .docx, a .pdf). ArticleError for a missing or unreadable corpus."""
    corpus, added = Path(corpus), user_corpus(out)
    sources: list[ArticleSource] = []
    errors: list[ArticleError] = []
    folders = [added] if added.is_dir() else []
    if corpus.is_file() and is_archive(corpus):
        try:
            for found in scan_archive(corpus):
                (errors if isinstance(found, ArticleError) else sources).append(found)  # type: ignore[arg-type]
        except OSError as exc:
            raise ArticleError(corpus, f"cannot read: {exc.strerror or exc}") from None
    elif corpus.is_file():
        kinds = ", ".join(ARCHIVE_SUFFIXES)
        raise ArticleError(corpus, f"not a folder of articles nor an archive ({kinds})")
    elif not (added.is_dir() and added.resolve() == corpus.resolve()):
        folders.insert(0, corpus)
    paths = [path for folder in folders for path in corpus_files(folder)]
    sources += file_sources(paths, frozenset(s.id for s in sources))
    errors += [
        ArticleError(
            path,
            f"not an article file ({path.suffix or 'no extension'}): "
            f"the build reads {', '.join(ARTICLE_SUFFIXES)}",
        )
        for folder in folders
        for path in unsupported_files(folder)
    ]
    return sources, errors


def cache_key(source: ArticleSource, corrections: str = "") -> str | None:
    """The key of an article's cache entry, or None when it cannot be read cheaply (too
    big, unreadable: loading it says why).

    The key covers its text and metadata (their fingerprints), its id, the digest of its
    corrections (`corrections_digest`) and the pipeline version, so an unchanged article
    is recognised without decoding or cleaning it, and one with a new or undone correction
    is not.
    """
    if not source.digest:
        return None
    parts = [pipeline_version(), source.id, source.digest, source.extra, corrections]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")


def cache_name(article_id: str) -> str:
    """The file of an article's cache entry: its id when that is a plain name; else (an
    archive's "https://..." or "../x") a digest of it, so no id reaches outside the cache."""
    if _PLAIN_NAME.fullmatch(article_id) and not article_id.endswith("."):
        return f"{article_id}.json"
    return f"id-{hashlib.sha256(article_id.encode()).hexdigest()[:32]}.json"


@dataclass
class _Gathered:
    """What the build found before parsing: cached entries, jobs, errors."""

    entries: dict[ArticleSource, dict[str, Any]] = field(default_factory=dict)
    todo: list[ArticleJob] = field(default_factory=list)
    errors: list[ArticleError] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    too_slow: set[str] = field(default_factory=set)  # ids whose skip is cached (kept)


def _gather(
    sources: list[ArticleSource],
    cache_dir: Path,
    budget_s: float | None,
    fixes: dict[str, list[Correction]],
) -> _Gathered:
    """Each article: its cache entry when its key matches, else the job to parse it. An
    article that ran out of time is not tried again with the same budget (it would cost
    that budget on every build), only with a larger one."""
    found = _Gathered()
    first_with: dict[str, ArticleSource] = {}
    for source in sources:
        own = fixes.get(source.id, [])
        key = cache_key(source, corrections_digest(own))
        if key is not None:
            if source.digest in first_with:
                found.errors.append(
                    ArticleError(
                        _error_path(source), f"duplicate of {first_with[source.digest].name}"
                    )
                )
                continue
            first_with[source.digest] = source
            entry, broken = _read_cache(cache_dir / cache_name(source.id), key)
            if entry is not None and _worth_retrying(entry, budget_s):
                pass
            elif entry is not None and entry.get("skipped"):
                found.errors.append(ArticleError(_error_path(source), entry["skipped"]))
                found.too_slow.add(source.id)
                continue
            elif entry is not None:
                found.entries[source] = entry
                continue
            if broken:
                found.repaired.append(
                    f"cache/{cache_name(source.id)}: {broken}; {source.name} parsed again"
                )
        found.todo.append(ArticleJob(source, key, tuple(own)))
    return found


def _error_path(source: ArticleSource) -> Path:
    """What an ArticleError names: the file, or "feed.jsonl row 12"."""
    return source.path if source.row is None else Path(source.name)


def _worth_retrying(entry: dict[str, Any], budget_s: float | None) -> bool:
    """A cached skip, and now more time than it had."""
    if not entry.get("skipped"):
        return False
    had = entry.get("budget_s")
    return budget_s is None or not isinstance(had, int | float) or budget_s > had


def _in_reading_order(errors: list[ArticleError]) -> list[ArticleError]:
    """By file, and an archive's rows by number ("row 9" before "row 10")."""

    def order(error: ArticleError) -> list[str | int]:
        parts = re.split(r"(\d+)", str(error.path))
        return [int(p) if p.isdigit() else p for p in parts]  # type: ignore[misc]

    return sorted(errors, key=order)


def build(
    corpus: Path,
    out: Path,
    processes: int | None = None,
    progress: bool = True,
    budget_s: float | None = DEFAULT_BUDGET_S,
    scheduler: str | None = None,
    workers: int | None = None,
) -> BuildSummary:
    """Build the map data of a corpus (a folder of articles, or a JSON Lines or Parquet
    archive of them: geo.corpus.io.archive) into `out`.

    The articles are parsed in this process or a local pool of `processes`; or on a Dask
    cluster (geo.corpus.cluster): the scheduler at `scheduler`, or one of `workers`
    processes started on this machine. The outputs are the same bytes either way.
    BuildError when the cluster cannot be used (nothing written then).

    Each article has `budget_s` seconds (None: no limit); one that takes longer is
    stopped, reported as skipped and not tried again until it changes or has more time.

    The articles added in the app (`out/corpus/`, see `user_corpus`) are always part of it:
    the map shows the corpus and what its users added, and the corpus folder (tracked
    seeds, say) is never written to.
    """
    sources, unreadable = _corpus_sources(corpus, out)
    out.mkdir(parents=True, exist_ok=True)
    cache_dir = out / "cache"
    cache_dir.mkdir(exist_ok=True)
    for stale in [*out.glob(".*.tmp"), *cache_dir.glob(".*.tmp")]:
        stale.unlink()  # left by a build that was killed while writing
    tidy(out)

    folder = corpus.parent if corpus.is_file() else corpus
    fixes, problems = _corrections([folder, user_corpus(out)], (s.id for s in sources))
    found = _gather(sources, cache_dir, budget_s, fixes)
    entries, todo = found.entries, found.todo
    failed: list[ArticleError] = []
    parsed: set[str] = set()  # ids of the articles parsed now (their cache entries are new)
    if todo:
        if scheduler or workers:
            from geo.corpus.cluster import run_on_cluster

            batches = run_on_cluster(todo, scheduler, workers, budget_s)
        else:
            batches = run_local(todo, processes, budget_s)
        done, failed, parsed = _process(batches, len(todo), cache_dir, progress)
        entries.update(done)
    # In the corpus's order, whatever order the work finished in: names and keys follow it.
    entries = {source: entries[source] for source in sources if source in entries}
    errors = _in_reading_order(found.errors + failed + unreadable)

    records: list[dict[str, Any]] = []
    features: list[str] = []
    places: set[tuple[float, float]] = set()
    # One name per place across the corpus (geo.corpus.place_names).
    names = corpus_names(entries.values())
    for source in sources:
        if source in entries:
            # Named where it is now: an archive's row moves when rows are added above it.
            records.append({**entries[source]["record"], "file": source.name})
            features.extend(renamed_features(entries[source], names))
            places.update(map(tuple, entries[source]["places"]))
            # Held once, in `features`: the grouping writes each line anew and lets it go.
            del entries[source]["features"]
    skipped = [{"file": e.path.name if e.path else None, "reason": e.reason} for e in errors]
    summary = BuildSummary(
        articles=len(records),
        parsed=len(parsed),
        events=len(features),
        places=len(places),
        unresolved=sum(len(r["unresolved"]) for r in records),
        undated=sum(1 for r in records if r["published"] is None),
        skipped=[str(e) for e in errors],
        repaired=found.repaired,
        corpus=str(corpus),
        corrections=problems
        + [p for e in entries.values() for p in e.get("stale_corrections", ())]
        + merges_without_target(features),
    )
    # Nothing changed since the last build: leave the outputs (and their times) alone.
    build_key = hashlib.sha256(
        json.dumps(
            [
                pipeline_version(),
                [e["key"] for e in entries.values()],
                skipped,
                problems,
                file_text(DEFAULT_RULES),  # incident rules: the grouping, not the parse
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()
    _write_outputs(out, features, records, skipped, problems, build_key, bool(parsed), summary)
    _prune_cache(
        cache_dir,
        {cache_name(s.id) for s in entries} | {cache_name(i) for i in found.too_slow | parsed},
    )
    return summary


def _write_outputs(
    out: Path,
    features: list[str],
    records: list[dict[str, Any]],
    skipped: list[dict[str, Any]],
    problems: list[str],
    build_key: str,
    parsed: bool,
    summary: BuildSummary,
) -> None:
    """events.geojson and articles.json, then the columnar store: unless nothing changed
    since the last build and they are whole."""
    broken = damage(out)
    if broken:
        summary.repaired.append(f"{broken}; written again")
    # The columnar store of an earlier build: written when missing (a build before it had
    # one), said when damaged.
    store = store_damage(out) if (out / EVENTS_FILE).exists() else None
    if store and (out / STORE_DIR).exists():
        summary.repaired.append(f"{store}; written again")
    if not (
        parsed
        or broken
        or store
        or _previous_build_key(out) != build_key
        or not (out / EVENTS_FILE).exists()
    ):
        return
    document = {
        "pipeline_version": pipeline_version(),
        "build_key": build_key,
        "articles": records,
        "skipped": skipped,
        "corrections": problems,  # of the file as a whole; an article's are its warnings
    }
    # The store's months from the lines before the grouping (the same events in the same
    # order): their views are the ones kept between builds (incident_lines).
    months = [month_of(v["properties"].get("date_start")) for v in views(features)]
    # Incidents across the corpus: grouped only when the outputs are written (the
    # grouping takes ~0.8 s at 10,000 events, more where thousands share a place). The
    # lines are rewritten in place: `features` holds the grouped lines from here on.
    with_incidents(features)
    write_build(out, events_geojson(features), document)
    # The columnar store follows (geo.corpus.io.store): the months whose events changed.
    try:
        write_store(out, features, months)
    except Exception as exc:  # noqa: BLE001 - the map is built; the store waits for the next
        # Without its list of months the store counts as damaged: the next build writes it.
        (out / STORE_DIR / MONTHS_FILE).unlink(missing_ok=True)
        summary.repaired.append(f"{STORE_DIR}: not written ({exc}); the next build tries again")


def _previous_build_key(out: Path) -> str | None:
    try:
        with (out / ARTICLES_FILE).open(encoding="utf-8") as fh:
            return json.load(fh).get("build_key")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None


# A cache entry is a file of lines: first the article's key, record, event positions and
# the checksum of the lines that follow, as JSON; then its events as ready-to-write
# GeoJSON feature lines (never parsed again: the checksum vouches for them).


def _features_digest(features: list[str]) -> str:
    return hashlib.sha256("\n".join(features).encode("utf-8")).hexdigest()


def _read_cache(path: Path, key: str) -> tuple[dict[str, Any] | None, str]:
    """(the entry, "") when it is there for this key and whole; (None, "") when it is
    missing or for another key (the article changed); (None, what is wrong) when damaged."""
    try:
        head, *features = path.read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        return None, ""
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"unreadable ({exc})"
    try:
        entry = json.loads(head)
    except (ValueError, RecursionError):
        return None, "damaged (its first line is not JSON)"
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None, ""
    entry["features"] = [line for line in features if line]
    if features[-1:] != [""] or entry.get("features_sha256") != _features_digest(entry["features"]):
        return None, "damaged (cut short or changed)"
    return entry, ""


def _cache_text(entry: dict[str, Any]) -> str:
    head = {k: v for k, v in entry.items() if k != "features"}
    head["features_sha256"] = _features_digest(entry["features"])
    return (
        "\n".join(
            [
                json.dumps(head, default=json_default, ensure_ascii=False, sort_keys=True),
                *entry["features"],
            ]
        )
        + "\n"
    )


def _process(
    batches: Iterator[list[Outcome]], total: int, cache_dir: Path, progress: bool
) -> tuple[dict[ArticleSource, dict[str, Any]], list[ArticleError], set[str]]:
    """The outcomes of the jobs (geo.corpus.work), as they come: each entry cached; the
    articles that ran out of time (their skip cached too) or could not be read; and the ids
    of those parsed."""
    done: dict[ArticleSource, dict[str, Any]] = {}
    failed: list[ArticleError] = []
    parsed: set[str] = set()
    with tqdm(
        total=total, desc="build", unit="article", disable=not progress, file=sys.stderr
    ) as bar:
        for outcomes in batches:
            for outcome in outcomes:
                source, entry = outcome.source, outcome.entry
                if entry is None:
                    failed.append(ArticleError(_error_path(source), outcome.error or "failed"))
                    continue
                parsed.add(source.id)
                if entry.get("key") is not None:
                    text = _cache_text(entry).encode()
                    write_atomically(cache_dir / cache_name(source.id), text)
                if entry.get("skipped"):
                    failed.append(ArticleError(_error_path(source), entry["skipped"]))
                else:
                    done[source] = entry
            bar.update(len(outcomes))
    return done, failed, parsed


def _corrections(
    folders: list[Path], article_ids: Iterable[str]
) -> tuple[dict[str, list[Correction]], list[str]]:
    """The corrections that hold, by article, from the corpus folder's file (reviewed in
    version control, `campaign-map correct`) and the added articles' folder's (the app's);
    and what is wrong with them (a bad line, an article the corpus does not have)."""
    corrections: list[Correction] = []
    problems: list[str] = []
    for folder in dict.fromkeys(Path(f).resolve() for f in folders):
        found, said = load_corrections(folder / CORRECTIONS_FILE)
        corrections += found
        problems += said
    return corrections_by_article(corrections), problems + unknown_articles(
        corrections, article_ids
    )


def _prune_cache(cache_dir: Path, keep: set[str]) -> None:
    """Remove the entries of articles the corpus no longer has (`keep`: file names)."""
    for path in cache_dir.glob("*.json"):
        if path.name not in keep:
            path.unlink()


__all__ = [
    "BuildError",
    "BuildSummary",
    "build",
    "article_events",
    "event_properties",
    "events_geojson",
    "feature_json",
    "times_in_article",
]
