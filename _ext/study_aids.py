"""Study aids: an anchor on every interview question, the question index, flashcards.

The questions are read from the chapters' sources by ``scripts/questions.py`` (the same
parser the flashcards and the tests use). This extension

- gives each question's paragraph an HTML id and a Sphinx label,
  ``<chapter label>-q<k>`` (``ch08-questions-q23`` is the bank's Q23,
  ``ch02-stable-q4`` the fourth *Interview angles* question of the chapter labelled
  ``ch02-stable``), so ``{ref}`` can point at a question and the index and the
  flashcards can link to it. A question the parser reads but cannot find in the page is
  a warning, so the strict build fails on it. A page that breaks the question format is
  left out and reported in the log; ``tests/test_flashcards.py`` fails on it;
- adds the ``{question-index}`` directive: a table of every question of every page in
  ``_toc.yml`` with a link, chapter, topic, difficulty and the bonus tag, generated at
  each build (the page that holds it is re-read every build);
- adds the ``{flashcards-download}`` role (``apkg`` or ``csv``): a link to the deck in
  ``_static/flashcards/`` of the built book, relative to the page for every HTML
  builder; and after each successful HTML build writes the deck there (and into
  ``_build/flashcards/``) with ``scripts/flashcards.py``, its numbers read from the
  execution cache the build has just filled.
"""

from __future__ import annotations

import posixpath
import shutil
import sys
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

FLASHCARD_DIR = "_static/flashcards"


def _scripts(app: Sphinx):
    scripts = str(Path(app.srcdir, "scripts"))
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import questions

    return questions


# --------------------------------------------------------------------------------------
# Anchors


def _anchor_questions(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".md":
        return
    q = _scripts(app)
    try:
        found = q.parse_file(path, Path(app.srcdir))
    except q.QuestionFormatError as exc:
        # tests/test_flashcards.py fails on it; the build goes on without this page's
        # questions, so a chapter being written does not stop everyone's strict build
        logger.info("question format: %s (left out of the index and the deck)", exc)
        return
    if not found:
        return
    paragraphs = list(doctree.findall(nodes.paragraph))
    std = app.env.get_domain("std")
    start = 0
    for question in found:
        words = q.match_key(q.plain(question.question))
        prefix = f"q{question.number}" if question.bank else ""
        hit = None
        for k in range(start, len(paragraphs)):
            key = q.match_key(paragraphs[k].astext())
            if key.startswith(prefix) and words and words[:60] in key:
                hit = k
                break
        if hit is None:
            logger.warning(
                "question %s (%s, line %d) not found in the page: %r",
                question.label,
                question.path,
                question.line,
                q.plain(question.question)[:60],
                location=(docname, question.line),
            )
            continue
        start = hit + 1
        para = paragraphs[hit]
        title = f"Q{question.number}" if question.bank else q.plain(question.question)
        if question.explicit_label:
            # MyST's (label)= target gives the paragraph its id and an untitled label;
            # the title makes {ref}`label` print the question's current number
            labelid = std.anonlabels.get(question.label, (docname, question.label))[1]
            std.labels.setdefault(question.label, (docname, labelid, title))
            continue
        para["ids"].append(question.label)
        std.anonlabels[question.label] = (docname, question.label)
        std.labels[question.label] = (docname, question.label, title)


# --------------------------------------------------------------------------------------
# The index


def _ref(target: str, text: str, docname: str) -> addnodes.pending_xref:
    """A ``{ref}`` to ``target`` with plain link text."""
    return addnodes.pending_xref(
        "",
        nodes.inline(text, text),
        refdomain="std",
        reftype="ref",
        reftarget=target,
        refexplicit=True,
        refwarn=True,
        refdoc=docname,
    )


class QuestionIndex(SphinxDirective):
    """A table of every question in the book (one row per question)."""

    has_content = False
    option_spec = {"class": directives.class_option}

    def _markdown(self, text: str) -> list[nodes.Node]:
        holder = nodes.container()
        self.state.nested_parse(StringList(text.splitlines()), self.content_offset, holder)
        if len(holder.children) == 1 and isinstance(holder[0], nodes.paragraph):
            return list(holder[0].children)
        return list(holder.children)

    def _table(self, q, page: list, with_topic: bool) -> nodes.table:
        first = page[0]
        headers = ["#", "Question"] + (["Topic"] if with_topic else []) + ["Level"]
        widths = [6, 62] + ([18] if with_topic else []) + [14]
        table = nodes.table(classes=["question-index"] + self.options.get("class", []))
        title = q.plain(first.chapter_title)
        caption = nodes.title(title, "")
        caption += _ref(first.chapter_label, title, self.env.docname)
        table += caption
        group = nodes.tgroup(cols=len(headers))
        table += group
        for width in widths:
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        row = nodes.row()
        for text in headers:
            row += nodes.entry("", nodes.paragraph(text=text))
        head += row
        group += head
        body = nodes.tbody()
        for question in page:
            row = nodes.row()
            number = f"Q{question.number}" if question.bank else str(question.number)
            ref = _ref(question.label, number, self.env.docname)
            row += nodes.entry("", nodes.paragraph("", "", ref))
            text = nodes.paragraph()
            text += self._markdown(question.question)
            row += nodes.entry("", text)
            if with_topic:
                row += nodes.entry("", nodes.paragraph(text=q.plain(question.topic)))
            level = " · ".join(
                x for x in (question.difficulty or "–", "bonus" if question.bonus else "")
                if x
            )
            row += nodes.entry("", nodes.paragraph(text=level))
            body += row
        group += body
        return table

    def run(self) -> list[nodes.Node]:
        q = _scripts(self.env.app)
        errors: list = []
        found = q.book_questions(Path(self.env.srcdir), errors)
        # a page that breaks the format is left out (reported when it is read, and by
        # tests/test_flashcards.py)
        pages: dict[str, list] = {}
        for question in found:
            pages.setdefault(question.docname, []).append(question)
        return [
            self._table(q, page, with_topic=any(x.bank for x in page))
            for page in pages.values()
        ]


def _index_always_outdated(app, env, added, changed, removed):
    """The index reads every chapter: re-read the pages that hold it on every build."""
    return [
        docname
        for docname in env.found_docs
        if docname not in added | changed
        and "{question-index}" in Path(env.doc2path(docname)).read_text("utf8")
    ]


# --------------------------------------------------------------------------------------
# Flashcards


class flashcards_download(nodes.reference):
    """A link to a file of the deck; its URL is set per page and builder."""


def _download_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    kind = text.strip()
    files = {
        "apkg": ("logistic-regression.apkg", "the Anki deck (.apkg)"),
        "csv": ("logistic-regression.csv", "the same cards as CSV"),
    }
    if kind not in files:
        msg = inliner.reporter.error(
            f"{{flashcards-download}} takes apkg or csv, got {kind!r}", line=lineno
        )
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    filename, label = files[kind]
    node = flashcards_download(rawtext, label, refuri="#", classes=["download"])
    node["filename"] = filename
    return [node], []


def _resolve_downloads(app: Sphinx, doctree, docname: str) -> None:
    for node in list(doctree.findall(flashcards_download)):
        here = posixpath.dirname(app.builder.get_target_uri(docname).split("#")[0])
        target = posixpath.join(FLASHCARD_DIR, node["filename"])
        ref = nodes.reference(
            node.rawsource, "", *node.children, refuri=posixpath.relpath(target, here or ".")
        )
        ref["classes"] = node["classes"]
        ref["download"] = True
        node.replace_self(ref)


def _write_flashcards(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    q = _scripts(app)
    import flashcards

    nb_config = getattr(app.env, "mystnb_config", None)
    cache = getattr(nb_config, "execution_cache_path", None)
    errors: list = []
    found = q.book_questions(Path(app.srcdir), errors)
    for exc in errors:
        logger.info("flashcards: a page left out: %s", exc)
    missing: list[str] = []
    glue = flashcards.book_glue(
        found, Path(app.srcdir), Path(cache) if cache else None, False, missing
    )
    for docname in missing:
        logger.warning(
            "flashcards: no executed notebook for %s (its numbers show as ?)", docname
        )
    base = app.config.html_baseurl or ""
    if base and not base.endswith("/"):
        base += "/"
    out = Path(app.outdir, *FLASHCARD_DIR.split("/"))
    apkg, csv_path, unresolved = flashcards.build(found, glue, out, base, Path(app.srcdir))
    for item in sorted(set(unresolved)):
        logger.warning("flashcards: unresolved %s", item)
    if app.builder.name == "html":
        copy = Path(app.outdir).parent / "flashcards"
        copy.mkdir(parents=True, exist_ok=True)
        for path in (apkg, csv_path):
            shutil.copy2(path, copy / path.name)
    logger.info("flashcards: %d cards in %s", len(found), out)


def _visit_skip(self, node):
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    app.add_directive("question-index", QuestionIndex)
    app.add_role("flashcards-download", _download_role)
    app.add_node(
        flashcards_download,
        html=(_visit_skip, None),
        latex=(_visit_skip, None),
        text=(_visit_skip, None),
    )
    app.connect("doctree-read", _anchor_questions)
    app.connect("env-get-outdated", _index_always_outdated)
    app.connect("doctree-resolved", _resolve_downloads)
    app.connect("build-finished", _write_flashcards)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
