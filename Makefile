# Set-up and everyday commands. Needs only python3 (with venv), make and git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench demo screenshot clean lock dist dist-check

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
	$(BIN)/ruff check annotator tests benchmarks packaging
	$(BIN)/lint-imports
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check annotator tests benchmarks packaging
	$(BIN)/lint-imports
	$(BIN)/mypy

# `make bench` runs every benchmark; `make bench scrub architecture` only those named (the
# names after "bench" are the benchmarks', not make targets)
ifeq (bench,$(firstword $(MAKECMDGOALS)))
BENCH_NAMES := $(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS))
$(eval $(BENCH_NAMES):;@:)
endif

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks $(BENCH_NAMES)

demo: $(STAMP)
	$(BIN)/python -m annotator.demo --write resources/demo

# The packaged app (docs/packaging.md): the wheel, then a one-folder PyInstaller bundle built from
# the unpacked wheel with packaging/us-annotator.spec, packed as a tar.gz.
VERSION = $(shell $(BIN)/python -c "import annotator; print(annotator.__version__)" 2>/dev/null)
PLATFORM_TAG = linux-$(shell uname -m)
dist: $(STAMP)
	rm -rf build/lib build/bdist.* build/wheel-site dist/us-annotator dist/*.whl dist/*.tar.gz dist/SHA256SUMS.txt
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation -w dist .
	$(BIN)/python -m zipfile -e dist/us_annotator-$(VERSION)-py3-none-any.whl build/wheel-site
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/make_icons.py build/icons
	US_ANNOTATOR_SITE=$(CURDIR)/build/wheel-site $(BIN)/pyinstaller --noconfirm --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/us-annotator.spec
	strip --strip-debug dist/us-annotator/_internal/libpython3*.so* 2>/dev/null || true
	mkdir -p dist/us-annotator/share/icons
	cp packaging/linux/*.desktop packaging/linux/*.xml dist/us-annotator/share/
	cp packaging/linux/icons/us-annotator.svg build/icons/us-annotator-*.png dist/us-annotator/share/icons/
	cp packaging/linux/install.sh packaging/linux/uninstall.sh CHANGELOG.md LICENSE dist/us-annotator/
	tar -C dist -czf dist/us-annotator-$(VERSION)-$(PLATFORM_TAG).tar.gz us-annotator
	cd dist && sha256sum us-annotator-$(VERSION)-$(PLATFORM_TAG).tar.gz *.whl > SHA256SUMS.txt
	@ls -l dist/*.whl dist/*.tar.gz

# Smoke-test the bundle away from the venv (env -i, a copy in a temporary folder).
dist-check: $(STAMP)
	@test -d dist/us-annotator || $(MAKE) dist
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/dist_check.py dist/us-annotator \
		--archive dist/us-annotator-$(VERSION)-$(PLATFORM_TAG).tar.gz

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
