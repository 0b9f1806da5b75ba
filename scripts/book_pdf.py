"""The whole book as one PDF, with every answer open: ``_build/pdf/book.pdf``.

    python scripts/book_pdf.py [--single _build/singlehtml] [--out _build/pdf/book.pdf]

``make book-pdf`` builds the single-page book (``make book-single``) and runs this. It
opens ``index.html`` of the single-page build from disk in Debian's Chromium (the one
the browser tests use: ``CHROMIUM``, default ``/usr/bin/chromium``; never a browser that
Playwright downloads), waits for MathJax to typeset every formula, opens every fold
(dropdowns, exercise solutions, hidden code: ``_static/print.js``), starts each chapter
on a new page, adds a table of contents, and prints with Playwright's ``page.pdf``: A4,
the book's title in the header, "page n of N" in the footer, and the PDF's own outline
(bookmarks) from the headings.

The table of contents gets page numbers in two passes: the first print finds the page
on which each chapter starts (from the PDF's outline, read back with pypdf), the second
prints the same layout with those numbers filled in. The numbers take no
more room than the placeholders, so the pages do not move between the passes.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import unicodedata
import sys
import time
from pathlib import Path

BOOK_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium's flags and the wait for MathJax: the browser tests' own
sys.path.insert(0, str(BOOK_ROOT / "browser_tests"))
from bookbrowser import CHROMIUM_ARGS, WAIT_FOR_MATHJAX  # noqa: E402

# Each chapter on a new page; the web page's navigation, buttons and anchors' pilcrows
# off the paper; the table of contents laid out with dot leaders.
PRINT_STYLE = """
@media print {
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, .bd-footer-article,
  .prev-next-area, .header-article, .headerlink, button.toggle-button, #jb-print-docs-body,
  .sd-summary-state-marker, #pdf-toc a::after { display: none !important; }
  .bd-main .bd-content .bd-article-container { max-width: none !important; }
  [data-pdf-chapter] { break-before: page; }
  #pdf-toc { break-after: page; font-size: 11pt; }
  #pdf-toc h1 { font-size: 20pt; margin: 0 0 0.6em 0; }
  #pdf-toc ol { list-style: none; padding: 0; margin: 0; }
  #pdf-toc li { display: flex; align-items: baseline; margin: 0.18em 0; }
  #pdf-toc li.part { font-weight: 600; margin-top: 0.7em; }
  #pdf-toc li .dots { flex: 1; border-bottom: 1px dotted #888; margin: 0 0.4em; }
  #pdf-toc li .page { min-width: 2.2em; text-align: right; font-variant-numeric: tabular-nums; }
  #pdf-toc a { color: inherit; text-decoration: none; }
  pre, .highlight pre { white-space: pre-wrap !important; word-break: break-word; }
}
"""

# Mark where each chapter starts, build the table of contents, open every fold.
PREPARE = """(tocNames) => {
  const style = document.createElement('style');
  style.textContent = tocNames.style;
  document.head.appendChild(style);
  if (window.bookOpenAllFolds) window.bookOpenAllFolds();
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  const entries = [];
  for (const item of tocNames.items) {
    const start = document.getElementById('document-' + item.docname);
    if (!start) continue;
    let section = start.nextElementSibling;
    while (section && section.tagName !== 'SECTION') section = section.nextElementSibling;
    if (!section) section = start.closest('section') || start;
    // singlehtml demotes each page's title to an h2 under the book's h1
    const heading = section.querySelector(':scope > h1, :scope > h2');
    if (!heading) continue;
    const title = heading.textContent.replace(/[\\u00b6#]/g, '').replace(/\\s+/g, ' ').trim();
    section.setAttribute('data-pdf-chapter', item.docname);
    if (!section.id) section.id = 'pdf-' + entries.length;
    entries.push({docname: item.docname, part: item.part, title, id: section.id});
  }
  const nav = document.createElement('nav');
  nav.id = 'pdf-toc';
  let html = '<h1>Contents</h1><ol>';
  let lastPart = null;
  entries.forEach((e, i) => {
    if (e.part && e.part !== lastPart) {
      html += `<li class="part"><span>${e.part}</span></li>`;
      lastPart = e.part;
    }
    html += `<li><a href="#${e.id}">${e.title}</a><span class="dots"></span>` +
            `<span class="page" data-toc-page="${i}">000</span></li>`;
  });
  html += '</ol>';
  nav.innerHTML = html;
  const article = document.querySelector('article.bd-article') || document.body;
  const first = article.querySelector('section') || article.firstElementChild;
  // after the root page's title and first paragraph: the book opens with its title
  const rootTitle = first && first.querySelector('h1');
  if (rootTitle) rootTitle.insertAdjacentElement('afterend', nav);
  else article.prepend(nav);
  return entries;
}"""

HEADER = (
    '<div style="font-size:8px; width:100%; padding:0 12mm; color:#666; '
    'font-family:sans-serif; text-align:right;">{title}</div>'
)
FOOTER = (
    '<div style="font-size:8px; width:100%; text-align:center; color:#666; '
    'font-family:sans-serif;">page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></div>'
)


def _say(message: str) -> None:
    print(f"book-pdf: {message}", file=sys.stderr, flush=True)


def toc_items(root: Path = BOOK_ROOT) -> list[dict]:
    """Every chapter of ``_toc.yml`` with the caption of its part, in order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf8"))
    items = []

    def walk(entries, part):
        for entry in entries or []:
            if "file" in entry:
                name = re.sub(r"\.(md|ipynb)$", "", entry["file"])
                items.append({"docname": name, "part": part})
            walk(entry.get("sections"), part)

    for part in toc.get("parts") or []:
        walk(part.get("chapters"), part.get("caption") or "")
    walk(toc.get("chapters"), "")
    return items


def _key(text: str) -> str:
    """Letters and digits only; ligatures (the PDF's "ﬂ") unfolded first."""
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", text).lower())


def outline_pages(pdf_bytes: bytes) -> list[tuple[str, int]]:
    """(title, 1-based page) of every entry of the PDF's outline, in order.

    Chromium writes the outline from the headings (``outline=True``); a heading that
    starts a page sometimes appears there with its text twice, which a search by
    substring does not mind.
    """
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    out: list[tuple[str, int]] = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append((item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    return out


def chapter_pages(pdf_bytes: bytes, titles: list[str]) -> list[int]:
    """1-based page on which each chapter title (a heading) stands, in order."""
    entries = outline_pages(pdf_bytes)
    pages, k = [], 0
    for title in titles:
        want = _key(title)
        while k < len(entries) and want not in _key(entries[k][0]):
            k += 1
        if k == len(entries):
            raise RuntimeError(f"chapter {title!r} is not in the PDF's outline")
        pages.append(entries[k][1])
        k += 1
    return pages


def make_pdf(single_dir: Path, out: Path, chromium: str = CHROMIUM) -> dict:
    """Print the single-page book to ``out``; return what was measured."""
    from playwright.sync_api import sync_playwright

    index = single_dir / "index.html"
    if not index.is_file():
        raise FileNotFoundError(f"no single-page build at {index}: run `make book-single`")
    if not Path(chromium).exists():
        raise FileNotFoundError(
            f"{chromium} not found: install Debian's chromium (make chromium) or set CHROMIUM"
        )
    import yaml

    config = yaml.safe_load((BOOK_ROOT / "_config.yml").read_text(encoding="utf8"))
    title = config.get("title", "")
    t0 = time.perf_counter()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        # a whole book on one page: generous limits for a loaded 2-core machine
        page.set_default_timeout(1_800_000)
        page.set_default_navigation_timeout(1_800_000)
        # index.html only redirects to the root page: open that page itself
        redirect = re.search(r"url=([^\"'>]+)", index.read_text(encoding="utf8"))
        start = single_dir / redirect.group(1) if redirect else index
        page.goto(start.as_uri(), wait_until="domcontentloaded")
        typeset = page.evaluate(WAIT_FOR_MATHJAX)
        if typeset is False:
            raise RuntimeError("MathJax did not load in the single-page build")
        _say(f"loaded and typeset ({time.perf_counter() - t0:.0f} s)")
        page.emulate_media(media="print")
        entries = page.evaluate(PREPARE, {"items": toc_items(), "style": PRINT_STYLE})
        # images inside folds that were closed are lazy: load them before printing
        page.evaluate(
            "async () => { const imgs = [...document.images];"
            " imgs.forEach(i => { i.loading = 'eager'; });"
            " await Promise.allSettled(imgs.map(i => i.decode())); }"
        )
        # MathJax inside folds that were closed is typeset already; wait for any rerender
        page.evaluate(WAIT_FOR_MATHJAX)
        options = dict(
            format="A4",
            print_background=True,
            display_header_footer=True,
            header_template=HEADER.format(title=title),
            footer_template=FOOTER,
            margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
            outline=True,
            tagged=True,
        )
        first = page.pdf(**options)
        _say(f"first pass printed ({time.perf_counter() - t0:.0f} s)")
        titles = [e["title"] for e in entries]
        pages = chapter_pages(first, titles)
        fill = (
            "(pages) => pages.forEach((p, i) => {"
            " document.querySelector(`[data-toc-page=\"${i}\"]`).textContent = String(p); })"
        )
        # Fill in the numbers and print again, until the chapters stay on their pages
        # (a layout that settles late, images or fonts, can move them by a page).
        for _ in range(3):
            page.evaluate(fill, pages)
            final = page.pdf(**options)
            check = chapter_pages(final, titles)
            _say(f"pass printed ({time.perf_counter() - t0:.0f} s)")
            if check == pages:
                break
            pages = check
        else:
            _say(f"warning: the chapters still moved between passes: {pages}")
        browser.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(final)
    from pypdf import PdfReader

    n_pages = len(PdfReader(io.BytesIO(final)).pages)
    return {
        "pages": n_pages,
        "chapters": [(e["title"], p) for e, p in zip(entries, pages)],
        "seconds": time.perf_counter() - t0,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--single", type=Path, default=BOOK_ROOT / "_build" / "singlehtml")
    parser.add_argument("--out", type=Path, default=BOOK_ROOT / "_build" / "pdf" / "book.pdf")
    args = parser.parse_args(argv)
    facts = make_pdf(args.single, args.out)
    for title, page in facts["chapters"]:
        print(f"{page:5d}  {title}")
    print(f"book-pdf: {facts['pages']} pages -> {args.out} ({facts['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
