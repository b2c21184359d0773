r"""Heterogeneous honest workers with quadratic objectives (docs/theory.md §7).

Honest worker i ∈ {0..h−1} holds f_i(x) = (a_i/2)‖x − c_i‖² with curvature a_i > 0 and centre
c_i ∈ R^d; the objective is their mean f_H = (1/h) Σ_i f_i. Everything about the
(G, B)-dissimilarity of this family is known in closed form, which makes it the reference
instance for the heterogeneity claims H1–H3 of docs/theory.md §7.

Notation (used throughout the docstrings below): ā = (1/h) Σ a_i, v = (1/h) Σ (a_i − ā)²
(population variance), x* = Σ a_i c_i / Σ a_i, e_i = a_i(x* − c_i) (so Σ e_i = 0),
w = (1/h) Σ (a_i − ā) e_i ∈ R^d and E = (1/h) Σ ‖e_i‖².
"""

from __future__ import annotations

import math

import numpy as np

from ._ball import BallProblem
from ._checks import RngLike, check_int, check_real, check_vector, readonly
from ._linalg import rowdot, unit_rows


def _check_curvatures(a: object) -> np.ndarray:
    """``a`` as a finite float64 [h] copy with every entry >= 0 and a positive sum (one-line
    ValueError otherwise). A zero curvature is a worker whose objective is constant (convex,
    ∇f_i ≡ 0): the limit instance of H3 above the breakdown point (docs/theory.md §7)."""
    arr = np.array(a, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"a must be a non-empty 1-D array [h] of curvatures; got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)) or not np.all(arr >= 0):
        raise ValueError(f"a must contain only finite values >= 0; got min {float(np.min(arr))!r}")
    if not np.sum(arr) > 0:
        raise ValueError("a must have a positive sum (f_H needs curvature ā > 0); got all zeros")
    return arr


def _check_centres(c: object, h: int) -> np.ndarray:
    """``c`` as a finite float64 [h, d] copy (d >= 1)."""
    arr = np.array(c, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != h or arr.shape[1] == 0:
        raise ValueError(f"c must be a [h, d] array with h = {h} rows and d >= 1; got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("c must contain only finite values")
    return arr


def _check_m_f(m: object, f: object) -> tuple[int, int]:
    """Validate 1 <= f and m > 2f (δ = f/m < 1/2)."""
    f_ = check_int("f", f, low=1)
    m_ = check_int("m", m, low=2 * f_ + 1)
    return m_, f_


class HeterogeneousQuadratic(BallProblem):
    r"""h honest workers, f_i(x) = (a_i/2)‖x − c_i‖², objective f_H = (1/h) Σ_i f_i.

    ``sco.simulate`` runs one honest worker per objective (m − f = h, the per-worker members of
    ``sco.problem.WorkerProblem``); :meth:`with_byzantine` gives the f Byzantine workers
    objectives of their own, which they optimise honestly under ``byzantine_data="own"``.

    Closed forms (docs/theory.md §7), with u = x − x*:

    - ∇f_i(x) = a_i(x − c_i);  ∇f_H(x) = ā u;  f_H(x) = (ā/2)‖u‖² + f*,
      f* = f_H(x*) = (1/2h) Σ a_i ‖x* − c_i‖².
    - ∇f_i(x) − ∇f_H(x) = (a_i − ā) u + e_i, hence the dissimilarity
      (1/h) Σ ‖∇f_i − ∇f_H‖² = v‖u‖² + 2⟨w, u⟩ + E.
    - (G, B)-frontier: the least G² with (1/h) Σ‖∇f_i − ∇f_H‖² ≤ G² + B²‖∇f_H‖² for all x is
      :meth:`G2` (B²) = E + ‖w‖²/(B²ā² − v) for B² > v/ā² (:attr:`B2_min`); at B² = v/ā² it
      is E if w = 0 and +inf otherwise; below v/ā² it is +inf (no finite G² exists).

    Constants: ``L`` = ā is the smoothness of f_H (what ``sco`` uses); ``L_i`` = a [h] are
    the per-worker smoothness constants and ``L_max`` = max_i a_i bounds them all.
    Stochastic gradients add ξ ~ N(0, (σ²/d) I) independently per call, so ``sigma2`` = σ²
    exactly for f_H and for every worker, and ``sigma_L2`` = 0.

    Parameters
    ----------
    a : array [h]
        Curvatures a_i >= 0 with ā > 0.
    c : array [h, d]
        Centres c_i.
    sigma : float
        Gradient-noise level σ ≥ 0 (default 0: full gradients, as in H1–H3).
    center, radius, x0 :
        Ball domain (default centre 0, radius max(1, 2‖x* − centre‖)) and starting point
        (default: the centre), as for every :class:`BallProblem`.

    Samples of the f_H oracle are noise vectors ``[*shape, d]``; those of the per-worker oracle
    (:meth:`sample_workers`) are ``[*shape, h, d]``.

    Rounding: ā, v and x* are computed relative to a[0] and c[0], so that equal curvatures give
    v = 0 exactly (pure-G) and equal centres give x* = c_0 and e_i = 0 exactly (pure-B).
    """

    name = "heterogeneous_quadratic"

    def __init__(
        self,
        a: object,
        c: object,
        *,
        sigma: float = 0.0,
        center: object | None = None,
        radius: float | None = None,
        x0: object | None = None,
    ) -> None:
        a_arr = _check_curvatures(a)
        h = int(a_arr.shape[0])
        c_arr = _check_centres(c, h)
        self.sigma = check_real("sigma", sigma, low=0.0)
        self.a = readonly(a_arr)
        self.c = readonly(c_arr)
        # shifted sums: exact zeros for equal a_i (v = 0) or equal c_i (x* = c_0, e_i = 0)
        da = a_arr - a_arr[0]
        self.a_bar = float(a_arr[0] + np.mean(da))
        self.v = float(np.mean((a_arr - self.a_bar) ** 2))
        dc = c_arr - c_arr[0]
        x_star = c_arr[0] + (a_arr @ dc) / float(np.sum(a_arr))
        self.x_star = readonly(x_star)
        e = a_arr[:, None] * (x_star - c_arr)
        self.e = readonly(e)
        self.w = readonly((a_arr - self.a_bar) @ e / h)
        self.E = float(np.mean(np.sum(e * e, axis=1)))
        self.f_star = float(0.5 * np.mean(a_arr * np.sum((x_star - c_arr) ** 2, axis=1)))
        self.L = self.a_bar
        self.L_i = self.a
        self.L_max = float(np.max(a_arr))
        self.sigma2 = self.sigma**2
        self.sigma_L2 = 0.0
        self.byzantine: HeterogeneousQuadratic | None = None
        self._set_domain(center, radius, x0)

    # ------------------------------------------------------------------ constants
    @property
    def h(self) -> int:
        """Number of honest workers."""
        return int(self.a.shape[0])

    @property
    def B2_min(self) -> float:
        """v/ā²: the least B² admitting a finite G² (the pure-B value)."""
        return self.v / self.a_bar**2

    def G2(self, B2: float) -> float:
        r"""The exact frontier G²(B²) = sup_x [(1/h)Σ‖∇f_i − ∇f_H‖² − B²‖∇f_H‖²].

        = E + ‖w‖²/(ā²(B² − v/ā²)) for B² > :attr:`B2_min`; = E at B² = B2_min when w = 0;
        ``math.inf`` at B² = B2_min with w ≠ 0 and for B2_min > B² ≥ 0 (the supremum is
        unbounded there, so no finite G² satisfies the (G, B) inequality).
        Raises ``ValueError`` for B² < 0 or non-finite B².
        """
        b2 = check_real("B2", B2, low=0.0)
        w2 = float(self.w @ self.w)
        gap = b2 - self.B2_min
        if gap > 0:
            return self.E + w2 / (self.a_bar**2 * gap)
        if gap == 0 and w2 == 0.0:
            return self.E
        return math.inf

    def worst_x(self, B2: float) -> np.ndarray:
        """The maximiser x* + w/(B²ā² − v) of the frontier's supremum, for B² > B2_min; ``[d]``."""
        b2 = check_real("B2", B2, low=0.0)
        gap = b2 - self.B2_min
        if not gap > 0:
            raise ValueError(f"B2 must be > B2_min = {self.B2_min:.6g}; got {B2!r}")
        return self.x_star + self.w / (self.a_bar**2 * gap)

    # ------------------------------------------------------------------ oracles of f_H
    def value(self, x: np.ndarray) -> np.ndarray:
        """f_H(x) = (ā/2)‖x − x*‖² + f* for ``x[..., d]``; returns ``[...]``."""
        u = np.asarray(x, dtype=np.float64) - self.x_star
        return 0.5 * self.a_bar * rowdot(u, u) + self.f_star

    def grad(self, x: np.ndarray) -> np.ndarray:
        """∇f_H(x) = ā(x − x*) for ``x[..., d]``; returns ``[..., d]`` (elementwise per row)."""
        return self.a_bar * (np.asarray(x, dtype=np.float64) - self.x_star)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Noise vectors ξ ~ N(0, (σ²/d) I) for the f_H oracle; returns ``[*shape, d]``."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return rng.standard_normal((*shape, self.dim)) * (self.sigma / np.sqrt(self.dim))

    def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """∇f_H(x) + ξ; ``x[..., d]`` and ``samples[..., d]`` broadcast."""
        return self.grad(x) + samples

    # ------------------------------------------------------------------ per-worker oracles
    def value_i(self, x: np.ndarray) -> np.ndarray:
        """f_i(x) = (a_i/2)‖x − c_i‖² for ``x[..., d]``; returns ``[..., h]``."""
        diff = unit_rows(np.asarray(x, dtype=np.float64)[..., None, :] - self.c)
        return 0.5 * self.a * rowdot(diff, diff)

    def grad_i(self, x: np.ndarray) -> np.ndarray:
        """∇f_i(x) = a_i(x − c_i) for ``x[..., d]``; returns ``[..., h, d]``."""
        x = np.asarray(x, dtype=np.float64)
        return self.a[:, None] * (x[..., None, :] - self.c)

    def sample_workers(
        self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()
    ) -> np.ndarray:
        """Independent noise for every worker, ξ_i ~ N(0, (σ²/d) I); returns ``[*shape, h, d]``."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return rng.standard_normal((*shape, self.h, self.dim)) * (self.sigma / np.sqrt(self.dim))

    def stoch_grad_i(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """∇f_i(x) + ξ_i; ``x[..., d]`` and ``samples[..., h, d]`` broadcast; ``[..., h, d]``."""
        return self.grad_i(x) + samples

    def dissimilarity(self, x: np.ndarray) -> np.ndarray:
        """(1/h) Σ_i ‖∇f_i(x) − ∇f_H(x)‖² for ``x[..., d]``; returns ``[...]``."""
        diff = self.grad_i(x) - self.grad(x)[..., None, :]
        return np.mean(np.sum(diff * diff, axis=-1), axis=-1)

    def with_byzantine(self, a: object, c: object) -> HeterogeneousQuadratic:
        """A copy (same workers, domain and noise) whose f Byzantine workers hold objectives
        (a_j/2)‖x − c_j‖² of their own (``a [f]``, ``c [f, d]``), exposed as ``.byzantine``:
        under ``sco.simulate(..., byzantine_data="own")`` they run the honest estimator on
        them. x*, f* and every constant stay those of the honest f_H. This is how H1's
        scenario 1 is run (docs/theory.md §7): its Byzantines send what scenario 2's honest
        workers at c = a send."""
        c_arr = np.array(c, dtype=np.float64)
        if c_arr.ndim != 2 or c_arr.shape[1:] != (self.dim,):
            raise ValueError(f"c must be a [f, d] array with d = {self.dim}; got {c_arr.shape}")
        byz = HeterogeneousQuadratic(a, c_arr, sigma=self.sigma)
        out = HeterogeneousQuadratic(
            self.a, self.c, sigma=self.sigma, center=self.center, radius=self.radius, x0=self.x0
        )
        out.byzantine = byz
        return out

    # ------------------------------------------------------------------ constructors
    @classmethod
    def pure_g(
        cls,
        c: object,
        *,
        curvature: float = 1.0,
        sigma: float = 0.0,
        radius: float | None = None,
    ) -> HeterogeneousQuadratic:
        """Pure-G family: all a_i = ``curvature`` (> 0), centres ``c [h, d]``; B2_min = 0 and
        G²(0) = E = (curvature²/h) Σ‖x* − c_i‖² with x* the mean of the c_i."""
        curv = check_real("curvature", curvature, low=0.0, strict=True)
        arr = np.array(c, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[0] == 0:
            raise ValueError(f"c must be a [h, d] array with h >= 1 and d >= 1; got {arr.shape}")
        return cls(np.full(arr.shape[0], curv), arr, sigma=sigma, radius=radius)

    @classmethod
    def pure_b(
        cls,
        a: object,
        centre: object,
        *,
        sigma: float = 0.0,
        radius: float | None = None,
    ) -> HeterogeneousQuadratic:
        """Pure-B family: curvatures ``a [h]`` (> 0), every c_i = ``centre [d]``; x* = centre,
        e_i = w = 0, E = 0, so G²(B2_min) = 0 with B2_min = v/ā²."""
        a_arr = _check_curvatures(a)
        c0 = check_vector("centre", centre)
        return cls(a_arr, np.tile(c0, (a_arr.shape[0], 1)), sigma=sigma, radius=radius)

    @classmethod
    def h1_scenarios(
        cls, m: int, f: int, a: float, *, sigma: float = 0.0, x0: float = 0.0
    ) -> tuple[HeterogeneousQuadratic, HeterogeneousQuadratic]:
        """The two 1-D scenarios of H1 (docs/theory.md §7), h = m − f honest workers, a_i = 1.

        Scenario 1: every honest c_i = 0 (x* = 0, G = 0). Scenario 2: m − 2f honest at c = 0
        (listed first) and f honest at c = ``a``; x* = fa/(m − f), G²(0) = E =
        f(m − 2f)a²/(m − f)². Both share the domain (centre 0, radius max(1, 2·abs(a)), x0 = 0) so
        that an algorithm sees the same problem apart from its workers (``x0`` moves the common
        start). Scenario 1's f Byzantine workers hold the objectives of scenario 2's workers at
        c = a (``.byzantine``, for ``byzantine_data="own"``). Needs 1 <= f < m/2.
        """
        m_, f_ = _check_m_f(m, f)
        shift = check_real("a", a, low=-np.inf)
        h = m_ - f_
        radius = max(1.0, 2.0 * abs(shift))
        c1 = np.zeros((h, 1))
        c2 = np.zeros((h, 1))
        c2[m_ - 2 * f_ :, 0] = shift
        ones = np.ones(h)
        start = [check_real("x0", x0, low=-np.inf)]
        first = cls(ones, c1, sigma=sigma, radius=radius, x0=start)
        first = first.with_byzantine(np.ones(f_), np.full((f_, 1), shift))
        return first, cls(ones, c2, sigma=sigma, radius=radius, x0=start)

    @classmethod
    def two_point(
        cls,
        m: int,
        f: int,
        B2: float,
        *,
        sigma: float = 0.0,
        radius: float | None = None,
        x0: float = 0.0,
    ) -> HeterogeneousQuadratic:
        """H3's 1-D pure-B profile (docs/theory.md §7): h = m − f honest workers, all c_i = 0.

        The first f workers have curvature A = 1 + B·√((m − 2f)/f), the other m − 2f have
        c = 1 − B·√(f/(m − 2f)); then ā = (fA + (m − 2f)c)/h = 1 and
        Var(a) = (f·B²(m − 2f)/f + (m − 2f)·B² f/(m − 2f))/h = B², so B2_min = B² and
        G²(B²) = 0. Needs 1 <= f < m/2 and 0 <= B² <= (m − 2f)/f (so that c >= 0; at the end
        point c = 0, H3's instance above the breakdown point). ``x0``: the start (a number; the
        domain is centred at 0 with radius max(1, abs(x0)) unless ``radius`` is given).
        """
        m_, f_ = _check_m_f(m, f)
        top = (m_ - 2 * f_) / f_
        b2 = check_real("B2", B2, low=0.0)
        if not b2 <= top:
            raise ValueError(
                f"B2 must be finite and >= 0 and <= (m − 2f)/f = {top:.6g} (so that every "
                f"a_i >= 0); got {B2!r}"
            )
        start = check_real("x0", x0, low=-np.inf)
        b = math.sqrt(b2)
        big = 1.0 + b * math.sqrt(top)
        small = max(0.0, 1.0 - b / math.sqrt(top))  # 1 − 1 may round to −1e-16 at the end point
        a = np.concatenate([np.full(f_, big), np.full(m_ - 2 * f_, small)])
        if radius is None:
            radius = max(1.0, abs(start))
        return cls(a, np.zeros((m_ - f_, 1)), sigma=sigma, radius=radius, x0=[start])

    @classmethod
    def random(
        cls,
        h: int,
        dim: int,
        *,
        rng: RngLike = 0,
        a_low: float = 0.5,
        a_high: float = 2.0,
        c_scale: float = 1.0,
        sigma: float = 0.0,
        radius: float | None = None,
    ) -> HeterogeneousQuadratic:
        """A random instance: a_i ~ U[a_low, a_high] (0 < a_low <= a_high), c_i ~ N(0,
        (c_scale²/d) I) (c_scale >= 0); centre 0, x0 = 0, default radius max(1, 2‖x*‖)."""
        h_ = check_int("h", h, low=1)
        d = check_int("dim", dim, low=1)
        lo = check_real("a_low", a_low, low=0.0, strict=True)
        hi = check_real("a_high", a_high, low=lo)
        scale = check_real("c_scale", c_scale, low=0.0)
        gen = np.random.default_rng(rng)
        a = gen.uniform(lo, hi, size=h_)
        c = gen.standard_normal((h_, d)) * (scale / math.sqrt(d))
        return cls(a, c, sigma=sigma, radius=radius)
