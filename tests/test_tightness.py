"""verify.tightness: the κ table against κ* (docs/kappa-star.md), and the committed table is
not stale: its closed-form rows are recomputed by hand here, its Krum rows hold the reference
values of docs/theory.md §6, and no search beat a certified upper bound."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from verify import tightness

DOCS = Path(__file__).resolve().parents[1] / "docs"


def q(m: int, f: int) -> float:
    return f / (m - 2 * f)


BY_HAND = {
    "cwtm": q,
    "cwmed": lambda m, f: (m - 1) / (m + 1 - 2 * f) if m % 2 else (m - 2) / (m + 2 - 2 * f),
    "gm": lambda m, f: (m - f - math.ceil((m - 2 * f) / 2)) / math.ceil((m - 2 * f) / 2),
}
TABLE = {
    "cwtm": lambda m, f: 6 * q(m, f) * (1 + q(m, f)),
    "cwmed": lambda m, f: 4 * (1 + q(m, f)) ** 2,
    "gm": lambda m, f: 4 * (1 + q(m, f)) ** 2,
    "krum": lambda m, f: 6 * (1 + q(m, f)),
}


def test_a_small_table_by_hand() -> None:
    df = tightness.table(ms=(5, 6), rules=("cwtm", "cwmed", "krum"), search=True, effort=(2, 2, 5))
    assert set(zip(df["rule"], df["m"], df["f"], strict=True)) == {
        ("cwtm", 5, 1), ("cwtm", 5, 2), ("cwtm", 6, 1), ("cwtm", 6, 2),
        ("cwmed", 5, 1), ("cwmed", 5, 2), ("cwmed", 6, 1), ("cwmed", 6, 2),
        ("krum", 5, 1), ("krum", 6, 1),  # Krum needs m >= 2f + 3
    }  # fmt: skip
    for r in df.itertuples():
        assert r.q == pytest.approx(q(r.m, r.f))
        assert r.table == pytest.approx(TABLE[r.rule](r.m, r.f))
        if r.rule in BY_HAND:
            assert r.kappa_star == pytest.approx(BY_HAND[r.rule](r.m, r.f), rel=1e-12)
        assert r.found <= r.upper * (1 + 1e-9)
    text = tightness.markdown(df)
    assert text.count("\n") == len(df) + 2 and "| krum | 5 | 1 |" in text


def test_the_committed_table_is_not_stale() -> None:
    df = pd.read_csv(DOCS / "_static" / "kappa-star.csv")
    assert set(df["m"]) == {5, 7, 9, 11, 17}
    for r in df.itertuples():
        if r.rule in BY_HAND:
            assert r.method == "closed form"
            assert r.kappa_star == pytest.approx(BY_HAND[r.rule](r.m, r.f), rel=1e-12)
        if r.method != "search only":
            assert r.found <= r.upper * (1 + 1e-9), r
            assert r.lower <= r.kappa_star * (1 + 1e-9) <= r.upper * (1 + 2e-9), r
        if r.rule in TABLE:
            assert r.table == pytest.approx(TABLE[r.rule](r.m, r.f), rel=1e-12)
    krum = df[df["rule"] == "krum"].set_index(["m", "f"])["kappa_star"]
    for (m, f), want in {(5, 1): 4.1667, (7, 2): 7.9848, (9, 3): 9.7426, (11, 4): 11.3667}.items():
        assert krum[m, f] == pytest.approx(want, abs=1e-3)
    # every valid f at every m of the table, for each rule with no minimum beyond m > 2f
    for rule in ("cwtm", "cwmed", "gm"):
        got = df[df["rule"] == rule]
        for m in (5, 7, 9, 11, 17):
            assert sorted(got[got["m"] == m]["f"]) == list(range(1, (m - 1) // 2 + 1))
    assert (DOCS / "_tables" / "kappa-table.md").read_text() == tightness.markdown(df)
    assert np.all(df["kappa_star"] >= df["q"] * (1 - 1e-9))
