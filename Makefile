# The README's commands. Everything installs into .venv from constraints.txt.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
PERIOD ?= 2022-H1
DATA_DIR ?= $(CURDIR)/.data/demo
SAMPLE_INBOX := $(CURDIR)/include/sample/inbox

# a project-local Airflow: its own home and SQLite metadata DB, our DAGs and plugins, no examples
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export GX_ANALYTICS_ENABLED := False
export GIAMNGHEO_DATA_DIR := $(abspath $(DATA_DIR))
ifdef WAREHOUSE_URL
export GIAMNGHEO_WAREHOUSE_URL := $(WAREHOUSE_URL)
endif

.PHONY: help install airflow-db demo run test suites sample clean

help:
	@echo "make demo                         ingest the bundled 2022-H1 sample through Airflow, print the totals"
	@echo "make run PERIOD=YYYY-Hn DATA_DIR=d the same on any data directory (<d>/inbox/<period>/<form>/...)"
	@echo "make test                         the whole test suite"
	@echo "make suites                       regenerate expectations/*.json from include/reference/forms.yaml"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -c constraints.txt -e '.[dev]'
	touch $@

airflow-db: install
	@mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/db-migrate.log; exit 1)

# run the ingestion DAG for PERIOD on DATA_DIR, keep Airflow's log, print what became of each file
define ingest
	@mkdir -p $(GIAMNGHEO_DATA_DIR)/logs
	@echo "Airflow: ingest_submissions for $(PERIOD) on $(GIAMNGHEO_DATA_DIR) (log: $(GIAMNGHEO_DATA_DIR)/logs/ingest-$(PERIOD).log)"
	@$(BIN)/airflow dags test ingest_submissions --conf '{"period": "$(PERIOD)"}' \
		> $(GIAMNGHEO_DATA_DIR)/logs/ingest-$(PERIOD).log 2>&1; status=$$?; \
	$(BIN)/giamngheo ledger --period $(PERIOD); \
	grep -h -A12 "Tệp bị từ chối" $(GIAMNGHEO_DATA_DIR)/logs/ingest-$(PERIOD).log | grep -v "^\s*File \"" | head -60 || true; \
	$(BIN)/giamngheo totals --period $(PERIOD); \
	exit $$status
endef

demo: airflow-db
	@mkdir -p $(GIAMNGHEO_DATA_DIR)/inbox
	@cp -a -n $(SAMPLE_INBOX)/. $(GIAMNGHEO_DATA_DIR)/inbox/
	$(ingest)

run: airflow-db
	@test -d "$(GIAMNGHEO_DATA_DIR)/inbox/$(PERIOD)" || (echo "no inbox at $(GIAMNGHEO_DATA_DIR)/inbox/$(PERIOD)"; exit 2)
	$(ingest)

test: airflow-db
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

suites: install
	$(BIN)/giamngheo suites

sample: install
	$(BIN)/python include/sample/make_sample.py

clean:
	rm -rf .data .airflow test-artifacts
