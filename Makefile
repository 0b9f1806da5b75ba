# Build the book and run the checks. GNU make; recipes run in bash.
#   make book         build the HTML book (executes changed chapters only)
#   make test         package tests, then the strict book build
# Run `make help` for the full list.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY = $(VENV)/bin/python
JB = $(VENV)/bin/jupyter-book
STAMP = $(VENV)/.installed

.PHONY: help book book-strict test bench clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

# (Re)install when the dependency lists change. The stamp file records the last
# successful install, so an interrupted pip run is retried next time.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt
	touch $@

book: $(STAMP) ## build the book into _build/html (cached execution)
	$(JB) build .

# -W: warnings are errors; -n: broken cross-references are warnings (hence errors);
# --keep-going: report every warning before failing.
# --all: start from a fresh Sphinx environment, so every page is parsed again and
# re-reports its warnings. Without it, a page that warned in the previous build and
# has not changed since is not re-read and the second build passes silently. Cells
# are not re-run: their outputs come from the execution cache.
book-strict: $(STAMP) ## build the book, failing on any warning or broken reference
	$(JB) build . -W -n --keep-going --all

# The strict build is the gate for the chapters. With execution cached only the
# first build after a change executes a chapter; raise_on_error in _config.yml
# makes a failing cell fail that build, and a chapter whose last execution failed
# has no cache entry, so it is executed (and fails) again on the next build.
test: $(STAMP) ## run the package tests, then the strict book build
	$(PY) -m pytest
	$(MAKE) --no-print-directory book-strict

bench: $(STAMP) ## run the benchmarks
	$(PY) benchmarks/run.py

clean: ## remove _build (HTML and the execution cache); keep .venv
	rm -rf _build

distclean: clean ## also remove .venv
	rm -rf $(VENV)
