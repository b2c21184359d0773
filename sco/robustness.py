"""Measuring (f, κ)-robustness pathwise (THEORY.md §2).

For an output a of an aggregator on x_1..x_m and a set S of m − f indices, the realised ratio is
‖a − x̄_S‖² / V_S with V_S = (1/|S|)Σ_{i∈S}‖x_i − x̄_S‖². An aggregator is (f, κ)-robust when the
ratio never exceeds κ for any input and any S. This module computes ratios (for the honest set
or for every S), builds the lower-bound instance, and generates adversarial instances.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from .aggregators import Aggregator, AggregatorLike, resolve


def ratio(out: np.ndarray, x: np.ndarray, subset: np.ndarray | None = None) -> np.ndarray:
    """‖out − x̄_S‖² / V_S for ``out[..., d]``, ``x[..., m, d]`` and S = ``subset`` (indices;
    default: all rows). Returns ``[...]``; 0/0 (exact agreement on a zero-variance S) is 0, and
    a non-zero error on a zero-variance S is +inf."""
    xs = x if subset is None else x[..., subset, :]
    mean = xs.mean(axis=-2)
    var = np.mean(np.sum((xs - mean[..., None, :]) ** 2, axis=-1), axis=-1)
    with np.errstate(over="ignore", invalid="ignore"):
        err = np.sum((out - mean) ** 2, axis=-1)
    scale = np.maximum(np.mean(np.sum(xs**2, axis=-1), axis=-1), 1e-300)
    tiny = err <= 1e-24 * scale  # rounding-level agreement
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(var > 0, err / np.where(var > 0, var, 1.0), np.inf)
    return np.where(tiny & (var <= 1e-24 * scale), 0.0, np.where(np.isnan(err), np.inf, r))


def worst_subset_ratio(out: np.ndarray, x: np.ndarray, f: int) -> np.ndarray:
    """max over every S ⊆ [m] with |S| = m − f of :func:`ratio` (exhaustive; small m only)."""
    m = x.shape[-2]
    best = np.zeros(out.shape[:-1])
    for s in itertools.combinations(range(m), m - f):
        best = np.maximum(best, ratio(out, x, np.array(s)))
    return best


def lower_bound_instance(m: int, f: int, a: np.ndarray) -> np.ndarray:
    """THEORY.md §2's construction: m − f copies of 0 followed by f copies of ``a[d]``: ``[m, d]``.

    Any aggregator must output 0 (S = the zeros has V_S = 0); then for S = (m − 2f zeros) ∪
    (f copies of a) the ratio is exactly f/(m − 2f).
    """
    a = np.asarray(a, dtype=np.float64)
    return np.concatenate([np.zeros((m - f, a.shape[0])), np.tile(a, (f, 1))])


def honest_batch(rng: np.random.Generator, n: int, h: int, d: int) -> np.ndarray:
    """``[n, h, d]`` honest messages from varied families: isotropic and anisotropic Gaussian,
    heavy-tailed (Student t₂), two clusters, near-duplicates, and points on a line."""
    kinds = [
        lambda: rng.standard_normal((h, d)),
        lambda: rng.standard_normal((h, d)) * np.geomspace(1.0, 1e-3, d),
        lambda: rng.standard_t(2.0, (h, d)),
        lambda: (
            rng.standard_normal((h, d)) * 0.05 + np.where(np.arange(h)[:, None] % 2 == 0, 1.0, -1.0)
        ),
        lambda: 1.0 + 1e-6 * rng.standard_normal((h, d)),
        lambda: rng.standard_normal((h, 1)) * rng.standard_normal((1, d)),
    ]
    offset = rng.standard_normal((n, 1, d)) * rng.choice([0.0, 1.0, 100.0], size=(n, 1, 1))
    return np.stack([kinds[i % len(kinds)]() for i in range(n)]) + offset


class Probe(NamedTuple):
    """The worst instance found by :func:`worst_ratio`."""

    ratio: float  # largest realised ratio for S = the honest rows
    x: np.ndarray  # [m, d] the instance (honest rows first)
    attack: str  # which attack produced it


def adversarial_instances(
    agg: AggregatorLike, m: int, f: int, d: int, rng: np.random.Generator, n: int = 64
) -> Iterator[tuple[str, np.ndarray]]:
    """Instances ``[n, m, d]`` (honest first, then f Byzantine rows) for each attack of
    THEORY.md §3 against ``agg``, plus random Byzantine positions at several scales."""
    from . import attacks

    honest = honest_batch(rng, n, m - f, d)
    specs = ["sign_flip", "ipm", "alie", "gaussian(scale=10.0)", "mimic", "constant(value=100.0)"]
    if resolve(agg).robust:
        specs += ["nan", "inf", "huge"]
    specs.append("adaptive")
    for spec in specs:
        byz = attacks.make(spec)(honest, f=f, rng=rng, aggregator=agg)
        yield spec, np.concatenate([honest, byz], axis=-2)
    for scale in (1.0, 10.0, 1e3):
        byz = scale * rng.standard_normal((n, f, d))
        yield f"random(scale={scale:g})", np.concatenate([honest, byz], axis=-2)
    if 0 < f and m - 2 * f > 0:
        yield "lower_bound", _lower_bound_family(rng, n, m, f, d)


def _lower_bound_family(rng: np.random.Generator, n: int, m: int, f: int, d: int) -> np.ndarray:
    """The construction behind the lower bound f/(m − 2f), with noise: honest rows are m − 2f
    points near 0 and f points near a far vector a; the f Byzantine rows sit at the majority.
    Any rule that follows the majority is off by about f/(m − f)·a from the honest mean."""
    a = rng.standard_normal((n, 1, d)) * rng.choice([1.0, 10.0, 100.0], size=(n, 1, 1))
    jitter = rng.choice([0.0, 1e-3, 1e-1], size=(n, 1, 1))
    near = jitter * rng.standard_normal((n, m - 2 * f, d))
    far = a + jitter * rng.standard_normal((n, f, d))
    byz = jitter * rng.standard_normal((n, f, d))
    return np.concatenate([near, far, byz], axis=-2)


def worst_ratio(
    agg: AggregatorLike,
    m: int,
    f: int,
    d: int,
    rng: np.random.Generator,
    n: int = 64,
    *,
    every_subset: bool = False,
) -> Probe:
    """The largest realised ratio of ``agg`` over :func:`adversarial_instances` (S = the
    honest rows, or every S of size m − f when ``every_subset``; the latter needs small m)."""
    a: Aggregator = resolve(agg)
    best = Probe(-np.inf, np.zeros((m, d)), "")
    for name, x in adversarial_instances(a, m, f, d, rng, n):
        out = a(x, f=f, rng=rng)
        if every_subset:
            r = worst_subset_ratio(out, _finite_rows(x), f)
        else:
            r = ratio(out, x, np.arange(m - f))
        k = int(np.argmax(r))
        if r[k] > best.ratio:
            best = Probe(float(r[k]), x[k], name)
    return best


def _finite_rows(x: np.ndarray) -> np.ndarray:
    """Subsets containing a non-finite row have V_S = ∞ and cannot bind; give them a huge but
    finite stand-in so the ratio arithmetic stays finite."""
    return np.where(np.isfinite(x), np.clip(x, -1e150, 1e150), 1e150)
