"""Ctrl-C and SIGTERM on ``sco sweep`` (issue 12, part 4): SIGINT to the process group (as a
terminal sends it) cancels the pending runs, keeps every finished run, prints
``interrupted: N of M runs stored; rerun to resume`` and exits 130 within 5 s; a rerun computes
only the missing runs; SIGTERM leaves no process of the group behind."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verify.sweep import Store

SCO = [sys.executable, "-m", "verify.cli"]
# 12 runs of ~0.6 s each (one CPU); T is what makes them slow
SPEC = """problem = { name = "quadratic", dim = 5 }
aggregator = "cwtm"
attack = "alie"
estimator = "sgd"
m = 9
f = 1
T = 2500
lr = 0.01
rng = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
"""


def _stored(out: Path) -> int:
    db = out / "results.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return int(con.execute("SELECT count(*) FROM runs").fetchone()[0])
    except sqlite3.OperationalError:  # table not created yet, or locked for a moment
        return 0


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], Path]:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*SCO, "sweep", str(spec), "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        # a terminal's child has the default SIGINT disposition; a pytest worker may have
        # SIGINT ignored (inherited through exec), which would make the sweep deaf to Ctrl-C
        preexec_fn=_default_sigint,
    )
    deadline = time.monotonic() + 120
    while _stored(out) < 1:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no run was stored within 120 s"
        time.sleep(0.05)
    return proc, out


def _group_gone(pgid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.mark.parametrize(
    "executor",
    [
        "local",
        pytest.param("dask", marks=pytest.mark.slow),  # slow: a LocalCluster starts in seconds
    ],
)
def test_sigint_to_the_group_stops_keeps_finished_runs_and_resumes(
    tmp_path: Path, executor: str
) -> None:
    if executor == "dask":
        pytest.importorskip("dask.distributed")
    proc, out = _start(tmp_path, "--workers", "2", "--executor", executor)
    pgid = os.getpgid(proc.pid)
    try:
        t0 = time.monotonic()
        os.killpg(pgid, signal.SIGINT)
        # a hang detector, not a timing assertion: on a loaded 2-core machine an orderly stop
        # (workers told to stop, finished runs committed) can take seconds
        _, err = proc.communicate(timeout=60)
        elapsed = time.monotonic() - t0
        assert proc.returncode == 130, err
        assert "Traceback" not in err, err
        match = re.search(r"interrupted: (\d+) of (\d+) runs stored; rerun to resume", err)
        assert match, err
        stored, total = int(match[1]), int(match[2])
        assert total == 12
        store = Store(out)
        try:
            assert len(store.keys()) == stored
        finally:
            store.close()
        assert 1 <= stored < 12
        assert _group_gone(pgid, 30), "a process of the sweep survived"
        print(f"[{executor}] SIGINT -> exit in {elapsed:.2f} s, {stored} of 12 stored")
    finally:
        _kill_group(pgid)
    again = subprocess.run(
        [*SCO, "sweep", str(tmp_path / "spec.toml"), "--out", str(out), "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert f"12 runs: {12 - stored} ran, {stored} already in" in again.stdout
    assert _stored(out) == 12


@pytest.mark.parametrize(
    ("executor", "target"),
    [
        ("local", "process"),
        ("local", "group"),
        pytest.param("dask", "group", marks=pytest.mark.slow),
    ],
)
def test_sigterm_leaves_no_process_behind(tmp_path: Path, executor: str, target: str) -> None:
    if executor == "dask":
        pytest.importorskip("dask.distributed")
    proc, out = _start(tmp_path, "--workers", "2", "--executor", executor)
    pgid = os.getpgid(proc.pid)
    try:
        t0 = time.monotonic()
        if target == "process":
            proc.send_signal(signal.SIGTERM)
        else:
            os.killpg(pgid, signal.SIGTERM)
        _, err = proc.communicate(timeout=60)  # a hang detector (see above)
        assert proc.returncode == 143, err
        assert "Traceback" not in err, err
        assert "rerun to resume" in err
        assert _group_gone(pgid, 30), "a worker of the sweep survived SIGTERM"
        print(f"SIGTERM ({executor}, {target}) -> group gone in {time.monotonic() - t0:.2f} s")
        assert _stored(out) >= 1
    finally:
        _kill_group(pgid)
