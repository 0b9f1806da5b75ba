"""Fixtures for the browser tests: the built book, a local server, headless Chromium.

The tests read the book the way a reader does: Debian's Chromium, driven by Playwright,
opens the pages of ``_build/html`` served on 127.0.0.1 (or straight from disk). Every
request that leaves 127.0.0.1 is aborted and recorded, so a page that needs the network
fails its test instead of quietly loading something from a CDN.

Run them with ``make test-browser``, which builds the book (and its single-page version)
first. Not collected by the unit-test run (pyproject's testpaths is ``tests``).
Environment: ``CHROMIUM`` (default ``/usr/bin/chromium``), ``BOOK_BUILD_DIR`` (default
``_build`` next to this folder), ``BROWSER_TEST_WORKERS`` (pages visited at a time,
default 2).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from bookbrowser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DOCNAMES,
    HTML_DIR,
    SCREENSHOT_DIR,
    guarded_page,
    new_context,
    visit_all,
)


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(
            f"no built book at {HTML_DIR}: run `make book` first (or `make test-browser`)"
        )
    missing = [d for d in DOCNAMES if not (HTML_DIR / f"{d}.html").is_file()]
    if missing:
        pytest.fail(
            f"pages in _toc.yml missing from {HTML_DIR}: {missing}; rebuild the book"
        )
    return HTML_DIR


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def base_url(html_dir) -> str:
    """``http://127.0.0.1:<free port>/``: _build/html served from a thread."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} not found. Install Debian's chromium (`apt-get install chromium`, "
            "or run `make test-browser` as root), or set CHROMIUM to a Chromium binary."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def visit(browser, base_url):
    """``visit(docname)``: the record of the page's visit (see ``bookbrowser``).

    The first call visits every page of the book, two at a time (BROWSER_TEST_WORKERS
    sets how many), and every test of a page then reads that one visit.
    """
    shutil.rmtree(SCREENSHOT_DIR, ignore_errors=True)  # no pictures of pages gone since
    workers = int(os.environ.get("BROWSER_TEST_WORKERS", min(2, os.cpu_count() or 1)))
    done: dict = {}

    def get(docname: str):
        if not done:
            done.update(visit_all(base_url, DOCNAMES, workers))
        if isinstance(done[docname], Exception):
            raise done[docname]
        return done[docname]

    return get


@pytest.fixture
def new_page(browser, base_url):
    """``new_page(allowed_prefix=base_url, mode=None, color_scheme="light")``: a page in
    a fresh context (a reader's first visit), and its Guard; closed after the test."""
    made = []

    def make(allowed_prefix: str | None = None, **context_kwargs):
        context = new_context(browser, **context_kwargs)
        made.append(context)
        return guarded_page(context, allowed_prefix or base_url)

    yield make
    for context in made:
        context.close()
