"""The bounds of docs/theory.md as sympy expressions, with numeric evaluation and local slopes.

Every :class:`Bound` carries its reference (the docs/theory.md statement and the paper it comes
from) and its kind: ``"upper"`` (a guarantee that measured values must not exceed), ``"exact"`` (an
identity) or ``"order"`` (a rate known up to constants).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from sco._registry import Registry

m, f, T, t, eta, L, D = sp.symbols("m f T t eta L D", positive=True)
sigma2, sigma_L2, kappa, kappa_A, k = sp.symbols(
    "sigma2 sigma_L2 kappa kappa_A k", nonnegative=True
)

q = f / (m - 2 * f)
sigma_tilde2 = 2 * sigma2 + 8 * D**2 * sigma_L2
S_const = sp.sqrt(sigma_tilde2) * (sp.sqrt(kappa) + 1 / sp.sqrt(m - f))
SYMBOLS = {
    **{str(v): v for v in (m, f, T, t, eta, L, D, sigma2, sigma_L2, kappa, kappa_A, k)},
    "q": q,
    "sigma_tilde2": sigma_tilde2,
    "S": S_const,
}


@dataclass(frozen=True)
class Bound:
    """A named expression of docs/theory.md."""

    name: str
    expr: sp.Expr
    reference: str
    kind: str  # "upper" | "exact" | "order"

    @cached_property
    def symbols(self) -> list[str]:
        return sorted(str(s) for s in self.expr.free_symbols)

    def evaluate(self, **numbers: Any) -> Any:
        """The value at the given numbers (every free symbol must be given).

        Scalars give a float (evaluated exactly by sympy, then rounded once); if any number is
        an array, the expression is evaluated elementwise with numpy broadcasting and an array
        is returned (``evaluate(t=np.arange(1, 100), ...)``).
        """
        missing = [s for s in self.symbols if s not in numbers]
        if missing:
            raise ValueError(f"{self.name} needs values for {missing}")
        if any(np.ndim(numbers[s]) > 0 for s in self.symbols):
            args = [np.asarray(numbers[s], dtype=np.float64) for s in self.symbols]
            return np.asarray(self._numeric(*args), dtype=np.float64) * np.ones(
                np.broadcast_shapes(*(a.shape for a in args))
            )
        value = self.expr.xreplace({s: numbers[str(s)] for s in self.expr.free_symbols})
        return float(sp.N(value))

    @cached_property
    def _numeric(self) -> Any:
        syms = sorted(self.expr.free_symbols, key=str)
        return sp.lambdify(syms, self.expr, modules="numpy")

    def local_slope(self, wrt: str, at: dict[str, float]) -> float:
        """d log B / d log x at the point ``at`` (x = the symbol named ``wrt``)."""
        x = next((s for s in self.expr.free_symbols if str(s) == wrt), None)
        if x is None:
            raise ValueError(f"{self.name} does not depend on {wrt!r}; symbols: {self.symbols}")
        return Bound(self.name, x * sp.diff(self.expr, x) / self.expr, "", "order").evaluate(**at)

    def latex(self) -> str:
        return sp.latex(self.expr)

    def __str__(self) -> str:
        return f"{self.name}: {self.expr}  [{self.kind}; {self.reference}]"


ALLOUAH = "Allouah et al. 2023, Table 1 (docs/theory.md §2)"
BOUNDS: dict[str, Bound] = {
    "kappa_cwtm": Bound("kappa_cwtm", 6 * q * (1 + q), ALLOUAH, "upper"),
    "kappa_cwmed": Bound("kappa_cwmed", 4 * (1 + q) ** 2, ALLOUAH, "upper"),
    "kappa_gm": Bound("kappa_gm", 4 * (1 + q) ** 2, ALLOUAH, "upper"),
    "kappa_krum": Bound("kappa_krum", 6 * (1 + q), ALLOUAH + ", m ≥ 2f + 3", "upper"),
    "kappa_nnm": Bound("kappa_nnm", 8 * f / (m - f) * (kappa_A + 1), ALLOUAH, "upper"),
    "kappa_ctma": Bound(
        "kappa_ctma",
        4 * f * (1 + kappa_A) / (m - f),
        "Proposition CTMA (docs/theory.md §2)",
        "upper",
    ),
    "ctma_pathwise": Bound(
        "ctma_pathwise",
        4 * k / (m - f),
        "Proposition CTMA: ‖CTMA − x̄_S'‖² ≤ (4k/(m−f))(V_S' + ‖x₀ − x̄_S'‖²)",
        "upper",
    ),
    "lower_bound": Bound(
        "lower_bound", f / (m - 2 * f), "Allouah et al. 2023 (docs/theory.md §2)", "exact"
    ),
    "lemma_e": Bound("lemma_e", sigma_tilde2 / t, "Lemma E (docs/theory.md §4)", "upper"),
    "lemma_a": Bound("lemma_a", S_const**2 / t, "Lemma A (docs/theory.md §4)", "upper"),
    "theorem_r": Bound(
        "theorem_r",
        2 * D**2 / (eta * T * (T + 1))
        + 2 * eta * S_const**2
        + sp.Rational(8, 3) * D * S_const * sp.sqrt(T + 1) / T,
        "Theorem R, η ≤ 1/(8LT) (docs/theory.md §4)",
        "upper",
    ),
}
BOUNDS["theorem_r_tuned"] = Bound(
    "theorem_r_tuned",
    BOUNDS["theorem_r"].expr.subs(eta, 1 / (8 * L * T)),
    "Theorem R with η = 1/(8LT) (docs/theory.md §4)",
    "upper",
)


#: Every bound by name: the built-ins above, and the users' through :func:`register` (the same
#: registry implementation as aggregators, attacks and estimators: ``sco._registry``).
REGISTRY: Registry[Bound] = Registry("bound")
for _bound in BOUNDS.values():
    REGISTRY.register(_bound.name, _bound, reference=_bound.reference)

KINDS = ("upper", "exact", "order", "lower")


def register(
    name: str,
    expr: sp.Expr | str,
    *,
    reference: str = "",
    kind: str = "upper",
    replace: bool = False,
) -> Bound:
    """Add a bound under ``name``: a sympy expression, or a string in the symbols of this module
    (``"sigma_tilde2 / t"``: m, f, T, t, eta, L, D, sigma2, sigma_L2, kappa, kappa_A, k, and
    q, sigma_tilde2, S for the derived quantities). ``kind`` is upper, exact, order or lower; an
    existing name raises unless ``replace=True``. Returns the :class:`Bound`."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    if isinstance(expr, str):
        try:
            expr = sp.sympify(expr, locals=SYMBOLS)
        except (sp.SympifyError, SyntaxError, TypeError) as err:
            raise ValueError(
                f"expr {expr!r} is not an expression in {sorted(SYMBOLS)}: {err}"
            ) from None
    bound = Bound(name, expr, reference, kind)
    REGISTRY.register(name, bound, replace=replace, reference=reference)
    return bound


def unregister(name: str) -> None:
    """Remove a bound registered with :func:`register` (no error if absent)."""
    REGISTRY.unregister(name)


def names() -> list[str]:
    """The registered bounds."""
    return REGISTRY.names()


def get(name: str) -> Bound:
    """The bound registered as ``name``; an unknown name raises ``ValueError`` (did you mean)."""
    return REGISTRY.get(name)


def problem_constants(problem: Any) -> dict[str, float]:
    """The numbers a bound needs from a problem: L, D, σ², σ_L²."""
    return {"L": problem.L, "D": problem.D, "sigma2": problem.sigma2, "sigma_L2": problem.sigma_L2}
