"""Printing a page shows every answer (_static/print.js, _static/print.css), the question
bank's formula sheet fits one A4 page, and the bank offers its flashcards for download.

Printing is emulated as a browser prints: the print media
(``page.emulate_media(media="print")``), then the ``beforeprint`` event, on which
``_static/print.js`` opens the folds (``afterprint`` closes them again). The paper is
measured with Chromium's own ``page.pdf``, read back with pypdf.
"""

from __future__ import annotations

import io
import re
import unicodedata
import urllib.request
import zipfile

import pytest
from bookbrowser import DOCNAMES, WAIT_FOR_MATHJAX
from playwright.sync_api import TimeoutError as PlaywrightTimeout

BANK = "chapters/08-interview-question-bank"
# The bank (dropdowns in dropdowns, hidden cells, exercise solutions), a chapter (hidden
# cells, solutions) and the drill (a hidden reference solution).
PRINTED = [BANK, "chapters/03-derive-the-gradient", "chapters/drill-implement-fit-from-scratch"]

FOLDS = """() => {
  const details = [...document.querySelectorAll('article details')];
  const toggles = [...document.querySelectorAll('article .admonition.toggle, article .toggle-hidden')];
  const shown = (el) => el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})
      && el.getBoundingClientRect().height > 0;
  const content = (el) => [...el.children].filter(ch => el.tagName === 'DETAILS'
      ? ch.tagName !== 'SUMMARY' : !ch.classList.contains('admonition-title'));
  return {
    details: details.length,
    detailsClosed: details.filter(d => !d.open).length,
    detailsHidden: details.filter(d => !content(d).every(shown)).length,
    toggles: toggles.length,
    togglesHidden: toggles.filter(t => t.classList.contains('toggle-hidden')
        || !content(t).every(shown)).length,
    buttonsShown: [...document.querySelectorAll('button.toggle-button')].filter(shown).length,
  };
}"""


def _print(page) -> None:
    """What a browser does when the reader prints: the print media, then beforeprint."""
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")


def _unprint(page) -> None:
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")


def _settle(page, condition: str, timeout_ms: int = 10_000) -> None:
    """Wait until ``condition`` holds (the assertions that follow then say what did not)."""
    try:
        page.wait_for_function(condition, timeout=timeout_ms)
    except PlaywrightTimeout:  # the assertions below report the state
        pass


def _open(new_page, base_url, docname):
    page, guard = new_page()
    page.goto(f"{base_url}{docname}.html", wait_until="load")
    page.evaluate(WAIT_FOR_MATHJAX)
    page.wait_for_timeout(200)  # sphinx-togglebutton folds the solutions on load
    return page, guard


@pytest.mark.parametrize("docname", [d for d in PRINTED if d in DOCNAMES])
def test_printing_opens_every_fold_and_closes_them_after(new_page, base_url, docname):
    page, guard = _open(new_page, base_url, docname)
    screen = page.evaluate(FOLDS)
    assert screen["details"] > 0 and screen["detailsClosed"] > 0, screen

    _print(page)
    # the media change reaches print.js as an event: let it settle before measuring
    _settle(page, "() => document.querySelectorAll('article details:not([open])').length == 0")
    paper = page.evaluate(FOLDS)
    assert paper["detailsClosed"] == 0, paper
    assert paper["detailsHidden"] == 0, paper
    assert paper["togglesHidden"] == 0, paper
    assert paper["buttonsShown"] == 0, paper
    # an answer's words are on the paper, not only in the DOM
    pdf = page.pdf(format="A4")
    text = _text(pdf)
    hidden_words = page.evaluate(
        "() => [...document.querySelectorAll('article details.sd-dropdown')]"
        ".flatMap(d => [...d.querySelectorAll(':scope > .sd-summary-content > p')])"
        ".filter(p => !p.querySelector('mjx-container, code, a'))"
        ".map(p => p.innerText.split(/\\s+/).slice(0, 8).join(' '))"
    )
    if hidden_words:
        assert _key(hidden_words[0]) in _key(text), hidden_words[0]

    _unprint(page)
    _settle(
        page,
        "() => document.querySelectorAll('article details:not([open])').length == "
        f"{screen['detailsClosed']}",
    )
    back = page.evaluate(FOLDS)
    assert back["detailsClosed"] == screen["detailsClosed"], back
    assert not guard.console_errors, guard.console_errors


def _text_pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def _text(pdf: bytes) -> str:
    return "\n".join(_text_pages(pdf))


def _key(text: str) -> str:
    """Letters and digits only; ligatures (the PDF's "ﬂ") unfolded first."""
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", text).lower())


def test_the_formula_sheet_prints_on_one_a4_page(new_page, base_url):
    page, _ = _open(new_page, base_url, BANK)
    _print(page)
    pages = [_key(t) for t in _text_pages(page.pdf(format="A4"))]
    # the page that begins with the heading "14.4. Formula sheet" (number and all)
    starts = [i for i, t in enumerate(pages) if re.match(r"\d*formulasheet", t)]
    assert len(starts) == 1, f"the sheet's heading is not at the top of one page: {starts}"
    sheet = pages[starts[0]]
    # everything from "Objective" to the identities is on that one page ...
    for words in ("Objective", "Stable per-example loss", "Hessian-vector product",
                  "Newton step", "Identities worth having ready"):
        assert _key(words) in sheet, words
    # ... and the next section starts the next page
    following = pages[starts[0] + 1]
    assert re.match(r"\d*" + _key("Gradient-check steps and float64 landmarks"), following)


def test_the_bank_offers_the_flashcards(new_page, base_url):
    page, _ = _open(new_page, base_url, BANK)
    links = page.evaluate(
        "() => [...document.querySelectorAll('article a')].map(a => a.href)"
        ".filter(h => /flashcards\\//.test(h))"
    )
    apkg = [h for h in links if h.endswith(".apkg")]
    csv = [h for h in links if h.endswith(".csv")]
    assert apkg and csv, links
    with urllib.request.urlopen(apkg[0], timeout=10) as response:
        data = response.read()
    with zipfile.ZipFile(io.BytesIO(data)) as deck:
        assert "collection.anki2" in deck.namelist()
    with urllib.request.urlopen(csv[0], timeout=10) as response:
        first = response.read().decode("utf8").splitlines()[0]
    assert first == "front,back,tags"


def test_the_index_links_every_question_to_its_anchor(new_page, base_url):
    """Each row's link lands on an element with that id, on the page it names."""
    page, _ = _open(new_page, base_url, "chapters/index-every-question")
    hrefs = page.evaluate(
        "() => [...document.querySelectorAll('table.question-index tbody a.reference')]"
        ".map(a => a.getAttribute('href'))"
    )
    assert len(hrefs) > 100
    by_page: dict[str, set] = {}
    for href in hrefs:
        target, _, anchor = href.partition("#")
        assert anchor, href
        by_page.setdefault(target, set()).add(anchor)
    for target, anchors in by_page.items():
        other, _ = new_page()
        other.goto(f"{base_url}chapters/{target}", wait_until="domcontentloaded")
        missing = other.evaluate(
            "ids => ids.filter(id => !document.getElementById(id))", sorted(anchors)
        )
        assert not missing, f"{target}: no element with id {missing}"
        other.close()
