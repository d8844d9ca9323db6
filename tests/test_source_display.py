"""editions.source: the chapters show xent's code without its docstring, linked to the API page."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from pathlib import Path

import pytest
from test_book_build import page

from conftest import ROOT
from editions.source import api_target, strip_docstring
from xent import functional, info, mle, neuron

SHOWN = [
    info.surprisal,
    info.entropy,
    info.conditional_entropy,
    mle.fit_categorical,
    neuron.train,
    functional.cross_entropy_grad,
]


@pytest.mark.parametrize("fn", SHOWN, ids=lambda fn: fn.__name__)
def test_strip_docstring_keeps_exactly_the_code(fn) -> None:
    source = inspect.getsource(fn)
    shown = strip_docstring(source)
    original, stripped = ast.parse(textwrap.dedent(source)), ast.parse(textwrap.dedent(shown))
    assert ast.get_docstring(stripped.body[0]) is None
    # The same statements, in the same order, as the function minus its docstring.
    assert [ast.dump(n) for n in stripped.body[0].body] == [
        ast.dump(n) for n in original.body[0].body[1:]
    ]
    assert fn.__doc__.strip().splitlines()[0] not in shown
    assert len(shown.splitlines()) < len(source.splitlines())


def test_strip_docstring_leaves_undocumented_code_alone() -> None:
    code = "def f(x):\n    # a comment\n    return x\n"
    assert strip_docstring(code) == code
    only_doc = 'def g():\n    """Nothing else."""\n'
    assert strip_docstring(only_doc) == only_doc  # an empty body would not be Python


def test_api_target_names_the_documented_object() -> None:
    assert api_target("../code/xent/info.py", "surprisal") == "xent.info.surprisal"
    assert api_target("../code/xent/checks/__init__.py", "check") == "xent.checks.check"
    assert api_target("../other/thing.py", "f") is None


def no_docstring_includes() -> list[tuple[str, str]]:
    """(chapter, dotted name) of every ``:no-docstring:`` include in the chapters."""
    found = []
    pattern = re.compile(
        r"```\{literalinclude\} \.\./code/(xent/\w+)\.py\n:pyobject: (\w+)\n"
        r":no-docstring:"
    )
    for chapter in sorted((ROOT / "chapters").glob("*.md")):
        for module, name in pattern.findall(chapter.read_text(encoding="utf-8")):
            found.append((chapter.stem, f"{module.replace('/', '.')}.{name}"))
    return found


def test_the_chapters_show_code_without_docstrings() -> None:
    shown = no_docstring_includes()
    assert len(shown) >= 15
    assert ("01_information", "xent.info.surprisal") in shown


def test_every_shown_function_links_to_its_api_entry(built_site: Path) -> None:
    api = page(built_site, "chapters/api")
    shown_in = no_docstring_includes()
    pages = {chapter: page(built_site, f"chapters/{chapter}") for chapter, _ in shown_in}
    for chapter, target in shown_in:
        soup = pages[chapter]
        links = [
            a
            for a in soup.select("p.source-docstring-link a")
            if a["href"].endswith(f"api.html#{target}")
        ]
        assert links, f"{chapter} shows {target} without a link to its API entry"
        entry = api.find(id=target)
        assert entry is not None, f"the API page does not document {target}"
        # The docstring is on the API page, not in the chapter's code block.
        module, _, name = target.rpartition(".")
        doc = inspect.getdoc(getattr(importlib.import_module(module), name))
        summary = doc.splitlines()[0]
        # Sphinx's smartquotes turn the docstring's ' and " into typographic quotes.
        shown = entry.parent.get_text(" ").translate(str.maketrans("’‘“”", "''\"\""))
        assert summary.split("``")[0].strip() in shown
        code = " ".join(pre.get_text() for pre in soup.select("div.highlight pre"))
        assert summary not in code, f"{chapter} still shows the docstring of {target}"
