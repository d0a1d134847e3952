# Kho: two commands on a fresh machine.
#   make run   venv + runtime install (requirements.txt only) + instance (database, key, index)
#              + demo data, serves 127.0.0.1:$(PORT) (make run PORT=8080; default 5000)
#   make test  venv + install with the test tools + Debian test packages (as root) + lint +
#              import contracts + the suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed
PORT ?= 5000
export KHO_HOME ?= $(CURDIR)/instance
# Test processes (pytest-xdist; whole files per process, as module fixtures are shared): many
# tests wait on servers, workers and browsers, so a few more processes than cores pay off.
TEST_JOBS ?= 3
PYTEST := $(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile

.PHONY: run test test-pg test-s3 lint format bench clean-instance

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# What running needs (requirements.txt) and Kho itself; the test tools come on top for `make test`.
$(RUNTIME): $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(RUNTIME)

$(STAMP): $(RUNTIME) requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(RUNTIME)
	@PORT="$(PORT)" bash scripts/run.sh

test: $(STAMP)
	bash scripts/system-deps.sh
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo
	$(PYTEST)

# The same suite against a throw-away PostgreSQL server on loopback (.ci/run does both).
test-pg: $(STAMP)
	bash scripts/system-deps.sh
	bash scripts/with-postgres.sh $(PYTEST)

# Every test with an instance (marked `blobs`) with its blobs on a throw-away SeaweedFS S3 server
# and its database on PostgreSQL, both on loopback: the deployment of docs/deployment.md.
test-s3: $(STAMP)
	bash scripts/system-deps.sh
	bash scripts/with-s3.sh bash scripts/with-postgres.sh $(PYTEST) -m blobs

# ruff, then the import contracts of pyproject.toml (the layers of docs/architecture.md).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Quick figures (a few minutes). The full-size runs: bench/search.py --sizes 100000,1000000
# --dir DIR (keeps the big indexes to measure again; CPU time is printed beside wall time),
# bench/pages.py --sizes 10000 100000 1000000 (and under scripts/with-postgres.sh --postgresql),
# bench/search_load.py --work DIR (100,000 records, 30 users, kho serve --workers 4),
# bench/audit.py (a million entries), bench/web.py --docs 5000; bench/real.py exits 1 if a
# secret document would be filed below its level without being held back.
bench: $(STAMP)
	$(BIN)/python bench/crypto.py
	$(BIN)/python bench/blobs.py
	$(BIN)/python bench/workers.py --docs 40
	$(BIN)/python bench/cluster.py --docs 300 --samples 30
	$(BIN)/python bench/ocr_pages.py --docs 2 --pages 4
	$(BIN)/python bench/ocr.py --docs 2 --pages 4 --singles 4
	$(BIN)/python bench/ingest.py --docs 100
	$(BIN)/python bench/real.py --generated 40
	$(BIN)/python bench/audit.py --events 1000 --sizes 100000,200000
	$(BIN)/python bench/search.py --sizes 20000 --rounds 3
	$(BIN)/python bench/cli.py --records 120 --runs 5
	$(BIN)/python bench/web.py --docs 300 --rounds 20
	$(BIN)/python bench/pages.py --sizes 2000 10000 --rounds 5
	$(BIN)/python bench/signatures.py --rounds 2

clean-instance:
	rm -rf instance
