"""The PDF edition: built with TeX Live from Debian's packages, laid out as the website's book.

Everything is checked in the built PDF (its text, from poppler's ``pdftotext``, and its outline,
from pypdf) against the strict website build of ``tests/conftest.py``: the parts and chapters
with the website's numbers and titles, the sections, figures, equations, exercises and
theorems numbered the same, no glue, check-cell or collapsed code, and each chapter's solutions
after its last exercise. The PDF is built in the website build's folder, so Sphinx reuses its
environment and no chapter is executed a second time.
"""

from __future__ import annotations

import ast
import itertools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, build_command

TARGET = "xent-book"


@dataclass
class Book:
    """The built PDF as a reader meets it."""

    folder: Path  # the LaTeX output folder (the .tex, .log and .aux beside the PDF)
    pages: list[str]  # the text of every page (pdftotext, reading order)
    layout: list[str]  # the same with the page layout kept (for the contents)
    labels: list[str]  # the printed page number of every page ("iv", "45")
    outline: list[tuple[int, str, int]]  # (depth, title, page index) of every bookmark


@dataclass
class Chapter:
    number: str  # "5" as on the website, "" for the back matter
    title: str
    href: str


def _roman(n: int) -> str:
    out = ""
    for value, digits in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + digits, n - value
    return out


def _words(text: str) -> str:
    return " ".join(text.split())


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def build_pdf(built_site: Path, language: str) -> Path:
    """Build one language's PDF in the website build's folder; return its LaTeX folder.

    ``XENT_BUILT_PDF=1`` (with ``XENT_BUILT_SITE``, never in CI) reuses PDFs already built
    there, while iterating on the tests themselves.
    """
    if not all(shutil.which(tool) for tool in ("xelatex", "latexmk", "pdftotext", "pdffonts")):
        message = "TeX Live or poppler-utils is not installed (see the README's PDF section)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = built_site.parent.parent  # <out>/_build/html -> <out>: the same Sphinx environment
    folder = out / "_build" / ("latex" if language == "en" else "latex-zh")
    if os.environ.get("XENT_BUILT_PDF") and not os.environ.get("CI") and folder.is_dir():
        return folder
    cmd = build_command("--path-output", str(out), "--language", language, "--builder", "pdflatex")
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, (
        f"the PDF build failed:\n{(result.stdout + result.stderr)[-4000:]}"
    )
    return folder


@pytest.fixture(scope="session")
def pdf_build(built_site: Path) -> Path:
    """Build the PDF (Sphinx LaTeX + XeLaTeX) once; return the LaTeX output folder."""
    return build_pdf(built_site, "en")


def read_book(folder: Path, target: str) -> Book:
    """The text (per page, also with its layout), page labels and outline of a built PDF."""
    from pypdf import PdfReader

    pdf = folder / f"{target}.pdf"

    def text(*options: str) -> list[str]:
        run = subprocess.run(
            ["pdftotext", *options, str(pdf), "-"], capture_output=True, text=True, check=True
        )
        return run.stdout.split("\f")

    reader = PdfReader(pdf)
    outline: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                outline.append(
                    (depth, _words(item.title), reader.get_destination_page_number(item))
                )

    walk(reader.outline, 0)
    return Book(folder, text(), text("-layout"), list(reader.page_labels), outline)


@pytest.fixture(scope="session")
def book(pdf_build: Path) -> Book:
    return read_book(pdf_build, TARGET)


def site_parts(site: Path) -> list[tuple[str, list[Chapter]]]:
    """A site's parts and chapters as its navigation shows them: (caption, chapters)."""
    soup = BeautifulSoup((site / "chapters" / "intro.html").read_text("utf-8"), "html.parser")
    parts: list[tuple[str, list[Chapter]]] = []
    for node in soup.select("nav.bd-docs-nav p.caption, nav.bd-docs-nav li.toctree-l1 > a"):
        if node.name == "p":
            parts.append((_words(node.get_text()), []))
        elif parts:
            m = re.match(r"(?:(\d+)\.\s+)?(.*)", _words(node.get_text()))
            parts[-1][1].append(Chapter(m[1] or "", m[2], node["href"]))
    assert len(parts) >= 3 and all(chapters for _, chapters in parts), parts
    return parts


@pytest.fixture(scope="session")
def website(built_site: Path) -> list[tuple[str, list[Chapter]]]:
    """The English website's parts and chapters."""
    return site_parts(built_site)


def _numbered(website: list[tuple[str, list[Chapter]]]) -> list[Chapter]:
    return [ch for _, chapters in website for ch in chapters if ch.number]


def _chapter_pages(book: Book) -> dict[str, tuple[int, int]]:
    """First and last page index of every chapter, by number, from the outline."""
    starts = [(title, page) for depth, title, page in book.outline if depth <= 1]
    spans = {}
    ends = [page for _, page in starts[1:]] + [len(book.pages)]
    for (title, page), following in zip(starts, ends, strict=True):
        if m := re.match(r"(\d+) ", title):
            spans[m[1]] = (page, following - 1)
    return spans


def test_pdf_has_every_chapter(pdf_build: Path) -> None:
    log = (pdf_build / f"{TARGET}.log").read_text(encoding="utf-8", errors="replace")
    pages = re.search(rf"Output written on {TARGET}\.pdf \((\d+) pages", log)
    assert pages and int(pages[1]) >= 60, "the PDF is missing or far too short"
    tex = (pdf_build / f"{TARGET}.tex").read_text(encoding="utf-8")
    for chapter in sorted((ROOT / "chapters").glob("0*.md")):
        # Sphinx labels every document's sections with its name: \label{\detokenize{chapters/..:
        assert f"chapters/{chapter.stem}:" in tex, f"{chapter.name} is not in the PDF"


def test_pdf_references_resolve(pdf_build: Path) -> None:
    """No "??" for an equation, figure, chapter or exercise reference."""
    log = (pdf_build / f"{TARGET}.log").read_text(encoding="utf-8", errors="replace")
    log = log.replace("\n", "")  # TeX wraps long warnings
    undefined = sorted(set(re.findall(r"[Rr]eference `([^']+)' on page \S+ undefined", log)))
    assert not undefined, f"unresolved references in the PDF: {undefined[:10]}"


def test_outline_has_the_websites_parts_and_chapters(book: Book, website: list) -> None:
    """Bookmarks: the list of figures, the preface, each numbered part with its chapters, then
    the back matter and the index."""
    expected: list[tuple[int, str]] = [(0, "List of Figures"), (0, "Preface")]
    part = 0
    for caption, chapters in website:
        if chapters[0].number:
            part += 1
            expected.append((0, f"{_roman(part)} {caption}"))
            expected += [(1, f"{ch.number} {ch.title}") for ch in chapters]
        else:  # the back matter: unnumbered chapters at the top level, no part of their own
            expected += [(0, ch.title) for ch in chapters]
    expected.append((0, "Index"))
    got = [
        (depth, title)
        for depth, title, _ in book.outline
        if depth == 0 or (depth == 1 and re.match(r"\d+ ", title))
    ]
    assert got == expected


def test_contents_list_parts_and_chapters_in_order(book: Book, website: list) -> None:
    preface = next(page for depth, title, page in book.outline if title == "Preface")
    first = next(i for i, text in enumerate(book.layout) if "CONTENTS" in text.upper())
    contents = _words(" ".join(book.layout[first:preface]))
    position, part = 0, 0
    for caption, chapters in website:
        entries = [f"{ch.number} {ch.title}" if ch.number else ch.title for ch in chapters]
        if chapters[0].number:
            part += 1
            entries.insert(0, f"{_roman(part)} {caption}")
        for entry in entries:
            found = contents.find(entry, position)
            assert found >= 0, f"{entry!r} is not in the contents after position {position}"
            position = found + len(entry)
    for chapter in _numbered(website):  # a chapter listed as a section ("1.5 Title")
        assert not re.search(rf"\d+\.\d+ {re.escape(chapter.title)}", contents), chapter.title


def test_sections_figures_equations_and_exercises_are_numbered_as_on_the_website(
    book: Book, website: list, built_site: Path
) -> None:
    aux = (book.folder / f"{TARGET}.aux").read_text(encoding="utf-8", errors="replace")
    text = "\n".join(book.pages)
    words = _words(text)
    sections = {title for depth, title, _ in book.outline if depth in (2, 3)}
    checked = {"section": 0, "figure": 0, "equation": 0, "exercise": 0, "theorem": 0}
    for chapter in _numbered(website):
        page = built_site / "chapters" / chapter.href
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        for link in soup.select("a.headerlink"):
            link.decompose()
        doc = f"chapters/{Path(chapter.href).stem}"
        for heading in soup.select("section > h2, section > h3"):
            m = re.match(r"(\d+(?:\.\d+)+)\.\s+([^\\$]*)", _words(heading.get_text()))
            if m:  # "5.1. One neuron, one example": the bookmark is "5.1 One neuron, ..."
                start = f"{m[1]} {m[2].strip()}"
                assert any(s.startswith(start) for s in sections), start
                checked["section"] += 1
        for figure in soup.select("figure[id]"):
            number = figure.select_one("span.caption-number").get_text().split()[-1]
            first = figure.select_one("span.caption-text").get_text().split()
            end = next((i for i, w in enumerate(first) if "\\" in w), 4)
            caption = " ".join(first[: min(end, 4)])
            assert f"Fig. {number}: {caption}" in words, (number, caption)
            checked["figure"] += 1
        for eqno in soup.select("span.eqno"):
            label = eqno.parent["id"].removeprefix("equation-")
            m = re.search(rf"\\newlabel{{equation:{doc}:{re.escape(label)}}}{{{{([^}}]*)}}", aux)
            assert m and f"({m[1]})" == eqno.get_text().strip(), (label, eqno.get_text())
            checked["equation"] += 1
        for title in soup.select("div.exercise p.admonition-title, div.proof p.admonition-title"):
            name = _words(title.get_text())  # "Exercise 5.1", "Theorem 2.1 (Maximum entropy)"
            assert re.search(rf"^{re.escape(name)}$", text, re.M), name
            checked["theorem" if name.startswith("Theorem") else "exercise"] += 1
    assert all(checked.values()), checked


def _found(line: str, text: str) -> bool:
    """True if a code line of some length is in the (squeezed) text of the PDF."""
    return len(_squeeze(line)) > 10 and _squeeze(line) in text


def _code_cells(path: Path) -> list[tuple[set[str], str]]:
    """(tags, source) of every code cell of a chapter, as the build reads it."""
    import jupytext

    return [
        (set(cell.metadata.get("tags", [])), cell.source)
        for cell in jupytext.read(path, fmt="md:myst").cells
        if cell.cell_type == "code"
    ]


def _glue_lines(source: str) -> list[str]:
    """The lines of a cell's ``glue(...)`` calls."""
    lines = source.splitlines()
    try:
        tree = ast.parse("\n".join("pass" if re.match(r"\s*[%!]", x) else x for x in lines))
    except SyntaxError:
        return []
    return [
        lines[i - 1]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "glue"
        for i in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    ]


def test_no_glue_check_or_collapsed_code_is_printed(book: Book, website: list) -> None:
    from editions.student import CHECK_CALL

    text = _squeeze("\n".join(book.pages))
    visible, missing = [], []
    cells = [
        cell
        for chapter in _numbered(website)
        for cell in _code_cells(ROOT / "chapters" / f"{Path(chapter.href).stem}.md")
    ]
    for tags, source in cells:
        if not tags & {"hide-input", "hide-cell"} and not CHECK_CALL.search(source):
            visible.append(_squeeze(source))
    shown = "\n".join(visible)
    for tags, source in cells:
        printed = [x for x in _glue_lines(source) if len(_squeeze(x)) > 10 and _squeeze(x) in text]
        if CHECK_CALL.search(source):
            printed += [
                x for x in source.splitlines() if len(_squeeze(x)) > 10 and _squeeze(x) in text
            ]
        if tags & {"hide-input", "hide-cell"}:  # lines of their own, not also in shown code
            own = [x for x in source.splitlines() if len(_squeeze(x)) > 25]
            own = [x for x in own if _squeeze(x) not in shown]
            printed += [x for x in own if _squeeze(x) in text]
        missing += printed
    assert not missing, f"code the PDF should leave out: {missing[:5]}"
    assert "IPython.core.display" not in text, "a web-only output is printed as its repr"
    assert "glue(" not in text


def test_solutions_come_after_the_chapters_last_exercise(book: Book, website: list) -> None:
    spans = _chapter_pages(book)
    for chapter in _numbered(website):
        first, last = spans[chapter.number]
        exercises, solutions = [], []
        for index in range(first, last + 1):
            for line_no, line in enumerate(book.pages[index].splitlines()):
                where = (index, line_no)
                if re.match(rf"Exercise {chapter.number}\.\d+\b", line):
                    exercises.append(where)
                elif re.match(rf"Solution to Exercise {chapter.number}\.\d+\b", line):
                    solutions.append(where)
        assert exercises and solutions, f"chapter {chapter.number} has no exercises or solutions"
        assert min(solutions) > max(exercises), f"chapter {chapter.number}: a solution comes early"


def test_running_heads_name_the_chapter(book: Book, website: list) -> None:
    spans = _chapter_pages(book)
    for chapter in _numbered(website):
        first, last = spans[chapter.number]
        for index in range(first + 1, last + 1):  # the opening page has no running head
            head = book.pages[index].lstrip().split("\n", 1)[0]
            assert head == f"Chapter {chapter.number}. {chapter.title}", (book.labels[index], head)


def test_strip_glue_keeps_the_code_a_reader_needs() -> None:
    """The glue bookkeeping goes, everything else stays as written (no PDF build needed)."""
    from editions.pdf import strip_glue

    source = (
        "%xmode Minimal\n"
        "from myst_nb import glue\n"
        "x = 2  # the answer\n"
        "for k in (1, 2):\n"
        "    glue(f'k{k}', k,\n"
        "         display=False)\n"
        "if x:\n"
        "    y = x\n"
        "    glue('y', y)\n"
        "\n"
        "\n"
        "print(x, y)\n"
    )
    assert strip_glue(source) == (
        "%xmode Minimal\nx = 2  # the answer\nif x:\n    y = x\n\nprint(x, y)"
    )
    assert strip_glue("print(1)\n") == "print(1)\n"  # nothing to strip: untouched
    assert strip_glue("glue('a', 1, display=False)") == ""
    assert strip_glue("def broken(:\n    glue('a', 1)") == "def broken(:\n    glue('a', 1)"


# ---------------------------------------------------------------------------------------------
# A book worth printing: code that fits, print wording, apparatus (issue 25)
# ---------------------------------------------------------------------------------------------

#: Phrases that only make sense on a screen; neither PDF may print them.
WEB_ONLY_PHRASES = {
    "en": ("click", "slider", "below runs in your browser", "check cell"),
    "zh": ("点击", "滑块", "在你的浏览器中运行", "检查单元格"),
}


def _identifiers() -> set[str]:
    """Every name of the chapters' code and of xent (six characters or more)."""
    names: set[str] = set()
    sources = [cell for path in (ROOT / "chapters").glob("*.md") for _, cell in _code_cells(path)]
    sources += [path.read_text("utf-8") for path in (ROOT / "code" / "xent").rglob("*.py")]
    for source in sources:
        names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]{5,}", source))
    return names


def wrapped_code_lines(book: Book) -> list[str]:
    """Lines that LaTeX broke with a continuation marker (a line too long for the page)."""
    # pdftotext reads the hooked arrow as "↪" or as its two glyphs, ",→"
    return [
        line for page in book.pages for line in page.splitlines() if "↪" in line or ",→" in line
    ]


def hyphenated_identifiers(book: Book) -> list[str]:
    """Code names split by a hyphen at a line end ("BCEWithLog-" / "itsLoss")."""
    names = _identifiers()
    found = []
    for page in book.pages:
        lines = page.splitlines()
        for line, following in itertools.pairwise(lines):
            head = re.search(r"([A-Za-z_][A-Za-z0-9_.]*)-$", line.rstrip())
            tail = re.match(r"\s*([A-Za-z0-9_]+)", following)
            if head and tail:
                joined = head[1].rsplit(".", 1)[-1] + tail[1]
                if joined in names and f"{head[1]}-{tail[1]}" not in " ".join(names):
                    found.append(f"{head[1]}-/{tail[1]}")
    return found


def _back_matter(book: Book) -> int:
    """The index of the back matter's first page (after the last chapter)."""
    return next(
        page
        for depth, title, page in book.outline
        if depth == 0
        and page > 0
        and title.split()[0] not in ("List", "Preface", "插图目录", "前言")
        and not re.match(r"[IVX]+ ", title)
        and not re.match(r"\d", title)
    )


def web_only_phrases(book: Book, language: str) -> list[str]:
    """The web-only phrases printed in the preface or a chapter.

    The instructors' appendix is left out: its check cells and folded solutions ("until
    clicked") are the student and notebook editions', which a printed copy's reader uses too.
    """
    text = _words("\n".join(book.pages[: _back_matter(book)])).lower()
    return [p for p in WEB_ONLY_PHRASES[language] if p in text]


def pdf_fonts(book: Book, target: str) -> str:
    pdf = book.folder / f"{target}.pdf"
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout


def test_code_fits_the_page_without_wrapping(book: Book) -> None:
    """No code or output line of the whole book is wrapped (↪): a shell command too long for
    the page (the instructors' appendix) is broken with backslashes instead."""
    wrapped = wrapped_code_lines(book)
    assert not wrapped, f"{len(wrapped)} code or output lines wrapped (↪): {wrapped[:5]}"


def test_code_names_are_never_hyphenated(book: Book) -> None:
    found = hyphenated_identifiers(book)
    assert not found, f"code names hyphenated at a line end: {found[:10]}"


def test_code_font_is_dejavu_sans_mono(book: Book) -> None:
    fonts = pdf_fonts(book, TARGET)
    assert "DejaVuSansMono" in fonts, fonts
    assert "FreeMono" not in fonts, "the old code font (which hyphenates) is still used"
    assert "LMRoman" in fonts, "the text is not set in Latin Modern (matching the formulas)"


def test_no_web_only_wording(book: Book) -> None:
    """Sliders, buttons, clicks and check cells are the website's and the notebooks' business."""
    assert not web_only_phrases(book, "en")


def test_demos_point_to_the_online_edition(book: Book) -> None:
    """Each demo left out of the PDF says where it is: the chapter's page online."""
    text = _squeeze("\n".join(book.pages))  # the address may be broken across lines
    demo = _squeeze("Interactive demo: in the chapter's notebook and in the online edition,")
    notes = re.findall(rf"{re.escape(demo)}(https://[^\]]+?\.html)", text)
    assert notes and all(re.search(r"/chapters/\d\d_\w+\.html$", n) for n in notes), notes


def test_copyright_page(book: Book) -> None:
    """The page after the title: edition, date, licence and the online edition's address."""
    import xent

    page = _words(book.pages[1])
    assert f"Edition {xent.__version__}" in page, page
    assert "CC BY 4.0" in page and "MIT licence" in page, page
    assert re.search(r"online edition, with every demo and the notebooks, is at https://\S+", page)
    assert "solutions are at the end of that chapter" in page


def test_index_and_list_of_figures(book: Book, website: list, built_site: Path) -> None:
    """A list of figures with every figure of the website, and an index of the glossary's terms."""
    titles = [title for depth, title, _ in book.outline]
    assert "List of Figures" in titles and "Index" in titles, titles
    start = next(page for depth, title, page in book.outline if title == "List of Figures")
    end = next(page for depth, title, page in book.outline if title == "Preface")
    listed = _words(" ".join(book.pages[start:end]))
    figures = 0
    for chapter in _numbered(website):
        soup = BeautifulSoup(
            (built_site / "chapters" / chapter.href).read_text("utf-8"), "html.parser"
        )
        for figure in soup.select("figure[id] span.caption-number"):
            number = figure.get_text().split()[-1]
            assert re.search(rf"(^| ){re.escape(number)}( |$)", listed), f"Fig. {number} not listed"
            figures += 1
    assert figures >= 20
    index = next(page for depth, title, page in book.outline if title == "Index")
    entries = _words(" ".join(book.pages[index:]))
    glossary = BeautifulSoup(
        (built_site / "chapters" / "glossary.html").read_text("utf-8"), "html.parser"
    )
    for link in glossary.select("a.headerlink"):
        link.decompose()
    terms = [_words(dt.get_text()) for dt in glossary.select("dl.glossary dt")]
    assert terms, "the glossary has no terms"
    missing = [t for t in terms if t.lower() not in entries.lower()]
    assert not missing, f"glossary terms not in the index: {missing}"
    # An entry lists pages where the term is used, not only the glossary's own page.
    assert re.search(r"cross-entropy,? (\d+, )+\d+", entries, re.I), entries[:500]


def test_the_instructors_table_splits_no_word(book: Book) -> None:
    """The instructors' table of exercises is set ragged right in columns that hold "Chapter 10"
    (it printed "Chapter" over "1" and hyphenated "Exer-cise" to fill justified lines)."""
    start = next(i for i, page in enumerate(book.layout) if "Which exercises for what" in page)
    text = "\n".join(book.layout[start : start + 2])
    table = text[text.index("homework", text.index("Minutes")) : text.index("Since the website")]
    assert not re.findall(r"\w+-(?=\s)", table)
    assert not re.findall(r"Chapter(?! \d)(?!\s+Minutes)", table)


def test_chapter_references_give_the_number(book: Book, website: list) -> None:
    """ "see Chapter 2", not the chapter's title (which printed "...one event?.")."""
    text = _words("\n".join(book.pages))
    assert "?." not in text
    assert re.search(r"\bChapter \d\b", text)


def test_bookmarks_of_titles_with_formulas_are_readable(book: Book) -> None:
    from editions.pdf import plain_math

    expected = []
    for path in sorted((ROOT / "chapters").glob("0*.md")):
        for heading in re.findall(r"^#{2,3} (.*\$.*)$", path.read_text("utf-8"), re.M):
            expected.append(_words(re.sub(r"\$([^$]+)\$", lambda m: plain_math(m[1]), heading)))
    titles = [title.replace("’", "'") for _, title, _ in book.outline]
    assert expected, "no heading with a formula to check"
    for heading in expected:
        assert any(title.endswith(heading) for title in titles), (heading, titles)


def test_text_line_length_suits_a_book(book: Book) -> None:
    """A line of prose holds 60 to 80 characters (books aim for 60-75), not 119."""
    spans = _chapter_pages(book)
    first, last = spans["2"]
    lengths = sorted(
        len(line)
        for page in book.pages[first : last + 1]
        for line in page.splitlines()
        if len(line) > 40 and line.rstrip()[-1:] not in ".:" and " " in line
    )
    median = lengths[len(lengths) // 2]
    assert 55 <= median <= 82, median


# -- citations, boxes and page breaks (shared with test_pdf_zh) --------------------------------

#: A citation's label, as the text prints it inside brackets: "Shannon, 1948", "Hinton et al.,
#: 2015", several separated by "; " (one broken by a page's foot and head is left out).
CITATION = re.compile(
    r"\[([^\[\]]{1,60}?, (?:\d{4}|n\.d\.)(?:; [^\[\]]{1,60}?, (?:\d{4}|n\.d\.))*)\]"
)


def bibliography_and_text(book: Book, title: str) -> tuple[str, str]:
    """The bibliography's text and the text of every page before it (words, one space)."""
    start = next(page for depth, name, page in book.outline if _squeeze(name) == _squeeze(title))
    end = next((page for _, _, page in book.outline if page > start), len(book.pages))
    return _words("\n".join(book.pages[start:end])), _words("\n".join(book.pages[:start]))


def citation_problems(book: Book, title: str) -> list[str]:
    """Citations whose label is not a bibliography label, and names printed twice.

    The bibliography labels each work as the text cites it ("[Shannon, 1948]"); a sentence that
    names the author cites with {cite:t}, "Shannon (1948)", never "Shannon [Shannon, 1948]".
    """
    bibliography, text = bibliography_and_text(book, title)
    labels = set(CITATION.findall(bibliography))
    problems = [] if len(labels) >= 10 else [f"only {len(labels)} author-year labels"]
    # A bibliography label is one work: pybtex's alpha labels ("[Sha48]") have no year.
    problems += [
        f"label [{x}] not by author and year"
        for x in re.findall(r"\[([A-Za-z+]+\d{2})\]", bibliography)
    ]
    for cited in CITATION.findall(text):
        problems += [
            f"[{one}] is no bibliography label" for one in cited.split("; ") if one not in labels
        ]
    for label in labels:
        name = re.split(r",| and | et al\.", label)[0]
        for doubled in (f"{name} [{label}", f"{name} {name} (", f"{name} [{name}"):
            if doubled in text:
                problems.append(f"name printed twice: {doubled!r}")
    return problems


def test_citations_by_author_and_year_as_in_the_bibliography(book: Book) -> None:
    problems = citation_problems(book, "Bibliography")
    assert not problems, problems[:10]


def untitled_boxes(folder: Path, target: str) -> list[str]:
    """Boxes that LaTeX would print with an empty title bar (an admonition without a title)."""
    tex = (folder / f"{target}.tex").read_text(encoding="utf-8")
    return re.findall(r"\\begin\{sphinxadmonition\}\{\w+\}(?!\{).{0,60}", tex)


def test_no_box_has_an_empty_title_bar(book: Book) -> None:
    """A proof is printed without a box ("Proof." ... □); every box has its title."""
    assert not untitled_boxes(book.folder, TARGET)
    text = "\n".join(book.pages)
    assert text.count("Proof.") >= 2 and text.count("□") >= text.count("Proof."), "proof marks"


#: Page-break faults (tests/pdf_pages.py) the layout must never show; "code split" and
#: "page ends > 120 pt short" are counted and reported, not asserted (see the README).
NEVER = (
    "exercise header at a page foot",
    "heading at a page foot",
    "solution link alone at a page top",
    "colon on one page, its code on the next",
)


def page_break_faults(folder: Path, target: str) -> list[tuple[str, int, str]]:
    from pdf_pages import faults

    return [f for f in faults(folder / f"{target}.pdf") if f[0] in NEVER]


def test_page_breaks(book: Book) -> None:
    found = page_break_faults(book.folder, TARGET)
    assert not found, found[:10]


def test_the_pdf_figures_are_vector(pdf_build: Path) -> None:
    """No figure of the PDF is a raster under 300 ppi (pdfimages -list)."""
    pdf = pdf_build / f"{TARGET}.pdf"
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    rows = [line.split() for line in listing.stdout.splitlines()[2:]]
    low = [r for r in rows if len(r) > 13 and min(int(r[12]), int(r[13])) < 300]
    assert not low, f"raster images under 300 ppi in the PDF: {low}"
