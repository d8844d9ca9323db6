"""Sphinx extension: the PDF edition, laid out as a printed book (LaTeX builder only).

Loaded by _config.yml (``sphinx: extra_extensions``) for every build, it does nothing unless the
builder writes LaTeX (``jupyter-book build --builder pdflatex``). Sphinx's LaTeX builder inlines
every document of the table of contents where the root page's toctrees stand, so on its own it
makes the intro's last section a chapter and every chapter of the book a section of it. This
extension rearranges that one large document, using only what ``_toc.yml`` and the cells say:

* **Structure.** The intro becomes an unnumbered *Preface* (front matter, roman page numbers);
  every numbered part of ``_toc.yml`` a LaTeX ``\\part`` whose files are chapters numbered 1..n
  across parts, as on the website (so are their sections, figures and equations, which LaTeX
  numbers per chapter); the unnumbered parts (the back matter) unnumbered chapters after the
  parts. A back-matter page with nothing but a ``{bibliography}`` becomes the bibliography.
* **Print-minded cells** (:class:`PrintCells`, decided from each cell's tags, outputs and code):

  - ``hide-input`` cells (collapsed on the website): the output only, usually a figure;
    ``hide-output``: the code only; ``hide-cell``: left out;
  - check cells (``check("ex-...", ...)``, recognised by :data:`editions.student.CHECK_CALL`):
    left out with their output; they only make sense in a live notebook;
  - ``glue(...)`` calls and ``from myst_nb import glue``: removed from the printed code (the
    glued numbers are in the prose); a cell left with no code and no output disappears;
  - cells whose output is web-only (HTML or a widget, with no image and no text but a bare
    ``<... object>`` repr): replaced by one line saying the demo is on the website or in the
    notebook;
  - everything else (``skip-execution`` cells such as the ipywidgets explorers included) prints
    as it is.
* **Long tables** (more than 30 rows, set as ``longtable``) get column widths, so they wrap.
* **Solutions** move from their exercises to a *Solutions* section at the end of their
  chapter; each exercise says on which page its solution is, and each solution links back.

The page layout (book class, one-sided, running head naming the chapter, no index) is set in
:data:`PREAMBLE` and :func:`latex_config`.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform

from editions.student import CHECK_CALL

__all__ = ["PrintCells", "arrange_book", "strip_glue"]

#: Mime types LaTeX can print; an output with none of them (only HTML, a widget or its
#: text/plain repr such as ``<IPython.core.display.HTML object>``) is web-only.
PRINTABLE = ("image/", "application/pdf", "text/latex")
WIDGET = "application/vnd.jupyter.widget-view+json"
WEB_ONLY = ("text/html", WIDGET, "application/javascript")

#: LaTeX preamble of the print edition (after Sphinx's own packages).
PREAMBLE = r"""
\usepackage{bookmark}
\hypersetup{bookmarksnumbered=true}
\addto\captionsenglish{\renewcommand{\contentsname}{Contents}}
\makeatletter
% One-sided: sphinxmanual.cls takes the "oneside" option for itself, and the book class is
% two-sided by default (blank pages before the contents, the parts and the back matter).
\@twosidefalse\@mparswitchfalse
% Front matter: the contents and the preface, unnumbered, with roman page numbers.
\newcounter{xentsecnumdepth}
\renewcommand{\sphinxtableofcontents}{%
  \frontmatter
  \setcounter{xentsecnumdepth}{\value{secnumdepth}}\setcounter{secnumdepth}{-1}%
  \begingroup\parskip\z@skip\sphinxtableofcontentshook\tableofcontents\endgroup
}
\newcommand{\xentmainmatter}{\mainmatter\setcounter{secnumdepth}{\value{xentsecnumdepth}}}
% A label whose \ref prints the given number (an exercise's, numbered as on the website).
\newcommand{\xentlabel}[2]{\phantomsection\def\@currentlabel{#2}\label{#1}}
% Back matter: unnumbered chapters, listed in the contents without their sections.
\newcommand{\xentbackmatter}{%
  \backmatter\setcounter{secnumdepth}{-1}\bookmarksetup{startatroot}%
  \addtocontents{toc}{\protect\setcounter{tocdepth}{0}}}
% Running head: the current chapter ("Chapter 5. Title" in the main matter) and the page.
\renewcommand{\chaptermark}[1]{%
  \markboth{\if@mainmatter\@chapapp\ \thechapter.\ \fi #1}{}}
\renewcommand{\sectionmark}[1]{}
\fancypagestyle{normal}{%
  \fancyhf{}%
  \fancyhead[L]{{\py@HeaderFamily\small\nouppercase{\leftmark}}}%
  \fancyhead[R]{{\py@HeaderFamily\small\thepage}}%
  \renewcommand{\headrulewidth}{0.4pt}\renewcommand{\footrulewidth}{0pt}}
\fancypagestyle{plain}{%
  \fancyhf{}\fancyfoot[C]{{\py@HeaderFamily\small\thepage}}%
  \renewcommand{\headrulewidth}{0pt}\renewcommand{\footrulewidth}{0pt}}
% Title page: one page (Sphinx's overflowed onto a blank second page).
\newcommand{\xentmaketitle}{%
  \hypersetup{pageanchor=false}%
  \begingroup\pdfstringdefDisableCommands{\def\\{, }}%
    \hypersetup{pdfauthor={\@author}, pdftitle={\@title}}\endgroup
  \begin{titlepage}\raggedright
    \vspace*{0.2\textheight}\noindent\rule{\textwidth}{1pt}\par\vspace{1.5em}
    {\py@HeaderFamily\py@TitleColor\Huge \@title\par}\vspace{2em}
    {\py@HeaderFamily\LARGE \@author\par}\vfill
    {\py@HeaderFamily\large \@date\par}
  \end{titlepage}%
  \hypersetup{pageanchor=true}}
% Chapter and part heads in the sans-serif, coloured face of Sphinx's section heads.
\titleformat{\chapter}[display]{\py@HeaderFamily\py@TitleColor}%
  {\LARGE\@chapapp\ \thechapter}{8pt}{\Huge\raggedright}[\vspace{2pt}\titlerule]
\titleformat{name=\chapter,numberless}[display]{\py@HeaderFamily\py@TitleColor}%
  {}{0pt}{\Huge\raggedright}[\vspace{2pt}\titlerule]
\titlespacing*{\chapter}{0pt}{0pt}{28pt}
\titleformat{\part}[display]{\py@HeaderFamily\py@TitleColor\centering}%
  {\huge\partname\ \thepart}{16pt}{\Huge}
\makeatother
% Figures: Sphinx shrinks an image to the line width; also to 4.2 in tall, the height that
% xent.plotting's check (PRINT_MAX_HEIGHT) assumes when it keeps printed figure text >= 7 pt.
\makeatletter\AtBeginDocument{\spx@image@maxheight=4.2in}\makeatother
"""


def latex_config(app: Sphinx, config: Config) -> None:
    """The print edition's LaTeX settings (they only concern the LaTeX builder)."""
    config.latex_docclass = {**config.latex_docclass, "manual": "book"}
    elements = dict(config.latex_elements)
    elements["preamble"] = elements.get("preamble", "") + PREAMBLE
    # LaTeX's own chapter heads: fncychap's Bjarne style (Sphinx's default) capitalises titles,
    # code included ("NN.CROSSENTROPYLOSS").
    elements["fncychap"] = ""
    elements["maketitle"] = r"\xentmaketitle"
    # One-sided (printed and handed out per chapter), chapters start on the next page.
    elements.setdefault("extraclassoptions", "openany,oneside")
    # No index: its only entries would be the glossary's terms, pointing at the glossary.
    elements["printindex"] = ""
    config.latex_elements = elements
    # No domain indices: the proof index would list labels such as "thm-gibbs".
    config.latex_domain_indices = False


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------


def _is_glue(stmt: ast.stmt) -> bool:
    """True for ``glue(...)`` / ``myst_nb.glue(...)`` and ``from myst_nb import glue``."""
    if isinstance(stmt, ast.ImportFrom):
        return stmt.module == "myst_nb" and [a.name for a in stmt.names] == ["glue"]
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name == "glue"
    return False


def _glue_lines(body: list[ast.stmt], drop: set[int]) -> bool:
    """Add to ``drop`` the lines of the glue statements in ``body``; True if all of it goes.

    A compound statement (a loop, an ``if``...) whose bodies hold only glue goes too.
    """
    everything = True
    for stmt in body:
        blocks = [
            getattr(stmt, field)
            for field in ("body", "orelse", "finalbody")
            if getattr(stmt, field, None)
        ]
        blocks += [handler.body for handler in getattr(stmt, "handlers", [])]
        if _is_glue(stmt) or (blocks and all([_glue_lines(b, drop) for b in blocks])):
            drop.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
        else:
            everything = False
    return everything


def strip_glue(source: str) -> str:
    """The code of a cell without its myst-nb ``glue`` bookkeeping.

    Parameters
    ----------
    source : str
        The code of one cell (IPython magics and shell lines are kept as they are).

    Returns
    -------
    str
        The code without ``glue(...)`` calls, ``from myst_nb import glue`` and blocks left
        empty by their removal; runs of blank lines shrink to one. Code that does not parse
        is returned unchanged.

    Examples
    --------
    >>> print(strip_glue(
    ...     "from myst_nb import glue\\n\\nx = 2\\nfor k in (1, 2):\\n"
    ...     "    glue(f'k{k}', k,\\n         display=False)\\nglue('x', x)\\nprint(x)"
    ... ))
    x = 2
    print(x)
    """
    lines = source.splitlines()
    # Magics (%xmode) and shell lines (!pip) are not Python: parse them as `pass`.
    parsable = ["pass" if re.match(r"\s*[%!]", line) else line for line in lines]
    try:
        tree = ast.parse("\n".join(parsable))
    except SyntaxError:
        return source
    drop: set[int] = set()
    _glue_lines(tree.body, drop)
    if not drop:
        return source
    kept = [line for number, line in enumerate(lines, start=1) if number not in drop]
    text = re.sub(r"\n\s*\n(\s*\n)+", "\n\n", "\n".join(kept))
    return text.strip("\n")


def _element(node: nodes.Node, name: str) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element") == name


def _parts(cell: nodes.Element, name: str) -> list[nodes.Element]:
    return [child for child in cell.children if _element(child, name)]


#: The text/plain of an object that only displays as HTML: ``<IPython.core.display.HTML object>``.
BARE_REPR = re.compile(r"^<[\w.]+ object( at 0x[0-9a-f]+)?>$")


def _is_web_only(output: nodes.Element) -> bool:
    """True if a cell's outputs are all HTML or widgets, with nothing LaTeX can print.

    A widget is web-only; an HTML output whose text is a real repr (a pandas table, say) prints
    as that text.
    """
    bundles = list(output.findall(lambda n: _element(n, "mime_bundle")))
    if not bundles or any(isinstance(n, nodes.literal_block) for n in output.children):
        return False  # no rich output, or a printed stream
    for bundle in bundles:
        types = {child.get("mime_type", ""): child for child in bundle.children}
        if any(t.startswith(PRINTABLE) for t in types) or not any(t in WEB_ONLY for t in types):
            return False
        if "text/html" in types and not set(types) & {WIDGET, "application/javascript"}:
            plain = types.get("text/plain")
            if plain is not None and not BARE_REPR.match(plain.astext().strip()):
                return False
    return True


class PrintCells(SphinxPostTransform):
    """Reduce the notebook cells to what a printed page can use (see the module docstring).

    Runs before myst-nb picks each output's mime type (its ``SelectMimeType``, priority 4), so
    that web-only outputs can still be recognised.
    """

    default_priority = 3
    builders = ("latex",)

    def run(self, **kwargs: Any) -> None:
        cells = [n for n in self.document.findall(nodes.container) if _element(n, "cell_code")]
        for cell in cells:
            self.print_cell(cell)

    def print_cell(self, cell: nodes.Element) -> None:
        tags = set(cell.get("cell_metadata", {}).get("tags", []))
        sources = _parts(cell, "cell_code_source")
        outputs = _parts(cell, "cell_code_output")
        code = "\n".join(source.astext() for source in sources)
        if "hide-cell" in tags or CHECK_CALL.search(code):
            cell.parent.remove(cell)
            return
        if outputs and all(_is_web_only(output) for output in outputs):
            note = nodes.paragraph(
                "",
                "",
                nodes.emphasis(
                    "",
                    "[An interactive demo: it runs on the website and in the chapter's notebook.]",
                ),
            )
            cell.replace_self(note)
            return
        if "hide-output" in tags:
            for output in outputs:
                cell.remove(output)
            outputs = []
        for source in sources:
            if "hide-input" in tags:
                cell.remove(source)
                continue
            for block in source.findall(nodes.literal_block):
                text = block.astext()
                lean = strip_glue(text)
                if not lean.strip():
                    cell.remove(source)
                elif lean != text:
                    block.children = [nodes.Text(lean)]
                    block.rawsource = lean
        if not _parts(cell, "cell_code_source") and not outputs:
            cell.parent.remove(cell)


# ---------------------------------------------------------------------------------------------
# The book's structure
# ---------------------------------------------------------------------------------------------


def _latex(text: str) -> nodes.raw:
    return nodes.raw("", text, format="latex")


def _escape(text: str) -> str:
    return re.sub(r"([\\{}$&#^_%~])", r"\\\1", text)


def _parts_of_book(app: Sphinx) -> list[tuple[str, bool, list[str]]]:
    """(caption, numbered, documents) of each toctree of the root document, in order."""
    root = app.env.get_doctree(app.config.root_doc)
    return [
        (toc.get("caption") or "", bool(toc.get("numbered")), list(toc.get("includefiles", [])))
        for toc in root.findall(addnodes.toctree)
    ]


def _first_section(node: nodes.Element) -> nodes.section | None:
    return next((c for c in node.children if isinstance(c, nodes.section)), None)


def _after_title(node: nodes.Element) -> int:
    return 1 if node.children and isinstance(node[0], nodes.title) else 0


def label_exercises(chapter: nodes.section, docname: str) -> dict[str, nodes.Element]:
    """Give every numbered exercise LaTeX labels whose ``\\ref`` is its website number.

    sphinx-exercise (1.2) defines no label that Sphinx's references to an exercise
    (``docname:label``) can find, so "Exercise 1.1" in the prose would print "??".
    """
    from sphinx_exercise.nodes import exercise_enumerable_node

    exercises = {}
    for exercise in chapter.findall(exercise_enumerable_node):
        label = exercise.get("label", "")
        number = re.search(r"\d+(\.\d+)*", exercise[0].astext() if exercise.children else "")
        labels = "".join(
            f"\\xentlabel{{\\detokenize{{{name}}}}}{{{number[0] if number else ''}}}"
            for name in (f"xent-exercise:{label}", f"{docname}:{label}")
        )
        exercise.insert(_after_title(exercise), _latex(labels + "%\n"))
        exercises[label] = exercise
    return exercises


def gather_solutions(chapter: nodes.section, docname: str) -> None:
    """Move the chapter's solutions to a last, unnumbered section, cross-referenced both ways."""
    from sphinx_exercise.nodes import solution_node

    exercises = label_exercises(chapter, docname)
    solutions = list(chapter.findall(solution_node))
    if not solutions:
        return
    chapter += _latex("\n\\section*{Solutions}\\addcontentsline{toc}{section}{Solutions}\n")
    for solution in solutions:
        target = solution.get("target_label", "")
        solution_label = f"\\detokenize{{xent-solution:{target}}}"
        exercise_label = f"\\detokenize{{xent-exercise:{target}}}"
        solution.parent.remove(solution)
        back = ""
        if target in exercises:
            link = (
                f"\\hfill\\hyperref[{solution_label}]{{\\emph{{Solution on page "
                f"\\pageref*{{{solution_label}}}}}}}"
            )
            exercises[target].append(nodes.paragraph("", "", _latex(link)))
            back = (
                f"\\hyperref[{exercise_label}]{{\\emph{{(The exercise is on page "
                f"\\pageref*{{{exercise_label}}}.)}}}}"
            )
        anchor = _latex(f"\\phantomsection\\label{{{solution_label}}}{back}")
        solution.insert(_after_title(solution), nodes.paragraph("", "", anchor))
        chapter += solution


def _bibliography_here(section: nodes.section, document: nodes.document) -> list[nodes.Node]:
    """A back-matter page that holds only its title: the book's bibliography goes there."""
    from sphinx.builders.latex.nodes import thebibliography

    title = section[0].astext() if isinstance(section[0], nodes.title) else None
    if title is None or section.astext().strip() != title:
        return [section]
    bibliography = next(iter(document.findall(thebibliography)), None)
    if bibliography is None:
        return [section]
    bibliography.parent.remove(bibliography)
    labels = "".join(
        f"\\label{{\\detokenize{{{section.get('docname', '')}:{i}}}}}" for i in section["ids"]
    )
    return [
        _latex(f"\n\\renewcommand{{\\bibname}}{{{_escape(title)}}}\\phantomsection{labels}\n"),
        bibliography,
    ]


def _printed_length(node: nodes.Element) -> int:
    """About how many characters a table cell prints (a formula prints about half its TeX)."""
    formulas = list(node.findall(nodes.math))
    return len(node.astext()) - sum(len(f.astext()) // 2 for f in formulas)


def wrap_long_tables(doctree: nodes.document) -> None:
    """Let the columns of long tables wrap.

    Sphinx sets a table of more than 30 rows as a ``longtable`` whose columns, unless the source
    gives widths, never wrap (the notation table ran off the page). Such a table gets widths in
    proportion to the longest text of each column (between 6 and 60 characters; a formula counts
    half its source).
    """
    for table in doctree.findall(nodes.table):
        if "colwidths-given" in table["classes"]:
            continue
        for group in table.findall(nodes.tgroup):
            rows = list(group.findall(nodes.row))
            specs = [c for c in group.children if isinstance(c, nodes.colspec)]
            if len(rows) <= 30 or not specs:
                continue
            widths = [6] * len(specs)
            for row in rows:
                for i, entry in enumerate(row.children[: len(specs)]):
                    widths[i] = max(widths[i], min(_printed_length(entry), 60))
            for spec, width in zip(specs, widths, strict=True):
                spec["colwidth"] = width
            table["classes"].append("colwidths-given")


def arrange_book(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give the assembled LaTeX document the book's structure (see the module docstring)."""
    if app.builder.format != "latex" or docname != app.config.root_doc:
        return
    top = next(iter(doctree.findall(nodes.section)), None)
    if top is None:
        return
    wrap_long_tables(doctree)
    parts = _parts_of_book(app)
    wanted = {doc for _, _, docs in parts for doc in docs}
    files: dict[str, addnodes.start_of_file] = {}
    for sof in list(doctree.findall(addnodes.start_of_file)):
        if sof.get("docname") in wanted and sof["docname"] not in files:
            files[sof["docname"]] = sof
            sof.parent.remove(sof)
    for wrapper in list(top.findall(nodes.compound)):
        if "toctree-wrapper" in wrapper["classes"] and not wrapper.astext().strip():
            wrapper.parent.remove(wrapper)

    # The intro (everything but its title, which is the book's) becomes the preface.
    title, *body = top.children
    preface = nodes.section("", nodes.title("", "Preface"), *body)
    top.children = []
    top += title
    top += preface

    matter = "front"
    for caption, numbered, docs in parts:
        if numbered:
            if matter != "main":
                top += _latex("\n\\xentmainmatter\n")
                matter = "main"
            top += _latex(f"\n\\part{{{_escape(caption)}}}\n")
        elif matter != "back":
            top += _latex("\n\\xentbackmatter\n")
            matter = "back"
        for doc in docs:
            sof = files.get(doc)
            if sof is None:
                continue
            chapter = _first_section(sof)
            if chapter is not None:
                chapter["docname"] = doc
                if numbered:
                    gather_solutions(chapter, doc)
                else:
                    sof.replace(chapter, _bibliography_here(chapter, doctree))
            top += sof


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", latex_config)
    app.add_post_transform(PrintCells)
    app.connect("doctree-resolved", arrange_book, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
