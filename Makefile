# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
CONSTRAINTS := requirements/constraints.txt
export CALLSTUDIO_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-sqlite test-postgres install install-dev system-deps lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	touch $@

# axe-core for the accessibility tests, pinned by tests/e2e/axe/package-lock.json, installed from
# the npm registry now (the tests inject the installed file; nothing is fetched while they run).
AXE_PKG := tests/e2e/axe
AXE_JS := $(VENV)/axe/node_modules/axe-core/axe.min.js
$(AXE_JS): $(AXE_PKG)/package.json $(AXE_PKG)/package-lock.json
	mkdir -p $(VENV)/axe
	cp $(AXE_PKG)/package.json $(AXE_PKG)/package-lock.json $(VENV)/axe/
	npm ci --prefix $(VENV)/axe --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
install-dev: system-deps $(VENV)/.installed-dev $(AXE_JS)

run: install
	$(BIN)/callstudio migrate --no-input -v 0
	$(BIN)/callstudio demo
	@echo
	@echo "Open http://127.0.0.1:$(PORT)/  (API docs: http://127.0.0.1:$(PORT)/api/v1/docs)"
	$(BIN)/callstudio serve --host 127.0.0.1 --port $(PORT)

# Debian packages the tests need (the browser tests' Chromium, npm for axe-core, xmlsec1 for
# the test SAML identity provider), installed when
# missing and we are root; otherwise say what is missing (the tests that need it then fail).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	command -v xmlsec1 >/dev/null 2>&1 || missing="$$missing xmlsec1"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing from Debian:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "missing Debian packages:$$missing (apt-get install$$missing)"; \
		fi; \
	fi

# The whole suite on SQLite, and on PostgreSQL side by side when TEST_DATABASE_URL names one
# (scripts/test-suites).
test: system-deps install-dev
	PYTEST=$(BIN)/pytest PYTEST_ARGS="$(PYTEST_ARGS)" TEST_DATABASE_URL="$(TEST_DATABASE_URL)" scripts/test-suites

lint: install-dev
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

bench: install-dev
	$(BIN)/python bench/management_scale.py

clean:
	rm -rf $(VENV) var
