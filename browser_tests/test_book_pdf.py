"""``make book-pdf``: the whole book as one PDF, every answer open (scripts/book_pdf.py).

The PDF is ``_build/pdf/book.pdf`` as ``make book-pdf`` left it, or made here when it is
missing (several minutes on a 2-core machine: MathJax typesets the whole book, and the
book is printed twice, the second time with the page numbers in the contents); it is
read back with pypdf: its pages, its table of contents, every chapter's title, a sample
of answers that are folded on the web page, and no TeX left untypeset.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import sys
from pathlib import Path

import pytest
from bookbrowser import BOOK_ROOT, BUILD_DIR, CHROMIUM, SINGLE_DIR

sys.path.insert(0, str(BOOK_ROOT / "scripts"))
import book_pdf  # noqa: E402
import questions  # noqa: E402

PDF = BUILD_DIR / "pdf" / "book.pdf"
# TeX that only prose math uses: in the PDF it means MathJax did not typeset something.
RAW_TEX = re.compile(r"\$\$|\\\(|\\\[|\\(?:operatorname|frac|lVert|begin\{aligned\}|mathrm)")


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    """The PDF of ``make book-pdf``; made here if there is none (set BOOK_PDF_REFRESH=1
    to make it again from the current single-page build)."""
    index = SINGLE_DIR / "index.html"
    if not index.is_file():
        pytest.fail(f"no single-page build at {SINGLE_DIR}: run `make book-single`")
    if not PDF.is_file() or os.environ.get("BOOK_PDF_REFRESH") == "1":
        book_pdf.make_pdf(SINGLE_DIR, PDF, CHROMIUM)
    return PDF.read_bytes()


@pytest.fixture(scope="module")
def pdf_pages(pdf_bytes) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf_bytes)).pages]


def _key(text: str) -> str:
    """Letters and digits only; ligatures (the PDF's "ﬂ") unfolded first."""
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", text).lower())


def _titles() -> list[str]:
    titles = []
    for item in book_pdf.toc_items():
        path = BOOK_ROOT / f"{item['docname']}.md"
        if not path.is_file():
            continue
        heading = re.search(r"^# (.+)$", path.read_text("utf8"), re.M)
        if heading:
            titles.append(heading.group(1).strip())
    return titles


def test_the_pdf_has_a_contents_page_and_numbered_pages(pdf_pages):
    assert len(pdf_pages) > 100
    first = _key(_titles()[0])
    toc = [i for i, text in enumerate(pdf_pages[:4]) if re.search(first + r"\d+", _key(text))]
    assert toc, "no contents line for the first chapter on the first pages"
    for number, text in enumerate(pdf_pages, start=1):
        assert f"page {number} of {len(pdf_pages)}" in text, number


def test_each_chapter_starts_a_page_that_the_contents_give(pdf_bytes, pdf_pages):
    titles = _titles()
    assert len(titles) >= 15
    outline = book_pdf.outline_pages(pdf_bytes)
    contents = _key(" ".join(pdf_pages[:4]))
    for title in titles:
        pages = [p for t, p in outline if _key(title) in _key(t)]
        assert pages, f"not in the PDF's outline: {title}"
        page = pages[0]
        assert _key(title) in _key(pdf_pages[page - 1])[:300], f"{title} is not atop p. {page}"
        assert f"{_key(title)}{page}" in contents, f"contents: no '{title} ... {page}'"


def test_folded_answers_are_printed(pdf_pages):
    text = _key(" ".join(pdf_pages))
    found = questions.book_questions(errors=[])
    sample = found[:: max(1, len(found) // 12)]
    missing = []
    for q in sample:
        # the longest run of plain prose in the answer (math, code and roles typeset
        # differently): its middle six words
        runs = re.split(r"\$[^$]*\$|`[^`]*`|\{[\w:-]+\}|[*_()\[\]]", q.answer)
        words = max((r.split() for r in runs), key=len)
        if len(words) < 6:
            continue
        middle = len(words) // 2
        phrase = " ".join(words[middle - 3 : middle + 3])
        if _key(phrase) not in text:
            missing.append((q.label, phrase))
    assert not missing, missing


def _in_string_literal(text: str, pos: int) -> bool:
    """Whether ``pos`` is inside a quoted string on its line: TeX in a code listing
    (a matplotlib label such as ``r"$L_{\\mathrm{smooth}}$"``) is source, not prose."""
    line = text[text.rfind("\n", 0, pos) + 1 : pos]
    return line.count('"') % 2 == 1 or line.count("'") % 2 == 1


def test_no_raw_tex_in_the_pdf(pdf_pages):
    leftovers = [
        (n, m.group(0))
        for n, t in enumerate(pdf_pages, 1)
        for m in RAW_TEX.finditer(t)
        if not _in_string_literal(t, m.start())
    ]
    assert not leftovers, leftovers[:10]
