"""Measuring (f, κ)-robustness pathwise (docs/theory.md §2): ratios and adversarial search.

For an output a of an aggregator on x_1..x_m and a set S of m − f indices, the realised ratio is
‖a − x̄_S‖² / V_S with V_S the mean of ‖x_i − x̄_S‖² over i ∈ S. An aggregator is (f, κ)-robust
when the ratio never exceeds κ for any input and any S. This module computes ratios (for the
honest set or for every S), builds the lower-bound instance, and generates adversarial
instances."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from ..aggregators import Aggregator, AggregatorLike, resolve
from ..seeds import as_generator


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
    """max over every S ⊆ [m] of size m − f of :func:`ratio` (exhaustive; small m only)."""
    m = x.shape[-2]
    best = np.zeros(out.shape[:-1])
    for s in itertools.combinations(range(m), m - f):
        best = np.maximum(best, ratio(out, x, np.array(s)))
    return best


def lower_bound_instance(m: int, f: int, a: np.ndarray) -> np.ndarray:
    """The construction of docs/theory.md §2: m − f copies of 0, then f copies of ``a[d]``:
    ``[m, d]``.

    Any aggregator must output 0 (S = the zeros has V_S = 0); then for S = (m − 2f zeros) ∪
    (f copies of a) the ratio is exactly f/(m − 2f).
    """
    a = np.asarray(a, dtype=np.float64)
    return np.concatenate([np.zeros((m - f, a.shape[0])), np.tile(a, (f, 1))])


def honest_batch(rng: Any, n: int, h: int, d: int) -> np.ndarray:
    """``[n, h, d]`` honest messages from varied families: isotropic and anisotropic Gaussian,
    heavy-tailed (Student t₂), two clusters, near-duplicates, and points on a line."""
    rng = as_generator(rng)
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
    agg: AggregatorLike, m: int, f: int, d: int, rng: Any, n: int = 64
) -> Iterator[tuple[str, np.ndarray]]:
    """Instances ``[n, m, d]`` (honest first, then f Byzantine rows) for each attack of
    docs/theory.md §3 against ``agg``, plus random Byzantine positions at several scales."""
    rng = as_generator(rng)
    from .. import attacks

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


def _lower_bound_family(rng: Any, n: int, m: int, f: int, d: int) -> np.ndarray:
    """The construction behind the lower bound f/(m − 2f), with noise: honest rows are m − 2f
    points near 0 and f points near a far vector a; the f Byzantine rows sit at the majority.
    Any rule that follows the majority is off by about f/(m − f)·a from the honest mean."""
    a = rng.standard_normal((n, 1, d)) * rng.choice([1.0, 10.0, 100.0], size=(n, 1, 1))
    jitter = rng.choice([0.0, 1e-3, 1e-1], size=(n, 1, 1))
    near = jitter * rng.standard_normal((n, m - 2 * f, d))
    far = a + jitter * rng.standard_normal((n, f, d))
    byz = jitter * rng.standard_normal((n, f, d))
    return np.concatenate([near, far, byz], axis=-2)


def median_cluster_family(rng: Any, n: int, m: int, f: int, d: int) -> np.ndarray:
    """The extremal family of the geometric and coordinate-wise medians (docs/theory.md §6):
    g = ⌈(m − 2f)/2⌉ honest points and the f Byzantine points at 0, the other h − g honest points
    at a unit vector e, with a jitter of 0, 1e-6, 1e-3 or 1e-1 times the scale (spreading the
    cluster approaches the supremum for even m) and random e and scale. ``[n, m, d]``, honest
    rows first."""
    rng = as_generator(rng)
    h = m - f
    g = -(-(m - 2 * f) // 2)
    e = rng.standard_normal((n, 1, d))
    e /= np.linalg.norm(e, axis=-1, keepdims=True)
    e *= rng.choice([1.0, 10.0, 100.0], size=(n, 1, 1))
    jitter = rng.choice([0.0, 1e-6, 1e-3, 1e-1], size=(n, 1, 1))
    jitter = jitter * np.linalg.norm(e, axis=-1)[..., None]
    x = np.zeros((n, m, d))
    x[:, g:h] = e
    return x + jitter * rng.standard_normal((n, m, d))


FAMILIES = ("attacks", "random", "lower_bound", "median_cluster")


def starting_instances(
    agg: AggregatorLike, m: int, f: int, d: int, rng: Any, n: int
) -> Iterator[tuple[str, np.ndarray]]:
    """Named families of instances ``[n, m, d]`` to start a search from: every attack of
    docs/theory.md §3 on varied honest messages, random Byzantine rows, the lower-bound
    construction and the medians' extremal family (the last two when 0 < f < m/2). Non-finite
    attacks are left out: a search needs finite ratios to climb."""
    rng = as_generator(rng)
    for name, x in adversarial_instances(agg, m, f, d, rng, n):
        if name in ("nan", "inf", "huge"):
            continue
        yield name, x
    if 0 < f and m - 2 * f > 0:
        yield "median_cluster", median_cluster_family(rng, n, m, f, d)


def _honest_spread(x: np.ndarray, h: int) -> np.ndarray:
    xs = x[..., :h, :]
    mu = xs.mean(axis=-2, keepdims=True)
    return np.sqrt(np.mean(np.sum((xs - mu) ** 2, axis=-1), axis=-1))


def local_search(
    agg: AggregatorLike,
    x: np.ndarray,
    f: int,
    rng: Any,
    *,
    iters: int = 200,
    step: float = 0.3,
) -> tuple[np.ndarray, np.ndarray]:
    """Hill-climb the honest-set ratio ‖A(x) − x̄_G‖²/V_G from each starting instance.

    ``x[n, m, d]`` (honest rows first, then the f Byzantine rows) are improved in parallel by
    a (1+1) evolution strategy: each iteration proposes, per instance, one of three moves —
    shift the f Byzantine rows together (they stay identical if they were), move one random
    row, or jitter every row — with Gaussian steps of ``σ·√V_G`` and keeps the proposal when it
    raises the ratio; σ grows by 1.5 after a success and shrinks by 0.9 after a failure
    (clipped to [1e-6, 10]). Returns the ratios ``[n]`` and the instances ``[n, m, d]``.
    Works for any rule, including plain callables (it only evaluates the rule).
    """
    rng = as_generator(rng)
    a = resolve(agg)
    x = np.array(x, dtype=np.float64)
    n, m, d = x.shape
    h = m - f
    honest = np.arange(h)

    def score(z: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            r = ratio(a(z, f=f, rng=rng), z, honest)
        return np.where(np.isnan(r), -np.inf, r)

    best = score(x)
    sigma = np.full(n, float(step))
    for _ in range(iters):
        scale = (sigma * np.maximum(_honest_spread(x, h), 1e-12))[:, None, None]
        mode = np.asarray(rng.integers(0, 3, size=(n,)))
        noise = rng.standard_normal((n, m, d))
        mask = np.zeros((n, m, 1))
        mask[mode == 0, h:] = 1.0
        noise[mode == 0, h:] = noise[mode == 0, h : h + 1] if f else 0.0
        rows = np.asarray(rng.integers(0, m, size=(n,)))
        mask[np.flatnonzero(mode == 1), rows[mode == 1]] = 1.0
        mask[mode == 2] = 0.1
        prop = x + scale * mask * noise
        got = score(prop)
        better = got > best
        x[better] = prop[better]
        best = np.where(better, got, best)
        sigma = np.clip(np.where(better, sigma * 1.5, sigma * 0.9), 1e-6, 10.0)
    return best, x


class Worst(NamedTuple):
    """The worst instance of :func:`search_worst`, and where its search started."""

    ratio: float
    x: np.ndarray  # [m, d], honest rows first
    family: str  # the starting family that produced it
    start_ratio: float  # its ratio before the local search


def _kind(name: str) -> str:
    if name in ("lower_bound", "median_cluster"):
        return name
    return "random" if name.startswith("random") else "attacks"


def search_worst(
    agg: AggregatorLike,
    m: int,
    f: int,
    d: int,
    rng: Any,
    *,
    n: int = 16,
    iters: int = 50,
    polish: int = 200,
    top: int = 4,
    families: tuple[str, ...] = FAMILIES,
    surrogate: AggregatorLike | None = None,
) -> Worst:
    """The largest honest-set ratio found by :func:`local_search`.

    Phase 1 starts ``n`` searches of ``iters`` steps from every family of
    :func:`starting_instances`; ``families`` selects among the kinds ``"attacks"`` (every
    attack of docs/theory.md §3), ``"random"``, ``"lower_bound"`` and ``"median_cluster"``.
    Phase 2 polishes the ``top`` best instances of *each kind* together (one batch) with
    ``polish`` more steps (a kind that starts lower may climb higher). The result names the
    family the winner started from and its ratio before any search.

    ``surrogate``: a cheaper stand-in for ``agg`` that drives the climb (e.g. a geometric median
    at a looser tolerance); the polished candidates are then scored by ``agg`` itself, so the
    returned ratio is always that of the implemented rule on the returned instance.
    """
    rng = as_generator(rng)
    guide = agg if surrogate is None else surrogate
    found: dict[str, list[tuple[float, np.ndarray, str, float]]] = {}
    for name, x0 in starting_instances(agg, m, f, d, rng, n):
        kind = _kind(name)
        if kind not in families:
            continue
        start = local_search(agg, x0, f, rng, iters=0)[0]
        r, x = local_search(guide, x0, f, rng, iters=iters)
        found.setdefault(kind, []).extend(
            (float(r[k]), x[k], name, float(start[k])) for k in range(r.shape[0])
        )
    if not found:
        raise ValueError(f"no starting family among {families}")
    chosen = [c for group in found.values() for c in sorted(group, key=lambda c: -c[0])[:top]]
    r, x = local_search(guide, np.stack([c[1] for c in chosen]), f, rng, iters=polish)
    if surrogate is not None:
        r = local_search(agg, x, f, rng, iters=0)[0]
    k = int(np.argmax(r))
    return Worst(float(r[k]), x[k], chosen[k][2], chosen[k][3])


def worst_ratio(
    agg: AggregatorLike,
    m: int,
    f: int,
    d: int,
    rng: Any,
    n: int = 64,
    *,
    every_subset: bool = False,
) -> Probe:
    """The largest realised ratio of ``agg`` over :func:`adversarial_instances` (S = the
    honest rows, or every S of size m − f when ``every_subset``; the latter needs small m)."""
    rng = as_generator(rng)
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
