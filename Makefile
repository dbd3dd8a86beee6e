# Quick start:  make run   (set up, generate the demo month, run it, print the report path)
#               make test  (set up, lint, run the tests)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PERIOD ?= 2026-10
ORDERS ?= 20000
STAMP  := $(VENV)/.installed

.PHONY: setup run test lint lab clean-reports docs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# recon run exits 1 when it finds discrepancies (the demo month has them on purpose).
run: $(STAMP)
	@test -d data/raw/$(PERIOD) || $(BIN)/recon demo --period $(PERIOD) --orders $(ORDERS)
	@$(BIN)/recon run --period $(PERIOD); code=$$?; \
	if [ $$code -gt 1 ]; then exit $$code; fi

test: $(STAMP)
	$(BIN)/ruff check recon_lib tests benchmarks notebooks
	$(BIN)/python -m pytest -q -n auto --maxprocesses=4 --dist loadscope

lint: $(STAMP)
	$(BIN)/ruff check recon_lib tests benchmarks notebooks

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	$(BIN)/jupyter lab notebooks/

docs: $(STAMP)
	$(BIN)/python -m recon_lib.schema > docs/data-model.md
