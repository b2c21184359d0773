"""Claims on heterogeneous honest workers (docs/theory.md §7): H1 (no algorithm beats ¼·q·G²),
H2 (robust gradient descent's fixed point obeys ‖∇f_H‖² ≤ κ*G²/(1 − κ*B²), attained by CWTM)
and H3 (CWTM's breakdown point is 1/(2 + B²)).

Every run is full-gradient descent (estimator ``gd`` unless a claim says otherwise) on
:class:`problems.HeterogeneousQuadratic`, so the measurements are deterministic (one row each) and
the verdicts PASS or FAIL. A run whose iterate becomes non-finite keeps its non-finite value in
the measurement and marks it diverged, which the checks count as a failure (never dropped).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

import problems
import sco
from sco import aggregators as A
from sco import attacks as ATK
from sco import estimators as E

from ..checks import check_exact, check_lower_bound, check_upper_bound
from ..measurement import Measurement
from .exact_kappa import exact
from .families import _family, _loguniform
from .registry import Claim, Control, Part, register

#: Meta rules of the registry need a base: H1 runs them on CWTM.
META_BASE = "cwtm"
#: The floor of H1 is met with equality when x̂ is the midpoint of the two optima: rounding only.
FLOOR_RTOL = 1e-9
#: How far a fixed point may exceed H2's bound: rounding only (the bound uses κ*'s upper end).
BOUND_RTOL = 1e-9
#: H2 picks B² on the frontier with κ*B² ≤ this, so the transient (κ*B²)^t of robust GD has
#: died out (below 2^-59) by the last quarter of an 80-step run.
KB2_MAX = 0.5
#: H3's thresholds (docs/theory.md §5): converge below 0.97/(2 + B²), no progress above
#: 1.03/(2 + B²), with ‖x_T‖ ≤ 1e-8‖x_1‖ and ‖x_T‖ ≥ 0.5‖x_1‖.
H3_BELOW, H3_ABOVE = 0.97, 1.03
H3_CONVERGED, H3_STUCK = 1e-8, 0.5
#: H3's horizon: below the curve x_{t+1} = (1 − c)x_t with c = 1 − B·√(f/(m − 2f)), and on
#: f/m ≤ 0.97/(2 + B²) that rate is at least c_min = 1 − √0.97 = 0.0151 (the limit B² → ∞), so
#: ‖x_T‖ ≤ 1e-8‖x_1‖ by T − 1 ≥ ln(1e-8)/ln(1 − c_min) = 1210 steps, for every m and B².
H3_T = 1300


def _one_run(problem: Any, **kw: Any) -> sco.Trace:
    """One deterministic run (seed 0, one seed) recording ‖x_t − x*‖² at ``checkpoints``."""
    return sco.simulate(problem, seeds=1, rng=0, record=("dist",), **kw)


def registry_rules(base: str = META_BASE) -> list[str]:
    """Every registered aggregator as a spec: meta rules on ``base``, others with defaults."""
    out = []
    for name in A.names():
        try:
            out.append(A.make(name).spec)
        except ValueError:  # a meta rule: it needs a base
            out.append(A.make(f"{name}({base})").spec)
    return out


def _honest_oracle(h: int) -> Any:
    """The negative control of H1: an 'aggregator' told which rows are honest (the first h)."""

    def oracle(x: np.ndarray, *, f: int) -> np.ndarray:
        return np.asarray(x[..., :h, :].mean(axis=-2))

    oracle.__name__ = "honest_oracle"
    return oracle


# ----------------------------------------------------------------------------- H1


def h1_outputs(
    *,
    m: int,
    f: int,
    a: float,
    x0: float,
    estimators: Sequence[str] | None,
    aggregators: Sequence[str] | None,
    T: int,
    lr: float,
    oracle: bool,
) -> list[Measurement]:
    """H1's two scenarios (docs/theory.md §7) run through every estimator × aggregator:
    scenario 1 (every honest c_i = 0; the f Byzantines optimise the objectives of scenario 2's
    workers at c = a, ``byzantine_data="own"``) and scenario 2 (m − 2f honest at 0, f at a; the
    Byzantines copy the c = 0 cluster, ``copy_cluster``). The server sees the same multiset of
    messages at every step, so a deterministic rule outputs the same x_T.

    Two measurements over the (estimator, aggregator) pairs: abs(x_T¹ − x_T²) against 0 (to
    rounding: 1e-12·(1 + abs(a))) and max_s (x_T^s − x*_s)² against ¼·q·G² with q = f/(m − 2f),
    G² = f(m − 2f)a²/(m − f)². Randomised rules (bucketing) are listed in ``skipped``: two runs
    shuffle different row orders, so only their output distributions agree.
    ``oracle``: replace every aggregator by the mean of the honest rows (the negative control)."""
    s1, s2 = problems.HeterogeneousQuadratic.h1_scenarios(m, f, a, x0=x0)
    ests = list(estimators) if estimators is not None else E.names()
    rules: list[Any]
    if oracle:
        rules = [_honest_oracle(m - f)]
    else:
        rules = list(aggregators) if aggregators is not None else registry_rules()
    q = f / (m - 2 * f)
    floor = 0.25 * q * s2.G2(0.0)
    names, gaps, errors, skipped, diverged = [], [], [], [], []
    for rule in rules:
        agg = A.resolve(rule)
        if agg.randomized or m < agg.min_workers(f):
            skipped.append(agg.spec)
            continue
        for est in ests:
            out = []
            for prob, how in (
                (s1, {"byzantine_data": "own", "attack": None}),
                (s2, {"attack": "copy_cluster"}),
            ):
                tr = _one_run(
                    prob,
                    aggregator=agg,
                    estimator=est,
                    m=m,
                    f=f,
                    T=T,
                    lr=lr,
                    checkpoints=[T],
                    **how,
                )
                out.append(float(tr.x_final[0, 0]))
            name = f"{E.make(est).spec} × {agg.spec}"
            names.append(name)
            if not all(math.isfinite(v) for v in out):
                diverged.append(name)
            gaps.append(abs(out[0] - out[1]))
            errors.append(max(out[0] ** 2, (out[1] - float(s2.x_star[0])) ** 2))
    k = len(names)
    bad = np.array([bool(diverged)])
    config = {
        "pairs": names,
        "skipped": skipped,
        "non_finite": diverged,
        "m": m,
        "f": f,
        "a": a,
        "q": q,
        "G2": s2.G2(0.0),
        "oracle": oracle,
        "T": T,
        "lr": lr,
    }
    return [
        Measurement(
            x=np.arange(k, dtype=float),
            values=np.array(gaps)[None, :],
            theory=np.zeros(k),
            diverged=bad,
            config=dict(config, atol=1e-12 * (1.0 + abs(a))),
            x_name="estimator × aggregator",
            quantity="abs(x_T in scenario 1 − x_T in scenario 2)",
            theory_name="0 (identical outputs, to rounding 1e-12·(1 + abs(a)))",
        ),
        Measurement(
            x=np.arange(k, dtype=float),
            values=np.array(errors)[None, :],
            theory=np.full(k, floor * (1.0 - FLOOR_RTOL)),
            diverged=bad,
            config=dict(config, floor=floor),
            x_name="estimator × aggregator",
            quantity="max over the two scenarios of (x_T − x*)²",
            theory_name="¼·q·G² (H1), lowered by a relative 1e-9 for rounding",
        ),
    ]


def _identical(meas: Measurement) -> Any:
    return check_exact(meas, atol=float(meas.config["atol"]))


def _h1_instance(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
    m = int(rng.integers(7, 16))
    f = int(rng.integers(1, (m - 3) // 2 + 1))
    a = float(rng.choice([-1.0, 1.0])) * _loguniform(rng, 0.3, 5.0)
    x0 = float(rng.uniform(-1.0, 1.0)) * max(1.0, 2.0 * abs(a))
    return f"m={m} f={f} a={a:.3g} x1={x0:.3g}", {"m": m, "f": f, "a": a, "x0": x0}


H1_FAMILY = _family(
    "1-D, unit curvatures: m ∈ [7, 15], 1 ≤ f ≤ (m − 3)/2 (Krum defined), the shift a = ±10^U "
    "with abs(a) ∈ [0.3, 5], a common start x_1 uniform in the domain [−R, R], "
    "R = max(1, 2·abs(a))",
    ("m", "f", "a", "x0"),
    _h1_instance,
    seed=14,
)


def _together(claim: str, kw: Mapping[str, Any], keys: Sequence[str]) -> None:
    """An instance's keywords are given together (a caller who overrides one gives the
    instance): a one-line error naming the missing ones."""
    missing = [k for k in keys if k not in kw]
    if missing:
        raise ValueError(
            f"{claim}: the instance keywords {', '.join(keys)} go together; missing {missing}"
        )


def _validate_h1(kw: Mapping[str, Any]) -> None:
    _together("H1", kw, ("m", "f", "a", "x0"))
    m, f = kw["m"], kw["f"]
    if not (isinstance(m, int) and isinstance(f, int) and 1 <= f and m > 2 * f):
        raise ValueError(f"H1: needs integers with 1 <= f < m/2; got m={m!r}, f={f!r}")
    for name in ("a", "x0", "lr"):
        if not (isinstance(kw[name], (int, float)) and math.isfinite(kw[name])):
            raise ValueError(f"H1: {name} must be a finite number; got {kw[name]!r}")
    if not kw["a"]:
        raise ValueError("H1: a must be nonzero (a = 0 makes both scenarios equal, G = 0)")
    for est in kw["estimators"] or ():
        E.make(est)
    for rule in kw["aggregators"] or ():
        A.make(rule)


_H1 = {"estimators": None, "aggregators": None, "lr": 0.5, "oracle": False}
register(
    Claim(
        id="H1",
        statement="no algorithm beats ¼·q·G²: H1's two scenarios give every deterministic "
        "estimator × aggregator the same output, whose worse error is ≥ ¼·q·G²",
        reference="docs/theory.md §7 (H1)",
        family=H1_FAMILY,
        parts=(
            Part(
                "same output, error ≥ ¼qG²",
                h1_outputs,
                (
                    lambda meas: (
                        _identical(meas)
                        if meas.config.get("atol") is not None
                        else check_lower_bound(meas)
                    ),
                ),
            ),
        ),
        scales={
            "smoke": dict(
                _H1,
                instances=1,
                T=30,
                estimators=("gd", "mu2sgd"),
                aggregators=("cwtm", "cwmed", "krum", "ctma(cwtm)"),
            ),
            "quick": dict(_H1, instances=3, T=60),
            "full": dict(_H1, instances=8, T=200),
        },
        controls=(
            Control(
                "honest_oracle",
                "an aggregator that averages only the honest rows (it knows who is honest)",
                {"oracle": True},
            ),
        ),
        seeded=False,
        validate=_validate_h1,
    )
)


# ----------------------------------------------------------------------------- H2


def best_bound(problem: Any, kappa: float) -> tuple[float, float, float]:
    """min over the frontier of κG²(B²)/(1 − κB²) subject to κB² ≤ ``KB2_MAX``: returns
    (bound, B², G²). Every (G²(B²), B²) on the exact frontier is a valid pair, so the minimum is
    a valid bound; inf when B2_min > KB2_MAX/κ (no admissible pair)."""
    if kappa == 0:
        return 0.0, problem.B2_min, problem.G2(problem.B2_min + 1.0)
    top = KB2_MAX / kappa
    lo = problem.B2_min
    if lo > top:
        return math.inf, math.nan, math.nan

    def bound(b2: float) -> float:
        return kappa * problem.G2(b2) / (1.0 - kappa * b2)

    if math.isfinite(problem.G2(lo)):  # w = 0: the endpoint is the minimum (G² flat, 1/(1−κB²) ↑)
        return bound(lo), lo, problem.G2(lo)
    res = minimize_scalar(
        bound,
        bounds=(lo + 1e-15 * max(1.0, top), top),
        method="bounded",
        options={"xatol": 1e-12 * max(1.0, top)},
    )
    b2 = float(min(res.x, top))
    return bound(b2), b2, problem.G2(b2)


def h2_fixed_point(
    *,
    problem: Any,
    m: int,
    f: int,
    rules: Sequence[str],
    attacks: Sequence[str] | None,
    estimator: str,
    T: int,
    kappa_of: str | None,
) -> list[Measurement]:
    """Robust gradient descent (η = 1/ā) under every attack, for every rule whose κ* is proven
    at (m, f) (:func:`verify.claims.exact_kappa.exact`; others are listed in ``skipped``): the
    largest ‖∇f_H(x_t)‖² over the last quarter of the run, against κ*G²/(1 − κ*B²) with
    (G², B²) the best admissible pair of the exact frontier (:func:`best_bound`), κ* its
    certified upper end, × (1 + 1e-9). With η = 1/ā, ∇f_H(x_{t+1}) is minus the aggregation
    error (before projection, which only shrinks it), so ‖∇f_H(x_{t+1})‖² ≤ κ*(G² + B²‖∇f_H(x_t)‖²)
    at every step: the bound holds after a transient (κ*B²)^t ≤ 2^−t (docs/theory.md §7).
    ``kappa_of``: hold every rule to that rule's κ* (the negative control)."""
    atks = list(attacks) if attacks is not None else ATK.names()
    eta = 1.0 / problem.L
    last = np.arange(max(1, (3 * T) // 4), T + 1)
    names, values, bounds, skipped, nonfinite, pairs_b2 = [], [], [], [], [], []
    for spec in rules:
        agg = A.make(spec)
        if m < agg.min_workers(f):
            skipped.append(f"{agg.spec} (undefined at m={m}, f={f})")
            continue
        ref = exact(A.make(kappa_of or agg.spec).spec, m, f, False)
        if ref is None:
            skipped.append(f"{agg.spec} (no proven κ* at m={m}, f={f})")
            continue
        bound, b2, g2 = best_bound(problem, ref.upper)
        if not math.isfinite(bound):
            skipped.append(f"{agg.spec} (B2_min > {KB2_MAX}/κ*)")
            continue
        for atk in atks:
            tr = _one_run(
                problem,
                aggregator=agg,
                attack=atk,
                estimator=estimator,
                m=m,
                f=f,
                T=T,
                lr=eta,
                checkpoints=last,
            )
            r = problem.L**2 * tr["dist"][0]
            name = f"{agg.spec} / {atk}"
            if tr.diverged[0] or not np.all(np.isfinite(r)):
                nonfinite.append(name)
            names.append(name)
            values.append(float(np.max(r)) if np.all(np.isfinite(r)) else math.inf)
            bounds.append(bound * (1.0 + BOUND_RTOL))
            pairs_b2.append((b2, g2))
    if not names:
        raise ValueError(f"H2: no rule of {list(rules)} has a proven κ* at m={m}, f={f}")
    return [
        Measurement(
            x=np.arange(len(names), dtype=float),
            values=np.array(values)[None, :],
            theory=np.array(bounds),
            diverged=np.array([bool(nonfinite)]),
            config={
                "pairs": names,
                "skipped": skipped,
                "non_finite": nonfinite,
                "m": m,
                "f": f,
                "B2_G2": pairs_b2,
                "kappa_of": kappa_of,
                "estimator": estimator,
                "T": T,
                "eta": eta,
            },
            x_name="rule / attack",
            quantity="max over the last quarter of ‖∇f_H(x_t)‖²",
            theory_name="κ*G²/(1 − κ*B²) at the best admissible (G², B²) (H2) × (1 + 1e-9)",
        )
    ]


def h2_attained(
    *, m: int, f: int, a: float, rule: str, attack: str, estimator: str, T: int
) -> list[Measurement]:
    """The bound is attained (docs/theory.md §7): CWTM on H1's scenario 2 (B = 0, G² =
    f(m − 2f)a²/(m − f)²) started at the far end of the domain, the Byzantines copying the c = 0
    cluster: the fixed point is 0 and ‖∇f_H(x_T)‖² = (fa/(m − f))² = q·G² exactly. The
    measurement is ‖∇f_H(x_T)‖²/(q·G²) against 1 (relative 1e-6)."""
    start = -math.copysign(max(1.0, 2.0 * abs(a)), a)  # the far end of the scenarios' domain
    _, s2 = problems.HeterogeneousQuadratic.h1_scenarios(m, f, a, x0=start)
    q = f / (m - 2 * f)
    bound = q * s2.G2(0.0)
    tr = _one_run(
        s2,
        aggregator=rule,
        attack=attack,
        estimator=estimator,
        m=m,
        f=f,
        T=T,
        lr=1.0 / s2.L,
        checkpoints=[T],
    )
    r = s2.L**2 * tr["dist"][0, -1]
    ok = bool(np.isfinite(r))
    return [
        Measurement(
            x=np.array([float(m)]),
            values=np.array([[r / bound]]),
            theory=np.array([1.0]),
            diverged=np.array([not ok]),
            config={
                "m": m,
                "f": f,
                "a": a,
                "rule": rule,
                "attack": attack,
                "q": q,
                "G2": s2.G2(0.0),
                "bound": bound,
                "x1": start,
                "value": r,
            },
            x_name="m",
            quantity="‖∇f_H(x_T)‖² / (q·G²)",
            theory_name="1: H2 attained by CWTM under copy_cluster at B = 0",
        )
    ]


def _h2_instance(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
    m = int(rng.integers(5, 12))
    f = int(rng.integers(1, (m - 3) // 2 + 1))
    d = int(rng.integers(1, 5))
    spread = 0.0 if i % 3 == 0 else float(rng.uniform(0.0, 0.2))
    base = problems.HeterogeneousQuadratic.random(
        m - f,
        d,
        rng=rng,
        a_low=1.0 - spread,
        a_high=1.0 + spread,
        c_scale=_loguniform(rng, 0.3, 3.0),
    )
    e = base.x_star / np.linalg.norm(base.x_star)
    problem = problems.HeterogeneousQuadratic(base.a, base.c, x0=-base.radius * e)
    a = float(rng.choice([-1.0, 1.0])) * _loguniform(rng, 0.3, 5.0)
    label = f"m={m} f={f} d={d} spread={spread:.2f} B2min={problem.B2_min:.2g}"
    return label, {"problem": problem, "m": m, "f": f, "a": a}


H2_FAMILY = _family(
    "random heterogeneous quadratics, m ∈ [5, 11], 1 ≤ f ≤ (m − 3)/2, d ∈ [1, 4], curvatures "
    "a_i ~ U[1 − s, 1 + s] with s = 0 (pure G) for every third instance and s ~ U[0, 0.2] "
    "otherwise, centres N(0, c²/d·I) with c = 10^U in [0.3, 3], start x_1 on the far side of the "
    "ball (−R·x*/‖x*‖); the attained part on H1's scenario 2 with a = ±10^U, abs(a) ∈ [0.3, 5]",
    ("problem", "m", "f", "a"),
    _h2_instance,
    seed=15,
)


def _validate_h2(kw: Mapping[str, Any]) -> None:
    _together("H2", kw, ("problem", "m", "f", "a"))
    problem, m, f = kw["problem"], kw["m"], kw["f"]
    if not isinstance(problem, problems.HeterogeneousQuadratic):
        raise ValueError(
            "H2: problem must be a problems.HeterogeneousQuadratic (its exact frontier)"
        )
    if problem.h != m - f:
        raise ValueError(f"H2: m - f must equal problem.h = {problem.h}; got m={m}, f={f}")
    E.make(kw["estimator"])
    for atk in kw["attacks"] or ():
        ATK.make(atk)
    for rule in kw["rules"]:
        A.make(rule)
    if not (isinstance(kw["T"], int) and kw["T"] >= 4):
        raise ValueError(f"H2: T must be an integer >= 4; got {kw['T']!r}")


_H2_RULES = ("cwtm", "cwmed", "gm", "meamed", "krum", "ctma(krum)")
_H2 = {
    "rules": _H2_RULES,
    "attacks": None,
    "estimator": "gd",
    "kappa_of": None,
    "rule": "cwtm",
    "attack": "copy_cluster",
}
register(
    Claim(
        id="H2",
        statement="robust gradient descent ends with ‖∇f_H‖² ≤ κ*G²/(1 − κ*B²) under every "
        "attack; CWTM under copy-cluster attains it at B = 0",
        reference="docs/theory.md §7 (H2)",
        family=H2_FAMILY,
        parts=(
            Part("fixed-point bound", h2_fixed_point, (check_upper_bound,), vacuity=True),
            Part(
                "attained (CWTM)",
                h2_attained,
                (lambda meas: check_exact(meas, atol=0.0, rtol=1e-6),),
            ),
        ),
        scales={
            "smoke": dict(
                _H2,
                instances=1,
                T=40,
                rules=("cwtm", "cwmed"),
                attacks=("copy_cluster", "alie", "anti_sign"),
            ),
            "quick": dict(_H2, instances=3, T=80),
            "full": dict(_H2, instances=8, T=200),
        },
        controls=(
            Control(
                "mean_offset",
                "the mean under a constant-offset attack (value 10), held to CWTM's κ* = q",
                {
                    "rules": ("mean",),
                    "attacks": ("constant(value=10.0)",),
                    "kappa_of": "cwtm",
                    "rule": "mean",
                    "attack": "constant(value=10.0)",
                },
            ),
        ),
        stand_still={"estimator": "stand_still"},
        seeded=False,
        validate=_validate_h2,
    )
)


# ----------------------------------------------------------------------------- H3


def h3_grid(m: int, B2s: Sequence[float]) -> list[tuple[int, float, str]]:
    """The grid points (f, B²) of one m with their side of the breakdown curve:
    ``"below"`` when f/m ≤ 0.97/(2 + B²), ``"above"`` when f/m ≥ 1.03/(2 + B²), else
    ``"band"`` (not checked). f runs over 1..⌈m/2⌉ − 1."""
    out = []
    for b2 in B2s:
        for f in range(1, (m + 1) // 2):
            frac = f / m
            side = (
                "below"
                if frac <= H3_BELOW / (2 + b2)
                else "above"
                if frac >= H3_ABOVE / (2 + b2)
                else "band"
            )
            out.append((f, float(b2), side))
    return out


def h3_breakdown(
    *, m: int, x0: float, B2s: Sequence[float], aggregator: str, attack: str, T: int
) -> list[Measurement]:
    """H3's breakdown diagram for one m (docs/theory.md §7): at every grid point (f, B²), robust
    GD (η = 1 = 1/ā) on the two-point pure-B profile with B²_inst = min(B², (m − 2f)/f) (above
    the curve the instance with c = 0, whose B² is at most the given one), under ``attack``
    (default ``anti_sign``: −huge·sign(x)). Values ‖x_T‖/‖x_1‖: below the curve it must be
    ≤ 1e-8 (convergence), above ≥ 0.5 (no progress). Two measurements (below, above); the whole
    grid, band included, is in ``config["grid"]`` for the diagram."""
    rows = []
    for f, b2, side in h3_grid(m, B2s):
        b2_inst = min(b2, (m - 2 * f) / f)
        p = problems.HeterogeneousQuadratic.two_point(m, f, b2_inst, x0=x0)
        tr = _one_run(
            p,
            aggregator=aggregator,
            attack=attack,
            estimator="gd",
            m=m,
            f=f,
            T=T,
            lr=1.0 / p.L,
            checkpoints=[T],
        )
        xt = float(tr.x_final[0, 0])
        ratio = abs(xt) / abs(x0) if math.isfinite(xt) else math.inf
        rows.append(
            {"f": f, "delta": f / m, "B2": b2, "B2_instance": b2_inst, "side": side, "ratio": ratio}
        )
    out = []
    for side, limit, what in (
        ("below", H3_CONVERGED, "converges"),
        ("above", H3_STUCK, "no progress"),
    ):
        pts = [r for r in rows if r["side"] == side]
        if not pts:
            continue
        vals = np.array([r["ratio"] for r in pts])
        bad = ~np.isfinite(vals)
        out.append(
            Measurement(
                x=np.arange(len(pts), dtype=float),
                values=vals[None, :],
                theory=np.full(len(pts), limit),
                diverged=np.array([bool(bad.any())]),
                config={
                    "m": m,
                    "x1": x0,
                    "side": side,
                    "aggregator": aggregator,
                    "attack": attack,
                    "T": T,
                    "grid": rows,
                    "points": [(r["f"], r["B2"]) for r in pts],
                },
                x_name="grid point (f, B²)",
                quantity="‖x_T‖/‖x_1‖",
                theory_name=f"{what}: {'≤ 1e-8' if side == 'below' else '≥ 0.5'} (H3)",
            )
        )
    return out


def _h3_check(meas: Measurement) -> Any:
    if meas.config["side"] == "below":
        return check_upper_bound(meas)
    return check_lower_bound(meas)


def _h3_instance(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
    m = int(rng.integers(12, 33))
    x0 = float(rng.choice([-1.0, 1.0])) * float(rng.uniform(0.1, 1.0))
    return f"m={m} x1={x0:.3g}", {"m": m, "x0": x0}


H3_FAMILY = _family(
    "1-D two-point pure-B profiles (G = 0): m ∈ [12, 32], every f from 1 to ⌈m/2⌉ − 1, B² on a "
    "grid, start x_1 = ±U[0.1, 1]",
    ("m", "x0"),
    _h3_instance,
    seed=16,
)


def _validate_h3(kw: Mapping[str, Any]) -> None:
    _together("H3", kw, ("m", "x0"))
    m = kw["m"]
    if not (isinstance(m, int) and m >= 3):
        raise ValueError(f"H3: m must be an integer >= 3; got {m!r}")
    x0 = kw["x0"]
    if not (isinstance(x0, (int, float)) and math.isfinite(x0) and x0 != 0):
        raise ValueError(f"H3: x0 must be a finite nonzero number; got {x0!r}")
    for b2 in kw["B2s"]:
        if not (isinstance(b2, (int, float)) and math.isfinite(b2) and b2 >= 0):
            raise ValueError(f"H3: every B2 must be a finite number >= 0; got {b2!r}")
    A.make(kw["aggregator"])
    ATK.make(kw["attack"])


_H3 = {"aggregator": "cwtm", "attack": "anti_sign", "B2s": (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)}
register(
    Claim(
        id="H3",
        statement="CWTM's breakdown point under (0, B)-heterogeneity is 1/(2 + B²): robust GD "
        "converges below 0.97/(2 + B²) and makes no progress above 1.03/(2 + B²)",
        reference="docs/theory.md §7 (H3)",
        family=H3_FAMILY,
        parts=(Part("breakdown diagram", h3_breakdown, (_h3_check,)),),
        scales={
            "smoke": dict(_H3, instances=1, T=H3_T, B2s=(0.0, 1.0, 4.0)),
            "quick": dict(_H3, instances=3, T=H3_T),
            "full": dict(
                _H3, instances=8, T=H3_T, B2s=(0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
            ),
        },
        controls=(
            Control(
                "mean",
                "the mean under the same attack (fails already at f = 1)",
                {"aggregator": "mean"},
            ),
        ),
        seeded=False,
        validate=_validate_h3,
    )
)
