# Qonaq: `make demo` runs the main job, `make test` lints and tests. Both bootstrap .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-load clean messages

# axe-core for the browser tests' accessibility audit, as locked in package-lock.json; without
# npm (a machine with only Python and make) that audit is skipped with its reason, as the other
# browser tests are without Chromium, except under QONAQ_REQUIRE_ALL=1 (CI installs npm)
node_modules/axe-core/axe.min.js: package.json package-lock.json
	if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: the accessibility audit will be skipped"; fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,build]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m qonaq.demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# pytest exits 5 when it collected nothing: that is a failure, not a pass
test: lint node_modules/axe-core/axe.min.js
	$(BIN)/pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

bench: $(STAMP)
	$(BIN)/python -m bench

# 64 registrars over HTTP against `qonaq serve` on a throw-away PostgreSQL (printed, not asserted)
bench-load: $(STAMP)
	nice -n 10 $(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache

# re-extract the translatable strings and merge them into the kk, ru and en catalogs
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k "gettext:2" -k N_ --no-location --sort-output \
		-o src/qonaq/locale/messages.pot src/qonaq
	for lang in kk ru en; do \
		if [ -f src/qonaq/locale/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching -l $$lang -i src/qonaq/locale/messages.pot -d src/qonaq/locale; \
		else \
			$(BIN)/pybabel init -l $$lang -i src/qonaq/locale/messages.pot -d src/qonaq/locale; \
		fi; \
	done
