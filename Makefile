# Two commands: `make book` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# nbgrader calls alembic by name, so the venv's scripts must be on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: book test release clean help bench

help:
	@echo "make book   set up .venv and build the HTML book into _build/html"
	@echo "make test   set up .venv and run every test (losslib, notebooks, grading round trip, book build)"
	@echo "make release  regenerate exercises/ from solutions/ with nbgrader"
	@echo "make clean  remove _build/ (keeps .venv)"
	@echo "make bench  run the benchmarks (losslib vs PyTorch in .venv/torch, grading, book build)"

# (Re)install when the dependencies change. `pip install -e` means a change in
# losslib/ or losscourse/ needs no reinstall.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0] + ". Run make PYTHON=python3.12 (or another 3.11+ interpreter).")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[course]"
	@touch $(STAMP)

book: $(STAMP)
	$(PY) -m losscourse.book

test: $(STAMP)
	$(PY) -m pytest

release: $(STAMP)
	$(PY) -m losscourse.assignments

# The losslib benchmark runs against PyTorch in a venv of its own (PyTorch is no dependency of the
# course). On Linux, PyPI's torch is a CUDA build of several GB; a CPU build is enough:
#   make bench TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
TORCH       ?= torch==2.13.0
TORCH_VENV  := $(VENV)/torch
TORCH_STAMP := $(TORCH_VENV)/.installed-stamp

$(TORCH_STAMP): $(STAMP)
	@test -x $(TORCH_VENV)/bin/python || $(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TORCH_VENV)/bin/python -m pip install --quiet "numpy==$$($(PY) -c 'import numpy; print(numpy.__version__)')" $(TORCH)
	@touch $(TORCH_STAMP)

bench: $(STAMP) $(TORCH_STAMP)
	$(PY) benchmarks/run_all.py --torch-python $(TORCH_VENV)/bin/python

clean:
	rm -rf _build
