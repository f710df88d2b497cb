# Everything a fresh Debian machine needs, from two commands: `make serve` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
LOCALES := fr es it
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup build serve test lint messages chromium clean bench
N ?= 1000

$(BIN)/helpcenter: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

setup: $(BIN)/helpcenter

build: setup
	$(BIN)/helpcenter build --strict

# Writers' preview: the site and the ticket endpoint; every change rebuilds and reloads the page.
serve: build
	$(BIN)/helpcenter serve --watch --port $(PORT)

# Debian's chromium drives the browser tests; Playwright never downloads a browser of its own.
chromium:
	@command -v chromium >/dev/null || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The Nu Html Checker validates the built pages: vnu.jar from npm (pinned in package-lock.json,
# its Java downloader script not run) on Debian's Java.
VNU_JAR := node_modules/vnu-jar/build/dist/vnu.jar
$(VNU_JAR): package.json package-lock.json
	@command -v java >/dev/null && command -v npm >/dev/null || { \
	  export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && \
	  apt-get install -y -qq $$(command -v java >/dev/null || echo default-jre-headless) \
	    $$(command -v npm >/dev/null || echo npm) >/dev/null; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

test: setup chromium $(VNU_JAR)
	$(BIN)/ruff check helpcenter hooks tests
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check helpcenter hooks tests
	$(BIN)/ruff format --check helpcenter hooks tests

# Extract the UI strings into locales/messages.pot and merge them into each language's catalog.
messages: setup
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o locales/messages.pot .
	for locale in $(LOCALES); do \
	  $(BIN)/pybabel update --no-fuzzy-matching -i locales/messages.pot -d locales -l $$locale; \
	done

# The benchmark against plain Material + mkdocs-static-i18n (see bench/run.py): N articles per
# language; writes bench/results.json, bench/results.md and bench/build-time.png.
bench: setup chromium
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[bench]'
	$(BIN)/python -m bench.run --articles $(N)

clean:
	rm -rf site site.* $(VENV) node_modules
