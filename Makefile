# The README's commands. Everything installs into .venv from constraints.txt.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
PERIOD ?= 2022-H1
SAMPLE_INBOX := $(CURDIR)/include/sample/inbox
# the sample of today (make demo PERIOD=2026-H1): tỉnh Thái Nguyên after the reform, its 92 communes, and
# huyện Bạch Thông's 2025-H1 that xã Phủ Thông's report compares with; one deployment of both units
ifeq ($(PERIOD),2026-H1)
DATA_DIR ?= $(CURDIR)/.data/demo-2026-H1
SAMPLE_INBOX := $(CURDIR)/include/sample/today/inbox
UNIT ?= 063,19
DEMO_EARLIER := 2025-H1
endif
DATA_DIR ?= $(CURDIR)/.data/demo

# the venv's tools first on PATH: airflow standalone starts its components as `airflow …`
export PATH := $(BIN):$(PATH)

# a project-local Airflow: its own home and SQLite metadata DB per data folder (a `make demo` and a
# `make airflow` on another DATA_DIR share no runs and no asset events), our DAGs and plugins, no examples
export AIRFLOW_HOME ?= $(abspath $(DATA_DIR))/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export GX_ANALYTICS_ENABLED := False
export GIAMNGHEO_DATA_DIR := $(abspath $(DATA_DIR))
ifdef WAREHOUSE_URL
export GIAMNGHEO_WAREHOUSE_URL := $(WAREHOUSE_URL)
endif
# the reporting unit(s): an official code (063 huyện Bạch Thông, 19 tỉnh Thái Nguyên, 01969 xã Phủ Thông),
# a comma list or all; default 063
ifdef UNIT
export GIAMNGHEO_UNIT := $(UNIT)
endif

.PHONY: help install airflow-db airflow inbox demo run bench bench-province lint test suites sample template system-deps clean units \
	cluster cluster-stop test-cluster lint-deploy

help:
	@echo "make demo                         ingest the bundled 2022-H1 sample and draft its report through Airflow"
	@echo "make demo PERIOD=2026-H1          the sample of today: tỉnh Thái Nguyên (92 communes) and its 93 reports"
	@echo "make run PERIOD=YYYY-Hn DATA_DIR=d the same on any data directory (<d>/inbox/<period>/<form>/...)"
	@echo "      [UNIT=063,19]               the reporting unit(s) run (default 063; several: <d>/inbox/<unit>/...)"
	@echo "make units PROVINCE=19            import a province's official units and transitions into include/reference"
	@echo "make inbox DATA_DIR=d             copy the 2022-H1 sample into d/inbox/ without ingesting it"
	@echo "make airflow [AIRFLOW_PORT=8080]  the Airflow UI and scheduler on http://127.0.0.1:8080 (same DATA_DIR);"
	@echo "                                  FAB login, admin's password in <DATA_DIR>/airflow/admin-password"
	@echo "make test                         the linters, then the whole test suite"
	@echo "make lint                         ruff (lint and format check) and mypy on the package"
	@echo "make bench [BENCH_SIZE=national]  benchmark ingestion and report beside their floors (docs/PERFORMANCE.md)"
	@echo "make bench-province               time the 93 reports of tỉnh Thái Nguyên's 2026-H1 through Airflow"
	@echo "make suites                       regenerate expectations/*.json from include/reference/forms.yaml"
	@echo "make template                     rebuild include/templates/bao_cao_giam_ngheo.docx"
	@echo "make system-deps                  install LibreOffice Writer and Calc, and Chromium (tests), as root on Debian"
	@echo "make cluster / cluster-stop       a Celery cluster here (Redis, PostgreSQL, two workers) on a synthetic province"
	@echo "make test-cluster                 start the cluster, run its end-to-end test twice, stop it"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -c constraints.txt -e '.[dev]'
	touch $@

airflow-db: install
	@mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/db-migrate.log; exit 1)

# run the ingestion DAG for PERIOD on DATA_DIR, then the report DAG; keep Airflow's logs;
# print what became of each file, the district totals and the report's path.
# Exit non-zero when the ingestion run failed or a rejection of the period is still outstanding
# (after drafting the report that lists it).
define pipeline
	@mkdir -p $(GIAMNGHEO_DATA_DIR)/logs
	@echo "Airflow: ingest_submissions for $(PERIOD) on $(GIAMNGHEO_DATA_DIR)"
	@$(BIN)/airflow dags test ingest_submissions --conf '{"period": "$(PERIOD)"}' \
		> $(GIAMNGHEO_DATA_DIR)/logs/ingest-$(PERIOD).log 2>&1; ingest=$$?; \
	$(BIN)/giamngheo ledger --period $(PERIOD); \
	grep -h -A12 "Tệp bị từ chối" $(GIAMNGHEO_DATA_DIR)/logs/ingest-$(PERIOD).log | grep -v "^\s*File \""  | head -60; \
	$(BIN)/giamngheo totals --period $(PERIOD); \
	echo; echo "Airflow: draft_report for $(PERIOD)"; \
	$(BIN)/airflow dags test draft_report --conf '{"period": "$(PERIOD)"}' \
		> $(GIAMNGHEO_DATA_DIR)/logs/report-$(PERIOD).log 2>&1; report=$$?; \
	if [ $$report -ne 0 ]; then tail -40 $(GIAMNGHEO_DATA_DIR)/logs/report-$(PERIOD).log; exit $$report; fi; \
	grep -h -E "^(Số liệu theo xã|PDF|LibreOffice|DỰ THẢO)" $(GIAMNGHEO_DATA_DIR)/logs/report-$(PERIOD).log; \
	grep -h -E "^Báo cáo / report:" $(GIAMNGHEO_DATA_DIR)/logs/report-$(PERIOD).log; \
	echo "(Airflow logs: $(GIAMNGHEO_DATA_DIR)/logs/)"; \
	$(BIN)/giamngheo outstanding --period $(PERIOD); outstanding=$$?; \
	if [ $$ingest -ne 0 ]; then exit $$ingest; fi; exit $$outstanding
endef

# the 2022-H1 sample in DATA_DIR's inbox, nothing ingested: the first run in the UI (docs/OPERATIONS.md)
inbox:
	@mkdir -p $(GIAMNGHEO_DATA_DIR)/inbox
	@cp -a -n $(SAMPLE_INBOX)/. $(GIAMNGHEO_DATA_DIR)/inbox/
	@echo "the 2022-H1 sample is in $(GIAMNGHEO_DATA_DIR)/inbox/ (nothing ingested yet)"

demo: airflow-db
	@mkdir -p $(GIAMNGHEO_DATA_DIR)/inbox $(GIAMNGHEO_DATA_DIR)/logs
	@cp -a -n $(SAMPLE_INBOX)/. $(GIAMNGHEO_DATA_DIR)/inbox/
	@if [ -n "$(DEMO_EARLIER)" ]; then echo "Airflow: ingest_submissions for $(DEMO_EARLIER) (what $(PERIOD) compares with)"; \
		$(BIN)/airflow dags test ingest_submissions --conf '{"period": "$(DEMO_EARLIER)"}' \
		> $(GIAMNGHEO_DATA_DIR)/logs/ingest-$(DEMO_EARLIER).log 2>&1 || { tail -40 $(GIAMNGHEO_DATA_DIR)/logs/ingest-$(DEMO_EARLIER).log; exit 1; }; fi
	$(pipeline)

run: airflow-db
	@test -d "$(GIAMNGHEO_DATA_DIR)/inbox/$(PERIOD)" || (echo "no inbox at $(GIAMNGHEO_DATA_DIR)/inbox/$(PERIOD)"; exit 2)
	$(pipeline)

# Airflow's UI and scheduler on this machine (scripts/airflow_local.py: API server, scheduler, DAG processor,
# triggerer and the two log servers, all on AIRFLOW_HOST, log servers at AIRFLOW_PORT+1 and +2; SQLite
# metadata DB, the simple auth manager; Ctrl-C stops them all).
# AIRFLOW_PORT moves the API server and, with it, the execution API the task workers call (base_url);
# AIRFLOW_HOST is the address it listens on: loopback unless told otherwise (AIRFLOW_HOST=0.0.0.0).
AIRFLOW_PORT ?= 8080
AIRFLOW_HOST ?= 127.0.0.1
# the login: fab (the FAB auth manager, as in docker-compose.yml: real users and roles in Airflow's database;
# `giamngheo access grant USER --unit CODE --role ROLE --password-file F` creates a unit's user, with no DAG
# permission for a reporter; the admin's password is the first line of AIRFLOW_ADMIN_PASSWORD_FILE, generated
# when missing) or simple (Airflow's simple auth manager: the users of AIRFLOW_USERS, name:role, passwords
# generated; approvers need a role that may edit DAG runs, op or admin)
AIRFLOW_AUTH ?= fab
AIRFLOW_USERS ?= admin:admin
AIRFLOW_ADMIN_PASSWORD_FILE ?= $(AIRFLOW_HOME)/admin-password
AUTH_MANAGER.simple := airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager
AUTH_MANAGER.fab := giamngheo_auth.FabAuthManagerByName  # FAB's, approvers matched by name (plugins/)
# LocalExecutor workers that import pandas, GX and docxtpl once (plugins/giamngheo_executor.py)
AIRFLOW_EXECUTOR ?= giamngheo_executor.WarmLocalExecutor
# an idle scheduler looks again after 0.2 s (Airflow's default: 1 s): a task starts sooner after the one it
# waits for, and a landed file reaches its report sooner (docs/PERFORMANCE.md, freshness)
AIRFLOW_IDLE_SLEEP ?= 0.2
# task slots (and warm workers) sized to the machine: two per core, not Airflow's 32, so that the UI
# answers while the workers preload their libraries
AIRFLOW_PARALLELISM ?= $(or $(AIRFLOW__CORE__PARALLELISM),$(shell echo $$(( $$(nproc) * 2 ))))
airflow: airflow-db
	@mkdir -p $(GIAMNGHEO_DATA_DIR)/inbox
	@echo "Airflow on http://$(AIRFLOW_HOST):$(AIRFLOW_PORT) with DATA_DIR=$(GIAMNGHEO_DATA_DIR)"
	@if [ "$(AIRFLOW_AUTH)" = fab ]; then \
		export AIRFLOW__CORE__AUTH_MANAGER=$(AUTH_MANAGER.fab); \
		$(BIN)/airflow fab-db migrate > $(AIRFLOW_HOME)/fab-db-migrate.log 2>&1 || { cat $(AIRFLOW_HOME)/fab-db-migrate.log; exit 1; }; \
		test -s "$(AIRFLOW_ADMIN_PASSWORD_FILE)" || (umask 077; $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(18))" > "$(AIRFLOW_ADMIN_PASSWORD_FILE)"); \
		$(BIN)/giamngheo access user admin --role quan_tri --password-file "$(AIRFLOW_ADMIN_PASSWORD_FILE)" || exit 1; \
		echo "Log in as 'admin', password in $(AIRFLOW_ADMIN_PASSWORD_FILE); add a unit's users with giamngheo access grant … --password-file"; \
	else echo "Log in as 'admin'; the users' passwords are in $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated"; fi
	AIRFLOW__API__PORT=$(AIRFLOW_PORT) AIRFLOW__API__HOST=$(AIRFLOW_HOST) \
		AIRFLOW__API__BASE_URL=http://$(if $(filter 0.0.0.0,$(AIRFLOW_HOST)),127.0.0.1,$(AIRFLOW_HOST)):$(AIRFLOW_PORT) \
		AIRFLOW__CORE__AUTH_MANAGER=$(AUTH_MANAGER.$(AIRFLOW_AUTH)) \
		AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=$(AIRFLOW_USERS) AIRFLOW__CORE__EXECUTOR=$(AIRFLOW_EXECUTOR) \
		AIRFLOW__CORE__PARALLELISM=$(AIRFLOW_PARALLELISM) \
		AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME=$(AIRFLOW_IDLE_SLEEP) \
		$(BIN)/python scripts/airflow_local.py

# ruff (lint, and the formatting checked) over the project, mypy over the package (pyproject.toml);
# the deployment's files by real parsers: the compose file against the compose-spec schema, the Dockerfile
# by dockerfilelint (npm; Docker itself cannot run here)
lint: install lint-deploy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

TOOLS := .tools
lint-deploy: install
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } || true
	@if command -v npm >/dev/null 2>&1; then \
		test -x $(TOOLS)/node_modules/.bin/dockerfilelint || \
			npm install --prefix $(TOOLS) --no-audit --no-fund --silent dockerfilelint@1.8.0 >/dev/null; \
		$(TOOLS)/node_modules/.bin/dockerfilelint Dockerfile; \
	elif [ -n "$$CI" ]; then echo "npm is missing: CI must lint the Dockerfile"; exit 1; \
	else echo "npm is not installed (apt-get install npm): the Dockerfile lint is skipped"; fi

# the tests run against SQLite and a real PostgreSQL server (started here from Debian's packages)
test: lint airflow-db
	@pgurl=$$(scripts/pg-test-server.sh) || { echo "no PostgreSQL test server: its tests will skip (fail in CI)"; pgurl=; }; \
	GIAMNGHEO_TEST_PG_URL=$$pgurl $(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

suites: install
	$(BIN)/giamngheo suites

# the official units of today's province PROVINCE (and the old ones it was made of), from vietnamadminunits
units: install
	$(BIN)/giamngheo units import --province $(PROVINCE)

template: install
	$(BIN)/python include/templates/build_template.py

# system packages: LibreOffice for the PDF copy of the report (Writer) and the .xls/template tests (Calc),
# Chromium for the browser test
# (Debian's packages; needs root)
# a Celery cluster on this machine, without Docker (scripts/cluster.sh; the settings docker-compose.yml
# shares are in deploy/airflow.env), on a synthetic province of CLUSTER_DISTRICTS districts
CLUSTER_DIR ?= /tmp/giamngheo-cluster
CLUSTER_DISTRICTS ?= 8
cluster_env = CLUSTER_DIR=$(CLUSTER_DIR) GIAMNGHEO_DATA_DIR=$(CLUSTER_DIR)/data GIAMNGHEO_UNIT=all \
	GIAMNGHEO_REFERENCE_DIR=$(CLUSTER_DIR)/province/reference GIAMNGHEO_MAX_TASKS=16 GIAMNGHEO_SETTLE_SECONDS=2
cluster: install
	@test -f $(CLUSTER_DIR)/province/reference/units.csv || \
		$(BIN)/python bench/synthetic.py $(CLUSTER_DIR)/province --districts $(CLUSTER_DISTRICTS) --workers 2
	@$(cluster_env) scripts/cluster.sh start

cluster-stop:
	@CLUSTER_DIR=$(CLUSTER_DIR) scripts/cluster.sh stop

# the test's workers can pause in a publish once armed (giamngheo/faults.py), for the test to kill one there;
# the province's 148 files are cut into tasks of 20 or more (not the product's 500), so that both workers
# get some and a killed one's task is tried again on the other
cluster_test_env = $(cluster_env) GIAMNGHEO_PAUSE_AT=publish GIAMNGHEO_PAUSE_SECONDS=600 \
	GIAMNGHEO_PAUSE_ARMED=$(CLUSTER_DIR)/pause.armed GIAMNGHEO_PAUSE_MARKER=$(CLUSTER_DIR)/pause.at \
	GIAMNGHEO_MIN_FILES_PER_TASK=20
test-cluster: install
	@CLUSTER_DIR=$(CLUSTER_DIR) scripts/cluster.sh stop >/dev/null
	@rm -rf $(CLUSTER_DIR)/pg $(CLUSTER_DIR)/airflow $(CLUSTER_DIR)/data $(CLUSTER_DIR)/redis $(CLUSTER_DIR)/logs  # a new cluster
	@test -f $(CLUSTER_DIR)/province/reference/units.csv || \
		$(BIN)/python bench/synthetic.py $(CLUSTER_DIR)/province --districts $(CLUSTER_DISTRICTS) --workers 2
	@trap 'CLUSTER_DIR=$(CLUSTER_DIR) scripts/cluster.sh stop' EXIT; \
	$(cluster_test_env) scripts/cluster.sh start && \
	for round in 1 2; do echo "cluster test, round $$round"; \
		$(cluster_test_env) $(BIN)/python -m pytest -q -p no:cacheprovider -m cluster -s tests/test_cluster.py || exit 1; \
	done

system-deps:
	@if command -v soffice >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 \
		&& ls /usr/lib/libreoffice/program/libsclo.so >/dev/null 2>&1; then echo "LibreOffice (Writer, Calc) and Chromium present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			libreoffice-writer-nogui libreoffice-calc-nogui chromium >/dev/null; \
	else echo "LibreOffice/Chromium not installed and cannot install them here: the PDF copy, the .xls and browser tests will be skipped"; fi

# benchmark beside the floors (docs/PERFORMANCE.md): one district by default;
# BENCH_SIZE=province (8 districts) or BENCH_SIZE=national (34 provinces, 3,321 communes, ~3,500 files)
BENCH_SIZE ?= district
BENCH_ARGS ?=
bench: airflow-db
	@pgurl=$$(scripts/pg-test-server.sh) || { echo "no PostgreSQL server: PostgreSQL figures skipped"; pgurl=; }; \
	GIAMNGHEO_BENCH_PG_URL=$$pgurl $(BIN)/python bench/benchmark.py --size $(BENCH_SIZE) \
		--out $(CURDIR)/bench-results-$(BENCH_SIZE).json $(BENCH_ARGS)

# the 93 reports of a province of today (province + 92 communes, with PDFs) through Airflow
bench-province: install
	$(BIN)/python bench/province_reports.py --out $(CURDIR)/bench-results-province-reports.json

sample: install
	$(BIN)/python include/sample/make_sample.py
	$(BIN)/python include/sample/make_today.py

clean:
	rm -rf .data .airflow test-artifacts  # .airflow: the Airflow home of earlier versions
