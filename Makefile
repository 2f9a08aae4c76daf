# Observatório — the two commands:  make run   ·   make test
# OBS_DATA_SYSTEM: the data system path. Unset: the app builds and serves the DEMO data system.
SHELL := /bin/bash
PY    := .venv/bin/python
UV    := .venv/bin/uv
HOST  ?= 127.0.0.1
PORT  ?= 8050
TEST_DATA_SYSTEM ?= $(abspath ../shared/data)

.PHONY: run test test-fast venv system-deps build serve bench lint lint-imports clean readme guide plotlyjs postgres \
        i18n-extract i18n-update i18n-compile

venv: .venv/.installed
.venv/.installed: pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip uv
	$(UV) pip install -q --python $(PY) -c constraints.txt -e '.[test]'
	touch $@

# apt packages for browser tests and the npm axe-core used for accessibility audits (root on Debian)
system-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }
	@test -f node_modules/axe-core/axe.min.js || npm install --no-save --no-audit --no-fund --silent axe-core@4

build: venv
	$(PY) -m etl build

serve: venv
	$(PY) app.py precompress  # compress static files once (brotli 11, gzip 9) into data/compressed; no-op when done
	.venv/bin/gunicorn --no-control-socket -w 2 -b $(HOST):$(PORT) app:server

## run: build the database from $$OBS_DATA_SYSTEM (or the demo) and serve http://127.0.0.1:8050
run: build serve

## test: the whole suite, on the real data system at ../shared/data
test: venv system-deps
	.venv/bin/lint-imports
	OBS_DATA_SYSTEM=$(TEST_DATA_SYSTEM) $(PY) -m pytest -q

## test-fast: the suite without the browser tests (no Chromium needed), for contributors
test-fast: venv
	.venv/bin/lint-imports
	OBS_DATA_SYSTEM=$(TEST_DATA_SYSTEM) $(PY) -m pytest -q -m "not browser"

bench: venv
	OBS_DATA_SYSTEM=$(TEST_DATA_SYSTEM) $(PY) -m bench

readme: venv
	$(PY) -m indicators.readme --write

## guide: regenerate the reference tables of docs/adding-a-source-and-an-indicator.md
guide: venv
	$(PY) -m etl.guide --write

clean:
	rm -rf data/*.duckdb data/geo data/demo-system data/build.json data/compressed

## plotlyjs: rebuild web/vendor/plotly-partial.min.js (plotly.js with only the app's trace types; needs npm)
plotlyjs:
	cd plotlyjs && npm install --no-save --no-audit --no-fund --silent && node build.js ../web/vendor/plotly-partial.min.js

## i18n-extract: the keys used in code (pybabel extract of t()/tn() calls, babel.cfg) into
## build/i18n/extracted.pot, then the check: keys missing from a catalogue fail; unused keys are listed
i18n-extract: venv
	@mkdir -p build/i18n
	.venv/bin/pybabel -q extract -F babel.cfg -k t -k tn --no-default-keywords --no-location --omit-header \
	  -o build/i18n/extracted.pot .
	$(PY) -m core.i18n_tools check build/i18n/extracted.pot

## i18n-update: the English catalogue is the template (core/locale/messages.pot); new keys reach pt_PT
## empty for a translator, no fuzzy guesses; keys gone from the template stay as obsolete (#~) entries
i18n-update: venv
	$(PY) -m core.i18n_tools template
	.venv/bin/pybabel update -i core/locale/messages.pot -d core/locale -D messages -l pt_PT \
	  --no-fuzzy-matching --width 116
	$(PY) -m core.i18n_tools check

## i18n-compile: .po -> .mo (gitignored); the app reads a .mo newer than its .po, else the .po
i18n-compile: venv
	.venv/bin/pybabel compile -d core/locale -D messages --statistics

## lint-imports: the layers' one import direction (contracts in .importlinter; README, "Layers")
lint-imports: venv
	.venv/bin/lint-imports

## postgres: start the local PostgreSQL and create the live path's test database (issue 13; .ci/run does it)
postgres:
	./live/postgres-dev.sh
