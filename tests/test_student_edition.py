"""The student edition: no solution survives, reference answers get full marks, wrong ones don't.

One `python -m editions.student` run (nbgrader generate_assignment) per test process (the
``edition`` fixture in conftest.py), from the notebook edition of the session's book build; then
nbgrader autograde grades, for every chapter, the instructor's notebook (full marks expected)
and the student notebook filled in with each exercise's registered wrong answer (zero
expected). A cheating student (redefines `check`, imports the answer keys, edits the locked
cells) scores 0. The course in use (bad submissions, rebuilds, an LMS download, the
instructors' page) is tested in test_gradebook.py, which another worker can run meanwhile.
"""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from coursework import cheat, fill_in_wrong_answers, notebook

from conftest import ROOT
from editions.markdown import myst_leftovers
from editions.notebooks import SETUP_TAG, toc_chapters
from editions.student import CHECK_CALL, grade, grade_one

CHAPTERS = toc_chapters(ROOT)
NAMES = [Path(doc).name for doc in CHAPTERS]


def _solution_lines(nb: nbformat.NotebookNode) -> set[str]:
    """Distinctive lines of the instructor notebook's solution cells (prose and code) that do
    not also occur outside the solutions (an ``import numpy as np`` is no secret)."""
    inside, outside = set(), set()
    for cell in nb.cells:
        solution = cell.metadata.get("nbgrader", {}).get("solution")
        for line in cell.source.splitlines():
            line = line.strip()
            if len(line) >= 12 and not line.startswith(("```", ":class:")):
                (inside if solution else outside).add(line)
    return inside - outside


@pytest.mark.parametrize("name", NAMES)
def test_no_solution_survives(edition: Path, name: str) -> None:
    source, student = notebook(edition, "source", name), notebook(edition, "release", name)
    secrets = _solution_lines(source)
    assert secrets, f"{name}: the instructor notebook has no solutions at all"
    text = "\n".join(cell.source for cell in student.cells)
    assert "{solution" not in text, f"{name}: a solution directive survives"
    prose = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    assert not myst_leftovers(prose), f"{name}: MyST syntax: {myst_leftovers(prose)[:5]}"
    leaked = sorted(secrets & {line.strip() for line in text.splitlines()})
    assert not leaked, f"{name}: solution text survives in the student notebook: {leaked[:3]}"
    assert all(not cell.get("outputs") for cell in student.cells if cell.cell_type == "code")


@pytest.mark.parametrize("name", NAMES)
def test_check_cells_are_kept_and_the_tests_are_hidden(edition: Path, name: str) -> None:
    """Each check cell stays, read-only and worth nothing (a self-check); the locked 1-point
    test after it keeps its test hidden: the student's copy has neither test nor answer key."""
    student, source = notebook(edition, "release", name), notebook(edition, "source", name)
    checks = [c for c in student.cells if c.cell_type == "code" and CHECK_CALL.search(c.source)]
    assert checks, f"{name} has no coding exercise with a check cell"
    tests = {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in student.cells
        if c.metadata.get("nbgrader", {}).get("points") and c.cell_type == "code"
    }
    for cell in checks:
        label = CHECK_CALL.search(cell.source)[1]
        meta = cell.metadata["nbgrader"]
        assert meta["locked"] and not meta["grade"] and "points" not in meta
        test = tests[label]
        assert test.metadata["nbgrader"]["locked"] and test.metadata["nbgrader"]["points"] == 1
        assert "HIDDEN" not in test.source and "grade_answers" not in test.source, test.source
    hidden = [c for c in source.cells if "### BEGIN HIDDEN TESTS" in c.source]
    assert len(hidden) == len(checks), f"{name}: {len(hidden)} hidden tests, {len(checks)} checks"
    keys = edition / "autograder" / "student" / "xent" / "checks"
    assert not list(keys.glob("ch*.py")), "the grading kernel's xent holds answer keys"
    assert list((edition / "autograder" / "keys" / "xent" / "checks").glob("ch*.py"))


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_starts_with_the_install_cell(edition: Path, name: str) -> None:
    first = notebook(edition, "release", name).cells[0]
    assert SETUP_TAG in first.metadata.get("tags", []), f"{name} does not start with the setup cell"
    assert "pip" in first.source and "xent" in first.source


@pytest.mark.parametrize("doc", CHAPTERS)
def test_chapter_follows_the_course_mechanics(doc: str) -> None:
    """Objectives, estimated time, >= 4 labelled exercises with a use, hidden solutions."""
    text = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
    assert "Learning objectives" in text, f"{doc}: no learning objectives"
    assert re.search(r"\*\*Estimated time:\*\* \d+ minutes", text), f"{doc}: no estimated time"
    labels = re.findall(r"```\{exercise\}[^\n]*\n:label: (ex-[\w-]+)", text)
    assert len(labels) >= 4, f"{doc}: {len(labels)} exercises, at least 4 needed"
    for label in labels:
        block = text[text.index(f":label: {label}") :].split("```", 1)[0]
        assert re.search(r":class: (homework|exam)\b", block), f"{label}: no :class: homework|exam"
        assert re.search(rf"```\{{solution(-start)?\}} {label}\n:class: dropdown", text), (
            f"{label}: no hidden (dropdown) solution"
        )


@pytest.mark.parametrize("doc", CHAPTERS)
def test_the_zip_made_without_nbgrader_has_nbgraders_student_notebooks(
    edition: Path, built_site: Path, doc: str
) -> None:
    """A build with requirements.txt only still makes the site's xent-student-edition.zip."""
    from editions.grading.release import student_notebook

    name = Path(doc).name
    mine = student_notebook(nbformat.read(built_site / "_sources" / f"{doc}.ipynb", 4))
    theirs = notebook(edition, "release", name)
    assert [(c.cell_type, c.source) for c in mine.cells] == [
        (c.cell_type, c.source) for c in theirs.cells
    ]


def test_reference_gets_full_marks_and_wrong_answers_do_not(edition: Path, tmp_path: Path) -> None:
    graded = [  # chapters without a check cell are reported by the test above
        name
        for name in NAMES
        if any(CHECK_CALL.search(c.source) for c in notebook(edition, "release", name).cells)
    ]
    reference = [edition / "source" / name / f"{name}.ipynb" for name in graded]
    wrong = []
    for name in graded:
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(fill_in_wrong_answers(notebook(edition, "release", name)), path)
        wrong.append(path)
    # Two copies of the course graded side by side (nbgrader runs one notebook at a time).
    twin = tmp_path / "twin"
    shutil.copytree(edition, twin)
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [
            pool.submit(grade, edition, {"reference": reference}),
            pool.submit(grade, twin, {"wrong": wrong}),
        ]
        scores = {**jobs[0].result(), **jobs[1].result()}
    assert graded, "no chapter has an autograded exercise"
    for name in graded:
        ref, bad = scores["reference", name], scores["wrong", name]
        assert ref.max_autograded > 0, f"{name}: nbgrader found no autograded test cell"
        assert ref.autograded == ref.max_autograded, f"{name}: the reference scores {ref}"
        assert bad.autograded == 0, f"{name}: wrong answers still score {bad}"


def test_the_cheating_student_scores_zero(edition: Path, tmp_path: Path) -> None:
    course = tmp_path / "course"
    shutil.copytree(edition, course)
    name = "01_information"
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(cheat(notebook(edition, "release", name), "ch01_information"), path)
    score = grade_one(course, "mallory", path)
    assert not score.problem and score.max_autograded > 0, score
    assert score.autograded == 0, f"the cheater scores {score}"
    # Right answers of one's own still earn their points, even with the locked cells edited:
    # the hidden tests are put back and grade the answers.
    honest = cheat(notebook(edition, "source", name), "ch01_information")
    nbformat.write(honest, path)
    again = grade_one(course, "mallory", path)
    assert again.autograded == again.max_autograded, again
