# Campaign Map: the two commands a new machine needs are `make run` and `make test`.
# Everything else here is what they depend on.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup lint geoparse-seeds evaluate benchmark clean

# One command: install, build the data from seeds/, and show the result.
run: setup geoparse-seeds

# One command: install and run the whole test suite (what CI runs).
test: setup lint
	$(BIN)/python -m pytest -q

setup: $(STAMP)
	$(BIN)/campaign-map gazetteer

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

lint: setup
	$(BIN)/ruff check geo tests

geoparse-seeds: setup
	$(BIN)/campaign-map geoparse --input seeds --output mapdata/seeds.geoparse.jsonl
	$(BIN)/python -m geo.report mapdata/seeds.geoparse.jsonl

# The full benchmark run (minutes); figures go to the README's results table.
evaluate: setup
	$(BIN)/campaign-map evaluate ../shared/benchmarks/geowebnews.jsonl \
		../shared/benchmarks/trnews.jsonl ../shared/benchmarks/lgl.jsonl \
		../shared/benchmarks/geovirus.jsonl

benchmark: setup
	$(BIN)/python benchmarks/speed.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
