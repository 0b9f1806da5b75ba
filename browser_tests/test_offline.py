"""The book opened from disk, with no server and no network: the multi-page book and
the single-page build (make book-single).
"""

from __future__ import annotations

import pytest
from bookbrowser import (
    DOCNAMES,
    HTML_DIR,
    LOAD_ALL_IMAGES,
    MATH_REPORT,
    SINGLE_DIR,
    WAIT_FOR_MATHJAX,
    is_notebook_page,
)


def _open_from_disk(new_page, path):
    page, guard = new_page(allowed_prefix="file://")
    page.goto(path.as_uri(), wait_until="load")
    if page.url.endswith("index.html"):  # index.html is a redirect to the root page
        page.wait_for_url(lambda url: not url.endswith("index.html"))
        page.wait_for_load_state("load")
    typeset = page.evaluate(WAIT_FOR_MATHJAX)
    images = page.evaluate(LOAD_ALL_IMAGES)
    return page, guard, typeset, page.evaluate(MATH_REPORT), images


def _assert_offline_page(guard, typeset, math, images, expect_math=True):
    if expect_math:
        assert math["mathElements"] > 0, "expected math on this page"
    if math["mathElements"]:
        assert typeset, "MathJax did not load from disk"
    assert not math["untypeset"], math["untypeset"][:3]
    assert not math["errors"], math["errors"][:3]
    assert not math["leftovers"], math["leftovers"]
    assert [i for i in images if i["naturalWidth"] == 0] == []
    assert not guard.blocked, f"needs the network: {guard.blocked}"
    assert not guard.console_errors, guard.console_errors
    assert not guard.bad_responses, guard.bad_responses


def test_index_from_disk_typesets_math(new_page, html_dir):
    page, guard, typeset, math, images = _open_from_disk(
        new_page, HTML_DIR / "index.html"
    )
    assert page.url.endswith(f"{DOCNAMES[0]}.html")
    root_has_math = 'class="math' in (HTML_DIR / f"{DOCNAMES[0]}.html").read_text(
        "utf8"
    )
    _assert_offline_page(guard, typeset, math, images, expect_math=root_has_math)


def test_a_chapter_from_disk_typesets_math_and_shows_its_figures(new_page, html_dir):
    chapters = [d for d in DOCNAMES if is_notebook_page(d)]
    if not chapters:
        pytest.skip("no chapter in the build yet")
    # the chapter with the most figures exercises the most local assets
    chapter = max(
        chapters, key=lambda d: (HTML_DIR / f"{d}.html").read_text("utf8").count("<img")
    )
    _, guard, typeset, math, images = _open_from_disk(
        new_page, HTML_DIR / f"{chapter}.html"
    )
    _assert_offline_page(guard, typeset, math, images, expect_math=False)


def test_single_page_book_from_disk(new_page):
    """make book-single: one page with every chapter, its math typeset, no network."""
    index = SINGLE_DIR / "index.html"
    if not index.is_file():
        pytest.skip(f"no single-page build at {SINGLE_DIR}: run `make book-single`")
    page, guard, typeset, math, images = _open_from_disk(new_page, index)
    _assert_offline_page(guard, typeset, math, images)
    # singlehtml marks where each document starts; the root is the page itself
    missing = page.evaluate(
        "names => names.filter(n => !document.getElementById('document-' + n))",
        DOCNAMES[1:],
    )
    assert not missing, f"pages of _toc.yml missing from the single page: {missing}"
