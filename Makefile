# Two commands for a fresh machine: `make book` builds the book, `make test` runs every test.
# The virtual environment .venv is created (or refreshed) whenever the requirements change.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: book book-strict test check validate clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## Check the study table; every problem by line and column.
validate: $(STAMP)
	$(PY) -m livingreview validate

## Build the HTML book into _build/html (incremental; re-runs pages whenever the data changed).
book: $(STAMP)
	$(PY) -m livingreview validate
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

## What CI builds: from scratch, every page re-read, warnings are errors.
book-strict: $(STAMP)
	$(PY) -m livingreview validate
	$(VENV)/bin/jupyter-book build . --all -W -n --keep-going

## Every test: data, package, book build, browser checks.
test: $(STAMP)
	$(PY) -m pytest

## The fast tier (about a minute): lint and format, data, unit and property tests (the filter
## agreement test included); not the book build, the browser scenarios or real processes.
check: $(STAMP)
	$(PY) -m pytest -m "not book and not browser and not slow"

clean:
	rm -rf _build

## Benchmarks (slow; prints a table and writes benchmarks/out/results.json).
bench: $(STAMP)
	$(PY) benchmarks/run.py
