"""Helpers shared by the claim modules: κ lookup, the theory on a grid, validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sco import aggregators as A

from .. import bounds as B

PROBLEM_MEMBERS = ("dim", "x0", "x_star", "f_star", "L", "D", "sigma2", "sigma_L2", "sigma_tilde2")


def spec_of(obj: Any) -> str:
    """A readable name of an aggregator/attack/estimator given as a string or an object."""
    if isinstance(obj, str) or obj is None:
        return str(obj)
    return str(getattr(obj, "spec", getattr(obj, "__name__", type(obj).__name__)))


def kappa(claim: str, aggregator: Any, m: int, f: int) -> float:
    """The declared (f, κ) constant of ``aggregator`` at (m, f), or a one-line ValueError."""
    agg = A.resolve(aggregator)
    k = agg.kappa(m, f)
    if k is None:
        raise ValueError(
            f"{claim} needs an aggregator that declares κ at m={m}, f={f}; "
            f"{agg.spec!r} declares none"
        )
    return float(k)


def constants(problem: Any) -> dict[str, float]:
    """The problem constants the bounds need (L, D, σ², σ_L²)."""
    return B.problem_constants(problem)


def check_problem(claim: str, problem: Any) -> None:
    """A one-line ValueError unless ``problem`` has the members a claim uses."""
    missing = [name for name in PROBLEM_MEMBERS if not hasattr(problem, name)]
    if missing:
        raise ValueError(
            f"{claim}: problem must be an sco.Problem (see problems.*); missing {missing}"
        )


def check_workers(claim: str, kw: Mapping[str, Any], *, attack_needed: bool = True) -> None:
    """m, f, aggregator, attack and estimator must make a valid simulation, checked before any
    computation (the spec strings are parsed here)."""
    from sco import attacks, estimators

    m, f = kw["m"], kw["f"]
    for name, v, low in (("m", m, 1), ("f", f, 0)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"{claim}: {name} must be an integer >= {low}; got {v!r}")
    if f >= m:
        raise ValueError(f"{claim}: f must satisfy 0 <= f < m = {m}; got f = {f}")
    agg = A.resolve(kw["aggregator"])
    if m < agg.min_workers(f):
        raise ValueError(
            f"{claim}: aggregator {agg.spec} needs m >= {agg.min_workers(f)} for f = {f}; "
            f"got m = {m}"
        )
    if isinstance(kw.get("attack"), str):
        attacks.make(kw["attack"])
    if attack_needed and f > 0 and kw.get("attack") is None:
        raise ValueError(f"{claim}: attack must be given when f > 0")
    if isinstance(kw.get("estimator"), str):
        estimators.make(kw["estimator"])
    seeds = kw.get("seeds")
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 2):
        raise ValueError(f"{claim}: seeds must be an integer >= 2; got {seeds!r}")


def grid(name: str, values: Any, *, low: float = 0.0, integer: bool = False) -> np.ndarray:
    """A validated, strictly increasing 1-D grid (one-line ValueError otherwise)."""
    arr = np.asarray(values, dtype=np.float64)
    ok = bool(arr.ndim == 1 and arr.size >= 1 and np.all(np.isfinite(arr)) and np.all(arr > low))
    ok = ok and bool(np.all(np.diff(arr) > 0))
    if integer:
        ok = ok and bool(np.all(arr == np.round(arr)))
    if not ok:
        kind = "integers" if integer else "numbers"
        raise ValueError(f"{name} must be a strictly increasing list of {kind} > {low}")
    return arr
