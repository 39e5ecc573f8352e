# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export MSOKO_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(CURDIR)/dagster_home
export DBT_PROFILES_DIR := $(CURDIR)/dbt_project
export GX_ANALYTICS_ENABLED := False
export DO_NOT_TRACK := 1

.PHONY: demo test lint install ui serve serve-test docs bench clean constraints
.PHONY: superset superset-install superset-test superset-constraints

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==25.3" 2>&1 | grep -v "is ignored" || true
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]" 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import dagster, dagster_dbt, dbt.version, duckdb, great_expectations, fastexcel"
	@touch $(STAMP)

install: $(STAMP)

## make demo: generate the demo landing data and run the whole pipeline through Dagster
demo: $(STAMP)
	MSOKO_DEMO=1 $(PY) -m orchestration.cli demo

## make test: lint (ruff, sqlfluff) and the test suite, the Dagster graph and end-to-end runs included
test: $(STAMP) lint
	$(PY) -m pytest -n 2 --dist loadgroup -q

lint: $(STAMP)
	mkdir -p build/lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	@# sqlfluff's dbt templater opens a connection: an in-memory database, never the warehouse
	MSOKO_WAREHOUSE_PATH=:memory: MSOKO_DATA_DIR=$(CURDIR)/build/lint $(VENV)/bin/sqlfluff lint dbt_project/models --disable-progress-bar --nocolor
	$(VENV)/bin/mypy

## make ui: the Dagster UI on the demo project (http://127.0.0.1:3000), schedule and sensors
## stopped until turned on in the UI; Ctrl-C or SIGTERM stops it (runs in flight are cancelled)
ui: $(STAMP)
	MSOKO_DEMO=1 $(PY) -m orchestration.cli serve --no-automation --host 127.0.0.1 --port 3000

## make serve: the served deployment on one machine (docs/operations.md): webserver + daemon,
## the nightly and the landing sensor running; needs MSOKO_PSEUDONYM_SECRET (MSOKO_DEMO=1 for the demo)
serve: $(STAMP)
	$(PY) -m orchestration.cli serve --host 127.0.0.1 --port 3000

## make serve-test: the served deployment tested as it runs (starts msoko serve itself)
serve-test: $(STAMP)
	$(PY) -m pytest -m daemon tests/test_service.py -q -p no:cacheprovider

docs: $(STAMP)
	MSOKO_DEMO=1 $(PY) -m orchestration.cli docs

bench: $(STAMP)
	MSOKO_DEMO=1 $(PY) -m bench.run --scale region

## make superset: Superset on http://127.0.0.1:8088 over the published file (after make demo):
## its own venv (build/superset/venv), metadata in build/superset, the dashboard of deploy/superset
SUPERSET_VENV := build/superset/venv
SUPERSET_PY := $(SUPERSET_VENV)/bin/python
SUPERSET_STAMP := $(SUPERSET_VENV)/.installed
SUPERSET_PORT ?= 8088

$(SUPERSET_STAMP): deploy/superset/requirements.txt deploy/superset/constraints.txt
	@test -x $(SUPERSET_PY) || $(PYTHON) -m venv $(SUPERSET_VENV)
	$(SUPERSET_PY) -m pip install --quiet --upgrade "pip==25.3" 2>&1 | grep -v "is ignored" || true
	$(SUPERSET_PY) -m pip install --quiet -c deploy/superset/constraints.txt -r deploy/superset/requirements.txt 2>&1 | grep -v "is ignored" || true
	$(SUPERSET_PY) -c "import superset, duckdb_engine, duckdb, rich, cachetools, flask_caching"
	@touch $(SUPERSET_STAMP)

superset-install: $(SUPERSET_STAMP)

superset: $(SUPERSET_STAMP)
	$(SUPERSET_PY) deploy/superset/msoko_superset.py setup
	$(SUPERSET_PY) deploy/superset/msoko_superset.py serve --port $(SUPERSET_PORT)

## make superset-test: the dashboard tested as deployed (starts Superset and Chromium itself)
superset-test: $(STAMP) $(SUPERSET_STAMP)
	$(PY) -m pytest -m superset tests/test_superset.py -q

# Re-pin Superset's venv after changing deploy/superset/requirements.txt.
superset-constraints:
	{ sed -n '1,2p' deploy/superset/constraints.txt; $(SUPERSET_PY) -m pip freeze --exclude-editable; } > deploy/superset/constraints.txt.new
	mv deploy/superset/constraints.txt.new deploy/superset/constraints.txt

clean:
	rm -rf data landing dagster_home build dbt_project/target dbt_project/logs

# Re-pin after changing pyproject.toml dependencies.
constraints:
	$(PY) -m pip freeze --exclude-editable | grep -v "^-e" > constraints.txt
