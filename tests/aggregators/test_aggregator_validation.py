"""Bad input to aggregators and spec strings: one-line errors that name the parameter."""

from __future__ import annotations

import numpy as np
import pytest

from sco import aggregators as A
from sco._spec import parse

X = np.zeros((7, 3))


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: A.cwtm(X, f=-1), r"^f must be an integer >= 0; got -1$"),
        (lambda: A.cwtm(X, f=1.5), r"^f must be an integer >= 0"),  # type: ignore[arg-type]
        (lambda: A.cwtm(X, f=4), r"^cwtm needs m >= 9 workers for f = 4; got m = 7$"),
        (lambda: A.krum(X, f=3), r"^krum needs m >= 9 workers for f = 3; got m = 7$"),
        (lambda: A.multi_krum(X, f=1, k=0), r"^k must be an integer with 1 <= k <= m = 7"),
        (lambda: A.cwtm(np.zeros(3), f=0), r"^x must have shape \[\.\.\., m, d\]"),
        (lambda: A.cwtm(np.zeros((0, 3)), f=0), r"^x must have shape"),
        (lambda: A.centered_clipping(X, f=1, tau=0.0), r"^tau must be a finite number > 0"),
        (lambda: A.centered_clipping(X, f=1, iters=0), r"^iters must be an integer >= 1"),
        (lambda: A.geometric_median(X, tol=0.0), r"^tol must be > 0"),
        (lambda: A.bucketing(X, f=1, base="cwmed"), r"^bucketing is randomised: pass rng="),
        (
            lambda: A.bucketing(X, f=1, base="cwmed", s=9, rng=np.random.default_rng(0)),
            r"^s must be",
        ),
        (lambda: A.make("ctam(cwtm)"), r"^unknown aggregator 'ctam'; valid names: .*ctma"),
        (
            lambda: A.make("multi_krum(kk=3)"),
            r"^unknown parameter 'kk' for aggregator 'multi_krum'; valid: k",
        ),
        (lambda: A.make("cwtm(f=2)"), r"^unknown parameter 'f' for aggregator 'cwtm'; valid: none"),
        (lambda: A.make("ctma"), r"^ctma needs exactly one base aggregator"),
        (lambda: A.make("cwtm(cwmed)"), r"^cwtm takes no base aggregator"),
        (lambda: A.make("ctma(cwtm"), r"^expected '\)' in spec 'ctma\(cwtm' at the end"),
        (lambda: A.make("ctma(cwtm))"), r"^unexpected '\)' in spec"),
        (lambda: A.make(""), r"^spec must be a non-empty string"),
        (lambda: A.resolve(3), r"^aggregator must be a spec string"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_gets_one_line_error(call, pattern: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=pattern) as info:
        call()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "spec",
    [
        "ctma(nnm(gm))",
        "multi_krum(k=5)",
        "bucketing(cwmed, s=2)",
        "cc(tau=0.5, iters=2)",
        "ctma(base=krum)",
    ],
)
def test_spec_round_trip(spec: str) -> None:
    agg = A.make(spec)
    assert A.make(agg.spec).spec == agg.spec
    assert str(parse(agg.spec)) == agg.spec


def test_aliases_and_names() -> None:
    assert A.names() == sorted(
        [
            *("mean", "cwtm", "cwmed", "gm", "krum", "multi_krum", "cc", "ctma", "nnm"),
            *("bucketing", "meamed", "mda", "clip", "arc", "bulyan"),
        ]
    )
    assert A.make("geometric_median").spec == "gm"
    assert A.make("centered_clipping(tau=2)").spec == "cc(tau=2)"
    assert A.make("ctma(base=krum)").spec == "ctma(krum)"


def test_robust_rules_survive_f_non_finite_rows_and_mean_does_not() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 11, 4))
    x[0, [1, 5]] = np.nan
    x[1, [0, 9]] = [[np.inf] * 4, [1e300] * 4]
    for name in A.names():
        spec = f"{name}(cwtm)" if A.registry.REGISTRY.get(name).meta else name
        out = A.make(spec)(x, f=2, rng=np.random.default_rng(1))
        assert np.all(np.isfinite(out)) == (name != "mean"), spec
