"""Claims on convergence (docs/theory.md §4–§5): R1, R2, R3 (Theorem R) and S1 (step-size
stability). Each experiment runs ``sco.simulate`` once per grid point and records f(x_T) − f*.

R1 and R3 bound suboptimality from above, so each runs the stand-still control too (an
optimiser with x_t = x_1): if it also satisfies the bound, the verdict is VACUOUS.

Families (``verify.claims.families``): R1, R2, R3 run on low-noise quadratics started on the far
side of K (FAR_QUADRATIC); S1 on noise-dominated quadratics under IPM, sign flip and ALIE in turn
(NOISY_QUADRATIC).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sco.simulate import theory_lr

from .. import bounds as B
from ..checks import check_exact, check_slope, check_spread, check_upper_bound
from ..measurement import Measurement
from ..stats import loglog_slope
from . import _runs
from ._common import check_problem, check_workers, constants, grid, kappa, spec_of
from .families import FAR_QUADRATIC, NOISY_QUADRATIC
from .registry import Claim, Computed, Control, Part, register

M, F = 17, 4
AGG, ATTACK = "ctma(cwtm)", "alie"
STAND_STILL = {"estimator": "stand_still"}


def _step(problem: Any, T: int, lr: float | str) -> float:
    """η for horizon T: ``"theory"`` is η* = 1/(8LT) (Theorem R), a number is itself."""
    return theory_lr(problem, T) if lr == "theory" else float(lr)


def theorem_r(problem: Any, *, kappa_: float, m: int, f: int, T: Any, eta: Any) -> Any:
    """Theorem R's bound 2D²/(ηT(T+1)) + 2ηS² + (8/3)DS√(T+1)/T at (T, η) (arrays allowed)."""
    return B.get("theorem_r").evaluate(
        T=np.asarray(T, dtype=float),
        eta=np.asarray(eta, dtype=float),
        kappa=kappa_,
        m=m,
        f=f,
        **constants(problem),
    )


def _finals(
    problem: Any, points: Sequence[dict[str, Any]], **common: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f(x_T) − f* per seed for each grid point (a run with ``common`` updated by the point's
    keywords): values ``[S, k]``, the seeds that diverged in any run ``[S]``, seed indices."""
    cols, div, seeds = [], np.zeros(0, bool), np.zeros(0, np.int64)
    for point in points:
        kw = {**common, **point}
        if kw["f"] == 0:
            kw["attack"] = None
        tr = _runs.simulate(problem, record=("subopt",), checkpoints=[kw["T"]], **kw)
        cols.append(tr["subopt"][:, -1])
        div = tr.diverged if div.size == 0 else div | tr.diverged
        seeds = tr.seeds
    return np.stack(cols, axis=1), div, seeds


def _config(**kw: Any) -> dict[str, Any]:
    return {
        k: spec_of(v) if k in ("aggregator", "attack", "estimator") else v for k, v in kw.items()
    }


# ------------------------------------------------------------------- R1, R2


def horizons(
    problem: Any,
    *,
    aggregator: Any,
    attack: Any,
    estimator: Any,
    m: int,
    f: int,
    horizons: Sequence[int],
    lr: float | str,
    kappa_of: Any,
    seeds: int,
    rng: int,
) -> list[Measurement]:
    """f(x_T) − f* per seed for each horizon T of the grid (a run per T with η = η*(T) =
    1/(8LT) when ``lr="theory"``, else the constant ``lr``), beside Theorem R's bound at
    (T, η). κ in the bound is that of ``kappa_of`` (default: the aggregator), so a negative
    control can swap the aggregator and keep the claim's bound."""
    Ts = grid("horizons", horizons, integer=True).astype(int)
    k = kappa("R1", aggregator if kappa_of is None else kappa_of, m, f)
    etas = np.array([_step(problem, int(T), lr) for T in Ts])
    values, div, seed_idx = _finals(
        problem,
        [{"T": int(T), "lr": float(eta)} for T, eta in zip(Ts, etas, strict=True)],
        aggregator=aggregator,
        attack=attack,
        estimator=estimator,
        m=m,
        f=f,
        seeds=seeds,
        rng=rng,
    )
    return [
        Measurement(
            x=Ts,
            values=values,
            theory=theorem_r(problem, kappa_=k, m=m, f=f, T=Ts, eta=etas),
            diverged=div,
            config=_config(
                aggregator=aggregator,
                attack=attack,
                estimator=estimator,
                m=m,
                f=f,
                lr=lr,
                eta=etas.tolist(),
                kappa=k,
                kappa_of=spec_of(aggregator if kappa_of is None else kappa_of),
                start_gap=float(problem.value(problem.x0) - problem.f_star),
            ),
            x_name="T",
            quantity="E[f(x_T) − f*]",
            theory_name="Theorem R",
            seeds=seed_idx,
        )
    ]


def anytime_average(
    problem: Any,
    *,
    aggregator: Any,
    attack: Any,
    estimator: Any,
    m: int,
    f: int,
    averaging_T: int,
    seeds: int,
    rng: int,
) -> list[Measurement]:
    """max_i abs(x_T − Σ_t α_t w_t / α_{1:T})_i per seed (α_t = t), from the iterates that
    ``sco.simulate`` records at every step: Theorem R's proof needs x_T to be exactly the
    α-weighted average of the w_t (anytime online-to-batch). Theory: 0."""
    T = int(averaging_T)
    tr = _runs.simulate(
        problem,
        aggregator=aggregator,
        attack=attack if f > 0 else None,
        estimator=estimator,
        m=m,
        f=f,
        T=T,
        lr=_step(problem, T, "theory"),
        seeds=min(int(seeds), 8),
        rng=rng,
        record=("x", "w"),
        checkpoints=np.arange(1, T + 1),
    )
    alpha = np.arange(1, T + 1, dtype=np.float64)
    w, x = tr.iterates["w"], tr.iterates["x"]
    average = np.einsum("t,std->sd", alpha, w) / alpha.sum()
    err = np.max(np.abs(x[:, -1] - average), axis=-1)
    return [
        Measurement(
            x=np.array([T]),
            values=err[:, None],
            theory=np.zeros(1),
            diverged=tr.diverged,
            config=_config(estimator=estimator, T=T, scale=float(problem.radius)),
            x_name="T",
            quantity="max |x_T − Σα_t w_t/α_{1:T}|",
            theory_name="0 (anytime averaging)",
            seeds=tr.seeds,
        )
    ]


def _averaging_check(meas: Measurement) -> Any:
    scale = float(meas.config.get("scale", 1.0))
    return check_exact(meas, atol=1e-10 * max(scale, 1.0))


def _validate_horizons(claim: str) -> Any:
    def validate(kw: Mapping[str, Any]) -> None:
        check_problem(claim, kw["problem"])
        check_workers(claim, kw)
        Ts = grid("horizons", kw["horizons"], integer=True)
        kappa(
            claim,
            kw["aggregator"] if kw.get("kappa_of") is None else kw["kappa_of"],
            kw["m"],
            kw["f"],
        )
        lr = kw["lr"]
        if lr != "theory":
            if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
                raise ValueError(f"{claim}: lr must be 'theory' or a number > 0; got {lr!r}")
            if claim == "R1" and lr > theory_lr(kw["problem"], int(Ts[-1])):
                raise ValueError(
                    f"{claim}: Theorem R needs η ≤ 1/(8LT) = "
                    f"{theory_lr(kw['problem'], int(Ts[-1])):.3g} at T = {int(Ts[-1])}; "
                    f"got lr = {lr!r}"
                )

    return validate


_R = dict(aggregator=AGG, attack=ATTACK, estimator="mu2sgd", m=M, f=F, lr="theory", kappa_of=None)
_OFFSET = Control(
    "mean_offset",
    "the mean under a constant-offset attack (value 10), against the claim's bound",
    {
        "kappa_of": Computed(lambda kw: kw["aggregator"]),
        "aggregator": "mean",
        "attack": "constant(value=10.0)",
    },
)

register(
    Claim(
        id="R1",
        weight=2.0,
        statement="Theorem R: E[f(x_T) − f*] ≤ its bound at every T of a grid (η = 1/(8LT))",
        reference="docs/theory.md §4 (Theorem R)",
        family=FAR_QUADRATIC,
        parts=(
            Part("Theorem R", horizons, (check_upper_bound,), vacuity=True),
            Part("anytime averaging", anytime_average, (_averaging_check,)),
        ),
        scales={
            "smoke": dict(
                _R, instances=1, seeds=16, horizons=(250, 500, 1000), averaging_T=50, rng=2
            ),
            "quick": dict(
                _R, instances=3, seeds=32, horizons=(250, 500, 1000, 2000), averaging_T=200, rng=2
            ),
            "full": dict(
                _R,
                instances=8,
                seeds=64,
                horizons=(500, 1000, 2000, 4000, 8000),
                averaging_T=1000,
                rng=2,
            ),
        },
        controls=(_OFFSET,),
        stand_still=STAND_STILL,
        validate=_validate_horizons("R1"),
    )
)

register(
    Claim(
        id="R2",
        statement="suboptimality under attack decays at least as fast as T^(−1/2)",
        reference="docs/theory.md §4 (Theorem R, order)",
        family=FAR_QUADRATIC,
        parts=(
            Part(
                "rate in T",
                horizons,
                (lambda meas: check_slope(meas, -0.5, 0.1, side="upper"),),
            ),
        ),
        scales={
            "smoke": dict(_R, instances=1, seeds=16, horizons=(250, 500, 1000), rng=2),
            "quick": dict(_R, instances=3, seeds=32, horizons=(250, 500, 1000, 2000), rng=2),
            "full": dict(_R, instances=8, seeds=64, horizons=(500, 1000, 2000, 4000, 8000), rng=2),
        },
        controls=(
            Control(
                "sgd",
                "SGD (constant step 0.05) with the same aggregator and attack: a plateau",
                {"estimator": "sgd", "lr": 0.05},
            ),
        ),
        validate=_validate_horizons("R2"),
    )
)


# ------------------------------------------------------------------------- R3


def deltas(
    problem: Any,
    *,
    aggregator: Any,
    attack: Any,
    estimator: Any,
    m: int,
    byzantine: Sequence[int],
    T: int,
    kappa_of: Any,
    seeds: int,
    rng: int,
) -> list[Measurement]:
    """f(x_T) − f* per seed at a fixed T (η = 1/(8LT)) for each number of Byzantine workers
    f of ``byzantine`` (grid x = δ = f/m), beside Theorem R's bound with κ(m, f)."""
    fs = [int(f) for f in byzantine]
    if sorted(set(fs)) != fs or fs[0] < 0 or 2 * fs[-1] >= m:
        raise ValueError(f"R3: byzantine must be increasing counts in [0, m/2); got {byzantine!r}")
    eta = _step(problem, T, "theory")
    bounds_ = [
        float(
            theorem_r(
                problem,
                kappa_=kappa("R3", aggregator if kappa_of is None else kappa_of, m, f),
                m=m,
                f=f,
                T=T,
                eta=eta,
            )
        )
        for f in fs
    ]
    values, div, seed_idx = _finals(
        problem,
        [{"f": f} for f in fs],
        aggregator=aggregator,
        attack=attack,
        estimator=estimator,
        m=m,
        T=T,
        lr=eta,
        seeds=seeds,
        rng=rng,
    )
    delta = np.array(fs) / m
    positive = delta > 0
    means = values[:, positive].mean(axis=0)
    exponent = (
        loglog_slope(delta[positive], means)
        if positive.sum() >= 2 and np.all(means > 0) and np.all(np.isfinite(means))
        else float("nan")
    )
    return [
        Measurement(
            x=delta,
            values=values,
            theory=np.array(bounds_),
            diverged=div,
            config=_config(
                aggregator=aggregator,
                attack=attack,
                estimator=estimator,
                m=m,
                byzantine=fs,
                T=T,
                eta=eta,
                kappa_of=spec_of(aggregator if kappa_of is None else kappa_of),
                delta_exponent=exponent,
                start_gap=float(problem.value(problem.x0) - problem.f_star),
            ),
            x_name="δ",
            quantity="E[f(x_T) − f*]",
            theory_name="Theorem R",
            seeds=seed_idx,
        )
    ]


def _validate_deltas(kw: Mapping[str, Any]) -> None:
    check_problem("R3", kw["problem"])
    for f in kw["byzantine"]:
        check_workers("R3", dict(kw, f=int(f)))
        kappa(
            "R3",
            kw["aggregator"] if kw.get("kappa_of") is None else kw["kappa_of"],
            kw["m"],
            int(f),
        )


_R3 = dict(
    aggregator=AGG, attack=ATTACK, estimator="mu2sgd", m=M, byzantine=(0, 1, 2, 4, 6), kappa_of=None
)
register(
    Claim(
        id="R3",
        weight=2.0,
        statement="Theorem R holds across δ = f/m at a fixed T (the δ-exponent is information)",
        reference="docs/theory.md §4 (Theorem R)",
        family=FAR_QUADRATIC,
        parts=(Part("Theorem R across δ", deltas, (check_upper_bound,), vacuity=True),),
        scales={
            "smoke": dict(_R3, instances=1, seeds=16, T=1000, rng=3),
            "quick": dict(_R3, instances=3, seeds=32, T=1000, rng=3),
            "full": dict(_R3, instances=8, seeds=64, T=4000, rng=3),
        },
        controls=(_OFFSET,),
        stand_still=STAND_STILL,
        validate=_validate_deltas,
    )
)


# ------------------------------------------------------------------------- S1

ETA_GRID = (1 / 3, 1.0, 3.0, 10.0, 30.0)
ETA_GRID_LOW = (1 / 100, 1 / 30, 1 / 10, 1 / 3, 1.0)
COMPARED = ("sgd", "momentum(beta=0.9)")


def _base_step(problem: Any, T: int, base: str) -> float:
    """η* = 1/(8LT) for μ²-SGD (``"theory"``); SGD's and momentum's usual 1/(L√T)
    (``"usual"``)."""
    if base == "theory":
        return theory_lr(problem, T)
    if base == "usual":
        return 1.0 / (problem.L * np.sqrt(T))
    raise ValueError(f"lr_base must be 'theory' or 'usual'; got {base!r}")


def step_sizes(
    problem: Any,
    *,
    aggregator: Any,
    attack: Any,
    estimator: Any,
    m: int,
    f: int,
    T: int,
    lr_grid: Sequence[float],
    lr_base: str,
    compare: Sequence[str],
    seeds: int,
    rng: int,
) -> list[Measurement]:
    """f(x_T) − f* per seed for η = g·η₀ over the relative grid g ∈ ``lr_grid``, η₀ =
    ``lr_base`` ("theory": η* = 1/(8LT); "usual": 1/(L√T)). The estimators of ``compare`` run
    beside it on the same relative grid, each scaled to its own usual step; their means and
    spreads are kept in the config (reported, not checked)."""
    rel = grid("lr_grid", lr_grid)
    common = dict(aggregator=aggregator, attack=attack, m=m, f=f, T=T, seeds=seeds, rng=rng)
    etas = rel * _base_step(problem, T, lr_base)
    values, div, seed_idx = _finals(
        problem, [{"lr": float(e)} for e in etas], estimator=estimator, **common
    )
    beside = {}
    for est in compare:
        e2 = rel * _base_step(problem, T, "usual")
        v2, d2, _ = _finals(problem, [{"lr": float(e)} for e in e2], estimator=est, **common)
        means = v2.mean(axis=0)
        beside[est] = {
            "eta": e2.tolist(),
            "mean": means.tolist(),
            "spread": float(means.max() / means.min()) if np.all(means > 0) else float("nan"),
            "diverged": int(d2.sum()),
        }
    return [
        Measurement(
            x=etas,
            values=values,
            theory=None,
            diverged=div,
            config=_config(
                aggregator=aggregator,
                attack=attack,
                estimator=estimator,
                m=m,
                f=f,
                T=T,
                lr_grid=rel.tolist(),
                lr_base=lr_base,
                beside=beside,
            ),
            x_name="η",
            quantity="E[f(x_T) − f*]",
            seeds=seed_idx,
        )
    ]


def _validate_s1(kw: Mapping[str, Any]) -> None:
    check_problem("S1", kw["problem"])
    check_workers("S1", kw)
    _base_step(kw["problem"], kw["T"], kw["lr_base"])
    grid("lr_grid", kw["lr_grid"])
    for est in kw["compare"]:
        check_workers("S1", dict(kw, estimator=est))


_S1 = dict(
    aggregator=AGG,
    estimator="mu2sgd",
    m=M,
    f=F,
    lr_grid=ETA_GRID,
    lr_base="theory",
    compare=COMPARED,
)
register(
    Claim(
        id="S1",
        weight=3.0,
        statement="step-size stability: μ²-SGD's final loss stays within 5× of its best over "
        "η ∈ η*·{1/3, 1, 3, 10, 30}",
        reference="docs/theory.md §4 (Theorem R, stable range) and §5",
        family=NOISY_QUADRATIC,
        parts=(Part("spread over η", step_sizes, (lambda meas: check_spread(meas, 5.0),)),),
        scales={
            "smoke": dict(_S1, instances=1, seeds=16, T=1000, rng=4),
            "quick": dict(_S1, instances=3, seeds=32, T=1000, rng=4),
            "full": dict(_S1, instances=9, seeds=64, T=4000, rng=4),
        },
        controls=(
            Control(
                "sgd",
                "SGD on the same relative grid around its usual step 1/(L√T)",
                {"estimator": "sgd", "lr_base": "usual", "compare": ()},
            ),
            Control(
                "low_grid",
                "μ²-SGD on a grid reaching down to η*/100",
                {"lr_grid": ETA_GRID_LOW, "compare": ()},
            ),
        ),
        validate=_validate_s1,
    )
)
