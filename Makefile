# One command for each habit: make demo, make test, make soak, make bench, make lint,
# make docs, make screenshots.
# Every target creates and uses .venv itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test soak bench lint format docs dist screenshots venv clean field field-clean field-arm64

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,hq,ui,docs]'
	touch $(STAMP)

venv: $(STAMP)

# HQ, the kiosk (in a window, or offscreen with simulated shoppers) and sync; Ctrl+C stops.
demo: $(STAMP)
	$(BIN)/hymio demo

# Two processes (pytest-xdist), a test file's tests on one of them; PYTEST_ARGS="-n 0"
# runs them in one.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# The long forms: schemathesis with up to 3 600 cases per HQ operation, at least 50 000
# requests on SQLite and 50 000 on PostgreSQL (make test runs 25 per operation; the
# figures in docs/tests.md), and the demo with 300 shoppers (make test: 120).
soak: $(STAMP)
	HYMIO_FUZZ_EXAMPLES=3600 HYMIO_FUZZ_MIN_CASES=50000 $(BIN)/python -m pytest \
		tests/hq/api/test_schema_fuzz.py -k no_generated -s --timeout 7200 $(PYTEST_ARGS)
	HYMIO_DEMO_PRESSES=300 $(BIN)/python -m pytest tests/hymio/test_demo.py $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The documentation site (docs/, mkdocs.yml); any warning (a broken link) fails. Built into
# hq/web/help/, which HQ serves at /help and the wheel carries (docs/build_help.py).
docs: $(STAMP)
	$(BIN)/python -m docs.build_help

# The wheel and the sdist into dist/, with the documentation in them.
dist: docs
	$(BIN)/python -m build --outdir dist .

# The documentation's pictures, shot anew from demo data (docs/images/): a real HQ on
# 127.0.0.1, the kiosk's offscreen window, the dashboard in Debian's Chromium.
screenshots: $(STAMP)
	$(BIN)/python -m docs.screenshots

# The field rig (never part of make test): Hymiö installed by deploy/install-pi.sh in a
# Debian bookworm guest under QEMU, booted by systemd, with a DRM card and gpio-sim as its
# GPIO chip; the checks in field/. Runs as root; the image is cached in .field/.
# See docs/build-a-kiosk/field-rig.md.
field: $(STAMP)
	$(BIN)/python -m pytest field -o testpaths=field --timeout 3600 -p no:cacheprovider $(PYTEST_ARGS)

# The arm64 smoke check (never part of make test): deploy/install-pi.sh's install in a
# Debian bookworm arm64 root under qemu-user (chroot), then doctor, the kiosk offscreen, a
# press and a sync to HQ on 127.0.0.1. Runs as root; the root is cached in .field/arm64/.
# See docs/build-a-kiosk/arm64-check.md.
field-arm64: $(STAMP)
	$(BIN)/python -m field.arm64

# Removes the rig's images and caches (.field/).
field-clean:
	rm -rf .field

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .field .demo artifacts site hq/web/help dist .pytest_cache .ruff_cache .hypothesis
