"""The `campaign-map geoparse` contract: JSON Lines in, one JSON line out per document."""

from __future__ import annotations

import json
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
    is refused (not its Python repr); a date written otherwise costs the document its date,
    with a warning, never its places."""
    docs = [
        json.dumps({"id": 7, "text": "Shelling hit Kherson.", "published": "17 December 2022"}),
        json.dumps({"id": None, "text": "Fighting in Bakhmut."}),
        json.dumps({"id": {"a": 1}, "text": "Fighting in Bakhmut."}),
    ]
    records = _run(tmp_path, docs, capsys)
    assert [r["id"] for r in records] == ["7", "line-2", "line-3"]
    assert [t["text"] for t in records[0]["toponyms"]] == ["Kherson"]
    assert "read as undated" in records[0]["warning"] and "error" not in records[0]
    assert [t["text"] for t in records[1]["toponyms"]] == ["Bakhmut"]
    assert "'id' must be a string or a number" in records[2]["error"]
    assert "read as undated" in capsys.readouterr().err


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
