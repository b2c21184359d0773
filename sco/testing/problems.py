"""The conformance suite of a problem: the Problem protocol, its oracles, its constants."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, overload

import numpy as np

from ._core import (
    Check,
    Report,
    _close,
    _fail,
    _label,
    _same,
    _z,
    run_checks,
)

# ---------------------------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------------------------

_MEMBERS = (
    "dim x_star f_star x0 center radius L sigma2 sigma_L2 D sigma_tilde2 "
    "value grad sample stoch_grad project"
).split()


def _ball_points(p: Any, g: np.random.Generator, n: int, boundary: bool = True) -> np.ndarray:
    """n points in K = ball(center, radius): half uniform inside, half on the sphere."""
    d = int(p.dim)
    u = g.standard_normal((n, d))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    r = g.random(n) ** (1.0 / d)
    if boundary:
        r[: n // 2] = 1.0
    return np.asarray(p.center) + float(p.radius) * (1 - 1e-12) * r[:, None] * u


def problem_checks(
    problem: Any,
    *,
    rng: Any = 0,
    n_points: int = 4,
    n_samples: int = 4000,
    alpha: float = 1e-6,
) -> Iterator[Check]:
    """The problem suite, one :class:`Check` at a time (see :func:`check_problem`)."""
    p = problem
    s = _label(p)
    root = np.random.SeedSequence(list(np.random.default_rng(rng).integers(2**32, size=4)))
    seeds = iter(root.spawn(16))

    def gen() -> np.random.Generator:
        return np.random.default_rng(next(seeds))

    g_int, g_shape, g_batch, g_block, g_unb, g_sig, g_sigl, g_l, g_proj, g_opt = (
        gen() for _ in range(10)
    )
    zcrit = _z(alpha / max(1, n_points))  # Bonferroni over the points

    def interface() -> None:
        """Every member of the sco.Problem protocol exists; dim ≥ 1; x*, x0, center are [d];
        L, σ², σ_L², radius finite and ≥ 0; x0 and x* lie in K."""
        missing = [n for n in _MEMBERS if not hasattr(p, n)]
        if missing:
            raise _fail("interface", s, f"missing members of sco.Problem: {', '.join(missing)}")
        d = p.dim
        if not isinstance(d, (int, np.integer)) or d < 1:
            raise _fail("interface", s, f"dim must be an integer >= 1; got {d!r}")
        for name in ("x_star", "x0", "center"):
            if np.shape(getattr(p, name)) != (d,):
                raise _fail("interface", s, f"{name} has shape {np.shape(getattr(p, name))}")
        for name in ("L", "sigma2", "sigma_L2", "radius"):
            v = float(getattr(p, name))
            if not (np.isfinite(v) and v >= 0):
                raise _fail("interface", s, f"{name} = {v!r} must be finite and >= 0")
        for name in ("x0", "x_star"):
            gap = float(np.linalg.norm(np.asarray(getattr(p, name)) - p.center))
            if gap > p.radius * (1 + 1e-12):
                raise _fail("interface", s, f"{name} lies outside K (‖·−c‖ = {gap:.6g} > R)")

    def shapes() -> None:
        """value [d] → [], grad [d] → [d]; stoch_grad of x [d] with one sample → [d], with
        samples [n] → [n, d], and of x [n, d] with samples [n] → [n, d]."""
        d = p.dim
        x = _ball_points(p, g_shape, 3)
        one, many = p.sample(g_shape, ()), p.sample(g_shape, (3,))
        want = {
            "value(x[d])": (np.shape(p.value(x[0])), ()),
            "value(x[3, d])": (np.shape(p.value(x)), (3,)),
            "grad(x[d])": (np.shape(p.grad(x[0])), (d,)),
            "grad(x[3, d])": (np.shape(p.grad(x)), (3, d)),
            "stoch_grad(x[d], sample())": (np.shape(p.stoch_grad(x[0], one)), (d,)),
            "stoch_grad(x[d], sample((3,)))": (np.shape(p.stoch_grad(x[0], many)), (3, d)),
            "stoch_grad(x[3, d], sample((3,)))": (np.shape(p.stoch_grad(x, many)), (3, d)),
        }
        for what, (got, exp) in want.items():
            if got != exp:
                raise _fail("stoch-grad-shape", s, f"{what} has shape {got}, expected {exp}")

    def batch_loop() -> None:
        """value, grad and stoch_grad of a batch [2, 3, d] equal each row alone, bit for bit
        (each row must depend only on its own inputs: sco.simulate's seed identity)."""
        x = _ball_points(p, g_batch, 6).reshape(2, 3, -1)
        z = p.sample(g_batch, (2, 3))
        v, gr, sg = p.value(x), p.grad(x), p.stoch_grad(x, z)
        for i, j in np.ndindex(2, 3):
            for name, got, alone in (
                ("value", v[i, j], p.value(x[i, j])),
                ("grad", gr[i, j], p.grad(x[i, j])),
                ("stoch_grad", sg[i, j], p.stoch_grad(x[i, j], z[i, j])),
            ):
                if not _same(got, alone):
                    raise _fail(
                        "batch-equals-loop", s, f"{name} of row {(i, j)} differs from the row alone"
                    )

    def block() -> None:
        """sample(rng, (K, n)) equals K calls sample(rng, (n,)) to rounding (rtol 1e-12) and
        leaves the generator in the same state; the same state gives the same samples."""
        seed = int(g_block.integers(2**62))
        ga, gb, gc = (np.random.default_rng(seed) for _ in range(3))
        blockd = np.asarray(p.sample(ga, (4, 5)))
        loop = np.stack([np.asarray(p.sample(gb, (5,))) for _ in range(4)])
        if blockd.shape != loop.shape:
            raise _fail("block-consistency", s, f"shapes {blockd.shape} != {loop.shape}")
        scale = max(1.0, float(np.abs(loop).max()))
        if not _close(blockd, loop, 1e-12, 1e-12 * scale):
            raise _fail(
                "block-consistency", s, "sample(rng, (K, n)) differs from K calls sample(rng, (n,))"
            )
        if ga.bit_generator.state != gb.bit_generator.state:
            raise _fail(
                "block-consistency",
                s,
                "sample(rng, (K, n)) and K calls sample(rng, (n,)) consume different amounts "
                "of the stream",
            )
        if not _same(np.asarray(p.sample(gc, (4, 5))), blockd):
            raise _fail("block-consistency", s, "the same generator state gave other samples")

    def mc(gr: np.random.Generator, x: np.ndarray) -> np.ndarray:
        return np.asarray(p.stoch_grad(x, p.sample(gr, (n_samples,))))

    def unbiased() -> dict[str, Any]:
        """At random points of K, every coordinate of the mean of n stochastic gradients lies
        within z·sd/√n of ∇f (two-sided, z for level alpha with Bonferroni over the points and
        coordinates)."""
        xs = _ball_points(p, g_unb, n_points)
        zc = _z(alpha / (2 * n_points * p.dim))
        worst = 0.0
        for x in xs:
            gs = mc(g_unb, x)
            true = np.asarray(p.grad(x))
            mean, sd = gs.mean(axis=0), gs.std(axis=0, ddof=1)
            err = np.abs(mean - true)
            slack = zc * sd / np.sqrt(n_samples) + 1e-10 * (1 + np.abs(true))
            if np.any(err > slack):
                k = int(np.argmax(err - slack))
                raise _fail(
                    "unbiasedness",
                    s,
                    f"mean stoch_grad − grad = {mean[k] - true[k]:.4g} in coordinate {k} at a "
                    f"point of K, beyond the {1 - alpha:g} interval ±{slack[k]:.3g}",
                )
            worst = max(worst, float(np.max(err / slack)))
        return {"worst_z_fraction": worst}

    def sigma2() -> dict[str, Any]:
        """E‖g − ∇f‖² ≤ σ² at random points of K (half on the boundary): the one-sided lower
        confidence bound of the Monte-Carlo mean must not exceed σ²."""
        worst = 0.0
        for x in _ball_points(p, g_sig, n_points):
            sq = np.sum((mc(g_sig, x) - np.asarray(p.grad(x))) ** 2, axis=-1)
            lcb = sq.mean() - zcrit * sq.std(ddof=1) / np.sqrt(n_samples)
            worst = max(worst, float(sq.mean()))
            if lcb > p.sigma2 * (1 + 1e-9) + 1e-12:
                raise _fail(
                    "declared-sigma2",
                    s,
                    f"E‖g − ∇f‖² ≈ {sq.mean():.6g} (lower bound {lcb:.6g}) > σ² = {p.sigma2:.6g}",
                )
        return {"max_mean": worst}

    def sigma_l2() -> dict[str, Any]:
        """E‖(g(x; z) − g(y; z)) − (∇f(x) − ∇f(y))‖² ≤ σ_L²‖x − y‖² for random pairs in K,
        the same sample at both points (one-sided lower confidence bound)."""
        xs, ys = _ball_points(p, g_sigl, n_points), _ball_points(p, g_sigl, n_points)
        for x, y in zip(xs, ys, strict=True):
            z = p.sample(g_sigl, (n_samples,))
            diff = np.asarray(p.stoch_grad(x, z)) - np.asarray(p.stoch_grad(y, z))
            sq = np.sum((diff - (np.asarray(p.grad(x)) - np.asarray(p.grad(y)))) ** 2, axis=-1)
            sq = sq / max(float(np.sum((x - y) ** 2)), 1e-300)
            lcb = sq.mean() - zcrit * sq.std(ddof=1) / np.sqrt(n_samples)
            if lcb > p.sigma_L2 * (1 + 1e-9) + 1e-12:
                raise _fail(
                    "declared-sigma_L2",
                    s,
                    f"E‖Δg − Δ∇f‖²/‖x − y‖² ≈ {sq.mean():.6g} (lower bound {lcb:.6g}) > "
                    f"σ_L² = {p.sigma_L2:.6g}",
                )
        return {}

    def smooth() -> dict[str, Any]:
        """Secant ratios ‖∇f(x) − ∇f(y)‖/‖x − y‖ ≤ L (to 1e-9) on random pairs in K, near
        and far, and f(y) ≤ f(x) + ⟨∇f(x), y − x⟩ + L/2‖y − x‖² (the descent lemma)."""
        xs = _ball_points(p, g_l, 32)
        ys = np.concatenate(
            [_ball_points(p, g_l, 16), xs[16:] + 1e-3 * g_l.standard_normal((16, p.dim))]
        )
        gx, gy = np.asarray(p.grad(xs)), np.asarray(p.grad(ys))
        dist = np.linalg.norm(xs - ys, axis=-1)
        ratio = np.linalg.norm(gx - gy, axis=-1) / np.maximum(dist, 1e-300)
        worst = float(ratio.max())
        if worst > p.L * (1 + 1e-9) + 1e-12:
            raise _fail("declared-L", s, f"secant ratio ‖Δ∇f‖/‖Δx‖ = {worst:.6g} > L = {p.L:.6g}")
        fx, fy = np.asarray(p.value(xs)), np.asarray(p.value(ys))
        upper = fx + np.sum(gx * (ys - xs), axis=-1) + 0.5 * p.L * dist**2
        excess = fy - upper
        tol = 1e-9 * (1 + np.abs(fx) + np.abs(fy))
        if np.any(excess > tol):
            raise _fail(
                "declared-L", s, f"f(y) exceeds the L-smooth upper bound by {excess.max():.3g}"
            )
        return {"worst_secant_ratio": worst}

    def grad_value() -> None:
        """grad matches central finite differences of value (relative 1e-5)."""
        x = _ball_points(p, g_int, 2, boundary=False)
        h = 1e-5 * max(1.0, float(p.radius))
        for xi in x:
            e = np.eye(p.dim) * h
            fd = (np.asarray(p.value(xi + e)) - np.asarray(p.value(xi - e))) / (2 * h)
            gr = np.asarray(p.grad(xi))
            if not _close(fd, gr, 1e-5, 1e-6 * (1 + np.abs(gr).max())):
                raise _fail(
                    "gradient-consistency",
                    s,
                    f"grad {gr} differs from finite differences of value {fd}",
                )

    def projection() -> None:
        """Π_K maps into K, is the identity on K, idempotent (to 1e-12) and non-expansive
        (‖Πx − Πy‖ ≤ ‖x − y‖), and does not modify its input."""
        c, r = np.asarray(p.center), float(p.radius)
        far = c + 3.0 * r * g_proj.standard_normal((16, p.dim))
        inside = _ball_points(p, g_proj, 16, boundary=False)
        far_copy = far.copy()
        pf = np.asarray(p.project(far))
        if not _same(far, far_copy):
            raise _fail("projection", s, "project modified its input")
        if np.any(np.linalg.norm(pf - c, axis=-1) > r * (1 + 1e-12)):
            raise _fail("projection", s, "Π(x) lies outside K")
        if not _close(p.project(inside), inside, 1e-12, 1e-12 * r):
            raise _fail("projection", s, "Π is not the identity on K")
        if not _close(p.project(pf), pf, 1e-12, 1e-12 * r):
            raise _fail("projection", s, "Π is not idempotent")
        pts = np.concatenate([far, inside])
        pp = np.asarray(p.project(pts))
        i, j = np.triu_indices(len(pts), 1)
        lhs = np.linalg.norm(pp[i] - pp[j], axis=-1)
        rhs = np.linalg.norm(pts[i] - pts[j], axis=-1)
        if np.any(lhs > rhs * (1 + 1e-12) + 1e-12 * r):
            raise _fail("projection", s, "Π is expansive: ‖Πx − Πy‖ > ‖x − y‖")

    def optimal() -> dict[str, Any]:
        """x* is optimal: the projected-gradient residual L‖x* − Π(x* − ∇f(x*)/L)‖ ≤ 1e-6
        (relative to ‖∇f(x0)‖), f(x*) = f* (to 1e-9 relative), and f(x*) ≤ f at random
        points of K."""
        xs = np.asarray(p.x_star)
        lip = max(float(p.L), 1e-12)
        res = lip * float(
            np.linalg.norm(xs - np.asarray(p.project(xs - np.asarray(p.grad(xs)) / lip)))
        )
        scale = max(1.0, float(np.linalg.norm(p.grad(p.x0))))
        if res > 1e-6 * scale:
            raise _fail("x-star-optimal", s, f"projected-gradient residual at x* = {res:.3g}")
        fs = float(p.value(xs))
        if abs(fs - float(p.f_star)) > 1e-9 * (1 + abs(fs)):
            raise _fail("x-star-optimal", s, f"f(x*) = {fs!r} but f_star = {p.f_star!r}")
        others = np.asarray(p.value(_ball_points(p, g_opt, 32)))
        if np.any(others < fs - 1e-9 * (1 + abs(fs))):
            raise _fail("x-star-optimal", s, f"f = {others.min():.10g} < f(x*) = {fs:.10g} in K")
        return {"residual": res}

    yield Check("interface", interface, s)
    yield Check("stoch-grad-shape", shapes, s)
    yield Check("batch-equals-loop", batch_loop, s)
    yield Check("block-consistency", block, s)
    yield Check("projection", projection, s)
    yield Check("gradient-consistency", grad_value, s)
    yield Check("x-star-optimal", optimal, s)
    yield Check("declared-L", smooth, s)
    yield Check("unbiasedness", unbiased, s)
    yield Check("declared-sigma2", sigma2, s)
    yield Check("declared-sigma_L2", sigma_l2, s)


@overload
def check_problem(problem: Any, *, generate_only: Literal[True], **kw: Any) -> Iterator[Check]: ...
@overload
def check_problem(problem: Any, *, generate_only: Literal[False] = ..., **kw: Any) -> Report: ...
def check_problem(
    problem: Any, *, generate_only: bool = False, **kw: Any
) -> Report | Iterator[Check]:
    """Run the problem suite (keywords rng=0, n_points=4, n_samples=4000, alpha=1e-6).

    Checks: ``interface`` (protocol members, shapes, finite constants, x0 and x* in K);
    ``stoch-grad-shape``; ``batch-equals-loop`` (value, grad, stoch_grad row by row, bit for
    bit); ``block-consistency`` (sample(rng, (K, n)) vs K calls of sample(rng, (n,)): values to
    rounding and the same generator state after); ``projection`` (into K, identity on K,
    idempotent, non-expansive, input untouched); ``gradient-consistency`` (grad vs finite
    differences of value); ``x-star-optimal``; ``declared-L`` (secant ratios and the descent
    lemma); ``unbiasedness`` (mean of stoch_grad ≈ grad within a 1 − alpha interval);
    ``declared-sigma2`` and ``declared-sigma_L2`` (Monte-Carlo one-sided lower confidence
    bounds must not exceed the declared σ², σ_L²). Monte-Carlo checks use seeded numpy
    Generators, so a run is reproducible; a correct problem fails one with probability ≤ alpha.
    """
    checks = problem_checks(problem, **kw)
    return checks if generate_only else run_checks(checks, _label(problem))
