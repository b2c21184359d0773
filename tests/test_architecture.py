"""Import direction of docs/architecture.md §1, checked on the source (AST) and at run time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"sco", "problems", "verify"}
HEAVY = {"sympy", "cvxpy", "matplotlib", "dask", "pandas", "sklearn", "hypothesis"}
# package -> (top-level modules it may import anywhere, modules it may import only in a function)
RULES: dict[str, tuple[set[str], set[str]]] = {
    "problems": ({"problems", "numpy", "scipy"}, {"cvxpy", "sklearn"}),
    "sco": ({"sco", "numpy", "scipy"}, set()),
}
# sco.testing offers hypothesis strategies and pytest parametrisation; it may import those inside
# a function only.
# Trace.to_frame returns a pandas DataFrame; pandas is imported inside that method only.
# The κ* certificates solve SDPs (cvxpy) and SOCPs (Clarabel) inside the functions that need them.
LAZY_EXTRA = {
    "sco/robustness/sdp.py": {"cvxpy"},
    "sco/robustness/socp.py": {"clarabel"},
    "sco/testing/parametrize.py": {"pytest"},
    "sco/testing/strategies.py": {"hypothesis"},
    "sco/trace.py": {"pandas"},
}


def imports(source: str) -> list[tuple[str, bool]]:
    """(top-level module name, imported at module level?) for every import in ``source``."""
    tree = ast.parse(source)
    top_level = {id(node) for node in tree.body}
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name.split(".")[0], id(node) in top_level) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], id(node) in top_level))
    return found


def violations(package: str, source: str, path: str = "") -> list[str]:
    """Imports in ``source`` (a module of ``package``) that break docs/architecture.md §1."""
    anywhere, lazy_only = RULES[package]
    lazy_only = lazy_only | LAZY_EXTRA.get(path, set())
    bad = []
    for name, at_top in imports(source):
        if name in sys.stdlib_module_names or name == "__future__":
            continue
        if name in anywhere or (name in lazy_only and not at_top):
            continue
        bad.append(f"{package} imports {name}" + (" at module level" if at_top else ""))
    return bad


@pytest.mark.parametrize("package", sorted(RULES))
def test_import_direction(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    bad = [
        f"{f.relative_to(ROOT)}: {v}"
        for f in files
        for v in violations(package, f.read_text(), f.relative_to(ROOT).as_posix())
    ]
    assert bad == []


def test_checker_rejects_upward_and_eager_imports() -> None:
    """Negative control: the same checker flags the imports the layout forbids."""
    assert violations("problems", "import verify\n") == ["problems imports verify at module level"]
    assert violations("problems", "from sco import simulate\n")
    assert violations("problems", "import cvxpy\n")  # must be lazy
    assert violations("problems", "def f():\n    import cvxpy\n") == []
    assert violations("sco", "import problems\n")
    assert violations("sco", "def f():\n    import sympy\n")
    assert violations("sco", "import hypothesis\n", "sco/testing/strategies.py")
    assert violations("sco", "def f():\n    import hypothesis\n", "sco/aggregators/mean.py")
    assert violations("sco", "import cvxpy\n", "sco/robustness/sdp.py")  # lazy there, not eager
    assert violations("sco", "def f():\n    import cvxpy\n", "sco/robustness/search.py")


def test_import_sco_and_problems_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, sco, problems; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(HEAVY)!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
