"""Every interview question in the book, read from the chapters' MyST sources.

One parser for the flashcards (``scripts/flashcards.py``), the question index
(``chapters/index-every-question.md`` through ``_ext/study_aids.py``) and the tests
(``tests/test_flashcards.py``). It reads two formats and nothing else:

The question bank (one question per block)::

    **Q7** {bdg-warning}`standard` **Why does the sigmoid saturate ...?**

    ::::{dropdown} Answer
    The model answer ...

    **Follow-up.** *The follow-up question?*

    :::{dropdown} Follow-up answer
    ...
    :::

    Backed by {ref}`... <label>`.
    ::::

A chapter's *Interview angles* section::

    **The question, in bold, as a paragraph of its own?**

    :::{dropdown} Answer
    The model answer ...
    :::

Badges before the question text tag it: difficulty ``{bdg-success}`warm-up```,
``{bdg-warning}`standard``` or ``{bdg-danger}`hard```, and ``{bdg-secondary}`bonus```
for a question that is rarely asked and goes deep (printed study plans may skip it).

The parser is strict on purpose: an ``{dropdown} Answer`` whose question it cannot
read, a ``**Qn**`` paragraph without its answer, a bold paragraph in an *Interview
angles* section that is not followed by an answer, or a badge it does not know, is a
``QuestionFormatError`` naming the file and line, so a chapter that drifts from the
format fails its test instead of silently dropping cards.

Each question has a label that ``{ref}`` can point at: its own ``(label)=`` target when
one stands just before it (the bank gives one to each question that other pages link to,
so renumbering the bank does not move the links), else ``<chapter label>-q<k>`` (``k`` is
the bank's question number, or the question's position in a chapter), which
``_ext/study_aids.py`` attaches to the question's paragraph in the built HTML.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

BOOK_ROOT = Path(__file__).resolve().parents[1]
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

DIFFICULTIES = {"warm-up": "success", "standard": "warning", "hard": "danger"}
BONUS_BADGE = ("secondary", "bonus")

_FENCE_BACKTICK = re.compile(r"^(`{3,}|~{3,})")
_COLON_OPEN = re.compile(r"^(:{3,})\{(\w[\w:-]*)\}\s*(.*?)\s*$")
_LABEL = re.compile(r"^\((?P<label>[\w.:-]+)\)=\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_BANK_Q = re.compile(r"^\*\*Q(\d+)\*\*\s+")
_BADGE = re.compile(r"\{bdg-(\w+)\}`([^`]*)`")


class QuestionFormatError(ValueError):
    """A question block that does not follow one of the two formats."""


@dataclass
class Question:
    """One question and its answer, as Markdown source (MyST roles and math kept)."""

    path: str  # "chapters/08-interview-question-bank.md", relative to the book root
    docname: str  # "chapters/08-interview-question-bank"
    chapter_label: str  # the chapter's top label, e.g. "ch08-questions"
    chapter_title: str  # the chapter's "# " heading (Markdown)
    topic: str  # the "## " section it sits in (bank) or the chapter's title
    number: int  # the bank's Qn, or the position among the chapter's questions
    bank: bool  # from the question bank (a **Qn** block)
    difficulty: str  # "warm-up", "standard", "hard" or "" (not rated)
    bonus: bool
    question: str  # Markdown, badges and the Qn marker removed
    answer: str  # Markdown of the answer, without the follow-up
    followup: str = ""  # the follow-up question (bank only)
    followup_answer: str = ""
    backed_by: str = ""  # the "Backed by ..." paragraph (bank only)
    line: int = 0  # 1-based line of the question in the file
    explicit_label: str = ""  # a ``(label)=`` target just before the question

    @property
    def label(self) -> str:
        """The label ``{ref}`` uses: the question's own ``(label)=`` target if it has
        one (``ch08-q-hessian``), else ``<chapter label>-q<k>`` (``ch08-questions-q23``).
        """
        return self.explicit_label or f"{self.chapter_label}-q{self.number}"

    @property
    def key(self) -> str:
        """What identifies the question across the book (and its flashcard)."""
        return self.label


# --------------------------------------------------------------------------------------
# The book's chapters


def toc_paths(root: Path = BOOK_ROOT) -> list[Path]:
    """Every source file listed in ``_toc.yml`` (the root page included), in order."""
    from execute_chapters import toc_files  # the same walk the chapter runner uses

    return toc_files(root / "_toc.yml")


def book_questions(
    root: Path = BOOK_ROOT, errors: list[QuestionFormatError] | None = None
) -> list[Question]:
    """Every question of every page in ``_toc.yml``, in reading order.

    A page that breaks the format raises ``QuestionFormatError``; with an ``errors``
    list, the error is appended to it instead and that page contributes no question
    (the book build reports it as a warning and goes on with the other pages).
    """
    questions: list[Question] = []
    for path in toc_paths(root):
        if path.suffix == ".md" and path.is_file():
            try:
                questions += parse_file(path, root)
            except QuestionFormatError as exc:
                if errors is None:
                    raise
                errors.append(exc)
    return questions


# --------------------------------------------------------------------------------------
# One file


def _strip_front_matter(lines: list[str]) -> int:
    """Index of the first line after a YAML front matter block (0 if none)."""
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                return i + 1
    return 0


def _prose_mask(lines: list[str], start: int) -> list[bool]:
    """True for lines that are prose: not front matter, not inside a backtick fence."""
    mask = [False] * len(lines)
    fence = None
    for i in range(start, len(lines)):
        line = lines[i]
        m = _FENCE_BACKTICK.match(line)
        if fence is None:
            if m:
                fence = m.group(1)
                continue
            mask[i] = True
        elif line.strip().startswith(fence[0] * len(fence)) and line.strip().strip(
            fence[0]
        ) == "":
            fence = None
    return mask


def _closing(
    lines: list[str], start: int, colons: str, mask: list[bool], where: str = ""
) -> int:
    """Index of the line that closes the colon fence opened at ``start``."""
    depth = 0
    for i in range(start + 1, len(lines)):
        if not mask[i]:
            continue
        s = lines[i].strip()
        m = _COLON_OPEN.match(s)
        if m and len(m.group(1)) >= len(colons):
            depth += 1
        elif re.fullmatch(r":{3,}", s) and len(s) >= len(colons):
            if depth == 0:
                return i
            depth -= 1
    raise QuestionFormatError(f"{where}: the fence {colons} is never closed")


def _paragraph_before(lines: list[str], i: int) -> tuple[int, int]:
    """(first, last) line indices of the paragraph that ends before line ``i``."""
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    last = j
    while j >= 0 and lines[j].strip():
        j -= 1
    return j + 1, last


def _badges(text: str, where: str) -> tuple[str, bool, str]:
    """(difficulty, bonus, text without the badges)."""
    difficulty, bonus = "", False
    for colour, word in _BADGE.findall(text):
        if (colour, word) == BONUS_BADGE:
            bonus = True
        elif DIFFICULTIES.get(word) == colour:
            if difficulty:
                raise QuestionFormatError(f"{where}: two difficulty badges")
            difficulty = word
        else:
            raise QuestionFormatError(
                f"{where}: unknown badge {{bdg-{colour}}}`{word}`; expected one of "
                + ", ".join(f"{{bdg-{c}}}`{w}`" for w, c in DIFFICULTIES.items())
                + " or {bdg-secondary}`bonus`"
            )
    return difficulty, bonus, _BADGE.sub("", text)


def _bold_text(text: str, where: str) -> str:
    """The inside of a paragraph that is one bold span, ``**...**``."""
    text = text.strip()
    if not (text.startswith("**") and text.endswith("**") and len(text) > 4):
        raise QuestionFormatError(
            f"{where}: a question must be one bold paragraph, **...**, got {text[:60]!r}"
        )
    return text[2:-2].strip()


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


def _split_bank_answer(body: list[str], mask: list[bool], where: str):
    """Split the bank's answer dropdown into answer, follow-up, its answer, backed-by."""
    followup, followup_answer, backed = "", "", ""
    text = body
    fu = next(
        (k for k, line in enumerate(body) if line.startswith("**Follow-up.**")), None
    )
    answer_end = fu if fu is not None else len(body)
    if fu is not None:
        k = fu
        para = []
        while k < len(body) and body[k].strip():
            para.append(body[k])
            k += 1
        followup = " ".join(para)[len("**Follow-up.**") :].strip()
        if followup.startswith("*") and followup.endswith("*"):
            followup = followup[1:-1].strip()
        while k < len(body) and not body[k].strip():
            k += 1
        m = _COLON_OPEN.match(body[k].strip()) if k < len(body) else None
        if not (m and m.group(2) == "dropdown" and m.group(3) == "Follow-up answer"):
            raise QuestionFormatError(
                f"{where}: **Follow-up.** must be followed by a "
                "':::{dropdown} Follow-up answer'"
            )
        end = _closing(body, k, m.group(1), [True] * len(body), where)
        followup_answer = _join(body[k + 1 : end])
        rest = body[end + 1 :]
    else:
        rest = []
    tail = _join(rest)
    if tail:
        if not tail.startswith("Backed by"):
            raise QuestionFormatError(
                f"{where}: after the follow-up answer only a 'Backed by ...' "
                f"paragraph may follow, got {tail[:60]!r}"
            )
        backed = tail
    answer = _join(text[:answer_end])
    if fu is None:  # a "Backed by" paragraph may end the plain answer
        paras = re.split(r"\n\s*\n", answer)
        if len(paras) > 1 and paras[-1].startswith("Backed by"):
            backed = paras[-1]
            answer = "\n\n".join(paras[:-1])
    return answer, followup, followup_answer, backed


def parse_file(path: Path, root: Path = BOOK_ROOT) -> list[Question]:
    """The questions of one MyST Markdown file (may be none)."""
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    docname = rel.rsplit(".", 1)[0]
    lines = path.read_text(encoding="utf8").splitlines()
    start = _strip_front_matter(lines)
    mask = _prose_mask(lines, start)

    # the chapter's top label and title: the first label, the first "# " heading
    chapter_label, chapter_title = "", ""
    for i in range(start, len(lines)):
        if not mask[i]:
            continue
        m = _LABEL.match(lines[i])
        if m and not chapter_label:
            chapter_label = m.group("label")
        h = _HEADING.match(lines[i])
        if h and len(h.group(1)) == 1:
            chapter_title = h.group(2)
            break

    # the "## " section of every line
    section = [""] * len(lines)
    current = ""
    for i in range(len(lines)):
        h = _HEADING.match(lines[i]) if mask[i] else None
        if h and len(h.group(1)) == 2:
            current = h.group(2)
        section[i] = current

    questions: list[Question] = []
    answered_paragraphs: set[int] = set()
    for i in range(start, len(lines)):
        if not mask[i]:
            continue
        m = _COLON_OPEN.match(lines[i].strip())
        if not (m and m.group(2) == "dropdown" and m.group(3) == "Answer"):
            continue
        where = f"{rel}:{i + 1}"
        colons = m.group(1)
        end = _closing(lines, i, colons, mask, where)
        body = lines[i + 1 : end]
        first, last = _paragraph_before(lines, i)
        if last < first or not chapter_label:
            raise QuestionFormatError(
                f"{where}: an answer with no question paragraph (or no chapter label)"
            )
        answered_paragraphs.add(first)
        before = first - 1
        while before >= start and not lines[before].strip():
            before -= 1
        target = _LABEL.match(lines[before]) if before >= start else None
        explicit = target.group("label") if target else ""
        para = " ".join(line.strip() for line in lines[first : last + 1])
        qwhere = f"{rel}:{first + 1}"
        bank = _BANK_Q.match(para)
        if bank:
            number = int(bank.group(1))
            difficulty, bonus, text = _badges(para[bank.end() :], qwhere)
            text = _bold_text(text, qwhere)
            if not difficulty:
                raise QuestionFormatError(f"{qwhere}: Q{number} has no difficulty badge")
            answer, fu, fu_answer, backed = _split_bank_answer(body, mask, where)
            topic = section[first] or chapter_title
        else:
            number = 1 + sum(1 for q in questions if not q.bank)
            difficulty, bonus, text = _badges(para, qwhere)
            text = _bold_text(text.strip(), qwhere)
            answer, fu, fu_answer, backed = _join(body), "", "", ""
            topic = chapter_title
        if not answer.strip():
            raise QuestionFormatError(f"{where}: empty answer")
        questions.append(
            Question(
                path=rel,
                docname=docname,
                chapter_label=chapter_label,
                chapter_title=chapter_title,
                topic=topic,
                number=number,
                bank=bool(bank),
                difficulty=difficulty,
                bonus=bonus,
                question=text,
                answer=answer,
                followup=fu,
                followup_answer=fu_answer,
                backed_by=backed,
                line=first + 1,
                explicit_label=explicit,
            )
        )

    # Blocks that look like questions but have no answer the parser could read.
    in_angles = False
    angles_at = []
    for i in range(start, len(lines)):
        if not mask[i]:
            continue
        h = _HEADING.match(lines[i])
        if h:
            in_angles = len(h.group(1)) == 2 and h.group(2).strip() == "Interview angles"
            if in_angles:
                angles_at.append(i)
            continue
        starts_para = lines[i].strip() and (i == 0 or not lines[i - 1].strip())
        if not starts_para:
            continue
        if _BANK_Q.match(lines[i]) and i not in answered_paragraphs:
            raise QuestionFormatError(
                f"{rel}:{i + 1}: a **Qn** question with no '{{dropdown}} Answer' after it"
            )
        if (
            in_angles
            and lines[i].startswith("**")
            and i not in answered_paragraphs
            and not lines[i].startswith("**Follow-up.**")
        ):
            raise QuestionFormatError(
                f"{rel}:{i + 1}: a bold paragraph in 'Interview angles' with no "
                "':::{dropdown} Answer' after it"
            )

    for i in angles_at:
        if not any(not q.bank and q.line > i + 1 for q in questions):
            raise QuestionFormatError(
                f"{rel}:{i + 1}: 'Interview angles' holds no question in the format "
                "'**question**' followed by ':::{dropdown} Answer'"
            )

    numbers = [q.number for q in questions if q.bank]
    dupes = sorted({n for n in numbers if numbers.count(n) > 1})
    if dupes:
        raise QuestionFormatError(f"{rel}: question numbers used twice: {dupes}")
    return questions


# --------------------------------------------------------------------------------------
# Plain text (for matching the built page, and for a table cell)

_ROLE_WITH_TITLE = re.compile(r"\{[\w:-]+\}`([^`<]*?)\s*<[^`>]+>`")
_ROLE = re.compile(r"\{[\w:-]+\}`([^`]*)`")


def plain(markdown: str) -> str:
    """The words of a Markdown snippet: roles by their text, no emphasis markers."""
    text = _ROLE_WITH_TITLE.sub(r"\1", markdown)
    text = _ROLE.sub(r"\1", text)
    text = text.replace("**", "").replace("`", "").replace("$", "")
    return re.sub(r"\s+", " ", text).strip()


def match_key(text: str) -> str:
    """Letters and digits only, lower case: compares source and rendered text."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


if __name__ == "__main__":  # a summary: python scripts/questions.py
    qs = book_questions()
    by_doc: dict[str, int] = {}
    for q in qs:
        by_doc[q.docname] = by_doc.get(q.docname, 0) + 1
    for doc, count in by_doc.items():
        print(f"{count:4d}  {doc}")
    print(f"{len(qs):4d}  questions, {sum(q.bonus for q in qs)} tagged bonus")
