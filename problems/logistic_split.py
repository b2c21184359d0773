r"""A logistic-regression data set split among h honest workers (docs/theory.md §7).

Worker i holds a shard S_i of the rows (n_i = #S_i ≥ 1) and the objective

    f_i(x) = (1/n_i) Σ_{j∈S_i} log(1 + exp(−y_j a_jᵀx)) + (λ/2)‖x‖²;

the objective minimised is the equal-weight mean over workers f_H = (1/h) Σ_i f_i. With shards
of unequal size this is a row-weighted logistic loss (row j of shard i weighs 1/(h·n_i)), whose
minimiser x*_H differs from the row-uniform one of :class:`problems.Logistic`.

Splits: label skew (:meth:`LogisticSplit.dirichlet`, each class's rows dealt among the workers
in Dirichlet(α) proportions), quantity skew (:meth:`LogisticSplit.quantity`, shard sizes in
Dirichlet(α) proportions) and IID (:meth:`LogisticSplit.iid`). Small α means strong skew; α = inf
is the IID split.

The (G, B)-dissimilarity of docs/theory.md §7 asks for (1/h) Σ_i ‖∇f_i(x) − ∇f_H(x)‖² ≤ G² +
B²‖∇f_H(x)‖² at every x. For logistic losses no closed form of the (G, B) frontier exists;
:func:`measure_dissimilarity` measures a lower estimate of it on given points, e.g. the
full-gradient-descent path of :func:`gd_path`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
from scipy.special import expit

from ._ball import BallProblem
from ._checks import RngLike, check_features_labels, check_int, check_real, readonly
from ._linalg import matvec, rowdot, rowmat, vecmat
from ._logistic_solve import NewtonSolution, newton_solve
from .logistic import Logistic

SPLITS = ("dirichlet", "quantity", "iid")


# ---------------------------------------------------------------------------- validation helpers
def _check_common(
    features: object,
    labels: object,
    h: object,
    min_size: object,
    reg: object,
    batch: object,
    radius: object,
    rng: object,
) -> tuple[np.ndarray, np.ndarray, int, int, float, int, float | None, np.random.Generator]:
    """The keywords every split constructor shares, validated in one place (one-line errors)."""
    a, y = check_features_labels(features, labels)
    size = check_int("min_size", min_size, low=1)
    h_ = _check_h(h, a.shape[0], size)
    reg_ = check_real("reg", reg, low=0.0, strict=True)
    batch_ = check_int("batch", batch, low=1)
    return a, y, h_, size, reg_, batch_, _check_radius(radius), _check_rng("rng", rng)


def _check_alpha(alpha: object) -> float:
    """α > 0, finite or ``inf`` (the IID split)."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise ValueError(f"alpha must be a real number > 0 (or inf for IID); got {alpha!r}")
    v = float(alpha)
    if math.isnan(v) or not v > 0:
        raise ValueError(f"alpha must be > 0 (or inf for IID); got {alpha!r}")
    return v


def _check_h(h: object, n_rows: int, min_size: int) -> int:
    """1 <= h <= N // min_size, so that every shard can hold min_size rows."""
    h_ = check_int("h", h, low=1)
    top = n_rows // min_size
    if h_ > top:
        raise ValueError(f"h must be <= N // min_size = {n_rows} // {min_size} = {top}; got {h!r}")
    return h_


def _check_split(split: object) -> str:
    if not isinstance(split, str) or split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}; got {split!r}")
    return split


def _check_rng(name: str, rng: object) -> np.random.Generator:
    try:
        return np.random.default_rng(rng)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be a seed, a SeedSequence, a BitGenerator or a Generator; got {rng!r}"
        ) from exc


def _check_radius(radius: object) -> float | None:
    if radius is None:
        return None
    return check_real("radius", radius, low=0.0, strict=True)


def _check_shards(shards: object, n_rows: int) -> list[np.ndarray]:
    """A non-empty list of non-empty, disjoint 1-D integer index arrays into [0, N)."""
    if isinstance(shards, np.ndarray) and shards.ndim == 2:
        items: list[object] = list(shards)
    elif isinstance(shards, Sequence) and not isinstance(shards, str):
        items = list(shards)
    else:
        raise ValueError(f"shards must be a list of h >= 1 integer index arrays; got {shards!r}")
    if not items:
        raise ValueError("shards must be a list of h >= 1 integer index arrays; got an empty list")
    out = []
    for i, item in enumerate(items):
        arr = np.asarray(item)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"shards[{i}] must be a non-empty 1-D index array; got {arr.shape}")
        if not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"shards[{i}] must hold integers; got dtype {arr.dtype}")
        if arr.min() < 0 or arr.max() >= n_rows:
            raise ValueError(f"shards[{i}] must index rows in [0, N) = [0, {n_rows})")
        out.append(np.array(arr, dtype=np.int64))
    allrows = np.concatenate(out)
    if np.unique(allrows).size != allrows.size:
        raise ValueError("shards must be disjoint and free of repeated rows")
    return out


# ---------------------------------------------------------------------------- splitting
def _iid_shards(gen: np.random.Generator, n_rows: int, h: int) -> list[np.ndarray]:
    """A random permutation of the rows cut into h parts whose sizes differ by at most 1."""
    return [np.asarray(p) for p in np.array_split(gen.permutation(n_rows), h)]


def _repair(parts: list[list[int]], min_size: int) -> None:
    """Give every shard >= min_size rows, in place: while a shard is short, move the last row
    of the largest shard (lowest index on ties) to the smallest (lowest index on ties)."""
    while True:
        sizes = [len(p) for p in parts]
        small = int(np.argmin(sizes))
        if sizes[small] >= min_size:
            return
        big = int(np.argmax(sizes))
        parts[small].append(parts[big].pop())


def _label_skew_shards(
    gen: np.random.Generator, labels: np.ndarray, h: int, alpha: float, min_size: int
) -> list[np.ndarray]:
    """Class −1 then class +1: shuffle its rows, draw p ~ Dirichlet(α·1_h), cut at
    round(cumsum(p)·n_k); then :func:`_repair`."""
    parts: list[list[int]] = [[] for _ in range(h)]
    for cls in (-1.0, 1.0):
        rows = gen.permutation(np.flatnonzero(labels == cls))
        p = gen.dirichlet(np.full(h, alpha))
        cuts = np.clip(np.rint(np.cumsum(p) * rows.size), 0, rows.size).astype(np.int64)
        cuts = np.maximum.accumulate(cuts)
        cuts[-1] = rows.size
        for i, chunk in enumerate(np.split(rows, cuts[:-1])):
            parts[i].extend(int(r) for r in chunk)
    _repair(parts, min_size)
    return [np.asarray(p, dtype=np.int64) for p in parts]


def _quantity_sizes(q: np.ndarray, n_rows: int, min_size: int) -> np.ndarray:
    """Sizes min_size + (a largest-remainder share of the N − h·min_size other rows by q)."""
    h = q.size
    rest = n_rows - h * min_size
    share = q * rest
    sizes = np.floor(share).astype(np.int64)
    left = rest - int(sizes.sum())
    order = np.argsort(-(share - sizes), kind="stable")  # largest remainders, lowest index first
    sizes[order[:left]] += 1
    return sizes + min_size


def _quantity_shards(
    gen: np.random.Generator, n_rows: int, h: int, alpha: float, min_size: int
) -> list[np.ndarray]:
    """q ~ Dirichlet(α·1_h), sizes by :func:`_quantity_sizes`, rows by a random permutation."""
    q = gen.dirichlet(np.full(h, alpha))
    sizes = _quantity_sizes(q, n_rows, min_size)
    perm = gen.permutation(n_rows)
    return [np.asarray(p) for p in np.split(perm, np.cumsum(sizes)[:-1])]


# ---------------------------------------------------------------------------- the problem
class LogisticSplit(BallProblem):
    r"""Logistic regression split among h workers; f_H = (1/h) Σ_i f_i (docs/theory.md §7).

    f_i(x) = (1/n_i) Σ_{j∈S_i} log(1 + exp(−y_j a_jᵀx)) + (λ/2)‖x‖², n_i = #S_i.

    **f_H oracles.** ``value``/``grad`` are those of f_H, a row-weighted logistic loss with
    weight w_j = 1/(h·n_i) on the rows j of shard i. ``x_star`` minimises it (damped Newton
    with these weights, :func:`problems.newton_solve`), certified by λ-strong convexity:
    ‖x_star − x*_H‖ ≤ ``x_star_error_bound``. A sample of the f_H oracle is ``[*shape, batch]``
    global row indices, each drawn independently with probability w_j (a worker uniformly,
    then a row of its shard uniformly); ``stoch_grad`` is their mean gradient, unbiased for
    ∇f_H.

    **Per-worker oracles.** ``sample_workers(rng, shape)`` gives ``[*shape, h, batch]`` global
    row indices, worker i's drawn uniformly with replacement from S_i; ``stoch_grad_i`` maps
    them to ``[..., h, d]`` minibatch gradients of every f_i; ``grad_i``/``value_i`` are exact.

    **Constants** (valid upper bounds; b = batch):

    - L = λ_max(Σ_i A_iᵀA_i/(h·n_i))/4 + λ bounds the Hessian of f_H (s(1 − s) ≤ 1/4);
    - σ² = max_i (1/n_i) Σ_{j∈S_i} ‖a_j‖² / b bounds E‖g − ∇f_i(x)‖² of every worker's
      minibatch gradient g (each row's loss gradient has norm ≤ ‖a_j‖), and, being a maximum
      over workers of what the f_H oracle averages, also the f_H oracle's variance;
    - σ_L² = max_i (1/n_i) Σ_{j∈S_i} ‖a_j‖⁴/16 / b bounds
      E‖(g(x) − g(y)) − (∇f_i(x) − ∇f_i(y))‖²/‖x − y‖² for every worker and the f_H oracle
      (each row's loss gradient is ‖a_j‖²/4-Lipschitz).

    Parameters
    ----------
    features : array [N, d]
    labels : array [N] of ±1
    shards : list of h integer index arrays
        Disjoint, non-empty row sets S_i ⊂ {0..N−1} (they need not cover every row).
    reg : float
        λ > 0.
    batch : int
        Minibatch size b ≥ 1 (per worker and for the f_H oracle).
    center, radius, x0 :
        Ball domain (default centre 0, radius max(1, 2‖x* − c‖)) and starting point.

    Attributes: ``h``, ``n_i`` int [h], ``shards`` (tuple of sorted-as-given int64 arrays),
    ``label_fractions`` [h], ``method`` ("dirichlet", "quantity", "iid" or "custom"),
    ``alpha`` (None for "custom", inf for "iid").
    """

    name = "logistic_split"

    def __init__(
        self,
        features: object,
        labels: object,
        shards: object,
        *,
        reg: float = 1e-2,
        batch: int = 1,
        center: object | None = None,
        radius: float | None = None,
        x0: object | None = None,
    ) -> None:
        a, y = check_features_labels(features, labels)
        parts = _check_shards(shards, a.shape[0])
        self.reg = check_real("reg", reg, low=0.0, strict=True)
        self.batch = check_int("batch", batch, low=1)
        self.features = readonly(a)
        self.labels = readonly(y)
        self.n_samples = int(a.shape[0])
        self.h: int = len(parts)
        self.shards = tuple(readonly(p) for p in parts)
        self.n_i = readonly(np.array([p.size for p in parts], dtype=np.int64))
        self._offsets = readonly(np.concatenate([[0], np.cumsum(self.n_i)[:-1]]).astype(np.int64))
        self._order = readonly(np.concatenate(parts))  # the rows of shard 0, then 1, ...
        self._worker_of_row = readonly(np.repeat(np.arange(self.h), self.n_i))
        self._a_i = tuple(readonly(np.ascontiguousarray(a[p])) for p in parts)
        self._y_i = tuple(readonly(y[p].copy()) for p in parts)
        a_cov = readonly(np.ascontiguousarray(a[self._order]))
        y_cov = readonly(y[self._order].copy())
        self._a_cov, self._y_cov = a_cov, y_cov
        w = 1.0 / (float(self.h) * self.n_i[self._worker_of_row].astype(np.float64))
        self.row_weights = readonly(w)  # [#covered rows], aligned with the shard order
        self.label_fractions = readonly(np.array([float(np.mean(yi > 0)) for yi in self._y_i]))
        self.method = "custom"
        self.alpha: float | None = None
        self.newton: NewtonSolution = newton_solve(a_cov, y_cov, self.reg, w)
        self.x_star = readonly(self.newton.x.copy())
        self.x_star_error_bound = float(self.newton.error_bound)
        self.f_star = float(self.value(self.x_star))
        self._set_domain(center, radius, x0)
        gap = float(np.linalg.norm(self.x_star - self.center))
        if not self.radius > gap + self.x_star_error_bound:
            raise ValueError(
                f"radius must exceed ‖x* − center‖ + x_star_error_bound = "
                f"{gap + self.x_star_error_bound:.6g} so that the exact x* lies inside the ball; "
                f"got {self.radius!r}"
            )
        hess = (a_cov.T * w) @ a_cov
        self.L = float(np.linalg.eigvalsh(0.5 * (hess + hess.T))[-1] / 4.0 + self.reg)
        sq = [np.einsum("ij,ij->i", ai, ai) for ai in self._a_i]
        self.sigma2 = float(max(s.mean() for s in sq) / self.batch)
        self.sigma_L2 = float(max((s**2).mean() for s in sq) / 16.0 / self.batch)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def _build(
        cls,
        a: np.ndarray,
        y: np.ndarray,
        parts: list[np.ndarray],
        method: str,
        alpha: float,
        reg: float,
        batch: int,
        radius: float | None,
    ) -> LogisticSplit:
        out = cls(a, y, [np.sort(p) for p in parts], reg=reg, batch=batch, radius=radius)
        out.method, out.alpha = method, alpha
        return out

    @classmethod
    def dirichlet(
        cls,
        features: object,
        labels: object,
        h: int,
        *,
        alpha: float,
        rng: RngLike = 0,
        reg: float = 1e-2,
        batch: int = 1,
        radius: float | None = None,
        min_size: int = 1,
    ) -> LogisticSplit:
        """Label skew: for each class (−1 first, then +1) its rows are shuffled and dealt to the
        workers in proportions p ~ Dirichlet(α·1_h), cut at round(cumsum(p)·n_class).

        Repair (deterministic): while a shard has fewer than ``min_size`` rows, the last-dealt
        row of the largest shard (lowest index on ties) moves to the smallest shard (lowest
        index on ties). α = inf is the IID split of :meth:`iid` (same draws). Shards are
        returned sorted. Note that a large finite α deals each class in near-equal parts, a
        stratified split whose label fractions vary less than those of the IID split.
        """
        a, y, h_, size, reg_, batch_, radius_, gen = _check_common(
            features, labels, h, min_size, reg, batch, radius, rng
        )
        alpha_ = _check_alpha(alpha)
        if math.isinf(alpha_):
            parts = _iid_shards(gen, a.shape[0], h_)
        else:
            parts = _label_skew_shards(gen, y, h_, alpha_, size)
        return cls._build(a, y, parts, "dirichlet", alpha_, reg_, batch_, radius_)

    @classmethod
    def quantity(
        cls,
        features: object,
        labels: object,
        h: int,
        *,
        alpha: float,
        rng: RngLike = 0,
        reg: float = 1e-2,
        batch: int = 1,
        radius: float | None = None,
        min_size: int = 1,
    ) -> LogisticSplit:
        """Quantity skew: q ~ Dirichlet(α·1_h); shard i gets min_size rows plus a
        largest-remainder share q_i of the other N − h·min_size rows; the rows are dealt by a
        random permutation (so labels are IID within shards). α = inf is :meth:`iid`."""
        a, y, h_, size, reg_, batch_, radius_, gen = _check_common(
            features, labels, h, min_size, reg, batch, radius, rng
        )
        alpha_ = _check_alpha(alpha)
        if math.isinf(alpha_):
            parts = _iid_shards(gen, a.shape[0], h_)
        else:
            parts = _quantity_shards(gen, a.shape[0], h_, alpha_, size)
        return cls._build(a, y, parts, "quantity", alpha_, reg_, batch_, radius_)

    @classmethod
    def iid(
        cls,
        features: object,
        labels: object,
        h: int,
        *,
        rng: RngLike = 0,
        reg: float = 1e-2,
        batch: int = 1,
        radius: float | None = None,
        min_size: int = 1,
    ) -> LogisticSplit:
        """IID split: a random permutation of the rows cut into h parts whose sizes differ by
        at most one (``alpha`` is recorded as inf)."""
        a, y, h_, _, reg_, batch_, radius_, gen = _check_common(
            features, labels, h, min_size, reg, batch, radius, rng
        )
        parts = _iid_shards(gen, a.shape[0], h_)
        return cls._build(a, y, parts, "iid", math.inf, reg_, batch_, radius_)

    @classmethod
    def synthetic(
        cls,
        n_samples: int,
        dim: int,
        h: int,
        *,
        split: str = "dirichlet",
        alpha: float = 1.0,
        rng: RngLike = 0,
        data_rng: RngLike = 0,
        reg: float = 1e-2,
        batch: int = 1,
        radius: float | None = None,
    ) -> LogisticSplit:
        """The planted data of ``Logistic.synthetic(n_samples, dim, rng=data_rng)`` split by
        ``split`` ∈ {"dirichlet", "quantity", "iid"} with concentration ``alpha`` (> 0, or inf;
        not used by "iid") and the split's generator ``rng``. Every keyword is validated first."""
        n = check_int("n_samples", n_samples, low=2)
        d = check_int("dim", dim, low=1)
        h_ = _check_h(h, n, 1)
        split_ = _check_split(split)
        alpha_ = _check_alpha(alpha)
        _check_rng("rng", rng)  # a Generator passes through as itself, nothing drawn
        _check_rng("data_rng", data_rng)
        reg_ = check_real("reg", reg, low=0.0, strict=True)
        batch_ = check_int("batch", batch, low=1)
        radius_ = _check_radius(radius)
        data = Logistic.synthetic(n, d, reg=reg_, rng=data_rng)
        a, y = data.features, data.labels
        if split_ == "iid":
            return cls.iid(a, y, h_, rng=rng, reg=reg_, batch=batch_, radius=radius_)
        build = cls.dirichlet if split_ == "dirichlet" else cls.quantity
        return build(a, y, h_, alpha=alpha_, rng=rng, reg=reg_, batch=batch_, radius=radius_)

    # ------------------------------------------------------------------ f_H oracles
    def _margins(self, x: np.ndarray) -> np.ndarray:
        """y_j a_jᵀx for the covered rows in shard order: ``x[..., d] -> [..., n_cov]``."""
        return rowmat(np.asarray(x, dtype=np.float64), self._a_cov.T) * self._y_cov

    def value(self, x: np.ndarray) -> np.ndarray:
        """f_H(x) = Σ_j w_j log(1 + e^{−y_j a_jᵀx}) + (λ/2)‖x‖² for ``x[..., d]``; ``[...]``."""
        x = np.asarray(x, dtype=np.float64)
        loss = np.logaddexp(0.0, -self._margins(x))
        return rowdot(loss, self.row_weights) + 0.5 * self.reg * rowdot(x, x)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """∇f_H(x) = −Σ_j w_j y_j a_j s(−y_j a_jᵀx) + λx for ``x[..., d]``; ``[..., d]``."""
        x = np.asarray(x, dtype=np.float64)
        coef = -self.row_weights * self._y_cov * expit(-self._margins(x))
        return rowmat(coef, self._a_cov) + self.reg * x

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Rows for the f_H oracle: int64 ``[*shape, batch]`` global indices, each row j drawn
        independently with probability 1/(h·n_i) (worker i uniform, then a row of S_i).

        One call ``rng.integers(0, [h, n_0, .., n_{h−1}])`` of shape ``[*shape, batch, h + 1]``
        (a worker and a position in every shard; the worker picks its position), so the draw is
        block consistent and exactly uniform.
        """
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        high = np.concatenate([[self.h], self.n_i])
        draws = rng.integers(0, np.broadcast_to(high, (*shape, self.batch, self.h + 1)))
        worker = draws[..., 0]
        pos = np.take_along_axis(draws[..., 1:], worker[..., None], axis=-1)[..., 0]
        return np.asarray(self._order[self._offsets[worker] + pos], dtype=np.int64)

    def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """Mean loss gradient of the sampled rows + λx: ``x[..., d]``, ``samples[..., batch]``
        broadcast; ``[..., d]`` (unbiased for ∇f_H with the rows of :meth:`sample`)."""
        x = np.asarray(x, dtype=np.float64)
        samples = np.asarray(samples)
        a = self.features[samples]  # [..., b, d]
        y = self.labels[samples]
        coef = -y * expit(-y * matvec(a, x)) / samples.shape[-1]
        return vecmat(coef, a) + self.reg * x

    # ------------------------------------------------------------------ per-worker oracles
    def value_i(self, x: np.ndarray) -> np.ndarray:
        """f_i(x) for every worker, ``x[..., d] -> [..., h]``."""
        x = np.asarray(x, dtype=np.float64)
        reg = 0.5 * self.reg * rowdot(x, x)
        out = [
            np.logaddexp(0.0, -rowmat(x, ai.T) * yi).mean(axis=-1) + reg
            for ai, yi in zip(self._a_i, self._y_i, strict=True)
        ]
        return np.stack(out, axis=-1)

    def grad_i(self, x: np.ndarray) -> np.ndarray:
        """∇f_i(x) = −(1/n_i) Σ_{j∈S_i} y_j a_j s(−y_j a_jᵀx) + λx; ``x[..., d] -> [..., h, d]``."""
        x = np.asarray(x, dtype=np.float64)
        out = []
        for ai, yi in zip(self._a_i, self._y_i, strict=True):
            coef = -yi * expit(-rowmat(x, ai.T) * yi)
            out.append(rowmat(coef, ai) / ai.shape[0] + self.reg * x)
        return np.stack(out, axis=-2)

    def sample_workers(
        self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()
    ) -> np.ndarray:
        """For every worker ``batch`` global row indices drawn uniformly with replacement from
        its own shard: int64 ``[*shape, h, batch]``.

        One call ``rng.integers(0, n_i)`` with the bound broadcast to ``[*shape, h, batch]``
        (numpy draws each entry in C order, so the call is block consistent: ``shape (K,)``
        equals K calls with ``shape ()``, bit for bit, and leaves the same generator state).
        """
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        high = np.broadcast_to(self.n_i[:, None], (*shape, self.h, self.batch))
        pos = rng.integers(0, high)
        return np.asarray(self._order[self._offsets[:, None] + pos], dtype=np.int64)

    def stoch_grad_i(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """Every worker's minibatch gradient (1/b) Σ_j −y_j a_j s(−y_j a_jᵀx) + λx:
        ``x[..., d]`` (broadcast over h), ``samples[..., h, batch]`` -> ``[..., h, d]``.

        Per minibatch one BLAS product for the margins and one for the sum
        (:mod:`problems._linalg`), so a row's bits do not depend on the batch.
        """
        x = np.asarray(x, dtype=np.float64)[..., None, :]
        samples = np.asarray(samples)
        a = self.features[samples]  # [..., h, b, d]
        y = self.labels[samples]
        coef = -y * expit(-y * matvec(a, x)) / samples.shape[-1]
        return vecmat(coef, a) + self.reg * x

    def dissimilarity(self, x: np.ndarray) -> np.ndarray:
        """(1/h) Σ_i ‖∇f_i(x) − ∇f_H(x)‖² for ``x[..., d]``; returns ``[...]``."""
        diff = self.grad_i(x) - self.grad(x)[..., None, :]
        return np.mean(np.sum(diff * diff, axis=-1), axis=-1)


# ---------------------------------------------------------------------------- (G, B) measurement
class _Heterogeneous(Protocol):
    x_star: np.ndarray

    def grad(self, x: np.ndarray) -> np.ndarray: ...

    def grad_i(self, x: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True, eq=False)
class Dissimilarity:
    r"""The (G, B)-dissimilarity (docs/theory.md §7) measured on a finite set of points.

    ``D[j]`` = (1/h) Σ_i ‖∇f_i(x_j) − ∇f_H(x_j)‖² and ``N[j]`` = ‖∇f_H(x_j)‖² at the points
    measured: x*_H first (index 0), then the given points in order. Every number derived from
    them is a lower estimate of the exact frontier G²(B²) = sup_x [D(x) − B²‖∇f_H(x)‖²]: the
    exact pair must cover every x, these only the points measured.

    Headline numbers: ``G2_opt`` = D(x*_H); ``G2`` = :meth:`G2_at` (0), the G² that works with
    B = 0; ``B2`` = :meth:`B2_at` (2·G2_opt), the least B² that covers every point with twice
    the heterogeneity at the optimum (finite whenever D(x*_H) > 0 and ∇f_H vanishes at no
    other point measured). G² is not fixed at D(x*_H) itself: when D has a non-zero
    first-order term at x*_H, the B² needed then grows without bound as the points approach
    x*_H (D − D(x*_H) is of order ‖x − x*_H‖, ‖∇f_H‖² of order ‖x − x*_H‖²).
    """

    G2_opt: float  # D(x*_H)
    G2: float  # G2_at(0): the largest D over the points and x*_H
    B2: float  # B2_at(2·G2_opt)
    n_points: int  # the given points (x*_H not counted)
    method: str  # how the numbers were measured
    D: np.ndarray = field(repr=False)  # [n_points + 1], x*_H first
    N: np.ndarray = field(repr=False)  # [n_points + 1], x*_H first
    rtol: float = 1e-9  # the rounding guard of B2_at

    @property
    def G2_at_B0(self) -> float:
        """Alias of :attr:`G2` (the G² that works with B = 0)."""
        return self.G2

    def G2_at(self, B2: float) -> float:
        """max_j (D[j] − B²·N[j]): the least G² covering every point measured with this B², a
        lower estimate of the exact frontier G²(B²). ``B2`` must be finite and >= 0."""
        b2 = check_real("B2", B2, low=0.0)
        return float(np.max(self.D - b2 * self.N))

    def B2_at(self, G2: float) -> float:
        """The least B² >= 0 with D[j] <= G² + B²·N[j] at every point measured; ``math.inf``
        if there is none (a point with N[j] = 0 and D[j] > G²). A point whose excess
        D[j] − G² is within rtol·(D[j] + G²) counts as covered (rounding). A lower estimate of
        the B² the exact frontier needs at this G². ``G2`` must be finite and >= 0."""
        g2 = check_real("G2", G2, low=0.0)
        excess = self.D - g2 - self.rtol * (self.D + g2)
        short = excess > 0
        if not np.any(short):
            return 0.0
        if np.any(short & (self.N == 0)):
            return math.inf
        return float(np.max(excess[short] / self.N[short]))


def _dissim(problem: _Heterogeneous, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(D(x) [k], ‖∇f_H(x)‖² [k]) from grad_i and grad, for ``x[k, d]``."""
    gi = np.asarray(problem.grad_i(x), dtype=np.float64)
    g = np.asarray(problem.grad(x), dtype=np.float64)
    diff = gi - g[..., None, :]
    return np.mean(np.sum(diff * diff, axis=-1), axis=-1), np.sum(g * g, axis=-1)


def measure_dissimilarity(
    problem: _Heterogeneous, points: object, *, rtol: float = 1e-9
) -> Dissimilarity:
    r"""Measure the (G, B)-dissimilarity (docs/theory.md §7) at x*_H and ``points [k, d]``.

    D(x) = (1/h) Σ_i ‖∇f_i(x) − ∇f_H(x)‖² and N(x) = ‖∇f_H(x)‖² come from ``problem.grad_i``
    and ``problem.grad``, at ``problem.x_star`` and at every point. The result keeps both
    arrays and reports G2_opt = D(x*_H), G2 = max D (the B = 0 pair) and B2 = the least B²
    covering every point with G² = 2·G2_opt (excesses within ``rtol`` of rounding ignored); its
    :meth:`Dissimilarity.G2_at` and :meth:`Dissimilarity.B2_at` trace the measured frontier.

    All of these are lower estimates of the exact (G, B) frontier, never exact values: the
    exact pair must cover every x, these only the points measured, so richer points (e.g. the
    full-gradient path of :func:`gd_path` plus points far from x*_H) can only raise them.

    Works for any object with ``grad_i``, ``grad`` and ``x_star`` (e.g.
    :class:`problems.HeterogeneousQuadratic`). Raises ``ValueError`` for non-finite points,
    a wrong shape, a bad ``rtol`` or non-finite gradients.
    """
    tol_rel = check_real("rtol", rtol, low=0.0)
    pts = np.array(points, dtype=np.float64)
    x_star = np.asarray(problem.x_star, dtype=np.float64)
    d = x_star.shape[-1]
    if pts.ndim != 2 or pts.shape[1] != d:
        raise ValueError(f"points must be a [k, d] = [k, {d}] array; got shape {pts.shape}")
    if not np.all(np.isfinite(pts)):
        bad = np.flatnonzero(~np.all(np.isfinite(pts), axis=1))
        raise ValueError(f"points must be finite; rows {bad[:10].tolist()} are not")
    dis, gn2 = _dissim(problem, np.concatenate([x_star[None, :], pts]))
    if not (np.all(np.isfinite(dis)) and np.all(np.isfinite(gn2))):
        raise ValueError("points must give finite gradients; grad_i or grad is not finite")
    k = int(pts.shape[0])
    method = (
        "G2_opt = D(x*_H); G2 = max of D over the points (the B = 0 pair); B2 = least B² with "
        f"D <= 2·G2_opt + B²‖∇f_H‖² at every point (rounding within rtol = {tol_rel:g} "
        f"ignored): lower estimates of the exact (G, B) frontier measured on {k} points and "
        "x*_H, not exact values."
    )
    out = Dissimilarity(
        G2_opt=float(dis[0]),
        G2=float(np.max(dis)),
        B2=0.0,
        n_points=k,
        method=method,
        D=readonly(dis),
        N=readonly(gn2),
        rtol=tol_rel,
    )
    return replace(out, B2=out.B2_at(2.0 * out.G2_opt))


class _Descent(Protocol):
    x0: np.ndarray
    L: float

    def grad(self, x: np.ndarray) -> np.ndarray: ...

    def project(self, x: np.ndarray) -> np.ndarray: ...


def gd_path(problem: _Descent, T: int, *, lr: float | None = None) -> np.ndarray:
    """Projected full-gradient descent x_{t+1} = Π_K(x_t − η∇f_H(x_t)) from x_1 = ``problem.x0``
    with η = ``lr`` (default 1/L); returns the T points x_1..x_T, ``[T, d]``."""
    steps = check_int("T", T, low=1)
    eta = 1.0 / float(problem.L) if lr is None else check_real("lr", lr, low=0.0, strict=True)
    x = np.array(problem.x0, dtype=np.float64)
    out = np.empty((steps, x.shape[0]))
    for t in range(steps):
        out[t] = x
        x = np.asarray(problem.project(x - eta * problem.grad(x)), dtype=np.float64)
    return out
