"""Quadratic with additive Gaussian gradient noise (docs/theory.md §1, "Quadratic ...")."""

from __future__ import annotations

import numpy as np

from ._ball import BallProblem
from ._checks import RngLike, check_int, check_real, check_vector, is_symmetric, readonly
from ._linalg import rowdot, rowmat
from ._spectra import random_orthogonal, rotated, spectrum


class Quadratic(BallProblem):
    r"""f(x) = ½(x − x*)ᵀA(x − x*) + f*,  g(x; ξ) = A(x − x*) + ξ,  ξ ~ N(0, (σ²/d) I).

    Constants (exact): L = λ_max(A), E‖g − ∇f‖² = σ² at every x, σ_L = 0.

    Parameters
    ----------
    A : array [d, d]
        Symmetric positive semi-definite Hessian.
    x_star : array [d]
        The minimiser (must lie strictly inside the ball).
    sigma : float
        Noise level σ ≥ 0 (so ``sigma2 = σ²``).
    f_star : float
        Optimal value.
    center, radius, x0 :
        Ball domain (default centre 0, radius max(1, 2‖x* − c‖)) and starting point
        (default: the centre).

    Samples are the noise vectors ξ, shape ``[*shape, d]``.
    """

    name = "quadratic"

    def __init__(
        self,
        A: object,
        x_star: object,
        *,
        sigma: float = 1.0,
        f_star: float = 0.0,
        center: object | None = None,
        radius: float | None = None,
        x0: object | None = None,
    ) -> None:
        mat = np.array(A, dtype=np.float64)
        if mat.ndim != 2 or mat.shape[0] != mat.shape[1] or mat.shape[0] == 0:
            raise ValueError(f"A must be a square [d, d] matrix; got shape {mat.shape}")
        if not np.all(np.isfinite(mat)) or not is_symmetric(mat):
            raise ValueError("A must be finite and symmetric")
        mat = 0.5 * (mat + mat.T)
        eig = np.linalg.eigvalsh(mat)
        if eig[0] < -1e-12 * max(1.0, abs(eig[-1])):
            raise ValueError(f"A must be positive semi-definite; min eigenvalue {eig[0]:.3g}")
        self.A = readonly(mat)
        self.x_star = readonly(check_vector("x_star", x_star, mat.shape[0]))
        self.sigma = check_real("sigma", sigma, low=0.0)
        self.f_star = check_real("f_star", f_star, low=-np.inf)
        self.L = float(max(eig[-1], 0.0))
        self.sigma2 = self.sigma**2
        self.sigma_L2 = 0.0
        self._set_domain(center, radius, x0)

    @classmethod
    def random(
        cls,
        dim: int,
        *,
        cond: float = 10.0,
        sigma: float = 1.0,
        radius: float | None = None,
        rng: RngLike = 0,
    ) -> Quadratic:
        """A random instance: eigenvalues of A log-spaced in [1/cond, 1] (so L = 1), a random
        rotation, x* a uniformly random unit vector, centre 0, x0 = 0, default radius 2."""
        dim = check_int("dim", dim, low=1)
        cond = check_real("cond", cond, low=1.0)
        gen = np.random.default_rng(rng)
        q = random_orthogonal(gen, dim)
        mat = rotated(q, spectrum(dim, cond))
        direction = gen.standard_normal(dim)
        x_star = direction / np.linalg.norm(direction)
        return cls(mat, x_star, sigma=sigma, radius=radius)

    def value(self, x: np.ndarray) -> np.ndarray:
        """f(x) for ``x[..., d]``; returns ``[...]`` (row by row, like :meth:`grad`)."""
        u = np.asarray(x, dtype=np.float64) - self.x_star
        return 0.5 * rowdot(self.grad(x), u) + self.f_star

    def grad(self, x: np.ndarray) -> np.ndarray:
        """∇f(x) = A(x − x*) for ``x[..., d]``; returns ``[..., d]``.

        One BLAS ``gemv`` per row (:func:`problems._linalg.rowmat`) rather than one ``gemm`` over
        the batch, whose rounding of a row could depend on how many rows share the call; each
        row's result is thus independent of the batch it is in (``sco.simulate``'s seed
        identity), at BLAS speed.
        """
        u = np.asarray(x, dtype=np.float64) - self.x_star
        return rowmat(u, self.A)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Draw noise vectors ξ ~ N(0, (σ²/d) I); returns ``[*shape, d]``."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return rng.standard_normal((*shape, self.dim)) * (self.sigma / np.sqrt(self.dim))

    def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """g(x; ξ) = A(x − x*) + ξ; ``x[..., d]`` and ``samples[..., d]`` broadcast."""
        return self.grad(x) + samples
