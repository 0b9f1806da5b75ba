"""``make book-pdf``: the whole book as one PDF, every answer open (scripts/book_pdf.py).

The PDF is made from the single-page build when it is missing or older than that build
(it takes a few minutes on a 2-core machine: MathJax typesets the whole book once), then
read back with pypdf: its pages, its table of contents, every chapter's title, a sample
of answers that are folded on the web page, and no TeX left untypeset.
"""

from __future__ import annotations

import io
import re
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
def pdf_pages() -> list[str]:
    index = SINGLE_DIR / "index.html"
    if not index.is_file():
        pytest.fail(f"no single-page build at {SINGLE_DIR}: run `make book-single`")
    if not PDF.is_file() or PDF.stat().st_mtime < index.stat().st_mtime:
        book_pdf.make_pdf(SINGLE_DIR, PDF, CHROMIUM)
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(PDF.read_bytes())).pages]


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


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
    toc = next(i for i, text in enumerate(pdf_pages) if "Contents" in text)
    assert toc < 3
    for number, text in enumerate(pdf_pages, start=1):
        assert f"page {number} of {len(pdf_pages)}" in text, number


def test_each_chapter_starts_a_page_listed_in_the_contents(pdf_pages):
    titles = _titles()
    assert len(titles) >= 15
    keys = [_key(t) for t in pdf_pages]
    toc_text = "".join(keys[:4])
    for title in titles:
        assert _key(title)[:40] in toc_text, f"not in the contents: {title}"
        assert any(_key(title)[:40] in k[:400] for k in keys[2:]), (
            f"no page starts with {title!r}"
        )


def test_folded_answers_are_printed(pdf_pages):
    text = _key(" ".join(pdf_pages))
    found = questions.book_questions(errors=[])
    sample = found[:: max(1, len(found) // 12)]
    missing = []
    for q in sample:
        # a run of plain words from the answer (math and markup typeset differently)
        words = re.findall(r"[A-Za-z]{3,}", questions.plain(re.sub(r"\$[^$]*\$", " ", q.answer)))
        phrase = _key(" ".join(words[2:10]))
        if phrase and phrase not in text:
            missing.append((q.label, " ".join(words[2:10])))
    assert not missing, missing


def test_no_raw_tex_in_the_pdf(pdf_pages):
    leftovers = [
        (n, m.group(0)) for n, t in enumerate(pdf_pages, 1) for m in RAW_TEX.finditer(t)
    ]
    assert not leftovers, leftovers[:10]
