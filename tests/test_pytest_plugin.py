"""The byzsco pytest plugin (entry point ``pytest11``) as an outside project uses it: a regression
test of a few lines passes, a broken one fails with the verdict's one line, the scale option
reaches the fixtures, and the problem-family fixtures give three problems each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sco.testing import VerdictError, assert_verdict
from verify import Status, claims

USER_TESTS = """
from sco.testing import assert_verdict


def test_cwtm_attains_the_lower_bound(run_claim):
    assert_verdict(run_claim("K2", aggregators=("cwtm",)))


def test_the_mean_does_not(run_claim):
    assert_verdict(run_claim("K2", aggregators=("mean",)))


def test_scale_and_families(byzsco_scale, far_quadratics, noise_dominated_least_squares):
    assert byzsco_scale == "quick"
    assert len(far_quadratics) == 3 and len(noise_dominated_least_squares) == 3
"""


def run_pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_user_bounds.py").write_text(USER_TESTS)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_an_outside_project_uses_the_plugin(tmp_path: Path) -> None:
    out = run_pytest(tmp_path, "--byzsco-scale", "quick")
    assert out.returncode == 1, out.stdout + out.stderr  # exactly the mean's test fails
    assert "2 passed" in out.stdout and "1 failed" in out.stdout, out.stdout
    line = next(x for x in out.stdout.splitlines() if x.startswith("E") and "VerdictError" in x)
    assert "expected PASS, got FAIL K2" in line and "tightness" in line
    assert "first failing instance: #1" in line


@pytest.mark.slow
def test_the_readme_regression_test_passes_as_written(tmp_path: Path) -> None:
    """The README's example, copied from the README itself, passes through the plugin and has
    at most 10 lines of code."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    start = readme.index("### Regression tests on your own algorithm")
    block = readme[
        readme.index("```python", start) + len("```python") : readme.index("```\n", start + 40)
    ]
    code = [x for x in block.splitlines() if x.strip()]
    assert len(code) <= 10, code
    (tmp_path / "test_readme_example.py").write_text(block)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_readme_example.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0 and "1 passed" in out.stdout, out.stdout + out.stderr


def test_the_scale_option_is_validated(tmp_path: Path) -> None:
    out = run_pytest(tmp_path, "--byzsco-scale", "huge", "--collect-only")
    assert out.returncode != 0 and "--byzsco-scale" in out.stderr


def test_assert_verdict_passes_fails_and_checks_controls() -> None:
    v = claims.run("K2", "smoke", aggregators=("cwtm",))
    assert_verdict(v)
    bad = claims.run("K2", "smoke", negative=True)
    assert bad.status == Status.FAIL
    assert_verdict(bad, expect="FAIL")  # a negative control must fail
    with pytest.raises(VerdictError, match=r"^expected PASS, got FAIL K2 .*tightness") as info:
        assert_verdict(bad)
    assert "\n" not in str(info.value)
    with pytest.raises(TypeError, match=r"needs a verify\.Verdict"):
        assert_verdict(np.float64(1.0))
