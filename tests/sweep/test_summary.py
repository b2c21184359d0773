"""Sweep reports: each varying factor gets its own channel, no axis holds more than 12 curves,
the table is sorted by the factors with CI, diverged count and resolved η, exact zeros are
clipped to a stated floor, and bounds appear where the run's configuration implies one."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.sweep import summary


@given(st.lists(st.integers(2, 30), min_size=1, max_size=5))
def test_channels_never_put_more_than_12_curves_on_one_axis(counts: list[int]) -> None:
    levels = {f"k{i}": list(range(n)) for i, n in enumerate(counts)}
    colour, style, facets = summary.channels(levels)
    per_axis = (len(levels[colour]) if colour else 1) * (len(levels[style]) if style else 1)
    assert per_axis <= summary.MAX_CURVES
    assert sorted([k for k in (colour, style) if k] + facets) == sorted(levels)  # all shown
    assert colour is None or len(levels[colour]) <= summary.MAX_COLOURS
    assert style is None or len(levels[style]) <= summary.MAX_STYLES


def test_the_24_run_grid_gets_colour_style_and_facets() -> None:
    levels = {"f": [1, 2, 4, 6], "aggregator": ["a", "b", "c"], "estimator": ["m", "n"]}
    assert summary.channels(levels) == ("f", "estimator", ["aggregator"])


def frame(*, zeros: bool = False) -> pd.DataFrame:
    """A synthetic store: 2 aggregators × 2 f × (est_err, subopt), 4 seeds, 5 steps."""
    rows = []
    steps = np.array([1, 2, 4, 8, 16])
    for k, (agg, f) in enumerate(itertools.product(["cwtm", "ctma(cwtm)"], [4, 1])):
        for seed in range(4):
            for metric in ("est_err", "subopt"):
                vals = (10.0 + k + seed) / steps
                if zeros and metric == "subopt":
                    vals = np.where(steps >= 8, 0.0, vals)
                for t, v in zip(steps, vals, strict=True):
                    rows.append(
                        dict(problem="quadratic", aggregator=agg, attack="alie",
                             estimator="mu2sgd", m=17, f=f, T=16, lr="theory", seeds=4, rng=0,
                             run=f"r{k}", seed=seed, step=int(t), metric=metric, value=float(v),
                             diverged=(k == 3 and seed == 0), eta=1 / 128,
                             **{"const.L": 1.0, "const.D": 4.0, "const.sigma2": 1.0,
                                "const.sigma_L2": 0.0})
                    )  # fmt: skip
    return pd.DataFrame(rows)


def test_summary_table_is_sorted_with_ci_diverged_and_eta(tmp_path: Path) -> None:
    path = summary.write_summary(frame(), tmp_path)
    text = path.read_text()
    assert "Varying: aggregator ∈ {ctma(cwtm), cwtm}, f ∈ {1, 4}" in text
    table = text[text.index("### est_err") :].split("\n\n")[1].splitlines()
    assert table[0].startswith("| aggregator | f | est_err at T (mean) | 95 % CI | diverged")
    keys = [tuple(c.strip() for c in row.split("|")[1:3]) for row in table[2:]]
    assert keys == [("ctma(cwtm)", "1"), ("ctma(cwtm)", "4"), ("cwtm", "1"), ("cwtm", "4")]
    diverged = [row.split("|")[5].strip() for row in table[2:]]
    assert diverged == ["1", "0", "0", "0"]  # run r3 = (ctma(cwtm), 1) has one diverged seed
    assert all(row.split("|")[7].strip() == "0.007812" for row in table[2:])
    assert (tmp_path / "sweep-est_err.png").stat().st_size > 10_000


def test_zeros_are_clipped_to_a_stated_floor_and_bounds_are_named(tmp_path: Path) -> None:
    text = summary.write_summary(frame(zeros=True), tmp_path).read_text()
    assert "(1e-12 × the largest; 32 values, exact zeros included)" in text
    assert "Lemma A: S²/t" in text  # μ²-SGD's error: a bound applies
    assert "Theorem R at T (η = 1/(8LT))" in text
    assert "Legend: colour: aggregator / line style: f." in text


def test_no_bound_is_claimed_for_an_estimator_the_theory_does_not_cover(tmp_path: Path) -> None:
    df = frame()
    df["estimator"] = "momentum(beta=0.9)"
    text = summary.write_summary(df, tmp_path).read_text()
    assert "No bound of docs/theory.md applies to est_err for these runs." in text


def test_an_empty_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="holds no runs"):
        summary.write_summary(pd.DataFrame(), tmp_path)
