"""The results store: resume, kill-and-resume with SIGKILL, corruption, executor equivalence."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from verify import sweep
from verify.sweep import StoreError

SPEC = {
    "problem": {"name": "quadratic", "dim": 4, "rng": 1},
    "aggregator": ["cwtm", "ctma(cwtm)"],
    "attack": "alie",
    "estimator": ["mu2sgd", "sgd"],
    "m": 9,
    "f": 2,
    "T": 60,
    "lr": 0.05,
    "seeds": 3,
    "rng": 5,
}


def frame(path: Path) -> pd.DataFrame:
    df = sweep.load(path)
    return df.sort_values(["run", "metric", "seed", "step"]).reset_index(drop=True)


def test_rerun_skips_finished_runs(tmp_path: Path) -> None:
    first = sweep.run(SPEC, tmp_path)
    again = sweep.run(SPEC, tmp_path)
    assert (first.ran, first.skipped) == (4, 0) and (again.ran, again.skipped) == (0, 4)
    df = frame(tmp_path)
    assert df["run"].nunique() == 4
    assert set(df["metric"]) == {"subopt", "agg_err", "est_err", "honest_spread", "dist"}
    assert len(df) == 4 * 5 * 3 * df["step"].nunique()


def test_executors_and_worker_counts_give_bit_identical_results(tmp_path: Path) -> None:
    sweep.run(SPEC, tmp_path / "one")
    sweep.run(SPEC, tmp_path / "two", workers=2)
    sweep.run(SPEC, tmp_path / "dask", executor="dask", workers=2)  # a real LocalCluster
    a, b, c = frame(tmp_path / "one"), frame(tmp_path / "two"), frame(tmp_path / "dask")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(a, c, check_exact=True)


def test_sigkill_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    spec = dict(SPEC, T=400, seeds=[1, 2, 3, 4])  # 16 runs, each a fraction of a second
    spec_file = tmp_path / "spec.toml"
    spec_file.write_text(_toml(spec))
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "verify.cli", "sweep", str(spec_file), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = out / "results.sqlite"
    deadline = time.time() + 120
    while time.time() < deadline:
        if db.exists() and _count(db) >= 3:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = _count(db)
    assert 3 <= done_before < 16  # killed mid-sweep
    resumed = sweep.run(spec_file, out)
    assert resumed.skipped == done_before and resumed.ran == 16 - done_before
    reference = tmp_path / "clean"
    sweep.run(spec_file, reference)
    pd.testing.assert_frame_equal(frame(out), frame(reference), check_exact=True)
    keys = [r[0] for r in sqlite3.connect(db).execute("SELECT key FROM runs")]
    assert len(keys) == len(set(keys)) == 16


def test_damaged_blob_is_detected(tmp_path: Path) -> None:
    sweep.run(dict(SPEC, aggregator="cwtm", estimator="sgd"), tmp_path)
    db = sqlite3.connect(tmp_path / "results.sqlite")
    blob = bytearray(db.execute("SELECT blob FROM runs").fetchone()[0])
    blob[len(blob) // 2] ^= 0xFF
    with db:
        db.execute("UPDATE runs SET blob = ?", (bytes(blob),))
    db.close()
    with pytest.raises(StoreError, match="corrupted"):
        sweep.load(tmp_path)


def test_garbage_file_and_wrong_schema_are_reported(tmp_path: Path) -> None:
    (tmp_path / "results.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="damaged or not a store"):
        sweep.load(tmp_path)
    other = tmp_path / "other"
    sweep.run(dict(SPEC, aggregator="cwtm", estimator="sgd"), other)
    db = sqlite3.connect(other / "results.sqlite")
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    db.close()
    with pytest.raises(StoreError, match="schema 99"):
        sweep.run(SPEC, other)
    with pytest.raises(StoreError, match="no results store"):
        sweep.load(tmp_path / "nowhere")


def _count(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
        try:
            return int(con.execute("SELECT count(*) FROM runs").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _toml(spec: dict) -> str:  # type: ignore[type-arg]
    def val(v: object) -> str:
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + " }"
        return repr(v)

    return "".join(f"{k} = {val(v)}\n" for k, v in spec.items())


def test_loaded_values_match_a_direct_simulation(tmp_path: Path) -> None:
    import problems
    import sco

    sweep.run(dict(SPEC, aggregator="cwtm", estimator="sgd"), tmp_path)
    df = sweep.load(tmp_path)
    p = problems.make("quadratic", dim=4, rng=1)
    tr = sco.simulate(
        p,
        aggregator="cwtm",
        attack="alie",
        estimator="sgd",
        m=9,
        f=2,
        T=60,
        lr=0.05,
        seeds=3,
        rng=5,
    )
    sub = df[df["metric"] == "subopt"].sort_values(["seed", "step"])
    np.testing.assert_array_equal(sub["value"].to_numpy(), tr["subopt"].ravel())


def test_existing_dask_scheduler_address(tmp_path: Path) -> None:
    """--scheduler ADDR: connect to a cluster that was started elsewhere (here, in this test)."""
    from dask.distributed import LocalCluster

    spec = dict(SPEC, aggregator="cwtm")
    sweep.run(spec, tmp_path / "local")
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cl:
        summary = sweep.run(
            spec, tmp_path / "remote", executor="dask", scheduler=cl.scheduler_address
        )
    assert summary.ran == 2
    pd.testing.assert_frame_equal(
        frame(tmp_path / "local"), frame(tmp_path / "remote"), check_exact=True
    )
