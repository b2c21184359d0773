"""Centered clipping (Karimireddy, He & Jaggi 2021; docs/theory.md §2), stateless."""

from __future__ import annotations

import numpy as np

from ._common import as_workers, bad_rows, check_f
from .coordinatewise import cwmed


def centered_clipping(
    x: np.ndarray,
    *,
    f: int,
    tau: float = 1.0,
    iters: int = 3,
    center: np.ndarray | None = None,
) -> np.ndarray:
    r"""v ← v + (1/m) Σ_i clip_τ(x_i − v), repeated ``iters`` times, clip_τ(u) = u·min(1, τ/‖u‖).

    ``x[..., m, d] -> [..., d]``. Starts at ``center`` ([..., d]) or, by default, at the
    coordinate-wise median; keeps no state between calls. Bad rows contribute nothing (a clipped
    vector needs a direction, which a non-finite row does not have). f is validated (m > 2f).
    """
    x = as_workers(x)
    m = x.shape[-2]
    check_f(f, m, name="centered_clipping")
    if not (isinstance(tau, (int, float)) and tau > 0 and np.isfinite(tau)):
        raise ValueError(f"tau must be a finite number > 0; got {tau!r}")
    if isinstance(iters, bool) or not isinstance(iters, (int, np.integer)) or iters < 1:
        raise ValueError(f"iters must be an integer >= 1; got {iters!r}")
    good = ~bad_rows(x)
    v = (
        cwmed(x)
        if center is None
        else np.array(np.broadcast_to(center, x.shape[:-2] + x.shape[-1:]))
    )
    xs = np.where(good[..., None], x, 0.0) if not good.all() else x
    for _ in range(int(iters)):
        diff = xs - v[..., None, :]
        norm = np.sqrt(np.einsum("...ij,...ij->...i", diff, diff))
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(good, np.minimum(1.0, tau / norm), 0.0)
        v = v + np.einsum("...i,...ij->...j", scale, diff) / m
    return np.asarray(v)
