# storyreel: `make demo` runs the main job offline, `make test` runs every check.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Test processes: the suite mostly waits on subprocesses and loopback servers.
TEST_WORKERS ?= 3
IDEA   ?= A lighthouse keeper befriends the storm that keeps trying to knock her lighthouse down

.PHONY: setup demo test lint typecheck pytest bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/storyreel make "$(IDEA)" --segments 4 --yes

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/emulator.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/reel.py
	$(BIN)/python bench/ratelimit.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info output
