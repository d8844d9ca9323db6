"""Chinese typesetting on the Chinese site and notebooks (a Sphinx extension, loaded by i18n).

What a Chinese editor expects, fixed once here for every page rather than in each translation:

* **Chapter references** read "第 4 章", as Chinese books cite chapters, not the bare chapter
  title in the middle of a sentence; an unnumbered page (the glossary) is cited as “术语表”.
* **No space between Chinese characters** at the edge of inline markup: CommonMark's rules
  for ``**`` made translators put a space before a bold term or link ("一个 **词元**"), and a
  space between two Chinese characters shows as a gap. Spaces next to Latin letters and digits
  stay ("KL 散度", "第 4 章").
* **Solution titles** read "练习 2.1 解答" (sphinx-exercise writes "解答 练习 2.1"), and a
  theorem's title has no half-width space before its full-width parenthesis.
* **No synthetic italics**: Chinese has no italic, and a browser slants Chinese characters to
  fake one. Emphasised Chinese gets the class ``xent-zh-emphasis`` (the stylesheet sets it
  upright with emphasis dots, 着重号); emphasised Latin text stays italic.

All of it runs at ``doctree-resolved`` before the notebook edition reads the page, so the
Chinese notebooks get the same text; nothing changes on the English site.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

#: Chinese characters and the full-width punctuation set between them.
HAN = r"\u3400-\u9fff\uf900-\ufaff"
CJK = re.compile(rf"[{HAN}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u2018-\u201d\u2026]")
HAN_CHARACTER = re.compile(rf"[{HAN}]")
#: Inline text that is not prose: its spaces are the code's or the formula's.
VERBATIM = (nodes.literal, nodes.math, nodes.literal_block, nodes.raw)


def is_chinese(app: Sphinx) -> bool:
    return (app.config.language or "en").startswith("zh")


def chapter_citations(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """A link whose text is another page's whole title reads 第 N 章 (or “title”)."""
    env = app.env
    pages: dict[str, str] = {}
    for other in env.all_docs:
        if other != docname and other in env.titles:
            pages[app.builder.get_relative_uri(docname, other)] = other
    for reference in list(doctree.findall(nodes.reference)):
        if not in_prose(reference):
            continue
        target = pages.get(reference.get("refuri", "").split("#")[0])
        if target is None or reference.astext().strip() != env.titles[target].astext().strip():
            continue
        number = env.toc_secnumbers.get(target, {}).get("")
        text = f"第 {number[0]} 章" if number else f"“{env.titles[target].astext().strip()}”"
        holder = next(iter(reference.findall(nodes.Text)), None)
        parent = holder.parent if holder is not None else reference
        parent.children = []
        parent += nodes.Text(text)


def in_prose(node: nodes.Node) -> bool:
    """Inside a paragraph of running text (not a table of contents or a title)."""
    ancestor, paragraph = node.parent, False
    while ancestor is not None:
        if "toctree-wrapper" in ancestor.get("classes", []) or isinstance(ancestor, nodes.title):
            return False
        paragraph = paragraph or isinstance(ancestor, nodes.paragraph)
        ancestor = ancestor.parent
    return paragraph


def prose_texts(block: nodes.Element) -> list[nodes.Text]:
    """The Text nodes of one paragraph or title, in order, leaving code and math out."""
    texts = []
    for text in block.findall(nodes.Text):
        ancestor, verbatim = text.parent, False
        while ancestor is not None and ancestor is not block:
            if isinstance(ancestor, VERBATIM):
                verbatim = True
                break
            ancestor = ancestor.parent
        if not verbatim:
            texts.append(text)
    return texts


def replace_text(old: nodes.Text, new: str) -> nodes.Text:
    text = nodes.Text(new)
    old.parent.replace(old, text)
    return text


def close_gaps(doctree: nodes.document) -> None:
    """Drop a space between two Chinese characters where inline markup meets text."""
    for block in list(doctree.findall(nodes.TextElement)):
        if isinstance(block, VERBATIM) or isinstance(block.parent, nodes.TextElement):
            continue  # inline elements are handled with the paragraph that holds them
        texts = prose_texts(block)
        for i in range(len(texts) - 1):
            left, right = texts[i].astext(), texts[i + 1].astext()
            if left.endswith((" ", "\n")) and right and CJK.match(right[0]):
                stripped = left.rstrip(" \n")
                if stripped and CJK.match(stripped[-1]):
                    texts[i] = replace_text(texts[i], stripped)
            elif right.startswith((" ", "\n")) and left and CJK.match(left[-1]):
                stripped = right.lstrip(" \n")
                if stripped and CJK.match(stripped[0]):
                    texts[i + 1] = replace_text(texts[i + 1], stripped)


def solution_titles(doctree: nodes.document) -> None:
    """ "解答 练习 2.1" becomes "练习 2.1 解答" (the link first, then the word)."""
    for title in doctree.findall(nodes.title):
        if type(title.parent).__name__ != "solution_node" or len(title.children) < 2:
            continue
        word, link = title.children[0], title.children[1]
        if isinstance(word, nodes.Text) and isinstance(link, nodes.reference):
            for text in list(link.findall(nodes.Text)):
                text.parent.replace(text, nodes.Text(text.astext().strip()))
            title.children = [link, nodes.Text(" " + word.astext().strip()), *title.children[2:]]
            link.parent = title


def upright_emphasis(doctree: nodes.document) -> None:
    for emphasis in doctree.findall(nodes.emphasis):
        if HAN_CHARACTER.search(emphasis.astext()):
            emphasis["classes"].append("xent-zh-emphasis")


def typeset(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if not is_chinese(app) or app.builder.format != "html":
        return
    chapter_citations(app, doctree, docname)
    solution_titles(doctree)
    close_gaps(doctree)
    upright_emphasis(doctree)


def theorem_parenthesis(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """sphinx-proof writes "定理 2.1 " before the title; no space before "（"."""
    if is_chinese(app) and "body" in context:
        context["body"] = re.sub(
            r'(<span class="caption-number">[^<]*?) </span>(（)', r"\1</span>\2", context["body"]
        )


def setup(app: Sphinx) -> dict[str, Any]:
    # Before the notebook edition (html-page-context) and the PDF (priority 900) read the page.
    app.connect("doctree-resolved", typeset, priority=450)
    app.connect("html-page-context", theorem_parenthesis)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
