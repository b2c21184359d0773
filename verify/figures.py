"""Figures of a verification report, drawn from verdicts and their measurements only.

Nothing here runs an experiment: ``sco report DIR`` redraws every figure from ``verdicts.json``.
Each figure shows, per instance of the claim's family (one panel each):

- the measurement (seed mean) with its 95 % seed-bootstrap band;
- the theory it is checked against (a bound, an exact value, a threshold) beside it;
- for rates, log-log axes, the fitted slope with its interval and a reference-slope guide;
- the negative control's curve where there is one, and the stand-still control's line;
- the status in the title, and a caption naming the instance family, m, f, attack, aggregator and
  seeds, and how each negative control ended.

Curves that are identical (E0's error is the same for every step size, as the theory says) are
drawn once, with a note.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from .measurement import Measurement
from .stats import mean_ci, slope_ci
from .verdict import Status, Verdict

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
CONTROL_COLORS = ("#7f7f7f", "#bcbd22", "#17becf")
REFERENCE_SLOPE = {"E0": -1.0, "E1": -1.0, "E2": -1.0, "R1": -0.5, "R2": -0.5}
STATUS_COLOR = {
    Status.PASS: "#2ca02c",
    Status.FAIL: "#d62728",
    Status.INCONCLUSIVE: "#ff7f0e",
    Status.VACUOUS: "#9467bd",
}


# ----------------------------------------------------------------------------- helpers


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, dpi=120, bbox_inches="tight")
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


def _positive(a: Any) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return np.where(a > 0, a, np.nan)


def _curve(ax: Any, meas: Measurement, color: str, label: str, style: str = "o-") -> None:
    mean, lo, hi = _band(meas)
    ax.plot(meas.x, _positive(mean), style, color=color, ms=3, lw=1.3, label=label)
    if meas.n_seeds > 1:
        ax.fill_between(meas.x, _positive(lo), _positive(hi), color=color, alpha=0.2, lw=0)


def _panels(n: int, width: float = 4.6, height: float = 3.6) -> tuple[Any, list[Any]]:
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(max(width * cols, 7.0), height * rows + 1.4), squeeze=False
    )
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _headline(fig: Any, v: Verdict) -> None:
    title = textwrap.fill(f"{v.claim} — {v.status.value}: {v.statement}", 95)
    fig.suptitle(title, fontsize=10, color=STATUS_COLOR[v.status], fontweight="bold")


def _caption(fig: Any, v: Verdict, controls: Sequence[Verdict], extra: str = "") -> None:
    """The instance family, the setting (m, f, attack, aggregator, estimator), the seeds and the
    negative controls, in small type under the panels."""
    values: dict[str, list[str]] = {}
    for p in v.parts:
        if p.measurement is not None:
            for k in ("m", "f", "aggregator", "attack", "estimator"):
                if k in p.measurement.config:
                    text = str(p.measurement.config[k])
                    if text not in values.setdefault(k, []):
                        values[k].append(text)
    setting = [
        f"{k} = {vals[0]}" if len(vals) == 1 else f"{k} ∈ {{{', '.join(vals)}}} (per instance)"
        for k, vals in values.items()
    ]
    repeats = any(p.measurement is not None and "repeats" in p.measurement.config for p in v.parts)
    if v.n_seeds > 1:
        setting.append(f"{v.n_seeds} {'timing repeats' if repeats else 'seeds'} per instance")
    setting.append(f"{len(v.instances)} instance(s)")
    ctl = [
        f"{c.details.get('control', 'control')}: {'rejected' if c.rejected else c.status.value}"
        for c in controls
    ]
    lines = [
        f"Family: {v.family}",
        "Setting: " + ", ".join(setting) + ".",
    ]
    if ctl:
        lines.append("Negative controls: " + "; ".join(ctl) + ".")
    if extra:
        lines.append(extra)
    text = "\n".join(textwrap.fill(line, 150) for line in lines)
    fig.text(0.01, _below_legend(fig), text, fontsize=7, va="top", ha="left")


def _by_instance(v: Verdict) -> dict[str, list[Verdict]]:
    out: dict[str, list[Verdict]] = {}
    for p in v.parts:
        out.setdefault(p.instances[0] if p.instances else "", []).append(p)
    return out


def _same(a: Measurement, b: Measurement) -> bool:
    """The same measurement (several checks of one experiment carry copies of it)."""
    return a is b or (
        a.quantity == b.quantity
        and a.config == b.config
        and np.array_equal(a.x, b.x)
        and np.array_equal(a.values, b.values, equal_nan=True)
    )


def _measurements(parts: Sequence[Verdict]) -> list[Measurement]:
    seen: list[Measurement] = []
    for p in parts:
        if p.measurement is not None and not any(_same(p.measurement, m) for m in seen):
            seen.append(p.measurement)
    return seen


def _shared_legend(fig: Any, axes: Sequence[Any]) -> None:
    """One legend for the figure, under the panels (labels repeated across panels once)."""
    handles: dict[str, Any] = {}
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    if handles:
        fig.legend(
            list(handles.values()),
            list(handles),
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=min(3, len(handles)),
            fontsize=7.5,
            frameon=False,
        )


def _below_legend(fig: Any) -> float:
    """The figure y coordinate just under the figure legend, or else under the panels and
    their tick labels (long, rotated labels reach well below the axes)."""
    fig.canvas.draw()
    inverse = fig.transFigure.inverted()
    if fig.legends:
        return float(fig.legends[0].get_window_extent().transformed(inverse).y0) - 0.01
    renderer = fig.canvas.get_renderer()
    lows = [ax.get_tightbbox(renderer).transformed(inverse).y0 for ax in fig.axes]
    return min(-0.02, float(min(lows)) - 0.01) if lows else -0.02


def _merge_identical(
    meas: list[Measurement], rtol: float = 1e-9
) -> list[tuple[Measurement, list[Measurement]]]:
    """Group measurements whose values agree to ``rtol`` (drawn once, with a note): curves that
    would otherwise lie on top of each other invisibly."""
    groups: list[tuple[Measurement, list[Measurement]]] = []
    for m in meas:
        for head, same in groups:
            if head.values.shape == m.values.shape and np.allclose(
                head.values, m.values, rtol=rtol, atol=0.0, equal_nan=True
            ):
                same.append(m)
                break
        else:
            groups.append((m, [m]))
    return groups


def _control_measurements(controls: Sequence[Verdict], instance: str) -> list[tuple[str, Any]]:
    out = []
    for c in controls:
        for p in c.parts:
            if p.instances and p.instances[0] == instance and p.measurement is not None:
                out.append((str(c.details.get("control", "control")), p.measurement))
                break
    return out


def _slope_label(meas: Measurement) -> str:
    data = meas.finite() if meas.n_diverged else meas
    if data.n_seeds == 0 or meas.x.size < 2 or np.any(meas.x <= 0):
        return ""
    est = slope_ci(data.x, data.values)
    if not np.isfinite(est.low):
        return f"slope {est.value:.2f}"
    return f"slope {est.value:.2f} [{est.low:.2f}, {est.high:.2f}]"


def _guide(ax: Any, meas: Measurement, slope: float) -> None:
    """A reference line of the given log-log slope through the first measured point."""
    mean, _, _ = _band(meas)
    x = meas.x
    if x.size < 2 or not np.isfinite(mean[0]) or mean[0] <= 0:
        return
    ax.plot(
        x, mean[0] * (x / x[0]) ** slope, ":", color="k", lw=0.9, label=f"reference slope {slope:g}"
    )


def _grid_ticks(ax: Any, x: np.ndarray) -> None:
    """Label a short log grid at its own points (no colliding minor labels)."""
    x = np.asarray(x, dtype=np.float64)
    if 2 <= x.size <= 8 and np.all(x > 0):
        ax.set_xticks(x)
        labels = [f"{v:.0f}" if v == round(v) else f"{v:.3g}" for v in x]
        ax.set_xticklabels(labels, fontsize=7)
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())


def _lr_tag(meas: Measurement) -> str:
    s = meas.config.get("lr_scale")
    return "" if s is None else f"η = {s:.3g}·η*"


# ----------------------------------------------------------------------------- figures


def rates(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """E0/E1/E2/R1/R2 (and any user claim): the measurement against its grid with the theory
    beside it, per instance; log-log, fitted slope, reference slope, controls."""
    groups = _by_instance(v)
    fig, axes = _panels(len(groups))
    for ax, (inst, parts) in zip(axes, groups.items(), strict=True):
        meas_list = _measurements(parts)
        main = [m for m in meas_list if m.quantity == meas_list[0].quantity]
        drawn_theory: list[np.ndarray] = []
        slopes = []
        for i, (head, same) in enumerate(_merge_identical(main)):
            color = COLORS[i % len(COLORS)]
            tags = [t for t in (_lr_tag(m) for m in same) if t]
            label = " = ".join(tags) if tags else "measured (mean over seeds, 95 % band)"
            if len(same) > 1:
                label += " (identical to 1e-9, drawn once)"
            _curve(ax, head, color, label)
            slope = _slope_label(head)
            if slope:
                slopes.append(f"{tags[0] + ': ' if tags else ''}{slope}")
            th = head.theory
            if th is not None and not any(np.array_equal(th, d) for d in drawn_theory):
                ax.plot(
                    head.x,
                    _positive(th),
                    "--",
                    color="k",
                    lw=1.1,
                    label=head.theory_name or "theory",
                )
                drawn_theory.append(th)
        ref = REFERENCE_SLOPE.get(v.claim)
        if ref is not None:
            _guide(ax, main[0], ref)
        for p in parts:
            still = p.details.get("stand_still_values")
            if still is not None:
                ax.plot(
                    main[0].x,
                    _positive(still),
                    "-.",
                    color="#9467bd",
                    lw=1.2,
                    label="stand-still control x_t = x_1",
                )
                break
        for j, (name, cm) in enumerate(_control_measurements(controls, inst)):
            if cm.quantity == main[0].quantity:
                _curve(ax, cm, CONTROL_COLORS[j % 3], f"negative control: {name}", "s--")
        ax.set_xscale("log")
        ax.set_yscale("log")
        _grid_ticks(ax, main[0].x)
        ax.set_xlabel(main[0].x_name)
        ax.set_ylabel(main[0].quantity)
        status = worst_part_status(parts)
        ax.set_title(f"{inst} — {status}", fontsize=7.5, color=STATUS_COLOR[Status(status)])
        if slopes:
            ax.text(
                0.02,
                0.02,
                "fitted " + "\n".join(slopes),
                transform=ax.transAxes,
                fontsize=6.5,
                va="bottom",
                ha="left",
                bbox={"facecolor": "white", "alpha": 0.8, "lw": 0},
            )
    _shared_legend(fig, axes)
    _headline(fig, v)
    _caption(fig, v, controls)
    return _save(fig, out / f"{v.claim.lower()}.png")


def equality(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """E0 (equivalence claims): the measurement divided by the theory, with its simultaneous
    band's tolerance 1 ± tol, per instance; the negative control on the same scale."""
    groups = _by_instance(v)
    tol = v.tolerance or 0.05
    fig, axes = _panels(len(groups))
    for ax, (inst, parts) in zip(axes, groups.items(), strict=True):
        main = _measurements(parts)
        for i, (head, same) in enumerate(_merge_identical(main)):
            tags = " = ".join(t for t in (_lr_tag(m) for m in same) if t) or "measured"
            if len(same) > 1:
                tags += " (identical to 1e-9, drawn once)"
            assert head.theory is not None
            ratio = Measurement(
                head.x, head.values / head.theory, np.ones_like(head.x), head.diverged
            )
            _curve(ax, ratio, COLORS[i % len(COLORS)], tags)
        for j, (name, cm) in enumerate(_control_measurements(controls, inst)):
            if cm.theory is not None:
                r = Measurement(cm.x, cm.values / cm.theory, np.ones_like(cm.x), cm.diverged)
                _curve(ax, r, CONTROL_COLORS[j % 3], f"negative control: {name}", "s--")
        ax.axhline(1.0, color="k", lw=1.1, ls="--", label=f"theory: {main[0].theory_name}")
        ax.axhspan(1 - tol, 1 + tol, color="k", alpha=0.07, lw=0, label=f"band 1 ± {tol:g}")
        ax.set_xscale("log")
        ax.set(xlabel=main[0].x_name, ylabel="measured / theory")
        status = worst_part_status(parts)
        ax.set_title(f"{inst} — {status}", fontsize=7.5, color=STATUS_COLOR[Status(status)])
    _shared_legend(fig, axes)
    _headline(fig, v)
    _caption(
        fig,
        v,
        controls,
        "The band around each curve is the 95 % seed-bootstrap interval "
        "per point; the verdict uses a band simultaneous over the grid.",
    )
    return _save(fig, out / f"{v.claim.lower()}.png")


def worst_part_status(parts: Sequence[Verdict]) -> str:
    from .verdict import worst_status

    return worst_status([p.status for p in parts]).value


def delta(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """R3: excess loss and Theorem R's bound against δ = f/m (linear δ axis), per instance."""
    groups = _by_instance(v)
    fig, axes = _panels(len(groups))
    for ax, (inst, parts) in zip(axes, groups.items(), strict=True):
        meas = _measurements(parts)[0]
        _curve(ax, meas, COLORS[0], "measured (CTMA(CWTM) under attack)")
        ax.plot(meas.x, meas.theory, "k--", lw=1.1, label="Theorem R bound")
        s = parts[0].details.get("stand_still_values")
        if s is not None:
            ax.plot(
                meas.x,
                s,
                "-.",
                color="#9467bd",
                lw=1.2,
                label=f"stand-still x_t = x_1 ({parts[0].details.get('stand_still')})",
            )
        for j, (name, cm) in enumerate(_control_measurements(controls, inst)):
            _curve(ax, cm, CONTROL_COLORS[j % 3], f"negative control: {name}", "s--")
        ax.set_yscale("log")
        ax.set(xlabel="δ = f/m", ylabel=meas.quantity)
        expo = meas.config.get("delta_exponent")
        note = f"\nδ-exponent of the excess loss {expo:.2f} (information)" if expo else ""
        ax.set_title(
            f"{inst} — {parts[0].status.value}{note}",
            fontsize=8,
            color=STATUS_COLOR[parts[0].status],
        )
        ax.legend(fontsize=6.5)
    _headline(fig, v)
    _caption(fig, v, controls)
    return _save(fig, out / "r3.png")


def stability(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """S1: final loss against the relative step η/η₀ (each estimator around its own base step η₀),
    with the 5× threshold above μ²-SGD's best."""
    groups = _by_instance(v)
    fig, axes = _panels(len(groups))
    for ax, (inst, parts) in zip(axes, groups.items(), strict=True):
        meas = _measurements(parts)[0]
        rel = np.array(meas.config["lr_grid"], float)
        mean, lo, hi = _band(meas)
        spread = np.nanmax(mean) / np.nanmin(mean)
        ax.plot(
            rel,
            mean,
            "o-",
            color=COLORS[0],
            lw=1.5,
            label=f"μ²-SGD (η₀ = η* = 1/(8LT)); max/min {spread:.2g}",
        )
        ax.fill_between(rel, lo, hi, color=COLORS[0], alpha=0.2, lw=0)
        ax.axhline(
            5 * np.nanmin(mean), color=COLORS[0], ls=":", lw=1, label="threshold: 5 × μ²-SGD's best"
        )
        for i, (est, b) in enumerate(meas.config.get("beside", {}).items()):
            ax.plot(
                rel,
                b["mean"],
                "s--",
                color=COLORS[i + 1],
                ms=3,
                label=f"{est} (η₀ = 1/(L√T)); max/min {b['spread']:.2g}",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        _grid_ticks(ax, rel)
        ax.set(xlabel="η / η₀ (relative step)", ylabel=meas.quantity)
        ax.set_title(
            f"{inst} — {parts[0].status.value}", fontsize=8, color=STATUS_COLOR[parts[0].status]
        )
        ax.legend(fontsize=6.5)
    _headline(fig, v)
    _caption(
        fig,
        v,
        controls,
        "Each estimator is scaled to its own usual step, so the x axis is "
        "comparable across estimators; SGD's and momentum's curves are its negative control "
        "and information.",
    )
    return _save(fig, out / "s1.png")


def kappa_upgrade(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """K4: worst κ found for CTMA(A) (solid) and A alone (dotted) against δ, the lower bound
    f/(m − 2f), the Θ(1) floor and the controls (A searched in place of CTMA(A))."""
    groups = _by_instance(v)
    fig, axes = _panels(len(groups))
    for ax, (inst, parts) in zip(axes, groups.items(), strict=True):
        metas = [m for m in _measurements(parts) if m.theory is None]
        props = [m for m in _measurements(parts) if "kappa_star_base" in m.config]
        bases = [
            m
            for m in _measurements(parts)
            if m.theory is not None and "kappa_star_base" not in m.config
        ]
        slopes = []
        for i, (head, same) in enumerate(_merge_identical(metas)):
            label = " = ".join(m.config["rule"] for m in same)
            slope = np.polyfit(np.log(head.x), np.log(head.values[0]), 1)[0]
            slopes.append(f"{label}: {slope:.2f}")
            ax.plot(head.x, head.values[0], "o-", color=COLORS[i % 6], ms=4, label=label)
        for i, pm in enumerate(props):
            ax.plot(
                pm.x,
                pm.theory,
                "-",
                color=COLORS[i % 6],
                lw=0.8,
                alpha=0.6,
                label=f"{pm.config['rule']}: 4f(1 + κ*_A)/(m − f)",
            )
        for i, (head, same) in enumerate(_merge_identical(bases, rtol=1e-3)):
            exact = "exact" in head.config.get("families", [])
            how = "κ* exact" if exact else "screened"
            label = " = ".join(m.config["rule"] for m in same) + f" alone ({how})"
            if len(same) > 1:
                label += ", equal to 0.1 %: drawn once"
            ax.plot(head.x, head.values[0], "s:", color=COLORS[(i + 3) % 6], ms=3, label=label)
        for j, c in enumerate(controls):
            name = str(c.details.get("control", "control"))
            for p in c.parts:
                cm = p.measurement
                if p.instances and p.instances[0] == inst and cm is not None:
                    ax.plot(
                        cm.x,
                        cm.values[0],
                        "x--",
                        color=CONTROL_COLORS[j % 3],
                        ms=4,
                        lw=0.8,
                        label=f"control {name}: a base searched like CTMA(A)",
                    )
        lb = metas[0].config.get("lower_bound") if metas else None
        if lb is not None:
            ax.plot(metas[0].x, lb, "k--", lw=1, label="lower bound f/(m − 2f)")
        ax.axhline(0.5, color="gray", lw=0.8, ls=":", label="Θ(1) floor ½")
        x0 = metas[0].x if metas else np.array([1e-2, 1e-1])
        ax.plot(x0, 3.5 * x0, color="k", lw=0.6, alpha=0.4, label="reference slope 1")
        ax.set_xscale("log")
        ax.set_yscale("log")
        if metas:
            _grid_ticks(ax, metas[0].x)
        m_ = metas[0].config.get("m") if metas else "?"
        ax.set(xlabel=f"δ = f/m (m = {m_})", ylabel="worst ‖A − x̄_G‖²/V_G found")
        ax.text(
            0.98,
            0.02,
            "fitted slope in log δ\n" + "\n".join(slopes),
            transform=ax.transAxes,
            fontsize=6.5,
            va="bottom",
            ha="right",
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0},
        )
        ax.set_title(
            f"{inst} — {worst_part_status(parts)}",
            fontsize=8,
            color=STATUS_COLOR[Status(worst_part_status(parts))],
        )
    _shared_legend(fig, axes)
    _headline(fig, v)
    fams = sorted({f for m in _measurements(v.parts) for f in m.config.get("families", [])})
    _caption(fig, v, controls, "The worst instances started from: " + ", ".join(fams) + ".")
    return _save(fig, out / "k4.png")


def kappa_table(v: Verdict, controls: Sequence[Verdict], out: Path, stem: str) -> Path:
    """K1/K2/K3: measured/theory per rule, one marker per instance, with the line at 1."""
    fig, ax = plt.subplots(figsize=(8.5, 4.0))
    rules: list[str] = []
    for i, p in enumerate(v.parts):
        meas = p.measurement
        if meas is None or meas.theory is None:
            continue
        names = [str(r) for r in meas.config.get("rules", [f"{x:g}" for x in meas.x])]
        for r in names:
            if r not in rules:
                rules.append(r)
        pos = np.array([rules.index(r) for r in names]) + (i - 1) * 0.12
        ratio = meas.values[0] / meas.theory
        ax.plot(
            pos,
            ratio,
            "o",
            color=COLORS[i % len(COLORS)],
            ms=5,
            label=f"{p.instances[0] if p.instances else ''} ({p.status.value})",
        )
    ax.axhline(1.0, color="k", lw=1, ls="--", label="bound (ratio 1)")
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    # at least a decade each side of 1, so that 1 ± rounding does not fill the whole axis
    ax.set_ylim(min(lo, 0.1), max(hi, 10.0))
    ax.set_xticks(range(len(rules)))
    ax.set_xticklabels(rules, rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("measured / theory")
    ax.legend(fontsize=6.5, loc="lower right")
    _headline(fig, v)
    _caption(fig, v, controls)
    return _save(fig, out / f"{stem}.png")


def kappa_exact(v: Verdict, controls: Sequence[Verdict], out: Path, stem: str) -> Path:
    """K5/K6: measured/theory per rule, the marker naming the check (extremal instance attained
    ○ or approached ◇, search ×, floor ▽) and the colour the instance, with the line at 1."""
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    rules: list[str] = []
    instances: list[str] = []
    marker = {"attained": "o", "approached": "D", "search": "x", "floor": "v"}
    seen: set[tuple[str, str]] = set()
    kinds: set[str] = set()
    lo, hi = 0.5, 2.0
    for p in v.parts:
        meas = p.measurement
        if meas is None or meas.theory is None:
            continue
        inst = p.instances[0] if p.instances else ""
        if inst not in instances:
            instances.append(inst)
        kind = "floor" if "f/(m − f)" in meas.theory_name else "search"
        kind = next((k for k in ("attained", "approached") if k in meas.quantity), kind)
        names = [str(r) for r in meas.config.get("rules", [])]
        for r in names:
            if r not in rules:
                rules.append(r)
        k = instances.index(inst)
        pos = np.array([rules.index(r) for r in names]) + (k - 1) * 0.15
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = meas.values[0] / meas.theory
        label_inst = f"{inst} ({p.status.value})" if (inst, "i") not in seen else None
        seen.add((inst, "i"))
        ax.plot(pos, ratio, marker[kind], color=COLORS[k % len(COLORS)], ms=6, mfc="none",
                label=label_inst)  # fmt: skip
        kinds.add(kind)
        finite = ratio[np.isfinite(ratio) & (ratio > 0)]
        if finite.size:
            lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
    for kind, mk in marker.items():
        if kind in kinds:
            ax.plot([], [], mk, color="k", mfc="none", label=kind)
    ax.axhline(1.0, color="k", lw=1, ls="--", label="ratio 1 (κ*, ε* or the floor)")
    ax.set_yscale("log")
    ax.set_ylim(lo / 1.3, hi * 1.3)
    ax.set_xticks(range(len(rules)))
    ax.set_xticklabels(rules, rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("measured / theory (search: / certified upper bound)")
    ax.legend(fontsize=6.5, loc="lower right", ncol=2)
    _headline(fig, v)
    _caption(fig, v, controls)
    return _save(fig, out / f"{stem}.png")


def cost(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """C1: each rule's cost in units of an interleaved mean against m (minimum over repeats), one
    line per instance, with slope-0 (linear in m) and slope-1 (quadratic) guides."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    seen: set[str] = set()
    for p in v.parts:
        meas = p.measurement
        if meas is None:
            continue
        rule = str(meas.config.get("rule"))
        mins = meas.values.min(axis=0)
        label = None
        if rule not in seen:
            ci = f"[{p.ci[0]:.2f}, {p.ci[1]:.2f}]"
            label = f"{rule}: exponent {p.estimate:.2f} {ci} ({p.status.value})"
        seen.add(rule)
        ax.plot(
            meas.x,
            mins,
            "o-" if rule != "nnm" else "s-",
            ms=4,
            lw=1,
            color=COLORS[0] if rule == "ctma" else COLORS[1],
            alpha=0.8,
            label=label,
        )
    if v.parts and v.parts[0].measurement is not None:
        m = v.parts[0].measurement.x
        ax.plot(m, np.full(m.shape, 5.0), "k:", lw=0.8, label="slope 0 guide (linear in m)")
        ax.plot(m, 100 * m / m[0], "k--", lw=0.8, label="slope 1 guide (quadratic in m)")
    ax.set_xscale("log")
    if v.parts and v.parts[0].measurement is not None:
        _grid_ticks(ax, v.parts[0].measurement.x)
    ax.set_yscale("log")
    ax.set(xlabel="workers m", ylabel="cost / cost of x.mean(axis=-2)")
    ax.legend(fontsize=7)
    _headline(fig, v)
    clock = ""
    if v.parts and v.parts[0].measurement is not None:
        clock = f"Timing: {v.parts[0].measurement.config.get('clock')}, min over repeats."
    _caption(fig, v, controls, clock)
    return _save(fig, out / "c1.png")


def reproduction(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """P1: per instance, each seed's largest relative deviation from the §8 reference over the
    whole trajectory (circles) and each tied array's deviation (triangles), exact zeros drawn at
    1e-18, the 1e-12 tolerance, and the negative controls' deviations on the same instances."""
    floor = 1e-18
    fig, ax = plt.subplots(figsize=(9.0, 4.6))
    groups = [(v, COLORS[0], "claim")] + [
        (c, CONTROL_COLORS[i % len(CONTROL_COLORS)], f"control {c.details.get('control', '')}")
        for i, c in enumerate(controls)
    ]
    labels: list[str] = []
    shown: set[str] = set()
    for g, (verdict, color, name) in enumerate(groups):
        for i, p in enumerate(verdict.parts):
            meas = p.measurement
            if meas is None:
                continue
            inst = (p.instances[0] if p.instances else f"#{i + 1}").split(",")[0]
            if inst not in labels:
                labels.append(inst)
            ties = meas.x_name == "case"
            vals = np.maximum(np.nan_to_num(meas.values.ravel(), nan=1.0, posinf=1.0), floor)
            pos = labels.index(inst) + (g - 0.5 * (len(groups) - 1)) * 0.18 + (0.06 if ties else 0)
            key = f"{name}, {'tied arrays' if ties else 'trajectories'} ({verdict.status.value})"
            ax.plot(
                np.full(vals.size, pos),
                vals,
                "^" if ties else "o",
                color=color,
                ms=4,
                alpha=0.85,
                label=key if key not in shown else None,
            )
            shown.add(key)
    ax.axhline(1e-12, color="k", lw=1, ls="--", label="tolerance 1e-12")
    ax.set_yscale("log")
    ax.set_ylim(floor / 3, 10.0)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=15, ha="right", fontsize=7)
    ax.set_ylabel("max_t ‖x_t − x_t(§8)‖ / (1 + ‖x_t(§8)‖)")
    ax.legend(fontsize=6.5, loc="center right")
    _headline(fig, v)
    _caption(fig, v, controls, f"Exact agreement (0) is drawn at {floor:g}.")
    return _save(fig, out / "p1.png")


# ----------------------------------------------------------------------------- heterogeneity

#: H3's thresholds on ‖x_T‖/‖x_1‖ (verify.claims.heterogeneity: H3_CONVERGED, H3_STUCK) and its
#: curve factors (H3_BELOW, H3_ABOVE): repeated here so that figures need no claim module.
BREAKDOWN_CONVERGED, BREAKDOWN_STUCK = 1e-8, 0.5
BREAKDOWN_BELOW, BREAKDOWN_ABOVE = 0.97, 1.03
#: How each class of grid point is drawn in the breakdown diagram: (marker, colour, label).
BREAKDOWN_STYLE = {
    "converged": ("o", "#2ca02c", "converged: ‖x_T‖ ≤ 1e-8‖x_1‖"),
    "partial": ("D", "#ff7f0e", "in between"),
    "no progress": ("x", "#d62728", "no progress: ‖x_T‖ ≥ 0.5‖x_1‖ (or non-finite)"),
}


def breakdown_class(ratio: Any) -> str:
    """The class of one grid point of H3's diagram from its ‖x_T‖/‖x_1‖: ``"converged"`` at or
    below 1e-8, ``"no progress"`` at or above 0.5 (a non-finite ratio, a run that blew up,
    counts as no progress), ``"partial"`` in between."""
    r = float(ratio)  # a JSON round trip stores inf as the string "inf"
    if not np.isfinite(r) or r >= BREAKDOWN_STUCK:
        return "no progress"
    if r <= BREAKDOWN_CONVERGED:
        return "converged"
    return "partial"


def breakdown_points(grid: Sequence[dict[str, Any]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """H3's grid rows (keys ``B2``, ``delta``, ``ratio``) as the diagram draws them: for each
    class of :func:`breakdown_class`, the B² (x) and f/m (y) of its points."""
    out: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in BREAKDOWN_STYLE}
    for row in grid:
        xs, ys = out[breakdown_class(row["ratio"])]
        xs.append(float(row["B2"]))
        ys.append(float(row["delta"]))
    return {k: (np.array(xs), np.array(ys)) for k, (xs, ys) in out.items()}


def _grids(v: Verdict) -> list[tuple[str, int, list[dict[str, Any]]]]:
    """(instance, m, grid) once per instance of an H3 verdict (its parts carry copies)."""
    seen: dict[str, tuple[str, int, list[dict[str, Any]]]] = {}
    for p in v.parts:
        meas = p.measurement
        inst = p.instances[0] if p.instances else str(len(seen))
        if meas is not None and "grid" in meas.config and inst not in seen:
            seen[inst] = (inst, int(meas.config.get("m", 0)), list(meas.config["grid"]))
    return list(seen.values())


def _breakdown_panel(ax: Any, v: Verdict, title: str) -> None:
    import matplotlib.transforms as mtransforms

    grids = _grids(v)
    b2_all = sorted({float(r["B2"]) for _, _, g in grids for r in g}) or [0.0, 1.0]
    top = max(b2_all[-1], 1.0)
    b2 = np.expm1(np.linspace(0.0, np.log1p(top * 1.2), 200))
    ax.plot(b2, 1.0 / (2.0 + b2), "k-", lw=1.3, label="breakdown point 1/(2 + B²)")
    for factor in (BREAKDOWN_BELOW, BREAKDOWN_ABOVE):
        ax.plot(b2, factor / (2.0 + b2), "k--", lw=0.8, alpha=0.7,
                label="checked sides 0.97/(2 + B²), 1.03/(2 + B²)")  # fmt: skip
    shown: set[str] = set()
    fig = ax.figure
    for i, (_, _, grid) in enumerate(grids):
        # instances overlaid, each nudged sideways by a few points so equal B² stay visible
        shift = (i - 0.5 * (len(grids) - 1)) * 4.0
        trans = mtransforms.offset_copy(ax.transData, fig=fig, x=shift, y=0.0, units="points")
        for kind, (xs, ys) in breakdown_points(grid).items():
            if not xs.size:
                continue
            marker, color, label = BREAKDOWN_STYLE[kind]
            ax.plot(xs, ys, marker, color=color, ms=4.5, mfc="none" if marker == "o" else color,
                    mew=1.1, ls="none", transform=trans,
                    label=label if kind not in shown else None)  # fmt: skip
            shown.add(kind)
    # log(1 + B²): 0 stays on the axis, the large B² are compressed, and the curve stays smooth
    ax.set_xscale("function", functions=(np.log1p, np.expm1))
    ax.set_xlim(-0.08, top * 1.2)
    ax.set_xticks(b2_all)
    ax.set_xticklabels([f"{b:g}" for b in b2_all], fontsize=7)
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_ylim(0.0, 0.52)
    nudged = "; instances nudged sideways" if len(grids) > 1 else ""
    ax.set(xlabel=f"B² (axis in log(1 + B²){nudged})", ylabel="f/m")
    ms = sorted({m for _, m, _ in grids})
    ax.set_title(f"{title} — m ∈ {{{', '.join(map(str, ms))}}}", fontsize=8,
                 color=STATUS_COLOR[v.status])  # fmt: skip


def breakdown(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """H3: the breakdown diagram. Every grid point (B², f/m) of every instance (one m each),
    marked converged, in between or no progress by its ‖x_T‖/‖x_1‖, against the curve
    1/(2 + B²) and the two checked sides 0.97/(2 + B²) and 1.03/(2 + B²); the negative control
    (the mean under the same attack) in a second panel on the same axes."""
    ctl = [c for c in controls if _grids(c)]
    fig, grid = plt.subplots(1, 1 + len(ctl), figsize=(6.2 * (1 + len(ctl)), 4.4),
                             squeeze=False, sharey=True)  # fmt: skip
    axes = list(grid.ravel())
    rule = next((m.config.get("aggregator") for m in _measurements(v.parts)), "?")
    _breakdown_panel(axes[0], v, f"{rule} — {v.status.value}")
    for ax, c in zip(axes[1:], ctl, strict=True):
        name = c.details.get("control", "control")
        verdict = "rejected" if c.rejected else "NOT rejected"
        _breakdown_panel(ax, c, f"negative control: {name} — {c.status.value} ({verdict})")
    fig.subplots_adjust(top=0.8)  # room for the two-line headline above the panel titles
    _shared_legend(fig, axes)
    _headline(fig, v)
    _caption(
        fig,
        v,
        controls,
        "Each point is one run of robust GD from x_1 for T steps at (f, B²); points between "
        "the dashed curves are shown but not checked. Below the curve the run must converge, "
        "above it must make no progress.",
    )
    return _save(fig, out / "h3.png")


def _clip(values: np.ndarray, floor: float) -> tuple[np.ndarray, bool, int]:
    """Values for a log axis: finite values at or below ``floor`` (exact zeros included) drawn
    at the floor; non-finite values (diverged runs) as NaN, which is not drawn. Returns the
    values, whether any was clipped, and how many were non-finite (the figure says so)."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    low = finite & ~(v > floor)
    out = np.where(low, floor, np.where(finite, v, np.nan))
    return out, bool(np.any(low)), int(np.count_nonzero(~finite))


def _note_non_finite(ax: Any, n: int) -> None:
    """Say on the axes how many values were non-finite and therefore not drawn."""
    if n:
        text = f"{n} non-finite value(s) (diverged runs) not drawn: the verdict fails"
        ax.text(0.99, 0.99, text, transform=ax.transAxes, ha="right", va="top", fontsize=7,
                color=STATUS_COLOR[Status.FAIL])  # fmt: skip


def _strip(n: int, width: float = 0.05) -> np.ndarray:
    """Multiplicative log-axis offsets spreading n points of one x over ±width decades."""
    return 10.0 ** (np.linspace(-width, width, n) if n > 1 else np.zeros(1))


def heterogeneity_error(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """H1: per instance, the worse error of the two scenarios for every estimator × aggregator
    pair against q·G² (log-log), with H1's floor y = ¼·q·G² and H2's bound for CWTM at B = 0,
    y = q·G²; beside it, the gap between the two scenarios' outputs. The negative control (an
    aggregator told who is honest) on the same axes, its exact zeros drawn at a floor."""
    fig, (ax, gap_ax) = plt.subplots(1, 2, figsize=(12.0, 4.6))
    fig.subplots_adjust(top=0.8, wspace=0.3)
    claim_meas = _measurements(v.parts)
    ctl_meas = [
        (str(c.details.get("control", "control")), c.status, m)
        for c in controls
        for m in _measurements(c.parts)
    ]
    errors = [m for m in claim_meas if "floor" in m.config]
    gaps = [m for m in claim_meas if "atol" in m.config]
    xs = [float(m.config["q"]) * float(m.config["G2"]) for m in errors]
    x_lo, x_hi = (min(xs) / 2, max(xs) * 2) if xs else (0.01, 1.0)
    # four decades under the H1 floor, and eight under the rounding tolerance: enough to see
    # how far below the theory a value is, without a near-zero squashing the axis
    floor = float(10.0 ** np.floor(np.log10(0.25 * x_lo) - 4))
    atols = [float(m.config["atol"]) for m in gaps] or [1e-12]
    gap_floor = float(10.0 ** np.floor(np.log10(min(atols)) - 8))
    clipped = {"error": False, "gap": False}
    bad = {"error": 0, "gap": 0}
    for i, m in enumerate(errors):
        x = float(m.config["q"]) * float(m.config["G2"])
        vals, low, nb = _clip(m.values[0], floor)
        clipped["error"] |= low
        bad["error"] += nb
        ax.plot(x * _strip(vals.size), vals, "o", color=COLORS[i % 6], ms=3, alpha=0.35, mew=0,
                label=f"m = {m.config['m']}, f = {m.config['f']}: {vals.size} pairs")  # fmt: skip
    for j, (name, _, m) in enumerate(c for c in ctl_meas if "floor" in c[2].config):
        x = float(m.config["q"]) * float(m.config["G2"])
        vals, low, nb = _clip(m.values[0], floor)
        clipped["error"] |= low
        bad["error"] += nb
        ax.plot(x * _strip(vals.size), vals, "v", color=CONTROL_COLORS[0], ms=4, alpha=0.7,
                label=f"negative control: {name}" if j == 0 else None)  # fmt: skip
    line = np.geomspace(x_lo, x_hi, 50)
    ax.plot(line, 0.25 * line, "k--", lw=1.1, label="H1 floor ¼·q·G²")
    ax.plot(line, line, "k:", lw=1.1, label="H2 bound q·G² (CWTM, B = 0)")
    names: list[str] = []
    for i, m in enumerate(gaps):
        names.append(f"m={m.config['m']} f={m.config['f']}")
        vals, low, nb = _clip(m.values[0], gap_floor)
        clipped["gap"] |= low
        bad["gap"] += nb
        pos = i + np.linspace(-0.25, 0.25, vals.size) if vals.size > 1 else np.array([float(i)])
        gap_ax.plot(pos, vals, "o", color=COLORS[i % 6], ms=3, alpha=0.35, mew=0)
        gap_ax.plot([i - 0.3, i + 0.3], [float(m.config["atol"])] * 2, "k-", lw=1.0,
                    label="tolerance 1e-12·(1 + abs(a))" if i == 0 else None)  # fmt: skip
    for _, _, m in (c for c in ctl_meas if "atol" in c[2].config):
        key = f"m={m.config['m']} f={m.config['f']}"
        i = names.index(key) if key in names else 0
        vals, low, nb = _clip(m.values[0], gap_floor)
        clipped["gap"] |= low
        bad["gap"] += nb
        pos = i + np.linspace(-0.2, 0.2, vals.size) if vals.size > 1 else np.array([float(i)])
        gap_ax.plot(pos, vals, "v", color=CONTROL_COLORS[0], ms=4, alpha=0.7)
    for a, fl, key in ((ax, floor, "error"), (gap_ax, gap_floor, "gap")):
        _note_non_finite(a, bad[key])
        a.set_yscale("log")
        a.axhline(fl, color="gray", lw=0.7, ls="-.")
        if clipped[key]:  # under the line, clear of the markers drawn on it
            a.annotate(f"0 (clipped): ≤ {fl:.0e} drawn on this line", (0.01, fl),
                       xycoords=a.get_yaxis_transform(), xytext=(0, -4),
                       textcoords="offset points", fontsize=6.5, ha="left", va="top",
                       color="gray")  # fmt: skip
        a.set_ylim(bottom=fl / 8)
    ax.set_xscale("log")
    ax.set(xlabel="q·G² (q = f/(m − 2f), G² of scenario 2)",
           ylabel="max over the two scenarios of (x_T − x*)²")  # fmt: skip
    for a, key, what in ((ax, "floor", "error ≥ ¼·q·G²"), (gap_ax, "atol", "same output")):
        parts = [p for p in v.parts if p.measurement is not None and key in p.measurement.config]
        status = Status(worst_part_status(parts or list(v.parts)))
        a.set_title(f"{what} — {status.value}", fontsize=8, color=STATUS_COLOR[status])
    gap_ax.set_xticks(range(len(names)))
    gap_ax.set_xticklabels(names, fontsize=7)
    gap_ax.set(ylabel="abs(x_T in scenario 1 − x_T in scenario 2)", xlabel="instance")
    _shared_legend(fig, [ax, gap_ax])
    _headline(fig, v)
    _caption(
        fig,
        v,
        controls,
        "Each dot is one estimator × aggregator pair (pairs of an instance share q·G², spread "
        "sideways); triangles are the negative control. Values at or below a panel's floor "
        f"(left {floor:.0e}, right {gap_floor:.0e}), exact zeros included, are drawn on it, "
        "labelled 0 (clipped)" + ("." if any(clipped.values()) else ": none here."),
    )
    return _save(fig, out / "h1.png")


def fixed_point(v: Verdict, controls: Sequence[Verdict], out: Path) -> Path:
    """H2: per rule, the largest ‖∇f_H‖² of the last quarter of the run over the bound
    κ*G²/(1 − κ*B²), one dot per attack and instance (colour); the attained case (CWTM under
    copy_cluster at B = 0, ‖∇f_H(x_T)‖²/(q·G²)) as a star in its own column; the negative
    control's ratios in grey. The line at 1 is the bound."""
    fig, ax = plt.subplots(figsize=(9.0, 4.4))
    fig.subplots_adjust(top=0.82)
    columns: list[str] = []
    floor = 1e-6
    clipped = False
    n_bad = 0
    instances: list[str] = []

    def column(name: str) -> int:
        if name not in columns:
            columns.append(name)
        return columns.index(name)

    groups = [(v, None)] + [(c, str(c.details.get("control", "control"))) for c in controls]
    for verdict, ctl in groups:
        for p in verdict.parts:
            meas = p.measurement
            if meas is None or meas.theory is None:
                continue
            inst = p.instances[0] if p.instances else ""
            if inst not in instances:
                instances.append(inst)
            k = instances.index(inst)
            color = CONTROL_COLORS[0] if ctl else COLORS[k % len(COLORS)]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio, low, nb = _clip(meas.values[0] / meas.theory, floor)
            clipped |= low
            n_bad += nb
            if "pairs" in meas.config:  # the fixed-point bound, one value per rule / attack
                rules = [str(n).split(" / ")[0] for n in meas.config["pairs"]]
                pos = np.array([column(r if not ctl else f"control: {r}") for r in rules], float)
                pos += (k - 0.5 * (len(instances) - 1)) * 0.08
                ax.plot(pos, ratio, "o" if not ctl else "v", color=color, ms=4, alpha=0.6,
                        mew=0)  # fmt: skip
            else:  # the attained case
                rule = f"{meas.config.get('rule')} / {meas.config.get('attack')}"
                name = (
                    f"attained: {rule}"
                    if not ctl
                    else f"control: {rule.split(' / ')[0]} (attained set-up)"
                )
                ax.plot([column(name) + (k - 0.5 * (len(instances) - 1)) * 0.08], ratio, "*",
                        color=color, ms=9)  # fmt: skip
    for k, inst in enumerate(instances[: len(COLORS)]):
        ax.plot([], [], "o", color=COLORS[k], ms=4, label=inst)
    if controls:
        ax.plot([], [], "v", color=CONTROL_COLORS[0], ms=4, label="negative control(s)")
    ax.plot([], [], "*", color="k", ms=8, label="attained case (must equal 1)")
    ax.axhline(1.0, color="k", lw=1.0, ls="--", label="bound κ*G²/(1 − κ*B²) (ratio 1)")
    _note_non_finite(ax, n_bad)
    if clipped:
        ax.axhline(floor, color="gray", lw=0.7, ls="-.")
        ax.annotate(f"0 (clipped): ≤ {floor:.0e} drawn on this line", (0.01, floor),
                    xycoords=ax.get_yaxis_transform(), xytext=(0, -4),
                    textcoords="offset points", fontsize=6.5, ha="left", va="top",
                    color="gray")  # fmt: skip
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    ax.set_ylim(min(lo, 0.1 if not clipped else floor / 8), max(hi, 10.0))
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(columns, rotation=25, ha="right", fontsize=7)
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylabel("measured / bound")
    ax.set_title(f"one dot per attack and instance — {v.status.value}", fontsize=8,
                 color=STATUS_COLOR[v.status])  # fmt: skip
    ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    _headline(fig, v)
    _caption(
        fig,
        v,
        controls,
        "The measurement is the largest ‖∇f_H(x_t)‖² over the last quarter of the run; the "
        "bound uses κ*'s certified upper end and the best admissible (G², B²) of the exact "
        "frontier.",
    )
    return _save(fig, out / "h2.png")


FIGURES = {
    "E0": equality,
    "E1": rates,
    "E2": rates,
    "R1": rates,
    "R2": rates,
    "R3": delta,
    "S1": stability,
    "K4": kappa_upgrade,
    "C1": cost,
    "P1": reproduction,
    "H1": heterogeneity_error,
    "H2": fixed_point,
    "H3": breakdown,
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
            elif cid in ("K5", "K6"):
                made.append(kappa_exact(v, ctl, out, cid.lower()))
            else:
                made.append(FIGURES.get(cid, rates)(v, ctl, out))
        except Exception as exc:  # a figure must not take the report down with it
            warnings.warn(f"figure for {cid} not drawn: {exc!r}", RuntimeWarning, stacklevel=2)
            plt.close("all")
    return made
