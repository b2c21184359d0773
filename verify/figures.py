"""One PNG per claim family, drawn from the verdicts' data (and the cached experiments)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from .checks import Verdict
from .stats import loglog_slope, slope_ci


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def convergence(v: Verdict, out: Path) -> Path:
    """R1/R2: E[f(x_T) − f*] against T beside Theorem R, with the fitted slope."""
    d = v.details
    T, mean, bound = np.array(d["T"]), np.array(d["mean"]), np.array(d["bound"])
    fig, ax = plt.subplots(figsize=(6, 4))
    s = loglog_slope(T, mean)
    ax.loglog(T, mean, "o-", label=f"μ²-SGD + CTMA(CWTM) under ALIE (slope {s:.2f})")
    ax.loglog(T, bound, "k--", label="Theorem R bound (η = 1/(8LT))")
    ax.set(xlabel="horizon T", ylabel="E[f(x_T) − f*]", title="R1/R2: suboptimality vs T")
    ax.legend(fontsize=8)
    return _save(fig, out / "convergence.png")


def estimator(scale: str, out: Path) -> Path:
    """E1/E2: estimator and aggregation error against t for μ²-SGD, momentum and SGD."""
    from .claims import rates

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for est, style in (("mu2sgd", "-"), ("momentum(beta=0.9)", "--"), ("sgd", ":")):
        tr = rates._estimator_run(scale, est, 1.0, True)
        for ax, name in zip(axes, ("est_err", "agg_err"), strict=True):
            keep = tr.steps >= 20
            t, vals = tr.steps[keep], tr[name][:, keep]
            e = slope_ci(t, vals)
            ax.loglog(
                t,
                vals.mean(0),
                style,
                label=f"{est} (slope {e.value:.2f} [{e.low:.2f}, {e.high:.2f}])",
            )
    p = rates.ls_problem()
    t = np.geomspace(20, rates.PARAMS[scale]["T"], 50)
    axes[0].loglog(t, rates._lemma_a_bound(p, t), "k--", label="Lemma A bound S²/t")
    axes[0].set(xlabel="t", ylabel="E‖d̂_t − ∇f(x_t)‖²", title="E2: aggregated estimator error")
    axes[1].set(xlabel="t", ylabel="E‖d̂_t − d̄_G,t‖²", title="aggregation error (ALIE, CTMA(CWTM))")
    for ax in axes:
        ax.legend(fontsize=7)
    return _save(fig, out / "estimator.png")


def kappa(v: Verdict, out: Path) -> Path:
    """K1/K4: worst realised κ ratio against δ, each base with and without CTMA."""
    d = v.details
    delta = np.array(d["delta"])
    fig, ax = plt.subplots(figsize=(6, 4))
    for base, vals in d["base"].items():
        line = ax.loglog(delta, vals, "o--", label=f"{base}")
        ax.loglog(
            delta,
            d["ctma"][base],
            "s-",
            color=line[0].get_color(),
            label=f"ctma({base}) (slope {d['slopes'][base]:.2f})",
        )
    m = 101
    f = np.round(delta * m)
    ax.loglog(delta, f / (m - 2 * f), "k:", label="lower bound f/(m − 2f)")
    ax.set(
        xlabel="δ = f/m (m = 101)",
        ylabel="worst ‖A − x̄_G‖²/V_G found",
        title="K4: CTMA makes robustness O(δ)",
    )
    ax.legend(fontsize=7)
    return _save(fig, out / "kappa.png")


def stability(v: Verdict, out: Path) -> Path:
    """S1: final suboptimality against η for μ²-SGD, SGD and momentum."""
    d = v.details
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(d["eta"], d["mu2sgd"], "o-", label=f"μ²-SGD (max/min {v.estimate:.2f})")
    for est in ("sgd", "momentum(beta=0.9)"):
        if est in d:
            ax.loglog(
                d[f"{est} eta"], d[est], "s--", label=f"{est} (max/min {d[f'{est} spread']:.1f})"
            )
    ax.set(xlabel="step size η", ylabel="E[f(x_T) − f*]", title="S1: learning-rate stability")
    ax.legend(fontsize=8)
    return _save(fig, out / "stability.png")


def cost(v: Verdict, out: Path) -> Path:
    """C1: aggregation time against m for CTMA's step and NNM's mixing."""
    d = v.details
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(d["m"], d["ctma_s"], "o-", label=f"CTMA step (exponent {v.estimate:.2f})")
    ax.loglog(d["m"], d["nnm_s"], "s-", label=f"NNM mixing (exponent {d['nnm_exponent']:.2f})")
    ax.set(xlabel="workers m (d = 250)", ylabel="seconds", title="C1: cost vs m")
    ax.legend(fontsize=8)
    return _save(fig, out / "cost.png")


def draw_all(verdicts: list[Verdict], scale: str, out: Path) -> list[Path]:
    """Every figure whose claims were run (positive verdicts only)."""
    by_id = {v.claim: v for v in verdicts if not v.negative_control}
    made = []
    if "R2" in by_id:
        made.append(convergence(_r2_with_bound(by_id["R2"], scale), out))
    if "E2" in by_id or "E1" in by_id:
        made.append(estimator(scale, out))
    if "K4" in by_id:
        made.append(kappa(by_id["K4"], out))
    if "S1" in by_id:
        made.append(stability(by_id["S1"], out))
    if "C1" in by_id:
        made.append(cost(by_id["C1"], out))
    return made


def _r2_with_bound(v: Verdict, scale: str) -> Verdict:
    from .claims import rates

    p = rates.quad_problem()
    bound = [rates._theorem_r(p, T, rates.F) for T in v.details["T"]]
    return Verdict(
        v.claim,
        v.passed,
        v.estimate,
        v.ci,
        v.predicted,
        v.tolerance,
        v.n_seeds,
        details=dict(v.details, bound=bound),
    )
