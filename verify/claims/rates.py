"""Claims on estimators and convergence: E1 (Lemma E), E2 (Lemma A), R1–R3 (Theorem R),
S1 (learning-rate stability). Every experiment goes through ``sco.simulate`` and ``problems``.

Problem instances are chosen where the claims are meaningful (THEORY.md: the bounds are
worst-case): least squares with σ_L > 0 for the estimator lemmas, and a well-conditioned
quadratic with small noise for Theorem R, where the bound drops below the loss a broken
aggregator incurs, so that the negative controls can fail.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

import problems
import sco
from sco import aggregators as A

from .. import bounds as B
from ..checks import Verdict, check_ratio, check_slope, check_upper_bound
from ..stats import bootstrap_means, loglog_slope
from .registry import Claim, register

M, F = 17, 4
AGG, ATTACK = "ctma(cwtm)", "alie"
PARAMS: dict[str, dict[str, Any]] = {
    "smoke": {"seeds": 16, "T": 1000, "Ts": [250, 500, 1000], "T_fixed": 1000},
    "quick": {"seeds": 32, "T": 2000, "Ts": [250, 500, 1000, 2000], "T_fixed": 1000},
    "full": {"seeds": 64, "T": 10000, "Ts": [500, 1000, 2000, 4000, 8000], "T_fixed": 4000},
}


def ls_problem() -> problems.LeastSquares:
    """σ_L > 0; label noise s = 2 makes s²·tr Σ dominate the variance, so that memoryless SGD's
    error does not shrink as x_t approaches x* (E1's negative control is then a clean plateau)."""
    return problems.LeastSquares.random(4, cond=4.0, noise=2.0, rng=11)


def quad_problem() -> problems.Quadratic:
    """Low noise: Theorem R's bound falls below the loss a broken aggregator incurs on K."""
    return problems.Quadratic.random(10, cond=4.0, sigma=0.3, rng=12)


def noisy_quad_problem() -> problems.Quadratic:
    """S1 needs the noise term of Theorem R to dominate: the stable range
    [D/(S·T^{3/2}), 1/(8LT)] of THEORY.md §4 is empty when S is small."""
    return problems.Quadratic.random(10, cond=4.0, sigma=3.0, rng=12)


def _late(trace: sco.Trace, name: str, start: int) -> tuple[np.ndarray, np.ndarray]:
    keep = trace.steps >= start
    return trace.steps[keep], trace[name][:, keep]


def _constants(p: Any, **extra: float) -> dict[str, float]:
    return dict(B.problem_constants(p), **extra)


# ------------------------------------------------------------------- E1, E2


@lru_cache(maxsize=16)
def _estimator_run(scale: str, estimator: str, lr_scale: float, attacked: bool) -> sco.Trace:
    p = ls_problem()
    P = PARAMS[scale]
    eta = lr_scale / (8 * p.L * P["T"])
    kw = (
        dict(aggregator=AGG, attack=ATTACK, m=M, f=F)
        if attacked
        else dict(aggregator="mean", attack=None, m=1, f=0)
    )
    lr = eta if "mu2" in estimator or "storm" in estimator else 0.05
    # 4× the seeds of the convergence claims: the slope CI must be narrower than 0.3 to count
    return sco.simulate(
        p,
        estimator=estimator,
        T=P["T"],
        lr=lr,
        seeds=4 * P["seeds"],
        rng=1,
        record=("est_err", "agg_err"),
        **kw,
    )


ETA_SCALES = (10**-2, 10**-0.5, 10**1)  # three step sizes spanning 1e3×


def e1(scale: str) -> Verdict:
    p = ls_problem()
    verdicts = []
    for s in ETA_SCALES:
        t, err = _late(_estimator_run(scale, "mu2sgd", s, False), "est_err", 20)
        bound = p.sigma_tilde2 / t
        verdicts.append(check_upper_bound("E1", err, bound, quantity="E‖d_t − ∇f(x_t)‖²"))
        verdicts.append(check_slope("E1", t, err, -1.0, 0.1, quantity="slope in t"))
    return _combine(
        "E1",
        verdicts,
        main=3,
        statement="Lemma E: μ²-SGD error ≤ σ̃²/t, slope −1, for η ∈ η*·{10⁻², 10^−½, 10}",
    )


def e1_negative(scale: str) -> Verdict:
    t, err = _late(_estimator_run(scale, "storm(beta=1)", 1.0, False), "est_err", 20)
    return check_slope(
        "E1",
        t,
        err,
        -1.0,
        0.1,
        quantity="slope in t",
        negative_control=True,
        statement="STORM with β_t = 1 (plain SGD messages)",
    )


def _lemma_a_bound(p: Any, t: np.ndarray) -> np.ndarray:
    kappa = A.make(AGG).kappa(M, F)
    assert kappa is not None
    return np.array(
        [B.get("lemma_a").evaluate(**_constants(p, kappa=kappa, m=M, f=F, t=float(x))) for x in t]
    )


def e2(scale: str) -> Verdict:
    p = ls_problem()
    t, err = _late(_estimator_run(scale, "mu2sgd", 1.0, True), "est_err", 20)
    v1 = check_upper_bound("E2", err, _lemma_a_bound(p, t), quantity="E‖d̂_t − ∇f(x_t)‖²")
    v2 = check_slope("E2", t, err, -1.0, 0.1, quantity="slope in t")
    return _combine(
        "E2",
        [v1, v2],
        main=1,
        statement="Lemma A under ALIE with CTMA(CWTM): error ≤ S²/t, slope −1",
    )


def e2_negative(scale: str) -> Verdict:
    t, err = _late(_estimator_run(scale, "momentum(beta=0.9)", 1.0, True), "est_err", 20)
    return check_slope(
        "E2",
        t,
        err,
        -1.0,
        0.1,
        quantity="slope in t",
        negative_control=True,
        statement="worker momentum (β = 0.9) under the same attack",
    )


# ------------------------------------------------------------------ R1, R2, R3


@lru_cache(maxsize=16)
def _horizon_runs(
    scale: str, aggregator: str, attack: str, estimator: str, tuned: bool
) -> np.ndarray:
    """Final suboptimality f(x_T) − f* per seed for each T of the grid: ``[S, len(Ts)]``."""
    p = quad_problem()
    P = PARAMS[scale]
    cols = []
    for T in P["Ts"]:
        lr = 1 / (8 * p.L * T) if tuned else 0.05
        tr = sco.simulate(
            p,
            aggregator=aggregator,
            attack=attack,
            estimator=estimator,
            m=M,
            f=F,
            T=T,
            lr=lr,
            seeds=P["seeds"],
            rng=2,
            record=("subopt",),
            checkpoints=[T],
        )
        cols.append(tr["subopt"][:, -1])
    return np.stack(cols, axis=1)


def _theorem_r(p: Any, T: float, f: int, aggregator: str = AGG) -> float:
    kappa = A.make(aggregator).kappa(M, f)
    assert kappa is not None
    return B.get("theorem_r_tuned").evaluate(**_constants(p, kappa=kappa, m=M, f=f, T=float(T)))


def r1(scale: str, negative: bool = False) -> Verdict:
    p = quad_problem()
    Ts = PARAMS[scale]["Ts"]
    if negative:
        vals = _horizon_runs(scale, "mean", "constant(value=10.0)", "mu2sgd", True)
    else:
        vals = _horizon_runs(scale, AGG, ATTACK, "mu2sgd", True)
    bound = np.array([_theorem_r(p, T, F) for T in Ts])
    return check_upper_bound(
        "R1",
        vals,
        bound,
        quantity="E[f(x_T) − f*]",
        negative_control=negative,
        statement="Theorem R at every T of the grid (η = 1/(8LT))",
        details={"T": Ts, "measured_over_bound": vals.mean(0) / bound},
    )


def r2(scale: str, negative: bool = False) -> Verdict:
    Ts = np.array(PARAMS[scale]["Ts"])
    if negative:
        vals = _horizon_runs(scale, AGG, ATTACK, "sgd", False)
    else:
        vals = _horizon_runs(scale, AGG, ATTACK, "mu2sgd", True)
    return check_slope(
        "R2",
        Ts,
        vals,
        -0.5,
        0.1,
        side="upper",
        quantity="slope in T",
        negative_control=negative,
        statement="suboptimality decays at least as fast as T^(−1/2) under attack",
        details={"T": Ts, "mean": vals.mean(0)},
    )


@lru_cache(maxsize=4)
def _delta_runs(scale: str, negative: bool) -> dict[int, np.ndarray]:
    p = quad_problem()
    P = PARAMS[scale]
    T = P["T_fixed"]
    out = {}
    for f in (0, 1, 2, 4, 6):
        agg, atk = ("mean", "constant(value=10.0)") if negative else (AGG, ATTACK)
        tr = sco.simulate(
            p,
            aggregator=agg,
            attack=atk if f else None,
            estimator="mu2sgd",
            m=M,
            f=f,
            T=T,
            lr=1 / (8 * p.L * T),
            seeds=P["seeds"],
            rng=3,
            record=("subopt",),
            checkpoints=[T],
        )
        out[f] = tr["subopt"][:, -1]
    return out


def r3(scale: str, negative: bool = False) -> Verdict:
    p = quad_problem()
    T = PARAMS[scale]["T_fixed"]
    runs = _delta_runs(scale, negative)
    fs = sorted(runs)
    vals = np.stack([runs[f] for f in fs], axis=1)
    bound = np.array([_theorem_r(p, T, f) for f in fs])
    delta = np.array(fs[1:]) / M
    exponent = loglog_slope(delta, vals[:, 1:].mean(0))  # information, not a verdict
    return check_upper_bound(
        "R3",
        vals,
        bound,
        quantity="E[f(x_T) − f*]",
        negative_control=negative,
        statement="Theorem R across δ ∈ {0, 1, 2, 4, 6}/17 at fixed T",
        details={
            "delta": [f / M for f in fs],
            "delta_exponent": exponent,
            "measured_over_bound": vals.mean(0) / bound,
        },
    )


# --------------------------------------------------------------------------- S1

ETA_GRID = (1 / 3, 1.0, 3.0, 10.0, 30.0)
ETA_GRID_NEGATIVE = (1 / 100, 1 / 30, 1 / 10, 1 / 3, 1.0)


@lru_cache(maxsize=16)
def _lr_runs(scale: str, estimator: str, grid: tuple[float, ...], base: float) -> np.ndarray:
    p = noisy_quad_problem()
    P = PARAMS[scale]
    T = P["T_fixed"]
    cols = []
    for g in grid:
        tr = sco.simulate(
            p,
            aggregator=AGG,
            attack=ATTACK,
            estimator=estimator,
            m=M,
            f=F,
            T=T,
            lr=g * base,
            seeds=P["seeds"],
            rng=4,
            record=("subopt",),
            checkpoints=[T],
        )
        cols.append(tr["subopt"][:, -1])
    return np.stack(cols, axis=1)


def _spread(vals: np.ndarray) -> tuple[float, tuple[float, float]]:
    """max/min over the grid of the seed-mean final suboptimality, with a bootstrap CI."""
    boots = bootstrap_means(vals)
    r = boots.max(axis=1) / boots.min(axis=1)
    means = vals.mean(0)
    return float(means.max() / means.min()), (
        float(np.quantile(r, 0.025)),
        float(np.quantile(r, 0.975)),
    )


def s1(scale: str, negative: bool = False) -> Verdict:
    p = noisy_quad_problem()
    T = PARAMS[scale]["T_fixed"]
    eta_star = 1 / (8 * p.L * T)
    grid = ETA_GRID_NEGATIVE if negative else ETA_GRID
    vals = _lr_runs(scale, "mu2sgd", grid, eta_star)
    ratio, ci = _spread(vals)
    details: dict[str, Any] = {"eta": [g * eta_star for g in grid], "mu2sgd": vals.mean(0)}
    if not negative:
        usual = 1 / (p.L * np.sqrt(T))  # SGD's and momentum's own usual step
        for est in ("sgd", "momentum(beta=0.9)"):
            v = _lr_runs(scale, est, ETA_GRID, usual)
            details[est] = v.mean(0)
            details[f"{est} spread"] = float(v.mean(0).max() / v.mean(0).min())
            details[f"{est} eta"] = [g * usual for g in ETA_GRID]
    return check_ratio(
        "S1",
        ratio,
        5.0,
        ci=ci,
        n_seeds=vals.shape[0],
        quantity="max/min final loss",
        negative_control=negative,
        statement="μ²-SGD's final loss stays within 5× of its best over η*·{⅓…30}",
        details=details,
    )


def _combine(claim: str, verdicts: list[Verdict], main: int, statement: str) -> Verdict:
    """All sub-checks must pass; the reported numbers are those of ``verdicts[main]``."""
    v = verdicts[main]
    return Verdict(
        claim,
        all(x.passed for x in verdicts),
        v.estimate,
        v.ci,
        v.predicted,
        v.tolerance,
        v.n_seeds,
        statement,
        v.quantity,
        v.relation,
        False,
        {"checks": [str(x) for x in verdicts]},
    )


register(
    Claim(
        "E1", "Lemma E: μ²-SGD error ≤ σ̃²/t with slope −1 for every η", "estimator", e1, e1_negative
    )
)
register(
    Claim(
        "E2",
        "Lemma A under attack with CTMA(CWTM): error ≤ S²/t, slope −1",
        "estimator",
        e2,
        e2_negative,
    )
)
register(
    Claim(
        "R1",
        "Theorem R upper bound at every T of a grid",
        "convergence",
        r1,
        lambda s: r1(s, negative=True),
    )
)
register(
    Claim(
        "R2",
        "suboptimality decays at least as fast as T^(−1/2) under attack",
        "convergence",
        r2,
        lambda s: r2(s, negative=True),
    )
)
register(
    Claim(
        "R3",
        "Theorem R holds across δ at fixed T",
        "convergence",
        r3,
        lambda s: r3(s, negative=True),
    )
)
register(
    Claim(
        "S1", "learning-rate stability of μ²-SGD", "stability", s1, lambda s: s1(s, negative=True)
    )
)
