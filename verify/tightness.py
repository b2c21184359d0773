"""How loose is the κ table? Declared κ (docs/theory.md §2) against the exact κ* (§6) and the
worst ratio an adversarial search finds, per rule and (m, f).

>>> from verify import tightness
>>> df = tightness.table(ms=(5, 7), rules=("cwtm", "krum"))      # doctest: +SKIP
>>> tightness.markdown(df)                                        # doctest: +SKIP

``python -m verify.tightness --out docs`` regenerates ``docs/_static/kappa-star.png``,
``docs/_static/kappa-star.csv`` and ``docs/_tables/kappa-table.md`` (included by
``docs/kappa-star.md``).
"""

from __future__ import annotations

import argparse
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sco import aggregators as A
from sco.robustness import kappa_star, search_worst

from .report import num

#: The rules of the tightness table: every rule with a table κ or an exact κ*.
RULES = ("cwtm", "cwmed", "gm", "meamed", "krum", "ctma(krum)", "ctma(cwmed)", "ctma(gm)")
MS = (5, 7, 9, 11, 17)


def table(
    ms: Sequence[int] = MS,
    rules: Sequence[str] = RULES,
    *,
    search: bool = True,
    d: int = 4,
    rng: int = 0,
    effort: tuple[int, int, int] = (8, 20, 100),
) -> Any:
    """One row per (rule, m, f) with 1 ≤ f valid for the rule: ``q`` = f/(m − 2f) (the universal
    lower bound), ``table`` (declared κ, NaN if none), ``kappa_star``, ``lower``, ``upper``,
    ``method``, ``supremum``, ``seconds`` (to compute κ*), and with ``search`` the worst ratio
    ``found`` by :func:`sco.robustness.search_worst` (d = ``d``, its own seeded stream per row)
    and the family it started from; ``effort`` = (starts per family, climbing steps, polishing
    steps) of that search. Returns a pandas DataFrame."""
    import pandas as pd

    n, iters, polish = effort
    rows = []
    for spec in rules:
        agg = A.make(spec)
        for m in ms:
            for f in range(1, (m - 1) // 2 + 1):
                if m < agg.min_workers(f):
                    continue
                t0 = time.perf_counter()
                ks = kappa_star(agg, m, f, rng=rng)
                seconds = time.perf_counter() - t0
                table_k = agg.kappa(m, f)
                row: dict[str, Any] = {
                    "rule": agg.spec,
                    "m": m,
                    "f": f,
                    "q": f / (m - 2 * f),
                    "table": np.nan if table_k is None else table_k,
                    "kappa_star": ks.value,
                    "lower": ks.lower,
                    "upper": ks.upper,
                    "method": ks.method,
                    "supremum": ks.supremum,
                    "seconds": seconds,
                }
                if search:
                    gen = np.random.default_rng([rng, m, f, zlib.crc32(agg.spec.encode())])
                    w = search_worst(agg, m, f, d, gen, n=n, iters=iters, polish=polish)
                    row["found"] = w.ratio
                    row["found_from"] = w.family
                rows.append(row)
    return pd.DataFrame(rows)


def _num(v: float) -> str:
    """:func:`verify.report.num`, with a missing value (NaN in the frame) shown as —."""
    return num(None if v != v else float(v))


def markdown(df: Any) -> str:
    """The table as markdown: rule, m, f, q, table κ, κ*, its method, the worst found, and the
    ratios κ*/table and found/κ*."""
    has_found = "found" in df.columns
    head = ["rule", "m", "f", "q = f/(m−2f)", "table κ", "κ*", "method"]
    if has_found:
        head += ["worst found", "found/κ*"]
    head += ["κ*/table"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in df.itertuples():
        star = f"{_num(r.kappa_star)}{' (sup)' if r.supremum else ''}"
        cells = [r.rule, str(r.m), str(r.f), _num(r.q), _num(r.table), star, r.method]
        if has_found:
            cells += [_num(r.found), _num(r.found / r.kappa_star) if r.kappa_star else "—"]
        cells += [_num(r.kappa_star / r.table) if r.table == r.table and r.table else "—"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def figure(df: Any) -> Any:
    """κ* (solid, filled markers; open markers where only a search bounds it) and the table κ
    (dashed) against f/m, one panel per rule, log scale, with the universal lower bound
    f/(m − 2f) in grey. Returns the matplotlib Figure."""
    import matplotlib.pyplot as plt

    rules = list(dict.fromkeys(df["rule"]))
    cols = min(4, len(rules))
    nrows = -(-len(rules) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.3 * cols, 2.9 * nrows), squeeze=False)
    ms = sorted(set(df["m"]))
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(ms)))
    for ax, rule in zip(axes.flat, rules, strict=False):
        sub = df[df["rule"] == rule]
        for m, c in zip(ms, colors, strict=True):
            part = sub[sub["m"] == m]
            if part.empty:
                continue
            x = part["f"] / m
            proven = part["method"] != "search only"
            ax.plot(x, part["kappa_star"], "-", color=c, lw=1.2)
            ax.plot(x[proven], part["kappa_star"][proven], "o", color=c, ms=4, label=f"m={m}")
            ax.plot(x[~proven], part["kappa_star"][~proven], "o", mfc="none", color=c, ms=4)
            if part["table"].notna().any():
                ax.plot(x, part["table"], "--", color=c, lw=1)
        grid = np.linspace(0.05, 0.49, 60)
        ax.plot(grid, grid / (1 - 2 * grid), color="0.6", lw=1, label="lower bound f/(m − 2f)")
        ax.set_yscale("log")
        ax.set_title(rule, fontsize=9)
        ax.set_xlabel("f/m", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(rules) :]:
        ax.set_visible(False)
    axes[0, 0].set_ylabel("κ (solid: κ*, dashed: table)", fontsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=7, frameon=False)
    fig.suptitle(
        "Exact worst-case robustness κ* (docs/theory.md §6) against the κ table (§2); open "
        "markers: search-only lower bounds",
        fontsize=9,
    )
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    return fig


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the κ tightness table and figure")
    parser.add_argument("--out", default="docs", help="docs directory (default: docs)")
    parser.add_argument("--no-search", action="store_true", help="skip the adversarial search")
    parser.add_argument(
        "--from-csv", action="store_true", help="redraw from OUT/_static/kappa-star.csv"
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    t0 = time.perf_counter()
    if args.from_csv:
        import pandas as pd

        df = pd.read_csv(out / "_static" / "kappa-star.csv")
    else:
        df = table(search=not args.no_search)
    (out / "_static").mkdir(parents=True, exist_ok=True)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = figure(df)
    fig.savefig(out / "_static" / "kappa-star.png", dpi=120)
    plt.close(fig)
    (out / "_tables").mkdir(parents=True, exist_ok=True)
    (out / "_tables" / "kappa-table.md").write_text(markdown(df))
    df.to_csv(out / "_static" / "kappa-star.csv", index=False)
    print(f"{len(df)} rows in {time.perf_counter() - t0:.0f} s -> {out}")


if __name__ == "__main__":
    main()
