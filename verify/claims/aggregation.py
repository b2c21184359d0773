"""Claims on aggregation: K1 (κ table), K2 (lower bound), K3 (CTMA proposition), K4 (CTMA
upgrades to O(δ)), C1 (CTMA linear cost, NNM quadratic)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from sco import aggregators as A
from sco.robustness import adversarial_instances, lower_bound_instance, worst_ratio

from ..checks import Verdict, check_exact, check_ratio, check_slope
from ..stats import loglog_slope
from .registry import Claim, register

TABLE = [
    "cwtm",
    "cwmed",
    "gm",
    "krum",
    "nnm(cwtm)",
    "ctma(cwtm)",
    "ctma(cwmed)",
    "ctma(gm)",
    "ctma(krum)",
]
SIZES = {"smoke": 6, "quick": 16, "full": 64}  # instances per attack


def _grid(scale: str) -> list[tuple[int, int]]:
    return (
        [(11, 2)]
        if scale == "smoke"
        else [(11, 2), (17, 4), (25, 6)]
        if scale == "quick"
        else [(11, 1), (11, 2), (11, 4), (17, 2), (17, 4), (17, 6), (25, 5), (25, 10), (41, 8)]
    )


def _specs(scale: str) -> list[str]:
    return ["cwtm", "cwmed", "krum", "ctma(cwtm)", "nnm(cwtm)"] if scale == "smoke" else TABLE


@lru_cache(maxsize=8)
def _k1_table(scale: str, specs: tuple[str, ...], kappa_of: str | None = None) -> dict[str, float]:
    """worst realised ratio / κ per (rule, m, f); κ from ``kappa_of`` when given (negative)."""
    out: dict[str, float] = {}
    for spec in specs:
        agg = A.make(spec)
        for m, f in _grid(scale):
            kappa = A.make(kappa_of or spec).kappa(m, f)
            if kappa is None:
                continue
            probe = worst_ratio(agg, m, f, 4, np.random.default_rng(m * 31 + f), SIZES[scale])
            out[f"{spec} m={m} f={f}"] = probe.ratio / kappa
    return out


def k1(scale: str) -> Verdict:
    table = _k1_table(scale, tuple(_specs(scale)))
    worst = max(table, key=lambda key: table[key])
    return check_ratio(
        "K1",
        table[worst],
        1.0,
        quantity="max worst-ratio/κ",
        statement="every aggregator meets its κ pathwise",
        details={"table": table, "worst": worst},
    )


def k1_negative(scale: str) -> Verdict:
    table = _k1_table(scale, ("mean",), kappa_of="cwtm")
    worst = max(table, key=lambda key: table[key])
    return check_ratio(
        "K1",
        table[worst],
        1.0,
        quantity="max worst-ratio/κ",
        negative_control=True,
        statement="the mean against CWTM's κ",
        details={"table": table},
    )


def k2(scale: str) -> Verdict:
    """The construction gives exactly f/(m − 2f) for every rule of the table that outputs 0."""
    worst_err, rows = 0.0, {}
    specs = ["cwtm", "cwmed", "gm", "krum", "ctma(cwtm)", "ctma(gm)", "nnm(cwmed)"]
    for spec in specs:
        for m, f in [(5, 1), (9, 3), (13, 4), (17, 4), (21, 10)]:
            agg = A.make(spec)
            if m < agg.min_workers(f):
                continue
            x = lower_bound_instance(m, f, np.array([3.0, -1.0, 2.0]))
            out = agg(x, f=f)
            s = list(range(m - 2 * f)) + list(range(m - f, m))
            xs = x[s]
            mean = xs.mean(axis=0)
            r = float(np.sum((out - mean) ** 2) / np.mean(np.sum((xs - mean) ** 2, axis=1)))
            target = f / (m - 2 * f)
            err = abs(r - target) / target
            rows[f"{spec} m={m} f={f}"] = r
            worst_err = max(worst_err, err)
    return check_exact(
        "K2",
        1.0 + worst_err,
        1.0,
        1e-9,
        quantity="max ratio/(f/(m−2f))",
        statement="the lower-bound construction attains f/(m − 2f)",
        details=rows,
    )


def _ctma_margin(x: np.ndarray, f: int, out: np.ndarray, x0: np.ndarray, keep: int) -> float:
    """max over S' of ‖out − x̄_S'‖² / bound, with bound = (4k/(m−f))(V_S' + ‖x₀ − x̄_S'‖²) and
    k = |S \\ S'| for S = the ``keep`` rows nearest to x₀ (rounding slack in the denominator)."""
    m = x.shape[0]
    order = np.argsort(np.sum((x - x0) ** 2, axis=1), kind="stable")
    kept = set(order[:keep].tolist())
    scale = max(1.0, float(np.abs(x).max())) ** 2
    worst = 0.0
    for s_prime in itertools.combinations(range(m), m - f):
        xs = x[list(s_prime)]
        mean = xs.mean(axis=0)
        k = len(kept - set(s_prime))
        bound = (
            4 * k / (m - f) * (np.mean(np.sum((xs - mean) ** 2, axis=1)) + np.sum((x0 - mean) ** 2))
        )
        lhs = float(np.sum((out - mean) ** 2))
        worst = max(worst, lhs / (bound + 1e-12 * scale))
    return worst


def k3(scale: str) -> Verdict:
    n = {"smoke": 2, "quick": 4, "full": 16}[scale]
    worst, rng = 0.0, np.random.default_rng(3)
    for base in ["cwtm", "cwmed", "gm", "krum"]:
        agg = A.make(f"ctma({base})")
        for m, f in [(9, 3), (10, 2)]:
            for _, xs in adversarial_instances(agg, m, f, 3, rng, n):
                xs = np.where(np.isfinite(xs), np.clip(xs, -1e100, 1e100), 1e100)
                for x in xs:
                    x0 = A.make(base)(x, f=f)
                    worst = max(worst, _ctma_margin(x, f, agg(x, f=f), x0, m - f))
    return check_ratio(
        "K3", worst, 1.0, quantity="max lhs/bound", statement="the CTMA proposition holds pathwise"
    )


def k3_negative(scale: str) -> Verdict:
    """A wrong trim (keep m − f + 1 rows) on a crafted input: one Byzantine row survives."""
    m, f = 7, 2
    x = np.zeros((m, 2))
    x[: m - f, 0] = np.linspace(-1.0, 1.0, m - f)
    x[m - f :] = [[30.0, 30.0], [40.0, 40.0]]
    x0 = A.cwmed(x, f=f)
    order = np.argsort(np.sum((x - x0) ** 2, axis=1), kind="stable")
    wrong = x[np.sort(order[: m - f + 1])].mean(axis=0)
    worst = _ctma_margin(x, f, wrong, x0, m - f)
    return check_ratio(
        "K3",
        worst,
        1.0,
        quantity="max lhs/bound",
        negative_control=True,
        statement="CTMA keeping m − f + 1 rows",
    )


def k4(scale: str) -> Verdict:
    m = 101
    fs = [1, 2, 4, 8]
    n = {"smoke": 4, "quick": 8, "full": 32}[scale]
    bases = ["cwmed"] if scale == "smoke" else ["cwmed", "gm", "krum"]
    slopes, base_levels, cis = {}, {}, {}
    for base in bases:
        ratios_ctma, ratios_base = [], []
        for f in fs:
            ratios_ctma.append(
                worst_ratio(f"ctma({base})", m, f, 5, np.random.default_rng(f), n).ratio
            )
            ratios_base.append(worst_ratio(base, m, f, 5, np.random.default_rng(f), n).ratio)
        delta = np.array(fs) / m
        slopes[base] = loglog_slope(delta, np.array(ratios_ctma))
        base_levels[base] = ratios_base
        cis[base] = ratios_ctma
    lo, hi = min(slopes.values()), max(slopes.values())
    theta1 = all(min(v) > 0.1 for v in base_levels.values())  # bases stay Θ(1) as δ → 0
    ok = 0.8 <= lo and hi <= 1.2 and theta1
    return Verdict(
        "K4",
        ok,
        float(np.mean(list(slopes.values()))),
        (lo, hi),
        1.0,
        0.2,
        0,
        "CTMA(A)'s worst κ grows linearly in δ; the bases stay Θ(1)",
        "slope in log δ",
        "±",
        False,
        {"delta": (np.array(fs) / m).tolist(), "ctma": cis, "base": base_levels, "slopes": slopes},
    )


def _time(fn: Callable[[], object], repeats: int) -> np.ndarray:
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return np.array(out)


class Timings(NamedTuple):
    m: list[int]
    d: int
    ctma: np.ndarray  # [repeats, len(m)] seconds
    nnm: np.ndarray


def c1_measure(scale: str) -> Timings:
    # m large against d, so that NNM's m²d Gram product dominates its O(md) parts
    ms = [200, 400, 800, 1600] if scale == "smoke" else [200, 400, 800, 1600, 3200]
    d = 250
    repeats = {"smoke": 3, "quick": 7, "full": 21}[scale]
    ctma_t, nnm_t = [], []
    rng = np.random.default_rng(0)
    for m in ms:
        x = rng.standard_normal((m, d))
        f = m // 5
        centre = A.cwmed(x)
        ctma_t.append(_time(lambda: A.ctma(x, f=f, base=lambda y, f: centre), repeats))  # noqa: B023
        nnm_t.append(_time(lambda: A.nnm_mix(x, f=f), repeats))  # noqa: B023
    return Timings(ms, d, np.array(ctma_t).T, np.array(nnm_t).T)


def c1(scale: str) -> Verdict:
    data = c1_measure(scale)
    ms = np.array(data.m)
    v_ctma = check_slope("C1", ms, data.ctma, 1.0, 0.3, side="upper", quantity="CTMA cost exponent")
    v_nnm = check_slope("C1", ms, data.nnm, 2.0, 0.3, side="lower", quantity="NNM cost exponent")
    ok = v_ctma.passed and v_nnm.passed
    return Verdict(
        "C1",
        ok,
        v_ctma.estimate,
        v_ctma.ci,
        1.3,
        0.0,
        0,
        "CTMA cost is linear in m; NNM quadratic",
        "CTMA exponent (NNM below)",
        "≤",
        False,
        {
            "nnm_exponent": v_nnm.estimate,
            "nnm_ci": v_nnm.ci,
            "m": ms.tolist(),
            "ctma_s": data.ctma.mean(0),
            "nnm_s": data.nnm.mean(0),
        },
    )


register(
    Claim("K1", "every aggregator meets its κ (THEORY.md §2) pathwise", "kappa", k1, k1_negative)
)
register(Claim("K2", "the lower bound f/(m − 2f) is attained by the construction", "kappa", k2))
register(Claim("K3", "the CTMA proposition holds pathwise", "kappa", k3, k3_negative))
register(Claim("K4", "CTMA upgrades: worst κ of CTMA(A) grows linearly in δ", "kappa", k4))
register(Claim("C1", "CTMA cost is linear in m; NNM quadratic", "cost", c1))
