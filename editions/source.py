"""Sphinx extension: show a function's real source without its docstring, linked to its API entry.

The chapters show the code of ``xent`` with ``literalinclude`` and ``:pyobject:``, so what the
reader sees is what the package runs. A NumPy-style docstring is most of a short function,
though, and the reader came for the logic. This extension adds one flag to ``literalinclude``::

    ```{literalinclude} ../code/xent/info.py
    :pyobject: surprisal
    :no-docstring:
    ```

With ``:no-docstring:`` the docstring is cut out of the included text (found with ``ast``, so
it cannot drift from the file), and a line under the code links to the full docstring in the
API appendix (``xent.info.surprisal``, documented there by autodoc). The link is an ordinary
Python-domain cross-reference, so a strict build (``-n``) fails if the appendix does not
document it.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import PurePosixPath
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.directives.code import LiteralInclude


def strip_docstring(source: str) -> str:
    """Return ``source`` (one function or class) without its docstring.

    The docstring is found with ``ast``, so the lines cut are exactly the string literal that
    opens the body; everything else, comments and blank lines included, is kept as it is.
    """
    tree = ast.parse(textwrap.dedent(source))
    if not tree.body or not isinstance(
        tree.body[0], ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    ):
        return source
    body = tree.body[0].body
    first = body[0] if body else None
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return source
    if len(body) == 1:  # a docstring-only body: keep it, or the code would not be valid Python
        return source
    lines = source.splitlines(keepends=True)
    start, end = first.lineno - 1, first.end_lineno or first.lineno  # 0-based, end exclusive
    return "".join(lines[:start] + lines[end:])


def api_target(filename: str, pyobject: str) -> str | None:
    """The dotted name of ``pyobject`` in the file ``.../code/xent/<module>.py``, if it is one."""
    parts = PurePosixPath(filename.replace("\\", "/")).parts
    if "xent" not in parts or not parts[-1].endswith(".py"):
        return None
    package = parts[parts.index("xent") :]
    module = [*package[:-1], package[-1].removesuffix(".py")]
    if module[-1] == "__init__":
        module = module[:-1]
    return ".".join([*module, pyobject])


class LiteralIncludeNoDocstring(LiteralInclude):
    """``literalinclude`` with a ``:no-docstring:`` flag (see the module docstring)."""

    option_spec: ClassVar[dict[str, Any]] = {
        **LiteralInclude.option_spec,
        "no-docstring": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        drop = "no-docstring" in self.options
        self.options.pop("no-docstring", None)
        result = super().run()
        if not drop:
            return result
        pyobject = self.options.get("pyobject")
        if not pyobject:
            raise self.error(":no-docstring: needs :pyobject: (the function or class to show)")
        for block in (n for node in result for n in node.findall(nodes.literal_block)):
            text = strip_docstring(block.astext())
            block.children = [nodes.Text(text)]
            block.rawsource = text
        target = api_target(self.arguments[0], pyobject)
        if target is None:
            return result
        ref = addnodes.pending_xref(
            "",
            refdomain="py",
            reftype="obj",
            reftarget=target,
            refexplicit=True,
            refwarn=True,
            refdoc=self.env.docname,
        )
        ref += nodes.literal("", target, classes=["xref", "py", "py-obj"])
        # In the page's language already: a note inside an admonition is no message of the
        # gettext catalogue, so the Chinese edition would otherwise print it in English.
        before, after = DOCSTRING_NOTE.get(self.config.language or "en", DOCSTRING_NOTE["en"])
        note = nodes.paragraph(
            "",
            "",
            nodes.Text(before),
            ref,
            nodes.Text(after),
            classes=["source-docstring-link"],
        )
        # The same sentence in MyST: what a translator's catalogue offers (editions/i18n.py).
        note.rawsource = (
            f"Docstring, parameters and examples: {{py:obj}}`{target}` in the API reference."
        )
        return [*result, note]


#: The note under a source listing, by language: the words before and after the API link.
DOCSTRING_NOTE = {
    "en": ("Docstring, parameters and examples: ", " in the API reference."),
    "zh_CN": ("文档字符串、参数与示例：见 API 参考中的 ", "。"),
}


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("literalinclude", LiteralIncludeNoDocstring, override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
