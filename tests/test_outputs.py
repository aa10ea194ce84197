"""The build's outputs: damaged files found and written again, old or new after a kill at
any write, readable by other users, unsupported files and an empty corpus reported."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from geo.cli import main
from geo.corpus.build import build
from geo.corpus.outputs import (
    ARTICLES_FILE,
    EVENTS_FILE,
    PREVIOUS_EVENTS_FILE,
    MapDataError,
    read_build,
)
from geo.map.export import load_articles
from geo.map.filters import load_events

ARTICLES = {
    "gulu.txt": "Rebels entered Gulu on 3 May 2019, officials said.\n",
    "kindu.txt": "Troops retook Kindu on 9 June 2019 after two days of fighting.\n",
}
LATER = "Militias shelled Bunia on 12 July 2019, witnesses said.\n"


def write_corpus(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, "utf-8")
    return folder


def snapshot(out: Path) -> str:
    """What a reader of the build in `out` gets, as one comparable string."""
    data = read_build(out)
    return json.dumps([data.features, data.articles], sort_keys=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A two-article corpus and its build; tests work on copies of the build."""
    base = tmp_path_factory.mktemp("outputs")
    corpus = write_corpus(base / "corpus", ARTICLES)
    build(corpus, base / "out", processes=1, progress=False)
    return corpus, base / "out"


def copy_of(out: Path, tmp_path: Path) -> Path:
    target = tmp_path / "out"
    shutil.copytree(out, target)
    return target


# -- damaged outputs ----------------------------------------------------------------------

DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "cut short": lambda good: good[: len(good) // 2],
    "garbage": lambda good: b"\x00\xffnot json at all",
    "an empty list": lambda good: b"[]\n",
    "a feature without properties": lambda good: good.replace(b'"properties": {', b'"x": {', 1),
    "a digit changed": lambda good: good.replace(b"2019-05-03", b"2019-05-04", 1),
}


@pytest.mark.parametrize("how", list(DAMAGES))
def test_damaged_events_are_refused_by_readers_and_rebuilt(
    built: tuple[Path, Path], tmp_path: Path, how: str
) -> None:
    corpus, good = built
    out = copy_of(good, tmp_path)
    events = out / EVENTS_FILE
    before = snapshot(out)
    events.write_bytes(DAMAGES[how](events.read_bytes()))
    for read in (
        lambda: read_build(out),
        lambda: load_events(events),
        lambda: load_articles(out / ARTICLES_FILE),
    ):
        with pytest.raises(MapDataError) as caught:
            read()
        message = str(caught.value)
        assert "\n" not in message and str(events) in message
        assert f"campaign-map build --out {out}" in message  # the way out
    summary = build(corpus, out, processes=1, progress=False)
    assert summary.parsed == 0  # the cache was sound: nothing parsed again
    assert [r.split(":")[0] for r in summary.repaired] == [EVENTS_FILE]
    assert "repaired events.geojson" in str(summary)
    assert snapshot(out) == before
    assert (out / EVENTS_FILE).read_bytes() == (good / EVENTS_FILE).read_bytes()


def test_events_without_a_manifest_are_checked_feature_by_feature(tmp_path: Path) -> None:
    events = tmp_path / EVENTS_FILE
    events.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
        '{"type": "Point", "coordinates": [1, 2]}}]}'
    )
    with pytest.raises(MapDataError, match="feature 1 has no properties"):
        load_events(events)
    events.write_text('{"type": "FeatureCollection", "features": []}')
    assert load_events(events) == []


def test_damaged_articles_file_is_refused_and_rebuilt(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, good = built
    out = copy_of(good, tmp_path)
    (out / ARTICLES_FILE).write_text('{"articles": [{"id": "x"}]}')
    with pytest.raises(MapDataError, match="article 1 is incomplete"):
        read_build(out)
    summary = build(corpus, out, processes=1, progress=False)
    assert [r.split(":")[0] for r in summary.repaired] == [ARTICLES_FILE]
    assert snapshot(out) == snapshot(good)


def test_export_of_damaged_data_is_one_line(
    built: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = copy_of(built[1], tmp_path)
    (out / EVENTS_FILE).write_text("{")
    code = main(["export", "--data", str(out), "--out", str(tmp_path / "map.html")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "events.geojson" in err and "Traceback" not in err
    assert not (tmp_path / "map.html").exists()


# -- damaged cache entries ----------------------------------------------------------------

CACHE_DAMAGES: dict[str, Callable[[str], str]] = {
    "cut short": lambda text: text[: len(text) - 40],
    "a garbage line appended": lambda text: text + "garbage\n",
    "garbage": lambda text: "\x00garbage",
    "a feature line dropped": lambda text: "\n".join(text.split("\n")[:-2]) + "\n",
}


@pytest.mark.parametrize("how", list(CACHE_DAMAGES))
def test_damaged_cache_entry_is_parsed_again(
    built: tuple[Path, Path], tmp_path: Path, how: str
) -> None:
    corpus, good = built
    out = copy_of(good, tmp_path)
    entry = out / "cache" / "gulu.json"
    entry.write_text(CACHE_DAMAGES[how](entry.read_text("utf-8")), "utf-8")
    summary = build(corpus, out, processes=1, progress=False)
    assert summary.parsed == 1
    assert summary.repaired == [f"cache/gulu.json: {summary.repaired[0].split(': ', 1)[1]}"]
    assert "gulu.txt parsed again" in summary.repaired[0]
    # Nothing lost: the same events as the sound build, and articles.json agrees with them.
    assert (out / EVENTS_FILE).read_bytes() == (good / EVENTS_FILE).read_bytes()
    counted = sum(a["events"] for a in read_build(out).articles["articles"])
    assert counted == len(read_build(out).features) == summary.events
    assert entry.read_text("utf-8") == (good / "cache" / "gulu.json").read_text("utf-8")


# -- a kill at every write ----------------------------------------------------------------

WRITES = ("replace", "link", "unlink")  # the calls by which a build changes its folder


def _build_killed_at(corpus: Path, out: Path, write: int) -> int:
    """Build in a forked child that dies (os._exit, no clean-up) just before its `write`-th
    change to the file system; the child's exit status (0: the build finished first)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            count = 0
            for name in WRITES:
                real = getattr(os, name)

                def dying(
                    *args: object, _real: Callable[..., object] = real, **kw: object
                ) -> object:
                    nonlocal count
                    count += 1
                    if count == write:
                        os._exit(9)
                    return _real(*args, **kw)

                setattr(os, name, dying)
            build(corpus, out, processes=1, progress=False)
        finally:
            os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.mark.parametrize("cached", [True, False], ids=["cache kept", "cache lost"])
def test_a_kill_at_any_write_leaves_the_old_build_or_the_new(
    built: tuple[Path, Path], tmp_path: Path, cached: bool
) -> None:
    corpus_before, good = built
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_before, corpus)
    (corpus / "kindu.txt").write_text(ARTICLES["kindu.txt"].replace("9 June", "19 June"))
    (corpus / "bunia.txt").write_text(LATER)
    (corpus / "gulu.txt").unlink()
    expected = tmp_path / "expected"
    shutil.copytree(good, expected)
    build(corpus, expected, processes=1, progress=False)
    old, new = snapshot(good), snapshot(expected)
    assert old != new

    outcomes = []
    for write in range(1, 100):
        out = tmp_path / f"killed-{write}"
        shutil.copytree(good, out)
        if not cached:
            shutil.rmtree(out / "cache")
        status = _build_killed_at(corpus, out, write)
        if status == 0:
            break  # the build made fewer writes than this: every one has been tried
        assert status == 9
        seen = snapshot(out)  # never raises: a reader sees one whole build
        assert seen in (old, new), f"killed at write {write}: a mix"
        outcomes.append("new" if seen == new else "old")
        build(corpus, out, processes=1, progress=False)  # the next build completes it
        assert snapshot(out) == new
        assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
        assert not [p.name for p in (out / "cache").iterdir() if p.name.startswith(".")]
    else:
        pytest.fail("the build never finished")
    # Every write was a place to die; the swap happened in the middle of them.
    assert len(outcomes) >= 4 and outcomes[0] == "old" and outcomes[-1] == "new", outcomes
    assert outcomes == sorted(outcomes, key=["old", "new"].index), outcomes


def test_reader_between_the_two_renames_sees_the_old_build(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    """The state a kill between the renames leaves (reproduced by hand): new events beside
    the old manifest, the old events under the second name."""
    out = copy_of(built[1], tmp_path)
    old = snapshot(out)
    os.link(out / EVENTS_FILE, out / PREVIOUS_EVENTS_FILE)
    newer = tmp_path / "newer.geojson"  # a build renames, never writes in place
    newer.write_text('{"type": "FeatureCollection", "features": []}\n')
    os.replace(newer, out / EVENTS_FILE)
    assert snapshot(out) == old


# -- modes, unsupported files, an empty corpus --------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_outputs_follow_the_umask(built: tuple[Path, Path], tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        out = tmp_path / "out"
        build(built[0], out, processes=1, progress=False)
    finally:
        os.umask(previous)
    files = [out / EVENTS_FILE, out / ARTICLES_FILE, *sorted((out / "cache").iterdir())]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path.name


def test_unsupported_files_are_reported(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", ARTICLES)
    (corpus / "briefing.docx").write_bytes(b"PK\x03\x04 a word file")
    (corpus / "scan.pdf").write_bytes(b"%PDF-1.4")
    (corpus / "kindu.toml").write_text('source = "A wire"\n')  # a sidecar: not reported
    (corpus / ".hidden").write_text("x")
    (corpus / "sub").mkdir()
    summary = build(corpus, tmp_path / "out", processes=1, progress=False)
    assert summary.articles == 2
    skipped = read_build(tmp_path / "out").articles["skipped"]
    assert [s["file"] for s in skipped] == ["briefing.docx", "scan.pdf"]
    assert all("not an article file" in s["reason"] for s in skipped)
    assert "skipped" in str(summary) and "briefing.docx" in str(summary)


def test_an_empty_corpus_is_said(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.docx").write_bytes(b"PK")
    summary = build(corpus, tmp_path / "out", processes=1, progress=False)
    assert summary.articles == 0
    assert f"no articles to map in {corpus}" in str(summary)
    assert "notes.docx" in str(summary)


def test_build_of_an_empty_corpus_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.docx").write_bytes(b"PK")
    code = main(["build", "--corpus", str(corpus), "--out", str(tmp_path / "out"), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 2
    kinds = ".txt, .md, .html, .htm"
    assert err == f"campaign-map build: no articles to map in {corpus} (it reads {kinds} files)\n"
    assert "skipped notes.docx: not an article file (.docx)" in out


# -- the time budget ----------------------------------------------------------------------


def test_an_article_past_its_budget_is_skipped_said_and_not_retried(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", ARTICLES)
    out = tmp_path / "out"
    summary = build(corpus, out, processes=1, progress=False, budget_s=1e-9)
    assert summary.articles == 0 and summary.parsed == 2
    assert [s.split(": ", 1)[1] for s in summary.skipped] == [
        "took longer than 1e-09 s; skipped"
    ] * 2
    assert {s["file"] for s in read_build(out).articles["skipped"]} == set(ARTICLES)
    # The same budget again: the skip is remembered, not paid for again.
    again = build(corpus, out, processes=1, progress=False, budget_s=1e-9)
    assert again.parsed == 0 and again.skipped == summary.skipped
    # More time (or a changed article) and it is tried again, and mapped.
    more = build(corpus, out, processes=1, progress=False, budget_s=60)
    assert more.parsed == 2 and more.articles == 2 and not more.skipped
    assert snapshot(out) == snapshot(build_fresh(corpus, tmp_path / "fresh"))


def build_fresh(corpus: Path, out: Path) -> Path:
    build(corpus, out, processes=1, progress=False)
    return out


def test_build_budget_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "corpus", ARTICLES)
    argv = ["build", "--corpus", str(corpus), "--out", str(tmp_path / "out"), "--quiet"]
    assert main([*argv, "--budget", "-1"]) == 2
    assert capsys.readouterr().err == (
        "campaign-map build: --budget -1: give seconds, or 0 for no limit\n"
    )
    assert main([*argv, "--budget", "0"]) == 0  # no limit
    assert "2 articles" in capsys.readouterr().out


def test_articles_file_is_written_in_pieces_as_one_dump_would_be() -> None:
    from geo.corpus.outputs import _json_pieces

    document = {
        "articles": [
            {"id": f"a{i}", "text": "Rebels entered Gulu — «ville» 城\n" * 40} for i in range(50)
        ],
        "skipped": [{"file": "x.pdf", "reason": "not an article"}],
        "build_key": "k",
    }
    whole = (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    pieces = list(_json_pieces(document, piece_chars=500))
    assert len(pieces) > 10 and b"".join(pieces) == whole
