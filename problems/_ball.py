"""The Euclidean-ball domain K = {x : ‖x − c‖ ≤ R} shared by every problem (docs/theory.md §1)."""

from __future__ import annotations

import numpy as np

from ._checks import check_real, check_vector, readonly


class BallProblem:
    """Base class: a convex objective minimised over a ball that strictly contains x*.

    Subclasses set ``x_star``, ``f_star``, ``L``, ``sigma2`` and ``sigma_L2`` and implement
    ``value``, ``grad``, ``sample`` and ``stoch_grad``. This class owns the domain: ``center``
    (shape ``[d]``), ``radius`` R, the diameter ``D = 2R``, ``project`` and the starting point
    ``x0`` (the centre unless given).
    """

    name: str = "problem"
    x_star: np.ndarray
    f_star: float
    L: float
    sigma2: float
    sigma_L2: float

    def value(self, x: np.ndarray) -> np.ndarray:
        """f(x) for ``x[..., d]``; returns ``[...]`` (defined by each family)."""
        raise NotImplementedError

    def grad(self, x: np.ndarray) -> np.ndarray:
        """∇f(x) for ``x[..., d]``; returns ``[..., d]`` (defined by each family)."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Samples with leading shape ``shape`` (defined by each family)."""
        raise NotImplementedError

    def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """∇f(x; z) for the given samples (defined by each family)."""
        raise NotImplementedError

    def _set_domain(self, center: object | None, radius: object | None, x0: object | None) -> None:
        """Validate and store the ball; the default radius is max(1, 2‖x* − c‖)."""
        d = self.x_star.shape[0]
        c = np.zeros(d) if center is None else check_vector("center", center, d)
        gap = float(np.linalg.norm(self.x_star - c))
        if radius is None:
            r = max(1.0, 2.0 * gap)
        else:
            r = check_real("radius", radius, low=0.0, strict=True)
        if not r > gap:
            raise ValueError(
                f"radius must be > ‖x* − center‖ = {gap:.6g} so that x* lies strictly inside "
                f"the ball; got {r!r}"
            )
        self.center = readonly(c)
        self.radius = float(r)
        start = c.copy() if x0 is None else check_vector("x0", x0, d)
        if np.linalg.norm(start - c) > r * (1.0 + 1e-12):  # a point on the sphere may round out
            raise ValueError(f"x0 must lie in the ball ‖x0 − center‖ <= radius = {r:g}")
        self.x0 = readonly(start)

    @property
    def dim(self) -> int:
        """Dimension d of the decision variable."""
        return int(self.x_star.shape[0])

    @property
    def D(self) -> float:
        """Diameter of the domain, D = 2R."""
        return 2.0 * self.radius

    @property
    def sigma_tilde2(self) -> float:
        """σ̃² = 2σ² + 8D²σ_L², the μ²-SGD estimator-error constant (docs/theory.md §1, Lemma E)."""
        return 2.0 * self.sigma2 + 8.0 * self.D**2 * self.sigma_L2

    def project(self, x: np.ndarray) -> np.ndarray:
        """Euclidean projection Π_K onto the ball; ``x[..., d] -> [..., d]``, never in place.

        Π_K(x) = x if ‖x − c‖ ≤ R (bit-exact), else c + (x − c)·R/‖x − c‖. The norm is taken
        after rescaling by max|x − c| so that entries up to the float64 limit (1e300) still
        project onto the sphere instead of overflowing.
        """
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            u = x - self.center
            big = np.max(np.abs(u), axis=-1, keepdims=True)
            v = u / np.where(big > 0, big, 1.0)
            nv = np.linalg.norm(v, axis=-1, keepdims=True)  # ‖u‖ = big·nv without overflow
            outside = big * nv > self.radius
            return np.where(outside, self.center + v * (self.radius / nv), x)

    def contains(self, x: np.ndarray, *, tol: float = 1e-12) -> np.ndarray:
        """Whether ``x[..., d]`` lies in K (with relative slack ``tol``); returns ``[...]`` bool."""
        n = np.linalg.norm(np.asarray(x, dtype=np.float64) - self.center, axis=-1)
        return n <= self.radius * (1.0 + tol)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, L={self.L:.4g}, "
            f"sigma2={self.sigma2:.4g}, sigma_L2={self.sigma_L2:.4g}, radius={self.radius:.4g})"
        )
