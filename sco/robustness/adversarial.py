"""A lower bound on κ*(A; m, f) by adversarial optimisation, for any rule (docs/theory.md §6).

When no closed form, SDP or SOCP enumeration applies (a user's callable, a randomised or
iterative rule), :func:`sco.robustness.kappa_star` falls back to :func:`search_only`. It
maximises the realised ratio

    ρ(x) = ‖A(x) − x̄_S‖² / V_S,   x ∈ R^{m×d},   V_S = (1/#S) Σ_{i∈S} ‖x_i − x̄_S‖²,

with S the first m − f rows (the honest rows; S = all m rows for the no-attack accuracy ε*,
the rule still tuned to f). Every value it reports is the ratio of the implemented rule on an
explicit instance, so it is a certified *lower* bound on κ* (or ε*); no upper bound is claimed.

The search has three stages:

1. **Starting instances** (:func:`extremal_families`): the extremal families of §6 — the
   lower-bound construction of §2 (m − 2f honest points at 0, f honest points at a, the f
   Byzantine points with the majority), the medians' cluster family, two-value inputs (k rows
   at e, m − k at 0, both orders; k = f is CWTM's no-attack extremal input), and Krum's tie
   configurations (two honest clusters with the Byzantine group placed on and off the segment
   between them, where the selected point switches; and the high-dimensional variant with one
   cluster spread over orthogonal directions, the shape of the SDP optima) — plus the attacks
   and random instances of :func:`sco.robustness.starting_instances`, at several jitters.
2. **Climb**: a batched (1+1) evolution strategy (like :func:`~sco.robustness.local_search`,
   but for any S and with a "move a cluster of equal rows together" step that keeps ties).
3. **Refine**: Nelder–Mead (scipy, imported lazily) on the flattened best instances (a quarter
   of the evaluation budget for rules declaring an iterative solver, rtol > 1e-9). The ratio
   is invariant under translation for translation-equivariant rules, so the first row is pinned
   (the gauge) and only the other m − 1 rows move; the scale is left free (the registry does not
   declare scale equivariance, and the objective is merely flat along it when it holds).

The dimension defaults to d = min(m, 4) for rules declared coordinate-wise (they attain κ* in
d = 1; a few extra coordinates cost little) and to d = m for every other rule: Krum's extremal
instances (the SDP of §6 is exact for d ≥ m) spread one honest cluster over up to h − 1
mutually orthogonal directions so that its points are equidistant (:func:`krum_simplex_family`),
which a low dimension cannot represent. Pass ``d`` to choose another dimension.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..aggregators import Aggregator, AggregatorLike, names, resolve
from ..aggregators.registry import REGISTRY
from ..seeds import as_generator
from .result import KappaStar
from .search import adversarial_instances, honest_batch, median_cluster_family

#: Budgets of :func:`search_only`: starting instances kept per family, ES steps, polishing ES
#: steps, instances refined by Nelder–Mead and its evaluation budget per instance.
EFFORTS: dict[str, dict[str, int]] = {
    "quick": {"n": 4, "keep": 12, "iters": 60, "polish": 60, "nm": 1, "fev": 300},
    "default": {"n": 8, "keep": 24, "iters": 120, "polish": 120, "nm": 2, "fev": 800},
    "thorough": {"n": 16, "keep": 48, "iters": 300, "polish": 300, "nm": 4, "fev": 6000},
}


def default_d(m: int, agg: AggregatorLike | None = None) -> int:
    """The default search dimension (module docstring): min(m, 4) for a rule declared
    coordinate-wise, m for any other rule (or when ``agg`` is None)."""
    if agg is not None and resolve(agg).coordinatewise:
        return max(1, min(int(m), 4))
    return max(1, int(m))


def _registered(agg: Aggregator) -> bool:
    """True when ``agg`` is built from a registered rule (not a wrapped plain callable)."""
    if agg.name not in names():
        return False
    try:
        return REGISTRY.get(agg.name) is agg.entry
    except Exception:
        return False


class RuleEvaluator:
    """Evaluate a rule on a batch ``x[n, m, d] -> [n, d]`` whatever the rule supports.

    Registered rules batch over leading axes; a plain callable ``fn(x[m, d], *, f)`` (also
    when already wrapped by :func:`~sco.aggregators.resolve`) may not.
    The first call tries the batched form and, for a plain callable, checks it against
    row-by-row calls on the first and last instance; a call that raises or returns another shape
    or other values switches to row-by-row evaluation for good. A row whose call raises or
    returns a wrong shape gives NaN outputs (which the search scores as −∞); the rule's
    warnings are silenced (an outside rule probed on a batch may warn). Randomised rules
    get a fresh Generator with the same seed at every call (common random numbers), so the
    evaluation is a deterministic function of the instance.
    """

    def __init__(self, agg: AggregatorLike, f: int, *, seed: int = 0) -> None:
        self.agg: Aggregator = resolve(agg)
        # registered rules batch by contract; a wrapped plain callable is checked
        self.trusted = isinstance(agg, (str, Aggregator)) and _registered(self.agg)
        self.f = int(f)
        self.seed = int(seed)
        self.batched: bool | None = True if self.trusted else None
        self.calls = 0

    def _one(self, x: np.ndarray) -> np.ndarray:
        d = x.shape[-1]
        self.calls += 1
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = self.agg(x, f=self.f, rng=np.random.default_rng(self.seed))
            o = np.asarray(out, dtype=np.float64).reshape(-1)
        except Exception:
            return np.full(d, np.nan)
        return o if o.shape == (d,) else np.full(d, np.nan)

    def _rows(self, x: np.ndarray) -> np.ndarray:
        return np.stack([self._one(x[k]) for k in range(x.shape[0])])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        n, _, d = x.shape
        if self.batched is False:
            return self._rows(x)
        self.calls += 1
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = self.agg(x, f=self.f, rng=np.random.default_rng(self.seed))
            got = np.asarray(out, dtype=np.float64)
        except Exception:
            got = None
        if got is None or got.shape != (n, d):
            if not self.trusted:
                self.batched = False
            return self._rows(x)
        if self.batched is None:
            probe = [0, n - 1] if n > 1 else [0]
            single = np.stack([self._one(x[k]) for k in probe])
            scale = 1e-9 * (1.0 + np.nanmax(np.abs(x[probe]), initial=0.0))
            same = np.allclose(got[probe], single, rtol=1e-9, atol=scale, equal_nan=True)
            self.batched = bool(same)
            if not same:
                return self._rows(x)
        return got


def _stats(x: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """(x̄_S ``[n, d]``, V_S ``[n]``) for S = the first h rows of ``x[n, m, d]``."""
    xs = x[:, :h]
    mean = xs.mean(axis=1)
    var = np.mean(np.sum((xs - mean[:, None]) ** 2, axis=-1), axis=-1)
    return mean, var


def ratios(out: np.ndarray, x: np.ndarray, h: int) -> np.ndarray:
    """ρ = ‖out − x̄_S‖²/V_S for ``out[n, d]``, ``x[n, m, d]`` and S = the first h rows:
    ``[n]``. Instances with V_S ≤ 1e-24·(mean ‖x_i‖² over S) (outside κ*'s sup, which needs
    V_S > 0) and non-finite ratios score −∞, so a search never climbs onto them."""
    mean, var = _stats(x, h)
    with np.errstate(all="ignore"):
        err = np.sum((out - mean) ** 2, axis=-1)
        size = np.mean(np.sum(x[:, :h] ** 2, axis=-1), axis=-1)
        r = err / np.where(var > 0, var, 1.0)
    ok = (var > 1e-24 * np.maximum(size, 1e-300)) & np.isfinite(r)
    return np.where(ok, r, -np.inf)


def two_value_family(m: int, d: int, rng: Any, *, jitter: float = 0.0) -> np.ndarray:
    """k rows at a unit vector e and m − k rows at 0, for k = 1..m − 1 and both orders (the e
    rows last, then first): ``[2(m − 1), m, d]``. With k = f this is CWTM's no-attack extremal
    input of docs/theory.md §6 ("f equal values and m − f equal values"); with the e rows last
    and k = f it is the §2 lower-bound construction."""
    rng = as_generator(rng)
    e = rng.standard_normal(d)
    e /= max(float(np.linalg.norm(e)), 1e-300)
    out = []
    for k in range(1, m):
        row = np.zeros((m, d))
        row[m - k :] = e
        out.append(row)
        out.append(row[::-1].copy())
    x = np.stack(out) if out else np.zeros((0, m, d))
    return x + jitter * rng.standard_normal(x.shape)


def krum_tie_family(m: int, f: int, d: int, rng: Any, *, jitter: float = 1e-3) -> np.ndarray:
    """Krum's tie configurations (docs/theory.md §6: Krum's worst case sits on a score tie).

    The h = m − f honest rows form two clusters, a rows at 0 and h − a at a unit vector e
    (a = 1..h − 1); the f Byzantine rows sit together at t·e + s·u (u ⊥ e) for
    t ∈ {−0.5, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5}, s ∈ {0, 0.5}: along t the row with the
    lowest score switches between the clusters and the Byzantine group, so some instances lie
    on either side of a tie. ``[2·8·(h − 1), m, d]``, honest rows first, plus Gaussian jitter.
    """
    rng = as_generator(rng)
    h = m - f
    e = rng.standard_normal(d)
    e /= max(float(np.linalg.norm(e)), 1e-300)
    u = rng.standard_normal(d)
    u -= (u @ e) * e
    nu = float(np.linalg.norm(u))
    u = u / nu if nu > 1e-12 and d > 1 else np.zeros(d)
    out = []
    for a in range(1, max(h, 2)):
        for t in (-0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5):
            for s in (0.0, 0.5):
                x = np.zeros((m, d))
                x[a:h] = e
                x[h:] = t * e + s * u
                out.append(x)
    xs = np.stack(out)
    return xs + jitter * rng.standard_normal(xs.shape)


def krum_simplex_family(m: int, f: int, d: int, rng: Any, *, jitter: float = 1e-3) -> np.ndarray:
    """Krum's high-dimensional tie configurations (the shape of the SDP optima of §6).

    Two honest groups on an axis e, a points around 0 and h − a points around e; one group is
    *spread*: its points sit at radius r along mutually orthogonal directions ⊥ e (pairwise
    equidistant; random directions ⊥ e when d is too small), the other is tight. The f Byzantine
    rows sit together beyond the group at 0, at t·e (t < 0), where their score can tie the
    honest scores. Grid: a = 1..h − 1, which group spreads, r ∈ {0.3, 0.4, ..., 0.7, 0.9},
    t ∈ {−0.4, −0.5, ..., −1.6}. ``[(h − 1)·156, m, d]``, honest rows first, plus Gaussian
    jitter.
    """
    rng = as_generator(rng)
    h = m - f
    basis = np.linalg.qr(rng.standard_normal((d, d)))[0]
    e = basis[:, 0]
    perp = basis[:, 1:]  # [d, d - 1]

    def spread(k: int, r: float) -> np.ndarray:
        if k <= perp.shape[1]:
            dirs = perp[:, :k].T
        elif perp.shape[1] > 0:
            dirs = rng.standard_normal((k, perp.shape[1])) @ perp.T
            dirs /= np.maximum(np.linalg.norm(dirs, axis=-1, keepdims=True), 1e-300)
        else:
            return np.zeros((k, d))
        return r * (dirs - dirs.mean(axis=0))

    out = []
    for a in range(1, max(h, 2)):
        for first in (True, False):
            for r in (0.3, 0.4, 0.5, 0.6, 0.7, 0.9):
                for t in np.linspace(-0.4, -1.6, 13):
                    x = np.zeros((m, d))
                    x[a:h] = e
                    if first:
                        x[:a] += spread(a, r)
                    else:
                        x[a:h] += spread(h - a, r)
                    x[h:] = t * e
                    out.append(x)
    xs = np.stack(out)
    return xs + jitter * rng.standard_normal(xs.shape)


def lower_bound_family(m: int, f: int, d: int, rng: Any, n: int) -> np.ndarray:
    """The §2 lower-bound construction at several jitters (0, 1e-6, 1e-3, 1e-1): honest rows
    m − 2f near 0 and f near a far vector a, the f Byzantine rows near 0 (with the majority).
    Any rule that follows the majority is off by (f/(m − f))·a, giving ρ = f/(m − 2f).
    ``[n, m, d]``."""
    rng = as_generator(rng)
    a = rng.standard_normal((n, 1, d)) * rng.choice([1.0, 10.0], size=(n, 1, 1))
    jitter = np.array([0.0, 1e-6, 1e-3, 1e-1])[np.arange(n) % 4][:, None, None]
    x = np.zeros((n, m, d))
    x[:, m - 2 * f : m - f] = a
    return x + jitter * np.linalg.norm(a, axis=-1, keepdims=True) * rng.standard_normal(x.shape)


def extremal_families(
    m: int,
    f: int,
    d: int,
    rng: Any,
    n: int = 8,
    *,
    agg: AggregatorLike | None = None,
) -> list[tuple[str, np.ndarray]]:
    """Named starting instances ``[k, m, d]`` (honest rows first) from the extremal families
    of docs/theory.md §6 — ``lower_bound``, ``median_cluster``, ``two_value`` (exact and
    jittered), ``krum_tie`` — plus ``random`` honest/Byzantine rows and, when ``agg`` is given,
    the attacks of :func:`~sco.robustness.adversarial_instances` against it (skipped quietly if
    an attack fails on the rule). Families that need 0 < f < m/2 are left out otherwise."""
    rng = as_generator(rng)
    fams: list[tuple[str, np.ndarray]] = []
    robust_f = 0 < f and m - 2 * f > 0
    if robust_f:
        fams.append(("lower_bound", lower_bound_family(m, f, d, rng, n)))
        fams.append(("median_cluster", median_cluster_family(rng, n, m, f, d)))
    if m > 1:
        fams.append(("two_value", two_value_family(m, d, rng)))
        fams.append(("two_value_jitter", two_value_family(m, d, rng, jitter=1e-3)))
        fams.append(("krum_tie", krum_tie_family(m, f, d, rng)))
        if m - f > 1:
            fams.append(("krum_simplex", krum_simplex_family(m, f, d, rng)))
    h = m - f
    rand = np.concatenate(
        [
            honest_batch(rng, n, h, d),
            rng.standard_normal((n, f, d)) * rng.choice([1.0, 10.0, 1e3], size=(n, 1, 1)),
        ],
        axis=1,
    )
    fams.append(("random", rand))
    if agg is not None and robust_f:
        attacked: list[tuple[str, np.ndarray]] = []
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for name, x in adversarial_instances(agg, m, f, d, rng, n):
                    attacked.append((name, np.asarray(x, dtype=np.float64)))
        except Exception:
            pass  # keep the attacks that did run
        for name, x in attacked:
            if name in ("nan", "inf", "huge", "lower_bound") or name.startswith("random"):
                continue
            if np.all(np.isfinite(x)):
                fams.append((f"attack:{name}", x))
    return fams


def climb(
    score: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    h: int,
    f: int,
    rng: Any,
    *,
    iters: int,
    step: float = 0.3,
    byzantine_group: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Batched (1+1) evolution strategy maximising ``score(x[n, m, d]) -> [n]``.

    Each step proposes, per instance, one of four moves with Gaussian steps of σ·√V_S (S = the
    first h rows): shift the f Byzantine rows together (when ``byzantine_group``; else a random
    row), move one random row, jitter every row by a tenth of the step, or move a random row
    together with every row equal to it (within 1e-9·√V_S), which keeps ties and clusters
    intact. A proposal is kept when it scores higher; σ grows by 1.5 after a success and
    shrinks by 0.9 after a failure (clipped to [1e-7, 10]). Returns (scores ``[n]``,
    instances ``[n, m, d]``)."""
    rng = as_generator(rng)
    x = np.array(x, dtype=np.float64)
    n, m, d = x.shape
    best = score(x)
    sigma = np.full(n, float(step))
    for _ in range(iters):
        _, var = _stats(x, h)
        spread = np.sqrt(np.maximum(var, 1e-24 * (1.0 + np.max(np.abs(x), axis=(1, 2)) ** 2)))
        mode = np.asarray(rng.integers(0, 4, size=n))
        if not (byzantine_group and f > 0):
            mode = np.where(mode == 0, 1, mode)
        noise = rng.standard_normal((n, m, d))
        rows = np.asarray(rng.integers(0, m, size=n))
        mask = np.zeros((n, m, 1))
        g = mode == 0
        if np.any(g):
            mask[g, h:] = 1.0
            noise[g, h:] = noise[g, h : h + 1]
        one = np.flatnonzero(mode == 1)
        mask[one, rows[one]] = 1.0
        mask[mode == 2] = 0.1
        c = np.flatnonzero(mode == 3)
        if c.size:
            ref = x[c, rows[c]]
            dist = np.linalg.norm(x[c] - ref[:, None], axis=-1)
            close = dist <= 1e-9 * spread[c, None]
            mask[c] = close[..., None]
            noise[c] = noise[c, rows[c]][:, None, :]
        prop = x + (sigma * spread)[:, None, None] * mask * noise
        got = score(prop)
        better = got > best
        x[better] = prop[better]
        best = np.where(better, got, best)
        sigma = np.clip(np.where(better, sigma * 1.5, sigma * 0.9), 1e-7, 10.0)
    return best, x


def refine(
    score: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    h: int,
    *,
    maxfev: int,
    pin: bool,
) -> tuple[float, np.ndarray]:
    """Nelder–Mead (adaptive) on the flattened instance ``x0[m, d]``, maximising the score.

    With ``pin`` (translation-equivariant rules: the ratio does not change under a common
    shift) row 0 is held fixed — the gauge — and only the other (m − 1)·d coordinates move.
    The initial simplex steps are 5 % of √V_S along each coordinate. Returns the best
    (score, instance) seen, never worse than the start."""
    from scipy.optimize import minimize  # lazy: the package must not import scipy

    x0 = np.array(x0, dtype=np.float64)
    m, d = x0.shape
    lead = 1 if pin and m > 1 else 0
    z0 = x0[lead:].ravel()
    start = float(score(x0[None])[0])
    best_r, best_x = [start], [x0.copy()]

    def build(z: np.ndarray) -> np.ndarray:
        return np.concatenate([x0[:lead], z.reshape(m - lead, d)])

    def objective(z: np.ndarray) -> float:
        x = build(z)
        r = float(score(x[None])[0])
        if r > best_r[0]:
            best_r[0], best_x[0] = r, x
        return -r if np.isfinite(r) else 1e300

    if z0.size == 0 or not np.isfinite(start):
        return start, x0
    _, var = _stats(x0[None], h)
    step = 0.05 * float(np.sqrt(max(var[0], 1e-300)))
    simplex = np.vstack([z0, z0 + step * np.eye(z0.size)])
    minimize(
        objective,
        z0,
        method="Nelder-Mead",
        options={
            "maxfev": int(maxfev),
            "initial_simplex": simplex,
            "xatol": 1e-13 * step,
            "fatol": 0.0,
            "adaptive": True,
        },
    )
    return float(best_r[0]), best_x[0]


def _check(m: object, f: object, no_attack: bool) -> tuple[int, int]:
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or int(m) < 2:
        raise ValueError(f"m must be an integer >= 2; got {m!r}")
    if isinstance(f, bool) or not isinstance(f, (int, np.integer)) or not 0 <= int(f) < m / 2:
        raise ValueError(f"f must be an integer with 0 <= f < m/2 = {int(m) / 2:g}; got {f!r}")
    if not no_attack and int(m) - int(f) < 2:
        raise ValueError("the honest set needs at least two rows (V_S > 0)")
    return int(m), int(f)


def search_only(
    agg: AggregatorLike,
    m: int,
    f: int,
    *,
    no_attack: bool = False,
    rng: Any = 0,
    d: int | None = None,
    effort: str = "default",
) -> KappaStar:
    """A lower bound on κ*(agg; m, f) (ε* with ``no_attack``) by adversarial search.

    Maximises ρ(x) = ‖A(x) − x̄_S‖²/V_S over instances ``x[m, d]`` — S = the first m − f rows,
    or all m rows with ``no_attack`` (the rule still tuned to f) — starting from the extremal
    families of docs/theory.md §6 (:func:`extremal_families`), climbing with a batched (1+1)-ES
    (:func:`climb`) and refining the best with Nelder–Mead (:func:`refine`); see the module
    docstring.

    Parameters
    ----------
    agg : str, Aggregator or callable
        A spec, an Aggregator, or a plain ``fn(x[m, d], *, f)`` (batched input is tried first,
        row-by-row evaluation is the fallback).
    m, f : int
        Workers and the f the rule is tuned to (0 <= f < m/2).
    no_attack : bool
        Search ε* (S = all m rows) instead of κ*.
    rng : seed-like
        Seeds everything (via :func:`sco.seeds.as_generator`); the same rng gives the same
        result. A randomised rule sees one fixed seed drawn from it at every evaluation.
    d : int, optional
        Dimension of the instances; default :func:`default_d`: min(m, 4) for coordinate-wise
        rules, m otherwise.
    effort : {"quick", "default", "thorough"}
        Budget (:data:`EFFORTS`); "default" takes a few seconds at m <= 17 for a batched rule.

    Returns
    -------
    KappaStar
        ``method="search only"``, ``value = lower`` = the implemented rule's ratio on
        ``instance`` (recomputed at the end), ``upper = inf``; ``details`` names the starting
        family of the winner, its ratio before the search, the evaluation count and the time.
    """
    m, f = _check(m, f, no_attack)
    if effort not in EFFORTS:
        raise ValueError(f"effort must be one of {', '.join(EFFORTS)}; got {effort!r}")
    d = default_d(m, agg) if d is None else int(d)
    if d < 1:
        raise ValueError(f"d must be >= 1; got {d!r}")
    budget = EFFORTS[effort]
    gen = as_generator(rng)
    t0 = time.perf_counter()
    rule = RuleEvaluator(agg, f, seed=int(gen.integers(2**63)))
    a = rule.agg
    h = m if no_attack else m - f

    def score(x: np.ndarray) -> np.ndarray:
        return ratios(rule(x), x, h)

    # 1. starting instances: keep the best few of every family, then the best overall
    pool: list[tuple[float, np.ndarray, str, float]] = []
    for name, x0 in extremal_families(m, f, d, gen, budget["n"], agg=a):
        r0 = score(x0)
        order = np.argsort(-r0, kind="stable")[: max(2, budget["keep"] // 4)]
        pool.extend((float(r0[k]), x0[k], name, float(r0[k])) for k in order)
    pool = [p for p in pool if np.isfinite(p[0])] or pool
    pool.sort(key=lambda p: -p[0])
    chosen = pool[: budget["keep"]]
    if not chosen:
        raise ValueError(f"no starting instance gives a finite ratio for {a.spec}")
    starts = np.stack([c[1] for c in chosen])

    # 2. climb all kept instances, then polish the best quarter
    r, x = climb(score, starts, h, f, gen, iters=budget["iters"], byzantine_group=not no_attack)
    top = np.argsort(-r, kind="stable")[: max(2, len(r) // 4)]
    r2, x2 = climb(score, x[top], h, f, gen, iters=budget["polish"], step=0.05)
    r[top], x[top] = r2, x2

    # 3. Nelder–Mead on the best few
    order = np.argsort(-r, kind="stable")
    fev = budget["fev"] if a.rtol <= 1e-9 else budget["fev"] // 4  # iterative solvers are dear
    for k in order[: budget["nm"]]:
        rk, xk = refine(score, x[k], h, maxfev=fev, pin=a.translation_equivariant)
        if rk > r[k]:
            r[k], x[k] = rk, xk
    k = int(np.argmax(r))
    inst = x[k].copy()

    # the reported bound: the implemented rule's ratio on the returned instance, recomputed
    lower = float(score(inst[None])[0])
    if a.translation_equivariant:  # a centred copy, when it keeps the ratio
        centred = inst - inst[:h].mean(axis=0)
        rc = float(score(centred[None])[0])
        if rc >= lower * (1 - 1e-12):
            inst, lower = centred, rc
    if not np.isfinite(lower):
        lower = 0.0
    what = "eps*" if no_attack else "kappa*"
    seconds = time.perf_counter() - t0
    return KappaStar(
        rule=a.spec,
        m=m,
        f=f,
        no_attack=no_attack,
        value=lower,
        lower=lower,
        upper=float("inf"),
        instance=inst,
        certificate=(
            f"lower bound only: the rule's ratio on an instance found by adversarial search "
            f"(d={d}, effort={effort}); no upper bound on {what} is proven"
        ),
        method="search only",
        details={
            "family": chosen[k][2],
            "start_ratio": chosen[k][3],
            "d": d,
            "effort": effort,
            "evaluations": rule.calls,
            "batched": bool(rule.batched),
            "seconds": seconds,
        },
    )
