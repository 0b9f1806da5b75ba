"""Every page of the book, as Chromium shows it: math, console, network, images, folds, links.

The pages come from _toc.yml; nothing here names a chapter, so the tests cover the
chapters as they are written.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from urllib.parse import urldefrag, urlsplit

import pytest
from bookbrowser import DOCNAMES

PAGES = pytest.mark.parametrize("docname", DOCNAMES)


@PAGES
def test_math_is_typeset(visit, docname):
    """Every math element holds a MathJax container; no TeX is left in the prose."""
    v = visit(docname)
    m = v.math
    if m["mathElements"]:
        assert v.mathjax_loaded, (
            "MathJax did not load (it is served from _static/mathjax)"
        )
    assert not m["untypeset"], (
        f"{len(m['untypeset'])} math elements not typeset: {m['untypeset'][:3]}"
    )
    assert m["containers"] >= m["mathElements"]
    assert not m["errors"], f"MathJax could not typeset: {m['errors'][:5]}"
    assert not m["leftovers"], f"raw TeX in the visible text: {m['leftovers']}"


@PAGES
def test_no_console_errors_and_no_network(visit, docname):
    """No JavaScript error, no failed request, nothing fetched from beyond 127.0.0.1,
    in light mode, after switching to dark mode, and while opening every fold."""
    v = visit(docname)
    assert not v.guard.blocked, f"the page tried to use the network: {v.guard.blocked}"
    assert not v.guard.console_errors, "\n".join(v.guard.console_errors)
    assert not v.guard.bad_responses, "\n".join(v.guard.bad_responses)


@PAGES
def test_images_load(visit, docname):
    bad = [
        i
        for i in visit(docname).images
        if not (i["complete"] and i["naturalWidth"] > 0)
    ]
    assert not bad, f"images that did not load: {bad}"


@PAGES
def test_folded_answers_open_and_show_their_content(visit, docname):
    """Solutions, dropdowns and hidden cells start folded and open with one click."""
    problems = []
    for fold in visit(docname).folds:
        where = f"{fold['kind']} #{fold['index']} ({fold['label']!r})"
        if fold["openByDesign"]:
            if not (fold["before"]["shownElements"] and fold["before"]["hasContent"]):
                problems.append(f"{where} is open by design but shows nothing")
            continue
        if fold["before"]["open"] or fold["before"]["shownElements"]:
            problems.append(
                f"{where} is not folded when the page opens: {fold['before']}"
            )
        if "error" in fold:
            problems.append(f"{where}: clicking it failed: {fold['error']}")
            continue
        after = fold["after"]
        if not (after["open"] and after["shownElements"] and after["hasContent"]):
            problems.append(f"{where} shows nothing after a click: {after}")
    assert not problems, "\n".join(problems)


def test_every_fold_mechanism_in_the_book_was_exercised(visit):
    """Guard the fold test itself: each mechanism that occurs in the built HTML was clicked."""
    from bookbrowser import HTML_DIR

    html = "".join(
        (HTML_DIR / f"{d}.html").read_text(encoding="utf8") for d in DOCNAMES
    )
    expected = {
        "sphinx-design dropdown": 'class="sd-sphinx-override sd-dropdown',
        "myst-nb hidden cell part": '<details class="admonition hide',
        "sphinx-exercise solution (togglebutton)": 'class="solution dropdown',
    }
    exercised = {f["kind"] for d in DOCNAMES for f in visit(d).folds}
    for kind, marker in expected.items():
        if marker in html:
            assert kind in exercised, (
                f"{kind} occurs in the book but no fold of that kind was found"
            )


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, ""


def _has_h1(html: str) -> bool:
    """The page's own article has a heading (not only the print header the theme adds)."""
    article = html.find('<article class="bd-article"')
    return article >= 0 and re.search(r"<h1[\s>]", html[article:]) is not None


@PAGES
def test_prev_next_and_toc_links_lead_to_real_pages(visit, base_url, docname):
    v = visit(docname)
    links = [u for u in (v.facts["prev"], v.facts["next"]) if u] + v.facts["sidebarToc"]
    assert v.facts["sidebarToc"], "the page has no table of contents in its sidebar"
    problems = []
    for url in sorted(set(links)):
        page, fragment = urldefrag(url)
        if not page.startswith(base_url):
            problems.append(f"{url}: leaves the book")
            continue
        status, html = _fetch(page)
        if status != 200:
            problems.append(f"{url}: HTTP {status}")
        elif not _has_h1(html):
            problems.append(f"{url}: the target page has no h1")
        elif fragment and f'id="{fragment}"' not in html:
            problems.append(f"{url}: no element with id {fragment!r}")
    assert not problems, "\n".join(problems)
    assert not v.facts["missingAnchors"], (
        f"in-page contents links to nothing: {v.facts['missingAnchors']}"
    )
    assert v.facts["h1"], "the page itself has no h1"


def test_table_of_contents_lists_every_page(visit, base_url):
    """The sidebar of the first page links every page of _toc.yml (the root as the logo/home)."""
    linked = {
        urlsplit(urldefrag(u)[0]).path for u in visit(DOCNAMES[0]).facts["sidebarToc"]
    }
    wanted = {f"/{d}.html" for d in DOCNAMES[1:]}
    assert wanted <= linked, (
        f"pages missing from the table of contents: {sorted(wanted - linked)}"
    )


def test_prev_next_follow_the_reading_order(visit, base_url):
    """Next from each page is the following page of _toc.yml; prev is the one before."""
    urls = [f"{base_url}{d}.html" for d in DOCNAMES]
    for i, docname in enumerate(DOCNAMES):
        facts = visit(docname).facts
        if i + 1 < len(DOCNAMES):
            assert facts["next"] == urls[i + 1], f"next from {docname}"
        else:
            assert facts["next"] is None, (
                f"{docname} is the last page but links to {facts['next']}"
            )
        if i > 0:
            assert facts["prev"] == urls[i - 1], f"prev from {docname}"
