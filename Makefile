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
	@echo "make provision-tenant CODE=x - provision tenant x (make provision-tbwa for tbwa)"

deps:
	@scripts/ensure-deps.sh postgres node

up: deps
	@./ipai up

down:
	@./ipai down

status:
	@./ipai status

reset:
	@./ipai reset --yes

provision-tenant:
	@[ -n "$$CODE" ] || { echo "usage: make provision-tenant CODE=tbwa" >&2; exit 2; }
	@./ipai tenant provision "$$CODE"

provision-tbwa:
	@./ipai tenant provision tbwa

test:
	@scripts/ensure-deps.sh postgres pgbouncer chromium wrk node nginx
	@scripts/test.sh
