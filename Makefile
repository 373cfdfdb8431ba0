# Two commands: `make book` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# The course's one command line (losscourse/cli/): make's targets run its commands.
LOSSCOURSE := $(VENV)/bin/losscourse
STAMP  := $(VENV)/.installed-stamp
# nbgrader calls alembic by name, so the venv's scripts must be on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: book test release clean help bench lock

help:
	@echo "make book   set up .venv and build the HTML book into _build/html"
	@echo "make test   set up .venv and run every test (losslib, notebooks, grading round trip, book build)"
	@echo "make release  regenerate exercises/ from solutions/ with nbgrader"
	@echo "make clean  remove _build/ (keeps .venv)"
	@echo "make bench  run the benchmarks (losslib vs PyTorch in .venv/torch, grading, book build)"
	@echo "make lock   refresh requirements/*.txt to the newest releases pyproject.toml allows (maintainers)"

# Every distribution the course installs is pinned, with its hashes, in one lock: requirements/lock.txt.
# A new upstream release changes nothing here until a maintainer runs `make lock` and commits.
# (Re)install when the lock or pyproject.toml changes; `pip install -e` means a change in losslib/
# or losscourse/ needs no reinstall.
LOCK := requirements/lock.txt
# pip installs a lock exactly: every line pinned and hashed (--require-hashes), nothing resolved beyond it.
PIP_LOCKED := -m pip install --quiet --require-hashes --no-deps -r
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0] + ". Run make PYTHON=python3.12 (or another 3.11+ interpreter).")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) $(PIP_LOCKED) $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(LOSSCOURSE) env sync $(LOCK)
	@touch $(STAMP)

# Refresh the locks to today's newest releases that pyproject.toml's ranges allow (one version of each
# distribution for every Python >= 3.11), then derive the student environment (Binder, the notebooks'
# install cell) and make bench's. `make lock UPGRADE=--upgrade-package=NAME` refreshes one only;
# `make lock UPGRADE=` adds what pyproject.toml gained and keeps every other pin.
UPGRADE   ?= --upgrade
UV_LOCK   := $(VENV)/bin/uv pip compile --universal --fork-strategy fewest --python-version 3.11 --quiet
lock: $(STAMP)
	$(UV_LOCK) $(UPGRADE) --generate-hashes pyproject.toml requirements/tools.in --extra course --extra student -o $(LOCK)
	$(UV_LOCK) pyproject.toml --extra student -c $(LOCK) -o requirements/student.txt
	$(UV_LOCK) --generate-hashes requirements/bench.in -o requirements/bench.txt
	@echo "Now: make test, then commit requirements/ (CONTRIBUTING: Dependencies)."

book: $(STAMP)
	$(LOSSCOURSE) book

# The browser tests check every page with axe-core (npm), pinned in package-lock.json; npm ci installs
# exactly that into node_modules/ (git-ignored, never published with the book).
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for the accessibility tests: install nodejs and npm"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

# pytest-xdist spreads the suite over the machine's cores; losscourse/pytest_plugin.py keeps together
# what shares a process (a file's fixtures, the built book). `make test PYTEST_WORKERS=0` runs it in one.
PYTEST_WORKERS ?= auto
test: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope --durations=15

release: $(STAMP)
	$(LOSSCOURSE) release

# The losslib benchmark runs against PyTorch in a venv of its own (PyTorch is no dependency of the
# course). On Linux, PyPI's torch is a CUDA build of several GB; a CPU build is enough:
#   make bench TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
TORCH       ?= torch==2.13.0
TORCH_VENV  := $(VENV)/torch
TORCH_STAMP := $(TORCH_VENV)/.installed-stamp

$(TORCH_STAMP): $(STAMP) requirements/bench.txt
	@test -x $(TORCH_VENV)/bin/python || $(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/python $(PIP_LOCKED) requirements/bench.txt
	$(TORCH_VENV)/bin/python -m pip install --quiet --no-deps $(TORCH)
	@touch $(TORCH_STAMP)

bench: $(STAMP) $(TORCH_STAMP)
	$(PY) benchmarks/run_all.py --torch-python $(TORCH_VENV)/bin/python

clean:
	rm -rf _build
