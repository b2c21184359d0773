"""Least squares with a random Gaussian design (docs/theory.md §1, "Least squares ...")."""

from __future__ import annotations

import numpy as np
from scipy.linalg.blas import dtrmm as _trmm

from ._ball import BallProblem
from ._checks import RngLike, check_int, check_real, check_vector, is_symmetric, readonly
from ._linalg import rowdot, rowmat
from ._spectra import random_orthogonal, rotated, spectrum


class LeastSquares(BallProblem):
    r"""f(x) = ½E(aᵀx − b)² with a ~ N(0, Σ), b = aᵀx* + ν, ν ~ N(0, s²).

    ∇f(x; a, b) = a(aᵀx − b), ∇f(x) = Σ(x − x*), f* = s²/2. With u = x − x*:
    E‖g − ∇f‖² = (uᵀΣu)·tr Σ + ‖Σu‖² + s²·tr Σ, hence (exact, docs/theory.md §1)

    - L = λ₁(Σ),
    - σ_L² = λ₁(tr Σ + λ₁) (attained along the top eigenvector),
    - σ² = s²·tr Σ + D²σ_L² (the supremum over u with ‖u‖ ≤ D).

    Parameters
    ----------
    cov : array [d, d]
        Design covariance Σ (symmetric positive semi-definite).
    x_star : array [d]
        The minimiser.
    noise : float
        Label-noise standard deviation s ≥ 0.
    center, radius, x0 :
        Ball domain (default centre 0, radius max(1, 2‖x* − c‖)) and starting point.

    Samples are rows ``[a, b]`` stacked into one array, shape ``[*shape, d + 1]``.
    """

    name = "least_squares"

    def __init__(
        self,
        cov: object,
        x_star: object,
        *,
        noise: float = 0.5,
        center: object | None = None,
        radius: float | None = None,
        x0: object | None = None,
    ) -> None:
        sig = np.array(cov, dtype=np.float64)
        if sig.ndim != 2 or sig.shape[0] != sig.shape[1] or sig.shape[0] == 0:
            raise ValueError(f"cov must be a square [d, d] matrix; got shape {sig.shape}")
        if not np.all(np.isfinite(sig)) or not is_symmetric(sig):
            raise ValueError("cov must be finite and symmetric")
        sig = 0.5 * (sig + sig.T)
        eig, vec = np.linalg.eigh(sig)
        if eig[0] < -1e-12 * max(1.0, abs(eig[-1])):
            raise ValueError(f"cov must be positive semi-definite; min eigenvalue {eig[0]:.3g}")
        eig = np.clip(eig, 0.0, None)
        self.cov = readonly(sig)
        self._root = readonly((vec * np.sqrt(eig)) @ vec.T)  # symmetric Σ^{1/2}
        self.x_star = readonly(check_vector("x_star", x_star, sig.shape[0]))
        self.noise = check_real("noise", noise, low=0.0)
        self.f_star = 0.5 * self.noise**2
        # Lower-triangular [d + 1, d + 1] factor M = [[C, 0], [x*ᵀC, s]] with C Cᵀ = Σ, C the
        # transpose of the R of a QR of Σ^{1/2} (C Cᵀ = Σ^{1/2}ᵀΣ^{1/2}; fine for singular Σ):
        # M z = (a, aᵀx* + s·z_d) with a = C z_{:d} ~ N(0, Σ) (see ``sample``).
        chol = np.linalg.qr(self._root).R.T
        tri = np.zeros((sig.shape[0] + 1, sig.shape[0] + 1), order="F")
        tri[:-1, :-1] = chol
        tri[-1, :-1] = chol.T @ self.x_star
        tri[-1, -1] = self.noise
        self._chol = readonly(chol)
        self._design = readonly(tri)
        self._set_domain(center, radius, x0)
        lam1, trace = float(eig[-1]), float(eig.sum())
        self.L = lam1
        self.sigma_L2 = lam1 * (trace + lam1)
        self.sigma2 = self.noise**2 * trace + self.D**2 * self.sigma_L2

    @classmethod
    def random(
        cls,
        dim: int,
        *,
        cond: float = 10.0,
        noise: float = 0.5,
        radius: float | None = None,
        rng: RngLike = 0,
    ) -> LeastSquares:
        """A random instance: Σ has eigenvalues log-spaced in [1/cond, 1] (L = 1) in a random
        basis, x* is a uniformly random unit vector, centre 0, x0 = 0, default radius 2."""
        dim = check_int("dim", dim, low=1)
        cond = check_real("cond", cond, low=1.0)
        gen = np.random.default_rng(rng)
        q = random_orthogonal(gen, dim)
        cov = rotated(q, spectrum(dim, cond))
        direction = gen.standard_normal(dim)
        return cls(cov, direction / np.linalg.norm(direction), noise=noise, radius=radius)

    def value(self, x: np.ndarray) -> np.ndarray:
        """f(x) = ½(x − x*)ᵀΣ(x − x*) + s²/2 for ``x[..., d]``; returns ``[...]``.

        Row by row (one BLAS ``gemv`` and one ``ddot`` per row, :mod:`problems._linalg`), so a
        row's value does not depend on the batch it is in.
        """
        u = np.asarray(x, dtype=np.float64) - self.x_star
        return 0.5 * rowdot(rowmat(u, self.cov), u) + self.f_star

    def grad(self, x: np.ndarray) -> np.ndarray:
        """∇f(x) = Σ(x − x*) for ``x[..., d]``; returns ``[..., d]`` (one ``gemv`` per row)."""
        return rowmat(np.asarray(x, dtype=np.float64) - self.x_star, self.cov)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Draw (a, b) pairs: ``[*shape, d + 1]``, a in ``[..., :d]`` and b in ``[..., d]``.

        All n = prod(shape) pairs come from one draw z ~ N(0, I) of shape ``[n, d + 1]`` (pair j
        takes normals j(d + 1) .. j(d + 1) + d of the stream, so ``sample(rng, (K, n))`` consumes
        the same normals, in the same order, as K consecutive calls ``sample(rng, (n,))``),
        mapped in place by one BLAS ``trmm`` with the lower-triangular ``[d + 1, d + 1]`` matrix
        M = [[C, 0], [x*ᵀC, s]], where C is a lower-triangular factor of Σ (C Cᵀ = Σ):

            a = C z_{:d} ~ N(0, Σ),   b = (Cᵀx*)ᵀz_{:d} + s·z_d = aᵀx* + s·z_d (to rounding).

        Block consistency therefore holds for the stream and in distribution; the values of the
        block draw and of the per-step draws agree to rounding (a few ulps), not bit for bit, since
        BLAS may round a row differently when the product has another number of rows. The result
        depends only on the stream and on ``shape``: ``sco.sampling.BlockSampler`` always asks
        for the same shape ``(K, count)``, so a seed's samples are the same alone or in a batch.
        """
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        out = np.empty((*shape, self.dim + 1))
        self.sample_into(rng, out)
        return out

    def sample_into(self, rng: np.random.Generator, out: np.ndarray) -> None:
        """``sample(rng, out.shape[:-1])`` written into ``out`` (C-contiguous float64
        ``[..., d + 1]``), the same bits, without a new array (``sco.sampling.BlockSampler``)."""
        d = self.dim
        if out.shape[-1:] != (d + 1,) or out.dtype != np.float64 or not out.flags.c_contiguous:
            raise ValueError(f"out must be a C-contiguous float64 [..., {d + 1}] array")
        z = out.reshape(-1, d + 1)  # a view: out is C-contiguous
        rng.standard_normal(z.shape, out=z)
        # zᵀ ([d + 1, n], Fortran order) ← M zᵀ in place: one BLAS trmm
        res = _trmm(1.0, self._design, z.T, side=0, lower=1, overwrite_b=1)
        if not np.shares_memory(res, z):  # pragma: no cover - scipy copied the operand
            z[...] = res.T

    def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """g(x; a, b) = a(aᵀx − b); ``x[..., d]`` and ``samples[..., d + 1]`` broadcast to
        ``[..., d]``.

        aᵀx is one BLAS dot product of length d per sample (:func:`problems._linalg.rowdot`), so
        a sample's gradient is the same whatever batch it is evaluated in; in ``sco.simulate``
        (x ``[S, 1, d]``, samples ``[S, h, d + 1]``) the cost is S·h·d multiply-adds for the
        residuals and as many products for g.
        """
        a, b = samples[..., :-1], samples[..., -1]
        resid = rowdot(a, np.asarray(x, dtype=np.float64)) - b
        # a·resid as one product per entry (the bits of ``a * resid[..., None]``); einsum's
        # loop is faster than the broadcast multiply over the strided rows of a block
        return np.einsum("...i,...->...i", a, resid)
