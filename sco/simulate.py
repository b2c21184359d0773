"""The Byzantine distributed optimiser, simulated exactly and vectorised over seeds and workers
(docs/theory.md §4; docs/architecture.md §2 ``sco.simulate``)."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import aggregators as _aggregators
from . import attacks as _attacks
from . import estimators as _estimators
from ._version import __version__
from .problem import Problem, is_worker_problem
from .sampling import BlockSampler, PerWorkerSamples
from .seeds import SeedStack, resolve_entropy, seed_generators
from .trace import ITERATES, METRICS, Trace

BYZANTINE_DATA = ("label_flip", "sign_flip", "own")
LR_RULES = ("theory",)  # lr="theory": η = 1/(8 L T), the step of Theorem R (docs/theory.md §4)


def default_checkpoints(T: int, n: int = 50) -> np.ndarray:
    """About ``n`` log-spaced steps in [1, T], always including 1 and T."""
    return np.unique(np.round(np.geomspace(1, T, n)).astype(np.int64))


def theory_lr(problem: Problem, T: int) -> float:
    """The step of Theorem R, η* = 1/(8 L T) (docs/theory.md §4): what ``lr="theory"`` means."""
    L = float(getattr(problem, "L", 0.0))
    if not (np.isfinite(L) and L > 0):
        raise ValueError(f'lr="theory" (1/(8LT)) needs a problem with L > 0; got L = {L!r}')
    return 1.0 / (8.0 * L * T)


def _check_int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    return int(value)


def _seed_indices(seeds: object) -> np.ndarray:
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        return np.arange(_check_int("seeds", seeds, 1))
    if isinstance(seeds, (Sequence, np.ndarray)) and len(seeds) > 0:
        idx = np.asarray(seeds)
        if idx.ndim == 1 and idx.dtype.kind in "iu" and np.all(idx >= 0):
            return idx.astype(np.int64)
    raise ValueError(
        f"seeds must be a count >= 1 or a non-empty sequence of seed indices >= 0; got {seeds!r}"
    )


def simulate(
    problem: Problem,
    *,
    aggregator: str | _aggregators.Aggregator | Callable[..., np.ndarray],
    attack: str | _attacks.Attack | Callable[..., np.ndarray] | None,
    estimator: str | _estimators.Estimator | Callable[[], _estimators.Estimator],
    m: int,
    f: int,
    T: int,
    lr: float | str,
    seeds: int | Sequence[int] = 1,
    rng: Any = 0,
    record: Sequence[str] = METRICS,
    checkpoints: Sequence[int] | np.ndarray | None = None,
    byzantine_data: str | None = None,
) -> Trace:
    r"""Run T steps of Byzantine-robust distributed optimisation on ``problem``.

    At step t = 1..T every honest worker i ∈ G (m − f of them) draws a fresh sample z_t^i, updates
    its estimator and sends d_t^i (with a full-gradient estimator such as ``"gd"``: its exact
    gradient, no sample drawn); on a problem with per-worker objectives
    (:class:`sco.problem.WorkerProblem`, e.g. ``problems.HeterogeneousQuadratic``) honest worker
    i samples its own objective f_i, and m − f must equal ``problem.h``; the f Byzantine
    workers send the attack's messages (computed from this round's honest messages), or, with
    ``byzantine_data``, run the honest estimator on their own samples: on flipped labels
    (``"label_flip"``), or sending the negation of their message (``"sign_flip"``, the sign
    flip of the authors' code, docs/theory.md §8). The server aggregates
    d̂_t = A(d_t^1..d_t^m) (honest rows first) and takes the estimator's server step
    (projected onto K), producing x_{t+1} for t < T.

    Parameters
    ----------
    problem : Problem
        Anything with the :class:`sco.Problem` members (the ``problems`` package's classes);
        with the members of :class:`sco.problem.WorkerProblem` too, the honest workers hold
        different objectives (docs/theory.md §7) and the metrics refer to their mean f_H.
    aggregator, attack, estimator : spec string, object or plain callable
        E.g. ``"ctma(cwtm)"``, ``"alie"``, ``"mu2sgd"``; a plain callable ``fn(x, *, f)`` as
        aggregator, ``fn(honest, *, f)`` as attack (given ``rng=``/``aggregator=`` when it names
        them), a factory returning an :class:`~sco.estimators.Estimator` as estimator.
        ``attack=None`` when f = 0 or with ``byzantine_data``.
    m, f : int
        Workers and Byzantine workers (0 ≤ f < m).
    T : int
        Horizon; the output is x_T (T gradient queries per worker).
    lr : float or "theory"
        Step size η > 0, or ``"theory"`` for η = 1/(8 L T) (Theorem R); the resolved η is
        ``trace.config["lr"]``.
    seeds : int or sequence of int
        A count S (seed indices 0..S−1) or explicit seed indices. Seed k draws from
        ``SeedSequence(rng, spawn_key=(k,))`` spawned per role, one SFC64 stream per role
        (:mod:`sco.seeds`), so its trajectory is bit-identical alone or in any batch.
    rng : anything ``np.random.default_rng`` accepts
        Root entropy of the run (``None``: fresh entropy). ``trace.config["rng"]`` records the
        resolved entropy, so ``trace.config`` reruns the same trajectories bit for bit.
    record : names
        Metrics to record (subset of ``subopt, agg_err, est_err, honest_spread, dist``), and
        optionally the iterates ``x`` (query points x_t) and ``w`` (the server's SGD sequence),
        stored in ``Trace.iterates`` as ``[S, k, d]``.
    checkpoints : steps
        Steps t ∈ [1, T] at which metrics are recorded (default ~50 log-spaced, with 1 and T).
    byzantine_data : None, "label_flip" or "sign_flip"
        Byzantine workers that run the honest estimator on their own samples (drawn from their
        own stream): on flipped labels (logistic problems; needs ``problem.stoch_grad_flipped``),
        or sending the negation of their message.

    Returns
    -------
    Trace
        Metrics ``[S, k]``, per-seed divergence flags, x_T ``[S, d]``, config and versions.
        A seed whose iterate becomes non-finite is flagged, never raised.
        ``sco.simulate(problem, **trace.arguments())`` reruns it bit for bit.
    """
    m = _check_int("m", m, 1)
    f = _check_int("f", f, 0)
    if f >= m:
        raise ValueError(f"f must satisfy 0 <= f < m = {m}; got f = {f}")
    T = _check_int("T", T, 1)
    lr_rule = lr if isinstance(lr, str) else None
    if lr_rule is not None:
        if lr_rule not in LR_RULES:
            raise ValueError(f'lr must be a finite number > 0 or "theory"; got {lr!r}')
        lr = theory_lr(problem, T)
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not (np.isfinite(lr) and lr > 0):
        raise ValueError(f'lr must be a finite number > 0 or "theory"; got {lr!r}')
    lr = float(lr)
    agg = _aggregators.resolve(aggregator)
    if m < agg.min_workers(f):
        raise ValueError(
            f"aggregator {agg.spec} needs m >= {agg.min_workers(f)} for f = {f}; got m = {m}"
        )
    est = _estimators.resolve(estimator)
    if byzantine_data is not None and byzantine_data not in BYZANTINE_DATA:
        raise ValueError(
            f"byzantine_data must be None or one of {BYZANTINE_DATA}; got {byzantine_data!r}"
        )
    own_data = byzantine_data is not None and f > 0
    per_worker = is_worker_problem(problem)
    if per_worker and int(problem.h) != m - f:
        raise ValueError(
            f"m - f must equal problem.h = {problem.h} (one honest worker per objective of the "
            f"heterogeneous problem); got m - f = {m - f}"
        )
    byz_problem = getattr(problem, "byzantine", None) if byzantine_data == "own" else None
    if byzantine_data == "own" and f > 0:
        if not (is_worker_problem(byz_problem) and int(byz_problem.h) == f):
            raise ValueError(
                f"byzantine_data='own' needs a problem whose .byzantine holds f = {f} worker "
                "objectives (e.g. HeterogeneousQuadratic.with_byzantine)"
            )
    elif per_worker and own_data:
        raise ValueError(
            f"byzantine_data={byzantine_data!r} needs identical workers: on a heterogeneous "
            "problem use 'own' (the Byzantine objectives of problem.byzantine) or an attack"
        )
    if own_data and byzantine_data == "label_flip" and getattr(est.worker, "full_gradient", False):
        raise ValueError(
            "byzantine_data='label_flip' needs a sampling estimator (the problem has no full "
            f"flipped gradient); got estimator {est.spec!r}"
        )
    if byzantine_data == "label_flip" and f > 0 and not hasattr(problem, "stoch_grad_flipped"):
        raise ValueError(
            "byzantine_data='label_flip' needs a problem with labels (stoch_grad_flipped)"
        )
    atk: _attacks.Attack | None
    if attack is None:
        if f > 0 and not own_data:
            raise ValueError("attack must be given when f > 0 (or use byzantine_data=)")
        atk = None
    else:
        if own_data:
            raise ValueError(f"give either attack or byzantine_data={byzantine_data!r}, not both")
        atk = _attacks.resolve(attack)
    record = tuple(record)
    unknown = [r for r in record if r not in METRICS + ITERATES]
    if unknown:
        raise ValueError(f"record must name metrics among {METRICS + ITERATES}; unknown: {unknown}")
    if checkpoints is None:
        steps = default_checkpoints(T)
    else:
        steps = np.unique(np.asarray(checkpoints, dtype=np.int64))
        if steps.size == 0 or steps[0] < 1 or steps[-1] > T:
            raise ValueError(f"checkpoints must be steps in [1, T = {T}]; got {checkpoints!r}")
    idx = _seed_indices(seeds)

    entropy = resolve_entropy(rng)
    gens = seed_generators(entropy, idx.tolist())
    S, h, d = idx.shape[0], m - f, problem.dim
    attack_rng, agg_rng = SeedStack(gens["attack"]), SeedStack(gens["aggregator"])
    worker, server = est.worker, est.server
    project = problem.project

    full = bool(getattr(worker, "full_gradient", False))
    honest_src = _source(problem, per_worker, False, full, gens["honest"], h)
    byz_src = None
    if own_data:
        byz_src = (
            _source(byz_problem, True, False, full, gens["byzantine"], f)
            if byzantine_data == "own"
            else _source(problem, False, byzantine_data == "label_flip", full, gens["byzantine"], f)
        )
    negate = byzantine_data == "sign_flip"

    out = {name: np.full((S, steps.size), np.nan) for name in record if name in METRICS}
    points = {name: np.full((S, steps.size, d), np.nan) for name in record if name in ITERATES}
    diverged = np.zeros(S, dtype=bool)
    it = server.init(np.broadcast_to(problem.x0, (S, d)))
    x_prev = it.x
    honest_state = byz_state = None
    col = {int(t): j for j, t in enumerate(steps)}

    with np.errstate(all="ignore"):
        for t in range(1, T + 1):
            need_prev = worker.uses_previous_point and honest_state is not None
            g, g_prev = honest_src.gradients(it.x, x_prev, need_prev)
            if honest_state is None:
                honest_state = worker.init(g)
            else:
                honest_state = worker.update(honest_state, g, g_prev, t)
            honest = honest_state.d
            if byz_src is not None:
                gb, gbp = byz_src.gradients(it.x, x_prev, need_prev)
                if byz_state is None:
                    byz_state = worker.init(gb)
                else:
                    byz_state = worker.update(byz_state, gb, gbp, t)
                byz_msg = -byz_state.d if negate else byz_state.d
                messages = np.concatenate([honest, byz_msg], axis=1)
            elif f > 0 and atk is not None:
                byz = atk(honest, f=f, rng=attack_rng, aggregator=agg)
                messages = np.concatenate([honest, byz], axis=1)
            else:
                messages = honest
            d_hat = agg(messages, f=f, rng=agg_rng)

            j = col.get(t)
            if j is not None:
                _record(out, j, problem, it.x, d_hat, honest)
                if points:
                    for name, arr in points.items():
                        arr[:, j] = it.x if name == "x" else it.w

            bad = ~np.all(np.isfinite(d_hat), axis=-1) | ~np.all(np.isfinite(it.x), axis=-1)
            if bad.any():
                diverged |= bad
            if t < T:
                x_prev = it.x
                it = server.update(it, d_hat, t, lr, project)
                newly = ~np.all(np.isfinite(it.x), axis=-1)
                diverged |= newly
    for name in out:
        # from the first non-finite value on, a diverged seed's metrics are NaN
        arr = out[name]
        arr[~np.isfinite(arr)] = np.nan
        first_bad = np.cumsum(~np.isfinite(arr), axis=1) > 0
        arr[first_bad & diverged[:, None]] = np.nan
    x_final = np.where(diverged[:, None], np.nan, it.x)
    config = {
        "problem": getattr(problem, "name", type(problem).__name__),
        "aggregator": _spec_or_object(agg, aggregator, _aggregators.make),
        "attack": None if atk is None else _spec_or_object(atk, attack, _attacks.make),
        "estimator": _spec_or_object(est, estimator, _estimators.make),
        "m": m,
        "f": f,
        "T": T,
        "lr": lr,
        "lr_rule": lr_rule,
        "seeds": idx.tolist(),
        "rng": entropy,
        "record": list(record),
        "checkpoints": steps.tolist(),
        "byzantine_data": byzantine_data,
    }
    versions = {"byzsco": __version__, "numpy": np.__version__}
    return Trace(steps, out, diverged, x_final, idx, config, versions, points)


class _Source:
    """Where a group of n workers running the honest estimator gets its gradients ``[S, n, d]``
    at the query points ``x[S, d]``: exact (``full``: no sample drawn) or of this step's samples,
    the same samples at the previous point when the estimator needs it (STORM)."""

    def __init__(
        self,
        sampled: Callable[[np.ndarray, np.ndarray], np.ndarray],
        exact: Callable[[np.ndarray], np.ndarray] | None,
        draw: BlockSampler | None,
    ) -> None:
        self.sampled, self.exact, self.draw = sampled, exact, draw

    def gradients(
        self, x: np.ndarray, x_prev: np.ndarray, need_prev: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        if self.exact is not None:
            return self.exact(x), (self.exact(x_prev) if need_prev else None)
        assert self.draw is not None
        z = self.draw()
        return self.sampled(x, z), (self.sampled(x_prev, z) if need_prev else None)


def _source(
    problem: Any, per_worker: bool, flipped: bool, full: bool, generators: list[Any], n: int
) -> _Source:
    """The gradient source of n workers: per-worker objectives (``grad_i``, ``stoch_grad_i``)
    or n copies of the problem's objective (``flipped``: on flipped labels)."""
    if per_worker:
        if full:
            return _Source(problem.stoch_grad_i, problem.grad_i, None)
        return _Source(
            problem.stoch_grad_i, None, BlockSampler(PerWorkerSamples(problem), generators, n)
        )
    oracle = problem.stoch_grad_flipped if flipped else problem.stoch_grad

    def sampled(x: np.ndarray, z: np.ndarray) -> np.ndarray:
        return oracle(x[:, None, :], z)

    def exact(x: np.ndarray) -> np.ndarray:
        g = np.asarray(problem.grad(x), dtype=np.float64)
        return np.repeat(g[:, None, :], n, axis=1)

    if full:
        return _Source(sampled, exact, None)
    return _Source(sampled, None, BlockSampler(problem, generators, n))


def _spec_or_object(resolved: Any, given: Any, make: Callable[[str], Any]) -> Any:
    """What ``trace.config`` records for a component: its spec string when ``make(spec)``
    rebuilds it (a registered rule), else the object the caller passed (a plug-in)."""
    try:
        rebuilt = make(resolved.spec).spec
    except ValueError:
        rebuilt = None
    return resolved.spec if rebuilt == resolved.spec else given


def _record(
    out: dict[str, np.ndarray],
    j: int,
    problem: Problem,
    x: np.ndarray,
    d_hat: np.ndarray,
    honest: np.ndarray,
) -> None:
    """Fill column j of each recorded metric (see :class:`Trace`).

    The problem's ``value`` and ``grad`` are called once on all seeds: the :class:`Problem`
    protocol asks that each row of their result depend only on that row (the ``problems``
    classes compute row by row), so a seed's trace does not depend on its batch.
    """
    mean_h = honest.mean(axis=1)
    if "subopt" in out:
        out["subopt"][:, j] = problem.value(x) - problem.f_star
    if "agg_err" in out:
        out["agg_err"][:, j] = _sqnorm(d_hat - mean_h)
    if "est_err" in out:
        out["est_err"][:, j] = _sqnorm(d_hat - problem.grad(x))
    if "honest_spread" in out:
        out["honest_spread"][:, j] = _sqnorm(honest - mean_h[:, None, :]) / honest.shape[1]
    if "dist" in out:
        out["dist"][:, j] = _sqnorm(x - problem.x_star)


def _sqnorm(v: np.ndarray) -> np.ndarray:
    """Σ of squares over every axis but the first (seeds): ``[S, ...] -> [S]``, one reduction
    per seed over a contiguous row of fixed length, so a seed's value cannot depend on how many
    seeds share the array: numpy reduces the last axis of a C-contiguous, aligned float64 array
    without buffering, calling its (pairwise) add loop once per row with that row's length,
    exactly as for the row alone (no Python loop over seeds)."""
    sq = np.ascontiguousarray((v * v).reshape(v.shape[0], -1))
    return np.asarray(np.add.reduce(sq, axis=1))
