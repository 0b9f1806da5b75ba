"""The book's HTML builds: an ``.ipynb`` download per chapter, and a working ``singlehtml``.

Each executed chapter is offered as an ``.ipynb`` download, next to its ``.md`` source.

sphinx-book-theme lists an ``.ipynb`` in a page's download menu when the page context
has ``ipynb_source``, but it sets that only when a launch button (Binder, Colab, ...)
is configured, and this book has none: it must work offline. MyST-NB writes each
chapter as a notebook to ``_build/jupyter_execute/<docname>.ipynb``, but with
``execute_notebooks: cache`` that file has outputs only in the build that executed the
chapter: when the outputs come from the cache, MyST-NB merges them into a copy and
writes the notebook without them. So this extension merges the cached outputs into
that notebook (jupyter-cache matches it by its code), writes the result to
``_build/html/_sources/<docname>.ipynb``, where the theme looks for it, and sets
``ipynb_source`` so the menu offers it.

It also lets the ``singlehtml`` builder (``make book-single``) render MyST-NB's nodes.
Sphinx looks a node's visitors up by builder name and falls back to the builder's
format ("html") only when no extension registered any visitor under that name.
sphinx-exercise registers its nodes under "singlehtml", so every other extension's
HTML visitors (MyST-NB's HideCodeCellNode for ``hide-input`` cells, ...) are then
missing there and the build stops with "unknown node type". And pydata-sphinx-theme's
layout loads ``searchindex.js`` on every page, which ``singlehtml`` does not write: the
single page would log a failed request, so an empty stand-in is written.

And it fixes in the markup what the accessibility scan of the browser tests
(axe-core) finds in the HTML that Sphinx and its extensions write: bibliography
entries as list items of their list, no link inside a dropdown's title, scrollable
code inside a fold reachable with Tab once the fold opens; and it marks the package
listings (``literalinclude``) for the book's CSS (``_static/a11y.css``).

Last, it makes the build faster: Sphinx resolves each ``{numref}`` by unpickling the
*whole* doctree of the target page (every cell output included), once per reference;
this book's 70 or so numbered references spent about 3 s there. The standard domain
below reads each target page once per build instead (the doctrees do not change while
references are resolved).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.domains.std import StandardDomain
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _add_ipynb_download(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if doctree is None or context.get("ipynb_source"):
        return  # not a document page, or the theme did it already
    if "kernelspec" not in app.env.metadata.get(pagename, {}):
        return  # a plain Markdown page, not a notebook
    nb_config = getattr(app.env, "mystnb_config", None)
    if nb_config is None or not nb_config.output_folder:
        return
    executed = Path(nb_config.output_folder, *f"{pagename}.ipynb".split("/"))
    if not executed.is_file():
        logger.warning(
            "no executed notebook for %s at %s: the page offers no .ipynb download",
            pagename,
            executed,
            location=pagename,
        )
        return
    notebook = nbformat.read(executed, as_version=4)
    if nb_config.execution_mode == "cache" and nb_config.execution_cache_path:
        from jupyter_cache import get_cache

        try:
            _, notebook = get_cache(
                nb_config.execution_cache_path
            ).merge_match_into_notebook(notebook)
        except KeyError:  # not in the cache: keep the outputs MyST-NB wrote, if any
            pass
    target = Path(app.outdir, "_sources", *f"{pagename}.ipynb".split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def _share_html_visitors(app: Sphinx) -> None:
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for node_name, visitors in handlers.get("html", {}).items():
        single.setdefault(node_name, visitors)


def _singlehtml_searchindex(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.name != "singlehtml":
        return
    index = Path(app.outdir, "searchindex.js")
    if not index.exists():
        index.write_text(
            "/* The single-page build has no search index; the theme loads this file"
            " on every page. */\n",
            encoding="utf8",
        )


def _mark_literalincludes(app: Sphinx, doctree) -> None:
    """Class ``literalinclude`` on every listing of a file (``{literalinclude}``), so
    the book's CSS and the browser tests can tell the package listings from code cells.

    Sphinx's LiteralInclude directive is the one that gives its literal_block a
    ``source`` attribute (the included file); the HTML writer puts the node's classes
    on the listing's ``<div class="highlight-...">``.
    """
    for node in doctree.findall(nodes.literal_block):
        if node.get("source") and "literalinclude" not in node["classes"]:
            node["classes"].append("literalinclude")


class UnlinkDropdownTitles(SphinxPostTransform):
    """No link inside a dropdown's title: ``:::{dropdown} Derivation of {eq}`eq-x```
    renders its title as the ``<summary>`` of a ``<details>``, and a link inside a
    summary is an interactive control inside another (axe: nested-interactive, serious):
    a keyboard reader's Enter opens the fold and can never follow the link. The link's
    text stays, as plain text (the equation number still shows which equation).

    Runs after sphinx-design has built the summary (its transform has priority 199) and
    after the references are resolved.
    """

    default_priority = 210
    formats = ("html",)

    def run(self, **kwargs) -> None:
        from sphinx_design.dropdown import dropdown_title

        for title in self.document.findall(dropdown_title):
            for ref in list(title.findall(nodes.reference)):
                ref.replace_self(
                    nodes.inline("", "", *ref.children, classes=["sd-summary-ref"])
                )


def _visit_citation(self, node) -> None:
    """A bibliography entry as a ``listitem`` of its ``role="list"`` container.

    Docutils writes each entry as ``role="doc-biblioentry"`` inside a
    ``<div role="list">``; a list may only own list items, and DPUB-ARIA 1.1 has
    deprecated doc-biblioentry for that reason, so axe-core reports the bibliography
    (aria-required-children, serious). Same markup otherwise.
    """
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def _depart_citation(self, node) -> None:
    self.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), type(node)):
        self.body.append("</div>\n")


# pydata-sphinx-theme makes a code block or an output that scrolls sideways focusable
# (tabindex 0), so a keyboard reader can scroll it, but it measures them only when the
# page loads: a cell inside a fold, closed then, is measured at zero width and stays out
# of the tab order once opened (axe: scrollable-region-focusable, serious). This measures
# again whatever a fold shows when it opens: a <details> (toggle event) or a folded
# answer (sphinx-togglebutton's title or button).
_TAB_STOPS_IN_FOLDS_JS = """
(() => {
  const update = () => document.querySelectorAll(
      '#main-content pre, #main-content .cell_output > .output').forEach(el => {
    if (el.tabIndex < 0 && el.checkVisibility()
        && (el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight))
      el.tabIndex = 0;
  });
  let timer;
  const later = () => { clearTimeout(timer); timer = setTimeout(update, 30); };
  document.addEventListener('toggle', later, true);
  document.addEventListener('click', e => {
    if (e.target.closest && e.target.closest('.admonition-title, .toggle-button')) later();
  }, true);
})();
"""


#: Doctrees read for numbered references in this build (docname -> doctree); emptied
#: when a build starts writing and when it ends, so nothing outlives the pickles.
_NUMREF_TARGETS: dict = {}


class _StandardDomain(StandardDomain):
    """Sphinx's standard domain, reading each numref target page at most once."""

    def _resolve_numref_xref(self, env, *args):
        read = env.get_doctree

        def read_once(docname):
            if docname not in _NUMREF_TARGETS:
                _NUMREF_TARGETS[docname] = read(docname)
            return _NUMREF_TARGETS[docname]

        env.get_doctree = read_once  # for the lookups in this call only
        try:
            return super()._resolve_numref_xref(env, *args)
        finally:
            del env.get_doctree


def _forget_numref_targets(*_args):
    _NUMREF_TARGETS.clear()


def setup(app: Sphinx) -> dict:
    app.add_domain(_StandardDomain, override=True)
    app.connect("env-updated", _forget_numref_targets)
    app.connect("build-finished", _forget_numref_targets)
    app.connect("doctree-read", _mark_literalincludes)
    app.add_js_file(None, body=_TAB_STOPS_IN_FOLDS_JS)
    app.add_post_transform(UnlinkDropdownTitles)
    app.add_node(
        nodes.citation,
        override=True,
        html=(_visit_citation, _depart_citation),
        singlehtml=(_visit_citation, _depart_citation),
    )
    # Priority 500 runs before sphinx-book-theme builds its download menu (501).
    app.connect("html-page-context", _add_ipynb_download, priority=500)
    app.connect("builder-inited", _share_html_visitors)
    app.connect("build-finished", _singlehtml_searchindex)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
