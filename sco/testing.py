"""Public conformance suites for every kind of plug-in (in the spirit of scikit-learn's
``check_estimator``): aggregators, attacks, estimators and problems.

Each suite is a generator of individually named :class:`Check` objects (``aggregator_checks``,
``attack_checks``, ``estimator_checks``, ``problem_checks``); the ``check_*`` functions run every
check of their suite and raise the first :class:`ConformanceError` (an ``AssertionError`` whose
message starts with the check's name, e.g. ``[no-mutation]``), else return a :class:`Report`.
A check that does not apply is *skipped with its reason*, never silently dropped: it shows in
``Report.skipped`` (and as a pytest skip under :func:`parametrize_with_checks`). No check uses a
bare ``assert``, so the suites also fail under ``python -O``.

``worker_arrays`` gives hypothesis strategies for worker arrays. hypothesis and pytest are
imported only inside the functions that need them, so ``import sco`` never needs either.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import numpy as np
from scipy.special import ndtri

from .aggregators import Aggregator, AggregatorLike, resolve
from .attacks import Attack
from .attacks import resolve as resolve_attack
from .estimators import Estimator, Message
from .estimators import resolve as resolve_estimator
from .robustness import worst_ratio, worst_subset_ratio
from .seeds import SeedStack

# ---------------------------------------------------------------------------------------------
# The check machinery
# ---------------------------------------------------------------------------------------------


class ConformanceError(AssertionError):
    """A conformance check failed. ``check`` is the check's name (e.g. ``"no-mutation"``),
    ``subject`` the object under test; the message reads ``[check] subject: what failed``."""

    def __init__(self, check: str, subject: str, message: str) -> None:
        super().__init__(f"[{check}] {subject}: {message}")
        self.check = check
        self.subject = subject
        self.detail = message


class SkipCheck(Exception):
    """Raised inside a check function when the check turns out not to apply."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Result:
    """The outcome of one check that did not fail: ``status`` is "passed" or "skipped"."""

    name: str
    status: Literal["passed", "skipped"]
    reason: str = ""
    info: Mapping[str, Any] = field(default_factory=dict)


def Skipped(name: str, reason: str) -> Result:
    """A skipped :class:`Result`."""
    return Result(name, "skipped", reason)


@dataclass(frozen=True)
class Check:
    """One named conformance check of one object.

    ``fn()`` raises :class:`ConformanceError` on failure, may raise :class:`SkipCheck`, and may
    return a mapping of information (kept in the :class:`Result`). ``skip`` is a reason known
    before running (the check does not apply to this object).
    """

    name: str
    fn: Callable[[], Mapping[str, Any] | None]
    subject: str = ""
    skip: str | None = None

    def run(self) -> Result:
        """Run the check: a passed or skipped :class:`Result`, or raise ConformanceError."""
        if self.skip is not None:
            return Skipped(self.name, self.skip)
        try:
            info = self.fn()
        except SkipCheck as s:
            return Skipped(self.name, s.reason)
        return Result(self.name, "passed", info=dict(info or {}))

    __call__ = run

    def __repr__(self) -> str:
        return f"Check({self.subject}-{self.name})"


@dataclass(frozen=True)
class Report:
    """What a ``check_*`` function ran: every result, in order."""

    subject: str
    results: tuple[Result, ...]

    @property
    def checks(self) -> tuple[str, ...]:
        """Names of the checks that ran and passed."""
        return tuple(r.name for r in self.results if r.status == "passed")

    @property
    def skipped(self) -> dict[str, str]:
        """Name → reason of every skipped check."""
        return {r.name: r.reason for r in self.results if r.status == "skipped"}

    def info(self, name: str) -> Mapping[str, Any]:
        for r in self.results:
            if r.name == name:
                return r.info
        raise KeyError(name)


@dataclass(frozen=True)
class Conformance(Report):
    """What :func:`check_aggregator` ran and found (a :class:`Report` with the κ probe)."""

    m: int = 0
    f: int = 0
    kappa: float | None = None  # declared κ(m, f), or None
    worst_ratio: float = float("nan")  # largest realised ‖A − x̄_S‖²/V_S (S = honest rows)
    worst_attack: str = ""  # the attack that produced it

    @property
    def spec(self) -> str:
        return self.subject

    @property
    def worst_over_kappa(self) -> float | None:
        return None if self.kappa is None else self.worst_ratio / max(self.kappa, 1e-300)


def run_checks(checks: Iterable[Check], subject: str = "") -> Report:
    """Run ``checks`` in order; raise the first :class:`ConformanceError`, else a Report."""
    results = tuple(c.run() for c in checks)
    return Report(subject, results)


def _fail(check: str, subject: str, message: str) -> ConformanceError:
    return ConformanceError(check, subject, message)


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _close(a: Any, b: Any, rtol: float, atol: float = 0.0) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _z(alpha: float) -> float:
    """The one-sided standard-normal quantile z with P(Z > z) = alpha."""
    return float(-ndtri(alpha))


# ---------------------------------------------------------------------------------------------
# Aggregators
# ---------------------------------------------------------------------------------------------


def _call(agg: Aggregator, x: np.ndarray, f: int, seed: int = 0) -> np.ndarray:
    # a copy: a mutating rule fails "no-mutation" without corrupting the data of other checks
    return agg(np.array(x), f=f, rng=np.random.default_rng(seed))


def aggregator_checks(
    agg: AggregatorLike,
    *,
    m: int = 11,
    f: int = 2,
    d: int = 5,
    rng: Any = 0,
    n_instances: int = 32,
    rtol: float = 1e-10,
) -> Iterator[Check]:
    """The aggregator suite, one :class:`Check` at a time (see :func:`check_aggregator`)."""
    a = resolve(agg)
    s = a.spec
    gen = np.random.default_rng(rng)
    x = gen.standard_normal((m, d)) + gen.standard_normal(d)
    stack = gen.standard_normal((3, 2, m, d))
    stack[1, 0] = x
    perm = gen.permutation(m)
    shift = 10.0 * gen.standard_normal(d)
    scale = float(np.abs(x).max())
    tol = max(rtol, a.rtol) * max(scale, 1.0)
    probe_seed = int(gen.integers(2**63))

    def shape() -> None:
        """A(x[m, d]) has shape [d]."""
        out = _call(a, x.copy(), f)
        if np.shape(out) != (d,):
            raise _fail("shape", s, f"output shape {np.shape(out)} != ({d},)")

    def no_mutation() -> None:
        """The input array is unchanged by the call."""
        y = x.copy()
        a(y, f=f, rng=np.random.default_rng(0))
        if not _same(y, x):
            raise _fail("no-mutation", s, "the input was mutated")

    def batching() -> None:
        """A(x[None])[0] == A(x) bit for bit, and a [3, 2, m, d] batch gives [3, 2, d]."""
        if not _same(_call(a, x[None], f)[0], _call(a, x, f)):
            raise _fail("batching", s, "A(x[None])[0] != A(x)")
        batched = _call(a, stack, f)
        if np.shape(batched) != (3, 2, d):
            raise _fail("batching", s, f"batched output shape {np.shape(batched)} != (3, 2, {d})")

    def batch_loop() -> None:
        """Each element of a stacked batch equals the same call alone, bit for bit."""
        batched = _call(a, stack, f)
        for idx in np.ndindex(3, 2):
            if not _same(batched[idx], _call(a, stack[idx], f)):
                raise _fail(
                    "batch-equals-loop", s, f"batch element {idx} differs from the same call alone"
                )

    def determinism() -> None:
        """Two calls with the same seed give the same output, bit for bit."""
        if not _same(_call(a, x, f, 7), _call(a, x, f, 7)):
            raise _fail("determinism", s, "two calls with the same rng seed differ")

    def permutation() -> None:
        """A(x[π]) = A(x) to rtol (scaled by the data) for a random row permutation π."""
        diff = float(np.abs(_call(a, x[perm], f) - _call(a, x, f)).max())
        if not diff <= tol:
            raise _fail(
                "permutation-invariance", s, f"not permutation invariant (max diff {diff:.3g})"
            )

    def translation() -> None:
        """A(x + c) = A(x) + c to 10·rtol (scaled) for a random shift c of scale 10."""
        diff = float(np.abs(_call(a, x + shift, f) - (_call(a, x, f) + shift)).max())
        if not diff <= tol * 10:
            raise _fail(
                "translation-equivariance", s, f"not translation equivariant (max diff {diff:.3g})"
            )

    def non_finite() -> None:
        """With f rows of NaN, +Inf, −Inf, 1e300 or a mix, the output stays finite."""
        g = np.random.default_rng(probe_seed)
        for bad in (np.nan, np.inf, -np.inf, 1e300):
            y = x.copy()
            y[g.choice(m, f, replace=False)] = bad
            if not np.all(np.isfinite(_call(a, y, f))):
                raise _fail("non-finite-rows", s, f"non-finite output with f rows = {bad}")
        y = x.copy()
        y[g.choice(m, f, replace=False)] = np.array([np.nan, np.inf, -np.inf, 1e300, 1.0])[
            g.integers(0, 5, (f, d))
        ]
        if not np.all(np.isfinite(_call(a, y, f))):
            raise _fail("non-finite-rows", s, "non-finite output, mixed rows")

    kappa = a.kappa(m, f)

    def declared_kappa() -> dict[str, Any]:
        """On random and adversarial instances (every attack of docs/theory.md §3, including
        the adaptive search against the rule) the realised ratio ‖A − x̄_S‖²/V_S for S = the
        honest rows, and for every S of size m − f on small instances (m ≤ 12), never exceeds
        the declared κ(m, f)."""
        if kappa is None:
            raise SkipCheck("no κ declared")
        g = np.random.default_rng(probe_seed)
        probe = worst_ratio(a, m, f, d, g, n_instances)
        if not probe.ratio <= kappa * (1 + 1e-9) + 1e-12:
            raise _fail(
                "declared-kappa",
                s,
                f"realised ratio {probe.ratio:.6g} > κ = {kappa:.6g} ({probe.attack})",
            )
        if m <= 12:
            small = g.standard_normal((8, m, d))
            small[:, m - f :] *= 20.0
            r = worst_subset_ratio(_call(a, small, f), small, f)
            if not np.all(r <= kappa * (1 + 1e-9) + 1e-12):
                raise _fail(
                    "declared-kappa",
                    s,
                    f"realised ratio {r.max():.6g} > κ = {kappa:.6g} for some S of size m − f",
                )
        return {"worst_ratio": probe.ratio, "worst_attack": probe.attack}

    yield Check("shape", shape, s)
    yield Check("no-mutation", no_mutation, s)
    yield Check("batching", batching, s)
    rand = "randomised rule: the draws depend on the batch layout" if a.randomized else None
    yield Check("batch-equals-loop", batch_loop, s, rand)
    yield Check("determinism", determinism, s)
    yield Check(
        "permutation-invariance",
        permutation,
        s,
        "randomised rule: invariant in distribution only" if a.randomized else None,
    )
    yield Check(
        "translation-equivariance",
        translation,
        s,
        None if a.translation_equivariant else "translation equivariance not declared",
    )
    skip_nf = None
    if not a.robust:
        skip_nf = "robustness to non-finite rows not declared (robust=False)"
    elif f == 0:
        skip_nf = "f = 0: no Byzantine rows"
    yield Check("non-finite-rows", non_finite, s, skip_nf)
    skip_k = None
    if kappa is None:
        skip_k = (
            f"m = {m} < min_workers(f) = {a.min_workers(f)}"
            if m < a.min_workers(f)
            else "no κ declared (a plain callable declares none; register it with kappa=)"
        )
    yield Check("declared-kappa", declared_kappa, s, skip_k)


@overload
def check_aggregator(
    agg: AggregatorLike, *, generate_only: Literal[True], **kw: Any
) -> Iterator[Check]: ...
@overload
def check_aggregator(
    agg: AggregatorLike, *, generate_only: Literal[False] = ..., **kw: Any
) -> Conformance: ...
def check_aggregator(
    agg: AggregatorLike, *, generate_only: bool = False, **kw: Any
) -> Conformance | Iterator[Check]:
    """Run the aggregator suite on ``agg`` (keywords m=11, f=2, d=5, rng=0, n_instances=32,
    rtol=1e-10) and raise the first :class:`ConformanceError`; ``generate_only=True`` returns
    the checks instead.

    Checks: ``shape`` (output [d]); ``no-mutation`` (input unchanged); ``batching``
    (``A(x[None])[0]`` equals ``A(x)`` bit for bit, a stacked batch has the batch shape);
    ``batch-equals-loop`` (each batch element equals the call alone, bit for bit; skipped for
    randomised rules); ``determinism`` (same seed, same output); ``permutation-invariance``
    (to ``rtol`` scaled by the data; skipped for randomised rules);
    ``translation-equivariance`` (when declared); ``non-finite-rows`` (finite output with f
    rows of NaN, ±Inf, 1e300 when declared robust and f > 0); ``declared-kappa`` (the realised
    ratio never exceeds κ(m, f) on random, adversarial and adaptive instances; skipped when no
    κ is declared).
    """
    checks = aggregator_checks(agg, **kw)
    if generate_only:
        return checks
    a = resolve(agg)
    m, f = int(kw.get("m", 11)), int(kw.get("f", 2))
    report = run_checks(checks, a.spec)
    info: Mapping[str, Any] = (
        report.info("declared-kappa") if "declared-kappa" in report.checks else {}
    )
    return Conformance(
        a.spec,
        report.results,
        m,
        f,
        a.kappa(m, f),
        float(info.get("worst_ratio", float("nan"))),
        str(info.get("worst_attack", "")),
    )


# ---------------------------------------------------------------------------------------------
# Attacks
# ---------------------------------------------------------------------------------------------


def attack_checks(
    attack: Any,
    *,
    h: int = 9,
    f: int = 2,
    d: int = 4,
    aggregator: AggregatorLike = "cwtm",
    rng: Any = 0,
) -> Iterator[Check]:
    """The attack suite, one :class:`Check` at a time (see :func:`check_attack`)."""
    atk: Attack = resolve_attack(attack)
    s = atk.spec
    gen = np.random.default_rng(rng)
    honest = gen.standard_normal((h, d)) + gen.standard_normal(d)
    stack = gen.standard_normal((3, h, d))
    stack[1] = honest
    randomised = "rng" in inspect.signature(atk.func).parameters

    def call(x: np.ndarray, ff: int = f, seed: Any = 11) -> np.ndarray:
        r = seed if not isinstance(seed, int) else np.random.default_rng(seed)
        return np.asarray(atk(x, f=ff, rng=r, aggregator=aggregator))

    def shape() -> None:
        """honest [h, d] gives [f, d]; honest [3, h, d] gives [3, f, d]."""
        for x, want in ((honest, (f, d)), (stack, (3, f, d))):
            got = np.shape(call(x.copy()))
            if got != want:
                raise _fail("shape", s, f"honest {x.shape} gave {got}, expected {want}")

    def no_mutation() -> None:
        """The honest array is unchanged, and the output is a fresh array (no view of it)."""
        y = honest.copy()
        out = call(y)
        if not _same(y, honest):
            raise _fail("no-mutation", s, "the honest messages were mutated")
        if np.shares_memory(out, y):
            raise _fail("no-mutation", s, "the output is a view of the honest messages")

    def batching() -> None:
        """A [3, h, d] batch equals each element alone, bit for bit (a randomised attack gets
        one generator per batch element through a SeedStack, as sco.simulate passes them)."""
        if randomised:
            batched = call(stack, seed=SeedStack([np.random.default_rng(k) for k in range(3)]))
            alone = [call(stack[k], seed=k) for k in range(3)]
        else:
            batched = call(stack)
            alone = [call(stack[k]) for k in range(3)]
        for k in range(3):
            if not _same(batched[k], alone[k]):
                raise _fail("batching", s, f"batch element {k} differs from the same call alone")

    def f_zero() -> None:
        """f = 0 gives an empty [..., 0, d] array."""
        for x in (honest, stack):
            got = np.shape(call(x, 0))
            if got != (*x.shape[:-2], 0, d):
                raise _fail("f-zero", s, f"f = 0 gave shape {got}")

    def determinism() -> None:
        """Two calls with generators of the same seed give the same output, bit for bit."""
        if not _same(call(honest, seed=5), call(honest, seed=5)):
            raise _fail("determinism", s, "two calls with the same rng seed differ")

    yield Check("shape", shape, s)
    yield Check("no-mutation", no_mutation, s)
    yield Check("batching", batching, s)
    yield Check("f-zero", f_zero, s)
    yield Check("determinism", determinism, s)


@overload
def check_attack(attack: Any, *, generate_only: Literal[True], **kw: Any) -> Iterator[Check]: ...
@overload
def check_attack(attack: Any, *, generate_only: Literal[False] = ..., **kw: Any) -> Report: ...
def check_attack(
    attack: Any, *, generate_only: bool = False, **kw: Any
) -> Report | Iterator[Check]:
    """Run the attack suite (keywords h=9, f=2, d=4, aggregator="cwtm", rng=0).

    Checks: ``shape`` ([..., h, d] → [..., f, d]); ``no-mutation`` (honest unchanged, output
    not a view of it); ``batching`` (batch == loop, bit for bit; per-element generators for
    randomised attacks); ``f-zero`` (f = 0 gives [..., 0, d]); ``determinism`` (same seed,
    same output).
    """
    checks = attack_checks(attack, **kw)
    return checks if generate_only else run_checks(checks, resolve_attack(attack).spec)


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


# ---------------------------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------------------------

_MEMBERS = (
    "dim x_star f_star x0 center radius L sigma2 sigmaL2 D sigma_tilde2 "
    "value grad sample stoch_grad project"
).split()


def _label(obj: Any) -> str:
    for attr in ("spec", "name"):
        v = getattr(obj, attr, None)
        if isinstance(v, str) and v:
            return v
    return getattr(obj, "__name__", type(obj).__name__)


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
        for name in ("L", "sigma2", "sigmaL2", "radius"):
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
            if lcb > p.sigmaL2 * (1 + 1e-9) + 1e-12:
                raise _fail(
                    "declared-sigmaL2",
                    s,
                    f"E‖Δg − Δ∇f‖²/‖x − y‖² ≈ {sq.mean():.6g} (lower bound {lcb:.6g}) > "
                    f"σ_L² = {p.sigmaL2:.6g}",
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
    yield Check("declared-sigmaL2", sigma_l2, s)


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
    ``declared-sigma2`` and ``declared-sigmaL2`` (Monte-Carlo one-sided lower confidence
    bounds must not exceed the declared σ², σ_L²). Monte-Carlo checks use seeded numpy
    Generators, so a run is reproducible; a correct problem fails one with probability ≤ alpha.
    """
    checks = problem_checks(problem, **kw)
    return checks if generate_only else run_checks(checks, _label(problem))


# ---------------------------------------------------------------------------------------------
# pytest
# ---------------------------------------------------------------------------------------------


def _suite_for(obj: Any, kind: str | None) -> tuple[str, Callable[..., Iterator[Check]]]:
    from .problem import Problem

    suites: dict[str, Callable[..., Iterator[Check]]] = {
        "aggregator": aggregator_checks,
        "attack": attack_checks,
        "estimator": estimator_checks,
        "problem": problem_checks,
    }
    if kind is None:
        kind = _kind_of(obj, Problem)
    if kind not in suites:
        raise ValueError(f"kind must be one of {sorted(suites)}; got {kind!r}")
    return kind, suites[kind]


def _kind_of(obj: Any, problem_type: type) -> str:
    """Which suite applies: by type; a spec string by the registry that builds it (aggregators,
    then attacks, then estimators); a plain callable by its signature (``honest`` → attack, no
    required parameter → estimator factory, else aggregator)."""
    if isinstance(obj, Attack):
        return "attack"
    if isinstance(obj, Estimator):
        return "estimator"
    if isinstance(obj, Aggregator):
        return "aggregator"
    if isinstance(obj, str):
        for kind, build in (
            ("aggregator", resolve),
            ("attack", resolve_attack),
            ("estimator", resolve_estimator),
        ):
            try:
                build(obj)
            except ValueError:
                continue
            return kind
        raise ValueError(f"{obj!r} names no aggregator, attack or estimator; pass kind=")
    if isinstance(obj, problem_type):
        return "problem"
    if callable(obj):
        params = inspect.signature(obj).parameters
        if "honest" in params:
            return "attack"
        required = [
            p
            for p in params.values()
            if p.default is inspect.Parameter.empty
            and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        return "estimator" if not required else "aggregator"
    raise ValueError(f"cannot tell which conformance suite applies to {obj!r}; pass kind=")


class _PytestCheck:
    """A check as a pytest parameter: calling it runs the check and turns a skip into
    ``pytest.skip(reason)``."""

    def __init__(self, check: Check, pytest: Any) -> None:
        self.check = check
        self._pytest = pytest
        self.name = check.name

    def __call__(self) -> Result:
        result = self.check.run()
        if result.status == "skipped":
            self._pytest.skip(f"{self.check.name}: {result.reason}")
        return result

    def __repr__(self) -> str:
        return repr(self.check)


def parametrize_with_checks(
    objs: Iterable[Any],
    *,
    expected_failures: Mapping[Any, str] | None = None,
    kind: str | None = None,
    **kw: Any,
) -> Any:
    """A ``pytest.mark.parametrize("obj, check", ...)`` decorator over every check of every
    object, with ids ``<obj>-<check>``. Use as::

        @parametrize_with_checks(["cwtm", my_rule], expected_failures={"declared-kappa": "why"})
        def test_conformance(obj, check):
            check()

    ``check()`` runs the check (a skip becomes ``pytest.skip`` with its reason).
    ``expected_failures`` maps a check name (every object), or a pair ``(obj, check)`` (obj
    the object itself or its label), to a reason; those become ``xfail(strict=True)`` expecting
    a :class:`ConformanceError`. The suite is chosen from each object's type (aggregators for
    strings and plain callables) unless ``kind`` is given; ``kw`` goes to the suite.
    """
    import pytest  # only here: test code already running under pytest; sco never needs it

    xfail = dict(expected_failures or {})
    used: set[Any] = set()
    params = []
    for obj in objs:
        _, suite = _suite_for(obj, kind)
        for check in suite(obj, **kw):
            label = check.subject or _label(obj)
            keys = [check.name, (label, check.name)]
            try:
                keys.append((obj, check.name))
            except TypeError:  # pragma: no cover - unhashable objects
                pass
            reason = None
            for key in keys:
                try:
                    hit = key in xfail
                except TypeError:
                    hit = False
                if hit:
                    reason = xfail[key]
                    used.add(key)
                    break
            marks = (
                [pytest.mark.xfail(strict=True, raises=ConformanceError, reason=reason)]
                if reason is not None
                else []
            )
            params.append(
                pytest.param(
                    obj, _PytestCheck(check, pytest), id=f"{label}-{check.name}", marks=marks
                )
            )
    unknown = [k for k in xfail if k not in used]
    if unknown:
        raise ValueError(f"expected_failures names no generated check: {unknown!r}")
    return pytest.mark.parametrize(("obj", "check"), params)


# ---------------------------------------------------------------------------------------------
# hypothesis
# ---------------------------------------------------------------------------------------------


def worker_arrays(
    *,
    m: tuple[int, int] = (3, 12),
    d: tuple[int, int] = (1, 6),
    batch: tuple[int, ...] = (),
    magnitude: float = 1e6,
) -> Any:
    """A hypothesis strategy for float64 worker arrays ``[*batch, m, d]`` with m and d drawn from
    the inclusive ranges, finite entries of absolute value ≤ ``magnitude`` (including exact
    ties and zeros)."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    elements = st.one_of(
        st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, 1.0, -1.0]),
    )
    shapes = st.tuples(st.integers(*m), st.integers(*d)).map(lambda md: (*batch, *md))
    return shapes.flatmap(lambda shape: hnp.arrays(np.float64, shape, elements=elements))


__all__ = [
    "Check",
    "Conformance",
    "ConformanceError",
    "Report",
    "Result",
    "SkipCheck",
    "Skipped",
    "aggregator_checks",
    "attack_checks",
    "check_aggregator",
    "check_attack",
    "check_estimator",
    "check_problem",
    "estimator_checks",
    "parametrize_with_checks",
    "problem_checks",
    "run_checks",
    "worker_arrays",
]
