"""What the browser tests share: where the build is, the pages, the network guard,
the JavaScript run in the pages, and one visit of one page (light, then dark mode).

A visit opens a page once, waits for MathJax, loads every image, records what the
page shows (math, images, links, downloads), takes a full-page screenshot into
``_build/screenshots/light/``, switches to dark mode with the theme's button, takes
another into ``_build/screenshots/dark/``, measures the figures' pixels there, and
last clicks every fold open. The tests in this folder assert on those records, so
each page is loaded once.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import a11y
import yaml

BOOK_ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = Path(os.environ.get("BOOK_BUILD_DIR", BOOK_ROOT / "_build")).resolve()
HTML_DIR = BUILD_DIR / "html"
SINGLE_DIR = BUILD_DIR / "singlehtml"
SCREENSHOT_DIR = BUILD_DIR / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# As root Chromium needs --no-sandbox. The rest stop its own background traffic
# (component updates, sync, safe browsing, ...), which a closed network refuses and
# which has nothing to do with the book.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 900}
MODES = ("light", "dark")
TIMEOUT_MS = 60_000  # a safety net for a loaded machine, not a speed test


# --------------------------------------------------------------------------------------
# The pages, from _toc.yml


def toc_docnames(toc_path: Path = BOOK_ROOT / "_toc.yml") -> list[str]:
    """Every page of the book in reading order: root, then parts/chapters/sections."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf8"))
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [n.rsplit(".", 1)[0] if n.endswith((".md", ".ipynb")) else n for n in names]


DOCNAMES = toc_docnames()


def is_notebook_page(docname: str) -> bool:
    """A chapter: its source, as copied into the build, is a MyST notebook."""
    src = HTML_DIR / "_sources" / f"{docname}.md"
    if not src.is_file():
        return (HTML_DIR / "_sources" / f"{docname}.ipynb").is_file()
    text = src.read_text(encoding="utf8")
    if not text.startswith("---"):
        return False
    front = yaml.safe_load(text.split("---", 2)[1]) or {}
    return "kernelspec" in front


def shot_path(mode: str, docname: str) -> Path:
    return SCREENSHOT_DIR / mode / (docname.replace("/", "-") + ".png")


# --------------------------------------------------------------------------------------
# A page with the network cut off and its console recorded


@dataclass
class Guard:
    """What a page saw: the requests it blocked, console errors, failed responses."""

    allowed_prefix: str
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)

    def route(self, route):
        url = route.request.url
        if url.startswith(self.allowed_prefix):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _console(self, msg):
        if msg.type == "error":
            self.console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def _response(self, response):
        if response.status >= 400:
            self.bad_responses.append(f"{response.status} {response.url}")

    def _failed(self, request):
        if request.url not in self.blocked:
            self.bad_responses.append(f"failed ({request.failure}) {request.url}")

    def watch(self, page):
        page.on("console", self._console)
        page.on(
            "pageerror", lambda exc: self.console_errors.append(f"page error: {exc}")
        )
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        page.set_default_timeout(TIMEOUT_MS)
        return page


def new_context(browser, mode: str | None = None, color_scheme: str = "light"):
    """A fresh context (its own localStorage and cache).

    ``mode`` stores a theme choice the way the theme's own switch does (localStorage
    "mode" and "theme"); None leaves it as on a reader's first visit.
    """
    context = browser.new_context(viewport=VIEWPORT, color_scheme=color_scheme)
    if mode:
        context.add_init_script(
            f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
        )
    return context


def guarded_page(context, allowed_prefix: str):
    """A new page that can reach only ``allowed_prefix``, and the Guard recording it."""
    guard = Guard(allowed_prefix)
    page = context.new_page()
    page.route("**/*", guard.route)
    return guard.watch(page), guard


# --------------------------------------------------------------------------------------
# JavaScript evaluated in the pages

WAIT_FOR_MATHJAX = """async () => {
  // Sphinx adds MathJax only to pages with math: null means this page has none.
  if (!document.querySelector('script[src*="mathjax"]')) return null;
  // It is loaded with `defer`: wait for it, then for its first typesetting pass.
  for (let i = 0; i < 400 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise(r => setTimeout(r, 25));
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return false;
  await MathJax.startup.promise;
  return true;
}"""

LOAD_ALL_IMAGES = """async () => {
  // Lazy images (and images in closed <details>) load only near the viewport: make them eager.
  const imgs = [...document.images];
  imgs.forEach(img => { img.loading = 'eager'; });
  window.scrollTo(0, document.body.scrollHeight);
  await Promise.allSettled(imgs.map(img => img.decode()));
  window.scrollTo(0, 0);
  return imgs.map(img => ({
    src: img.currentSrc || img.src,
    complete: img.complete,
    naturalWidth: img.naturalWidth,
    naturalHeight: img.naturalHeight,
  }));
}"""

MATH_REPORT = r"""() => {
  // The whole page: the article, the sidebars and the page's table of contents.
  const math = [...document.body.querySelectorAll('.math')];
  const untypeset = math.filter(e => !e.querySelector('mjx-container'))
                        .map(e => e.textContent.trim().slice(0, 80));
  const errors = [...document.querySelectorAll('mjx-merror')]
                   .map(e => e.getAttribute('data-mjx-error') || e.textContent.slice(0, 80));
  // Visible prose: drop code, typeset math and scripts, then look for TeX left behind
  // ($$, \\(, \\[, a \\command, \\{ ), e.g. math in a title that a reference copies as text.
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, .highlight, mjx-container, script, style, noscript, template, .cell_input')
       .forEach(e => e.remove());
  const text = clone.textContent;
  const leftovers = [];
  const re = /\$\$|\\\(|\\\)|\\\[|\\\]|\\[A-Za-z]{2,}|\\[{}]/g;
  let m;
  while ((m = re.exec(text)) !== null && leftovers.length < 5)
    leftovers.push(text.slice(Math.max(0, m.index - 50), m.index + 30).replace(/\s+/g, ' '));
  return {
    mathElements: math.length,
    containers: document.querySelectorAll('mjx-container').length,
    untypeset, errors, leftovers,
  };
}"""

PAGE_FACTS = """() => {
  const abs = a => a.href;
  const q = s => [...document.querySelectorAll(s)];
  return {
    h1: (document.querySelector('article.bd-article h1') || {}).textContent || null,
    prev: (document.querySelector('.prev-next-area a.left-prev') || {}).href || null,
    next: (document.querySelector('.prev-next-area a.right-next') || {}).href || null,
    sidebarToc: q('nav.bd-docs-nav a.reference').map(abs),
    pageToc: q('#pst-page-toc-nav a, .bd-toc-nav a').map(a => a.getAttribute('href')),
    downloads: q('.dropdown-download-buttons a.dropdown-item').map(a => ({
      text: a.textContent.trim(), href: a.href,
      cls: [...a.classList].find(c => c.startsWith('btn-download-')) || '',
    })),
    missingAnchors: q('#pst-page-toc-nav a, .bd-toc-nav a')
      .map(a => a.getAttribute('href'))
      .filter(h => h && h.startsWith('#') && h.length > 1)
      .filter(h => !document.getElementById(decodeURIComponent(h.slice(1)))),
  };
}"""

# Every folding mechanism on the page, in document order (outer before inner):
# - <details>: sphinx-design {dropdown}, MyST-NB's hide-input/-output/-cell,
#   sphinx-togglebutton's {toggle} directive;
# - the admonitions that sphinx-togglebutton folds (its own selector, read from the
#   page): sphinx-exercise solutions with `:class: dropdown`, `{admonition}` with
#   `:class: dropdown` or `toggle`.
FIND_FOLDS = """() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const tbSelector = (typeof togglebuttonSelector === 'string') ? togglebuttonSelector : null;
  const admonitions = tbSelector
    ? [...article.querySelectorAll(tbSelector)].filter(e => e.classList.contains('admonition'))
    : [];
  const items = [...new Set([...article.querySelectorAll('details'), ...admonitions])];
  items.sort((a, b) => a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1);
  return items.map((el, i) => {
    el.setAttribute('data-bt-fold', String(i));
    const c = el.classList;
    let kind;
    if (el.tagName === 'DETAILS') {
      kind = c.contains('sd-dropdown') ? 'sphinx-design dropdown'
           : c.contains('hide') ? 'myst-nb hidden cell part'
           : c.contains('toggle-details') ? 'togglebutton {toggle}'
           : 'details';
    } else {
      kind = c.contains('solution') ? 'sphinx-exercise solution (togglebutton)'
           : 'togglebutton admonition';
    }
    const label = (el.tagName === 'DETAILS'
      ? (el.querySelector(':scope > summary') || {}).textContent
      : (el.querySelector(':scope > .admonition-title') || {}).textContent) || '';
    // a fold the author asked to start open (:open: / toggle-shown) is not clicked
    const openByDesign = el.tagName === 'DETAILS' ? el.open : c.contains('toggle-shown');
    return {index: i, kind, tag: el.tagName, openByDesign,
            label: label.trim().replace(/\\s+/g, ' ').slice(0, 60)};
  });
}"""

FOLD_STATE = """(el) => {
  // Is the fold closed, and is its content (everything but its summary/title) on screen?
  const isDetails = el.tagName === 'DETAILS';
  const content = [...el.children].filter(ch => isDetails
    ? ch.tagName !== 'SUMMARY'
    : !ch.classList.contains('admonition-title'));
  // checkVisibility: false for display:none (togglebutton) and for the content of a
  // closed <details> (Chromium hides it with content-visibility, boxes and all).
  const shown = content.filter(ch => {
    const r = ch.getBoundingClientRect();
    return r.width > 0 && r.height > 0 &&
      ch.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true, opacityProperty: false});
  });
  const text = shown.map(ch => ch.innerText || '').join(' ').trim();
  const media = shown.some(ch => ch.querySelector('img, mjx-container, svg, pre, table'));
  return {
    open: isDetails ? el.open : !el.classList.contains('toggle-hidden'),
    contentElements: content.length,
    shownElements: shown.length,
    hasContent: text.length > 0 || media,
  };
}"""

FIGURE_BOXES = """() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const bg = getComputedStyle(document.body).backgroundColor;
  return [...article.querySelectorAll('img')].map((img, i) => {
    img.setAttribute('data-bt-img', String(i));
    const st = getComputedStyle(img);
    return {
      index: i, src: img.currentSrc || img.src, pageBackground: bg,
      padding: Math.max(...['Top', 'Right', 'Bottom', 'Left']
        .map(s => parseFloat(st['padding' + s]) || 0)),
      radius: parseFloat(st.borderTopLeftRadius) || 0,
      width: img.getBoundingClientRect().width, height: img.getBoundingClientRect().height,
    };
  });
}"""


# --------------------------------------------------------------------------------------
# Pixels


def luminance(rgb) -> float:
    """Relative luminance in 0..255 (Rec. 709 weights), of one pixel or a mean colour."""
    r, g, b = rgb[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def parse_css_rgb(value: str) -> tuple[float, float, float]:
    """'rgb(18, 18, 18)' or 'rgba(...)' -> (18, 18, 18)."""
    inner = value[value.index("(") + 1 : value.rindex(")")]
    return tuple(float(x) for x in inner.replace("/", ",").split(",")[:3])


def border_ring(image, inset: int, width: int):
    """The pixels of a ring ``width`` px wide, ``inset`` px inside the image's edge."""
    w, h = image.size
    px = image.load()
    ring = []
    for t in range(inset, min(inset + width, w // 2, h // 2)):
        ring += [px[x, t] for x in range(t, w - t)] + [
            px[x, h - 1 - t] for x in range(t, w - t)
        ]
        ring += [px[t, y] for y in range(t, h - t)] + [
            px[w - 1 - t, y] for y in range(t, h - t)
        ]
    return ring


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else float("nan")


def png_facts(data: bytes) -> dict:
    """Alpha and border of an image file, as the browser downloaded it."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    rgba = image.convert("RGBA")
    alpha_min = rgba.getextrema()[3][0]
    ring = border_ring(rgba, 0, 3)
    return {
        "format": image.format,
        "mode": image.mode,
        "size": image.size,
        "has_alpha_channel": has_alpha,
        "alpha_min": alpha_min,
        "transparent_fraction": sum(rgba.getchannel("A").histogram()[:255])
        / (rgba.width * rgba.height),
        "border_luminance_median": median([luminance(p) for p in ring]),
    }


def rendered_facts(png: bytes, padding: float, radius: float, page_bg: str) -> dict:
    """The figure as a reader sees it in the page (theme filters and padding included)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    # Just inside the CSS padding and clear of the rounded corners: the figure's own edge.
    inset = round(max(padding, radius)) + 2
    ring = border_ring(image, inset, 3)
    lum = [luminance(p) for p in ring]
    return {
        "size": image.size,
        "edge_luminance_median": median(lum),
        "edge_luminance_mean": sum(lum) / len(lum) if lum else float("nan"),
        "page_background_luminance": luminance(parse_css_rgb(page_bg)),
    }


# --------------------------------------------------------------------------------------
# One visit


@dataclass
class Visit:
    docname: str
    url: str
    theme_on_load: str | None = None
    theme_after_switch: str | None = None
    mathjax_loaded: bool | None = False
    math: dict = field(default_factory=dict)
    images: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    folds: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    screenshots: dict = field(default_factory=dict)
    guard: Guard | None = None
    # a11y.record: {"light"|"dark": axe-core violations}; alt texts, headings, listings
    axe: dict = field(default_factory=dict)
    a11y: dict = field(default_factory=dict)


def switch_mode(page, mode: str) -> None:
    """Put the page in ``mode`` ("light"/"dark") with the theme's own button, as a
    reader does: it cycles auto -> light -> dark (the order depends on the system)."""
    switch = page.locator(".theme-switch-button").first
    for _ in range(3):
        if page.evaluate("document.documentElement.dataset.theme") == mode:
            break
        switch.click()


def visit_page(context, base_url: str, docname: str) -> Visit:
    """Open one page in ``context`` (light mode stored, as a reader who chose it) and
    record it; then switch to dark mode with the theme's own button, as a reader does,
    and record the page again; last, open every fold.
    """
    page, guard = guarded_page(context, base_url)
    try:
        url = f"{base_url}{docname}.html"
        visit = Visit(docname=docname, url=url, guard=guard)
        page.goto(url, wait_until="load")
        visit.mathjax_loaded = page.evaluate(WAIT_FOR_MATHJAX)
        visit.images = page.evaluate(LOAD_ALL_IMAGES)
        page.evaluate("document.fonts.ready.then(() => true)")
        visit.theme_on_load = page.evaluate("document.documentElement.dataset.theme")
        visit.math = page.evaluate(MATH_REPORT)
        visit.facts = page.evaluate(PAGE_FACTS)
        _screenshot(page, visit, "light")

        switch_mode(page, "dark")
        visit.theme_after_switch = page.evaluate(
            "document.documentElement.dataset.theme"
        )
        _screenshot(page, visit, "dark")
        visit.figures = _measure_figures(page, context)

        visit.folds = _open_folds(page)
        page.wait_for_timeout(50)  # let anything the clicks started report its errors
        a11y.record(page, visit, switch_mode)  # axe in dark, then light mode
        return visit
    finally:
        page.close()


def visit_all(base_url: str, docnames: list[str], workers: int) -> dict:
    """Visit every page, ``workers`` at a time, and return ``{docname: Visit or error}``.

    Each worker thread runs its own Playwright and Chromium (Playwright's sync API
    belongs to one thread) with one context, light mode stored as the reader's choice;
    every visit is a new page with its own network guard and console record. The
    largest pages go first, so the workers finish together.
    """
    from concurrent.futures import ThreadPoolExecutor

    from playwright.sync_api import sync_playwright

    order = sorted(docnames, key=lambda d: -(HTML_DIR / f"{d}.html").stat().st_size)
    shares = [order[i::workers] for i in range(workers)]
    results: dict = {}

    def work(share):
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = new_context(browser, mode="light")
            for docname in share:
                try:
                    results[docname] = visit_page(context, base_url, docname)
                except Exception as exc:  # noqa: BLE001 - kept: the page's tests report it
                    results[docname] = exc
            browser.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done in [pool.submit(work, share) for share in shares if share]:
            done.result()
    return results


def _screenshot(page, visit: Visit, mode: str) -> None:
    """The whole page as it opens (folds closed), into _build/screenshots/<mode>/."""
    path = shot_path(mode, visit.docname)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)  # no hover effects (tooltips) in the picture
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    visit.screenshots[mode] = path


def _measure_figures(page, context) -> list[dict]:
    figures = []
    for box in page.evaluate(FIGURE_BOXES):
        record = {"src": box["src"]}
        if box["width"] < 1 or box["height"] < 1:
            record["error"] = "not displayed"
            figures.append(record)
            continue
        element = page.locator(f'[data-bt-img="{box["index"]}"]')
        element.scroll_into_view_if_needed()
        record["rendered"] = rendered_facts(
            element.screenshot(animations="disabled"),
            box["padding"],
            box["radius"],
            box["pageBackground"],
        )
        if box["src"].lower().split("?")[0].endswith(".svg"):
            record["file"] = None  # vector: only the rendered check applies
        else:
            response = context.request.get(box["src"])
            record["file"] = (
                png_facts(response.body())
                if response.ok
                else {"error": response.status}
            )
        figures.append(record)
    return figures


CLICK_FOLDS = """(indices) => {
  // The same click a reader makes, dispatched in the page: on <summary> it toggles the
  // <details>; on an admonition title it runs sphinx-togglebutton's handler.
  const failed = [];
  for (const i of indices) {
    const el = document.querySelector(`[data-bt-fold="${i}"]`);
    const handle = el && (el.tagName === 'DETAILS'
      ? el.querySelector(':scope > summary') : el.querySelector(':scope > .admonition-title'));
    if (handle) handle.click(); else failed.push(i);
  }
  return failed;
}"""


def _open_folds(page) -> list[dict]:
    """Record each fold closed, click it open, record it again (a fold that the author
    made open from the start is recorded, not clicked).

    The first fold of each kind is clicked with the mouse (Playwright checks that it is
    visible, on top and clickable); the rest get the same click event from the page's
    own JavaScript, in one call, so a page with a hundred answers stays fast. Folds are
    clicked in document order, so an outer fold opens before the ones inside it.
    """
    folds = page.evaluate(FIND_FOLDS)
    states = page.evaluate(
        f"() => [...document.querySelectorAll('[data-bt-fold]')].map({FOLD_STATE})"
    )
    for fold in folds:
        fold["before"] = states[fold["index"]]
    seen_kinds: set[str] = set()
    batch: list[int] = []
    for fold in folds:
        if fold["openByDesign"]:
            continue
        if fold["kind"] in seen_kinds:
            batch.append(fold["index"])
            continue
        if batch:  # keep document order: earlier folds first
            for i in page.evaluate(CLICK_FOLDS, batch):
                folds[i]["error"] = "no summary or title to click"
            batch = []
        seen_kinds.add(fold["kind"])
        handle = page.locator(f'[data-bt-fold="{fold["index"]}"]').locator(
            ":scope > summary"
            if fold["tag"] == "DETAILS"
            else ":scope > .admonition-title"
        )
        try:
            handle.click(timeout=10_000)
            fold["clicked_with"] = "mouse"
        except Exception as exc:  # noqa: BLE001 - report it: the test says which fold failed
            fold["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    if batch:
        for i in page.evaluate(CLICK_FOLDS, batch):
            folds[i]["error"] = "no summary or title to click"
    states = page.evaluate(
        f"() => [...document.querySelectorAll('[data-bt-fold]')].map({FOLD_STATE})"
    )
    for fold in folds:
        fold["after"] = states[fold["index"]]
    return folds
