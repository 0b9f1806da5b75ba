"""Accessibility checks run inside a page: axe-core, figure alt text, heading order,
keyboard reach to the folds, and the width of the package listings.

axe-core is the engine browsers' developer tools and CI services use; its JavaScript
ships inside the ``axe-playwright-python`` wheel, so nothing is downloaded: it is
injected into the page with ``page.evaluate``. ``bookbrowser.visit_page`` calls
:func:`record` once per page, after every fold is open (so the answers' content is
scanned too): every default rule in dark mode, then the colour rules again in light
mode (those on one element per combination of colours, size and weight: see RUN_AXE); the tests in
``test_accessibility.py`` and ``test_listings.py`` assert on what it recorded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

# An axe violation of one of these impacts fails the page's test; "moderate" and
# "minor" ones are reported in the test output (see test_accessibility.py).
FAILING_IMPACTS = ("serious", "critical")


@cache
def axe_source() -> str:
    """axe.min.js from the axe-playwright-python wheel (no network)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(
        encoding="utf8"
    )


RUN_AXE = """async ({only, skip}) => {
  // The colour rules cost axe a few milliseconds per element with text, and a chapter
  // has thousands (each token of highlighted code is one). Their outcome depends on
  // the text's colour, size and weight and on the background behind it, so they are
  // run on one element per combination of those (the first in the page), which covers
  // every combination the page shows. The background is the nearest ancestor's that is
  // not transparent.
  const colourSamples = () => {
    const bgCache = new Map();
    const background = el => {
      if (!el) return 'none';
      if (bgCache.has(el)) return bgCache.get(el);
      const cs = getComputedStyle(el);
      const own = cs.backgroundColor;
      const bg = (own && own !== 'rgba(0, 0, 0, 0)' && own !== 'transparent')
        ? own + ' ' + cs.backgroundImage : background(el.parentElement);
      bgCache.set(el, bg);
      return bg;
    };
    const seen = new Set();
    const samples = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (!el.checkVisibility()) continue;
      if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
      const cs = getComputedStyle(el);
      const key = [cs.color, cs.fontSize, cs.fontWeight, cs.opacity, background(el)].join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      samples.push(el);
    }
    return samples;
  };
  // MathJax's output is thousands of elements per chapter (a third to two thirds of the
  // page), and axe's cost grows with the element count, colour contrast most. Its
  // glyphs take the colour of the text around them (currentColor), which is checked;
  // so the formulas' insides are taken out for the scan and put back after it. Each
  // formula keeps its container and a text stand-in, so the layout barely moves.
  // For the rules that do not look at colours, highlighted code goes the same way: each
  // token is a <span> (thousands per chapter) that carries no role, name or control,
  // so each block keeps its text without them.
  const flatten = (selector, text) => [...document.querySelectorAll(selector)].map(c => {
    const kids = [...c.childNodes];
    const stand_in = text(c);
    kids.forEach(k => k.remove());
    c.append(document.createTextNode(stand_in));
    return [c, kids];
  });
  const stash = flatten('mjx-container', () => 'x').concat(
    only ? [] : flatten('div.highlight > pre', c => c.textContent));
  try {
    // Every rule axe runs by default (WCAG 2.0-2.2 A and AA, best practices) but
    // those in `skip`, on the whole document: the article, the sidebars, the header;
    // or only the colour rules in `only`, on the samples.
    // preload: false: axe would fetch every stylesheet again (for its CSSOM rule,
    // css-orientation-lock), resolving the theme's `@import "../basic.css"` against the
    // page instead of the stylesheet: a request for /basic.css that fails. The book has
    // no orientation lock; that rule then reports "incomplete", not a violation.
    const options = {resultTypes: ['violations'], preload: false};
    let context = document;
    if (only) {
      options.runOnly = {type: 'rule', values: only};
      context = {include: colourSamples()};
    } else if (skip) {
      options.rules = Object.fromEntries(skip.map(r => [r, {enabled: false}]));
    }
    const results = await axe.run(context, options);
    return results.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({
        target: n.target.join(' '),
        html: n.html.slice(0, 240),
        summary: (n.failureSummary || '').slice(0, 400),
      })),
    }));
  } finally {
    for (const [c, kids] of stash) { c.textContent = ''; c.append(...kids); }
  }
}"""

# The rules whose outcome depends on the colours, so on the light/dark mode; the
# others see the same markup in both modes and run once, in dark mode.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


SETTLE = """async () => {
  // Let what the theme switch started finish: the button's tooltip (shown on hover and
  // on focus) fades out and is removed, and the colours' transitions end. Then scan.
  if (document.activeElement) document.activeElement.blur();
  for (let i = 0; i < 40 && document.querySelector('.tooltip'); i++)
    await new Promise(r => setTimeout(r, 25));
  await new Promise(r => setTimeout(r, 100));  // the page's own debounced updates
  const finite = document.getAnimations()
    .filter(a => a.effect && a.effect.getTiming().iterations !== Infinity);
  await Promise.all(finite.map(a => a.finished.catch(() => null)));
}"""


def run_axe(page, only=None, skip=None) -> list[dict]:
    """axe-core's violations on the page as it is now (mode, open folds): every
    default rule but ``skip`` on the whole page, or ``only`` these (colour) rules on
    one element per colour combination."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    page.mouse.move(0, 0)  # no hover state or tooltip left by the last click
    page.evaluate(SETTLE)
    return page.evaluate(RUN_AXE, {"only": only, "skip": skip})


# What a reader who does not see the page gets from it, and what a reader of the
# listings sees: measured after every fold is open.
STRUCTURE = r"""() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const where = el => {
    // the nearest heading before the element: enough to find it in the chapter
    let h = null;
    for (const cand of article.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
      if (cand.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) h = cand;
    }
    return h ? h.textContent.replace(/[#¶]/g, '').trim().slice(0, 70) : '(top)';
  };
  const images = [...article.querySelectorAll('img')].map(img => ({
    src: (img.getAttribute('src') || '').split('/').pop(),
    alt: img.getAttribute('alt'),
    section: where(img),
    inFigure: !!img.closest('figure'),
    caption: ((img.closest('figure') || {}).querySelector
              ? (img.closest('figure').querySelector('figcaption') || {}).textContent || ''
              : '').trim().slice(0, 80),
  }));
  const headings = [...article.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => ({
    level: Number(h.tagName[1]),
    text: h.textContent.replace(/[#¶]/g, '').trim().slice(0, 70),
  }));
  const listings = [...article.querySelectorAll('div.literalinclude pre')].map(pre => {
    const lines = pre.textContent.split('\n');
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
    return {
      section: where(pre),
      longLines: lines.filter(l => l.length > 88).length,
      first: (lines.find(l => l.trim()) || '').trim().slice(0, 70),
      shown: pre.checkVisibility ? pre.checkVisibility() : pre.offsetWidth > 0,
      scrollWidth: pre.scrollWidth, clientWidth: pre.clientWidth,
      longestLine: longest.length,
    };
  });
  return {images, headings, listings,
          contentWidth: article.getBoundingClientRect().width};
}"""


def record(page, visit, switch_to) -> None:
    """Fill ``visit.a11y`` (structure) and ``visit.axe`` (``{mode: violations}``).

    Called with every fold open and the page in dark mode; ``switch_to(page, mode)``
    is bookbrowser's theme switch (the theme's own button), used to scan light mode
    after dark.
    """
    visit.a11y = page.evaluate(STRUCTURE)
    visit.axe = {
        "dark": run_axe(page, skip=COLOUR_RULES) + run_axe(page, only=COLOUR_RULES)
    }
    switch_to(page, "light")
    visit.axe["light"] = run_axe(page, only=COLOUR_RULES)


# --------------------------------------------------------------------------------------
# Keyboard

# Every fold's handle, the element a keyboard reader must reach with Tab and open with
# Enter: a <details>' <summary>, or the button sphinx-togglebutton puts in a folded
# admonition's title. Marked with data-kb-handle, in document order.
MARK_HANDLES = """() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const sel = (typeof togglebuttonSelector === 'string') ? togglebuttonSelector : null;
  const admonitions = sel ? [...article.querySelectorAll(sel)]
      .filter(e => e.classList.contains('admonition')) : [];
  const folds = [...new Set([...article.querySelectorAll('details'), ...admonitions])];
  folds.sort((a, b) => a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1);
  return folds.map((fold, i) => {
    const handle = fold.tagName === 'DETAILS'
      ? fold.querySelector(':scope > summary')
      : fold.querySelector(':scope > .admonition-title button.toggle-button');
    if (handle) handle.setAttribute('data-kb-handle', String(i));
    return {index: i, found: !!handle,
            kind: fold.tagName === 'DETAILS' ? 'details' : 'togglebutton admonition',
            label: ((fold.tagName === 'DETAILS'
                     ? (fold.querySelector(':scope > summary') || {}).textContent
                     : (fold.querySelector(':scope > .admonition-title') || {}).textContent)
                    || '').trim().replace(/\\s+/g, ' ').slice(0, 60)};
  });
}"""

# Records, in the page, each element that receives focus: a fold handle's index, or
# "-" for anything else. Tab presses then need no round trip each to be checked.
LISTEN_FOCUS = """() => {
  window.__kbFocus = [];
  document.addEventListener('focusin', e => {
    window.__kbFocus.push(e.target.getAttribute('data-kb-handle') || '-');
  });
  if (document.activeElement) document.activeElement.blur();
  window.scrollTo(0, 0);
}"""

FOLD_IS_OPEN = """(i) => {
  const h = document.querySelector(`[data-kb-handle="${i}"]`);
  if (h.tagName === 'SUMMARY') return h.parentElement.open;
  const fold = h.closest('.admonition');
  return !fold.classList.contains('toggle-hidden');
}"""


VISIBLE_HANDLES = """() => [...document.querySelectorAll('[data-kb-handle]')]
  .filter(h => h.checkVisibility()).map(h => h.getAttribute('data-kb-handle'))"""


def walk_with_tab(page, batch: int = 40, max_presses: int = 4000) -> dict:
    """Tab through the page from its top, as a keyboard reader does, until every fold
    handle on screen has had the focus (or ``max_presses``); then focus each handle
    Tab reached and press Enter: the fold must open. A fold inside another one shows
    its handle only then, so the walk is repeated for those (three rounds at most).

    The folds are closed during the first walk, so their content (links in an answer)
    is not in the way, as for a reader who has opened nothing yet. Returns the folds,
    the handles Tab reached, which opened with Enter, and the Tab presses used.
    """
    folds = page.evaluate(MARK_HANDLES)
    reached: list[int] = []
    opened: dict[int, bool] = {}
    presses = 0
    for _ in range(3):
        wanted = set(page.evaluate(VISIBLE_HANDLES)) - {str(i) for i in reached}
        if not wanted:
            break
        page.evaluate(LISTEN_FOCUS)
        log: list[str] = []
        walked = 0
        while walked < max_presses:
            for _ in range(batch):
                page.keyboard.press("Tab")
            walked += batch
            log = page.evaluate("() => window.__kbFocus")
            if wanted <= set(log):
                break
        presses += walked
        new = [int(h) for h in dict.fromkeys(log) if h in wanted]
        reached += new
        for i in new:
            page.evaluate(
                "(i) => document.querySelector(`[data-kb-handle=\"${i}\"]`).focus()", i
            )
            page.keyboard.press("Enter")
            opened[i] = page.evaluate(FOLD_IS_OPEN, i)
        if not new:
            break
    return {"folds": folds, "reached": reached, "opened": opened, "presses": presses}
