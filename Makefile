# Two commands for a fresh machine: `make book` builds the book, `make test` runs every test.
# The virtual environment .venv is created (or refreshed) whenever the requirements change.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The Python the pinned packages need (their own Requires-Python): the version Binder runs, read
# from binder/runtime.txt, and the oldest one .venv may be made with. tests/test_setup.py checks
# that pyproject.toml, the README and CI say the same.
PYTHON_NEEDED := $(shell sed -n 's/^python-//p' binder/runtime.txt)
# Prints nothing when the interpreter running it is new enough, else which Python it is.
version_check = import sys, platform; need = tuple(int(p) for p in "$(PYTHON_NEEDED)".split(".")); print("" if sys.version_info[:2] >= need else "Python " + platform.python_version())
# Asked only when .venv is (re)made, i.e. when a recipe below expands it.
python_problem = $(shell $(PYTHON) -c '$(version_check)' 2>/dev/null || echo "not found")

.PHONY: book book-strict test test-growth check validate clean bench

# Checks the interpreter before anything else (make expands the whole recipe before running it, so
# a too-old Python stops here with one line), then prints a line per step and pip's own progress.
# The IPython kernel setting: myst-nb starts each page's kernel over local TCP without a way to
# ask for CurveZMQ keys, and ipykernel >= 7.4 then logs an encryption warning on every start,
# once per executed page. Kernels of this environment log errors only; cell output is unaffected.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml binder/runtime.txt
	$(if $(python_problem),$(error Python $(PYTHON_NEEDED) or newer is needed for the pinned packages; $(PYTHON) is $(python_problem). Install Python $(PYTHON_NEEDED) and run: make PYTHON=python$(PYTHON_NEEDED)))
	@if [ -z "$$($(PY) -c '$(version_check)' 2>/dev/null || echo none)" ]; then \
		echo "==> [1/5] Reusing $(VENV) ($$($(PY) --version))"; \
	else \
		echo "==> [1/5] Creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"; \
		$(PYTHON) -m venv --clear $(VENV); \
	fi
	@echo "==> [2/5] Upgrading pip"
	@$(PY) -m pip install --quiet --upgrade pip
	@echo "==> [3/5] Installing requirements-dev.txt: the book's packages, the test tools, livingreview (editable)"
	@$(PY) -m pip install -r requirements-dev.txt
	@echo "==> [4/5] IPython kernel settings: $(VENV)/etc/ipython/ipython_kernel_config.json"
	@mkdir -p $(VENV)/etc/ipython
	@echo '{"IPKernelApp": {"log_level": "ERROR"}}' > $(VENV)/etc/ipython/ipython_kernel_config.json
	@echo "==> [5/5] The explorer's Voilà template (voila.json), linked into $(VENV)"
	@share/jupyter/voila/link-template $(PY)
	@touch $(STAMP)

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

## Every test: data, package, book build, browser checks; then the tests that read the data again
## on tables that are not today's (test-growth), so a test that pins today's rows fails here.
test: $(STAMP)
	$(PY) -m pytest
	$(PY) tests/grown_checkout.py

## Only the second part of `make test`: the tests that read the data, in a copy of the checkout
## grown by tests/fixtures/growth/'s studies and in one with a row of Table 1 taken out
## (tests/grown_checkout.py).
test-growth: $(STAMP)
	$(PY) tests/grown_checkout.py

## The fast tier (about a minute): lint and format, data, unit and property tests (the filter
## agreement test included); not the book build, the browser scenarios or real processes.
check: $(STAMP)
	$(PY) -m pytest -m "not book and not browser and not slow"

clean:
	rm -rf _build

## Benchmarks (slow, about an hour: builds at 15 and 10,000 studies, Lighthouse three times on every
## page and preset). Prints the tables, writes benchmarks/out/results.json, keeps the run in
## benchmarks/last-run.json and rewrites README.md's Performance tables from it.
bench: $(STAMP) benchmarks/node_modules/.package-lock.json
	$(PY) benchmarks/run.py --readme

# Lighthouse, pinned by benchmarks/package-lock.json.
benchmarks/node_modules/.package-lock.json: benchmarks/package-lock.json
	cd benchmarks && npm ci --no-audit --no-fund
