# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app consult
PORT ?= 5000
VENDOR := consult/static/vendor
DIST := consult/static/dist
NM := node_modules
# The default theme's fonts (Noto Sans, Noto Serif for headings, Noto Sans Mono), Latin subsets
# only, served from the app itself; consult.css declares them.
FONTS := $(foreach w,400-normal 400-italic 700-normal,$(foreach s,latin latin-ext,noto-sans/files/noto-sans-$(s)-$(w))) \
	$(foreach s,latin latin-ext,noto-serif/files/noto-serif-$(s)-700-normal noto-sans-mono/files/noto-sans-mono-$(s)-400-normal)

.PHONY: install run test test-e2e translations messages clean dist lock

install: $(VENV)/.installed $(VENDOR)/.installed $(DIST)/manifest.json translations

# The versions pinned, with their hashes, in requirements-dev.lock (runtime and development
# dependencies); production installs requirements.lock (runtime only). `make lock` updates both.
$(VENV)/.installed: pyproject.toml requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# After a change to the dependencies in pyproject.toml: keeps every pin it can and resolves the
# rest; `make lock UPGRADE=1` takes the newest versions pyproject.toml allows. Needs uv
# (`pipx install uv`); the locks hold every platform's hashes (Linux servers and developers' Macs).
UV ?= uv
LOCK_ARGS := --universal --python-version 3.11 --generate-hashes --no-annotate --custom-compile-command "make lock" \
	--index-url https://pypi.org/simple $(if $(UPGRADE),--upgrade)
lock:
	$(UV) pip compile pyproject.toml $(LOCK_ARGS) -o requirements.lock
	$(UV) pip compile pyproject.toml --extra dev $(LOCK_ARGS) -o requirements-dev.lock

$(NM)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# Third-party assets are installed by npm and copied here; they are never committed.
$(VENDOR)/.installed: $(NM)/.installed
	mkdir -p $(VENDOR)
	cp $(NM)/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp $(NM)/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css $(VENDOR)/voorbeeld-theme.css
	cp $(NM)/@gemeente-denhaag/design-tokens-components/dist/theme/index.css $(VENDOR)/denhaag-theme.css
	mkdir -p $(VENDOR)/fonts
	for font in $(FONTS); do cp $(NM)/@fontsource/$$font.woff2 $(VENDOR)/fonts/; done
	cp $(NM)/@fontsource/noto-sans/LICENSE $(VENDOR)/fonts/OFL.txt
	touch $@

# Only the NL Design System component styles the site uses: PurgeCSS keeps the rules of every
# class named in the templates, the Python code and the JavaScript (purgecss.config.cjs), so it is
# rebuilt whenever one of those changes.
$(VENDOR)/utrecht.css: $(NM)/.installed purgecss.config.cjs $(shell find consult/templates consult/static/js -name '*.html' -o -name '*.js') $(shell find consult -name '*.py')
	mkdir -p $(VENDOR)/.purged
	$(NM)/.bin/purgecss --config purgecss.config.cjs --output $(VENDOR)/.purged/
	mv $(VENDOR)/.purged/index.css $@
	rmdir $(VENDOR)/.purged
	# PurgeCSS drops the focus ring of every element (a selector of pseudo-classes only, which it
	# cannot match against words); it is put back as it is (zero specificity: its place does not matter).
	$(PY) -c "import re, sys; full = open(sys.argv[1]).read(); sys.stdout.write(re.search(r'^:where\(\.utrecht-root\) :where\(:focus-visible\) \{.*?^\}\n', full, re.S | re.M).group(0))" $(NM)/@utrecht/component-library-css/dist/index.css >> $@

# Fingerprinted, gzip- and brotli-compressed copies and their manifest (consult/core/assets.py).
$(DIST)/manifest.json: $(VENV)/.installed $(VENDOR)/.installed $(VENDOR)/utrecht.css $(shell find consult/static -path $(DIST) -prune -o -type f -print)
	$(PY) -m consult.core.assets

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --statistics -d consult/translations

# Re-extract the messages and merge them into the catalogues (developers only).
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --ignore-dirs ".* __pycache__" --no-location --no-wrap --sort-output -o consult/translations/messages.pot consult
	$(VENV)/bin/pybabel update -N --no-wrap -i consult/translations/messages.pot -d consult/translations

run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Spread over the cores (pytest-xdist; each worker has its own databases and live server), in a
# random order whose seed is printed at the top (pytest-randomly). TEST_WORKERS=0 runs in one process.
# A worker that is done takes tests still waiting for the other (worksteal), so neither idles at the
# end behind one long test.
TEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The wheel a server installs with pip alone (deploy/, README "Running in production"): built from
# a fresh copy of the sources with the translations compiled and the static files fingerprinted in
# it, so nothing stale or half-written in this working copy ends up in a release.
# deploy/check_wheel.py then fails the build when the catalogues or the front-end files are missing.
STAGE ?= build/dist-src
DIST_DIR ?= dist
dist: $(VENV)/.installed $(VENDOR)/.installed $(VENDOR)/utrecht.css
	rm -rf $(STAGE) $(DIST_DIR)
	mkdir -p $(STAGE) $(DIST_DIR)
	tar -c --exclude=__pycache__ --exclude='*.pyc' --exclude='*.mo' --exclude=consult/static/dist \
		pyproject.toml README.md config.py consult | tar -x -C $(STAGE)
	# gunicorn's settings travel in the wheel: `gunicorn -c python:consult.gunicorn_conf ...`
	cp gunicorn.conf.py $(STAGE)/consult/gunicorn_conf.py
	# ... and so do the migrations (`flask --app consult db upgrade` on the server).
	tar -c --exclude=__pycache__ migrations | tar -x -C $(STAGE)/consult
	$(VENV)/bin/pybabel compile -d $(STAGE)/consult/translations
	$(PY) -c "import sys; from pathlib import Path; from consult.core import assets; \
		static = Path(sys.argv[1]); assets.build(static); (static / assets.DIST / assets.RELEASED).write_text('')" \
		$(STAGE)/consult/static
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir $(DIST_DIR) $(abspath $(STAGE))
	$(PY) deploy/check_wheel.py $(DIST_DIR)/consult-*.whl

clean:
	rm -rf $(VENV) $(NM) $(VENDOR) $(DIST) instance .pytest_cache build dist
