# Build the book and run the checks. GNU make; recipes run in bash.
#   make book         build the HTML book (executes changed chapters only)
#   make test         package tests, the strict book build, then the browser tests
#                     (skipped, with a message, when there is no Chromium)
# Run `make help` for the full list.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY = $(VENV)/bin/python
JB = $(VENV)/bin/jupyter-book
STAMP = $(VENV)/.installed
# Debian's Chromium, driven by Playwright in the browser tests (never a downloaded browser).
CHROMIUM ?= /usr/bin/chromium

.PHONY: cache-check execute help book book-strict book-single book-pdf flashcards chromium test test-browser browser-check bench clean distclean publish serve

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-13s %s\n", $$1, $$2}'

# (Re)install when the dependency lists change. The stamp file records the last
# successful install, so an interrupted pip run is retried next time.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt
	touch $@

# The execution cache keys on each chapter's code cells, not on the package they import.
# So that a change to code/logreg/ re-runs the chapters (their outputs show the package's
# results), the cache is dropped when the package's source differs from the last build's.
PKG_HASH := $(shell cat code/logreg/*.py pyproject.toml 2>/dev/null | sha256sum | cut -c1-16)
cache-check:
	@mkdir -p _build
	@if [ "$$(cat _build/.package-hash 2>/dev/null)" != "$(PKG_HASH)" ]; then \
	  if [ -d _build/.jupyter_cache ]; then \
	    echo "code/logreg changed since the last build: dropping the execution cache"; \
	    rm -rf _build/.jupyter_cache; \
	  fi; \
	  echo "$(PKG_HASH)" > _build/.package-hash; \
	fi

# Chapters run first, in parallel (one kernel more than cores), into the execution cache that the
# build reads; the build itself then executes nothing (scripts/execute_chapters.py).
execute: $(STAMP) cache-check ## execute outdated chapters in parallel into the cache
	$(PY) scripts/execute_chapters.py

book: execute ## build the book into _build/html (cached execution)
	$(JB) build .

# -W: warnings are errors; -n: broken cross-references are warnings (hence errors);
# --keep-going: report every warning before failing.
# --all: start from a fresh Sphinx environment, so every page is parsed again and
# re-reports its warnings. Without it, a page that warned in the previous build and
# has not changed since is not re-read and the second build passes silently. Cells
# are not re-run: their outputs come from the execution cache.
book-strict: execute ## build the book, failing on any warning or broken reference
	$(JB) build . -W -n --keep-going --all

# The whole book as one HTML page (Sphinx singlehtml) in _build/singlehtml, for
# printing or reading offline. It shares the Sphinx environment in _build/.doctrees
# with `make book`, so the next build of either re-reads every page once (the cells
# are not re-run: their outputs come from the execution cache).
book-single: execute ## build the book as one page: _build/singlehtml/index.html
	$(JB) build . --builder singlehtml

# Every question of the book as flashcards. Each HTML build writes the deck (with the
# numbers its chapters computed, from the execution cache) into _build/flashcards/ and
# _build/html/_static/flashcards/ (_ext/study_aids.py); this target builds the book, then
# writes the deck again and says where it is.
flashcards: $(STAMP) ## Anki deck and CSV of every question: _build/flashcards/
	$(MAKE) --no-print-directory book
	$(PY) scripts/flashcards.py --no-execute

# The single-page build printed by Debian's Chromium (Playwright's page.pdf) once MathJax
# has typeset it, every fold open, with a table of contents and page numbers.
# It then checks the PDF (browser_tests/test_book_pdf.py: page count, contents, every
# chapter title, a sample of folded answers, no raw TeX). That check runs here, not in
# `make test`: printing the whole book twice takes minutes on a 2-core machine.
book-pdf: $(STAMP) chromium ## the whole book as a PDF, answers open: _build/pdf/book.pdf
	$(MAKE) --no-print-directory book-single
	CHROMIUM=$(CHROMIUM) $(PY) scripts/book_pdf.py
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q browser_tests/test_book_pdf.py

# Installs Debian's chromium when it is missing; that needs root (CI runs as root).
chromium: ## install Debian's chromium for the browser tests, if missing (root only)
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "make: $(CHROMIUM) not found and not running as root, so it cannot be installed." >&2; \
	  echo "      Install Debian's chromium (sudo apt-get install chromium) and run again," >&2; \
	  echo "      or set CHROMIUM=/path/to/chromium." >&2; \
	  exit 1; \
	fi; \
	echo "Installing Debian's chromium with apt-get"; \
	apt-get update; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	test -x "$(CHROMIUM)" || { echo "make: chromium is installed, but $(CHROMIUM) is still missing" >&2; exit 1; }

# Headless Chromium reads the built book: every page of _toc.yml in light and dark
# mode, served on 127.0.0.1 with all other network blocked, plus the book opened from
# disk and the single-page build. Screenshots go to _build/screenshots/{light,dark}/.
test-browser: $(STAMP) chromium ## build the book, then test it in headless Chromium
	$(MAKE) --no-print-directory book
	$(MAKE) --no-print-directory browser-check

# The browser tests on _build/html as it is (`make test` runs this right after the
# strict build, instead of rebuilding with other settings), after the single page.
browser-check: $(STAMP) chromium
	$(MAKE) --no-print-directory book-single
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest browser_tests --ignore=browser_tests/test_book_pdf.py

# The strict build is the gate for the chapters. With execution cached only the
# first build after a change executes a chapter; raise_on_error in _config.yml
# makes a failing cell fail that build, and a chapter whose last execution failed
# has no cache entry, so it is executed (and fails) again on the next build.
test: $(STAMP) ## package tests, strict book build, browser tests (if Chromium is there)
	$(PY) -m pytest
	$(MAKE) --no-print-directory book-strict
	@if [ -x "$(CHROMIUM)" ]; then \
	  $(MAKE) --no-print-directory browser-check; \
	else \
	  echo "make test: SKIPPED the browser tests: $(CHROMIUM) not found."; \
	  echo "           Install Debian's chromium, or run 'make test-browser' as root to install it."; \
	fi

# Publishing to a gh-pages branch, for hosting other than the Pages workflow in
# .github/workflows (which deploys main by itself). ghp-import commits the built book as
# the whole content of the local branch PUBLISH_BRANCH and pushes it to PUBLISH_REMOTE
# (-p), with --force (-f): the branch holds builds only, never edits to keep.
# -n adds .nojekyll: without it GitHub Pages runs Jekyll,
# which drops every folder whose name starts with "_" (_static, with MathJax, and
# _images). It publishes _build/html as it is: build and test first (`make test`).
PUBLISH_REMOTE ?= origin
PUBLISH_BRANCH ?= gh-pages
PUBLISH_DIR ?= _build/html
publish: $(STAMP) ## push _build/html to the gh-pages branch of origin (make test first)
	@test -f "$(PUBLISH_DIR)/index.html" || { \
	  echo "make publish: no built book in $(PUBLISH_DIR): run 'make test' (or 'make book') first" >&2; \
	  exit 1; }
	$(VENV)/bin/ghp-import -n -p -f -r "$(PUBLISH_REMOTE)" -b "$(PUBLISH_BRANCH)" \
	  -m "Publish the book built from $$(git rev-parse --short HEAD 2>/dev/null || echo 'an uncommitted tree')" \
	  "$(PUBLISH_DIR)"
	@echo "Pushed $(PUBLISH_DIR) to branch $(PUBLISH_BRANCH) of $(PUBLISH_REMOTE)."

# Local reading at http://127.0.0.1:8000/ (SERVE_PORT=... for another port); only this
# machine can connect. Ctrl-C stops it.
SERVE_PORT ?= 8000
serve: ## serve _build/html at http://127.0.0.1:8000/ for reading
	@test -f _build/html/index.html || { echo "make serve: no built book: run 'make book' first" >&2; exit 1; }
	@echo "Serving _build/html at http://127.0.0.1:$(SERVE_PORT)/ (Ctrl-C to stop)"
	python3 -m http.server --bind 127.0.0.1 --directory _build/html $(SERVE_PORT)

bench: $(STAMP) ## run the benchmarks
	$(PY) benchmarks/run.py
	$(PY) benchmarks/multinomial.py

clean: ## remove _build (HTML, execution cache, screenshots); keep .venv
	rm -rf _build

distclean: clean ## also remove .venv
	rm -rf $(VENV)
