"""``sco report DIR``: a summary table and figures regenerated from a sweep's results store.

Every factor that varies over the grid gets its own visual channel: colour for the factor with
the most levels (at most 8), line style for another with at most 4 levels, and one panel (facet)
per combination of the others, so that no axis holds more than ``MAX_CURVES`` curves. The legend
names every factor. Curves are seed means with 95 % seed-bootstrap bands; a diverged seed is left
out of the curve and counted in the caption and the table. Values below ``FLOOR_REL`` × the
metric's largest value (exact zeros included) are drawn at that floor, and the caption says how
many. Where the run's configuration determines a bound (μ²-SGD's error, Lemma A; its honest
spread, Lemma E; its final suboptimality at η = 1/(8LT), Theorem R; docs/theory.md §4), the bound
is drawn beside the curve in the same colour.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sco import aggregators as A

from ..stats import mean_ci

CONFIG = ["problem", "aggregator", "attack", "estimator", "m", "f", "T", "lr", "seeds", "rng"]
NOT_FACTORS = {"run", "seed", "step", "metric", "value", "diverged", "eta"}
MAX_CURVES = 12
MAX_COLOURS = 8
MAX_STYLES = 4
FLOOR_REL = 1e-12
COINCIDE = 0.02  # curves within 2 % of each other at every step are drawn once
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
STYLES = ("-", "--", ":", "-.")


def factors(df: Any) -> dict[str, list[Any]]:
    """Configuration columns that vary over the runs, with their sorted levels."""
    runs = df.drop_duplicates("run")
    out = {}
    for col in runs.columns:
        if col in NOT_FACTORS or col.startswith("const."):
            continue
        levels = list(runs[col].drop_duplicates())
        if len(levels) > 1:
            out[col] = sorted(levels, key=_sort_key)
    return out


def _sort_key(v: Any) -> tuple[int, Any]:
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return (0, float(v))
    return (1, str(v))


def channels(levels: dict[str, list[Any]]) -> tuple[str | None, str | None, list[str]]:
    """(colour factor, line-style factor, facet factors) for the varying factors."""
    order = sorted(levels, key=lambda k: -len(levels[k]))
    colour = next((k for k in order if len(levels[k]) <= MAX_COLOURS), None)
    rest = [k for k in order if k != colour]
    style = None
    for k in sorted(rest, key=lambda k: len(levels[k])):
        n_colour = len(levels[colour]) if colour else 1
        if len(levels[k]) <= MAX_STYLES and n_colour * len(levels[k]) <= MAX_CURVES:
            style = k
            break
    facets = [k for k in rest if k != style]
    return colour, style, facets


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _bound(metric: str, run: Any, steps: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The theory's bound for this metric and run, on its steps (None where none applies)."""
    from .. import bounds as B

    est = str(run["estimator"])
    if est != "mu2sgd" or any(
        not np.isfinite(run.get(f"const.{k}", np.nan)) for k in ("L", "D", "sigma2", "sigma_L2")
    ):
        return None, ""
    consts = {
        "L": run["const.L"],
        "D": run["const.D"],
        "sigma2": run["const.sigma2"],
        "sigma_L2": run["const.sigma_L2"],
    }
    m, f = int(run["m"]), int(run["f"])
    t = steps.astype(float)
    if metric == "honest_spread":
        return B.get("lemma_e").evaluate(
            t=t, D=consts["D"], sigma2=consts["sigma2"], sigma_L2=consts["sigma_L2"]
        ), "Lemma E: σ̃²/t"
    kappa = 0.0 if f == 0 else A.make(str(run["aggregator"])).kappa(m, f)
    if kappa is None:
        return None, ""
    if metric == "est_err":
        return B.get("lemma_a").evaluate(t=t, kappa=kappa, m=m, f=f, **consts), "Lemma A: S²/t"
    if metric == "subopt" and run["lr"] == "theory":
        T = float(run["T"])
        value = B.get("theorem_r_tuned").evaluate(T=T, kappa=kappa, m=m, f=f, **consts)
        out = np.full(steps.shape, np.nan)
        out[steps == steps.max()] = value
        return out, "Theorem R at T (η = 1/(8LT))"
    return None, ""


def _coinciding(curves: list[Any]) -> list[list[Any]]:
    """Group curves of one line style whose means agree within ``COINCIDE`` (relative) at every
    step: drawn on top of each other they could not be told apart, so each group is drawn once."""
    groups: list[list[Any]] = []
    for cur in curves:
        for group in groups:
            head = group[0]
            if head[2] == cur[2] and np.array_equal(head[3], cur[3]):
                a, b = head[4], cur[4]
                with np.errstate(divide="ignore", invalid="ignore"):
                    rel = np.abs(a - b) / np.maximum(np.abs(a), np.abs(b))
                if np.all(np.isfinite(rel)) and float(rel.max()) <= COINCIDE:
                    group.append(cur)
                    break
        else:
            groups.append([cur])
    return groups


def _curve_stats(part: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Per step: seed mean and 95 % band over the finite seeds; also the diverged seed count."""
    wide = part.pivot_table(index="seed", columns="step", values="value", aggfunc="first")
    div = part.drop_duplicates("seed").set_index("seed")["diverged"].reindex(wide.index)
    bad = div.to_numpy(bool) | ~np.all(np.isfinite(wide.to_numpy()), axis=1)
    vals = wide.to_numpy()[~bad]
    steps = wide.columns.to_numpy()
    if vals.shape[0] == 0:
        nan = np.full(steps.shape, np.nan)
        return steps, nan, nan, nan, int(bad.sum())
    est = mean_ci(vals)
    return (
        steps,
        np.array([e.value for e in est]),
        np.array([e.low for e in est]),
        np.array([e.high for e in est]),
        int(bad.sum()),
    )


def _table(df: Any, order: list[str]) -> list[str]:
    """summary.md's rows: one per (metric, run), sorted by the varying factors."""
    lines: list[str] = []
    runs = df.drop_duplicates("run").set_index("run")
    for metric, part in df.groupby("metric", sort=True):
        last = part[part["step"] == part.groupby("run")["step"].transform("max")]
        rows = []
        for run, g in last.groupby("run"):
            finite = g[~g["diverged"] & np.isfinite(g["value"])]["value"].to_numpy()
            if finite.size:
                e = mean_ci(finite[:, None])[0]
                stats = (e.value, e.low, e.high)
            else:
                stats = (math.nan, math.nan, math.nan)
            cfg = runs.loc[run]
            rows.append(
                (
                    [cfg[k] for k in order],
                    [*(_fmt(cfg[k]) for k in order)],
                    stats,
                    int(g["diverged"].sum()),
                    g["seed"].nunique(),
                    cfg.get("eta", math.nan),
                    int(g["step"].max()),
                )
            )
        rows.sort(key=lambda r: [_sort_key(v) for v in r[0]])
        header = [*order, f"{metric} at T (mean)", "95 % CI", "diverged", "seeds", "η", "T"]
        lines += [f"### {metric}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for _, cfg_text, (mean, lo, hi), div, n, eta, T in rows:
            lines.append(
                "| "
                + " | ".join(
                    [
                        *cfg_text,
                        f"{mean:.4g}",
                        f"[{lo:.4g}, {hi:.4g}]",
                        str(div),
                        str(n),
                        f"{eta:.4g}",
                        str(T),
                    ]
                )
                + " |"
            )
        lines.append("")
    return lines


def write_summary(df: Any, out: Path) -> Path:
    """``summary.md`` (final value of each metric per run, sorted by the grid's factors, with its
    CI, diverged seeds and resolved η) and one PNG per metric (see the module docstring)."""
    if df.empty:
        raise ValueError("the results store holds no runs")
    levels = factors(df)
    colour, style, facet_keys = channels(levels)
    order = [k for k in (colour, style, *facet_keys) if k is not None]
    fixed = {k: df[k].iloc[0] for k in CONFIG if k in df.columns and k not in levels}
    lines = [
        "# Sweep summary",
        "",
        f"{df['run'].nunique()} runs. Varying: "
        + (", ".join(f"{k} ∈ {{{', '.join(map(_fmt, levels[k]))}}}" for k in order) or "nothing")
        + ". Fixed: "
        + ", ".join(f"{k} = {_fmt(v)}" for k, v in fixed.items())
        + ".",
        "",
        "Final values are means over the seeds that did not diverge, with 95 % seed-bootstrap "
        'intervals; η is the step size each run used (`lr = "theory"` resolves to 1/(8LT)).',
        "",
    ]
    lines += _table(df, order)
    lines += ["## Figures", ""]
    for metric, part in df.groupby("metric", sort=True):
        fig_path, notes = _figure(df, metric, part, levels, colour, style, facet_keys, out)
        lines += [f"![{fig_path.stem}]({fig_path.name})", "", *(f"- {n}" for n in notes), ""]
    path = out / "summary.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _figure(
    df: Any,
    metric: str,
    part: Any,
    levels: dict[str, list[Any]],
    colour: str | None,
    style: str | None,
    facet_keys: list[str],
    out: Path,
) -> tuple[Path, list[str]]:
    facet_levels = list(itertools.product(*(levels[k] for k in facet_keys))) or [()]
    n = len(facet_levels)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(max(4.6 * cols, 7.0), 3.6 * rows + 0.8), squeeze=False, sharey=True
    )
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    finite = part["value"][np.isfinite(part["value"])]
    top = float(finite.abs().max()) if finite.size else 1.0
    floor = top * FLOOR_REL if top > 0 else 1e-300
    clipped = int(((part["value"] < floor) & np.isfinite(part["value"])).sum())
    diverged = 0
    bounds_drawn: set[str] = set()
    runs = part.drop_duplicates("run").set_index("run")
    for ax, fl in zip(flat, facet_levels, strict=False):
        sel = part
        for k, v in zip(facet_keys, fl, strict=True):
            sel = sel[sel[k] == v]
        curves = []
        for run, g in sel.groupby("run", sort=False):
            cfg = runs.loc[run]
            ci = levels[colour].index(cfg[colour]) if colour else 0
            si = levels[style].index(cfg[style]) if style else 0
            steps, mean, lo, hi, nd = _curve_stats(g)
            diverged += nd
            curves.append(
                (cfg, PALETTE[ci % len(PALETTE)], STYLES[si % len(STYLES)], steps, mean, lo, hi)
            )
        for group in _coinciding(curves):
            cfg, c, ls, steps, mean, lo, hi = group[0]
            label = ", ".join(f"{k} = {_fmt(cfg[k])}" for k in (colour, style) if k) or "run"
            if len(group) > 1 and colour:
                merged = ", ".join(
                    _fmt(v) for v in sorted((g[0][colour] for g in group), key=_sort_key)
                )
                label = f"{colour} ∈ {{{merged}}}" + (
                    f", {style} = {_fmt(cfg[style])}" if style else ""
                )
                label += f" (within {COINCIDE:.0%}: drawn once)"
            ax.plot(steps, np.maximum(mean, floor), ls, color=c, lw=1.3, label=label)
            ax.fill_between(
                steps, np.maximum(lo, floor), np.maximum(hi, floor), color=c, alpha=0.15, lw=0
            )
        for cfg, c, _, steps, *_ in curves:
            b, name = _bound(metric, cfg, steps)
            if b is not None:
                marker = "x" if metric == "subopt" else None
                ax.plot(
                    steps,
                    b,
                    ls=(0, (1, 2)) if marker is None else "",
                    color=c,
                    lw=0.9,
                    alpha=0.7,
                    marker=marker,
                    ms=7,
                )
                bounds_drawn.add(name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("step t")
        ax.set_ylabel(f"{metric} (mean over seeds)")
        title = ", ".join(f"{k} = {_fmt(v)}" for k, v in zip(facet_keys, fl, strict=True))
        ax.set_title(title or metric, fontsize=8)
    handles: dict[str, Any] = {}
    for ax in flat[:n]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    legend_title = " / ".join(
        f"{what}: {k}" for what, k in (("colour", colour), ("line style", style)) if k
    )
    fig.legend(
        list(handles.values()),
        list(handles),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=min(4, max(1, len(handles))),
        fontsize=7.5,
        title=legend_title or None,
        title_fontsize=8,
        frameon=False,
    )
    fig.suptitle(f"{metric}: seed mean with 95 % band, per run", fontsize=10)
    notes = [
        "Panels: " + (", ".join(facet_keys) if facet_keys else "one (no further factor)") + ".",
        f"Values below {floor:.3g} (1e-12 × the largest; {clipped} values, exact zeros included) "
        "are drawn at that floor.",
        f"Diverged seeds left out of the curves: {diverged}.",
        (
            "Bounds (thin dotted lines or × at T, in the run's colour): "
            + "; ".join(sorted(bounds_drawn))
            + "."
        )
        if bounds_drawn
        else f"No bound of docs/theory.md applies to {metric} for these runs.",
    ]
    fig.canvas.draw()
    legend_box = fig.legends[0].get_window_extent().transformed(fig.transFigure.inverted())
    fig.text(
        0.01,
        legend_box.y0 - 0.01,
        "\n".join(textwrap.fill(x, 140) for x in notes),
        fontsize=7,
        va="top",
        ha="left",
    )
    path = out / f"sweep-{metric}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    legend = f"Legend: {legend_title or 'one curve per run'}."
    return path, [legend, *notes]
