"""L2-regularised logistic regression as a finite sum (docs/theory.md §1, "Logistic regression")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from ._ball import BallProblem
from ._checks import RngLike, check_features_labels, check_int, check_real, readonly
from ._linalg import matvec, rowdot, rowmat, vecmat
from ._logistic_solve import LogisticSolution, NewtonSolution, cross_check, newton_solve

if TYPE_CHECKING:
    from .logistic_split import LogisticSplit


class Logistic(BallProblem):
    r"""f(x) = (1/N) Σ_i log(1 + exp(−y_i a_iᵀx)) + (λ/2)‖x‖², labels y_i ∈ {±1}.

    A sample is a minibatch of ``batch`` row indices drawn uniformly with replacement; the
    stochastic gradient is the minibatch mean of ∇f(x; i) = −y_i a_i·s(−y_i a_iᵀx) + λx
    (s = logistic sigmoid), an unbiased estimate of ∇f(x).

    Constants (valid upper bounds, docs/theory.md §1; b = batch):
    L = λ_max(AᵀA)/(4N) + λ,  σ² = (1/N)Σ‖a_i‖² / b,  σ_L² = (1/N)Σ‖a_i‖⁴/16 / b.

    x* has no closed form. Construction solves it by damped Newton to ‖∇f(x*)‖ ≤ 1e-10 with
    numpy and scipy only, and certifies it by strong convexity (f is λ-strongly convex): the
    exact minimiser lies within ``x_star_error_bound`` = (‖∇f(x)‖ + rounding)/λ of the ``x_star``
    used here (about 1e-8 or less; see :mod:`problems._logistic_solve` for the derivation, also
    over a ball). ``newton`` keeps the report (:class:`problems.NewtonSolution`). cvxpy is only
    an independent cross-check: ``solution`` (computed on first access, needs cvxpy) solves the
    problem again as an exponential-cone program and checks that both points lie within their
    certificates of each other (:func:`problems.solve_logistic`).

    Parameters
    ----------
    features : array [N, d]
    labels : array [N] with values ±1
    reg : float
        λ > 0.
    batch : int
        Minibatch size b ≥ 1.
    center, radius, x0 :
        Ball domain (default centre 0, radius max(1, 2‖x* − c‖)) and starting point.

    Samples are integer row indices, shape ``[*shape, batch]``.
    """

    name = "logistic"

    def __init__(
        self,
        features: object,
        labels: object,
        *,
        reg: float = 1e-2,
        batch: int = 1,
        center: object | None = None,
        radius: float | None = None,
        x0: object | None = None,
        name: str = "logistic",
    ) -> None:
        a, y = check_features_labels(features, labels)
        self.features = readonly(a)
        self.labels = readonly(y)
        self.reg = check_real("reg", reg, low=0.0, strict=True)
        self.batch = check_int("batch", batch, low=1)
        self.name = name
        self.n_samples = a.shape[0]
        self.newton: NewtonSolution = newton_solve(a, y, self.reg)
        self.x_star = readonly(self.newton.x.copy())
        self.x_star_error_bound = float(self.newton.error_bound)
        self._solution: LogisticSolution | None = None
        self.f_star = float(self.value(self.x_star))
        self._set_domain(center, radius, x0)
        gap = float(np.linalg.norm(self.x_star - self.center))
        if not self.radius > gap + self.x_star_error_bound:
            raise ValueError(
                f"radius must exceed ‖x* − center‖ + x_star_error_bound = "
                f"{gap + self.x_star_error_bound:.6g} so that the exact x* lies inside the ball; "
                f"got {self.radius!r}"
            )
        n = self.n_samples
        sq_norms = np.einsum("ij,ij->i", a, a)
        self.L = float(np.linalg.eigvalsh(a.T @ a)[-1] / (4.0 * n) + self.reg)
        self.sigma2 = float(sq_norms.mean() / self.batch)
        self.sigma_L2 = float((sq_norms**2).mean() / 16.0 / self.batch)

    @classmethod
    def synthetic(
        cls,
        n_samples: int,
        dim: int,
        *,
        reg: float = 1e-2,
        batch: int = 1,
        radius: float | None = None,
        rng: RngLike = 0,
    ) -> Logistic:
        """A planted, non-separable instance: a_i ~ N(0, I/d) (so ‖a_i‖ ≈ 1), a planted
        x_true of norm 3, y_i = +1 with probability s(a_iᵀx_true), else −1."""
        n_samples = check_int("n_samples", n_samples, low=2)
        dim = check_int("dim", dim, low=1)
        gen = np.random.default_rng(rng)
        a = gen.standard_normal((n_samples, dim)) / np.sqrt(dim)
        direction = gen.standard_normal(dim)
        x_true = 3.0 * direction / np.linalg.norm(direction)
        y = np.where(gen.random(n_samples) < expit(a @ x_true), 1.0, -1.0)
        return cls(a, y, reg=reg, batch=batch, radius=radius, name="logistic")

    @classmethod
    def breast_cancer(
        cls, *, reg: float = 1e-2, batch: int = 1, radius: float | None = None
    ) -> Logistic:
        """Wisconsin breast-cancer data (569 × 30, shipped offline by scikit-learn), features
        standardised to zero mean and unit variance, labels malignant → −1, benign → +1.

        Needs the ``data`` extra: ``pip install 'byzsco[data]'``.
        """
        try:
            from sklearn.datasets import load_breast_cancer
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "Logistic.breast_cancer needs scikit-learn: pip install 'byzsco[data]'"
            ) from exc
        data = load_breast_cancer()
        x = np.asarray(data.data, dtype=np.float64)
        x = (x - x.mean(axis=0)) / x.std(axis=0)
        y = np.where(np.asarray(data.target) == 1, 1.0, -1.0)
        return cls(x, y, reg=reg, batch=batch, radius=radius, name="breast_cancer")

    def split(
        self,
        h: int,
        *,
        by: str = "dirichlet",
        alpha: float = 1.0,
        rng: RngLike = 0,
        min_size: int = 1,
    ) -> LogisticSplit:
        """This data set split across h honest workers (docs/theory.md §7):
        ``by`` = "dirichlet" (label skew, Dirichlet(α) per class), "quantity" (shard sizes
        Dirichlet(α)) or "iid"; λ and the batch size are kept. Returns a
        :class:`problems.LogisticSplit`, whose f_H is the equal-weight mean of the workers'
        losses (so its x* differs from this problem's when shard sizes differ)."""
        from .logistic_split import SPLITS, LogisticSplit

        if by not in SPLITS:
            raise ValueError(f"by must be one of {list(SPLITS)}; got {by!r}")
        common = dict(rng=rng, reg=self.reg, batch=self.batch, min_size=min_size)
        if by == "iid":
            return LogisticSplit.iid(self.features, self.labels, h, **common)  # type: ignore[arg-type]
        build = LogisticSplit.dirichlet if by == "dirichlet" else LogisticSplit.quantity
        return build(self.features, self.labels, h, alpha=alpha, **common)  # type: ignore[arg-type]

    @property
    def solution(self) -> LogisticSolution:
        """Newton's x* cross-checked against cvxpy (:func:`problems.solve_logistic`).

        Computed on first access and cached. Raises ``ImportError`` when cvxpy is not installed
        and ``RuntimeError`` when the two solvers disagree beyond their certificates.
        """
        if self._solution is None:
            self._solution = cross_check(self.features, self.labels, self.reg, self.newton)
        return self._solution

    def _margins(self, x: np.ndarray) -> np.ndarray:
        """y_i a_iᵀx for every row i: ``x[..., d] -> [..., N]`` (one ``gemv`` per row of x)."""
        return rowmat(np.asarray(x, dtype=np.float64), self.features.T) * self.labels

    def value(self, x: np.ndarray) -> np.ndarray:
        """f(x) for ``x[..., d]``; returns ``[...]`` (log(1 + e^{−m}) via ``logaddexp``).

        Row by row (:mod:`problems._linalg`), so a row's value does not depend on its batch.
        """
        x = np.asarray(x, dtype=np.float64)
        loss = np.logaddexp(0.0, -self._margins(x)).mean(axis=-1)
        return loss + 0.5 * self.reg * rowdot(x, x)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """∇f(x) = −(1/N) Σ y_i a_i s(−y_i a_iᵀx) + λx for ``x[..., d]``; returns ``[..., d]``."""
        x = np.asarray(x, dtype=np.float64)
        coef = -self.labels * expit(-self._margins(x))
        return rowmat(coef, self.features) / self.n_samples + self.reg * x

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Uniform row indices with replacement; returns int64 ``[*shape, batch]``."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return rng.integers(0, self.n_samples, size=(*shape, self.batch))

    def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """Minibatch gradient: ``x[..., d]`` and ``samples[..., batch]`` broadcast; ``[..., d]``."""
        return self._minibatch_grad(x, samples, self.labels)

    def stoch_grad_flipped(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """The minibatch gradient with every label flipped, y → −y: what a label-flipping
        Byzantine worker computes (docs/theory.md §3)."""
        return self._minibatch_grad(x, samples, -self.labels)

    def _minibatch_grad(self, x: np.ndarray, samples: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """(1/b) Σ_j −y_j a_j s(−y_j a_jᵀx) + λx over the b rows of each minibatch.

        Per minibatch one BLAS product ``[b, d] @ [d]`` for the margins and one ``[b] @ [b, d]``
        for the sum (:mod:`problems._linalg`), so a minibatch's gradient does not depend on the
        batch of minibatches it is evaluated in.
        """
        x = np.asarray(x, dtype=np.float64)
        a = self.features[samples]  # [..., b, d]
        y = labels[samples]  # [..., b]
        margins = y * matvec(a, x)
        coef = -y * expit(-margins) / self.batch
        return vecmat(coef, a) + self.reg * x
