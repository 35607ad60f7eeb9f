# Two entry points: `make demo` and `make test`. Each creates/updates .venv itself.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint test-sqlite test-postgres bench audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The prod extra (gunicorn) is installed too: the tests start the shipped web deployment.
$(STAMP): pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,prod]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/leadq demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test-sqlite: $(STAMP)
	LEADQ_TEST_DB=sqlite $(BIN)/python -m pytest -q

test-postgres: $(STAMP)
	LEADQ_TEST_DB=postgres $(BIN)/python -m pytest -q -m "db"

test: lint test-sqlite test-postgres

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
