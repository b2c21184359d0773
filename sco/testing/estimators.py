"""The conformance suite of an estimator: its interface, three steps by hand, purity, batching."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any, Literal, overload

import numpy as np

from ..estimators import Estimator, Message
from ..estimators import resolve as resolve_estimator
from ._core import (
    Check,
    Report,
    SkipCheck,
    _close,
    _fail,
    _same,
    run_checks,
)

# ---------------------------------------------------------------------------------------------
# Estimators
# ---------------------------------------------------------------------------------------------

Reference = Callable[..., tuple[Any, Any]]


def _toy(d: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, Callable[..., Any]]:
    """A tiny quadratic f(x) = ½xᵀAx (A diagonal) with fixed gradient noise z_t per step:
    returns diag(A), x0, the noise [steps, d] and ``project`` (the ball of radius 10 at 0)."""
    g = np.random.default_rng(seed)
    a = np.linspace(0.5, 2.0, d)  # the diagonal of A: gradients elementwise, exact per row
    x0 = g.standard_normal(d)
    noise = 0.3 * g.standard_normal((8, d))

    def project(x: np.ndarray) -> np.ndarray:
        n = np.linalg.norm(x, axis=-1, keepdims=True)
        return np.where(n > 10.0, x * (10.0 / np.where(n > 0, n, 1.0)), x)

    return a, x0, noise, project


def _run_estimator(
    est: Estimator,
    a: np.ndarray,
    x0: np.ndarray,
    noise: np.ndarray,
    project: Callable[..., Any],
    lr: float,
    steps: int,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Run ``steps`` steps of one worker (d̂_t = its message) by hand; x0 may carry leading
    axes [..., d] (noise then [steps, ..., d]). Returns the messages d_1..d_T and the points
    x_1..x_{T+1}."""
    worker, server = est.worker, est.server

    def oracle(x: np.ndarray, t: int) -> np.ndarray:
        return np.asarray(np.asarray(x) * a + noise[t - 1], dtype=np.float64)

    it = server.init(x0)
    xs = [np.array(it.x)]
    msg: Message | None = None
    x_prev: np.ndarray = np.asarray(it.x)
    ds = []
    for t in range(1, steps + 1):
        g = oracle(it.x, t)
        if msg is None:
            msg = worker.init(g)
        else:
            gp = oracle(x_prev, t) if worker.uses_previous_point else None
            msg = worker.update(msg, g, gp, t)
        ds.append(np.array(msg.d))
        x_prev = it.x
        it = server.update(it, msg.d, t, lr, project)
        xs.append(np.array(it.x))
    return ds, xs


def estimator_checks(
    est: Any,
    *,
    reference: Reference | None = None,
    d: int = 3,
    lr: float = 0.05,
    rng: Any = 0,
    rtol: float = 1e-12,
) -> Iterator[Check]:
    """The estimator suite, one :class:`Check` at a time (see :func:`check_estimator`)."""
    e: Estimator = resolve_estimator(est)
    s = e.spec
    seed = int(np.random.default_rng(rng).integers(2**31))
    a, x0, noise, project = _toy(d, seed)
    steps = 3

    def interface() -> None:
        """worker = (init, update, uses_previous_point: bool), server = (init, update)."""
        w, sv = e.worker, e.server
        if not (callable(getattr(w, "init", None)) and callable(getattr(w, "update", None))):
            raise _fail("interface", s, "worker must have callable init and update")
        if not isinstance(getattr(w, "uses_previous_point", None), bool):
            raise _fail("interface", s, "worker.uses_previous_point must be True or False")
        if not (callable(getattr(sv, "init", None)) and callable(getattr(sv, "update", None))):
            raise _fail("interface", s, "server must have callable init and update")
        n_params = len(inspect.signature(w.update).parameters)
        if n_params != 4:
            raise _fail(
                "interface", s, f"worker.update must take (state, g, g_prev, t); has {n_params}"
            )

    def previous_point() -> None:
        """uses_previous_point matches what update reads: when False, update(state, g, None, t)
        must work and give the same message as with a g_prev array (sco.simulate passes None);
        when True, update must accept a g_prev array."""
        g1, g2 = a * x0 + noise[0], a * x0 + noise[1]
        st = e.worker.init(g1)
        if e.worker.uses_previous_point:
            try:
                out = e.worker.update(st, g2, g1 + 0.5, 2)
            except Exception as err:
                raise _fail(
                    "previous-point", s, f"update(state, g, g_prev, 2) raised {err!r}"
                ) from err
            if not np.all(np.isfinite(out.d)):
                raise _fail("previous-point", s, "update with g_prev gave a non-finite message")
            return
        try:
            without = e.worker.update(st, g2, None, 2)
        except Exception as err:
            raise _fail(
                "previous-point",
                s,
                f"worker.update fails with g_prev=None ({err!r}) but uses_previous_point=False: "
                "sco.simulate passes None to estimators that do not declare "
                "uses_previous_point=True; set it to True if update needs g_prev",
            ) from err
        with_prev = e.worker.update(st, g2, g1 + 0.5, 2)
        if not _same(without.d, with_prev.d):
            raise _fail(
                "previous-point",
                s,
                "worker.update reads g_prev but uses_previous_point=False (sco.simulate passes "
                "None): set uses_previous_point=True",
            )

    def by_hand() -> dict[str, Any]:
        """Three steps on a tiny quadratic with fixed gradient noise: messages [d], finite;
        points [d], finite, inside K."""
        ds, xs = _run_estimator(e, a, x0, noise, project, lr, steps)
        for t, (dt, xt) in enumerate(zip(ds, xs[1:], strict=True), 1):
            if np.shape(dt) != (d,) or np.shape(xt) != (d,):
                raise _fail("by-hand", s, f"step {t}: message {np.shape(dt)}, point {np.shape(xt)}")
            if not (np.all(np.isfinite(dt)) and np.all(np.isfinite(xt))):
                raise _fail("by-hand", s, f"step {t}: non-finite message or point")
            if np.linalg.norm(xt) > 10.0 * (1 + 1e-12):
                raise _fail("by-hand", s, f"step {t}: the point left K (projection not applied)")
        return {"messages": ds, "points": xs}

    def update_equation() -> None:
        """The three steps equal the caller's reference, to rtol. The reference is called as
        ``reference(oracle, x0, lr=lr, steps=3, project=project)`` with ``oracle(x, t)`` the
        stochastic gradient of step t's sample at x, and returns (messages d_1..d_3, points
        x_1..x_4)."""
        if reference is None:
            raise SkipCheck("no reference update equation given (reference=)")
        ds, xs = _run_estimator(e, a, x0, noise, project, lr, steps)

        def oracle(x: np.ndarray, t: int) -> np.ndarray:
            return np.asarray(np.asarray(x) * a + noise[t - 1])

        rd, rx = reference(oracle, x0.copy(), lr=lr, steps=steps, project=project)
        for t in range(steps):
            if not _close(ds[t], rd[t], rtol, 1e-14):
                raise _fail(
                    "update-equation", s, f"message d_{t + 1} = {ds[t]} but reference {rd[t]}"
                )
        for t in range(steps + 1):
            if not _close(xs[t], rx[t], rtol, 1e-14):
                raise _fail(
                    "update-equation", s, f"point x_{t + 1} = {xs[t]} but reference {rx[t]}"
                )

    def purity() -> None:
        """init and update never modify their inputs (g, g_prev, the state, d̂)."""
        g1, g2, gp = a * x0 + noise[0], a * x0 + noise[1], a * x0 + noise[2]
        ins = [g1.copy(), g2.copy(), gp.copy()]
        st = e.worker.init(ins[0])
        st_copy = [np.array(v) for v in st]
        new = e.worker.update(st, ins[1], ins[2] if e.worker.uses_previous_point else None, 2)
        e.worker.update(new, ins[1], ins[2] if e.worker.uses_previous_point else None, 3)
        if not all(_same(u, v) for u, v in zip(ins, (g1, g2, gp), strict=True)):
            raise _fail("purity", s, "worker init/update mutated a gradient argument")
        if not all(_same(u, v) for u, v in zip(st, st_copy, strict=True)):
            raise _fail("purity", s, "worker update mutated its state argument")
        xin, dh = x0.copy(), g1.copy()
        it = e.server.init(xin)
        it_copy = [np.array(v) for v in it]
        e.server.update(it, dh, 1, lr, project)
        if not (_same(xin, x0) and _same(dh, g1)):
            raise _fail("purity", s, "server init/update mutated x0 or d̂")
        if not all(_same(u, v) for u, v in zip(it, it_copy, strict=True)):
            raise _fail("purity", s, "server update mutated its state argument")

    def stacked() -> tuple[list[np.ndarray], list[np.ndarray], list[Any]]:
        xb = x0 + np.arange(6).reshape(2, 3, 1) * 0.1  # [2, 3, d]
        nb = noise[:, None, None, :] * (1 + np.arange(6).reshape(1, 2, 3, 1))
        ds, xs = _run_estimator(e, a, xb, nb, project, lr, steps)
        alone = [
            _run_estimator(e, a, xb[i, j], nb[:, i, j], project, lr, steps)
            for i, j in np.ndindex(2, 3)
        ]
        return ds, xs, alone

    def batching() -> None:
        """State and messages with leading axes [2, 3, d]: shapes kept, each element equal to
        the same run alone (to rtol)."""
        ds, xs, alone = stacked()
        for k, (i, j) in enumerate(np.ndindex(2, 3)):
            for t in range(steps):
                if np.shape(ds[t]) != (2, 3, d):
                    raise _fail("batching", s, f"batched message shape {np.shape(ds[t])}")
                if not (
                    _close(ds[t][i, j], alone[k][0][t], rtol, 1e-14)
                    and _close(xs[t + 1][i, j], alone[k][1][t + 1], rtol, 1e-14)
                ):
                    raise _fail("batching", s, f"element {(i, j)} differs from its run alone")

    def seed_identity() -> None:
        """Each element of the batched run equals its run alone bit for bit (what keeps a seed
        of sco.simulate identical alone or in a batch)."""
        ds, xs, alone = stacked()
        for k, (i, j) in enumerate(np.ndindex(2, 3)):
            for t in range(steps):
                if not (
                    _same(ds[t][i, j], alone[k][0][t])
                    and _same(xs[t + 1][i, j], alone[k][1][t + 1])
                ):
                    raise _fail(
                        "seed-identity",
                        s,
                        f"element {(i, j)} is not bit-identical to its run alone",
                    )

    yield Check("interface", interface, s)
    yield Check("previous-point", previous_point, s)
    yield Check("by-hand", by_hand, s)
    yield Check(
        "update-equation",
        update_equation,
        s,
        None if reference is not None else "no reference update equation given (reference=)",
    )
    yield Check("purity", purity, s)
    yield Check("batching", batching, s)
    yield Check("seed-identity", seed_identity, s)


@overload
def check_estimator(est: Any, *, generate_only: Literal[True], **kw: Any) -> Iterator[Check]: ...
@overload
def check_estimator(est: Any, *, generate_only: Literal[False] = ..., **kw: Any) -> Report: ...
def check_estimator(
    est: Any, *, generate_only: bool = False, **kw: Any
) -> Report | Iterator[Check]:
    """Run the estimator suite (keywords reference=None, d=3, lr=0.05, rng=0, rtol=1e-12).

    Checks: ``interface`` (the (init, update) pairs and a bool ``uses_previous_point``);
    ``previous-point`` (the flag matches what update reads — a forgotten flag is reported here
    rather than deep inside simulate); ``by-hand`` (three steps on a tiny quadratic with fixed
    gradient noise give finite [d] messages and points inside K); ``update-equation`` (the
    three steps match ``reference`` — see :func:`estimator_checks`; skipped without one);
    ``purity`` (inputs never mutated); ``batching`` (leading axes [2, 3] kept, each element
    equal to its run alone to rtol); ``seed-identity`` (and bit for bit).
    """
    checks = estimator_checks(est, **kw)
    return checks if generate_only else run_checks(checks, resolve_estimator(est).spec)
