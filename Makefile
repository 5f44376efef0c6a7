# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Every target creates .venv and installs the pinned stack into it when missing.

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test docs lint format airflow portal psql down clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(STAMP)  ## create .venv with the pinned stack

demo: $(STAMP)  ## warehouse up, sample workbooks, one nightly DAG run, summary
	$(BIN)/dangjian demo

# Test workers (pytest-xdist): each its own PostgreSQL (ports 15443, 15444, …) and home. Many
# tests wait on Airflow, dbt and PostgreSQL processes, so twice the cores keeps them busy.
# Whole modules go to a worker, slowest first in the order tests/conftest.py gives (SLOWEST).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))

test: $(STAMP)  ## the whole test suite, in parallel (each worker starts its own PostgreSQL)
	.ci/ensure-services
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

docs: $(STAMP)  ## dbt's documentation site for the warehouse: dbt_project/target/static_index.html
	$(BIN)/dangjian warehouse up
	$(BIN)/dangjian dbt docs generate --static
	@echo "open dbt_project/target/static_index.html (one self-contained file; best after make demo)"

lint: $(STAMP)  ## ruff and SQLFluff (SQLFluff's dbt templater compiles against the warehouse)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/dangjian warehouse up
	$(BIN)/sqlfluff lint dbt_project

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

airflow: $(STAMP)  ## local Airflow UI on http://127.0.0.1:8080; CELERY_WORKERS=2: on the CeleryExecutor
	$(BIN)/dangjian airflow $(if $(CELERY_WORKERS),--celery-workers $(CELERY_WORKERS))

portal: $(STAMP)  ## the portal for county clerks and data stewards on http://127.0.0.1:8800
	$(BIN)/dangjian portal

psql: $(STAMP)  ## an analyst's psql session on the published marts
	$(BIN)/dangjian warehouse up
	$(BIN)/dangjian warehouse psql --role analyst

down:  ## stop what demo started
	@if [ -x $(BIN)/dangjian ]; then $(BIN)/dangjian warehouse down; fi

clean:  ## remove local state (warehouse data, inbox, archive, Airflow metadata) and build output
	@if [ -x $(BIN)/dangjian ]; then $(BIN)/dangjian warehouse destroy; fi
	rm -rf .local dbt_project/target dbt_project/logs
