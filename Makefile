# The two commands of the README's quick start: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED := ../shared/data
# Local copies to load instead of downloading (this repository's development layout has them beside it).
SOURCES ?= $(if $(wildcard $(SHARED)/README.md),$(SHARED),)
export JUSTICEGAP_HOME ?= $(CURDIR)/.justicegap
# make demo's local mode runs on a copy of the store here, so the store itself holds no case records
LOCAL_DEMO = $(JUSTICEGAP_HOME)/local-demo

.PHONY: demo test setup browser clean bench

$(BIN)/justicegap: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/justicegap

# axe-core (the accessibility checker the report's browser test injects), from the npm registry
# into the virtual environment: pinned, offline once fetched, removed by `make clean`.
AXE_VERSION := 4.14.1
AXE := $(VENV)/node_modules/axe-core/axe.min.js

$(AXE):
	npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix $(VENV) axe-core@$(AXE_VERSION)

# Debian's Chromium for the browser tests (never a browser download by Playwright), and axe-core.
browser: $(AXE)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

demo: setup
ifeq ($(SOURCES),)
	$(BIN)/justicegap update
else
	$(BIN)/justicegap update --source-dir $(SOURCES)
endif
	$(BIN)/justicegap funnel --area Kent --period 2017/18 --offence rape
	@echo ''
	@echo 'Local mode, on SYNTHETIC Kent 2017/18 case records (made to reproduce the published counts; not real cases),'
	@echo 'in a copy of the store ($(LOCAL_DEMO)), so that the store above holds no case records:'
	@rm -rf $(LOCAL_DEMO) && mkdir -p $(LOCAL_DEMO) && cp $(JUSTICEGAP_HOME)/justicegap.duckdb $(LOCAL_DEMO)/
	JUSTICEGAP_HOME=$(LOCAL_DEMO) $(BIN)/justicegap synth --area Kent --period 2017/18 --out $(LOCAL_DEMO)/kent-synth
	JUSTICEGAP_HOME=$(LOCAL_DEMO) $(BIN)/justicegap records load $(LOCAL_DEMO)/kent-synth
	JUSTICEGAP_HOME=$(LOCAL_DEMO) $(BIN)/justicegap records reconcile --area Kent --period 2017/18 --offence rape
	JUSTICEGAP_HOME=$(LOCAL_DEMO) $(BIN)/justicegap get records_charge_rate_365 --area Kent --period 2017/18 --offence rape
	@echo 'To run the README examples in this shell: export PATH="$$PWD/.venv/bin:$$PATH" JUSTICEGAP_HOME="$$PWD/.justicegap"'

test: setup browser
	$(BIN)/pytest -q

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .justicegap .pytest_cache .hypothesis
