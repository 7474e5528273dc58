# Two commands set up a fresh machine:  `make report`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install report test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all,dev]"
	touch $(STAMP)

install: $(STAMP)

## The main job on the sample district.
report: install
	$(VENV)/bin/foresight summary data/samples/district/exports/cases_history.csv.gz \
		data/samples/district/exports/export_week_1.csv data/samples/district/exports/export_week_2.csv \
		--mapping data/samples/district/mapping.toml \
		--areas data/samples/district/areas.csv --categories data/samples/district/categories.csv

## The whole test suite.
test: install
	$(PY) -m pytest

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
