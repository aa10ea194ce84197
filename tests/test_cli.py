"""The `campaign-map geoparse` contract: JSON Lines in, one JSON line out per document."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from geo.cli import main

CONTRACT_KEYS = {"start", "end", "text", "name", "lat", "lon", "level", "geonameid", "confidence"}


def _run(tmp_path: Path, lines: list[str], capsys: pytest.CaptureFixture[str]) -> list[dict]:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    main(["geoparse", "--input", str(source), "--output", str(out), "--processes", "1", "--quiet"])
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "Iraqi troops advanced on Mosul from Qayyarah, officials in Baghdad said."
    docs = [
        json.dumps({"id": "a", "text": text, "published": "2016-10-17"}),
        json.dumps({"id": "b", "text": "Nothing here.", "published": None}),
    ]
    records = _run(tmp_path, docs, capsys)
    assert [r["id"] for r in records] == ["a", "b"]
    first = records[0]
    assert {"id", "toponyms", "unresolved"} <= set(first)
    names = set()
    for top in first["toponyms"]:
        assert set(top) >= CONTRACT_KEYS
        assert text[top["start"] : top["end"]] == top["text"]
        assert -90 <= top["lat"] <= 90 and -180 <= top["lon"] <= 180
        assert 0 <= top["confidence"] <= 1
        names.add(top["text"])
    assert {"Mosul", "Qayyarah", "Baghdad", "Iraqi"} <= names
    assert [t["adjectival"] for t in first["toponyms"] if t["text"] == "Iraqi"] == [True]
    assert records[1]["toponyms"] == []


def test_ids_and_dates_as_other_tools_write_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A numeric id is kept as text, a missing one is the line's; an id that is an object
    is refused (not its Python repr); a date in another common form is read with a warning,
    one that cannot be read (or could be two days) costs the document its date, with a
    warning, never its places."""
    docs = [
        json.dumps({"id": 7, "text": "Shelling hit Kherson.", "published": "17 December 2022"}),
        json.dumps({"id": None, "text": "Fighting in Bakhmut.", "published": "Dec. 3, 2022"}),
        json.dumps({"id": {"a": 1}, "text": "Fighting in Bakhmut."}),
        json.dumps({"id": "d", "text": "Shelling hit Kherson.", "published": "12/11/2022"}),
        json.dumps({"id": "e", "text": "Shelling hit Kherson.", "published": "late 2022"}),
    ]
    records = _run(tmp_path, docs, capsys)
    assert [r["id"] for r in records] == ["7", "line-2", "line-3", "d", "e"]
    assert [t["text"] for t in records[0]["toponyms"]] == ["Kherson"]
    assert "'17 December 2022' read as 2022-12-17" in records[0]["warning"]
    assert "'Dec. 3, 2022' read as 2022-12-03" in records[1]["warning"]
    assert "error" not in records[0] and "error" not in records[1]
    assert [t["text"] for t in records[1]["toponyms"]] == ["Bakhmut"]
    assert "'id' must be a string or a number" in records[2]["error"]
    for record in records[3:]:
        assert "read as undated" in record["warning"] and "error" not in record
        assert [t["text"] for t in record["toponyms"]] == ["Kherson"]
    assert "read as 2022-12-17" in capsys.readouterr().err


def test_bad_lines_get_error_records_and_the_rest_go_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = [
        "{not json",
        json.dumps({"id": "x", "text": 42}),
        json.dumps([1, 2]),
        json.dumps({"id": "ok", "text": "Fighting in Tikrit."}),
    ]
    records = _run(tmp_path, docs, capsys)
    assert len(records) == 4
    assert "not valid JSON" in records[0]["error"] and records[0]["id"] == "line-1"
    assert records[1]["id"] == "x" and "'text' must be a string" in records[1]["error"]
    assert "JSON object" in records[2]["error"]
    assert [t["text"] for t in records[3]["toponyms"]] == ["Tikrit"]
    err = capsys.readouterr().err
    assert "line 1" in err and "x:" in err


def test_deeply_nested_lines_cost_only_themselves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line of 1,000 nested brackets overflows Python's JSON decoder: that line gets an
    error record, and a document with a deep field it does not read keeps its places."""
    deep = "[" * 1000 + "]" * 1000
    docs = [
        json.dumps({"id": "first", "text": "Fighting in Tikrit."}),
        deep,
        '{"id": "deep-field", "text": "x", "extra": ' + deep + "}",
        '{"id": "kept", "text": "Shelling hit Kherson.", "extra": '
        + "[" * 700
        + "]" * 700
        + ', "published": '
        + "[" * 700
        + "]" * 700
        + "}",
        json.dumps({"id": "last", "text": "Clashes near Kirkuk."}),
    ]
    records = _run(tmp_path, docs, capsys)
    assert [r["id"] for r in records] == ["first", "line-2", "line-3", "kept", "last"]
    assert [r.get("error") for r in records[1:3]] == ["line 2: JSON nested too deeply"] + [
        "line 3: JSON nested too deeply"
    ]
    assert [t["text"] for t in records[3]["toponyms"]] == ["Kherson"]
    assert "not a list: read as undated" in records[3]["warning"]
    assert [t["text"] for t in records[4]["toponyms"]] == ["Kirkuk"]
    assert "line 2: JSON nested too deeply" in capsys.readouterr().err


def test_stdin_stdout_and_text_files(tmp_path: Path) -> None:
    line = json.dumps({"id": "s", "text": "Clashes near Kirkuk."}) + "\n"
    proc = subprocess.run(
        [sys.executable, "-m", "geo.cli", "geoparse", "--input", "-", "--output", "-", "--quiet"],
        input=line,
        capture_output=True,
        text=True,
        check=True,
    )
    record = json.loads(proc.stdout)
    assert record["id"] == "s" and record["toponyms"][0]["text"] == "Kirkuk"


def test_folder_input_with_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Troops entered Ramadi.", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    (corpus / "cp1252.txt").write_bytes("Caf\xe9 talks in Baghdad.".encode("cp1252"))
    out = tmp_path / "out.jsonl"
    main(["geoparse", "--input", str(corpus), "--output", str(out), "--quiet"])
    records = {r["id"]: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert [t["text"] for t in records["good"]["toponyms"]] == ["Ramadi"]
    assert [t["text"] for t in records["cp1252"]["toponyms"]] == ["Baghdad"]
    assert "empty" in records["empty"]["error"].lower()
    assert "binary" in records["binary"]["error"].lower()
    err = capsys.readouterr().err
    assert "empty.txt" in err and "binary.txt" in err


def test_large_input_is_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.txt"
    big.write_text("Troops moved toward Mosul. " * 800_000, encoding="utf-8")  # ~21 MB
    out = tmp_path / "out.jsonl"
    main(["geoparse", "--input", str(big), "--output", str(out), "--quiet"])
    record = json.loads(out.read_text("utf-8"))
    assert "limit" in record["error"].lower() or "too large" in record["error"].lower()


def test_serve_starts_the_app_with_its_modules_imported(tmp_path: Path) -> None:
    """`campaign-map serve` runs Streamlit through geo.app.server: the app's heavy modules are
    imported before the first visitor, and the app answers."""
    import os
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "corpus").mkdir()
    env = {
        **os.environ,
        "CAMPAIGN_MAP_CORPUS": str(tmp_path / "corpus"),
        "CAMPAIGN_MAP_DATA": str(tmp_path / "mapdata"),
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "geo.cli", "serve", "--headless", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                assert server.poll() is None, log.read_text(errors="replace")
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.3)
        output = log.read_text(errors="replace")
        assert f"Campaign Map: http://localhost:{port}/" in output
        assert "Campaign Map: app modules imported in" in output, output
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)


def test_the_server_preloads_nothing_that_imports_streamlit() -> None:
    """Streamlit would read its configuration before the command line's options (such as
    --server.enableStaticServing, which the map needs) and ignore them."""
    code = (
        "import importlib, sys; from geo.app.server import PRELOAD; "
        "[importlib.import_module(m) for m in PRELOAD]; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


# -- export and snapshot: arguments refused in one line ---------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["snapshot", "--size", "1920"], "size must be WIDTHxHEIGHT in pixels"),
        (["snapshot", "--size", "100000x50"], "out of range"),
        (["snapshot", "--start", "2015-13-01"], "--start must be a date as YYYY-MM-DD"),
        (["export", "--end", "March 2015"], "--end must be a date as YYYY-MM-DD"),
        (["snapshot", "--start", "2015-06-01", "--end", "2015-05-01"], "is before --start"),
        (["snapshot"], "no events in"),
    ],
)
def test_export_and_snapshot_refuse_bad_arguments_in_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main([*args, "--out", str(out), "--data", str(tmp_path / "no-data")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert err.startswith(f"campaign-map {args[0]}: ")
    assert not out.exists()


@pytest.mark.parametrize("command", ["export", "snapshot"])
def test_an_output_folder_that_does_not_exist_is_named(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "missing" / "dir" / "map.out"
    assert main([command, "--out", str(out), "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"campaign-map {command}: --out {out}: no folder {out.parent}\n"


def test_snapshot_says_when_the_browser_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.map import snapshot

    monkeypatch.setattr(snapshot, "CHROMIUM", tmp_path / "chromium")
    assert main(["snapshot", "--out", str(tmp_path / "map.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "chromium is missing" in err and "make setup" in err, err


def test_sizes_are_read_as_people_write_them() -> None:
    from geo.map.snapshot import auto_scale, parse_size

    assert parse_size("1920x1080") == (1920, 1080)
    assert parse_size(" 3840 X 2160 ") == (3840, 2160)
    for bad in ("1920", "1920x", "x1080", "-1920x1080", "1920x1080x2", "200x100"):
        with pytest.raises(ValueError):
            parse_size(bad)
    # A 4K picture is the 1080p page drawn at twice the pixels, not type half the size.
    assert [auto_scale(s) for s in ((1400, 900), (1920, 1080), (3840, 2160), (3841, 2160))] == [
        1,
        1,
        2,
        1,
    ]


# -- export and snapshot: filters that name nothing --------------------------------------


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Map data of two articles written for these tests: a capture in Tikrīt (so spelled),
    a shelling of Kirkuk."""
    from geo.corpus.build import build

    base = tmp_path_factory.mktemp("tiny")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Troops take the town\n\nJune 12, 2016\n\n"
        "Iraqi troops captured Tikr\u012bt on Thursday after a week of fighting, officials said.\n",
        encoding="utf-8",
    )
    (corpus / "b.txt").write_text(
        "Shelling in the north\n\nJuly 3, 2016\n\nISIS fighters shelled Kirkuk on Sunday.\n",
        encoding="utf-8",
    )
    build(corpus, base / "data", processes=1, progress=False)
    return base / "data"


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("export", ["--types", "offence"], "--types 'offence': not one of airstrike, capture,"),
        ("snapshot", ["--types", "offence"], "--types 'offence': not one of airstrike, capture,"),
        ("export", ["--actors", "Nobody"], "--actors 'Nobody': not one of "),
        ("export", ["--sources", "Nowhere News"], "--sources 'Nowhere News': not one of"),
        ("export", ["--articles", "zz"], "--articles 'zz': not one of a, b"),
        ("export", ["--place", "Atlantis"], "--place 'Atlantis' matches no place in "),
        ("export", ["--place", "Tikrit", "--types", "airstrike"], "passes these filters"),
        ("snapshot", ["--start", "2030-01-01"], "no event of the 2 in "),
    ],
)
def test_filters_that_name_nothing_are_refused_in_one_line(
    command: str,
    args: list[str],
    message: str,
    tiny_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An unknown type or actor, a place that matches nothing, filters that leave no event:
    one line naming the problem (and the choices), exit 2, no file written."""
    from geo.pipeline.actions import EVENT_TYPES

    out = tmp_path / "map.out"
    assert main([command, "--data", str(tiny_data), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"campaign-map {command}: ") and err.count("\n") == 1, err
    assert message in err, err
    if "--types" in message:
        assert all(name in err for name in EVENT_TYPES)
    if "--actors" in message:
        assert "Iraqi security forces" in err and "ISIS" in err
    assert not out.exists()


def test_filters_are_read_as_people_type_them(
    tiny_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--place Tikrit finds Tikr\u012bt (the app's spelling-insensitive place search); a type
    or an actor in other capitals is still that type or actor."""
    out = tmp_path / "map.html"
    argv = ["export", "--data", str(tiny_data), "--out", str(out)]
    assert main([*argv, "--place", "Tikrit", "--types", "CAPTURE", "--actors", "isis"]) == 2
    assert "passes these filters" in capsys.readouterr().err  # Tikrīt's actor is not ISIS
    assert main([*argv, "--place", "tikrit", "--types", "Capture"]) == 0
    assert "1 events" in capsys.readouterr().out and out.exists()


# -- the help ----------------------------------------------------------------------------

SUBCOMMAND_NAMES = [
    "geoparse",
    "evaluate",
    "build",
    "serve",
    "export",
    "snapshot",
    "gazetteer",
    "correct",
]


def _helps(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The top-level help ("") and each subcommand's, unwrapped (a wide terminal)."""
    import argparse

    from geo.cli import build_parser

    monkeypatch.setenv("COLUMNS", "1000")
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {"": parser.format_help()} | {n: p.format_help() for n, p in sub.choices.items()}


def test_help_lists_every_subcommand_with_a_line_and_an_example(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    helps = _helps(monkeypatch)
    assert sorted(helps) == sorted(["", *SUBCOMMAND_NAMES])
    top = helps[""].splitlines()
    for name in SUBCOMMAND_NAMES:
        described = [line for line in top if re.match(rf"  {name} +\w", line)]
        assert len(described) == 1, (name, helps[""])
        assert any(line.strip().startswith(f"campaign-map {name} ") for line in top), name
        assert f"example:\n  campaign-map {name} " in helps[name], helps[name]


def test_help_is_plain_text_with_defaults_and_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.pipeline.actions import EVENT_TYPES, load_actors

    helps = _helps(monkeypatch)
    for name, text in helps.items():
        assert "`" not in text, (name, text)
    expected_defaults = {
        "build": ["url) (default: seeds)", "output folder (default: mapdata)"],
        "export": [
            "(default: campaign.html, or campaign.<format>)",
            "(default: mapdata)",
            "(default: Campaign Map)",
        ],
        "snapshot": ["(default: campaign.png)", "(default: 1920x1080)", "(default: light)"],
        "serve": ["(default: 8501)", "(default: $CAMPAIGN_MAP_DATA"],
        "geoparse": ["stdout (default: -)"],
    }
    for name, defaults in expected_defaults.items():
        for default in defaults:
            assert default in helps[name], (name, default, helps[name])
    for name in ("export", "snapshot"):
        types = next(
            line for line in helps[name].splitlines() if line.strip().startswith("--types")
        )
        assert all(kind in types for kind in EVENT_TYPES), types
        actors = next(
            line for line in helps[name].splitlines() if line.strip().startswith("--actors")
        )
        assert all(actor.name in actors for actor in load_actors()), actors
    briefing = next(
        line for line in helps["serve"].splitlines() if line.strip().startswith("--briefing")
    )
    assert "open" in briefing and "print" not in briefing, briefing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["geoparse", "--input", "{tmp}/none.jsonl"],
            "--input {tmp}/none.jsonl: no such file or folder",
        ),
        (
            ["geoparse", "--input", "-", "--output", "{tmp}/no/dir/out.jsonl"],
            "--output {tmp}/no/dir/out.jsonl: no folder {tmp}/no/dir",
        ),
        (["evaluate", "{tmp}/gold.jsonl"], "{tmp}/gold.jsonl: no such file"),
        (
            ["evaluate", "{tmp}/there.jsonl", "--predictions", "{tmp}/no-dir"],
            "--predictions {tmp}/no-dir: no such folder",
        ),
        (
            ["evaluate", "{tmp}/there.jsonl", "--judged", "{tmp}/judged.jsonl"],
            "--judged {tmp}/judged.jsonl: no such file",
        ),
    ],
)
def test_missing_files_and_folders_are_said_before_any_work(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "there.jsonl").write_text("", encoding="utf-8")
    argv = [arg.format(tmp=tmp_path) for arg in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"campaign-map {args[0]}: {message.format(tmp=tmp_path)}\n"
