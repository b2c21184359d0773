"""Sphinx configuration of the byzsco documentation site (``make docs``).

The build is strict (``-W``): a broken cross-reference, a docstring the numpydoc parser cannot
read, or a notebook cell that raises fails it. Notebooks are copied from ``notebooks/`` and
executed at smoke scale; the claims table is generated from the claim registry; MathJax is served
from the site itself (no network at build or view time).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

os.environ["BYZSCO_SCALE"] = "smoke"  # notebooks run at smoke scale, like in the test suite

# The notebook kernels log only errors: their one warning is ipykernel's notice that it talks to
# the build over local TCP sockets, which is not a problem of the documentation.
_IPYTHON = Path(tempfile.mkdtemp(prefix="byzsco-docs-ipython-"))
(_IPYTHON / "profile_default").mkdir()
(_IPYTHON / "profile_default" / "ipython_kernel_config.py").write_text(
    'c.IPKernelApp.log_level = "ERROR"\n'
)
os.environ["IPYTHONDIR"] = str(_IPYTHON)

# notebooks live at the repository root; the site renders copies of them
_NB = DOCS / "_notebooks"
shutil.rmtree(_NB, ignore_errors=True)
_NB.mkdir()
for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
    shutil.copy2(nb, _NB / nb.name)

from sco import __version__  # noqa: E402

project = "byzsco"
author = "the byzsco developers"
copyright = "2026, the byzsco developers"
version = release = __version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx-mathjax-offline",
    "claims_table",
]

myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_kernel_rgx_aliases = {".*": "python3"}

autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "ignore-module-all": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

exclude_patterns = [
    "_build",
    "_tables",  # markdown tables included by other pages
    "Thumbs.db",
    ".DS_Store",
    "**.ipynb_checkpoints",
]
html_theme = "furo"
html_title = f"byzsco {release}"
html_static_path: list[str] = []
templates_path = ["_templates"]
html_show_sphinx = False
html_show_sourcelink = False
suppress_warnings = ["mystnb.unknown_mime_type"]
