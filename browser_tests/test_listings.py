"""The package's source as the chapters show it (``{literalinclude}``) fits the book's
content width: no listing scrolls sideways (the viewport of bookbrowser, 1280 px wide,
with the sidebars shown).

``_ext/book_html.py`` marks each such listing with the class ``literalinclude``; the
listings are measured with every fold open (see ``a11y.STRUCTURE``).
"""

from __future__ import annotations

import re
import warnings

import pytest
from bookbrowser import DOCNAMES, HTML_DIR


@pytest.mark.parametrize("docname", DOCNAMES)
def test_listings_do_not_scroll_sideways(visit, docname):
    """No listing scrolls sideways. The book's CSS (_static/a11y.css) sizes the font so
    that 88 columns fit and wraps a longer line; such lines are reported as a warning,
    since the package's source should be wrapped at 88 columns (the listing then shows
    the code as written)."""
    a11y = visit(docname).a11y
    for x in a11y["listings"]:
        if x["longLines"]:
            warnings.warn(
                f"{docname}, {x['section']!r}: the listing starting {x['first']!r} has "
                f"{x['longLines']} lines over 88 columns (longest {x['longestLine']}), "
                "wrapped on the page: wrap them in the package's source",
                stacklevel=1,
            )
    wide = [
        f"{x['section']!r}, listing starting {x['first']!r}: {x['scrollWidth']} px of "
        f"text in a {x['clientWidth']} px box (longest line {x['longestLine']} columns)"
        for x in a11y["listings"]
        if x["shown"] and x["scrollWidth"] > x["clientWidth"]
    ]
    assert not wide, (
        f"listings wider than the content ({a11y['contentWidth']:.0f} px):\n"
        + "\n".join(wide)
    )


def test_listings_are_found():
    """Guard the test above: the marker class is in the build wherever a chapter
    includes package source."""
    pages = [HTML_DIR / f"{d}.html" for d in DOCNAMES]
    html = "".join(p.read_text(encoding="utf8") for p in pages if p.is_file())
    if "code/logreg/" not in "".join(
        (HTML_DIR / "_sources" / f"{d}.md").read_text(encoding="utf8")
        for d in DOCNAMES
        if (HTML_DIR / "_sources" / f"{d}.md").is_file()
    ):
        pytest.skip("no chapter includes package source")
    assert re.search(r'<div class="[^"]*\bliteralinclude\b', html), (
        "no listing carries the class literalinclude: is _ext/book_html.py loaded?"
    )
