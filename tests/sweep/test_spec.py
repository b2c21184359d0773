"""Sweep specs: grid expansion and strict validation (one line naming the key, exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from verify.cli import main
from verify.sweep import SpecError, expand

BASE = {
    "problem": {"name": "quadratic", "dim": 3},
    "aggregator": "cwtm",
    "attack": "alie",
    "estimator": "mu2sgd",
    "m": 9,
    "f": 2,
    "T": 20,
    "lr": "theory",
    "seeds": 2,
}


def test_lists_form_the_grid() -> None:
    runs = expand(
        dict(
            BASE,
            aggregator=["cwtm", "ctma(cwtm)"],
            f=[1, 2, 3],
            problem={"name": "quadratic", "dim": [2, 3]},
        )
    )
    assert len(runs) == 12
    assert {(r["aggregator"], r["f"], r["problem"]["dim"]) for r in runs} == {
        (a, f, d) for a in ("cwtm", "ctma(cwtm)") for f in (1, 2, 3) for d in (2, 3)
    }
    assert runs[0]["rng"] == 0 and runs[0]["record"]  # defaults filled in


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        ({"aggregatr": "cwtm"}, r"^unknown key 'aggregatr' \(did you mean 'aggregator'\?\)"),
        ({"m": "17"}, r"^m must be an integer >= 1; got '17'$"),
        ({"f": -1}, r"^f must be an integer >= 0"),
        ({"seeds": 0}, r"^seeds must be an integer >= 1"),
        ({"lr": -0.1}, r"^lr must be a number > 0 or \"theory\""),
        ({"aggregator": "ctam(cwtm)"}, r"^aggregator: unknown aggregator 'ctam'"),
        ({"estimator": "momentum(b=1)"}, r"^estimator: unknown parameter 'b'"),
        ({"attack": 3}, r"^attack must be a spec string"),
        ({"f": []}, r"^f is an empty list"),
        ({"record": ["loss"]}, r"^record must be a list of metrics"),
        ({"problem": {"name": "quadratik"}}, r"^problem.name must be one of"),
        ({"problem": 5}, r"^problem must be a name or a table"),
    ],
)
def test_bad_specs_name_the_key(change: dict, pattern: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(SpecError, match=pattern) as info:
        expand(dict(BASE, **change))
    assert "\n" not in str(info.value)


def test_missing_key() -> None:
    spec = dict(BASE)
    del spec["T"]
    with pytest.raises(SpecError, match=r"^missing key 'T'"):
        expand(spec)


def test_cli_exits_2_on_bad_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('problem = "quadratic"\naggregator = "cwtm"\nm = [17, "x"]\n')
    assert main(["sweep", str(bad), "--out", str(tmp_path / "r")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    broken = tmp_path / "broken.toml"
    broken.write_text("m = = 3\n")
    assert main(["run", str(broken)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "missing.toml")]) == 2
    assert (
        main(["sweep", "examples/sweep-small.toml", "--workers", "0", "--out", str(tmp_path)]) == 2
    )
