"""Claims on the μ²-SGD estimator (docs/theory.md §4–§5): E0 (Lemma E's equality case),
E1 (Lemma E), E2 (Lemma A under attack).

Every experiment goes through ``sco.simulate`` and returns per-seed errors at checkpoints with
the lemma evaluated at each checkpoint.

Families (``verify.claims.families``): E0 runs on quadratics with additive noise, d ∈ [100, 200]
(EXACT_NOISE); E1 and E2 on noise-dominated least squares (NOISE_DOMINATED_LS).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sco.simulate import theory_lr

from .. import bounds as B
from ..checks import check_equivalence, check_slope, check_upper_bound
from ..measurement import Measurement
from . import _runs
from ._common import check_problem, check_workers, constants, grid, kappa, spec_of
from .families import EXACT_NOISE, NOISE_DOMINATED_LS
from .registry import Claim, Control, Part, register

M, F = 17, 4


# ----------------------------------------------------------------------------- E0


def _no_attack_errors(
    problem: Any, estimator: Any, m: int, lr: float, steps: Any, seeds: int, rng: int
) -> Any:
    """The Trace of m honest workers, the mean, no attack, recording ‖d̂_t − ∇f(x_t)‖² at the
    checkpoints ``steps`` (T = the last one)."""
    return _runs.simulate(
        problem,
        aggregator="mean",
        attack=None,
        estimator=estimator,
        m=m,
        f=0,
        T=int(steps[-1]),
        lr=lr,
        seeds=seeds,
        rng=rng,
        record=("est_err",),
        checkpoints=steps.astype(int),
    )


def exact_error(
    problem: Any,
    *,
    estimator: Any,
    m: int,
    lr_scales: Sequence[float],
    checkpoints: Sequence[int],
    seeds: int,
    rng: int,
) -> list[Measurement]:
    """‖d̂_t − ∇f(x_t)‖² at every checkpoint, with m honest workers, no Byzantine worker and the
    mean as aggregator, one measurement per η = s·η* (η* = 1/(8LT), T the last checkpoint).

    Theory (Lemma E's equality case): on a quadratic with additive noise, tε_t = Σ_{s≤t} ξ_s
    for the mean's error, so E‖d̂_t − ∇f(x_t)‖² = σ²/(m t) exactly, for every η.
    """
    steps = grid("checkpoints", checkpoints, integer=True)
    T = int(steps[-1])
    out = []
    for s in lr_scales:
        tr = _no_attack_errors(
            problem, estimator, m, float(s) * theory_lr(problem, T), steps, seeds, rng
        )
        out.append(
            Measurement(
                x=tr.steps,
                values=tr["est_err"],
                theory=problem.sigma2 / (m * tr.steps),
                diverged=tr.diverged,
                config={"estimator": spec_of(estimator), "m": m, "f": 0, "lr_scale": float(s)},
                x_name="t",
                quantity="E‖d̂_t − ∇f(x_t)‖²",
                theory_name="σ²/(m t) (Lemma E, equality case)",
                seeds=tr.seeds,
            )
        )
    return out


def _check_additive(claim: str, problem: Any) -> None:
    check_problem(claim, problem)
    if problem.sigma_L2 != 0:
        raise ValueError(
            f"{claim} holds on problems with additive noise (σ_L² = 0); got σ_L² = "
            f"{problem.sigma_L2:.4g}"
        )


def _validate_e0(kw: Mapping[str, Any]) -> None:
    _check_additive("E0", kw["problem"])
    check_workers("E0", dict(kw, f=0, aggregator="mean", attack=None))


register(
    Claim(
        id="E0",
        statement="Lemma E's equality case: t·E‖d_t − ∇f(x_t)‖² = σ² exactly, at every t and η",
        reference="docs/theory.md §4 (Lemma E, equality case)",
        family=EXACT_NOISE,
        parts=(
            Part(
                "equality at every t",
                exact_error,
                (lambda meas: check_equivalence(meas, 0.05),),
            ),
        ),
        scales={
            "smoke": dict(
                instances=1,
                seeds=256,
                estimator="mu2sgd",
                m=1,
                lr_scales=(1.0,),
                checkpoints=(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64),
                rng=0,
            ),
            "quick": dict(
                instances=3,
                seeds=256,
                estimator="mu2sgd",
                m=1,
                lr_scales=(1e-2, 1.0, 1e2),
                checkpoints=(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 100),
                rng=0,
            ),
            "full": dict(
                instances=8,
                seeds=512,
                estimator="mu2sgd",
                m=1,
                lr_scales=(1e-2, 1.0, 1e2, 1e4),
                checkpoints=(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 100, 200, 400),
                rng=0,
            ),
        },
        controls=(
            Control(
                "beta_off_by_one",
                "STORM with β_t = 1/(t + 1): 6–14 % above σ² at t ≤ 12",
                {"estimator": "storm(offset=1)"},
            ),
        ),
        validate=_validate_e0,
    )
)


# ------------------------------------------------------------------------ E1, E2


def estimator_error(
    problem: Any,
    *,
    aggregator: Any,
    attack: Any,
    estimator: Any,
    m: int,
    f: int,
    lr_scales: Sequence[float],
    T: int,
    t_min: int,
    seeds: int,
    rng: int,
) -> list[Measurement]:
    """E‖d̂_t − ∇f(x_t)‖² at the checkpoints t ≥ ``t_min`` for η = s·η* (η* = 1/(8LT)), one
    measurement per s, beside Lemma E's σ̃²/t (f = 0, the mean: E1) or Lemma A's S²/t with
    S = σ̃(√κ + 1/√(m − f)) and κ the aggregator's declared constant (E2)."""
    claim = "E1" if f == 0 else "E2"
    k = kappa(claim, aggregator, m, f) if f > 0 else 0.0
    out = []
    for s in lr_scales:
        tr = _runs.simulate(
            problem,
            aggregator=aggregator,
            attack=attack if f > 0 else None,
            estimator=estimator,
            m=m,
            f=f,
            T=T,
            lr=float(s) * theory_lr(problem, T),
            seeds=seeds,
            rng=rng,
            record=("est_err",),
        )
        keep = tr.steps >= t_min
        t = tr.steps[keep]
        if f == 0 and m == 1:
            theory = B.get("lemma_e").evaluate(t=t.astype(float), **_lemma_e_args(problem))
            name = "σ̃²/t (Lemma E)"
        else:
            theory = B.get("lemma_a").evaluate(
                t=t.astype(float), kappa=k, m=m, f=f, **constants(problem)
            )
            name = "S²/t, S = σ̃(√κ + 1/√(m − f)) (Lemma A)"
        out.append(
            Measurement(
                x=t,
                values=tr["est_err"][:, keep],
                theory=theory,
                diverged=tr.diverged,
                config={
                    "aggregator": spec_of(aggregator),
                    "attack": spec_of(attack) if f > 0 else None,
                    "estimator": spec_of(estimator),
                    "m": m,
                    "f": f,
                    "T": T,
                    "lr_scale": float(s),
                    "kappa": k,
                },
                x_name="t",
                quantity="E‖d̂_t − ∇f(x_t)‖²",
                theory_name=name,
                seeds=tr.seeds,
            )
        )
    return out


def _lemma_e_args(problem: Any) -> dict[str, float]:
    c = constants(problem)
    return {"D": c["D"], "sigma2": c["sigma2"], "sigma_L2": c["sigma_L2"]}


def _validate_estimator(claim: str) -> Any:
    def validate(kw: Mapping[str, Any]) -> None:
        check_problem(claim, kw["problem"])
        check_workers(claim, kw)
        if kw["f"] > 0:
            kappa(claim, kw["aggregator"], kw["m"], kw["f"])
        grid("lr_scales", kw["lr_scales"])
        if not 1 <= int(kw["t_min"]) < int(kw["T"]):
            raise ValueError(f"{claim}: t_min must be in [1, T); got {kw['t_min']!r}")

    return validate


_LEMMA_CHECKS = (
    check_upper_bound,
    lambda meas: check_slope(meas, -1.0, 0.1),
)
_E1 = {"aggregator": "mean", "attack": None, "estimator": "mu2sgd", "m": 1, "f": 0, "t_min": 20}
_E2 = {"aggregator": "ctma(cwtm)", "attack": "alie", "estimator": "mu2sgd", "m": M, "f": F}

register(
    Claim(
        id="E1",
        statement="Lemma E: μ²-SGD's error ≤ σ̃²/t for every η, with slope −1 in t",
        reference="docs/theory.md §4 (Lemma E)",
        family=NOISE_DOMINATED_LS,
        parts=(Part("Lemma E", estimator_error, _LEMMA_CHECKS),),
        scales={
            "smoke": dict(_E1, instances=1, seeds=64, T=1000, lr_scales=(1.0,), rng=1),
            "quick": dict(
                _E1, instances=3, seeds=128, T=2000, lr_scales=(1e-2, 10**-0.5, 10.0), rng=1
            ),
            "full": dict(
                _E1, instances=8, seeds=256, T=10000, lr_scales=(1e-2, 10**-0.5, 10.0), rng=1
            ),
        },
        controls=(
            Control(
                "storm_beta_1",
                "STORM with β_t = 1 (plain SGD messages): the error stays flat",
                {"estimator": "storm(beta=1)"},
            ),
        ),
        validate=_validate_estimator("E1"),
    )
)

register(
    Claim(
        id="E2",
        statement="Lemma A under attack: the aggregated error ≤ S²/t with slope −1 in t",
        reference="docs/theory.md §4 (Lemma A)",
        family=NOISE_DOMINATED_LS,
        parts=(Part("Lemma A", estimator_error, _LEMMA_CHECKS),),
        scales={
            "smoke": dict(_E2, instances=1, seeds=64, T=1000, t_min=20, lr_scales=(1.0,), rng=1),
            "quick": dict(_E2, instances=3, seeds=128, T=2000, t_min=20, lr_scales=(1.0,), rng=1),
            "full": dict(
                _E2, instances=8, seeds=256, T=10000, t_min=20, lr_scales=(1e-2, 1.0), rng=1
            ),
        },
        controls=(
            Control(
                "momentum",
                "worker momentum (β = 0.9) under the same attack: the error plateaus",
                {"estimator": "momentum(beta=0.9)"},
            ),
        ),
        validate=_validate_estimator("E2"),
    )
)


# ----------------------------------------------------------------------------- M1


def momentum_curve(t: Any, beta: float, sigma2: float, power: int = 1) -> Any:
    """docs/theory.md §7 (M1): E‖d_t − ∇f‖² at a fixed point for d_1 = g_1,
    d_t = βd_{t−1} + (1 − β)g_t with i.i.d. g_t of variance σ²:
    σ²[(1 − β)/(1 + β)](1 − β^{2(t−1)}) + β^{2(t−1)}σ². ``power`` = 2 evaluates it with β²
    in place of β (the negative control)."""
    import numpy as np

    b = float(beta) ** power
    decay = b ** (2 * (np.asarray(t, dtype=np.float64) - 1))
    return sigma2 * ((1 - b) / (1 + b) * (1 - decay) + decay)


def momentum_plateau(
    problem: Any,
    *,
    betas: Sequence[float],
    checkpoints: Sequence[int],
    seeds: int,
    rng: int,
    formula_power: int,
) -> list[Measurement]:
    """Worker momentum at a fixed point, no attack, one worker and the mean: ‖d_t − ∇f(x_t)‖²
    at every checkpoint against :func:`momentum_curve`, one measurement per β. The point is
    held fixed up to a step η = 1e-9·η* (simulate needs η > 0): on a quadratic with additive
    noise the error is then the EMA of the noise, plus a lag bias below 1e-15·σ²."""
    steps = grid("checkpoints", checkpoints, integer=True)
    T = int(steps[-1])
    out = []
    for beta in betas:
        tr = _no_attack_errors(
            problem, f"momentum(beta={float(beta)!r})", 1, 1e-9 * theory_lr(problem, T), steps,
            seeds, rng,
        )  # fmt: skip
        out.append(
            Measurement(
                x=tr.steps,
                values=tr["est_err"],
                theory=momentum_curve(tr.steps, beta, problem.sigma2, formula_power),
                diverged=tr.diverged,
                config={"estimator": f"momentum(beta={beta!r})", "beta": float(beta),
                        "formula_power": formula_power, "m": 1, "f": 0},
                x_name="t",
                quantity="E‖d_t − ∇f(x_t)‖²",
                theory_name="σ²[(1−β)/(1+β)](1 − β^{2(t−1)}) + β^{2(t−1)}σ² (M1)",
                seeds=tr.seeds,
            )
        )  # fmt: skip
    return out


def _validate_m1(kw: Mapping[str, Any]) -> None:
    _check_additive("M1", kw["problem"])
    for b in kw["betas"]:
        if isinstance(b, bool) or not isinstance(b, (int, float)) or not 0 <= b < 1:
            raise ValueError(f"M1: every beta must be a number in [0, 1); got {b!r}")


_M1_STEPS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
register(
    Claim(
        id="M1",
        statement="worker momentum's error at a fixed point follows σ²[(1−β)/(1+β)]"
        "(1 − β^{2(t−1)}) + β^{2(t−1)}σ² at every t (the plateau σ²(1−β)/(1+β))",
        reference="docs/theory.md §7 (M1)",
        family=EXACT_NOISE,
        parts=(
            Part("curve at every t", momentum_plateau, (lambda m: check_equivalence(m, 0.05),)),
        ),
        scales={
            "smoke": dict(
                instances=1,
                seeds=256,
                betas=(0.9,),
                checkpoints=_M1_STEPS,
                rng=0,
                formula_power=1,
            ),
            "quick": dict(
                instances=3,
                seeds=256,
                betas=(0.5, 0.9),
                checkpoints=_M1_STEPS,
                rng=0,
                formula_power=1,
            ),
            "full": dict(
                instances=8,
                seeds=512,
                betas=(0.0, 0.5, 0.9, 0.99),
                checkpoints=(*_M1_STEPS, 100, 200, 400),
                rng=0,
                formula_power=1,
            ),
        },
        controls=(
            Control(
                "beta_squared",
                "the same check with β² in place of β in the formula",
                {"formula_power": 2},
            ),
        ),
        validate=_validate_m1,
    )
)
