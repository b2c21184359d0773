"""``sco report DIR``: a summary table and figures regenerated from a results store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

CONFIG = ["problem", "aggregator", "attack", "estimator", "m", "f", "T", "lr"]


def write_summary(df: Any, out: Path) -> Path:
    """``summary.md`` (final value of each metric, mean over seeds, per run) and one PNG per
    metric (seed mean against step, one line per run, log-log)."""
    if df.empty:
        raise ValueError("the results store holds no runs")
    cols = [c for c in CONFIG if c in df.columns]
    last = df[df["step"] == df.groupby("run")["step"].transform("max")]
    table = last.pivot_table(index=["run", *cols], columns="metric", values="value", aggfunc="mean")
    lines = [
        "# Sweep summary",
        "",
        f"{df['run'].nunique()} runs; final values (mean over seeds).",
        "",
    ]
    header = [*cols, *table.columns]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for idx, row in table.iterrows():
        cfg = list(idx[1:])
        lines.append("| " + " | ".join([*map(str, cfg), *(f"{v:.4g}" for v in row)]) + " |")
    figs = []
    for metric, part in df.groupby("metric"):
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for _run, g in part.groupby("run"):
            curve = g.groupby("step")["value"].mean()
            first = g.iloc[0]
            label = " / ".join(
                str(first[c]) for c in ("aggregator", "attack", "estimator") if c in g
            )
            ax.loglog(curve.index, curve.values, label=label)
        ax.set(xlabel="step t", ylabel=str(metric), title=f"{metric} (mean over seeds)")
        ax.legend(fontsize=6)
        fig.tight_layout()
        path = out / f"sweep-{metric}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        figs.append(path)
    lines += ["", *(f"![{p.stem}]({p.name})" for p in figs)]
    path = out / "summary.md"
    path.write_text("\n".join(lines) + "\n")
    return path
