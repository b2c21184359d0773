"""Instance families of the claims (docs/theory.md §5, "Instance families").

A claim is a statement about a family of problems, not about one instance. Each family here is
described in words (that text goes into every verdict) and drawn by a seeded generator, so the
instances of a run are reproducible and were not picked one by one. Where a family restricts
parameters, the restriction comes from the theory (e.g. "noise-dominated") or is there so that
a negative control *can* fail; it is documented beside the family.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import problems

from .registry import Family, Instance


def _loguniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def quadratic_at(
    dim: int,
    cond: float,
    sigma: float,
    rho: float,
    *,
    radius: float = 2.0,
    far: bool,
    ones: bool = False,
    rng: np.random.Generator,
) -> problems.Quadratic:
    """A quadratic with additive noise (A with eigenvalues log-spaced in [1/cond, 1] in a random
    basis, so L = 1), x* = ρ·R·e for a random unit e (or e = 𝟙/√d with ``ones``), centre 0, and
    the start x_1 either at the centre or, with ``far``, at −R·e: the far side of K, at
    distance (1 + ρ)R from x*."""
    base = problems.Quadratic.random(dim, cond=cond, sigma=sigma, rng=rng)
    e = _unit(np.ones(dim)) if ones else _unit(base.x_star)
    x0 = -radius * e if far else None
    return problems.Quadratic(base.A, rho * radius * e, sigma=sigma, radius=radius, x0=x0)


def _family(
    description: str,
    keys: tuple[str, ...],
    one: Callable[[np.random.Generator, int], tuple[str, dict[str, Any]]],
    seed: int,
) -> Family:
    def draw(rng: np.random.Generator, n: int) -> list[Instance]:
        out = []
        for i in range(n):
            label, kw = one(rng, i)
            out.append(Instance(f"#{i + 1} {label}", kw))
        return out

    return Family(description, draw, keys, seed)


# ----------------------------------------------------------------- E0


def _exact_noise(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
    d = int(rng.integers(100, 201))
    cond = _loguniform(rng, 1.0, 100.0)
    sigma = _loguniform(rng, 0.1, 10.0)
    rho = float(rng.uniform(0.1, 0.9))
    p = quadratic_at(d, cond, sigma, rho, far=bool(i % 2), rng=rng)
    return f"quadratic d={d} cond={cond:.3g} σ={sigma:.3g}", {"problem": p}


EXACT_NOISE = _family(
    "quadratic with additive Gaussian noise (σ_L = 0): d ∈ [100, 200], cond ∈ [1, 100] and "
    "σ ∈ [0.1, 10] log-uniform, x* at ρR from the centre (ρ ∈ [0.1, 0.9]), start at the centre "
    "or on the far side of K (alternating). d ≥ 100 is for precision: t·‖ε_t‖²/σ² is χ²_d/d, "
    "so its variance 2/d sets how many seeds a 5 % equivalence band needs.",
    ("problem",),
    _exact_noise,
    seed=1,
)


# ----------------------------------------------------------------- E1, E2


def _noise_dominated_ls(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
    d = int(rng.integers(3, 13))
    cond = _loguniform(rng, 2.0, 8.0)
    c = _loguniform(rng, 1.0, 4.0)
    base = problems.LeastSquares.random(d, cond=cond, noise=0.0, rng=rng)
    trace = float(np.trace(base.cov))
    s = float(np.sqrt(c * 4.0 * base.D**2 * base.sigma_L2 / trace))
    p = problems.LeastSquares(base.cov, base.x_star, noise=s)
    return f"least squares d={d} cond={cond:.3g} s={s:.3g}", {"problem": p}


NOISE_DOMINATED_LS = _family(
    "least squares with Gaussian design (σ_L > 0): d ∈ [3, 12], cond ∈ [2, 8] log-uniform, "
    "x* a random unit vector, R = 2, start at the centre, label noise s with "
    "s²·tr Σ = c·4D²σ_L², c ∈ [1, 4] log-uniform: noise-dominated (docs/theory.md §5: the "
    "per-point variance is then nearly constant along the path, which the slope −1 needs).",
    ("problem",),
    _noise_dominated_ls,
    seed=2,
)


# ----------------------------------------------------------------- R1, R2, R3


def _far_quadratic(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
    d = int(rng.integers(5, 21))
    cond = _loguniform(rng, 2.0, 8.0)
    sigma = float(rng.uniform(0.1, 0.5))
    rho = float(rng.uniform(0.3, 0.8))
    p = quadratic_at(d, cond, sigma, rho, far=True, ones=True, rng=rng)
    return f"quadratic d={d} cond={cond:.3g} σ={sigma:.3g} ρ={rho:.2f}", {"problem": p}


FAR_QUADRATIC = _family(
    "quadratic with additive noise: d ∈ [5, 20], cond ∈ [2, 8] log-uniform (A in a random "
    "basis), σ ∈ [0.1, 0.5], R = 2, x* = ρR·e with ρ ∈ [0.3, 0.8] and e = 𝟙/√d, start "
    "x_1 = −R·e on the far side of K. Low noise keeps Theorem R's bound below what a broken "
    "aggregator reaches, and e along the constant-offset attack's direction lets that attack "
    "push the mean back to the far side (so the negative control can fail); the far start "
    "makes f(x_1) − f* exceed the bound (so the stand-still control can fail).",
    ("problem",),
    _far_quadratic,
    seed=3,
)


# ----------------------------------------------------------------- S1

S1_ATTACKS = ("ipm", "sign_flip", "alie")


def _noisy_quadratic(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
    d = int(rng.integers(5, 21))
    cond = _loguniform(rng, 2.0, 8.0)
    sigma = float(rng.uniform(2.0, 4.0))
    rho = float(rng.uniform(0.25, 0.6))
    p = quadratic_at(d, cond, sigma, rho, far=False, rng=rng)
    attack = S1_ATTACKS[i % len(S1_ATTACKS)]
    label = f"quadratic d={d} cond={cond:.3g} σ={sigma:.3g} ρ={rho:.2f}, {attack}"
    return label, {"problem": p, "attack": attack}


NOISY_QUADRATIC = _family(
    "quadratic with additive noise in the noise-dominated regime of Theorem R's stable range: "
    "d ∈ [5, 20], cond ∈ [2, 8] log-uniform, σ ∈ [2, 4], R = 2, x* at ρR from the start x_1 = "
    "centre with ρ ∈ [0.25, 0.6] (so L‖x_1 − x*‖² ≤ σ²/2); the attack cycles through IPM, sign "
    "flip and ALIE. Under IPM and sign flip, SGD's final loss grows with η, so SGD's negative "
    "control can fail; under ALIE SGD sits on an attack floor that hides its η-dependence.",
    ("problem", "attack"),
    _noisy_quadratic,
    seed=4,
)


# ----------------------------------------------------------------- K claims


def _kappa_sizes(
    m_range: tuple[int, int], min_gap: int, d_range: tuple[int, int]
) -> Callable[[np.random.Generator, int], tuple[str, dict[str, Any]]]:
    def one(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
        m = int(rng.integers(m_range[0], m_range[1] + 1))
        f = int(rng.integers(1, (m - min_gap) // 2 + 1))
        d = int(rng.integers(d_range[0], d_range[1] + 1))
        seed = int(rng.integers(0, 2**31))
        return f"m={m} f={f} d={d}", {"m": m, "f": f, "d": d, "rng": seed}

    return one


KAPPA_SIZES = _family(
    "worker arrays with m ∈ [7, 41], 1 ≤ f with m ≥ 2f + 3 (so every rule of the table, Krum "
    "included, is defined), d ∈ [1, 16]; honest rows from six families (isotropic, anisotropic, "
    "heavy-tailed, two clusters, near-duplicates, collinear) with random offsets, Byzantine rows "
    "from every attack of §3, random positions, the lower-bound construction and the medians' "
    "extremal family",
    ("m", "f", "d", "rng"),
    _kappa_sizes((7, 41), 3, (1, 16)),
    seed=5,
)

LOWER_BOUND_SIZES = _family(
    "the construction of §2 (m − f copies of 0, f copies of a) with m ∈ [3, 41], "
    "1 ≤ f < m/2, d ∈ [1, 8] and a random a of norm 10^U(−3, 3)",
    ("m", "f", "d", "rng"),
    _kappa_sizes((3, 41), 1, (1, 8)),
    seed=6,
)

SMALL_SIZES = _family(
    "adversarial worker arrays small enough to enumerate every S' of size m − f: m ∈ [7, 10], "
    "m ≥ 2f + 3, d ∈ [1, 6], from the same honest and Byzantine families as K1",
    ("m", "f", "d", "rng"),
    _kappa_sizes((7, 10), 3, (1, 6)),
    seed=7,
)


def _search_seeds(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
    d = int(rng.integers(2, 9))
    seed = int(rng.integers(0, 2**31))
    return f"d={d}, search seed {seed}", {"d": d, "rng": seed}


SEARCH_SEEDS = _family(
    "adversarial searches at m = 101 for δ = f/m with f ∈ {1, 2, 4, 8}: d ∈ [2, 8] and an "
    "independent search seed per instance; each search starts from every attack of §3, random "
    "positions, the lower-bound construction and the medians' extremal family, then "
    "hill-climbs the ratio",
    ("d", "rng"),
    _search_seeds,
    seed=8,
)


def _cost_seeds(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
    seed = int(rng.integers(0, 2**31))
    return f"Gaussian rows, seed {seed}", {"rng": seed}


COST_ARRAYS = _family(
    "standard Gaussian worker arrays [m, d] with d = 64 and m over the grid (m large against "
    "d, so that NNM's quadratic parts dominate its O(md) parts)",
    ("rng",),
    _cost_seeds,
    seed=9,
)


# ----------------------------------------------------------------- P1

PAPER_VARIANTS = (
    {"rounding": True, "floor": 0.01, "alpha_step": False},  # the CTMA paper's code
    {"rounding": False, "floor": 0.0, "alpha_step": False},  # the mu2sgd repository
    {"rounding": True, "floor": 0.01, "alpha_step": True},  # w stepped with η·t
)
PAPER_BYZANTINE = ("ipm", "alie", "sign_flip")


def _authors_code(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
    d = int(rng.integers(2, 11))
    cond = _loguniform(rng, 1.0, 10.0)
    m = int(rng.choice([9, 13, 17]))
    f = int(rng.integers(1, (m - 1) // 2 + 1))
    variant = PAPER_VARIANTS[i % 3]
    byzantine = PAPER_BYZANTINE[(i + i // 3) % 3]
    if i % 2:
        p: Any = problems.LeastSquares.random(
            d, cond=cond, noise=float(rng.uniform(0.1, 2.0)), rng=rng
        )
        kind = "least squares"
    else:
        p = problems.Quadratic.random(d, cond=cond, sigma=float(rng.uniform(0.1, 2.0)), rng=rng)
        kind = "quadratic"
    flags = ", ".join(f"{k}={v}" for k, v in variant.items())
    label = f"{kind} d={d} m={m} f={f}, {byzantine}, {flags}"
    return label, {"problem": p, "m": m, "f": f, "variant": variant, "byzantine": byzantine}


AUTHORS_CODE = _family(
    "quadratic (additive noise) and least-squares instances alternating, d ∈ [2, 10], cond ∈ "
    "[1, 10] log-uniform, noise ∈ [0.1, 2]; m ∈ {9, 13, 17}, 1 ≤ f ≤ (m − 1)/2; the Byzantine "
    "behaviours of the CTMA code (IPM with ε = 0.5, ALIE with its z, its sign flip) and the three "
    "variants of the authors' optimiser (the CTMA code; the mu2sgd repository, no rounding or "
    "floor; α_t-weighted steps on w) in rotation, so that three instances cover every variant "
    "and every behaviour.",
    ("problem", "m", "f", "variant", "byzantine"),
    _authors_code,
    seed=10,
)


def _kstar_sizes(rng: np.random.Generator, i: int) -> tuple[str, dict[str, Any]]:
    m = int(rng.integers(5, 14))
    f = int(rng.integers(1, (m - 3) // 2 + 1))
    d = int(rng.integers(1, 9))
    seed = int(rng.integers(0, 2**31))
    return f"m={m} f={f} d={d}", {"m": m, "f": f, "d": d, "rng": seed}


KSTAR_SIZES = _family(
    "m ∈ [5, 13], 1 ≤ f ≤ (m − 3)/2 (so that every rule, Krum included, is defined), the "
    "extremal instance of each rule embedded in d ∈ [1, 8] by a "
    "random similarity the rule is equivariant under (rotation-equivariant rules: a random "
    "rotation, scale 10^U(−2, 2) and offset; coordinate-wise rules: each coordinate an "
    "independent affine copy with a positive scale), and an adversarial search with its own "
    "seed",
    ("m", "f", "d", "rng"),
    _kstar_sizes,
    seed=9,
)
