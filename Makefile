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

# The suite waits on real services far more than it computes, so `make test` runs it as several
# pytest processes side by side: each backend in $(SHARDS) shards (whole test files, dealt out by
# their measured durations in tests/durations.json; see tests/support/sharding.py), each shard on its
# own Redis database (SQLite: 15, 13, 11; PostgreSQL: 10, 9, 8; the benchmarks flush 14 and 12).
# Each shard's output is printed whole when it ends (make's --output-sync).
# `make test-sqlite` / `make test-postgres` run one backend in one process.
SHARDS ?= 3
SHARD_LIST := $(shell seq 1 $(SHARDS))
REDIS_SQLITE_DBS := 15 13 11 7 6
REDIS_PG_DBS := 10 9 8 5 4
REDIS_SQLITE ?= $(or $(LEADQ_TEST_REDIS_URL),redis://127.0.0.1:6379/15)
REDIS_PG ?= $(or $(LEADQ_TEST_REDIS_URL_PG),redis://127.0.0.1:6379/10)
# Extra pytest options for every shard, e.g. `make test PYTEST_ARGS=--durations=30` (the slowest
# steps). `make test LEADQ_TEST_DURATIONS_OUT=var/durations` records each file's seconds; then
# `.venv/bin/python -m tests.support.sharding merge var/durations` updates tests/durations.json.
PYTEST_ARGS ?=
SQLITE_RUN = LEADQ_TEST_DB=sqlite $(BIN)/python -m pytest -q $(PYTEST_ARGS)
PG_RUN = LEADQ_TEST_DB=postgres $(BIN)/python -m pytest -q -m "db" $(PYTEST_ARGS)

test-sqlite: $(STAMP)
	LEADQ_TEST_REDIS_URL=$(REDIS_SQLITE) $(SQLITE_RUN)

test-postgres: $(STAMP)
	LEADQ_TEST_REDIS_URL=$(REDIS_PG) $(PG_RUN)

test-sqlite-%: $(STAMP)
	LEADQ_TEST_SHARD=$*/$(SHARDS) LEADQ_TEST_REDIS_URL=redis://127.0.0.1:6379/$(word $*,$(REDIS_SQLITE_DBS)) $(SQLITE_RUN)

test-postgres-%: $(STAMP)
	LEADQ_TEST_SHARD=$*/$(SHARDS) LEADQ_TEST_REDIS_URL=redis://127.0.0.1:6379/$(word $*,$(REDIS_PG_DBS)) $(PG_RUN)

test: lint
	$(MAKE) --no-print-directory -j$(words $(SHARD_LIST) $(SHARD_LIST)) --output-sync=target \
	  $(foreach i,$(SHARD_LIST),test-sqlite-$(i) test-postgres-$(i))

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
