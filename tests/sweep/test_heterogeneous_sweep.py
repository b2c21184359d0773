"""TOML sweeps over heterogeneous (per-worker) problems (docs/theory.md §7, claim H3)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from verify import sweep
from verify.sweep import SpecError, expand
from verify.sweep.store import Store

M, F, T = 10, 2, 50

TWO_POINT = f"""
aggregator = "cwtm"
attack = "anti_sign"
estimator = "gd"
m = {M}
f = {F}
T = {T}
lr = 1.0

[problem]
name = "heterogeneous_quadratic"
kind = "two_point"
m = {M}
f = {F}
B2 = [0.0, 1.0]
x0 = 1.0
"""


def _results(out: Path) -> dict[float, dict[str, np.ndarray]]:
    store = Store(out)
    try:
        return {cfg["problem"]["B2"]: res for _, cfg, res in store.runs()}
    finally:
        store.close()


def test_two_point_sweep_follows_h3(tmp_path: Path) -> None:
    spec = tmp_path / "h3.toml"
    spec.write_text(TWO_POINT)
    summary = sweep.run(spec, tmp_path / "out")
    assert (summary.total, summary.ran) == (2, 2)
    res = _results(tmp_path / "out")
    assert sorted(res) == [0.0, 1.0]
    # B² = 0: every honest curvature is 1, so one step of size 1 lands on x* = 0
    assert float(np.max(np.abs(res[0.0]["x_final"]))) <= 1e-8
    # B² = 1: CWTM under anti_sign returns c·x with c = 1 − sqrt(B²·f/(m − 2f)) (H3), so
    # x_T = (1 − c)^(T − 1)·x_1 with x_1 = 1
    c = 1.0 - math.sqrt(1.0 * F / (M - 2 * F))
    want = (1.0 - c) ** (T - 1)
    got = res[1.0]["x_final"]
    assert got.shape == (1, 1)
    assert float(got[0, 0]) == pytest.approx(want, rel=1e-12)
    assert float(got[0, 0]) > 1e3 * float(np.max(np.abs(res[0.0]["x_final"])))
    last = int(np.flatnonzero(res[1.0]["steps"] == T)[0])
    assert float(res[1.0]["metric.dist"][0, last]) == pytest.approx(want**2, rel=1e-12)
    # the loaded frame carries the problem keywords as columns
    df = sweep.load(tmp_path / "out")
    assert set(df["problem.B2"]) == {0.0, 1.0}
    assert set(df["problem"]) == {"heterogeneous_quadratic"}


def test_wrong_worker_count_is_rejected_before_any_run(tmp_path: Path) -> None:
    # two_point with m = 16, f = 4 has h = 12 objectives; the grid's second point has
    # m - f = 13 honest workers: the whole sweep is refused before its first run
    spec = tmp_path / "bad.toml"
    spec.write_text(
        TWO_POINT.replace(f"m = {M}\nf = {F}\nT", "m = [16, 17]\nf = 4\nT")
        .replace(f'kind = "two_point"\nm = {M}\nf = {F}', 'kind = "two_point"\nm = 16\nf = 4')
        .replace("B2 = [0.0, 1.0]", "B2 = 1.0")
    )
    assert "m = [16, 17]" in spec.read_text() and "m = 16\nf = 4\nB2" in spec.read_text()
    out = tmp_path / "out"
    with pytest.raises(SpecError) as info:
        sweep.run(spec, out)
    assert str(info.value) == (
        "m - f must equal problem.h = 12 for a heterogeneous problem; got m = 17, f = 4"
    )
    assert not (out / "results.sqlite").exists()  # nothing ran, nothing stored


def test_the_exact_message() -> None:
    base = {
        "problem": {"name": "heterogeneous_quadratic", "kind": "random", "h": 12, "dim": 2},
        "aggregator": "cwtm",
        "attack": "anti_sign",
        "estimator": "gd",
        "m": 16,
        "f": 4,
        "T": 5,
        "lr": 0.5,
    }
    assert len(expand(base)) == 1
    with pytest.raises(
        SpecError,
        match=(
            r"^m - f must equal problem\.h = 12 for a heterogeneous problem; "
            r"got m = 17, f = 4$"
        ),
    ):
        expand(dict(base, m=[16, 17]))


def test_byzantine_data_own_needs_matching_byzantine_objectives() -> None:
    h1 = {"name": "heterogeneous_quadratic", "kind": "h1", "m": 7, "f": 2, "a": 1.0}
    base = {
        "aggregator": "cwtm",
        "estimator": "gd",
        "m": 7,
        "f": 2,
        "T": 5,
        "lr": 0.5,
        "byzantine_data": "own",
    }
    runs = expand(dict(base, problem=dict(h1, scenario=1)))
    assert runs[0]["byzantine_data"] == "own"
    with pytest.raises(SpecError, match=r'^byzantine_data = "own" needs a problem whose'):
        expand(dict(base, problem=dict(h1, scenario=2)))
    with pytest.raises(SpecError, match=r'^byzantine_data = "own" needs'):
        expand(dict(base, problem={"name": "quadratic", "dim": 2}, m=9))
    with pytest.raises(SpecError, match=r'^byzantine_data = "sign_flip" needs identical'):
        expand(dict(base, problem=dict(h1, scenario=2), byzantine_data="sign_flip"))


def test_logistic_split_point_runs(tmp_path: Path) -> None:
    spec = {
        "problem": {"name": "logistic_split", "n_samples": 200, "dim": 3, "h": 7, "alpha": 0.5},
        "aggregator": "cwtm",
        "attack": "alie",
        "estimator": ["gd", "sgd"],
        "m": 9,
        "f": 2,
        "T": 10,
        "lr": 0.5,
    }
    summary = sweep.run(spec, tmp_path)
    assert summary.ran == 2
    df = sweep.load(tmp_path)
    assert set(df["problem"]) == {"logistic_split"} and set(df["estimator"]) == {"gd", "sgd"}
    assert np.all(np.isfinite(df["value"])) and not df["diverged"].any()
    with pytest.raises(SpecError, match=r"^m - f must equal problem\.h = 7 .*got m = 10, f = 2$"):
        expand(dict(spec, m=10))
