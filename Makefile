# Vroegsignaal — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export VROEGSIGNAAL_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test venv assets system-deps lint migrations-check schema-check messages messages-check test-sqlite test-postgres benchmarks benchmarks-postgres clean openapi

$(BIN)/vroegsignaal: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || PYTHON=python3; \
	test -x $(BIN)/python || $${PYTHON:-python3} -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

venv: $(BIN)/vroegsignaal

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: node_modules/.package-lock.json

## make run: install, migrate, load the demo once, start web server and worker on 127.0.0.1:8000
## (HOST=… PORT=… make run for another address)
# First: is HOST:PORT free (else one Dutch line saying how to choose another PORT), and the data
# folder this user's only (0700; what is made in it 0600, umask 077 as systemd's UMask=0077).
run: venv assets
	@scripts/system-deps.sh --run
	@scripts/run.sh --voorbereiden
	umask 077; VROEGSIGNAAL_MODE=demo $(BIN)/vroegsignaal migrate --no-input -v 0
	umask 077; VROEGSIGNAAL_MODE=demo $(BIN)/vroegsignaal collectstatic --no-input -v 0
	umask 077; VROEGSIGNAAL_MODE=demo $(BIN)/vroegsignaal setup_demo
	@VROEGSIGNAAL_MODE=demo scripts/run.sh

## make test: lint, migration check, the whole suite on SQLite and on PostgreSQL 15
test: venv assets system-deps lint migrations-check schema-check messages-check test-sqlite test-postgres

system-deps:
	@scripts/system-deps.sh

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check:
	VROEGSIGNAAL_MODE=demo $(BIN)/vroegsignaal makemigrations --check --dry-run

schema-check:
	@scripts/schema-check.sh

## make messages: gather the texts of every app into its English catalog and compile it
messages: venv
	@scripts/messages.sh

messages-check:
	@scripts/messages-check.sh

test-sqlite:
	@echo "== pytest on SQLite =="
	$(BIN)/pytest -q -p no:randomly

test-postgres:
	@echo "== pytest on PostgreSQL 15 =="
	scripts/with-postgres.sh $(BIN)/pytest -q

benchmarks: venv
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

## make benchmarks-postgres: every benchmark on SQLite and on a throw-away PostgreSQL 15
## (run it after a change to intake, evaluation or a page: a slow plan shows only there)
benchmarks-postgres: venv
	@scripts/with-postgres.sh $(MAKE) --no-print-directory benchmarks

clean:
	rm -rf var .pytest_cache artifacts

openapi: venv
	VROEGSIGNAAL_MODE=demo $(BIN)/vroegsignaal spectacular --file docs/openapi.yaml --validate
