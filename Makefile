# Quick start: `make verify` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-test
# make verify needs only the package itself (numpy, scipy, sympy, matplotlib, pandas, ...)
VSTAMP := $(VENV)/.installed-verify
PACKAGES := sco problems verify
LINT_DIRS := $(PACKAGES) tests $(wildcard benchmarks) examples docs/conf.py docs/_ext
REPORT ?= report

.PHONY: test verify docs lint typecheck pytest clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "byzsco needs Python >= 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,data]'
	@touch $(STAMP)

$(VSTAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "byzsco needs Python >= 3.11; set PYTHON=/path/to/python3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $(VSTAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/ruff format --check $(LINT_DIRS)

typecheck: $(STAMP)
	$(VENV)/bin/mypy $(PACKAGES)

pytest: $(STAMP)
	$(PY) -m pytest -q -n 2 -p no:cacheprovider

test: lint typecheck pytest

verify: $(VSTAMP)
	$(VENV)/bin/sco verify --out $(REPORT)

# the documentation site, strict: any warning (a broken reference, a docstring numpydoc cannot
# read, a notebook cell that raises) fails the build
docs: $(STAMP)
	$(PY) -m sphinx -E -W --keep-going -q -b html docs docs/_build/html
	@echo "site: docs/_build/html/index.html"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis $(REPORT) *.egg-info \
		docs/_build docs/_notebooks docs/_generated docs/_autosummary
