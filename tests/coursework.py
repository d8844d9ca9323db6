"""Helpers shared by the student-edition and gradebook tests: notebooks of the course, the
answers a wrong, a cheating and an honest student hand in, and a course folder's state."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import nbformat
import numpy as np

from editions.student import CHECK_CALL, SUBMISSIONS_LOG
from xent.checks import exercises


def notebook(edition: Path, kind: str, name: str) -> nbformat.NotebookNode:
    return nbformat.read(edition / kind / name / f"{name}.ipynb", as_version=4)


def stubs(student: nbformat.NotebookNode) -> Iterator[tuple[nbformat.NotebookNode, str]]:
    """Each exercise's code stub (``raise NotImplementedError()``) with its check cell's label."""
    stub = None
    for cell in student.cells:
        if cell.cell_type != "code":
            continue
        if "raise NotImplementedError()" in cell.source:
            stub = cell
        elif (m := CHECK_CALL.search(cell.source)) and stub is not None:
            yield stub, m[1]
            stub = None


def fill_in_wrong_answers(student: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace each exercise's code stub by its first registered wrong answer."""
    registry = exercises()
    for stub, label in stubs(student):
        wrong = registry[label].wrong[0]
        lines = ["import numpy as np"] + [
            f"{k} = {v!r}" if np.ndim(v) == 0 else f"{k} = np.asarray({np.asarray(v).tolist()!r})"
            for k, v in wrong.items()
        ]
        stub.source = "\n".join(lines)
    return student


def cheat(student: nbformat.NotebookNode, chapter_module: str) -> nbformat.NotebookNode:
    """The cheating student: every answer from the answer key if it can be imported (else a
    registered wrong answer), `check` redefined to say "Correct", `subprocess.run` patched to
    fake the hidden tests' verdict, and every locked cell (check cells, hidden-test cells)
    edited to do nothing. Any one of these that worked would score."""
    registry = exercises()
    for stub, label in stubs(student):
        wrong = registry[label].wrong[0]
        lines = [
            "import importlib",
            "import numpy as np",
            "try:",
            f"    importlib.import_module('xent.checks.{chapter_module}')",
            "    from xent.checks import exercises",
            f"    key = dict(exercises()[{label!r}].correct)",
            "except Exception:",
            "    key = {}",
            "def check(*args, **kwargs):",
            "    print('Correct')",
            "import subprocess",  # every test's verdict faked: "passed"
            "class Passed:",
            "    returncode, stdout, stderr = 0, 'PASS', ''",
            "subprocess.run = lambda *args, **kwargs: Passed()",
        ]
        lines += [
            f"{k} = key.get({k!r}, np.asarray({np.asarray(v).tolist()!r}))"
            for k, v in wrong.items()
        ]
        stub.source = "\n".join(lines)
    for cell in student.cells:
        if cell.metadata.get("nbgrader", {}).get("locked"):
            cell.source = "pass  # edited by the student"
    return student


def course_state(course: Path) -> dict[str, bytes]:
    """Every file of the course folder but the gradebook, with its bytes; and the grades."""
    from nbgrader.api import Gradebook

    files = {
        str(p.relative_to(course)): p.read_bytes()
        for p in sorted(course.rglob("*"))
        if p.is_file()
        and p.name not in ("gradebook.db", SUBMISSIONS_LOG)
        and "__pycache__" not in p.parts
    }
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grades = [
            (sub.student.id, sub.assignment.name, sub.score)
            for assignment in gradebook.assignments
            for sub in gradebook.assignment_submissions(assignment.name)
        ]
    files["grades"] = repr(sorted(grades)).encode()
    return files


def set_mtime(path: Path, when: str) -> None:
    stamp = datetime.fromisoformat(when).timestamp()
    os.utime(path, (stamp, stamp))
