# Consenso: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= var
export CONSENSO_DATABASE_URL ?= sqlite:///$(DATA)/consenso.db

.PHONY: run test check bench fuzz assets assets-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.run-installed

tests/interop/node_modules/.installed: tests/interop/package-lock.json
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error
	touch $@

tests/oidc/node_modules/.installed: tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/node_modules/.installed: static/package-lock.json
	cd static && npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(VENV)/.run-installed
	mkdir -p $(DATA)
	$(BIN)/consenso db upgrade
	$(BIN)/consenso demo
	CONSENSO_DEMO=1 $(BIN)/consenso serve --host 127.0.0.1 --port 8000

check: $(VENV)/.test-installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(VENV)/.test-installed tests/interop/node_modules/.installed tests/oidc/node_modules/.installed \
      static/node_modules/.installed check assets-check
	cd static && npm test --silent
	$(BIN)/python -m pytest

bench: $(VENV)/.test-installed
	$(BIN)/python -m bench

# A longer, random REST fuzz than the one in `make test` (schemathesis, every role, all phases).
fuzz: $(VENV)/.test-installed
	CONSENSO_FUZZ_EXAMPLES=$${CONSENSO_FUZZ_EXAMPLES:-60} CONSENSO_FUZZ_RANDOM=1 \
	  $(BIN)/python -m pytest -q -p no:cacheprovider tests/server/api/test_rest_fuzz.py

assets: static/node_modules/.installed
	cd static && npm run build

# The committed bundle must be what the sources build to (esbuild's output is deterministic).
assets-check: static/node_modules/.installed
	cd static && rm -rf .dist-check && npm run --silent build -- --outdir=.dist-check --log-level=warning \
	  && diff -r dist .dist-check && rm -rf .dist-check

clean:
	rm -rf $(VENV) $(DATA) tests/interop/node_modules tests/oidc/node_modules static/node_modules
