"""Brute-force reference implementations, written from the definitions with explicit loops.

Nothing here calls the code under test; each function follows docs/theory.md §2 literally.
"""

from __future__ import annotations

import itertools
import math
import statistics

import numpy as np


def sqdist(a: np.ndarray, b: np.ndarray) -> float:
    return float(sum((float(u) - float(v)) ** 2 for u, v in zip(a, b, strict=True)))


def cwtm(x: np.ndarray, f: int) -> np.ndarray:
    m, d = x.shape
    return np.array([sum(sorted(x[:, j])[f : m - f]) / (m - 2 * f) for j in range(d)])


def cwmed(x: np.ndarray) -> np.ndarray:
    return np.array([statistics.median(x[:, j].tolist()) for j in range(x.shape[1])])


def krum_scores(x: np.ndarray, f: int) -> list[float]:
    m = x.shape[0]
    scores = []
    for i in range(m):
        dists = sorted(sqdist(x[i], x[j]) for j in range(m) if j != i)
        scores.append(sum(dists[: m - f - 2]))
    return scores


def krum(x: np.ndarray, f: int) -> np.ndarray:
    scores = krum_scores(x, f)
    best = min(range(len(scores)), key=lambda i: (scores[i], i))
    return x[best]


def multi_krum(x: np.ndarray, f: int, k: int) -> np.ndarray:
    scores = krum_scores(x, f)
    chosen = sorted(range(len(scores)), key=lambda i: (scores[i], i))[:k]
    return np.mean([x[i] for i in sorted(chosen)], axis=0)


def nnm_mix(x: np.ndarray, f: int) -> np.ndarray:
    m = x.shape[0]
    out = np.empty_like(x)
    for i in range(m):
        others = sorted((j for j in range(m) if j != i), key=lambda j: (sqdist(x[i], x[j]), j))
        group = [i, *others[: m - f - 1]]
        out[i] = np.mean([x[j] for j in group], axis=0)
    return out


def ctma(x: np.ndarray, f: int, x0: np.ndarray) -> np.ndarray:
    """CTMA's steps 2–3 given the base output x0 (step 1)."""
    m = x.shape[0]
    order = sorted(range(m), key=lambda i: (sqdist(x[i], x0), i))
    kept = sorted(order[: m - f])
    return np.sum([x[i] for i in kept], axis=0) / (m - f)


def centered_clipping(x: np.ndarray, v: np.ndarray, tau: float, iters: int) -> np.ndarray:
    m = x.shape[0]
    for _ in range(iters):
        total = np.zeros_like(v)
        for i in range(m):
            u = x[i] - v
            n = math.sqrt(float(u @ u))
            total += u * (min(1.0, tau / n) if n > 0 else 1.0)
        v = v + total / m
    return v


def gm_objective(x: np.ndarray, z: np.ndarray) -> float:
    return float(sum(math.sqrt(sqdist(row, z)) for row in x))


def ratio(out: np.ndarray, x: np.ndarray, subset: tuple[int, ...]) -> float:
    xs = x[list(subset)]
    mean = xs.mean(axis=0)
    var = float(np.mean([sqdist(r, mean) for r in xs]))
    err = sqdist(out, mean)
    return err / var if var > 0 else (0.0 if err == 0 else math.inf)


def worst_subset_ratio(out: np.ndarray, x: np.ndarray, f: int) -> float:
    m = x.shape[0]
    return max(ratio(out, x, s) for s in itertools.combinations(range(m), m - f))


def kappa_violations(out: np.ndarray, x: np.ndarray, f: int, kappa: float) -> list[tuple[int, ...]]:
    """Subsets S (|S| = m − f) with ‖out − x̄_S‖² > κ·V_S beyond rounding: the comparison is
    done without dividing, with an absolute slack of m·(1e-12·max|x|)² for rounding."""
    m = x.shape[0]
    slack = m * (1e-12 * max(1.0, float(np.abs(x).max()))) ** 2
    bad = []
    for s in itertools.combinations(range(m), m - f):
        xs = x[list(s)]
        mean = xs.mean(axis=0)
        var = float(np.mean([sqdist(r, mean) for r in xs]))
        if sqdist(out, mean) > kappa * var * (1 + 1e-9) + slack:
            bad.append(s)
    return bad
