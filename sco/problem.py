"""The structural interface ``sco.simulate`` expects of a problem (docs/architecture.md §1–§2).

``sco`` never imports ``problems``; any object with these members works, including the
classes of the ``problems`` package, which satisfy it structurally.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Problem(Protocol):
    """A convex, L-smooth objective on a ball K with known optimum and constants.

    Shapes: ``x[..., d]``; samples ``[..., *sample_shape]`` as returned by ``sample``.
    """

    @property
    def dim(self) -> int: ...

    @property
    def x_star(self) -> np.ndarray: ...

    @property
    def f_star(self) -> float: ...

    @property
    def x0(self) -> np.ndarray: ...

    @property
    def center(self) -> np.ndarray: ...

    @property
    def radius(self) -> float: ...

    @property
    def L(self) -> float: ...

    @property
    def sigma2(self) -> float: ...

    @property
    def sigma_L2(self) -> float: ...

    @property
    def D(self) -> float: ...

    @property
    def sigma_tilde2(self) -> float: ...

    def value(self, x: np.ndarray) -> np.ndarray: ...

    def grad(self, x: np.ndarray) -> np.ndarray: ...

    def sample(self, rng: np.random.Generator, shape: Any = ()) -> np.ndarray:
        """Draw samples ``[*shape, ...]``. Must be block consistent: ``sample(rng, (K, n))``
        consumes the same random numbers, in the same order, as K consecutive calls
        ``sample(rng, (n,))`` and equals them up to rounding (a BLAS product over the whole block
        may round a row differently); and the result must depend only on the generator's state
        and ``shape``: ``sco.simulate`` draws each seed's samples in blocks of one fixed shape,
        which is what keeps a seed bit-identical alone or in a batch. Likewise each row of
        ``stoch_grad``, ``value`` and ``grad`` must depend only on that row's inputs."""
        ...

    def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray: ...

    def project(self, x: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class WorkerProblem(Problem, Protocol):
    """A :class:`Problem` whose h honest workers hold different objectives f_1..f_h
    (docs/theory.md §7); ``value``, ``grad``, ``x_star`` and the constants are those of their
    mean f_H = (1/h) Σ_i f_i, which ``sco.simulate`` minimises and measures.

    ``sco.simulate`` recognises it by the members below (all four present) and then needs
    m − f = ``h``: honest worker i draws from its own objective and sends its own estimator's
    message. Shapes: ``x[..., d]``; per-worker samples ``[..., h, *sample_shape]``.
    """

    @property
    def h(self) -> int: ...

    def sample_workers(self, rng: np.random.Generator, shape: Any = ()) -> np.ndarray:
        """Samples of every worker, ``[*shape, h, ...]``: worker i's are drawn from its own
        data. Block consistent and dependent only on the generator and ``shape``, as
        :meth:`Problem.sample`."""
        ...

    def stoch_grad_i(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """∇f_i(x; z_i) for every worker i: ``x[..., d]``, ``samples[..., h, ...]`` ->
        ``[..., h, d]``, each row depending only on its own inputs."""
        ...

    def grad_i(self, x: np.ndarray) -> np.ndarray:
        """The exact ∇f_i(x) of every worker: ``x[..., d]`` -> ``[..., h, d]`` (what the
        full-gradient estimator ``gd`` sends)."""
        ...


def is_worker_problem(problem: object) -> bool:
    """True when ``problem`` has the per-worker members of :class:`WorkerProblem` (an integer
    ``h``, not a bool)."""
    h = getattr(problem, "h", None)
    methods = ("sample_workers", "stoch_grad_i", "grad_i")
    return (
        all(callable(getattr(problem, name, None)) for name in methods)
        and isinstance(h, (int, np.integer))
        and not isinstance(h, bool)
    )
