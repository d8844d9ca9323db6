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
import textwrap
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from editions.student import CHECK_CALL

__all__ = ["CODE_COLUMNS", "PrintCells", "arrange_book", "plain_math", "strip_glue"]

#: Mime types LaTeX can print; an output with none of them (only HTML, a widget or its
#: text/plain repr such as ``<IPython.core.display.HTML object>``) is web-only.
PRINTABLE = ("image/", "application/pdf", "text/latex")
WIDGET = "application/vnd.jupyter.widget-view+json"
WEB_ONLY = ("text/html", WIDGET, "application/javascript")

#: Characters of code a printed line holds: code is set in DejaVu Sans Mono at 8 pt (0.6 em a
#: character, 4.8 pt) in a frame inside the 400 pt text width. ``tests/test_lint.py`` keeps
#: every printed line of the chapters' code cells within it.
CODE_COLUMNS = 80

#: Characters of code a line holds inside a box (a solution, an admonition) or a list.
BOXED_CODE_COLUMNS = 72

#: An output line longer than CODE_COLUMNS is set smaller (6.4 pt: 100 characters a line)
#: rather than wrapped (``\xentsmallcode``).
SMALL_OUTPUT_COLUMNS = 100

#: What the print edition says in each language (the English and Chinese PDFs).
WORDS = {
    "en": {
        "author": "The xent-book authors",
        "preface": "Preface",
        "solutions": "Solutions",
        "solution_on": "Solution on page",
        "exercise_on": "(The exercise is on page {}.)",
        "demo": "Interactive demo: in the chapter's notebook and in the online edition,",
        "chapter": "Chapter {}",
        "edition": "Edition {version}, typeset on {date}.",
        "online": "The online edition, with every demo and the notebooks, is at",
        "source": "Its source, from which this PDF is built, is at",
        "licence": (
            "Text and figures: Creative Commons Attribution 4.0 International licence (CC BY"
            " 4.0). The code, in the chapters and in the package \\texttt{xent}: MIT licence."
        ),
        "solutions_note": (
            "Each chapter's solutions are at the end of that chapter; every exercise gives the"
            " page of its solution."
        ),
    },
    "zh": {
        "author": "xent-book 作者",
        "preface": "前言",
        "solutions": "习题解答",
        "solution_on": "解答见第",
        "exercise_on": "（习题见第 {} 页。）",
        "demo": "交互演示：见本章的 notebook 及在线版",
        "chapter": "第 {} 章",
        "edition": "第 {version} 版，排版于 {date}。",
        "online": "在线版（含全部交互演示和 notebook）：",
        "source": "本书源文件（本 PDF 即由其生成）：",
        "licence": (
            "正文与插图采用知识共享署名 4.0 国际许可协议（CC BY 4.0）；章节中的代码和"
            " \\texttt{xent} 程序包采用 MIT 许可证。"
        ),
        "solutions_note": "各章习题的解答放在该章末尾，每道习题都注明其解答所在的页码。",
    },
}


def _lang(language: str | None) -> str:
    return "zh" if (language or "en").startswith("zh") else "en"


def _words(app_or_config: Any) -> dict[str, str]:
    config = getattr(app_or_config, "config", app_or_config)
    return WORDS[_lang(config.language)]


#: Fonts. Latin Modern text matches the Computer Modern of the formulas; code is DejaVu Sans
#: Mono, never hyphenated, with fixed spaces (scaled 0.8: 8 pt in code blocks, 8.8 pt inline).
FONTS = r"""
\setmainfont{Latin Modern Roman}
\setsansfont{Latin Modern Sans}
\setmonofont{DejaVu Sans Mono}[Scale=0.8, HyphenChar=None, WordSpace={1,0,0}]
"""

#: The Chinese edition's fonts: Noto CJK beside the same Latin fonts (xeCJK).
FONTS_ZH = r"""
\setCJKmainfont{Noto Serif CJK SC}[BoldFont=Noto Sans CJK SC Bold]
\setCJKsansfont{Noto Sans CJK SC}
\setCJKmonofont{Noto Sans Mono CJK SC}
\xeCJKsetup{CJKecglue={\hskip 0.25em plus 0.1em minus 0.05em}}
"""

#: LaTeX preamble of the print edition (after Sphinx's own packages); ``\xent...`` macros
#: that depend on the language come from :data:`LANGUAGE_MACROS`.
PREAMBLE = r"""
\usepackage{bookmark}
\usepackage{needspace}
\usepackage{etoolbox}
\hypersetup{bookmarksnumbered=true}
\makeatletter
% One-sided: sphinxmanual.cls takes the "oneside" option for itself, and the book class is
% two-sided by default (blank pages before the contents, the parts and the back matter).
\@twosidefalse\@mparswitchfalse
% Page breaks: no widow or club lines, a page may end short rather than stretch its spaces.
\widowpenalty=10000\clubpenalty=10000\raggedbottom
\setlength{\headheight}{14pt}
% Front matter: the contents, the list of figures and the preface, unnumbered, with roman
% page numbers; the running head names the list a page belongs to. (The contents end by
% setting tocdepth to 0 for the back matter: the list of figures needs 1.)
\newcounter{xentsecnumdepth}
\renewcommand{\sphinxtableofcontents}{%
  \frontmatter
  \setcounter{xentsecnumdepth}{\value{secnumdepth}}\setcounter{secnumdepth}{-1}%
  \begingroup\parskip\z@skip\sphinxtableofcontentshook\tableofcontents
  \markboth{\contentsname}{}\endgroup
  \begingroup\parskip\z@skip\chapter*{\listfigurename}%
  \phantomsection\addcontentsline{toc}{chapter}{\listfigurename}%
  \markboth{\listfigurename}{}\setcounter{tocdepth}{1}\@starttoc{lof}\endgroup
}
\newcommand{\xentmainmatter}{\mainmatter\setcounter{secnumdepth}{\value{xentsecnumdepth}}}
% A label whose \ref prints the given number (an exercise's, numbered as on the website).
\newcommand{\xentlabel}[2]{\phantomsection\def\@currentlabel{#2}\label{#1}}
% Back matter: unnumbered chapters, listed in the contents without their sections; its
% long tables (the notation) repeat their header on each page, with no "continued" note.
\newcommand{\xentbackmatter}{%
  \backmatter\setcounter{secnumdepth}{-1}\bookmarksetup{startatroot}%
  \addtocontents{toc}{\protect\setcounter{tocdepth}{0}}%
  \renewcommand{\sphinxtablecontinued}[1]{}}
% Running head: the current chapter ("Chapter 5. Title" in the main matter) and the page.
\renewcommand{\chaptermark}[1]{%
  \markboth{\if@mainmatter\xentchapterhead{\thechapter}\fi #1}{}}
\renewcommand{\sectionmark}[1]{}
\fancypagestyle{normal}{%
  \fancyhf{}%
  \fancyhead[L]{{\py@HeaderFamily\small\nouppercase{\leftmark}}}%
  \fancyhead[R]{{\py@HeaderFamily\small\thepage}}%
  \renewcommand{\headrulewidth}{0.4pt}\renewcommand{\footrulewidth}{0pt}}
\fancypagestyle{plain}{%
  \fancyhf{}\fancyfoot[C]{{\py@HeaderFamily\small\thepage}}%
  \renewcommand{\headrulewidth}{0pt}\renewcommand{\footrulewidth}{0pt}}
% Title page, then the copyright and edition page (its text: \xentcopyright).
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
  \begin{titlepage}\raggedright\small\parskip=0.8em
    \vspace*{\fill}\xentcopyright\par
  \end{titlepage}%
  \hypersetup{pageanchor=true}}
% Chapter and part heads in the sans-serif, coloured face of Sphinx's section heads.
\titleformat{\chapter}[display]{\py@HeaderFamily\py@TitleColor}%
  {\LARGE\xentchapterhead{\thechapter}}{8pt}{\Huge\raggedright}[\vspace{2pt}\titlerule]
\titleformat{name=\chapter,numberless}[display]{\py@HeaderFamily\py@TitleColor}%
  {}{0pt}{\Huge\raggedright}[\vspace{2pt}\titlerule]
\titlespacing*{\chapter}{0pt}{0pt}{28pt}
\titleformat{\part}[display]{\py@HeaderFamily\py@TitleColor\centering}%
  {\huge\xentparthead{\thepart}}{16pt}{\Huge}
% Headings keep at least four lines of their text with them.
\preto\section{\needspace{6\baselineskip}}\preto\subsection{\needspace{5\baselineskip}}
\makeatother
% Figures: Sphinx shrinks an image to the line width; also to 4.2 in tall, the height that
% xent.plotting's check (PRINT_MAX_HEIGHT) assumes when it keeps printed figure text >= 7 pt.
\makeatletter\AtBeginDocument{\spx@image@maxheight=4.2in}\makeatother
% The bibliography: its labels are the text's citations ("Shannon, 1948", editions/citations.py),
% too wide for a column of their own: an entry opens with its label, its other lines indented.
\makeatletter\def\@openbib@code{\leftmargin2em\itemindent-1.5em\labelwidth\z@\labelsep.5em}
\makeatother
% A code block (its length in \xentverblines, set before each block by keep_together) of fewer
% than 10 lines is never split (an output under a long cell was, 2 + 2 lines); a longer one
% breaks only where at least 5 of its lines go to each page: fancyvrb puts \interlinepenalty
% before each line; before the first 5 lines' and the last 4 lines' breaks it is \@M here (its
% own \clubpenalty and \widowpenalty keep only 1 line). 0 lines: a block not counted.
\makeatletter\def\xentverblines{0}
\def\FV@ListProcessLine@iv#1{%
  \ifnum\xentverblines=0 \penalty\interlinepenalty
  \else\ifnum\xentverblines<10 \penalty\@M
  \else
    \ifnum\FV@CodeLineNo<7 \penalty\@M
    \else\ifnum\FV@CodeLineNo>\numexpr\xentverblines-3\relax\penalty\@M
    \else\penalty\interlinepenalty\fi\fi
  \fi\fi
  \box\@tempboxa
  \setbox\@tempboxa=\FV@ListProcessLine{#1}}
\makeatother
% The index's narrow columns are set ragged right: justified, they spread a short Chinese entry
% over the line ("直 接 偏 好 优 化").
\AtBeginEnvironment{theindex}{\raggedright}
% Outputs wider than CODE_COLUMNS (PrintCells): smaller, so that SMALL_OUTPUT_COLUMNS fit.
\newcommand{\xentsmallcode}{\fvset{fontsize=\fontsize{8pt}{10pt}\selectfont}}
"""

#: The words of the headings, running heads and captions in each language.
LANGUAGE_MACROS = {
    "en": r"""
\newcommand{\xentchapterhead}[1]{Chapter #1.\ }
\newcommand{\xentparthead}[1]{Part #1}
\addto\captionsenglish{\renewcommand{\contentsname}{Contents}}
""",
    "zh": r"""
\newcommand{\xentchapterhead}[1]{第#1章\quad}
\newcommand{\xentzhnumeral}[1]{\ifcase#1\or 一\or 二\or 三\or 四\or 五\or 六\or 七\or 八\or
  九\or 十\or 十一\or 十二\fi}
\newcommand{\xentparthead}[1]{第\xentzhnumeral{\value{part}}部分}
\renewcommand{\contentsname}{目\quad 录}
\renewcommand{\listfigurename}{插图目录}
\renewcommand{\indexname}{索\quad 引}
\renewcommand{\figurename}{图}
\renewcommand{\tablename}{表}
\renewcommand{\bibname}{参考文献}
\renewcommand{\partname}{部分}
\renewcommand{\chaptername}{章}
\renewcommand{\appendixname}{附录}
% Chinese text: paragraphs indented by two characters, lines a little further apart.
\setlength{\parindent}{2em}\linespread{1.15}
""",
}


def _copyright(app: Sphinx) -> str:
    """The copyright and edition page: licence, version, date and the site's address."""
    import datetime
    import os

    from editions.notebooks import site_url

    words = _words(app)
    try:
        from importlib.metadata import version as _version

        version = _version("xent-book")
    except Exception:  # a source tree without the installed package
        version = "?"
    stamp = os.environ.get("SOURCE_DATE_EPOCH")
    day = (
        datetime.datetime.fromtimestamp(int(stamp), datetime.UTC).date()
        if stamp
        else datetime.date.today()
    )
    repo = app.config.html_theme_options.get("repository_url") or ""
    site = app.config.xent_site_url or (site_url(repo) if repo else "")
    if _lang(app.config.language) == "zh":
        site = site.rstrip("/") + "/zh/"
    return "\n".join(
        [
            r"\newcommand{\xentcopyright}{%",
            r"{\py@HeaderFamily\bfseries \@title}\par",
            words["edition"].format(version=version, date=day.isoformat()) + r"\par",
            rf"{words['online']} \url{{{site}}}\par",
            rf"{words['source']} \url{{{repo}}}\par",
            r"\copyright\ 2026 " + _escape(words["author"]) + r".\par",
            words["licence"] + r"\par",
            words["solutions_note"] + "}",
        ]
    )


def _translated_title(config: Config, root: str | Path, title: str) -> str:
    """The book's title in the edition's language (the root page's catalogue has it)."""
    from babel.messages.pofile import read_po

    for folder in config.locale_dirs:
        po = Path(root) / folder / config.language / "LC_MESSAGES"
        po = po / f"{config.root_doc}.po"
        if po.is_file():
            with po.open("rb") as handle:
                message = read_po(handle).get(title)
            if message is not None and message.string:
                return str(message.string)
    return title


def latex_config(app: Sphinx, config: Config) -> None:
    """The print edition's LaTeX settings (they only concern the LaTeX builder)."""
    lang = _lang(config.language)
    config.latex_docclass = {**config.latex_docclass, "manual": "book"}
    elements = dict(config.latex_elements)
    # A4, 11 pt, a 400 pt text width: about 72 characters of text a line (books aim for 60-75)
    # and CODE_COLUMNS characters of code.
    elements["papersize"] = "a4paper"
    elements["pointsize"] = "11pt"
    elements["sphinxsetup"] = "hmargin={97.5pt,97.5pt}, vmargin={1in,1in}"
    elements["fontpkg"] = FONTS + (FONTS_ZH if lang == "zh" else "")
    verb = r"\fvset{fontsize=\fontsize{10pt}{12.5pt}\selectfont"
    elements["fvset"] = verb + (r",formatcom=\xeCJKVerbAddon}" if lang == "zh" else "}")
    if lang == "zh":
        # xeCJK (Sphinx's own choice for Chinese with XeLaTeX); no babel, whose Chinese
        # captions Sphinx cannot load: the book's captions are in LANGUAGE_MACROS.
        elements["babel"] = ""
        elements["polyglossia"] = ""
        elements["fontenc"] = r"\usepackage{xeCJK}"
    elements["preamble"] = (
        elements.get("preamble", "")
        + PREAMBLE
        + LANGUAGE_MACROS[lang]
        + "\n\\makeatletter\n"
        + _copyright(app)
        + "\n\\makeatother\n"
    )
    # LaTeX's own chapter heads: fncychap's Bjarne style (Sphinx's default) capitalises titles,
    # code included ("NN.CROSSENTROPYLOSS").
    elements["fncychap"] = ""
    elements["maketitle"] = r"\xentmaketitle"
    # One-sided (printed and handed out per chapter), chapters start on the next page.
    elements.setdefault("extraclassoptions", "openany,oneside")
    # The index: the glossary's terms (with every page that uses one) and the API's entries.
    elements["printindex"] = r"\cleardoublepage\phantomsection\printindex"
    config.latex_elements = elements
    # No domain indices: the proof index would list labels such as "thm-gibbs".
    config.latex_domain_indices = False


def name_document(app: Sphinx, env: Any) -> None:
    """Another language's PDF is ``xent-book-<lang>.pdf``, titled in that language.

    Run when the environment is ready (Jupyter Book sets ``latex_documents`` after Sphinx's
    initialisation, and the LaTeX builder reads it only when it writes).
    """
    lang = _lang(app.config.language)
    if app.builder.format != "latex" or lang == "en":
        return
    app.config.latex_documents = [
        (
            start,
            f"xent-book-{lang}.tex",
            _translated_title(app.config, app.srcdir, title),
            _words(app)["author"],
            *rest,
        )
        for start, _target, title, _author, *rest in app.config.latex_documents
    ]


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


def online_url(config: Config, docname: str = "") -> str:
    """The address of the online edition in the build's language (of one page if given)."""
    from editions.notebooks import site_url

    repo = config.html_theme_options.get("repository_url") or ""
    site = config.xent_site_url or (site_url(repo) if repo else "")
    site = site.rstrip("/") + "/" + ("zh/" if _lang(config.language) == "zh" else "")
    return site + (f"{docname}.html" if docname else "")


#: A cell that only shows an ipywidgets explorer (not run by the build: ``skip-execution``).
WIDGET_CELL = re.compile(r"^\s*(from xent\.widgets import|import xent\.widgets)", re.M)


class PrintCells(SphinxPostTransform):
    """Reduce the notebook cells to what a printed page can use (see the module docstring).

    Runs before myst-nb picks each output's mime type (its ``SelectMimeType``, priority 4), so
    that web-only outputs can still be recognised.
    """

    default_priority = 3
    builders = ("latex",)

    def run(self, **kwargs: Any) -> None:
        cells = [n for n in self.document.findall(nodes.container) if _element(n, "cell_code")]
        self.noted: set[int] = set()
        for cell in cells:
            self.print_cell(cell)
        for node in list(self.document.findall(_is_web_only_text)):
            node.parent.remove(node)

    def demo_note(self, cell: nodes.Element) -> None:
        """One line in place of a demo (once per section): where to find it."""
        section = cell.parent
        while section is not None and not isinstance(section, nodes.section):
            section = section.parent
        if id(section) in self.noted:
            cell.parent.remove(cell)
            return
        self.noted.add(id(section))
        # The LaTeX builder transforms the whole book at once: the page is the file's.
        docname = self.env.path2doc(cell.source or "") or self.env.docname
        url = online_url(self.config, docname)
        words = _words(self.config)
        note = nodes.paragraph(
            "",
            "",
            nodes.emphasis("", f"[{words['demo']} "),
            nodes.reference("", url, refuri=url),
            nodes.emphasis("", "]" if words is WORDS["zh"] else ".]"),
        )
        cell.replace_self(note)

    def print_cell(self, cell: nodes.Element) -> None:
        tags = set(cell.get("cell_metadata", {}).get("tags", []))
        sources = _parts(cell, "cell_code_source")
        outputs = _parts(cell, "cell_code_output")
        code = "\n".join(source.astext() for source in sources)
        if "hide-cell" in tags or CHECK_CALL.search(code):
            cell.parent.remove(cell)
            return
        if (outputs and all(_is_web_only(output) for output in outputs)) or (
            "skip-execution" in tags and WIDGET_CELL.search(code)
        ):
            self.demo_note(cell)
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
# Web-only and print-only text
# ---------------------------------------------------------------------------------------------

#: The class of text that only the website and the notebooks show (``{web-only}``).
WEB_ONLY_CLASS = "xent-web-only"


def _is_web_only_text(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Element) and WEB_ONLY_CLASS in node.get("classes", [])


class WebOnly(SphinxDirective):
    """``:::{web-only}`` text for the website and the notebooks, left out of the PDF.

    For sentences that only make sense on a screen (sliders, buttons, check cells). The
    content is an ordinary block (a container), so each paragraph keeps its message in the
    catalogues; the PDF drops it (:class:`PrintCells`).
    """

    has_content = True

    def run(self) -> list[nodes.Node]:
        container = nodes.container(classes=[WEB_ONLY_CLASS])
        self.set_source_info(container)
        container.extend(self.parse_content_to_nodes())
        return [container]


def web_only_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: Any = None,
    content: Any = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``{web-only}`, then run the check cell below``: words inside a sentence the PDF drops."""
    return [nodes.inline(rawtext, text, classes=[WEB_ONLY_CLASS])], []


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


def gather_solutions(
    chapter: nodes.section, docname: str, words: dict[str, str] = WORDS["en"]
) -> None:
    """Move the chapter's solutions to a last, unnumbered section, cross-referenced both ways."""
    from sphinx_exercise.nodes import solution_node

    exercises = label_exercises(chapter, docname)
    solutions = list(chapter.findall(solution_node))
    if not solutions:
        return
    name = words["solutions"]
    # The heading with room for the first solution box's opening lines (keep_together's 7).
    heading = f"\\section*{{{name}}}\\addcontentsline{{toc}}{{section}}{{{name}}}"
    chapter += _latex(f"\n\\needspace{{13\\baselineskip}}{heading}\n")
    for solution in solutions:
        target = solution.get("target_label", "")
        solution_label = f"\\detokenize{{xent-solution:{target}}}"
        exercise_label = f"\\detokenize{{xent-exercise:{target}}}"
        solution.parent.remove(solution)
        back = ""
        if target in exercises:
            page = f"\\pageref*{{{solution_label}}}"
            on = f"{words['solution_on']} {page}" + (" 页" if words is WORDS["zh"] else "")
            link = f"\\hfill\\hyperref[{solution_label}]{{\\emph{{{on}}}}}"
            # The link stays on the page of the exercise's last lines.
            exercises[target].append(_latex("\\nopagebreak[4]\n"))
            exercises[target].append(nodes.paragraph("", "", _latex(link)))
            back_text = words["exercise_on"].format(f"\\pageref*{{{exercise_label}}}")
            back = f"\\hyperref[{exercise_label}]{{\\emph{{{back_text}}}}}"
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


#: Characters of 11 pt text a line holds (the 400 pt measure), for the widths of table columns.
TEXT_COLUMNS = 72

#: A table of more rows than this may break across pages (a ``longtable``).
LONG_TABLE_ROWS = 10


def _column_widths(longest: list[int], words: list[int]) -> list[int]:
    """Widths of table columns in characters: each column's longest text if all fit the line;
    otherwise each keeps its longest word whole and shares the rest by how long its text is.

    Examples
    --------
    >>> _column_widths([10, 29, 60, 60], [8, 10, 9, 9])
    [10, 16, 23, 23]
    >>> _column_widths([8, 20], [5, 7])
    [8, 20]
    """
    if sum(longest) <= TEXT_COLUMNS:
        return longest
    floor = [w + 2 for w in words]  # a little slack: the column separation takes some
    spare = max(TEXT_COLUMNS - sum(floor), 0)
    extra = [max(hi - lo, 0) for hi, lo in zip(longest, floor, strict=True)]
    total = sum(extra) or 1
    return [lo + round(spare * e / total) for lo, e in zip(floor, extra, strict=True)]


def wrap_long_tables(doctree: nodes.document) -> None:
    """Let the columns of tables wrap, and long tables break across pages.

    Sphinx sets a table whose source gives no widths with columns that never wrap (the notation
    table ran off the page) or, in a short table, with cramped first columns ("Chap-/ter").
    Such a table gets widths (:func:`_column_widths`: a formula counts half its source); one of
    more than LONG_TABLE_ROWS rows becomes a ``longtable``, which breaks across pages rather
    than leaving the page before it half empty.
    """
    for table in doctree.findall(nodes.table):
        if "colwidths-given" in table["classes"]:
            continue
        for group in table.findall(nodes.tgroup):
            rows = list(group.findall(nodes.row))
            specs = [c for c in group.children if isinstance(c, nodes.colspec)]
            if len(rows) < 2 or not specs:
                continue
            longest, words = [6] * len(specs), [1] * len(specs)
            for row in rows:
                for i, entry in enumerate(row.children[: len(specs)]):
                    longest[i] = max(longest[i], min(_printed_length(entry), 60))
                    word = max(map(len, entry.astext().split() or [""]))
                    words[i] = max(words[i], min(word, 20))
            widths = _column_widths(longest, words)
            for spec, width in zip(specs, widths, strict=True):
                spec["colwidth"] = width
            table["classes"].append("colwidths-given")
            boxed = any(
                isinstance(a, (nodes.Admonition, nodes.list_item, nodes.entry))
                or type(a).__name__ in ("solution_node", "exercise_enumerable_node")
                for a in _ancestors(table.parent)
            )  # a longtable cannot sit in a box, a list or another table
            if len(rows) > LONG_TABLE_ROWS and not boxed and "longtable" not in table["classes"]:
                table["classes"].append("longtable")


# ---------------------------------------------------------------------------------------------
# Page breaks, references, bookmarks, index
# ---------------------------------------------------------------------------------------------


def _needspace(lines: int) -> nodes.raw:
    return _latex(f"\\needspace{{{lines}\\baselineskip}}\n")


def _before(node: nodes.Node, new: nodes.Node) -> None:
    node.parent.insert(node.parent.index(node), new)


def _code_lines(cell: nodes.Element) -> int:
    return sum(len(b.astext().splitlines()) for b in cell.findall(nodes.literal_block))


#: Languages of code blocks that are shell commands: a line too long for the page is broken
#: with a backslash, which the shell reads as one line.
SHELL_LANGUAGES = ("bash", "sh", "shell", "console", "zsh")


def break_shell_line(line: str, width: int, indent: str = "    ") -> str:
    """A shell command broken at spaces outside quotes, each piece within ``width`` characters.

    Every break is a backslash and a newline, so the command still runs when copied; a word
    longer than the width stays whole.

    Examples
    --------
    >>> print(break_shell_line('cd a && run --when="2026-12-01 23:59 UTC" && cd ..', 30))
    cd a && run \\
        --when="2026-12-01 23:59 UTC" \\
        && cd ..
    >>> break_shell_line("ls -l", 30)
    'ls -l'
    """
    if len(line) <= width:
        return line
    words: list[str] = []
    word, quote = "", ""
    for char in line:
        if char in "'\"" and quote in ("", char):
            quote = "" if quote else char
        if char == " " and not quote:
            words.append(word)
            word = ""
        else:
            word += char
    words.append(word)
    lead = re.match(r"\s*", line)[0]
    lines, current = [], lead
    for word in [w for w in words if w]:
        candidate = f"{current} {word}" if current.strip() else current + word
        if current.strip() and len(candidate) + 2 > width:
            lines.append(current + " \\")
            current = lead + indent + word
        else:
            current = candidate
    lines.append(current)
    return "\n".join(lines)


def small_wide_code(doctree: nodes.document) -> None:
    """Code wider than CODE_COLUMNS (an output, an error message, xent's source shown with
    literalinclude) is set smaller, SMALL_OUTPUT_COLUMNS a line, rather than wrapped; a shell
    command (the instructors' appendix) is broken at spaces with backslashes instead."""
    from sphinx_exercise.nodes import exercise_enumerable_node, solution_node

    boxes = (nodes.Admonition, nodes.list_item, solution_node, exercise_enumerable_node)
    blocks = (nodes.literal_block, nodes.doctest_block)
    for block in list(doctree.findall(lambda n: isinstance(n, blocks))):
        if block.parent is None:
            continue
        # A box or a list is narrower: its code gets BOXED_CODE_COLUMNS.
        boxed = any(isinstance(a, boxes) for a in _ancestors(block.parent))
        limit = BOXED_CODE_COLUMNS if boxed else CODE_COLUMNS
        output = any(_element(a, "cell_code_output") for a in _ancestors(block.parent))
        text = block.astext()
        if output and max(map(len, text.splitlines() or [""])) > SMALL_OUTPUT_COLUMNS - 2:
            # A printed line (an error message) too long even for the smaller type: broken
            # at spaces, its continuation indented, as a terminal would show it.
            fill = textwrap.TextWrapper(
                SMALL_OUTPUT_COLUMNS - 2, subsequent_indent="  ", break_on_hyphens=False
            )
            lines = [
                fill.fill(line) if len(line) > fill.width else line for line in text.split("\n")
            ]
            block.children = [nodes.Text("\n".join(lines))]
            block.rawsource = "\n".join(lines)
        elif block.get("language", "") in SHELL_LANGUAGES:
            lines = [break_shell_line(line, limit) for line in text.split("\n")]
            block.children = [nodes.Text("\n".join(lines))]
            block.rawsource = "\n".join(lines)
        if max(map(len, block.astext().splitlines() or [""])) > limit:
            index = block.parent.index(block)
            block.parent.insert(index + 1, _latex(r"\endgroup" + "\n"))
            block.parent.insert(index, _latex(r"\begingroup\xentsmallcode" + "\n"))


def _needed(lines: int) -> int:
    """Baselines a code block of ``lines`` lines asks for: all of a short one, 6 of a long one."""
    return min(lines, 12) + 2 if lines <= 12 else 8


def _needspace_lines(node: nodes.Node) -> int | None:
    match = re.fullmatch(r"\\needspace\{(\d+)\\baselineskip\}\n", node.astext())
    return int(match[1]) if isinstance(node, nodes.raw) and match else None


def keep_together(doctree: nodes.document) -> None:
    """Page-break hints: short code blocks whole, with the sentence that introduces them.

    A code cell, or a code block outside a cell (``literalinclude``), of up to 12 lines is not
    split (``\\needspace`` of its lines); a longer one starts with at least 6 lines on the
    page, and no block of 10 lines or more leaves fewer than 5 on a page (``\\xentverblines``,
    see the preamble). A paragraph ending with a colon right before one stays with its first lines
    (``\\nopagebreak`` after it). Exercise and solution boxes, rubrics (the API's
    "Parameters") and field lists start only where a few of their lines fit. A heading whose
    section starts with such a block asks for the block's room too, so that it never ends a
    page alone.
    """
    from sphinx_exercise.nodes import exercise_enumerable_node, solution_node

    def in_cell(node: nodes.Node) -> bool:
        return any(_element(a, "cell_code") for a in _ancestors(node.parent))

    for block in list(doctree.findall(nodes.literal_block)):
        lines = len(block.astext().rstrip("\n").splitlines())
        _before(block, _latex(f"\\def\\xentverblines{{{lines}}}%\n"))
    cells = list(doctree.findall(lambda n: _element(n, "cell_code")))
    blocks = [b for b in doctree.findall(nodes.literal_block) if not in_cell(b)]
    for block in cells + blocks:
        if block.parent is None:
            continue
        need = _needed(_code_lines(block) if block in cells else len(block.astext().splitlines()))
        start = block  # with the group small_wide_code may have opened before it
        index = block.parent.index(block)
        while index > 0 and isinstance(block.parent[index - 1], nodes.raw):
            index -= 1
            start = block.parent[index]
        before = block.parent[index - 1] if index > 0 else None
        if isinstance(before, nodes.paragraph) and before.astext().rstrip().endswith((":", "：")):
            # all of a short block: \\nopagebreak alone does not hold it to the sentence
            _before(before, _needspace(len(before.astext()) // 70 + 1 + need))
            _before(start, _latex("\\nopagebreak[4]\n"))
        else:
            _before(start, _needspace(need))
    for node in list(doctree.findall(exercise_enumerable_node)):
        _before(node, _needspace(9))
    for node in list(doctree.findall(solution_node)):
        _before(node, _needspace(7))
    for node in list(doctree.findall(lambda n: isinstance(n, (nodes.rubric, nodes.field_list)))):
        if node.parent is not None:
            _before(node, _needspace(5))
    # A section that opens with a kept block: the heading asks for its room as well.
    for section in list(doctree.findall(nodes.section)):
        first = section[1] if len(section) > 1 and isinstance(section[0], nodes.title) else None
        lines = _needspace_lines(first) if first is not None else None
        if lines is not None and section.parent is not None:
            section.remove(first)
            _before(section, _needspace(lines + 4))


def unbox_untitled_admonitions(doctree: nodes.document) -> None:
    """An admonition without a title (sphinx-proof's proof) is printed without a box.

    Sphinx's LaTeX takes an admonition's title as the box's second argument; without one the
    box took the proof's first paragraph mark for its title and printed an empty title bar.
    A proof reads as books print it: "*Proof.* ...", ending with a square.
    """
    for node in list(doctree.findall(nodes.admonition)):
        if node.children and isinstance(node[0], nodes.title):
            continue
        children = list(node.children)
        if "proof" in node["classes"]:
            mark = _latex("\\nobreak\\hfill\\ensuremath{\\square}")
            if children and isinstance(children[-1], nodes.paragraph):
                children[-1] += mark
            else:
                children.append(nodes.paragraph("", "", mark))
        node.replace_self(children or [nodes.paragraph()])


#: LaTeX math commands and what a bookmark (plain text) shows for them.
MATH_TEXT = {
    r"\log": "log",
    r"\ln": "ln",
    r"\exp": "exp",
    r"\max": "max",
    r"\min": "min",
    r"\sum": "Σ",
    r"\Vert": "‖",
    r"\|": "‖",
    r"\mid": "|",
    r"\infty": "∞",
    r"\to": "→",
    r"\leq": "≤",
    r"\le": "≤",
    r"\geq": "≥",
    r"\ge": "≥",
    r"\cdot": "·",
    r"\times": "×",
    r"\approx": "≈",
    r"\neq": "≠",
    r"\alpha": "α",
    r"\beta": "β",
    r"\gamma": "γ",
    r"\varepsilon": "ε",
    r"\epsilon": "ε",
    r"\theta": "θ",
    r"\lambda": "λ",
    r"\mu": "μ",
    r"\pi": "π",
    r"\sigma": "σ",
    r"\tau": "τ",
    r"\eta": "η",
    r"\partial": "∂",
    r"\nabla": "∇",
    r"\,": " ",
    r"\;": " ",
    r"\ ": " ",
    r"\quad": " ",
}


def plain_math(tex: str) -> str:
    r"""A formula as plain text for a PDF bookmark.

    Parameters
    ----------
    tex : str
        The LaTeX of an inline formula.

    Returns
    -------
    str
        Its text with commands replaced by their Unicode symbols, a minus sign for ``-``,
        and braces, ``_`` and ``^`` (and other commands' backslashes) dropped.

    Examples
    --------
    >>> plain_math(r"-\log_2 p")
    '−log2 p'
    >>> plain_math(r"D_{\mathrm{KL}}(p \,\Vert\, q)")
    'DKL(p ‖ q)'
    """
    text = re.sub(r"\\(?:mathrm|text|mathbf|mathit|operatorname|boldsymbol)\s*", "", tex)
    for command in sorted(MATH_TEXT, key=len, reverse=True):
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", MATH_TEXT[command], text)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    text = re.sub(r"[{}_^]", "", text).replace("-", "−")
    return " ".join(text.split())


def bookmarkable_titles(doctree: nodes.document) -> None:
    """Titles with a formula get a plain-text version for the PDF's bookmarks.

    Without it hyperref drops the formula's commands and keeps their arguments ("1.5 The
    shape of -2 p").
    """
    for title in doctree.findall(nodes.title):
        for math in list(title.findall(nodes.math)):
            tex = math.astext()
            raw = f"\\texorpdfstring{{\\({tex}\\)}}{{{_escape(plain_math(tex))}}}"
            math.replace_self(_latex(raw))


def number_chapter_references(
    doctree: nodes.document, chapters: dict[str, int], titles: dict[str, str], words: dict
) -> None:
    """A reference to a numbered chapter by its title prints "Chapter 5" (and links to it).

    On the website the chapter's title is the link; printed, a title ending in "?" before the
    sentence's full stop read "...one event?." and gave no number or page.
    """
    for ref in list(doctree.findall(nodes.reference)):
        uri = ref.get("refuri", "")
        if not uri.startswith("%"):
            continue
        doc = uri[1:].partition("#")[0]
        if doc in chapters and ref.astext().strip() == titles.get(doc):  # {doc} or {ref}
            ref.children = [nodes.Text(words["chapter"].format(chapters[doc]))]


def minus_signs(doctree: nodes.document) -> None:
    """A hyphen before a digit in the prose (a glued "-144") prints as a minus sign."""
    skip = (
        nodes.literal,
        nodes.literal_block,
        nodes.doctest_block,
        nodes.math,
        nodes.math_block,
        nodes.raw,
        addnodes.desc_signature,
    )
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None or any(isinstance(a, skip) for a in _ancestors(parent)):
            continue
        new = re.sub(r"(?<![\w\-−.])-(?=\d)", "−", str(text))
        if new != str(text):
            parent.replace(text, nodes.Text(new))


def _ancestors(node: nodes.Node):
    while node is not None:
        yield node
        node = node.parent


def index_terms(doctree: nodes.document, language: str) -> None:
    """Every use of a glossary term ({term}) is an index entry under the term, as the glossary is.

    In the Chinese edition an entry sorts by its English term (makeindex cannot sort Chinese).
    """
    terms: dict[str, str] = {}
    for term in doctree.findall(nodes.term):
        for ident in term.get("ids", []):
            terms[ident] = term.astext().strip()
    for ref in list(doctree.findall(nodes.reference)):
        anchor = ref.get("refuri", "").partition("#")[2] or ref.get("refid", "")
        if not any("std-term" in c.get("classes", []) for c in ref.findall(nodes.inline)):
            continue
        name = next((terms[i] for i in terms if i.endswith(anchor) and anchor), None)
        if name is None:
            continue
        key = anchor.rsplit(":", 1)[-1].removeprefix("term-").replace("-", " ")
        ref.parent.insert(ref.parent.index(ref) + 1, _latex(_index_entry(name, key, language)))
    if language == "zh":  # the glossary's own entries, sorted the same way
        for index in list(doctree.findall(addnodes.index)):
            entries = index.get("entries", [])
            raws = []
            for kind, text, target, _main, _key in entries:
                if (kind == "single" and target.startswith("term-")) or "term-" in target:
                    key = target.rsplit(":", 1)[-1].removeprefix("term-").replace("-", " ")
                    raws.append(_index_entry(text, key, language))
            if raws and len(raws) == len(entries):
                index.replace_self(_latex("".join(raws)))


def _index_entry(name: str, key: str, language: str) -> str:
    def quote(text: str) -> str:
        return re.sub(r'([!@|"])', r'"\1', _escape(text))

    # The glossary's own entry (Sphinx's) reads \spxentry{term}: the same text merges with it.
    sort = quote(key) if language == "zh" and key else quote(name)
    return f"\\index{{{sort}@\\spxentry{{{quote(name)}}}}}"


def arrange_book(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give the assembled LaTeX document the book's structure (see the module docstring)."""
    if app.builder.format != "latex" or docname != app.config.root_doc:
        return
    top = next(iter(doctree.findall(nodes.section)), None)
    if top is None:
        return
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
    words = _words(app)
    preface = nodes.section("", nodes.title("", words["preface"]), *body)
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
                    gather_solutions(chapter, doc, words)
                else:
                    sof.replace(chapter, _bibliography_here(chapter, doctree))
            if doc.endswith("/api"):  # the API reference: reference matter, set smaller
                top += _latex("\n\\begingroup\\small\n")
                top += sof
                top += _latex("\n\\endgroup\n")
                continue
            top += sof

    numbers = [doc for _, numbered, docs in parts if numbered for doc in docs]
    chapters = {doc: n for n, doc in enumerate(numbers, start=1)}
    titles = {doc: app.env.titles[doc].astext() for doc in numbers if doc in app.env.titles}
    number_chapter_references(doctree, chapters, titles, words)
    wrap_long_tables(doctree)  # after the references print their chapter's number
    bookmarkable_titles(doctree)
    minus_signs(doctree)
    index_terms(doctree, _lang(app.config.language))
    small_wide_code(doctree)
    keep_together(doctree)
    unbox_untitled_admonitions(doctree)


def depart_theorem(self: Any, node: nodes.Element) -> None:
    """sphinx-proof's LaTeX title of a theorem, in the edition's language ("定理 2.1").

    sphinx-proof translates the word on the website but writes it in English into the LaTeX
    box's title ("Theorem 2.1" in the Chinese PDF); this is its own code with the translation.
    """
    from sphinx_proof import nodes as proof

    number = proof.get_node_number(self, node, node.attributes.get("countertype", ""))
    word = proof._(node.attributes.get("realtype", "").title())
    at = proof.list_rindex(self.body, proof.latex_admonition_start) + 2
    self.body.insert(at, f"{word} {number}")
    self.body.append(proof.latex_admonition_end)


def setup(app: Sphinx) -> dict[str, Any]:
    from sphinx_proof.nodes import NODE_TYPES, visit_enumerable_node

    for kind in NODE_TYPES.values():  # theorem_node, lemma_node, ...
        app.add_node(kind, override=True, latex=(visit_enumerable_node, depart_theorem))
    app.connect("config-inited", latex_config)
    app.connect("env-updated", name_document)
    app.add_post_transform(PrintCells)
    app.add_directive("web-only", WebOnly)
    app.add_role("web-only", web_only_role)
    app.connect("doctree-resolved", arrange_book, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
