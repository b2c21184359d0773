"""Boundary validation for problem constructors: one-line errors that name the parameter."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np

#: Anything ``np.random.default_rng`` accepts.
RngLike: TypeAlias = (
    int
    | Sequence[int]
    | np.random.SeedSequence
    | np.random.BitGenerator
    | np.random.Generator
    | None
)


def check_int(name: str, value: object, *, low: int) -> int:
    """Return ``value`` as an int, or raise ``ValueError`` naming ``name`` and ``>= low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    if int(value) < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    return int(value)


def check_real(
    name: str, value: object, *, low: float, strict: bool = False, high: float = np.inf
) -> float:
    """Return ``value`` as a finite float in ``[low, high]`` (``(low, high]`` if ``strict``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    v = float(value)
    below = v <= low if strict else v < low
    if not np.isfinite(v) or below or v > high:
        limits = ["finite"]
        if low > -np.inf or strict:
            limits.append(f"> {low:g}" if strict else f">= {low:g}")
        if high < np.inf:
            limits.append(f"<= {high:g}")
        raise ValueError(f"{name} must be {' and '.join(limits)}; got {value!r}")
    return v


def check_vector(name: str, value: object, dim: int | None = None) -> np.ndarray:
    """Return a finite float64 1-D copy of ``value`` (of length ``dim`` when given)."""
    arr = np.array(value, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0 or (dim is not None and arr.shape[0] != dim):
        want = f"length {dim}" if dim is not None else "a non-empty 1-D array"
        raise ValueError(f"{name} must be a 1-D array of {want}; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return arr


def readonly(arr: np.ndarray) -> np.ndarray:
    """Mark an array read-only so a caller cannot corrupt a problem's constants."""
    arr.setflags(write=False)
    return arr


def is_symmetric(mat: np.ndarray) -> bool:
    """Symmetric up to rounding: |A − Aᵀ| ≤ 1e-12·max|A| entrywise."""
    scale = float(np.abs(mat).max()) if mat.size else 0.0
    return bool(np.all(np.abs(mat - mat.T) <= 1e-12 * max(scale, 1e-300)))


def check_features_labels(features: object, labels: object) -> tuple[np.ndarray, np.ndarray]:
    """features [N, d] finite and labels [N] of ±1, as float64 copies."""
    a = np.array(features, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"features must be a non-empty [N, d] array; got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("features must contain only finite values")
    y = np.array(labels, dtype=np.float64)
    if y.shape != (a.shape[0],) or not np.all(np.abs(y) == 1.0):
        raise ValueError(f"labels must be an [N] = [{a.shape[0]}] array of ±1 values")
    return a, y
