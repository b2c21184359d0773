"""Estimators of docs/theory.md §4: a worker rule (what honest workers send) paired with a server
rule (how the aggregated message moves the iterate), each an ``(init, update)`` pair of pure
functions with a NamedTuple state (optax style).

- ``sgd()``: message ∇f(x_t; z_t); server x ← Π(x − η d̂).
- ``gd()``: message the exact ∇f_i(x_t) (no sampling); server x ← Π(x − η d̂): deterministic
  robust gradient descent (the estimator of claims H1–H3, docs/theory.md §7).
- ``momentum(beta=0.9)``: message an EMA with weight β; server x ← Π(x − η d̂).
- ``anytime_sgd()``: message ∇f(x_t; z_t); anytime averaging with α_t = t.
- ``storm(beta, offset)``: STORM with β_t = 1/(t + offset) or a constant β; anytime averaging.
- ``mu2sgd()``: STORM with β_t = 1/t; anytime averaging with α_t = t (Levy 2023; Dahan & Levy
  2024).
- ``mu2sgd_paper_code(rounding, floor, alpha_step)``: the authors' public code (§8): STORM with
  β_t = max(round(1/t, 3), .01); a constant step on w and γ_t = max(round(2/(t + 1), 3), .01).
- ``stand_still()``: message ∇f(x_t; z_t); x_{t+1} = x_t (the vacuity control).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .._registry import Registry
from .._spec import Spec, lookup
from .server import Iterate, ServerRule, anytime, anytime_paper_code, projected_sgd
from .server import stand_still as stand_still_server
from .worker import Message, WorkerEstimator, ema, exact, plain
from .worker import storm as storm_worker


class Estimator(NamedTuple):
    """A named algorithm: ``spec`` (canonical string), ``worker`` and ``server`` rules."""

    spec: str
    worker: WorkerEstimator
    server: ServerRule

    @property
    def name(self) -> str:
        return self.spec.split("(")[0]


def _check_beta(beta: object, *, allow_none: bool) -> float | None:
    if beta is None and allow_none:
        return None
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must be a number in [0, 1]; got {beta!r}")
    return float(beta)


def sgd() -> Estimator:
    """Memoryless SGD: d_t = ∇f(x_t; z_t), x_{t+1} = Π_K(x_t − η d̂_t)."""
    return Estimator("sgd", plain(), projected_sgd())


def gd() -> Estimator:
    """Full-gradient (robust) descent: d_t^i = ∇f_i(x_t) exactly, x_{t+1} = Π_K(x_t − η d̂_t).

    No sample is drawn, so a run is deterministic (every seed follows the same path unless the
    attack or the aggregator draws random numbers). On identical workers every honest message
    is ∇f(x_t); on a problem with per-worker objectives (:class:`sco.problem.WorkerProblem`),
    worker i sends its own ∇f_i(x_t)."""
    return Estimator("gd", exact(), projected_sgd())


def momentum(beta: float = 0.9) -> Estimator:
    """Worker momentum: d_t = β d_{t−1} + (1 − β)∇f(x_t; z_t), x_{t+1} = Π_K(x_t − η d̂_t)."""
    b = _check_beta(beta, allow_none=False)
    assert b is not None
    return Estimator(f"momentum(beta={beta})", ema(b), projected_sgd())


def anytime_sgd() -> Estimator:
    """SGD messages with anytime averaging of the query points (α_t = t)."""
    return Estimator("anytime_sgd", plain(), anytime())


def storm(beta: float | None = None, offset: int = 0) -> Estimator:
    """STORM messages with anytime averaging. β_t = 1/(t + offset) when ``beta`` is None
    (offset 0 is μ²-SGD; offset 1 is the off-by-one of claim E0's negative control), else the
    constant β (β = 1 gives anytime SGD: the negative control of claim E1)."""
    b = _check_beta(beta, allow_none=True)
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f"offset must be an integer >= 0; got {offset!r}")
    if b is not None and offset:
        raise ValueError("give either a constant beta or an offset of the 1/(t + offset) schedule")
    schedule = (lambda t: 1.0 / (t + offset)) if b is None else (lambda t: b)
    spec = "storm"
    if b is not None:
        spec = f"storm(beta={beta})"
    elif offset:
        spec = f"storm(offset={offset})"
    return Estimator(spec, storm_worker(schedule), anytime())


def mu2sgd() -> Estimator:
    """μ²-SGD (Levy 2023; Byzantine version Dahan & Levy 2024): STORM with β_t = 1/t and
    anytime averaging with α_t = t, w_{t+1} = Π_K(w_t − η α_t d̂_t)."""
    return Estimator("mu2sgd", storm_worker(lambda t: 1.0 / t), anytime())


def paper_code_beta(t: int, *, rounding: bool, floor: float) -> float:
    """β_t of the authors' code (docs/theory.md §8): max(round(1/t, 3), floor) with
    ``rounding`` (Python's correctly rounded ``round``), else max(1/t, floor)."""
    b = 1.0 / t
    return max(round(b, 3) if rounding else b, floor)


def mu2sgd_paper_code(
    rounding: bool = True, floor: float = 0.01, alpha_step: bool = False
) -> Estimator:
    """μ²-SGD as the authors' public code runs it (docs/theory.md §8), for reproduction only.

    Workers: STORM with β_t = max(round(1/t, 3), floor); server: a constant step on w and
    x_{t+1} = (1 − γ_t)x_t + γ_t w_{t+1}, γ_t = max(round(2/(t + 1), 3), floor), so x_2 = w_2.

    - defaults (``rounding=True, floor=0.01``): the CTMA paper's code;
    - ``rounding=False, floor=0``: the μ²-SGD repository's optimiser (β_t = 1/t, γ_t = 2/(t + 1));
    - ``alpha_step=True``: w steps with η·t (the α_t-weighted step of §4) instead of η.

    Differs from :func:`mu2sgd` from x_2 on (there γ_t = 2/(t + 2) and w steps with η·t).
    """
    if not isinstance(rounding, bool) or not isinstance(alpha_step, bool):
        raise ValueError(
            f"rounding and alpha_step must be True or False; got {rounding!r}, {alpha_step!r}"
        )
    if isinstance(floor, bool) or not isinstance(floor, (int, float)) or not 0.0 <= floor <= 1.0:
        raise ValueError(f"floor must be a number in [0, 1]; got {floor!r}")
    floor = float(floor)
    params = []
    if not rounding:
        params.append("rounding=False")
    if floor != 0.01:
        params.append(f"floor={floor!r}")
    if alpha_step:
        params.append("alpha_step=True")
    spec = "mu2sgd_paper_code" + (f"({', '.join(params)})" if params else "")
    return Estimator(
        spec,
        storm_worker(lambda t: paper_code_beta(t, rounding=rounding, floor=floor)),
        anytime_paper_code(rounding=rounding, floor=floor, alpha_step=alpha_step),
    )


def stand_still() -> Estimator:
    """An optimiser that never moves: workers send SGD messages, the server keeps x_1.
    Upper bounds on suboptimality must reject it (the vacuity control of docs/theory.md §5)."""
    return Estimator("stand_still", plain(), stand_still_server())


REGISTRY: Registry[Callable[..., Estimator]] = Registry("estimator")


def register(
    name: str, factory: Callable[..., Estimator], *, reference: str = "", replace: bool = False
) -> Callable[..., Estimator]:
    """Register an estimator ``factory(**params) -> Estimator`` under ``name``, so that
    ``make("name(param=...)")``, TOML sweeps and ``sco list`` know it; an existing name raises
    unless ``replace=True``. Returns ``factory``."""
    if not callable(factory):
        raise ValueError(f"estimator {name!r}: factory must be callable; got {factory!r}")
    REGISTRY.register(name, factory, replace=replace, reference=reference)
    return factory


def unregister(name: str) -> None:
    """Remove a registered estimator."""
    REGISTRY.unregister(name)


for _factory in (sgd, gd, momentum, anytime_sgd, storm, mu2sgd, mu2sgd_paper_code, stand_still):
    register(_factory.__name__, _factory)


def names() -> list[str]:
    """Names accepted by :func:`make`."""
    return REGISTRY.names()


def make(spec: str | Spec) -> Estimator:
    """Build an estimator from a spec string: ``"mu2sgd"``, ``"momentum(beta=0.9)"``,
    ``"storm(beta=1)"``; unknown names or parameters raise ``ValueError``."""
    _, factory, kwargs = lookup("estimator", spec, REGISTRY, set())
    return factory(**kwargs)


def resolve(estimator: object) -> Estimator:
    """An :class:`Estimator` from a spec string, an Estimator, or a plain callable taking no
    arguments that returns one (a factory such as ``sco.estimators.mu2sgd`` or a user's)."""
    if isinstance(estimator, Estimator):
        return estimator
    if isinstance(estimator, str):
        return make(estimator)
    if callable(estimator):
        try:
            built = estimator()
        except TypeError as err:
            raise ValueError(
                f"a callable estimator must build an Estimator with no arguments; {err}"
            ) from None
        if isinstance(built, Estimator):
            return built
        raise ValueError(f"estimator factory {estimator!r} returned {built!r}, not an Estimator")
    raise ValueError(
        f"estimator must be a spec string, an Estimator or a factory of one; got {estimator!r}"
    )


__all__ = [
    "Estimator",
    "Iterate",
    "Message",
    "ServerRule",
    "WorkerEstimator",
    "anytime_sgd",
    "gd",
    "make",
    "momentum",
    "mu2sgd",
    "mu2sgd_paper_code",
    "names",
    "register",
    "resolve",
    "sgd",
    "stand_still",
    "storm",
    "unregister",
]
