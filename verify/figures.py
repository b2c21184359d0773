"""Figures of a verification report, drawn from verdicts and their measurements only.

Nothing here runs an experiment: ``sco report DIR`` redraws every figure from
``verdicts.json``. Each figure shows the measurement with its seed-bootstrap band beside the
theory it is checked against, one panel per instance where instances differ, and the negative
control when it was run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from .measurement import Measurement
from .stats import loglog_slope, mean_ci
from .verdict import Verdict

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _band(meas: Measurement) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seed mean and its 95 % bootstrap band per grid point (finite seeds only)."""
    data = meas.finite() if meas.n_diverged else meas
    if data.n_seeds == 0:
        nan = np.full(meas.x.shape, np.nan)
        return nan, nan, nan
    est = mean_ci(data.values)
    return (
        np.array([e.value for e in est]),
        np.array([e.low for e in est]),
        np.array([e.high for e in est]),
    )


def _positive(a: np.ndarray) -> np.ndarray:
    return np.where(a > 0, a, np.nan)


def _curve(ax: Any, meas: Measurement, color: str, label: str, style: str = "o-") -> None:
    mean, lo, hi = _band(meas)
    ax.plot(meas.x, _positive(mean), style, color=color, ms=3, lw=1.2, label=label)
    if meas.n_seeds > 1:
        ax.fill_between(meas.x, _positive(lo), _positive(hi), color=color, alpha=0.2, lw=0)


def _panels(n: int, width: float = 4.2, height: float = 3.4) -> tuple[Any, list[Any]]:
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(max(width * cols, 6.5), height * rows + 0.6), squeeze=False
    )
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _status(v: Verdict) -> str:
    return v.status.value if not v.negative_control else f"control {v.status.value}"


def _title(v: Verdict) -> str:
    import textwrap

    return textwrap.fill(f"{v.claim} ({_status(v)}): {v.statement}", 75)


def _by_instance(v: Verdict) -> dict[str, list[Verdict]]:
    out: dict[str, list[Verdict]] = {}
    for p in v.parts:
        out.setdefault(p.instances[0] if p.instances else "", []).append(p)
    return out


def _measurements(parts: Sequence[Verdict]) -> list[Measurement]:
    seen: list[Measurement] = []
    for p in parts:
        if p.measurement is not None and all(p.measurement is not m for m in seen):
            seen.append(p.measurement)
    return seen


def _control_for(v: Verdict, controls: Sequence[Verdict], instance: str) -> list[Measurement]:
    out = []
    for c in controls:
        for p in c.parts:
            if p.instances and p.instances[0] == instance and p.measurement is not None:
                out.append(p.measurement)
                break
    return out


def rates(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """E0/E1/E2/R1/R2: the measured mean (with band) against the grid, the theory beside it,
    a stand-still line where one was run, and the negative controls, one panel per instance."""
    groups = _by_instance(v)
    fig, axes = _panels(len(groups))
    for ax, (inst, parts) in zip(axes, groups.items(), strict=True):
        meas_list = _measurements(parts)
        meas_list = [m for m in meas_list if m.quantity == meas_list[0].quantity]
        for i, meas in enumerate(meas_list):
            color = COLORS[i % len(COLORS)]
            lr = meas.config.get("lr_scale")
            tag = f"η = {lr:g}·η*" if lr is not None and len(meas_list) > 1 else "measured"
            _curve(ax, meas, color, tag)
            if meas.theory is not None and (i == 0 or lr is not None):
                ax.plot(
                    meas.x,
                    meas.theory,
                    "--",
                    color=color if i else "k",
                    lw=1,
                    label=meas.theory_name if i == 0 else None,
                )
        still = [p.details.get("stand_still_values") for p in parts]
        for s in still:
            if s is not None:
                ax.plot(
                    meas_list[0].x,
                    _positive(np.array(s, float)),
                    ":",
                    color="gray",
                    label="stand-still x_t = x_1",
                )
                break
        for j, cm in enumerate(_control_for(v, controls, inst)):
            _curve(ax, cm, "#7f7f7f" if j == 0 else "#bcbd22", "negative control", "s--")
        meas0 = meas_list[0]
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(meas0.x_name)
        ax.set_ylabel(meas0.quantity)
        slope = _slope_text(meas0)
        ax.set_title(f"{inst}{slope}", fontsize=8)
        ax.legend(fontsize=7)
    fig.suptitle(_title(v), fontsize=9)
    return _save(fig, out / f"{v.claim.lower()}.png")


def _slope_text(meas: Measurement) -> str:
    mean, _, _ = _band(meas)
    if meas.x.size >= 2 and np.all(mean > 0) and np.all(meas.x > 0):
        return f"\nfitted slope {loglog_slope(meas.x, mean):.2f}"
    return ""


def delta(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """R3: excess loss and Theorem R's bound against δ = f/m (linear axis), per instance."""
    groups = _by_instance(v)
    fig, axes = _panels(len(groups))
    for ax, (inst, parts) in zip(axes, groups.items(), strict=True):
        meas = _measurements(parts)[0]
        _curve(ax, meas, COLORS[0], "measured")
        ax.plot(meas.x, meas.theory, "k--", lw=1, label="Theorem R")
        s = parts[0].details.get("stand_still_values")
        if s is not None:
            ax.plot(meas.x, s, ":", color="gray", label="stand-still x_t = x_1")
        for cm in _control_for(v, controls, inst):
            _curve(ax, cm, "#7f7f7f", "negative control", "s--")
        ax.set_yscale("log")
        ax.set(xlabel="δ = f/m", ylabel=meas.quantity)
        expo = meas.config.get("delta_exponent")
        ax.set_title(
            f"{inst}\nδ-exponent {expo:.2f} (information)" if expo is not None else inst, fontsize=8
        )
        ax.legend(fontsize=7)
    fig.suptitle(_title(v), fontsize=9)
    return _save(fig, out / "r3.png")


def stability(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """S1: final loss against the *relative* step η/η₀ (each estimator scaled to its own
    usual step), with the 5× band above μ²-SGD's best."""
    groups = _by_instance(v)
    fig, axes = _panels(len(groups))
    for ax, (inst, parts) in zip(axes, groups.items(), strict=True):
        meas = _measurements(parts)[0]
        rel = np.array(meas.config["lr_grid"], float)
        mean, lo, hi = _band(meas)
        ax.plot(
            rel,
            mean,
            "o-",
            color=COLORS[0],
            label=f"μ²-SGD (η₀ = η*), spread {np.nanmax(mean) / np.nanmin(mean):.2g}",
        )
        ax.fill_between(rel, lo, hi, color=COLORS[0], alpha=0.2, lw=0)
        ax.axhline(5 * np.nanmin(mean), color=COLORS[0], ls=":", lw=1, label="5 × μ²-SGD's best")
        for i, (est, b) in enumerate(meas.config.get("beside", {}).items()):
            ax.plot(
                rel,
                b["mean"],
                "s--",
                color=COLORS[i + 1],
                ms=3,
                label=f"{est} (η₀ = 1/(L√T)), spread {b['spread']:.2g}",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set(xlabel="η / η₀ (relative step)", ylabel=meas.quantity)
        ax.set_title(inst, fontsize=8)
        ax.legend(fontsize=6)
    fig.suptitle(_title(v), fontsize=9)
    return _save(fig, out / "s1.png")


def kappa_upgrade(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """K4: worst κ found for CTMA(A) and for A against δ, with the lower bound f/(m − 2f)."""
    groups = _by_instance(v)
    fig, axes = _panels(len(groups))
    for ax, (inst, parts) in zip(axes, groups.items(), strict=True):
        for i, meas in enumerate(_measurements(parts)):
            color = COLORS[(i // 2) % len(COLORS)]
            style = "o-" if meas.theory is None else "s:"
            ax.plot(meas.x, meas.values[0], style, color=color, ms=4, label=meas.config["rule"])
        meas0 = _measurements(parts)[0]
        lb = meas0.config.get("lower_bound")
        if lb is not None:
            ax.plot(meas0.x, lb, "k--", lw=1, label="lower bound f/(m − 2f)")
        ax.axhline(0.5, color="gray", lw=0.8, ls=":", label="Θ(1) floor ½")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set(xlabel=f"δ = f/m (m = {meas0.config.get('m')})", ylabel="worst κ found")
        ax.set_title(inst, fontsize=8)
        ax.legend(fontsize=6)
    fig.suptitle(_title(v), fontsize=9)
    return _save(fig, out / "k4.png")


def kappa_table(v: Verdict, controls: Sequence[Verdict], out: Path, stem: str) -> Path:
    """K1/K3: measured/theory per rule, one marker per instance, with the line at 1."""
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    rules: list[str] = []
    for i, p in enumerate(v.parts):
        meas = p.measurement
        if meas is None or meas.theory is None:
            continue
        names = [str(r) for r in meas.config.get("rules", [f"{x:g}" for x in meas.x])]
        for r in names:
            if r not in rules:
                rules.append(r)
        pos = [rules.index(r) for r in names]
        ratio = meas.values[0] / meas.theory
        ax.plot(
            pos,
            ratio,
            "o",
            color=COLORS[i % len(COLORS)],
            ms=5,
            label=p.instances[0] if p.instances else None,
        )
    ax.axhline(1.0, color="k", lw=1, ls="--", label="bound")
    ax.set_xticks(range(len(rules)))
    ax.set_xticklabels(rules, rotation=30, ha="right", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel("worst found / bound")
    ax.legend(fontsize=6)
    ax.set_title(_title(v), fontsize=9)
    return _save(fig, out / f"{stem}.png")


def cost(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """C1: each rule's cost in units of a mean against m (min over repeats), with slope-0 and
    slope-1 guides (ratio exponents of a linear and a quadratic rule)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    done: set[str] = set()
    for p in v.parts:
        meas = p.measurement
        if meas is None:
            continue
        rule = str(meas.config.get("rule"))
        mins = meas.values.min(axis=0)
        label = None if rule in done else f"{rule}: exponent {p.estimate:.2f} ({p.status.value})"
        done.add(rule)
        ax.plot(
            meas.x,
            mins,
            "o-" if rule != "nnm" else "s-",
            color=COLORS[0] if rule == "ctma" else COLORS[1],
            ms=4,
            lw=1,
            label=label,
        )
    if v.parts and v.parts[0].measurement is not None:
        m = v.parts[0].measurement.x
        ax.plot(m, np.full(m.shape, 1.0), "k:", lw=0.8, label="slope 0 (linear in m)")
        ax.plot(m, m / m[0], "k--", lw=0.8, label="slope 1 (quadratic in m)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel="workers m", ylabel="cost / cost of x.mean(axis=-2)")
    ax.legend(fontsize=7)
    ax.set_title(_title(v), fontsize=9)
    return _save(fig, out / "c1.png")


FIGURES = {
    "E0": rates,
    "E1": rates,
    "E2": rates,
    "R1": rates,
    "R2": rates,
    "R3": delta,
    "S1": stability,
    "K4": kappa_upgrade,
    "C1": cost,
}


def draw_all(verdicts: Sequence[Verdict], out: Path) -> list[Path]:
    """Every figure for the claims present (controls drawn beside their claim). A claim this
    module does not know (a user's) gets the generic measurement-vs-grid figure. A figure that
    cannot be drawn is reported with a warning naming it; the others are still drawn."""
    import warnings

    claims = {v.claim: v for v in verdicts if not v.negative_control}
    controls: dict[str, list[Verdict]] = {}
    for v in verdicts:
        if v.negative_control:
            controls.setdefault(v.claim, []).append(v)
    made = []
    for cid, v in claims.items():
        ctl = controls.get(cid, [])
        try:
            if cid in ("K1", "K2", "K3"):
                made.append(kappa_table(v, ctl, out, cid.lower()))
            else:
                made.append(FIGURES.get(cid, rates)(v, ctl, out))
        except Exception as exc:  # a figure must not take the report down with it
            warnings.warn(f"figure for {cid} not drawn: {exc!r}", RuntimeWarning, stacklevel=2)
            plt.close("all")
    return made
