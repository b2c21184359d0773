"""Random rotations and log-spaced spectra for the synthetic problem families."""

from __future__ import annotations

import numpy as np


def spectrum(dim: int, cond: float) -> np.ndarray:
    """Eigenvalues log-spaced from 1 down to 1/cond: ``[dim]``, largest first, so λ₁ = 1 exactly."""
    return np.asarray(float(cond) ** (-np.linspace(0.0, 1.0, dim)), dtype=np.float64)


def rotated(q: np.ndarray, eig: np.ndarray) -> np.ndarray:
    """Q diag(eig) Qᵀ, symmetrised exactly (rounding would otherwise break symmetry)."""
    mat = (q * eig) @ q.T
    return np.asarray(0.5 * (mat + mat.T))


def random_orthogonal(rng: np.random.Generator, dim: int) -> np.ndarray:
    """A Haar-distributed orthogonal ``[dim, dim]`` matrix (QR of a Gaussian, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    return np.asarray(q * np.sign(np.diag(r)), dtype=np.float64)
