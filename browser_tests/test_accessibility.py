"""Every page usable by every reader: axe-core in light and dark mode, figure alt text,
headings in order, and every fold reachable and openable from the keyboard.

axe-core (from the axe-playwright-python wheel) scans each page of _toc.yml with all
its folds open, in dark mode and then in light mode (see ``a11y.record``); a violation
of serious or critical impact fails the page. The full report, moderate and minor
findings included, is written to ``_build/accessibility/axe.json``.
"""

from __future__ import annotations

import json
import re

import pytest
from a11y import FAILING_IMPACTS, walk_with_tab
from bookbrowser import BUILD_DIR, DOCNAMES, MODES

PAGES = pytest.mark.parametrize("docname", DOCNAMES)


def _format(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} nodes]")
        for n in v["nodes"][:3]:
            lines.append(f"    at {n['target']}: {n['html'][:160]}")
            lines.append("       " + n["summary"].replace("\n", " ")[:300])
    return "\n".join(lines)


@PAGES
@pytest.mark.parametrize("mode", MODES)
def test_axe_finds_no_serious_violation(visit, docname, mode):
    """No serious or critical axe-core violation, with every fold open."""
    serious = [v for v in visit(docname).axe[mode] if v["impact"] in FAILING_IMPACTS]
    assert not serious, f"{docname} in {mode} mode:\n{_format(serious)}"


def test_axe_report_is_written(visit):
    """Every finding of every page, for reading (moderate and minor ones included)."""
    report = {d: {m: visit(d).axe[m] for m in MODES} for d in DOCNAMES}
    out = BUILD_DIR / "accessibility" / "axe.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1), encoding="utf8")
    assert all(set(r) == set(MODES) for r in report.values())


# --------------------------------------------------------------------------------------
# Figures

# An alt text that names the element instead of saying what it shows.
_PLACEHOLDER = re.compile(
    r"^\s*(fig(ure)?|image|img|plot|graph|chart|picture|output|png|svg)?[\s\d.:#_-]*$",
    re.IGNORECASE,
)
_FILE = re.compile(r"\.(png|jpe?g|svg|gif|webp)\s*$|^[\w./-]*/[\w./-]*$", re.IGNORECASE)


def alt_problem(alt: str | None) -> str | None:
    """Why an alt text does not say what a figure shows, or None when it may."""
    if alt is None:
        return "no alt attribute"
    if _FILE.search(alt):
        return f"alt is a file name ({alt!r}): the figure has no alt text"
    if _PLACEHOLDER.match(alt) or len(alt.split()) < 4:
        return f"alt {alt!r} names the figure instead of saying what it shows"
    return None


def test_alt_rule_itself():
    assert alt_problem(None)
    assert alt_problem("../_images/abc123.png")
    assert alt_problem("Figure 3")
    assert alt_problem("plot")
    assert alt_problem("")  # decorative: no figure in this book is
    assert alt_problem("loss curve")
    assert alt_problem("Gradient error against step h, log-log: V shape") is None


@PAGES
def test_every_figure_says_what_it_shows(visit, docname):
    """Each image in the page's content has alt text describing it (MyST-NB takes it
    from the cell's ``mystnb: image: alt:`` or ``figure:``/``{figure}`` metadata)."""
    problems = []
    for img in visit(docname).a11y["images"]:
        why = alt_problem(img["alt"])
        if why:
            problems.append(
                f"{img['src']} (section {img['section']!r}"
                + (f", caption {img['caption']!r}" if img["caption"] else "")
                + f"): {why}"
            )
    assert not problems, f"{len(problems)} images without alt text:\n" + "\n".join(
        problems
    )


# --------------------------------------------------------------------------------------
# Headings


def heading_jumps(headings: list[dict]) -> list[str]:
    """Where the outline skips a level (h2 followed by h4) or does not start at h1."""
    problems = []
    if headings and headings[0]["level"] != 1:
        problems.append(f"the first heading is h{headings[0]['level']}, not h1")
    for prev, cur in zip(headings, headings[1:]):
        if cur["level"] > prev["level"] + 1:
            problems.append(
                f"h{prev['level']} {prev['text']!r} is followed by "
                f"h{cur['level']} {cur['text']!r}"
            )
    h1s = [h for h in headings if h["level"] == 1]
    if len(h1s) != 1:
        problems.append(f"{len(h1s)} h1 headings: {[h['text'] for h in h1s]}")
    return problems


def test_heading_rule_itself():
    h = lambda *levels: [{"level": n, "text": f"h{n}"} for n in levels]  # noqa: E731
    assert heading_jumps(h(1, 2, 3, 2, 3, 3, 2)) == []
    assert heading_jumps(h(1, 3))
    assert heading_jumps(h(2, 3))
    assert heading_jumps(h(1, 2, 1))


@PAGES
def test_headings_nest_in_order(visit, docname):
    problems = heading_jumps(visit(docname).a11y["headings"])
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------
# Keyboard


def _pages_with_folds(visit) -> list[str]:
    """For each kind of fold, the smallest page that has one: pressing Tab through a
    page is slow (one key press at a time), so every mechanism is covered on a few short
    pages rather than on every page."""
    from bookbrowser import HTML_DIR

    smallest: dict[str, tuple[int, str]] = {}
    for d in DOCNAMES:
        size = (HTML_DIR / f"{d}.html").stat().st_size
        for kind in {fold["kind"] for fold in visit(d).folds}:
            if size < smallest.get(kind, (float("inf"), ""))[0]:
                smallest[kind] = (size, d)
    return sorted({d for _, d in smallest.values()})


def test_keyboard_reaches_and_opens_every_fold(visit, new_page, base_url):
    """Tab from the top of the page reaches every fold's handle (a <summary>, or the
    button sphinx-togglebutton adds to a folded answer's title), and Enter opens it.
    Run on the smallest page with each kind of fold."""
    pages = _pages_with_folds(visit)
    if not pages:
        pytest.skip("no folds in the book")
    problems = []
    for docname in pages:
        page, guard = new_page(mode="light")
        page.goto(f"{base_url}{docname}.html", wait_until="load")
        walk = walk_with_tab(page)
        for fold in walk["folds"]:
            where = f"{docname}: fold #{fold['index']} ({fold['kind']}, {fold['label']!r})"
            if not fold["found"]:
                problems.append(f"{where} has no summary or toggle button")
            elif fold["index"] not in walk["reached"]:
                problems.append(f"{where} is never reached with Tab")
            elif not walk["opened"].get(fold["index"]):
                problems.append(f"{where} does not open with Enter")
        assert not guard.console_errors, guard.console_errors
    assert not problems, "\n".join(problems)
