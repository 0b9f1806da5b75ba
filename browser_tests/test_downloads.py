"""Each chapter offers its source as .md and its executed notebook as .ipynb."""

from __future__ import annotations

import json
import urllib.request

import jupytext
import nbformat
import pytest
from bookbrowser import DOCNAMES, is_notebook_page

CHAPTERS = [d for d in DOCNAMES if is_notebook_page(d)]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200, url
        return response.read()


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_offers_md_and_ipynb_downloads(visit, docname):
    downloads = {d["cls"]: d for d in visit(docname).facts["downloads"]}
    md = downloads.get("btn-download-source-button")
    ipynb = downloads.get("btn-download-notebook-button")
    assert md and md["text"] == ".md" and md["href"].endswith(f"{docname}.md"), (
        downloads
    )
    assert (
        ipynb
        and ipynb["text"] == ".ipynb"
        and ipynb["href"].endswith(f"{docname}.ipynb")
    ), downloads

    # the .md is a MyST notebook that jupytext opens ...
    text_nb = jupytext.reads(_get(md["href"]).decode("utf8"), fmt="md:myst")
    assert "kernelspec" in text_nb.metadata
    # ... and the .ipynb is a valid notebook with its outputs, from the same cells
    notebook = nbformat.reads(_get(ipynb["href"]).decode("utf8"), as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert [c.source.strip() for c in code] == [
        c.source.strip() for c in text_nb.cells if c.cell_type == "code"
    ], "the .ipynb and the .md have different code cells"
    if code:
        assert any(c.outputs for c in code), (
            "the .ipynb has no outputs: it is not the executed notebook"
        )
        assert all(c.execution_count for c in code if c.outputs), (
            "outputs without execution counts"
        )
    json.dumps(notebook)  # plain JSON, nothing a notebook server would choke on


def test_download_menu_opens_and_lists_both(new_page, base_url):
    if not CHAPTERS:
        pytest.skip("no chapter in the build yet")
    page, guard = new_page()
    page.goto(f"{base_url}{CHAPTERS[0]}.html", wait_until="load")
    page.locator(".dropdown-download-buttons > button").click()
    items = page.locator(".dropdown-download-buttons .dropdown-menu .dropdown-item")
    items.first.wait_for(state="visible")
    labels = [t.strip() for t in items.all_inner_texts()]
    assert ".md" in labels and ".ipynb" in labels, labels
    assert not guard.console_errors, guard.console_errors
