"""The question parser (scripts/questions.py) and the flashcard deck (scripts/flashcards.py).

Every question of the book must be read, each exactly once, and a block the parser
cannot read must be an error that names its file and line. The deck is opened the way
Anki opens it: an .apkg is a zip holding an SQLite collection, one row per note.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import flashcards  # noqa: E402
import questions  # noqa: E402
from questions import QuestionFormatError, parse_file  # noqa: E402


# --------------------------------------------------------------------------------------
# The parser on the book


def test_every_page_of_the_book_parses():
    """A chapter that breaks the question format fails here, with its file and line."""
    found = questions.book_questions()
    assert len(found) > 100
    labels = [q.label for q in found]
    assert len(set(labels)) == len(labels), "two questions with the same label"
    assert all(q.question.strip() and q.answer.strip() for q in found)


def _book():
    return questions.book_questions(errors=[])


def test_every_bank_question_is_read():
    bank_path = ROOT / "chapters" / "08-interview-question-bank.md"
    bank = parse_file(bank_path)
    marked = [
        line for line in bank_path.read_text("utf8").splitlines() if line.startswith("**Q")
    ]
    assert len(bank) == len(marked)
    assert all(q.bank and q.difficulty in questions.DIFFICULTIES for q in bank)
    numbers = [q.number for q in bank]
    assert len(set(numbers)) == len(numbers)
    # the floating-point detail is tagged bonus, so it does not crowd out the core
    assert any(q.bonus for q in bank) and sum(q.bonus for q in bank) < len(bank) / 4
    with_followup = [q for q in bank if q.followup]
    assert len(with_followup) == len(bank)
    assert all(q.followup_answer.strip() for q in with_followup)


def test_every_interview_angles_section_is_read():
    for path in questions.toc_paths():
        if not path.is_file() or path.suffix != ".md":
            continue
        text = path.read_text("utf8")
        if "\n## Interview angles" not in text:
            continue
        try:
            found = parse_file(path)
        except QuestionFormatError:
            continue  # test_every_page_of_the_book_parses reports it
        assert [q for q in found if not q.bank], f"{path.name}: no question read"


# --------------------------------------------------------------------------------------
# The parser on small sources

HEADER = "---\nkernelspec:\n  name: python3\n---\n\n(ch-x)=\n# Do a thing\n\n"

BANK_BLOCK = """## A topic

**Q3** {bdg-danger}`hard` {bdg-secondary}`bonus` **Why is $|z|$
used?**

::::{dropdown} Answer
Because of $e^{-|z|}$.

**Follow-up.** *And then?*

:::{dropdown} Follow-up answer
Then {glue:text}`k:.2f`.
:::

Backed by {ref}`a section <sec>`.
::::
"""

ANGLES_BLOCK = """## Interview angles

**What is `x`?**

:::{dropdown} Answer
It is $x$.
:::

**Second?**

:::{dropdown} Answer
Yes.
:::
"""


def _parse(tmp_path, text):
    path = tmp_path / "chapters" / "x.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(HEADER + text, encoding="utf8")
    return parse_file(path, tmp_path)


def test_both_formats_are_read(tmp_path):
    q3, a1, a2 = _parse(tmp_path, BANK_BLOCK + "\n" + ANGLES_BLOCK)
    assert (q3.number, q3.difficulty, q3.bonus, q3.bank) == (3, "hard", True, True)
    assert q3.question == "Why is $|z|$ used?"
    assert q3.answer == "Because of $e^{-|z|}$."
    assert q3.followup == "And then?" and q3.followup_answer == "Then {glue:text}`k:.2f`."
    assert q3.backed_by == "Backed by {ref}`a section <sec>`."
    assert q3.topic == "A topic" and q3.label == "ch-x-q3"
    assert (a1.number, a1.difficulty, a1.bonus, a1.bank) == (1, "", False, False)
    assert a1.question == "What is `x`?" and a1.answer == "It is $x$."
    assert a2.label == "ch-x-q2" and a2.topic == "Do a thing"


def test_an_explicit_label_names_the_question(tmp_path):
    (q,) = _parse(tmp_path, BANK_BLOCK.replace("**Q3**", "(my-q)=\n\n**Q3**"))
    assert q.label == "my-q"


@pytest.mark.parametrize(
    "broken, message",
    [
        (BANK_BLOCK.replace("::::{dropdown} Answer", "::::{dropdown} Solution"), "no '{dropdown} Answer'"),
        (BANK_BLOCK.replace("{bdg-danger}`hard`", "{bdg-danger}`tough`"), "unknown badge"),
        (BANK_BLOCK.replace("{bdg-danger}`hard` ", ""), "no difficulty badge"),
        (BANK_BLOCK + "\n" + BANK_BLOCK.replace("## A topic", "## B"), "used twice"),
        (BANK_BLOCK.replace(":::{dropdown} Follow-up answer", ":::{note}"), "Follow-up answer"),
        (ANGLES_BLOCK.replace("**Second?**", "Second?"), "one bold paragraph"),
        (ANGLES_BLOCK.replace(":::{dropdown} Answer\nYes.\n:::", "Yes."), "Interview angles"),
        (ANGLES_BLOCK.replace("It is $x$.\n", ""), "empty answer"),
        (ANGLES_BLOCK.replace("It is $x$.\n:::", "It is $x$."), "never closed"),
    ],
)
def test_a_broken_block_is_an_error_with_its_line(tmp_path, broken, message):
    with pytest.raises(QuestionFormatError, match="x.md") as err:
        _parse(tmp_path, broken)
    assert message in str(err.value)


def test_code_fences_are_not_read(tmp_path):
    fenced = "```{code-cell} ipython3\n**Q9** {bdg-danger}`odd` **no**\n```\n\n"
    assert len(_parse(tmp_path, fenced + BANK_BLOCK)) == 1


# --------------------------------------------------------------------------------------
# The deck


class _AnyGlue(dict):
    """Every glued value of every page is 1.5 (the deck's shape does not depend on it)."""

    def get(self, docname, default=None):
        return _AnyKey()


class _AnyKey(dict):
    def get(self, key, default=None):
        return {"text/plain": "1.5", "text/markdown": "*1.5*"}


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    found = _book()
    out = tmp_path_factory.mktemp("flashcards")
    apkg, csv_path, unresolved = flashcards.build(
        found, _AnyGlue(), out, base_url="https://example.org/book/"
    )
    return found, apkg, csv_path, unresolved


def _notes(apkg: Path):
    with zipfile.ZipFile(apkg) as z:
        names = z.namelist()
        assert "collection.anki2" in names
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "collection.anki2"
            db.write_bytes(z.read("collection.anki2"))
            con = sqlite3.connect(db)
            try:
                rows = con.execute("select flds, tags from notes").fetchall()
            finally:
                con.close()
    return [(flds.split("\x1f"), tags.split()) for flds, tags in rows]


def test_the_deck_has_every_question_once_with_an_answer(deck):
    found, apkg, _, unresolved = deck
    assert not unresolved
    notes = _notes(apkg)
    labels = [fields[2] for fields, _ in notes]
    assert sorted(labels) == sorted(q.label for q in found)
    assert len(set(labels)) == len(labels)
    for (front, back, label), tags in notes:
        assert front.strip() and back.strip(), label
        assert f"#{label}" in back  # the link back to the question in the book
        assert any(t.startswith("difficulty::") for t in tags)
        assert any(t.startswith("chapter::") for t in tags)
        assert any(t.startswith("topic::") for t in tags)
    bonus = {q.label for q in found if q.bonus}
    assert bonus == {fields[2] for fields, tags in notes if "bonus" in tags}


def test_cards_hold_no_myst_syntax_and_anki_math(deck):
    _, apkg, _, _ = deck
    for (front, back, label), _ in _notes(apkg):
        for text in (front, back):
            assert "{glue" not in text and "{ref}" not in text and "{eq}" not in text, label
            assert "$" not in text.replace("&#36;", ""), f"{label}: TeX dollars left"
            assert "ZZKEPT" not in text
    fronts = " ".join(fields[0] for fields, _ in _notes(apkg))
    assert "\\(" in fronts and "\\)" in fronts  # inline math in Anki's delimiters


def test_the_csv_holds_the_same_cards(deck):
    found, apkg, csv_path, _ = deck
    with open(csv_path, newline="", encoding="utf8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["front", "back", "tags"]
    assert len(rows) - 1 == len(found)
    assert [r[0] for r in rows[1:]] == [fields[0] for fields, _ in _notes(apkg)]
    assert all(r[1].strip() and "difficulty::" in r[2] for r in rows[1:])


@pytest.mark.parametrize(
    "text, fmt, expected",
    [("0.123456", ".3g", "0.123"), ("2.5e-17", ".1e", "2.5e-17"), ("41", "", "41"),
     ("'abc'", "", "abc"), ("7.0", ".0f", "7"), ("12", "d", "12")],
)
def test_glued_values_are_formatted_as_the_book_prints_them(text, fmt, expected):
    assert flashcards.format_glued({"text/plain": text}, fmt) == expected


def test_cross_references_become_text():
    targets = flashcards.Targets()
    renderer = flashcards.CardRenderer(targets, {}, "")
    html = renderer.html(
        "chapters/x",
        "See {ref}`the stable loss <ch02-stable-loss>`, {eq}`eq-grad` and "
        "{cite}`boyd2004convex`.",
    )
    assert "the stable loss" in html and "Boyd 2004" in html
    assert "\\[\\nabla L(w) = \\frac{1}{n} X^\\top (p - y) + \\lambda w\\]" in html


def test_the_built_deck_if_there_is_one():
    """After `make flashcards` (or any book build): every number resolved."""
    apkg = ROOT / "_build" / "flashcards" / f"{flashcards.BASENAME}.apkg"
    if not apkg.is_file():
        pytest.skip("no deck built yet: run `make flashcards`")
    notes = _notes(apkg)
    assert len(notes) >= 100
    assert all(fields[0].strip() and fields[1].strip() for fields, _ in notes)
