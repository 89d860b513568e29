# Set-up and everyday commands. Needs only python3 (with venv), make and git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench demo screenshot clean lock

LOCK := requirements.lock

# (Re)create the virtual environment when it is missing or the lock changed. Every package
# comes from the lock, pinned and checked against its hashes; the project itself is installed
# without dependencies and without build isolation, so nothing unpinned slips in.
$(STAMP): $(LOCK) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Re-resolve the lock from pyproject.toml's ranges, on purpose (see README, "Updating the lock").
lock:
	$(PYTHON) -m pip install --quiet --user uv 2>/dev/null || $(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra test --extra dist --generate-hashes \
		--python-version 3.11 --index-url https://pypi.org/simple --no-header \
		-c lock-constraints.txt -o $(LOCK) $(UPGRADE)

run: $(STAMP)
	$(BIN)/us-annotator --demo

test: $(STAMP)
	$(BIN)/ruff check annotator tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check annotator tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

demo: $(STAMP)
	$(BIN)/python -m annotator.demo --write resources/demo

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
