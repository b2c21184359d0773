"""sco.testing under ``python -O`` and through ``parametrize_with_checks`` in a pytest run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import problems
from sco.estimators import mu2sgd
from sco.testing import parametrize_with_checks

ROOT = Path(__file__).resolve().parents[2]

MUTATING = """
import numpy as np
from sco.testing import ConformanceError, check_aggregator

def mutating(x, *, f):
    out = x.mean(axis=-2)
    x[...] = 0.0  # mutates its input (after computing an otherwise correct mean)
    return out
"""


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_suite_fails_under_python_O() -> None:
    code = MUTATING + textwrap.dedent(
        """
        assert False, "asserts are on"  # stripped by -O: proves the optimisation is active
        try:
            check_aggregator(mutating, m=7, f=1)
        except ConformanceError as err:
            print("FAILED", err.check)
        else:
            print("PASSED")
        """
    )
    out = _run([sys.executable, "-O", "-c", code], ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "FAILED no-mutation"


def test_parametrize_with_checks_ids_and_expected_failure(tmp_path: Path) -> None:
    test_file = tmp_path / "test_user_rules.py"
    test_file.write_text(
        MUTATING
        + textwrap.dedent(
            """
            import sco
            from sco.testing import parametrize_with_checks

            @parametrize_with_checks(
                ["cwtm", mutating],
                expected_failures={("mutating", "no-mutation"): "planted bug"},
                m=7, f=1, d=3, n_instances=4,
            )
            def test_conformance(obj, check):
                check()
            """
        )
    )
    out = _run(
        [sys.executable, "-m", "pytest", "-q", "-rsx", "-p", "no:cacheprovider", str(test_file)],
        tmp_path,
    )
    text = out.stdout
    assert out.returncode == 0, text + out.stderr
    assert "XFAIL test_user_rules.py::test_conformance[mutating-no-mutation]" in text
    assert "SKIPPED" in text and "declared-kappa: no κ declared" in text
    assert "1 xfailed" in text and "failed" not in text.replace("xfailed", "")

    # the same file without the expected failure fails, naming the check
    text_no_xfail = test_file.read_text().replace(
        '{("mutating", "no-mutation"): "planted bug"}', "{}"
    )
    test_file.write_text(text_no_xfail)
    out = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)], tmp_path
    )
    assert out.returncode == 1
    assert "test_conformance[mutating-no-mutation]" in out.stdout
    assert "ConformanceError: [no-mutation] mutating" in out.stdout


def test_parametrize_ids_in_process() -> None:
    mark = parametrize_with_checks(["gaussian"])  # a spec string, found among the attacks
    params = mark.args[1]
    assert [p.id for p in params] == [
        "gaussian-shape",
        "gaussian-no-mutation",
        "gaussian-batching",
        "gaussian-f-zero",
        "gaussian-determinism",
    ]
    ids = [p.id for p in parametrize_with_checks([mu2sgd, "mu2sgd"]).args[1]]
    # a factory and a spec string both run the estimator suite
    assert ids[:2] == ["mu2sgd-interface", "mu2sgd-previous-point"] and len(ids) == 14
    ids = [p.id for p in parametrize_with_checks([problems.Quadratic.random(2)]).args[1]]
    assert "quadratic-declared-sigma2" in ids
    with pytest.raises(ValueError, match="names no generated check"):
        parametrize_with_checks(["cwtm"], expected_failures={"no-such-check": "x"})
