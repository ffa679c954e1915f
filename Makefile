# Everything a person runs. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install db seed serve synth bench bench-pages bench-reads burst browser-deps screenshots docs docs-serve clean

$(BIN)/treaty-api: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/treaty-api  ## create .venv and install the project with its dev tools

db: install  ## migrate the database (DATABASE_URL, default ./treaty.sqlite)
	$(BIN)/treaty-api db upgrade

seed: db  ## load the curated seeds (never undoes an API edit; exits 1 on a conflict)
	$(BIN)/treaty-api seed

serve: install
	$(BIN)/treaty-api serve --host $(HOST) --port $(PORT)

run: install  ## install, migrate, seed, and serve on http://127.0.0.1:8000 (docs at /docs)
	@echo "treaty-api on http://$(HOST):$(PORT)/docs"
	$(BIN)/treaty-api start --host $(HOST) --port $(PORT)

test: install  ## the test suite (SQLite; set TEST_DATABASE_URL for PostgreSQL)
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

docs: install  ## the docs site into site/ (MkDocs, --strict: a broken link is an error)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: install  ## the docs site on http://127.0.0.1:8001, rebuilt on each edit
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8001

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache treaty.sqlite* site

browser-deps: install  ## Debian's chromium and Playwright (which drives it; it downloads no browser)
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	$(BIN)/pip install --quiet -e '.[dev,browser]'

synth: db  ## N synthetic agreements for benchmarks (make synth N=100000; ids `synth-…`)
	$(BIN)/treaty-api seed
	$(BIN)/python -m bench.synth --agreements $(or $(N),10000)

# Issue 27's method: best of three interleaved rounds, wrk -t2 -c32, random countries and pages.
BENCH_ARGS ?= --rounds 3 --threads 2 --connections 32 --duration 5
bench: install  ## treaty-api vs Datasette, a raw ceiling, 2 workers and PostgreSQL, then every read beside page 1, at 100k and 1M (SIZES=10000 for a quick run)
	$(BIN)/python bench/run.py $(if $(SIZES),--sizes $(SIZES)) $(BENCH_ARGS)
	$(BIN)/python bench/reads.py $(if $(SIZES),--sizes $(SIZES))

bench-pages: install  ## each page beside its JSON, one request at a time, at 100k and 1M (SIZES=10000 for a quick run)
	$(BIN)/python bench/pages.py $(if $(SIZES),--sizes $(SIZES))

bench-reads: install  ## the relations, timelines, search and reader's pages beside page 1, one at a time, on SQLite and PostgreSQL, at 100k and 1M
	$(BIN)/python bench/reads.py $(if $(SIZES),--sizes $(SIZES))

burst: install  ## one worker under 256 connections vs 16, on SQLite and PostgreSQL (wrk)
	@command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(BIN)/python bench/burst.py

screenshots: browser-deps  ## refresh docs/screenshots/ from the browser tests
	SCREENSHOT_DIR=docs/screenshots BROWSER_TESTS=required $(BIN)/pytest -q -m browser tests/browser
