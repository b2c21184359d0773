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

Modules: :mod:`._core` (checks, reports, the failure type), one module per kind of plug-in
(``aggregators``, ``attacks``, ``estimators``, ``problems``), ``parametrize`` (pytest) and
``strategies`` (hypothesis).
"""

from __future__ import annotations

from ._core import (
    Check,
    Conformance,
    ConformanceError,
    Report,
    Result,
    SkipCheck,
    Skipped,
    run_checks,
)
from .aggregators import aggregator_checks, check_aggregator
from .attacks import attack_checks, check_attack
from .estimators import check_estimator, estimator_checks
from .parametrize import parametrize_with_checks
from .problems import check_problem, problem_checks
from .strategies import worker_arrays
from .verdicts import VerdictError, assert_verdict

__all__ = [
    "Check",
    "Conformance",
    "ConformanceError",
    "Report",
    "Result",
    "SkipCheck",
    "Skipped",
    "VerdictError",
    "aggregator_checks",
    "assert_verdict",
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
