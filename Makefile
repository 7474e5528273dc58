# Two commands set up a fresh machine:  `make report`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install system-deps report test bench clean

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

## The main job on the sample district: the weekly risk report, written to out/reports/.
report: install
	$(VENV)/bin/foresight report --config data/samples/weekly.toml

## The whole test suite.
test: install
	$(PY) -m pytest

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
