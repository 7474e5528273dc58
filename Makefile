# Two commands set up a fresh machine:  `make report`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
UVENV  := .venv-uv
UV     := $(UVENV)/bin/uv
STAMP  := $(VENV)/.installed

# `make test` runs the suite in the two ends of what pyproject.toml allows, each in its own venv:
#   .venv-low   Python $(PY_LOW), every direct dependency at its lowest allowed version (pandas 2.2,
#               numpy 1.26, ...), all extras; installed editable.
#   .venv-high  Python $(PY_HIGH), the newest of everything on pandas 3 (.ci/constraints-high.txt),
#               all extras; foresight installed from its built wheel (not editable), so a file
#               missing from the package fails here.
# uv (from PyPI, in its own small venv .venv-uv) builds both; it never downloads a Python of its own.
# A pyenv shim for a version that is not pyenv's global one fails, so the pyenv folder is looked in
# first; elsewhere uv finds python3.11 / python3.13 on PATH.
PYENV_ROOT ?= $(HOME)/.pyenv
PY_LOW  ?= $(or $(lastword $(sort $(wildcard $(PYENV_ROOT)/versions/3.11*/bin/python3.11))),3.11)
PY_HIGH ?= $(or $(lastword $(sort $(wildcard $(PYENV_ROOT)/versions/3.13*/bin/python3.13))),3.13)
LOW     := .venv-low
HIGH    := .venv-high
export UV_PYTHON_DOWNLOADS := never

.PHONY: install system-deps report test test-low test-high bench clean

# System packages: a CJK font so charts render Chinese labels, and Chromium for the report's
# browser test. Installed with apt-get when missing (needs root or sudo); skipped when present.
system-deps:
	@./scripts/system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all,dev]"
	touch $(STAMP)

install: system-deps $(STAMP)

$(UV):
	$(PYTHON) -m venv $(UVENV)
	$(UVENV)/bin/python -m pip install --quiet "uv>=0.5"

$(LOW)/.installed: pyproject.toml | $(UV)
	$(UV) venv --quiet --clear --python $(PY_LOW) $(LOW)
	$(UV) pip install --quiet --python $(LOW)/bin/python --resolution lowest-direct -e ".[all,dev]"
	touch $@

$(HIGH)/.installed: pyproject.toml .ci/constraints-high.txt | $(UV)
	$(UV) venv --quiet --clear --python $(PY_HIGH) $(HIGH)
	$(UV) pip install --quiet --python $(HIGH)/bin/python --upgrade -c .ci/constraints-high.txt ".[all,dev]"
	touch $@

## The main job on the sample district: the weekly risk report, written to out/reports/.
report: install
	$(VENV)/bin/foresight report --config data/samples/weekly.toml

## The whole test suite, at both ends of the supported versions (`make -k test` runs the second
## after a failure in the first).
test: test-high test-low

test-low: system-deps $(LOW)/.installed
	$(LOW)/bin/python -c "import sys, numpy, pandas; print('low:', sys.version.split()[0], 'pandas', pandas.__version__, 'numpy', numpy.__version__)"
	$(LOW)/bin/python -m pytest

# foresight as a user gets it: a wheel built from this tree's sources, installed not editable.
test-high: system-deps $(HIGH)/.installed
	$(UV) pip install --quiet --python $(HIGH)/bin/python --reinstall-package foresight --no-deps .
	$(HIGH)/bin/python -c "import sys, numpy, pandas, foresight; print('high:', sys.version.split()[0], 'pandas', pandas.__version__, 'numpy', numpy.__version__, 'foresight from', foresight.__file__)"
	$(HIGH)/bin/python -m pytest

clean:
	rm -rf $(VENV) $(LOW) $(HIGH) $(UVENV) build *.egg-info src/*.egg-info
