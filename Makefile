# InsightPulse Platform. `make up` runs the platform, `make test` runs every test (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
CODE ?=

.PHONY: help deps up down status test reset provision-tenant provision-tbwa

help:
	@echo "make up      - start the platform (managed PostgreSQL unless POSTGRES_URL is set)"
	@echo "make test    - install test dependencies, run every test on a throwaway PostgreSQL"
	@echo "make down    - stop the managed PostgreSQL cluster"
	@echo "make status  - show the platform's state"
	@echo "make reset   - delete the managed cluster, its data and secrets"

deps:
	@scripts/ensure-deps.sh postgres

up: deps
	@./ipai up

down:
	@./ipai down

status:
	@./ipai status

reset:
	@./ipai reset --yes

test:
	@scripts/ensure-deps.sh postgres
	@scripts/test.sh
