"""Geometric median by the Vardi–Zhang modified Weiszfeld iteration (docs/theory.md §2, GM)."""

from __future__ import annotations

import numpy as np

from ._common import as_workers, bad_rows, check_f


def _vertex_optimal(x: np.ndarray, good: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Whether data point ``x[k]`` is the geometric median: ‖Σ_{x_i ≠ x_k} u_i‖ ≤ #{x_i = x_k},
    with u_i the unit vector from x_k to x_i (the subgradient optimality condition)."""
    xk = np.take_along_axis(x, k[..., None, None], axis=-2)  # [..., 1, d]
    diff = x - xk
    dist = np.sqrt(np.einsum("...ij,...ij->...i", diff, diff))
    same = good & (dist == 0.0)
    others = good & ~same
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(others, 1.0 / dist, 0.0)
    pull = np.linalg.norm(
        np.einsum("...i,...ij->...j", w, np.where(others[..., None], diff, 0.0)), axis=-1
    )
    return np.asarray(pull <= same.sum(axis=-1))


def geometric_median(
    x: np.ndarray, *, f: int = 0, tol: float = 1e-8, max_iter: int = 10_000
) -> np.ndarray:
    r"""argmin_z Σ_i ‖x_i − z‖ over the good rows: ``x[..., m, d] -> [..., d]``.

    Iteration (Vardi & Zhang 2000, which stays well defined when z hits a data point): with
    d_i = ‖x_i − z‖, η = #{i : d_i = 0}, T = Σ_{d_i>0} x_i/d_i / Σ_{d_i>0} 1/d_i and
    r = ‖Σ_{d_i>0} (x_i − z)/d_i‖,

        z ← max(0, 1 − η/r)·T + min(1, η/r)·z.

    Starts at the mean of the good rows and stops when ‖z_{k+1} − z_k‖ ≤ tol·(1 + ‖z_k‖)
    (per batch element; never a fixed small iteration count). A final exact step returns the
    data point nearest to z when that point satisfies the optimality condition, so medians that
    are data points (e.g. symmetric collinear points) are returned exactly.
    Bad rows (non-finite or overflowing) are excluded. (f, κ)-robust with κ = 4(1 + q)²,
    q = f/(m − 2f) (Allouah et al. 2023, Table 1); f is validated (m > 2f), otherwise unused.
    """
    x = as_workers(x)
    m = x.shape[-2]
    check_f(f, m, name="geometric_median")
    if not tol > 0 or max_iter < 1:
        raise ValueError(
            f"tol must be > 0 and max_iter >= 1; got tol={tol!r}, max_iter={max_iter!r}"
        )
    good = ~bad_rows(x)
    xs = np.where(good[..., None], x, 0.0) if not good.all() else x
    z, _ = weiszfeld(xs, good, tol=tol, max_iter=max_iter)
    return z


def _vz_step(x: np.ndarray, good: np.ndarray, z: np.ndarray) -> np.ndarray:
    """One Vardi–Zhang step for ``x[n, m, d]``, ``good[n, m]``, ``z[n, d]``."""
    diff = x - z[:, None, :]
    dist = np.sqrt(np.einsum("nij,nij->ni", diff, diff))
    hit = good & (dist == 0.0)
    live = good & ~hit
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(live, 1.0 / dist, 0.0)
    wsum = w.sum(axis=-1)
    t = np.einsum("ni,nij->nj", w, x) / np.where(wsum > 0, wsum, 1.0)[:, None]
    eta = hit.sum(axis=-1).astype(np.float64)
    r = np.linalg.norm(np.einsum("ni,nij->nj", w, diff), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(r > 0, eta / r, np.inf)
    z_new = np.maximum(0.0, 1.0 - ratio)[:, None] * t + np.minimum(1.0, ratio)[:, None] * z
    return np.where((wsum > 0)[:, None], z_new, z)  # every good row at z: z is optimal


def weiszfeld(
    xs: np.ndarray, good: np.ndarray, *, tol: float, max_iter: int, check_every: int = 16
) -> tuple[np.ndarray, np.ndarray]:
    """The iteration behind :func:`geometric_median` on rows ``xs[..., m, d]`` weighted by
    ``good[..., m]``; returns (z ``[..., d]``, iterations used ``[...]``).

    Batch elements are iterated only while they are active, so one slow instance does not make
    the whole batch pay for its iterations. Every ``check_every`` iterations, an element whose
    nearest data point satisfies the vertex optimality condition stops there: that point *is*
    the median (the exact finish below would return it too), and Weiszfeld converges to a vertex
    optimum only sublinearly, so waiting for the step-length test could take 10⁴ iterations.
    """
    batch, (m, d) = xs.shape[:-2], xs.shape[-2:]
    flat_x = xs.reshape(-1, m, d)
    flat_g = good.reshape(-1, m)
    z = flat_x.sum(axis=-2) / np.maximum(flat_g.sum(axis=-1), 1)[:, None]
    used = np.zeros(z.shape[0], dtype=np.int64)
    idx = np.arange(z.shape[0])
    xa, ga, za = flat_x, flat_g, z.copy()
    for it in range(max_iter):
        z_new = _vz_step(xa, ga, za)
        step = np.linalg.norm(z_new - za, axis=-1)
        used[idx] += 1
        za = z_new
        done = step <= tol * (1.0 + np.linalg.norm(za, axis=-1))
        if (it + 1) % check_every == 0:
            k, vertex = _nearest_vertex(xa, ga, za)
            at_vertex = vertex & ~done
            if at_vertex.any():
                za = np.where(
                    at_vertex[:, None], np.take_along_axis(xa, k[:, None, None], 1)[:, 0], za
                )
                done = done | at_vertex
        if done.any():
            z[idx[done]] = za[done]
            keep = ~done
            idx, xa, ga, za = idx[keep], xa[keep], ga[keep], za[keep]
            if idx.size == 0:
                break
    z[idx] = za  # unconverged after max_iter: the last iterate
    z = z.reshape((*batch, d))
    used = used.reshape(batch)
    # Exact finish: snap to the nearest data point when it is itself optimal.
    k, snap = _nearest_vertex(xs, good, z)
    nearest = np.take_along_axis(xs, k[..., None, None], axis=-2)[..., 0, :]
    return np.where(snap[..., None], nearest, z), used


def _nearest_vertex(
    xs: np.ndarray, good: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The good data point nearest to z (index ``[...]``) and whether it is the median."""
    gap = xs - z[..., None, :]
    d2 = np.where(good, np.einsum("...ij,...ij->...i", gap, gap), np.inf)
    k = np.argmin(d2, axis=-1)
    return k, _vertex_optimal(xs, good, k)
