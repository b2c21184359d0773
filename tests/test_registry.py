"""Public plug-in registries: a user's rule registered by name works everywhere a built-in does."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import problems
import sco
from sco import aggregators, attacks, estimators
from sco._registry import Registry
from verify.cli import main

MEAMED_SOURCE = '''
import numpy as np


def my_meamed(x, *, f):
    """Mean of the m - f values closest to the coordinate-wise median, per coordinate
    (Xie et al. 2018)."""
    x = np.asarray(x, dtype=np.float64)
    m = x.shape[-2]
    med = np.median(x, axis=-2, keepdims=True)
    idx = np.argsort(np.abs(x - med), axis=-2, kind="stable")[..., : m - f, :]
    return np.take_along_axis(x, idx, axis=-2).mean(axis=-2)


def meamed_kappa(m, f, base):
    # a declared constant for the test (twice CWMed's κ of docs/theory.md §2): the conformance
    # suite checks that no probe exceeds it
    return 8 * (1 + f / (m - 2 * f)) ** 2
'''

namespace: dict[str, object] = {}
exec(MEAMED_SOURCE, namespace)  # the same rule the plug-in module below registers
my_meamed = namespace["my_meamed"]
meamed_kappa = namespace["meamed_kappa"]


def _forget_validated_specs() -> None:
    from verify.sweep import spec

    spec._VALID.clear()
    spec._aggregator_fits_at.cache_clear()


@pytest.fixture
def clean() -> Iterator[None]:
    """Unregister everything a test registers (so other tests see the built-ins only)."""
    yield
    for name in ("my_meamed", "my_mean_attack", "my_sgd"):
        aggregators.unregister(name)
        attacks.unregister(name)
        estimators.unregister(name)
    problems.unregister("my_quadratic")
    _forget_validated_specs()


@pytest.fixture
def registered(clean: None) -> None:
    aggregators.register(
        "my_meamed",
        my_meamed,  # type: ignore[arg-type]
        kappa=meamed_kappa,  # type: ignore[arg-type]
        reference="Xie et al. 2018",
        equivariant=True,
    )


def test_registered_rule_works_in_nested_specs(registered: None) -> None:
    agg = aggregators.make("ctma(my_meamed)")
    assert agg.spec == "ctma(my_meamed)" and aggregators.make(agg.spec).spec == agg.spec
    assert agg.base is not None and agg.base.name == "my_meamed"
    assert "my_meamed" in aggregators.names()
    assert aggregators.resolve("my_meamed").kappa(11, 2) == pytest.approx(8 * (1 + 2 / 7) ** 2)
    assert agg.kappa(11, 2) is not None  # CTMA's κ from its base's declared κ
    x = np.random.default_rng(0).standard_normal((11, 4))
    np.testing.assert_array_equal(aggregators.make("my_meamed")(x, f=2), my_meamed(x, f=2))  # type: ignore[operator]


def test_simulate_with_a_registered_rule(registered: None) -> None:
    p = problems.make("quadratic", dim=3, rng=0)
    tr = sco.simulate(
        p,
        aggregator="ctma(my_meamed)",
        attack="alie",
        estimator="mu2sgd",
        m=9,
        f=2,
        T=20,
        lr="theory",
        seeds=2,
        rng=0,
    )
    assert tr.steps[-1] == 20 and not tr.diverged.any()


def test_conformance_uses_the_declared_kappa(registered: None) -> None:
    report = sco.testing.check_aggregator("my_meamed")
    assert "declared-kappa" in report.checks  # ran and passed
    assert "declared-kappa" not in report.skipped
    assert report.info("declared-kappa")["worst_ratio"] <= report.kappa
    assert report.kappa == pytest.approx(8 * (1 + 2 / 7) ** 2)


def test_duplicates_raise_unless_replaced(registered: None) -> None:
    with pytest.raises(ValueError, match="'my_meamed' is already registered"):
        aggregators.register("my_meamed", my_meamed)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already registered"):
        aggregators.register("cwtm", my_meamed)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already registered"):
        aggregators.register("geometric_median", my_meamed)  # type: ignore[arg-type]  # an alias
    aggregators.register("my_meamed", my_meamed, replace=True)  # type: ignore[arg-type]
    assert aggregators.make("my_meamed").kappa(11, 2) is None  # the new declaration
    with pytest.raises(ValueError, match="identifier"):
        aggregators.register("not a name", my_meamed)  # type: ignore[arg-type]


def test_unknown_names_still_suggest(registered: None) -> None:
    with pytest.raises(ValueError, match=r"aggregator 'my_meamd'.*did you mean 'my_meamed'"):
        aggregators.make("ctma(my_meamd)")
    with pytest.raises(ValueError, match="did you mean 'mean'"):
        aggregators.make("meen")
    with pytest.raises(ValueError, match="did you mean 'ipm'"):
        attacks.make("ipn")
    with pytest.raises(ValueError, match="did you mean 'mu2sgd'"):
        estimators.make("mu2sdg")


def test_attacks_estimators_problems_register(clean: None) -> None:
    def my_mean_attack(honest: np.ndarray, *, f: int, scale: float = 2.0) -> np.ndarray:
        return np.repeat(scale * honest.mean(axis=-2, keepdims=True), f, axis=-2)

    attacks.register("my_mean_attack", my_mean_attack, reference="a test")
    estimators.register("my_sgd", estimators.sgd)
    problems.register("my_quadratic", problems.Quadratic.random)
    assert attacks.make("my_mean_attack(scale=3)").spec == "my_mean_attack(scale=3)"
    assert estimators.make("my_sgd").spec == "sgd"
    assert problems.make("my_quadratic", dim=2, rng=0).dim == 2
    for register, name in (
        (attacks.register, "my_mean_attack"),
        (estimators.register, "my_sgd"),
        (problems.register, "my_quadratic"),
    ):
        with pytest.raises(ValueError, match="already registered"):
            register(name, my_mean_attack)  # type: ignore[arg-type]
    tr = sco.simulate(
        problems.make("my_quadratic", dim=2, rng=0),
        aggregator="cwtm",
        attack="my_mean_attack",
        estimator="my_sgd",
        m=7,
        f=1,
        T=5,
        lr=0.01,
    )
    assert tr.steps[-1] == 5


def test_generic_registry() -> None:
    reg: Registry[int] = Registry("widget")
    reg.register("one", 1, aliases=("uno",), reference="r")
    assert reg.get("uno") == 1 and reg.entry("one").declared == {"reference": "r"}
    assert "uno" in reg and reg.names() == ["one"]
    with pytest.raises(ValueError, match=r"unknown widget 'onw'.*did you mean 'one'"):
        reg.get("onw")
    reg.unregister("one")
    assert "uno" not in reg and len(reg) == 0


def _write_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    (tmp_path / f"{module}.py").write_text(
        MEAMED_SOURCE
        + textwrap.dedent(
            """
            import sco

            sco.aggregators.register("my_meamed", my_meamed, kappa=meamed_kappa, equivariant=True)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)


def test_toml_sweep_with_plugins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean: None
) -> None:
    from verify import sweep

    _write_plugin(tmp_path, monkeypatch, "byzsco_test_meamed_plugin")
    spec = tmp_path / "sweep.toml"
    spec.write_text(
        textwrap.dedent(
            """
            plugins = ["byzsco_test_meamed_plugin"]
            problem = { name = "quadratic", dim = 3, rng = 0 }
            aggregator = ["ctma(my_meamed)", "my_meamed"]
            attack = "alie"
            estimator = "mu2sgd"
            m = 9
            f = 2
            T = 10
            lr = "theory"
            seeds = 2
            """
        )
    )
    summary = sweep.run(spec, tmp_path / "out", progress=False)
    assert summary.total == 2 and summary.ran == 2
    frame = sweep.load(tmp_path / "out")
    assert set(frame["aggregator"]) == {"ctma(my_meamed)", "my_meamed"}
    assert sweep.run(spec, tmp_path / "out", progress=False).ran == 0  # resumable as before


def test_toml_plugins_errors_name_the_key(tmp_path: Path, clean: None) -> None:
    from verify.sweep import SpecError, expand

    base = {
        "problem": "quadratic",
        "aggregator": "cwtm",
        "estimator": "sgd",
        "m": 5,
        "f": 0,
        "T": 3,
        "lr": 0.1,
    }
    with pytest.raises(SpecError, match=r"^plugins: cannot import 'no_such_byzsco_plugin'"):
        expand({**base, "plugins": ["no_such_byzsco_plugin"]})
    with pytest.raises(SpecError, match=r"^plugins must be a list"):
        expand({**base, "plugins": "mypkg"})
    with pytest.raises(SpecError, match=r"^aggregator: unknown aggregator 'my_meamed'"):
        expand({**base, "aggregator": "my_meamed"})


def test_sco_list_shows_plugins(
    registered: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sco._registry as reg

    loaded: list[str] = []

    def entry_points(group: str) -> list[object]:
        loaded.append(group)
        return []

    monkeypatch.setattr(reg, "_plugins_loaded", False)
    monkeypatch.setattr("importlib.metadata.entry_points", entry_points)
    assert main(["list"]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if s.startswith("aggregators:"))
    assert "my_meamed" in line
    assert loaded == ["byzsco.plugins"]


def test_entry_point_plugins_load_once_on_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean: None
) -> None:
    import importlib.metadata

    import sco._registry as reg

    _write_plugin(tmp_path, monkeypatch, "byzsco_test_entry_point_plugin")
    ep = importlib.metadata.EntryPoint(
        "my_meamed", "byzsco_test_entry_point_plugin", "byzsco.plugins"
    )
    calls: list[str] = []

    def entry_points(group: str) -> list[importlib.metadata.EntryPoint]:
        calls.append(group)
        return [ep]

    monkeypatch.setattr(reg, "_plugins_loaded", False)
    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    assert aggregators.make("ctma(my_meamed)").spec == "ctma(my_meamed)"
    with pytest.raises(ValueError, match="unknown aggregator"):
        aggregators.make("nothing_like_it")
    assert calls == ["byzsco.plugins"]  # loaded once, on the first miss


def test_a_spec_checked_before_unregister_is_checked_again(tmp_path: Path, clean: None) -> None:
    """The sweep validator caches what it has built; registering or removing a rule must not
    leave a stale answer (the caches key on the registries' generation)."""
    from verify.sweep import spec

    aggregators.register("my_meamed", my_meamed, equivariant=True)  # type: ignore[arg-type]
    spec._aggregator_fits("ctma(my_meamed)", 9, 2)
    spec._spec_string("aggregator", "ctma(my_meamed)", aggregators.make, "aggregator")
    aggregators.unregister("my_meamed")
    with pytest.raises(spec.SpecError, match="unknown aggregator 'my_meamed'"):
        spec._spec_string("aggregator", "ctma(my_meamed)", aggregators.make, "aggregator")
    with pytest.raises(ValueError, match="unknown aggregator 'my_meamed'"):
        spec._aggregator_fits("ctma(my_meamed)", 9, 2)
