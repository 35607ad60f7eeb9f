# Two entry points: `make demo` and `make test`. Each creates/updates .venv itself.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint test-sqlite test-postgres bench audit clean

# The first run takes a while, so each slow step says what it does and how long it usually takes, and
# a ticker prints how long it has been going every 10 s (pip and venv are silent for long stretches);
# the ticker stops with the step, whatever its exit status.
TICK = ( s=0; while sleep 10; do s=$$((s + 10)); echo "  ... still working ($$s s)"; done ) & ticker=$$!;
UNTICK = status=$$?; kill $$ticker; exit $$status

$(BIN)/python:
	@echo "Creating a Python virtual environment in $(VENV) (usually under 30 s)..."
	@$(TICK) $(PYTHON) -m venv $(VENV); $(UNTICK)

# The prod extra (gunicorn) is installed too: the tests start the shipped web deployment. pip is not
# --quiet for the big install: its lines show which package it is at.
$(STAMP): pyproject.toml Makefile | $(BIN)/python
	@echo "Installing leadq's dependencies into $(VENV) (first run: 2 to 5 minutes; later runs skip this)..."
	@$(TICK) $(BIN)/python -m pip install --quiet --upgrade pip \
	  && $(BIN)/python -m pip install --progress-bar off -e '.[dev,prod]'; $(UNTICK)
	@touch $(STAMP)
	@echo "Dependencies installed."

demo: $(STAMP)
	$(BIN)/leadq demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Each half has its own Redis database (LEADQ_TEST_REDIS_URL / LEADQ_TEST_REDIS_URL_PG override them),
# so `make test` runs the two halves side by side: on 2 cores the slower half took 20 min 39 s on
# 2026-12-04 (1,367 tests on SQLite; PostgreSQL's 391 in 19 min 39 s). Each half's output is printed whole when it ends (make's --output-sync).
REDIS_SQLITE ?= $(or $(LEADQ_TEST_REDIS_URL),redis://127.0.0.1:6379/15)
REDIS_PG ?= $(or $(LEADQ_TEST_REDIS_URL_PG),redis://127.0.0.1:6379/14)
# Extra pytest options for both halves, e.g. `make test PYTEST_ARGS=--durations=30` (the slowest steps).
PYTEST_ARGS ?=

test-sqlite: $(STAMP)
	LEADQ_TEST_DB=sqlite LEADQ_TEST_REDIS_URL=$(REDIS_SQLITE) $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-postgres: $(STAMP)
	LEADQ_TEST_DB=postgres LEADQ_TEST_REDIS_URL=$(REDIS_PG) $(BIN)/python -m pytest -q -m "db" $(PYTEST_ARGS)

test: lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# Every benchmark in bench/ (outside CI: about 20 minutes); figures in var/bench/figures.json.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,prod]'
	$(BIN)/python bench/run_all.py --out var/bench/figures.json

# Known vulnerabilities in the installed dependencies (needs PyPI's JSON API or OSV on the network).
audit: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-audit
	$(BIN)/python -m pip freeze --exclude-editable > var/requirements-audit.txt
	$(BIN)/pip-audit --strict -r var/requirements-audit.txt

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
