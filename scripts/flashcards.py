"""Flashcards from every question in the book: an Anki deck and a CSV file.

    python scripts/flashcards.py [--out _build/flashcards] [--base-url URL]

writes ``logistic-regression.apkg`` (Anki, built with genanki) and
``logistic-regression.csv`` (columns front, back, tags; HTML with MathJax delimiters,
for other tools). ``make flashcards`` runs it after building the book; every HTML build
also writes both files into ``_static/flashcards/`` of the built book (see
``_ext/study_aids.py``), where the question bank's download links point.

One card per question (``scripts/questions.py`` reads them from the chapters' sources):
the front is the question, the back the model answer, the follow-up and its answer, what
backs the answer, and a link to the question in the book. Tags: ``chapter::<name>``,
``topic::<section>``, ``difficulty::<level>`` and ``bonus`` where the question carries
that badge. Each note's GUID is derived from the question's label, so importing a newer
deck updates the cards instead of duplicating them.

Math is converted to Anki's MathJax delimiters, ``\\(...\\)`` and ``\\[...\\]``. Numbers
glued into the prose (``{glue:text}`key:fmt```) are the values computed by the chapter,
read from its executed notebook in the book's execution cache
(``_build/.jupyter_cache``, filled by ``make book``); a chapter missing from the cache is
executed here (in its own folder, as the book build does), unless ``--no-execute``.
Cross-references become their link text (``{ref}``), the equation itself (``{eq}``),
the theorem's title (``{prf:ref}``) or "author year" (``{cite}``).
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import re
import sys
from ast import literal_eval
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from questions import BOOK_ROOT, Question, book_questions, plain, toc_paths  # noqa: E402

DECK_NAME = "Logistic regression: gradient, Hessian and convexity"
DECK_ID = 1_734_050_013  # fixed, so a re-import updates the same deck
MODEL_ID = 1_734_050_014
BASENAME = "logistic-regression"

CARD_CSS = """
.card { font-family: system-ui, sans-serif; font-size: 18px; text-align: left;
        color: #111; background: #fff; max-width: 46em; margin: auto; line-height: 1.45; }
.nightMode .card, .card.nightMode { color: #eee; background: #1e1e1e; }
code { font-size: 0.92em; background: rgba(127,127,127,0.15); padding: 0 0.2em; }
pre { white-space: pre-wrap; }
table { border-collapse: collapse; } td, th { border: 1px solid #999; padding: 2px 6px; }
.meta { color: #777; font-size: 0.8em; }
.followup { margin-top: 1em; }
.backed { color: #555; font-size: 0.9em; margin-top: 1em; }
"""


# --------------------------------------------------------------------------------------
# Glued values from the executed notebooks


def _read_notebook(path: Path):
    from myst_nb.core.read import read_myst_markdown_notebook

    return read_myst_markdown_notebook(path.read_text(encoding="utf8"))


def glue_values(notebook) -> dict[str, dict]:
    """``{key: mime bundle}`` of every ``glue(...)`` output in an executed notebook."""
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:
                prefix = meta.get("mime_prefix", "")
                values[meta["name"]] = {
                    mime[len(prefix) :] if mime.startswith(prefix) else mime: value
                    for mime, value in output.get("data", {}).items()
                }
    return values


def executed_notebook(
    path: Path,
    cache_path: Path | None,
    execute: bool = True,
    built: Path | None = None,
):
    """The chapter with its outputs: from the execution cache, else from the notebook
    the last build executed (``_build/jupyter_execute``), else executed now."""
    notebook = _read_notebook(path)
    if cache_path is not None and cache_path.is_dir():
        from jupyter_cache import get_cache

        try:
            return get_cache(str(cache_path)).merge_match_into_notebook(notebook)[1]
        except KeyError:
            pass
    if built is not None and built.is_file():
        import nbformat

        candidate = nbformat.read(built, as_version=4)
        if glue_values(candidate):
            return candidate
    if not execute:
        raise LookupError(
            f"{path.name} is not in the execution cache {cache_path}: run `make book`"
        )
    from nbclient import NotebookClient

    print(f"flashcards: executing {path.name} (not in the execution cache)")
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return notebook


def book_glue(
    questions: list[Question],
    root: Path = BOOK_ROOT,
    cache_path: Path | None = None,
    execute: bool = True,
    missing: list[str] | None = None,
) -> dict[str, dict]:
    """``{docname: {key: mime bundle}}`` for the chapters whose questions glue values.

    With ``missing`` (a list), a chapter whose outputs cannot be found is named there
    and left out, instead of raising ``LookupError``.
    """
    cache_path = cache_path or root / "_build" / ".jupyter_cache"
    executed_dir = root / "_build" / "jupyter_execute"
    glue: dict[str, dict] = {}
    for q in questions:
        text = "\n".join([q.question, q.answer, q.followup, q.followup_answer, q.backed_by])
        if q.docname not in glue and "{glue" in text:
            try:
                built = executed_dir / f"{q.docname}.ipynb"
                nb = executed_notebook(root / q.path, cache_path, execute, built)
            except LookupError:
                if missing is None:
                    raise
                missing.append(q.docname)
                glue[q.docname] = {}
                continue
            glue[q.docname] = glue_values(nb)
    return glue


def format_glued(bundle: dict, fmt: str) -> str:
    """A glued value as ``{glue:text}`` prints it (MyST-NB's formatting rules)."""
    text = bundle.get("text/plain", "")
    try:
        value = literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if not fmt:
        return str(value)
    kind = fmt[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, fmt)


# --------------------------------------------------------------------------------------
# What cross-references point at


class Targets:
    """Titles of labels, equations, theorems and citations, read from the sources."""

    def __init__(self, root: Path = BOOK_ROOT):
        self.labels: dict[str, str] = {}
        self.equations: dict[str, str] = {}
        self.theorems: dict[str, str] = {}
        self.citations: dict[str, str] = {}
        for path in toc_paths(root):
            if path.suffix == ".md" and path.is_file():
                self._read_source(path.read_text(encoding="utf8"))
        bib = root / "references.bib"
        if bib.is_file():
            self._read_bib(bib.read_text(encoding="utf8"))

    def _read_source(self, text: str) -> None:
        lines = text.splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"^\(([\w.:-]+)\)=\s*$", line)
            if m:
                for nxt in lines[i + 1 : i + 4]:
                    h = re.match(r"^#{1,6}\s+(.*)$", nxt)
                    if h:
                        self.labels[m.group(1)] = h.group(1).strip()
                        break
        for m in re.finditer(r"\$\$((?:(?!\$\$).)+)\$\$[ \t]*\(([\w.:-]+)\)", text, re.S):
            self.equations[m.group(2)] = m.group(1).strip()
        for m in re.finditer(
            r"```\{prf:(\w+)\}\s*(.*?)\n(?::[\w-]+:.*\n)*?:label:\s*([\w.:-]+)", text
        ):
            self.theorems[m.group(3)] = f"the {m.group(1)} “{m.group(2).strip()}”"

    def _read_bib(self, text: str) -> None:
        for m in re.finditer(r"@\w+\{([^,]+),(.*?)\n\}", text, re.S):
            key, body = m.group(1).strip(), m.group(2)
            author = re.search(r"author\s*=\s*\{(.*)\},?\s*\n", body)
            year = re.search(r"year\s*=\s*\{?(\d{4})", body)
            name = key
            if author:
                first = author.group(1).split(" and ")[0]
                name = first.split(",")[0].strip() if "," in first else first.split()[-1]
                name = re.sub(r"[{}\\\"]", "", name)
                if " and " in author.group(1):
                    name += " et al." if author.group(1).count(" and ") > 1 else ""
            self.citations[key] = f"{name} {year.group(1) if year else ''}".strip()


# --------------------------------------------------------------------------------------
# Markdown with MyST roles and math -> HTML for a card

_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
_MATH = re.compile(
    r"(?P<code>`+)(?P<codebody>.+?)(?P=code)"
    r"|\$\$(?P<display>.+?)\$\$(?:[ \t]*\((?P<eqlabel>[\w.:-]+)\))?"
    r"|\$(?P<inline>[^$]+?)\$",
    re.S,
)


class CardRenderer:
    def __init__(self, targets: Targets, glue: dict[str, dict], base_url: str = ""):
        from markdown_it import MarkdownIt

        self.targets = targets
        self.glue = glue
        self.base_url = base_url
        self.md = MarkdownIt("commonmark", {"html": False}).enable("table")
        self.unresolved: list[str] = []

    def _role(self, docname: str, name: str, content: str, keep) -> str:
        content = content.strip()
        titled = re.match(r"^(.*?)\s*<([^<>]+)>$", content, re.S)
        text, target = (
            (titled.group(1), titled.group(2)) if titled else (None, content)
        )
        if name in ("glue:text", "glue"):
            key, _, fmt = target.partition(":")
            bundle = self.glue.get(docname, {}).get(key)
            if bundle is None:
                self.unresolved.append(f"{docname}: glue {key}")
                return "?"
            return html.escape(format_glued(bundle, fmt))
        if name == "glue:md":
            key = target.split(":")[0]
            bundle = self.glue.get(docname, {}).get(key)
            if bundle is None:
                self.unresolved.append(f"{docname}: glue {key}")
                return "?"
            return bundle.get("text/markdown", bundle.get("text/plain", ""))
        if name == "ref":
            return text or self.targets.labels.get(target, target)
        if name == "numref":
            return text or "the figure"
        if name == "prf:ref":
            return text or self.targets.theorems.get(target, target)
        if name == "eq":
            tex = self.targets.equations.get(target)
            return keep(f"\\[{html.escape(tex)}\\]") if tex else "the equation"
        if name.startswith("cite"):
            keys = [k.strip() for k in target.split(",")]
            names = "; ".join(self.targets.citations.get(k, k) for k in keys)
            return f"({names})" if name == "cite" else names
        if name.startswith("bdg-"):
            return f"[{content}]"
        self.unresolved.append(f"{docname}: role {{{name}}}")
        return html.escape(content)

    def html(self, docname: str, markdown: str) -> str:
        """Card HTML for a Markdown snippet of chapter ``docname``."""
        kept: list[str] = []

        def keep(fragment: str) -> str:
            kept.append(fragment)
            return f"ZZKEPT{len(kept) - 1}ZZ"

        def math(m: re.Match) -> str:
            if m.group("code"):
                return m.group(0)  # markdown renders code spans itself
            if m.group("display") is not None:
                return keep(f"\\[{html.escape(m.group('display').strip())}\\]")
            return keep(f"\\({html.escape(m.group('inline'))}\\)")

        text = _MATH.sub(math, markdown)
        text = _ROLE.sub(lambda m: self._role(docname, m.group(1), m.group(2), keep), text)
        out = self.md.render(text).strip()
        out = re.sub(r"ZZKEPT(\d+)ZZ", lambda m: kept[int(m.group(1))], out)
        # a paragraph that is one display
        return re.sub(r"<p>(\\\[.*?\\\])</p>", r"\1", out, flags=re.S)

    def link(self, q: Question) -> str:
        target = f"{q.docname}.html#{q.label}"
        return f"{self.base_url}{target}"

    def card(self, q: Question) -> tuple[str, str]:
        front = self.html(q.docname, q.question)
        badge = " · ".join(
            x for x in (q.difficulty, "bonus" if q.bonus else "", plain(q.topic)) if x
        )
        front = f'{front}\n<div class="meta">{html.escape(badge)}</div>'
        parts = [self.html(q.docname, q.answer)]
        if q.followup:
            parts.append(
                '<div class="followup"><b>Follow-up.</b> '
                + self.html(q.docname, f"*{q.followup}*")
                + "\n"
                + self.html(q.docname, q.followup_answer)
                + "</div>"
            )
        if q.backed_by:
            parts.append(
                f'<div class="backed">{self.html(q.docname, q.backed_by)}</div>'
            )
        where = html.escape(
            f"{plain(q.chapter_title)}" + (f", Q{q.number}" if q.bank else "")
        )
        parts.append(
            f'<div class="meta">In the book: <a href="{html.escape(self.link(q))}">'
            f"{where}</a></div>"
        )
        return front, "\n".join(parts)


# --------------------------------------------------------------------------------------
# Tags, deck, CSV


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plain(text).lower()).strip("-")


def tags(q: Question) -> list[str]:
    chapter = re.sub(r"^\d+-", "", q.docname.rsplit("/", 1)[-1])
    out = [
        f"chapter::{chapter}",
        f"topic::{slug(q.topic)}",
        f"difficulty::{q.difficulty or 'unrated'}",
        "source::question-bank" if q.bank else "source::interview-angles",
    ]
    if q.bonus:
        out.append("bonus")
    return out


def build(
    questions: list[Question],
    glue: dict[str, dict],
    out_dir: Path,
    base_url: str = "",
    root: Path = BOOK_ROOT,
) -> tuple[Path, Path, list[str]]:
    """Write the deck and the CSV; return their paths and anything left unresolved."""
    import genanki

    renderer = CardRenderer(Targets(root), glue, base_url)
    model = genanki.Model(
        MODEL_ID,
        "Logistic regression book question",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Label"}],
        templates=[
            {
                "name": "Question",
                "qfmt": "{{Front}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
            }
        ],
        css=CARD_CSS,
    )
    deck = genanki.Deck(DECK_ID, DECK_NAME)
    rows = []
    for q in questions:
        front, back = renderer.card(q)
        t = tags(q)
        deck.add_note(
            genanki.Note(model=model, fields=[front, back, q.label], tags=t,
                         guid=genanki.guid_for("logreg-book", q.label))
        )
        rows.append((front, back, " ".join(t)))
    out_dir.mkdir(parents=True, exist_ok=True)
    apkg = out_dir / f"{BASENAME}.apkg"
    genanki.Package(deck).write_to_file(str(apkg))
    csv_path = out_dir / f"{BASENAME}.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["front", "back", "tags"])
    writer.writerows(rows)
    csv_path.write_text(buffer.getvalue(), encoding="utf8")
    return apkg, csv_path, renderer.unresolved


def config_base_url(root: Path = BOOK_ROOT) -> str:
    """``html.baseurl`` of ``_config.yml`` (with a trailing slash), or ""."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf8")) or {}
    url = ((config.get("html") or {}).get("baseurl") or "").strip()
    return url if not url or url.endswith("/") else url + "/"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=BOOK_ROOT / "_build" / "flashcards")
    parser.add_argument(
        "--base-url",
        default=None,
        help="prefix of the links to the book (default: html.baseurl in _config.yml)",
    )
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument(
        "--no-execute",
        action="store_true",
        help="fail, instead of executing, when a chapter is not in the cache",
    )
    args = parser.parse_args(argv)
    errors: list = []
    questions = book_questions(errors=errors)
    missing: list[str] = []
    glue = book_glue(questions, BOOK_ROOT, args.cache, not args.no_execute, missing)
    base = config_base_url() if args.base_url is None else args.base_url
    apkg, csv_path, unresolved = build(questions, glue, args.out, base)
    print(f"flashcards: {len(questions)} cards -> {apkg} and {csv_path.name}")
    if errors:
        print("flashcards: pages left out, their questions break the format:",
              *errors, sep="\n  ")
    if missing:
        print("flashcards: not executed (run `make book`):", *missing, sep="\n  ")
    if unresolved:
        print("flashcards: unresolved:", *sorted(set(unresolved)), sep="\n  ")
    return 1 if errors or missing or unresolved else 0


if __name__ == "__main__":
    sys.exit(main())
