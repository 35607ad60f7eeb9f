# Two entry points: `make demo` and `make test`. Each creates/updates .venv itself.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint test-sqlite test-postgres bench audit clean

$(BIN)/python:
	@echo "Creating a Python virtual environment in $(VENV) (a few seconds)..."
	$(PYTHON) -m venv $(VENV)

# The prod extra (gunicorn) is installed too: the tests start the shipped web deployment.
# It takes a while the first time, so it says so, shows pip's own lines and, every 10 s, how long it has
# been going (pip is silent while it unpacks); the ticker stops with pip, whatever pip's exit status.
$(STAMP): pyproject.toml Makefile | $(BIN)/python
	@echo "Installing leadq's dependencies into $(VENV) (first run: about 2 minutes; later runs skip this)..."
	@( s=0; while sleep 10; do s=$$((s + 10)); echo "  ... still installing ($$s s)"; done ) & ticker=$$!; \
	  $(BIN)/python -m pip install --quiet --upgrade pip \
	  && $(BIN)/python -m pip install --progress-bar off -e '.[dev,prod]'; \
	  status=$$?; kill $$ticker; exit $$status
	@touch $(STAMP)
	@echo "Dependencies installed."

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
