# The two commands a newcomer needs: `make up` (run everything) and `make test` (run every check).
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c
UV_VERSION := 0.9.5
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
INFRA := deploy/local/infra.sh
SERVICES := deploy/local/services.sh

.PHONY: up down test tools sync infra lint fmt schemas status logs browser config-reference

tools: ## install uv (the Python package manager) if it is missing
	@command -v uv >/dev/null 2>&1 || test -x $(HOME)/.local/bin/uv || \
		python3 -m pip install --quiet --user "uv==$(UV_VERSION)"

sync: tools ## create .venv from the lock file
	@$(UV) sync --frozen --quiet

browser: ## Debian's Chromium for the dashboard's browser test (skipped when already installed)
	@if ! command -v chromium >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

config-reference: sync ## regenerate the configuration reference from the Settings classes
	@$(UV) run --frozen python -m tests.deploy.settings_catalog --write

infra: ## start Postgres and Kafka on 127.0.0.1 (no Docker needed)
	@bash $(INFRA) start

up: sync infra ## run the whole system: infrastructure, migrations, four APIs and four workers, the demo ministry
	@eval "$$(bash $(INFRA) env)"
	@$(UV) run --frozen mentoring migrate all
	@$(UV) run --frozen mentoring topics ensure
	@# a local run looks for due surveys and inactive pairs every few seconds, not every 5 minutes
	@export MENTORING_SESSIONS_SURVEY_SCAN_SECONDS="$${MENTORING_SESSIONS_SURVEY_SCAN_SECONDS:-15}"
	@export MENTORING_ANALYTICS_SCAN_INTERVAL_SECONDS="$${MENTORING_ANALYTICS_SCAN_INTERVAL_SECONDS:-30}"
	@bash $(SERVICES) start
	@$(UV) run --frozen mentoring demo seed
	@$(UV) run --frozen mentoring demo summary

down: ## stop the services and the infrastructure
	@bash $(SERVICES) stop || true
	@bash $(INFRA) stop

status:
	@bash $(INFRA) status || true
	@bash $(SERVICES) status || true

lint: sync ## ruff (lint and format check), mypy, import-linter
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .
	@$(UV) run --frozen mypy
	@$(UV) run --frozen lint-imports

fmt: sync
	@$(UV) run --frozen ruff check --fix .
	@$(UV) run --frozen ruff format .

schemas: sync ## regenerate the committed JSON Schemas of the events
	@$(UV) run --frozen python -m mentoring.contracts

test: sync infra browser lint ## every check: lint, types, layers, unit, contract, integration, e2e, reliability (reduced)
	@eval "$$(bash $(INFRA) env)"
	@$(UV) run --frozen python -m mentoring.contracts --check
	@$(UV) run --frozen pytest

.PHONY: reliability
reliability: sync ## the reliability and security proof at full size (docs/reliability.md; ~10 min)
	@$(UV) run --frozen python -m tests.reliability --size full
