"""The student notebooks without nbgrader: what ``nbgrader generate_assignment`` releases.

A build of the book with only ``requirements.txt`` (no nbgrader) still puts the student edition
in the website as ``xent-student-edition.zip``: :func:`student_notebook` does to an annotated
chapter what nbgrader's release does to its cells (solutions replaced by the stubs, hidden
tests removed, outputs cleared), and ``tests/test_student_edition.py`` checks that its cells
are nbgrader's. The autograder itself (a course folder) needs nbgrader.
"""

from __future__ import annotations

import re
from typing import Any

_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)


def student_notebook(notebook: Any, language: str = "en") -> Any:
    """The student's copy of a notebook-edition chapter, made without nbgrader.

    Examples
    --------
    >>> import nbformat
    >>> v4 = nbformat.v4
    >>> nb = v4.new_notebook(cells=[
    ...     v4.new_code_cell("x = ...", metadata={"tags": ["answer"], "xent": {"solution": "x = 2"}}),
    ...     v4.new_code_cell('check("ex-x", x=x)'),
    ... ])
    >>> [c.source.splitlines()[0] for c in student_notebook(nb).cells]
    ['# YOUR CODE HERE', 'check("ex-x", x=x)', '# Autograded test of ex-x (hidden; it runs when your notebook is graded)']
    """  # noqa: E501
    from editions.student import STUBS, annotate

    stubs = STUBS[language]
    nb = annotate(notebook)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            if cell.cell_type == "code":
                cell.source = f"{stubs['code_stub']}\nraise NotImplementedError()"
            else:
                cell.source = stubs["text_stub"]
        cell.source = _HIDDEN.sub("", cell.source).rstrip("\n")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb
