"""The notebook edition: each chapter's .ipynb reads as the website does, in plain Jupyter Markdown.

The book's build writes it (editions.notebooks) from the same doctree and the same execution as
the website: no MyST syntax may survive, every display equation is a ``$$`` block with the
page's number, every glued number, reference and caption the page shows is in the notebook's
prose, code cells are the executed ones with their outputs, and solutions are folded: a
solution's code is a code block inside its ``<details>``, so Run All never runs or prints it;
each coding exercise has an answer cell of its own, and its check cell stays quiet until then.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from test_book_build import page

from conftest import ROOT
from editions.markdown import myst_leftovers
from editions.notebooks import (
    ANSWER_TAG,
    CHECK_CALL,
    KERNELSPEC,
    SETUP_TAG,
    toc_chapters,
    without_glue,
)

CHAPTERS = toc_chapters(ROOT)


def _notebook(built_site: Path, doc: str) -> nbformat.NotebookNode:
    nb = nbformat.read(built_site / "_sources" / f"{doc}.ipynb", as_version=4)
    nbformat.validate(nb)
    return nb


def _prose(nb: nbformat.NotebookNode) -> str:
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _page(built_site: Path, doc: str) -> BeautifulSoup:
    soup = page(built_site, doc)
    return soup.find("article") or soup


def _outside_outputs(tags: list) -> list:
    return [t for t in tags if not t.find_parent(class_="cell_output")]


def test_myst_leftovers_are_recognised() -> None:
    """The detector itself: each kind of MyST syntax the issue lists is caught."""
    samples = [
        "see {numref}`fig-x`",
        "```{math}",
        ":::{admonition} Objectives",
        "(chapter-x)=",
        ":label: eq-x",
        ":class: tip",
    ]
    for sample in samples:
        assert myst_leftovers(sample), sample
    assert not myst_leftovers("Fig. 5.1 and $$a \\tag{5.1}$$ and `code` and {1, 2}")


@pytest.mark.parametrize("doc", CHAPTERS)
def test_no_myst_syntax_survives(built_site: Path, doc: str) -> None:
    nb = _notebook(built_site, doc)
    leftovers = myst_leftovers(_prose(nb))
    assert not leftovers, f"{doc}: MyST syntax in the notebook: {leftovers[:10]}"


@pytest.mark.parametrize("doc", CHAPTERS)
def test_equations_numbers_and_references_match_the_page(built_site: Path, doc: str) -> None:
    page, prose = _page(built_site, doc), _prose(_notebook(built_site, doc))
    displays = _outside_outputs(page.select("div.math"))
    blocks = re.findall(r"^>? ?\$\$\n(.*?)\n>? ?\$\$$", prose, re.MULTILINE | re.DOTALL)
    assert len(blocks) == len(displays), f"{doc}: {len(displays)} equations, {len(blocks)} $$"
    for eqno in page.select("span.eqno"):
        number = re.search(r"\(([\d.]+)\)", eqno.get_text())[1]
        assert f"\\tag{{{number}}}" in prose, f"{doc}: equation ({number}) is not numbered"
    glued = [span.get_text() for span in _outside_outputs(page.select("span.pasted-text"))]
    assert glued, f"{doc}: the page shows no glued number"
    missing = [value for value in glued if value not in prose]
    assert not missing, f"{doc}: glued values missing from the notebook: {missing[:5]}"
    for ref in page.select("span.std-numref, span.std-ref"):
        text = ref.get_text(" ", strip=True)
        assert _escaped(text) in prose or text in prose, f"{doc}: reference {text!r} missing"
    for term in page.select("a.reference span.std-term"):
        href = term.find_parent("a")["href"]
        assert href.split("#")[1] in prose, f"{doc}: term {term.get_text()!r} not linked"


def _escaped(text: str) -> str:
    return re.sub(r"([\\`*$<\[\]])", r"\\\1", text)


@pytest.mark.parametrize("doc", CHAPTERS)
def test_figures_captions_citations_and_solutions(built_site: Path, doc: str) -> None:
    page, nb = _page(built_site, doc), _notebook(built_site, doc)
    cells = nb.cells
    for figure in page.select("figure"):
        number = figure.select_one("span.caption-number")
        if number is None:
            continue
        label = number.get_text(strip=True).rstrip(".").strip()  # "Fig. 5.1"
        at = [i for i, c in enumerate(cells) if c.source.startswith(f"**{label}**")]
        assert at, f"{doc}: no caption cell for {label}"
        drawn = cells[at[0] - 1]
        assert drawn.cell_type == "code", f"{doc}: {label}'s caption follows no code cell"
        assert any("image/png" in o.get("data", {}) for o in drawn.outputs), f"{doc}: {label}"
    cited = page.select("span.bibtex-citation, .bibtex-citation")
    if cited:
        assert cells[-1].source.startswith("## References"), f"{doc}: no references cell"
        # As the site's text: links as their text, no Markdown emphasis or escapes, a no-break
        # space a space.
        prose = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", _prose(nb))
        prose = re.sub(r"(?<!\\)\*", "", prose)  # emphasis ("*et al.*")
        prose = " ".join(re.sub(r"\\([\\`*$<\[\]_])", r"\1", prose).split())
        for text in {" ".join(c.get_text().split()) for c in cited}:
            # "[Shannon, 1948]" ({cite}) or "Shannon (1948)" ({cite:t}), as on the website
            assert text in prose, f"{doc}: citation {text!r} not printed as on the website"
    solutions = [c for c in cells if "solution" in c.metadata.get("tags", [])]
    assert solutions, f"{doc}: no solution found"
    for cell in solutions:
        assert cell.cell_type == "markdown", f"{doc}: a solution is a code cell: {cell.source}"
        assert cell.source.startswith("<details>") and cell.source.endswith("</details>")
    checks = [c for c in cells if c.cell_type == "code" and CHECK_CALL.search(c.source)]
    answers = {
        t.split(":", 1)[1]
        for c in cells
        if ANSWER_TAG in c.metadata.get("tags", [])
        for t in c.metadata["tags"]
        if t.startswith("answer-of:")
    }
    for check in checks:
        label = CHECK_CALL.search(check.source)[1]
        assert label in answers, f"{doc}: {label} has no answer cell for the reader's code"
    exercises = re.findall(r"^#+ Exercise (\d+\.\d+)", _prose(nb), re.MULTILINE)
    summaries = re.findall(r"<summary>Solution to Exercise (\d+\.\d+)</summary>", _prose(nb))
    assert exercises and set(summaries) <= set(exercises), f"{doc}: {exercises} / {summaries}"
    for cell in cells:
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            assert not cell.outputs, f"{doc}: a check cell announces its result before any try"


@pytest.mark.parametrize("doc", CHAPTERS)
def test_code_cells_are_the_builds_executed_cells(built_site: Path, doc: str) -> None:
    """Same cells, same outputs as the website's execution; no extra (literalinclude) cells."""
    nb = _notebook(built_site, doc)
    executed = nbformat.read(built_site.parent / "jupyter_execute" / f"{doc}.ipynb", as_version=4)
    without_glue(executed)  # the edition drops myst-nb's glue, which only the book build reads
    assert SETUP_TAG in nb.cells[0].metadata.get("tags", []), f"{doc}: install cell not first"
    mine = [
        c
        for c in nb.cells[1:]
        if c.cell_type == "code" and ANSWER_TAG not in c.metadata.get("tags", [])
    ]
    folded = "\n".join(c.source for c in nb.cells if "solution" in c.metadata.get("tags", []))
    theirs = [  # a solution's code is folded into its <details>, not a cell
        c
        for c in executed.cells
        if c.cell_type == "code" and f"```python\n{c.source.rstrip()}\n```" not in folded
    ]
    assert [c.source for c in mine] == [c.source for c in theirs]
    for a, b in zip(mine, theirs, strict=True):
        if not CHECK_CALL.search(a.source):
            assert a.outputs == b.outputs, f"{doc}: outputs of {a.source[:40]!r} differ"
        tags = a.metadata.get("tags", [])
        if "hide-input" in tags:
            assert a.metadata["jupyter"]["source_hidden"] is True
    assert nb.metadata["kernelspec"] == KERNELSPEC


def test_kernelspec_is_ipykernels_own() -> None:
    """JupyterLab marks a notebook changed when its kernelspec differs from the kernel's."""
    from ipykernel.kernelspec import get_kernel_dict

    assert get_kernel_dict()["display_name"] == KERNELSPEC["display_name"]


def test_a_failed_check_shows_its_hint_without_a_traceback() -> None:
    """IPython shows ``_render_traceback_``'s lines instead of a traceback into xent.checks."""
    from IPython.core.interactiveshell import InteractiveShell

    from xent.checks import CheckFailed, check

    with pytest.raises(CheckFailed) as info:
        check("ex-info-units", p=0.3, bits=1.0)
    lines = info.value._render_traceback_()
    assert lines == [f"CheckFailed: {info.value}"] and "Traceback" not in lines[0]
    shell = InteractiveShell.instance()
    result = shell.run_cell(
        "from xent.checks import check\ncheck('ex-info-units', p=0.3, bits=1.0)"
    )
    assert isinstance(result.error_in_exec, CheckFailed)


@pytest.mark.parametrize(
    "name",
    [
        "editions.markdown",
        "editions.notebooks",
        "editions.student",
        "editions.grading.feedback",
        "editions.grading.hidden",
        "editions.grading.release",
        "editions.grading.submissions",
    ],
)
def test_edition_docstring_examples(name: str) -> None:
    import doctest
    import importlib

    failures, tried = doctest.testmod(
        importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert tried and not failures


def test_converter_handles_what_future_chapters_may_use() -> None:
    """Tables, notes, definition lists, block quotes and pictures: plain Jupyter Markdown."""
    from docutils.core import publish_doctree

    from editions.markdown import Converter

    source = """Title
=====

.. note:: Mind the *units*: $ signs and * stars stay text.

.. table:: Two losses

   ========  =====
   loss      value
   ========  =====
   MSE       0.5
   CE        0.7
   ========  =====

term
   Its definition.

   A quoted paragraph.

.. image:: pics/a.png
   :alt: A picture
"""
    converter = Converter("chapters/x", {}, "https://site.org/", {"chapters/pics/a.png": "a.png"})
    cells = converter.cells(publish_doctree(source))
    text = "\n\n".join(c.source for c in cells)
    assert not converter.unknown, converter.unknown
    assert "> **Note**\n>\n> Mind the *units*: \\$ signs and \\* stars stay text." in text
    assert "| loss | value |\n|---|---|\n| MSE | 0.5 |\n| CE | 0.7 |" in text
    assert "**term**\n\n> Its definition." in text
    assert "![A picture](https://site.org/" in text
    assert not myst_leftovers(text)


@pytest.mark.parametrize("doc", ["chapters/05_learning_slowdown", "chapters/09_calibration"])
def test_run_all_prints_no_solution_value(built_site: Path, doc: str) -> None:
    """Run All on a downloaded chapter: no error, no "Correct", no solution value printed
    (Ex. 5.2's 0.45889..., Ex. 9.2's ECE, Ex. 9.3's temperature), each check "not answered yet"."""
    import numpy as np
    from nbclient import NotebookClient

    from xent.checks import exercises

    nb = _notebook(built_site, doc)
    nb.cells = [c for c in nb.cells if SETUP_TAG not in c.metadata.get("tags", [])]
    NotebookClient(
        nb, timeout=120, resources={"metadata": {"path": str(ROOT / "chapters")}}
    ).execute()
    printed = "\n".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    labels = {CHECK_CALL.search(c.source)[1] for c in nb.cells if CHECK_CALL.search(c.source)}
    assert labels and "Correct" not in printed
    assert printed.count("not answered yet") == len(labels), printed[-2000:]
    registry = exercises()
    for label in labels:
        for name, value in registry[label].correct.items():
            for x in np.ravel(np.asarray(value, dtype=float)):
                if abs(x) in (0.0, 1.0) or x == int(x):
                    continue
                for shown in {f"{x:.4f}", f"{x:.5g}", repr(float(x))}:
                    assert shown not in printed, f"{doc}: {label}'s {name} ({shown}) is printed"
