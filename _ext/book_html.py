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
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from sphinx.application import Sphinx
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


def setup(app: Sphinx) -> dict:
    # Priority 500 runs before sphinx-book-theme builds its download menu (501).
    app.connect("html-page-context", _add_ipynb_download, priority=500)
    app.connect("builder-inited", _share_html_visitors)
    app.connect("build-finished", _singlehtml_searchindex)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
