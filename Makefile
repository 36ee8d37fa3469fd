# Two commands for a fresh machine: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck unit bench clean install services

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(STAMP)

## make demo: install, print the demo team's weekly report and plan, write report.html
demo: $(STAMP)
	$(BIN)/calendar-slack report --source demo
	$(BIN)/calendar-slack plan --source demo
	$(BIN)/calendar-slack report --source demo --format html --with-plan --out report.html
	@echo "Wrote report.html — open it in a browser."

## make test: lint (ruff), types (mypy) and the whole suite, offline
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## PostgreSQL server binaries for the store's tests (the tests start and stop the server)
services:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  (echo "Installing PostgreSQL for the store tests…" && \
	   apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null)

unit: $(STAMP) services
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) -p no:cacheprovider

## make bench: the benchmarks of bench/ (not tests); results in bench/results/
bench: $(STAMP)
	$(BIN)/python -m bench.metrics_bench
	$(BIN)/python -m bench.planner_bench

clean:
	rm -rf $(VENV) report.html .mypy_cache .ruff_cache .pytest_cache
