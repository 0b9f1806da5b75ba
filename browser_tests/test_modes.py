"""Light and dark mode: the theme switch, a screenshot of every page in both, and
figures that stay readable on a dark page (checked on their pixels).
"""

from __future__ import annotations

import pytest
from bookbrowser import DOCNAMES, MODES, luminance, parse_css_rgb
from PIL import Image

PAGES = pytest.mark.parametrize("docname", DOCNAMES)

# The figure's own edge, as rendered in dark mode. pydata-sphinx-theme dims images in
# dark mode (filter: brightness(.8) contrast(1.2)), which takes white to about 219, so
# "light" means at least 180; the page around it is about 18.
MIN_EDGE_LUMINANCE_DARK = 180
MIN_CONTRAST_WITH_PAGE = 120
# The PNG files themselves: opaque, with a near-white border (matplotlib's white
# facecolor is 255; 235 allows anti-aliased axes touching the edge).
MIN_FILE_BORDER_LUMINANCE = 235


def test_theme_switch_cycles_persists_and_follows_the_system(new_page, base_url):
    """pydata-sphinx-theme: data-theme on <html>, the choice kept in localStorage."""
    page_url = f"{base_url}{DOCNAMES[min(1, len(DOCNAMES) - 1)]}.html"

    page, guard = new_page(color_scheme="light")
    page.goto(page_url, wait_until="load")
    root = "document.documentElement.dataset"
    assert page.evaluate(f"{root}.mode") == "auto"  # first visit: follow the system
    assert page.evaluate(f"{root}.theme") == "light"
    page.locator(".theme-switch-button").first.click()  # auto -> dark on a light system
    assert page.evaluate(f"{root}.theme") == "dark"
    assert page.evaluate("localStorage.getItem('theme')") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert luminance(parse_css_rgb(background)) < 60, (
        f"dark theme, but the page is {background}"
    )
    page.reload(wait_until="load")
    assert page.evaluate(f"{root}.theme") == "dark", (
        "the choice did not survive a reload"
    )
    assert not guard.console_errors, guard.console_errors

    page, guard = new_page(color_scheme="dark")
    page.goto(page_url, wait_until="load")
    assert page.evaluate(f"{root}.theme") == "dark", (
        "auto mode ignores a dark system setting"
    )
    assert not guard.console_errors, guard.console_errors


@pytest.mark.parametrize("mode", MODES)
@PAGES
def test_full_page_screenshot(visit, docname, mode):
    """Kept under _build/screenshots/<mode>/ for a person to look at; checked for sanity:
    the page is in that mode (background), and not blank."""
    v = visit(docname)
    assert v.theme_on_load == "light", (
        "light mode was stored, but the page opened in another"
    )
    assert v.theme_after_switch == "dark", (
        "the theme button did not switch to dark mode"
    )
    with Image.open(v.screenshots[mode]) as shot:
        width, height = shot.size
        top = shot.convert("RGB").crop((0, 0, width, min(height, 900)))
        colours = top.getcolors(maxcolors=1 << 16)
        corner = luminance(shot.convert("RGB").getpixel((width - 5, height - 5)))
    assert width >= 1000 and height >= 600, (width, height)
    assert colours is None or len(colours) > 20, "the screenshot is (nearly) blank"
    if mode == "dark":
        assert corner < 60, (
            f"dark mode, but the page background has luminance {corner:.0f}"
        )
    else:
        assert corner > 200, (
            f"light mode, but the page background has luminance {corner:.0f}"
        )


@PAGES
def test_figures_stay_readable_in_dark_mode(visit, docname):
    """Each figure: an opaque image file with a white border, and light where it meets
    the dark page (what the reader sees, theme filters included)."""
    problems = []
    for fig in visit(docname).figures:
        name = fig["src"].rsplit("/", 1)[-1]
        if "error" in fig:
            problems.append(f"{name}: {fig['error']}")
            continue
        r = fig["rendered"]
        if r["edge_luminance_median"] < MIN_EDGE_LUMINANCE_DARK:
            problems.append(
                f"{name}: dark edge in dark mode (luminance {r['edge_luminance_median']:.0f})"
            )
        if (
            r["edge_luminance_median"] - r["page_background_luminance"]
            < MIN_CONTRAST_WITH_PAGE
        ):
            problems.append(f"{name}: too little contrast with the dark page: {r}")
        f = fig["file"]
        if f is None:
            continue  # SVG: the rendered check above is the test
        if "error" in f:
            problems.append(f"{name}: could not fetch the file: HTTP {f['error']}")
            continue
        if f["alpha_min"] < 255:
            problems.append(
                f"{name}: transparent ({f['transparent_fraction']:.0%} of pixels): it vanishes on a dark page"
            )
        if f["border_luminance_median"] < MIN_FILE_BORDER_LUMINANCE:
            problems.append(f"{name}: the figure's background is not white: {f}")
    assert not problems, "\n".join(problems)
