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
