"""An outside project uses byzsco as a user would: byzsco's wheel is built and installed
(non-editable) into a fresh virtual environment, and ``examples/user-project`` (a rule registered
in a few lines, its conformance tests with one expected failure, a regression test through the
pytest plugin, a TOML sweep over ``ctma(lab_meamed)``) runs there. A mutating rule fails with a
``ConformanceError`` naming ``no-mutation``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = {".git", ".venv", "build", "dist", "report", "results", "_build", "__pycache__"}

MUTATING = """
import meamed_rules  # noqa: F401
from sco.testing import parametrize_with_checks


def mutating_rule(x, *, f):
    x.sort(axis=-2)
    return x.mean(axis=-2)


@parametrize_with_checks([mutating_rule])
def test_conformance(obj, check):
    check()
"""


def _skip(name: str) -> bool:
    """Build products and caches are not sources: the wheel is built from the sources alone."""
    return name in SKIP or name.endswith((".egg-info", ".so", "_cache"))


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=900, env={**clean, **env}
    )


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with byzsco installed from its built wheel, not editable."""
    tmp = tmp_path_factory.mktemp("outside")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=lambda d, names: [n for n in names if _skip(n)])
    wheels = tmp / "wheels"
    out = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(wheels),
            str(src),
        ],
        tmp,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    env = tmp / "venv"
    out = run([sys.executable, "-m", "venv", str(env)], tmp)
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next(wheels.glob("byzsco-*.whl"))
    out = run(
        [
            str(env / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            str(wheel),
            "pytest",
        ],
        tmp,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proj = tmp_path / "user-project"
    shutil.copytree(ROOT / "examples" / "user-project", proj)
    return proj


@pytest.mark.slow
def test_the_installed_package_is_the_wheel(venv: Path, tmp_path: Path) -> None:
    out = run([str(venv / "bin" / "python"), "-c", "import sco; print(sco.__file__)"], tmp_path)
    assert out.returncode == 0 and str(venv) in out.stdout, out.stdout + out.stderr


@pytest.mark.slow
def test_the_outside_project_passes_its_tests_and_sweeps(venv: Path, project: Path) -> None:
    registration = (project / "meamed_rules.py").read_text().split("def meamed")[1]
    code = [x for x in registration.split("sco.estimators.register")[0].splitlines() if x.strip()]
    assert len(code) <= 15, code  # the rule and its registration
    out = run(
        [str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "1 xfailed" in out.stdout and "failed" not in out.stdout.replace("xfailed", "")
    out = run(
        [str(venv / "bin" / "sco"), "sweep", "sweep.toml", "--out", "results"],
        project,
        PYTHONPATH=str(project),
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "4 runs: 4 ran" in out.stdout


@pytest.mark.slow
def test_a_mutating_rule_fails_naming_no_mutation(venv: Path, project: Path) -> None:
    (project / "tests" / "test_mutating.py").write_text(MUTATING)
    out = run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_mutating.py",
        ],
        project,
    )
    assert out.returncode == 1, out.stdout[-3000:]
    assert "ConformanceError: [no-mutation] mutating_rule" in out.stdout
    assert "1 failed" in out.stdout
