# Everything a fresh Debian machine needs, from two commands: `make serve` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# HOST=0.0.0.0 make serve: a preview reachable from outside a container or virtual machine.
HOST ?= 127.0.0.1
LOCALES_DIR := helpcenter/i18n/locales
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup build serve test lint messages chromium node postgresql nginx clean bench mutants
N ?= 1000

$(BIN)/helpcenter: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

setup: $(BIN)/helpcenter

build: setup
	$(BIN)/helpcenter build --strict

# Writers' preview: the site and the ticket endpoint; every change updates the site (each
# language's build kept in the process, helpcenter/site/preview.py) and reloads the page.
# `serve --watch` builds first, once it holds the port.
serve: setup
	@$(BIN)/helpcenter serve --watch --host $(HOST) --port $(PORT)

# Debian's chromium drives the browser tests; Playwright never downloads a browser of its own.
chromium:
	@command -v chromium >/dev/null || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# Node runs the site's scripts in the tests: their own tests (tests/js/, Node's built-in runner)
# and the browser's side of search. Debian's nodejs, as for chromium.
node:
	@command -v node >/dev/null || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq nodejs >/dev/null; }

# The storage tests run on PostgreSQL too: each session starts a private server of Debian's
# postgresql package in a temporary folder (tests/databases.py); nothing is set up system-wide.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }

# Debian's nginx: tests/server/test_nginx.py runs the production recipe (`helpcenter nginx-config`)
# through it, in a folder of its own. (Debian also starts the package's own service, on port 80.)
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends nginx >/dev/null; }

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

# The suite's workers wait on browsers, servers and disks about half of the time: one worker more
# than the cores keeps them busy (on two cores, 12 minutes instead of 13.5), four at most.
TEST_WORKERS := $(shell n=$$(nproc); echo $$(( n + 1 < 4 ? n + 1 : 4 )))

test: setup chromium node postgresql nginx $(VNU_JAR)
	$(BIN)/ruff check helpcenter tests bench
	node --test tests/js/
	$(BIN)/pytest --numprocesses $(TEST_WORKERS)

lint: setup
	$(BIN)/ruff check helpcenter tests bench
	$(BIN)/ruff format --check helpcenter tests bench

# The package's UI strings: extract them into its template, then merge them into every catalog it
# ships. `make messages NEW=pl` first creates the catalog of a new language. (A help center
# project adds its own with `helpcenter catalog new pl`.)
messages: setup
	# A catalog changes when its strings do, not for a new extraction date.
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o $(LOCALES_DIR)/messages.pot.new .
	if diff -q -I '^"POT-Creation-Date: ' $(LOCALES_DIR)/messages.pot $(LOCALES_DIR)/messages.pot.new >/dev/null; \
	then rm $(LOCALES_DIR)/messages.pot.new; else mv $(LOCALES_DIR)/messages.pot.new $(LOCALES_DIR)/messages.pot; fi
	$(if $(NEW),test -f $(LOCALES_DIR)/$(NEW)/LC_MESSAGES/messages.po || \
	  $(BIN)/pybabel init -i $(LOCALES_DIR)/messages.pot -d $(LOCALES_DIR) -l $(NEW))
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-pot-creation-date -i $(LOCALES_DIR)/messages.pot -d $(LOCALES_DIR)

# The benchmark against plain Material + mkdocs-static-i18n (see bench/run.py): N articles per
# language; writes bench/results.json, bench/results.md and bench/build-time.png.
bench: setup chromium postgresql nginx
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[bench]'
	$(BIN)/python -m bench.run --articles $(N)

# Mutation testing (not part of `make test`: hours on two cores the first time; later runs test
# the mutants of changed functions and the survivors not explained, mutmut's verdicts kept).
# mutmut copies helpcenter/ into mutants/ with every mutant in it; the tests must import that copy,
# which an editable install's import hook would hide, hence a virtualenv of its own with a plain
# install. Writes mutants/report.md; fails below 85% killed, with a survivor not explained in
# tests/mutation/equivalent.toml, or with mutants not run yet.
MUTANTS_VENV := .venv-mutants
$(MUTANTS_VENV)/bin/mutmut: pyproject.toml constraints.txt
	python3 -m venv $(MUTANTS_VENV)
	$(MUTANTS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt '.[test,mutants]'
	touch $@

mutants: node $(MUTANTS_VENV)/bin/mutmut
	$(MUTANTS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps .
	# Survivors are tested again (a new test may kill them). mutmut copies each file into mutants/
	# once, and maps to a function only the tests it runs anew (a new function would have none):
	# fresh copies and a fresh map every run, its verdicts kept.
	if [ -d mutants ]; then \
	  $(MUTANTS_VENV)/bin/python -m tests.mutation.report --retest-survivors && \
	  find mutants -type f ! -name '*.meta' -delete; fi
	# Then the mutants a known reason explains by their diff are set aside, not run to survive again.
	$(MUTANTS_VENV)/bin/python -m tests.mutation.report --set-aside-equivalents
	# The split-index tests write articles with the benchmark's generator (not its corpus).
	mkdir -p mutants/bench && cp bench/__init__.py bench/generate.py mutants/bench/
	# One child more than the cores, as the tests wait on their servers a good part of the time.
	$(MUTANTS_VENV)/bin/mutmut run --max-children $$(( $$(nproc) + 1 ))
	$(MUTANTS_VENV)/bin/python -m tests.mutation.report

clean:
	rm -rf site site.* $(VENV) $(MUTANTS_VENV) mutants node_modules
