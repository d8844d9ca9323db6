"""A chapter's resolved Sphinx doctree as notebook cells whose Markdown Jupyter renders natively.

The notebook edition (:mod:`editions.notebooks`) is written from the doctree the website is
written from, after Sphinx has resolved every reference: equation, figure, exercise and theorem
numbers, glued values, glossary terms and citations are already text there. This module turns
that doctree into a list of cells:

* Markdown in CommonMark with ``$``/``$$`` math and a little HTML (``<details>``), which
  Jupyter, JupyterLab and Colab render without any extension;
* placeholders for the code cells (:class:`CodeCell`), which the caller fills from the
  executed notebook of the same build, so each chapter executes once per build.

Only the nodes this book's sources produce are handled specially (MyST, myst-nb, sphinx-exercise,
sphinx-proof, sphinxcontrib-bibtex); any other node falls back to its text, and its class name is
recorded in :attr:`Converter.unknown` so the tests notice.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from docutils import nodes
from sphinx import addnodes

from editions.notebooks import SOLUTION_TAG

__all__ = ["CodeCell", "Converter", "MarkdownCell", "myst_leftovers"]

#: MyST syntax that must never reach a notebook: a role (``{term}`...```), a directive fence
#: (```` ```{ ```` or ``:::{``), a target line (``(label)=``) or an option line (``:label:``).
MYST_SYNTAX = re.compile(
    r"\{[\w:-]+\}`"
    r"|^[ \t>]*(?:`{3,}|~{3,}|:{3,})\{[\w:-]+\}"
    r"|^[ \t>]*\([\w.:-]+\)=[ \t]*$"
    r"|^[ \t>]*:[\w-]+:(?:[ \t].*)?$",
    re.MULTILINE,
)


def myst_leftovers(markdown: str) -> list[str]:
    """The MyST roles, directive fences, targets and option lines left in ``markdown``.

    Examples
    --------
    >>> myst_leftovers("See {numref}`fig-a`.\\n(lab)=\\n```{math}\\n:label: eq\\nx\\n```")
    ['{numref}`', '(lab)=', '```{math}', ':label: eq']
    >>> myst_leftovers("Figure 5.2 and $$x \\\\tag{5.1}$$")
    []
    """
    return [m.group(0).strip() for m in MYST_SYNTAX.finditer(markdown)]


@dataclass
class MarkdownCell:
    """A Markdown cell of the edition, with its cell tags."""

    source: str
    tags: list[str] = field(default_factory=list)


@dataclass
class CodeCell:
    """The place of code cell ``index`` of the executed notebook, and how to show it."""

    index: int
    tags: list[str] = field(default_factory=list)
    caption: str = ""  # the numbered caption of the figure it draws, if any
    heading: str = ""  # a comment line put first (what a collapsed cell shows)


_INLINE_ESCAPE = re.compile(r"([\\`*$<\[\]])")
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LANGUAGES = {".py": "python", ".toml": "toml", ".yml": "yaml", ".yaml": "yaml", ".json": "json"}


def _escape(text: str) -> str:
    """Plain prose as Markdown: nothing in it starts emphasis, code, math, HTML or a link."""
    text = _INLINE_ESCAPE.sub(r"\\\1", text.replace("\n", " "))
    return _EDGE_UNDERSCORE.sub(r"\\_", text)


def _code_span(text: str) -> str:
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fence(text: str, language: str = "") -> str:
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"^`+", text, re.M)), default=0) + 1)
    return f"{ticks}{language}\n{text.rstrip()}\n{ticks}"


def _quote(markdown: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in markdown.splitlines())


def _number(numbers: Any) -> str:
    return ".".join(map(str, numbers))


def _title(node: nodes.Element) -> nodes.title | None:
    """The node's own title (a direct child), if it has one."""
    return next((c for c in node.children if isinstance(c, nodes.title)), None)


def _first_id(node: nodes.Element) -> str:
    """The node's first id, the one its number is filed under ("" if it has none)."""
    return node["ids"][0] if node.get("ids") else ""


#: The words the notebook edition writes itself, in each language of the book.
LABELS = {
    "en": {
        "figure": "Fig. {}",
        "exercise": "Exercise",
        "solution": "Solution",
        "references": "References",
        "in_the_book": "in the book",
        "folded_code": "{}: click the dots to show the code.",
        "code_below": "*Its code is in the collapsed cell below: click its left edge to open it.*",
        "your_answer": "# Exercise {}: your code here; replace each ... by your answer",
    },
    "zh_CN": {
        "figure": "图 {}",
        "exercise": "练习",
        "solution": "解答",
        "references": "参考文献",
        "in_the_book": "见本书",
        "folded_code": "{}：点击省略号显示代码。",
        "code_below": "*它的代码在下面折叠起来的单元格里：点击单元格的左边缘即可展开。*",
        "your_answer": "# 练习 {}：在这里写你的代码，把每个 ... 换成你的答案",
    },
}


class Converter:
    """Convert one resolved doctree of the book into notebook cells.

    Parameters
    ----------
    docname : str
        The page, e.g. ``"chapters/05_learning_slowdown"``.
    fignumbers : dict
        Sphinx's ``env.toc_fignumbers[docname]``: ``{kind: {id: (chapter, n)}}``.
    site_url : str
        The website's root URL (ending in ``/``): cross-page links and glossary terms point there.
    images : dict, optional
        The HTML builder's ``images`` (source URI -> file name in ``_images/``).
    language : str, optional
        The page's language (a key of ``LABELS``), for the words the conversion adds.

    Examples
    --------
    >>> from docutils.core import publish_doctree
    >>> tree = publish_doctree("Title\\n=====\\n\\nSome *prose* with ``code``.")
    >>> [c.source for c in Converter("intro", {}, "https://x.org/").cells(tree)]
    ['# Title\\n\\nSome *prose* with `code`.']
    """

    def __init__(
        self,
        docname: str,
        fignumbers: dict[str, dict[str, Any]],
        site_url: str,
        images: dict[str, str] | None = None,
        language: str = "en",
    ):
        self.labels = LABELS.get(language, LABELS["en"])
        self.docname = docname
        self.images = images or {}
        self.fignumbers = fignumbers
        self.site_url = site_url.rstrip("/") + "/"
        self.citations: dict[str, tuple[str, str]] = {}  # entry -> (entry, url)
        self.unknown: set[str] = set()

    # -- entry point ------------------------------------------------------------------------

    def cells(self, doctree: nodes.Node) -> list[MarkdownCell | CodeCell]:
        """The cells of the page: Markdown runs joined into one cell between code cells."""
        # Only solutions yield ready-made (tagged) Markdown cells; they stay cells of their own.
        out = self.wrapped(self.blocks(doctree, level=0), MarkdownCell)
        for cell in out:
            if isinstance(cell, MarkdownCell):
                cell.source = cell.source.strip("\n")
        return [c for c in out if not isinstance(c, MarkdownCell) or c.source]

    def references(self) -> str:
        """A Markdown "References" section listing every work the page cites."""
        if not self.citations:
            return ""
        entries = sorted(self.citations.values())
        book = self.labels["in_the_book"]
        lines = [f"- {_escape(entry)} ([{book}]({url}))" for entry, url in entries]
        return f"## {self.labels['references']}\n\n" + "\n".join(lines)

    # -- URLs -------------------------------------------------------------------------------

    def url(self, refuri: str) -> str:
        """The website's absolute URL of a link ``refuri`` found on this page."""
        if re.match(r"^[a-z][a-z0-9+.-]*:", refuri):
            return refuri
        base = posixpath.dirname(self.docname)
        path, _, anchor = refuri.partition("#")
        target = posixpath.normpath(posixpath.join(base, path)) if path else self.docname + ".html"
        return self.site_url + target + (f"#{anchor}" if anchor else "")

    def numbered(self, kind: str, ident: str) -> str:
        """The website's number of a figure, table, equation... ("" for none, or no id)."""
        numbers = self.fignumbers.get(kind, {}).get(ident)
        return _number(numbers) if numbers else ""

    # -- inline -----------------------------------------------------------------------------

    def inline(self, node: nodes.Node) -> str:
        """The Markdown of an inline node (and of a paragraph's children)."""
        if isinstance(node, nodes.Text):
            return _escape(node.astext())
        if isinstance(node, nodes.math):
            return f"${node.astext().strip()}$"
        if isinstance(node, nodes.literal):
            return _code_span(node.astext().replace("\n", " "))
        if isinstance(node, nodes.emphasis):
            return f"*{self.children(node)}*"
        if isinstance(node, nodes.strong):
            return f"**{self.children(node)}**"
        if isinstance(node, nodes.inline) and "bibtex-citation" in node["classes"]:
            return self.citation(node)
        if isinstance(node, nodes.reference):
            return self.reference(node)
        if isinstance(node, nodes.raw):
            return node.astext() if node.get("format") == "html" else ""
        if isinstance(node, nodes.image):
            # The HTML builder copies a page's images to _images/ (``images``: uri -> name).
            uri = node["uri"]
            name = self.images.get(uri)
            url = self.site_url + "_images/" + name if name else self.url(uri)
            return f"![{node.get('alt', '')}]({url})"
        if isinstance(node, (nodes.target, nodes.comment, nodes.substitution_definition)):
            return ""
        if isinstance(node, (nodes.footnote_reference, nodes.citation_reference)):
            return _escape(f"[{node.astext()}]")
        if not isinstance(node, (nodes.inline, nodes.abbreviation)):
            if not isinstance(node, (nodes.paragraph, nodes.title, nodes.caption)):
                self.unknown.add(type(node).__name__)
        return self.children(node)

    def children(self, node: nodes.Node) -> str:
        return "".join(self.inline(child) for child in node.children)

    def reference(self, node: nodes.Element) -> str:
        text = self.children(node)
        if node.get("refid") or node.get("refuri", "").startswith("#"):
            return text  # an anchor of this page: its number or title, as the website reads
        refuri = node.get("refuri", "")
        if not refuri:
            return text
        return f"[{text}]({self.url(refuri)})"

    def citation(self, node: nodes.Element) -> str:
        """A citation as the website prints it, each work linked to the book's bibliography.

        ``{cite}`` reads "[Nielsen, 2015]" and ``{cite:t}`` "Nielsen (2015)" (the reference
        style of :mod:`editions.citations`): the brackets and names are the node's text, the
        linked part its references; each work cited joins the page's References.
        """
        for ref in node.findall(nodes.reference):
            entry = ref.get("reftitle", ref.astext().strip())
            self.citations[entry] = (entry, self.url(ref.get("refuri", "")))
        return self.children(node)

    # -- blocks -----------------------------------------------------------------------------

    def blocks(self, node: nodes.Node, level: int) -> list[Any]:
        """Block-level Markdown strings and cells (code placeholders, tagged Markdown)."""
        out: list[str | CodeCell] = []
        for child in node.children:
            out.extend(self.block(child, level))
        return out

    def block(self, node: nodes.Node, level: int) -> list[Any]:
        if isinstance(node, nodes.container) and node.get("nb_element") == "cell_code":
            return [self.code_cell(node)]
        if isinstance(node, nodes.section):
            return self.blocks(node, level + 1)
        if isinstance(node, nodes.title):
            return ["#" * max(level, 1) + " " + self.children(node)]
        if isinstance(node, (nodes.paragraph, nodes.rubric)):
            text = self.children(node)
            return [f"**{text}**" if isinstance(node, nodes.rubric) else text]
        if isinstance(node, nodes.math_block):
            return [self.math_block(node)]
        if isinstance(node, nodes.literal_block):
            return [self.literal_block(node)]
        if isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
            return [self.list(node, level)]
        if isinstance(node, nodes.definition_list):
            return self.definition_list(node, level)
        if isinstance(node, nodes.table):
            return [self.table(node)]
        if isinstance(node, nodes.block_quote):
            return self.wrapped(self.blocks(node, level), _quote)
        if isinstance(node, nodes.raw):
            return [node.astext()] if node.get("format") == "html" else []
        if isinstance(node, (nodes.target, nodes.comment, nodes.substitution_definition)):
            return []
        if isinstance(node, nodes.figure):
            return self.figure(node)
        if isinstance(node, nodes.image):
            return [self.inline(node)]
        name = type(node).__name__
        if name == "exercise_enumerable_node" or name == "exercise_unenumerable_node":
            return self.exercise(node, level)
        if name == "solution_node":
            return self.solution(node, level)
        if name == "proof_node":
            return self.blocks(node, level)
        if isinstance(node, nodes.Admonition) or name == "theorem_node":
            return self.admonition(node, level)
        if isinstance(node, (nodes.container, nodes.compound, nodes.topic, nodes.sidebar)):
            return self.blocks(node, level)
        if isinstance(node, nodes.footnote):
            # "[1] text", as its reference "[1]" reads in the prose (CommonMark has no footnotes).
            label = node.next_node(nodes.label)
            body = " ".join(self.children(p) for p in node.findall(nodes.paragraph))
            return [_escape(f"[{label.astext() if label else ''}]") + " " + body]
        if isinstance(node, nodes.Element) and node.children:
            if not isinstance(node, (addnodes.glossary, nodes.citation)):
                self.unknown.add(name)
            return (
                self.blocks(node, level)
                if isinstance(node[0], nodes.Body)
                else [self.children(node)]
            )
        if isinstance(node, nodes.Text):
            return [_escape(node.astext())]
        return []

    @staticmethod
    def wrapped(items: list[str | CodeCell], wrap: Any) -> list[str | CodeCell]:
        """Apply ``wrap`` to each run of Markdown between code cells."""
        out: list[str | CodeCell] = []
        run: list[str] = []
        for item in [*items, None]:
            if isinstance(item, str):
                run.append(item)
                continue
            if run:
                out.append(wrap("\n\n".join(run)))
                run = []
            if item is not None:
                out.append(item)
        return out

    def math_block(self, node: nodes.Element) -> str:
        latex = "\n".join(line for line in node.astext().strip().splitlines() if line.strip())
        number = self.numbered("displaymath", _first_id(node))
        if not number and node.get("number"):
            number = str(node["number"])
        tag = f"\n\\tag{{{number}}}" if number else ""
        return f"$$\n{latex}{tag}\n$$"

    def literal_block(self, node: nodes.Element) -> str:
        language = node.get("language", "")
        if language in ("default", "", "none"):
            source = node.get("source", "")
            language = _LANGUAGES.get(posixpath.splitext(source)[1], "") if source else ""
        language = {"ipython3": "python", "ipython": "python"}.get(language, language)
        return _fence(node.astext(), language)

    def list(self, node: nodes.Element, level: int) -> str:
        lines = []
        start = int(node.get("start", 1))
        for i, item in enumerate(node.children):
            marker = f"{start + i}." if isinstance(node, nodes.enumerated_list) else "-"
            body = "\n\n".join(b for b in self.blocks(item, level) if isinstance(b, str))
            pad = " " * (len(marker) + 1)
            first, *rest = body.splitlines() or [""]
            lines.append(f"{marker} {first}")
            lines.extend(pad + line if line else "" for line in rest)
        return "\n".join(lines)

    def definition_list(self, node: nodes.Element, level: int) -> list[str | CodeCell]:
        out: list[str | CodeCell] = []
        for item in node.children:
            term = next(iter(item.findall(nodes.term)), None)
            definition = next(iter(item.findall(nodes.definition)), None)
            if term is not None:
                out.append(f"**{self.children(term)}**")
            if definition is not None:
                out.extend(self.wrapped(self.blocks(definition, level), _quote))
        return out

    def table(self, node: nodes.Element) -> str:
        rows = []
        for row in node.findall(nodes.row):
            cells = []
            for entry in row.children:
                text = " ".join(b for b in self.blocks(entry, 0) if isinstance(b, str))
                cells.append(text.replace("|", "\\|").replace("\n", " "))
            rows.append(cells)
        if not rows:
            return ""
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        title = next(iter(node.findall(nodes.title)), None)
        caption = ""
        if title is not None:
            number = self.numbered("table", _first_id(node))
            caption = (f"**Table {number}** " if number else "") + self.children(title) + "\n\n"
        return caption + "\n".join(lines)

    def figure(self, node: nodes.Element) -> list[str | CodeCell]:
        out: list[str | CodeCell] = []
        for child in node.children:
            if isinstance(child, nodes.image):
                out.append(self.inline(child))
        caption = self.caption(node)
        return [*out, caption] if caption else out

    def caption(self, figure: nodes.Element) -> str:
        """ "**Fig. 5.2** The caption text", numbered as on the website."""
        caption = next(iter(figure.findall(nodes.caption)), None)
        if caption is None:
            return ""
        number = self.numbered("figure", _first_id(figure))
        text = self.children(caption).strip()
        return f"**{self.labels['figure'].format(number)}** {text}" if number else text

    def code_cell(self, node: nodes.Element) -> CodeCell:
        cell = CodeCell(int(node["cell_index"]))
        figure = next(iter(node.findall(nodes.figure)), None)
        if figure is not None:
            cell.caption = self.caption(figure)
        return cell

    def untitled(self, node: nodes.Element, level: int) -> list[str | CodeCell]:
        """The blocks of ``node``'s children but its title."""
        return [
            b for c in node.children if not isinstance(c, nodes.title) for b in self.block(c, level)
        ]

    def titled(self, node: nodes.Element, heading: str, level: int) -> list[str | CodeCell]:
        body = self.untitled(node, level)
        return self.wrapped([f"**{heading}**", *body] if heading else body, _quote)

    def admonition(self, node: nodes.Element, level: int) -> list[str | CodeCell]:
        """Admonitions, theorems and proofs as titled blockquotes; dropdowns as ``<details>``."""
        title = _title(node)
        heading = self.children(title).strip() if title is not None else ""
        name = type(node).__name__
        if name == "theorem_node" or node.get("countertype"):
            kind = node.get("realtype") or node.get("countertype") or "theorem"
            number = self.numbered(node.get("countertype", kind), node.get("label", ""))
            heading = f"{kind.capitalize()} {number} {heading}".strip()
        elif not heading and not isinstance(node, nodes.admonition):
            heading = name.capitalize()  # note, tip, warning ... without a title
        if "dropdown" in node.get("classes", []):
            return self.details(node, heading, level)
        return self.titled(node, heading, level)

    def details(
        self, node: nodes.Element, summary: str, level: int, code_note: bool = True
    ) -> list[str | CodeCell]:
        body = self.untitled(node, level)
        prose = [b for b in body if isinstance(b, str)]
        cells = [b for b in body if isinstance(b, CodeCell)]
        if cells and code_note:
            prose.append(self.labels["code_below"])
        text = "\n\n".join(prose)
        summary = re.sub(r"(`+)\s?(.*?)\s?\1", r"<code>\2</code>", summary)  # HTML, not Markdown
        return [f"<details>\n<summary>{summary}</summary>\n\n{text}\n\n</details>", *cells]

    def exercise(self, node: nodes.Element, level: int) -> list[str | CodeCell]:
        """An exercise as a heading with its number (and title), then its text."""
        number = self.numbered("exercise", node.get("label", ""))
        title = _title(node)
        extra = self.children(title).strip() if title is not None else ""
        word = self.labels["exercise"]
        heading = f"{word} {number}" if number else word
        if extra:
            heading += f": {extra}"
        return ["#" * min(max(level + 1, 2), 6) + " " + heading, *self.untitled(node, level)]

    def solution(self, node: nodes.Element, level: int) -> list[Any]:
        """A solution folded in ``<details>`` (tagged ``solution``), followed by its code cells
        (tagged too), which :func:`editions.notebooks.fold_solutions` moves into the fold."""
        title = _title(node)
        summary = title.astext().strip() if title is not None else self.labels["solution"]
        summary = re.sub(r"\s+", " ", summary)
        tags = [SOLUTION_TAG, f"solution-of:{node.get('target_label', '')}"]
        out: list[str | CodeCell] = []
        for item in self.details(node, _escape(summary), level, code_note=False):
            if isinstance(item, str):
                out.append(MarkdownCell(item, list(tags)))
            else:
                item.tags += tags
                # JupyterLab shows a collapsed cell's first line: let it say what is hidden.
                item.heading = "# " + self.labels["folded_code"].format(summary)
                out.append(item)
        return out
