"""`campaign-map serve`: where the app's data comes from, a port that is taken, and stopping.

The app never outlives the command: SIGTERM, SIGINT and SIGHUP to `campaign-map serve` reach
its Streamlit child, and the port is free again once the command has exited.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.app import server as app_server
from geo.cli import main

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc, POSIX signals")


@pytest.fixture()
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting Streamlit fails the test: the command must have stopped before."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"the app was started: {args}")

    monkeypatch.setattr(subprocess, "Popen", refuse)


@pytest.fixture()
def taken_port() -> Iterator[int]:
    """A port something listens on (on loopback only: Streamlit's all-interfaces bind would
    still fail)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_port_in_use_is_said_in_one_line_before_anything_else(
    taken_port: int, no_server: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--headless", "--port", str(taken_port)]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # no address of an app that will not be there
    found = re.fullmatch(
        rf"campaign-map serve: port {taken_port} is in use; try --port (\d+)\n", err
    )
    assert found, err
    suggested = int(found.group(1))
    assert suggested > taken_port and not app_server.port_in_use(suggested)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "no-such-data"], "--data no-such-data: no such folder"),
        (["--corpus", "no-such-corpus"], "--corpus no-such-corpus: no such folder"),
        (["--port", "70000"], "--port 70000: a port is a number from 1 to 65535"),
        # The app would rebuild that data from seeds/: data built elsewhere replaced.
        (["--data", "."], "--data . needs --corpus, the folder it was built from"),
    ],
)
def test_unusable_options_are_refused_in_one_line(
    args: list[str],
    message: str,
    no_server: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAMPAIGN_MAP_CORPUS", raising=False)
    assert main(["serve", "--headless", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"campaign-map serve: {message}\n"


class FakeServer:
    """Stands in for the Streamlit child: records how it was started, exits at once."""

    started: list[FakeServer] = []

    def __init__(self, line: list[str], env: dict[str, str], cwd: Path, **options: Any) -> None:
        self.line, self.env, self.cwd, self.options = line, env, cwd, options
        self.returncode = 0
        FakeServer.started.append(self)

    def poll(self) -> int:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        return self.returncode


def test_serve_points_the_app_at_data_built_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--data and --corpus reach the app as absolute paths: it runs from the project folder,
    not from where the command was typed."""
    (tmp_path / "built").mkdir()
    (tmp_path / "articles").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAMPAIGN_MAP_DATA", "elsewhere")
    monkeypatch.setattr(subprocess, "Popen", FakeServer)
    FakeServer.started = []
    port = app_server.free_port()
    argv = ["serve", "--headless", "--port", str(port), "--data", "built", "--corpus", "articles"]
    assert main([*argv, "--briefing"]) == 0
    (server,) = FakeServer.started
    assert server.env["CAMPAIGN_MAP_DATA"] == str(tmp_path / "built")
    assert server.env["CAMPAIGN_MAP_CORPUS"] == str(tmp_path / "articles")
    assert server.env["CAMPAIGN_MAP_VIEW"] == "briefing"
    assert str(port) in server.line and Path(server.cwd) != tmp_path
    assert capsys.readouterr().out == f"Campaign Map: http://localhost:{port}/?view=briefing\n"


def test_serve_takes_an_archive_as_its_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "built").mkdir()
    (tmp_path / "feed.jsonl").write_text('{"id": 1, "text": "Fighting in Gulu."}\n', "utf-8")
    (tmp_path / "notes.csv").write_text("id,text\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(subprocess, "Popen", FakeServer)
    FakeServer.started = []
    port = app_server.free_port()
    argv = ["serve", "--headless", "--port", str(port), "--data", "built"]
    assert main([*argv, "--corpus", "feed.jsonl"]) == 0
    (server,) = FakeServer.started
    assert server.env["CAMPAIGN_MAP_CORPUS"] == str(tmp_path / "feed.jsonl")
    capsys.readouterr()
    # A file that is no archive is still no corpus.
    assert main([*argv, "--corpus", "notes.csv"]) == 2
    assert capsys.readouterr().err == "campaign-map serve: --corpus notes.csv: no such folder\n"


def _child(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _when_exists(path: Path) -> None:
    deadline = time.monotonic() + 20
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_stop_signal_is_passed_on_to_the_child(tmp_path: Path) -> None:
    """SIGTERM to this process while the child runs: the child gets it and the exit status
    is the child's (143, ended by SIGTERM); a child that ignores it is killed after the
    grace period (137)."""
    started = time.monotonic()
    code = app_server.serve_until_stopped(
        _child("import time; time.sleep(60)"),
        env=os.environ,
        cwd=tmp_path,
        then=lambda server: os.kill(os.getpid(), signal.SIGTERM),
    )
    assert code == 128 + signal.SIGTERM and time.monotonic() - started < 10

    ready = tmp_path / "ignoring"
    stubborn = (
        "import pathlib, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"pathlib.Path({str(ready)!r}).touch(); time.sleep(60)"
    )

    def stop_when_ready(server: subprocess.Popen) -> None:
        _when_exists(ready)
        os.kill(os.getpid(), signal.SIGTERM)

    started = time.monotonic()
    code = app_server.serve_until_stopped(
        _child(stubborn), env=os.environ, cwd=tmp_path, then=stop_when_ready, grace=0.5
    )
    assert code == 128 + signal.SIGKILL and time.monotonic() - started < 10
    # This process's own handlers are back.
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_serve_stops_the_app_and_frees_the_port(
    stop: signal.Signals, tmp_path: Path
) -> None:
    """The real app: once it answers, `stop` goes to `campaign-map serve` alone (as `kill`
    sends it); the command exits, the Streamlit child is gone and the port is free."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "mapdata").mkdir()
    port = app_server.free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "CAMPAIGN_MAP_CORPUS": str(tmp_path / "corpus"),
        "CAMPAIGN_MAP_DATA": str(tmp_path / "mapdata"),
    }
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "geo.cli", "serve", "--headless", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the test's own clean-up reaches it whatever happens
        )
    children: list[int] = []
    try:
        assert app_server.wait_until_up(f"http://127.0.0.1:{port}", serve, 60), log.read_text()
        children = _children(serve.pid)
        assert children, "serve should run the app as its child"

        stopped = time.monotonic()
        serve.send_signal(stop)
        serve.wait(timeout=15)
        assert time.monotonic() - stopped < 15
        assert not any(_alive(pid) for pid in children), log.read_text()
        assert not app_server.port_in_use(port)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
    finally:
        for pid in [serve.pid, *children]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        serve.wait(timeout=10)


def test_the_child_never_outlives_a_failing_command(tmp_path: Path) -> None:
    """Something failing in this process while the child runs (the browser cannot be
    opened, say): the child is stopped before the error goes on."""
    seen: list[subprocess.Popen] = []

    def fail(server: subprocess.Popen) -> None:
        seen.append(server)
        raise RuntimeError("no browser")

    with pytest.raises(RuntimeError, match="no browser"):
        app_server.serve_until_stopped(
            _child("import time; time.sleep(60)"), env=os.environ, cwd=tmp_path, then=fail
        )
    (server,) = seen
    assert server.poll() is not None
