"""The student edition: no solution survives, reference answers get full marks, wrong ones don't.

One `python -m editions.student` run (nbgrader generate_assignment) per test session, from the
notebook edition of the session's book build; then nbgrader autograde grades, for every chapter,
the instructor's notebook (full marks expected) and the student notebook filled in with each
exercise's registered wrong answer (zero expected). Bad submissions (corrupt, misnamed, missing)
get a plain sentence and leave every other grade as it was.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import numpy as np
import pytest

from conftest import ROOT
from editions.markdown import myst_leftovers
from editions.notebooks import SETUP_TAG, toc_chapters
from editions.student import CHECK_CALL, grade, grade_one
from xent.checks import exercises

CHAPTERS = toc_chapters(ROOT)
NAMES = [Path(doc).name for doc in CHAPTERS]


@pytest.fixture(scope="session")
def edition(tmp_path_factory: pytest.TempPathFactory, built_site: Path) -> Path:
    """The student edition of the whole book, made with the README's documented command."""
    out = tmp_path_factory.mktemp("edition") / "course"
    cmd = [sys.executable, "-m", "editions.student", "--root", str(ROOT), "--out", str(out)]
    cmd += ["--notebooks", str(built_site / "_sources")]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _nb(edition: Path, kind: str, name: str) -> nbformat.NotebookNode:
    return nbformat.read(edition / kind / name / f"{name}.ipynb", as_version=4)


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
    source, student = _nb(edition, "source", name), _nb(edition, "release", name)
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
def test_check_cells_are_kept_and_locked(edition: Path, name: str) -> None:
    student = _nb(edition, "release", name)
    checks = [c for c in student.cells if c.cell_type == "code" and CHECK_CALL.search(c.source)]
    assert checks, f"{name} has no coding exercise with a check cell"
    for cell in checks:
        meta = cell.metadata["nbgrader"]
        assert meta["grade"] and meta["locked"] and meta["points"] == 1


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_starts_with_the_install_cell(edition: Path, name: str) -> None:
    first = _nb(edition, "release", name).cells[0]
    assert SETUP_TAG in first.metadata.get("tags", []), f"{name} does not start with the setup cell"
    assert "pip" in first.source and "xent" in first.source


def _fill_in_wrong_answers(student: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace each exercise's code stub by its first registered wrong answer."""
    registry = exercises()
    stub = None
    for cell in student.cells:
        if cell.cell_type != "code":
            continue
        if "raise NotImplementedError()" in cell.source:
            stub = cell
        elif (m := CHECK_CALL.search(cell.source)) and stub is not None:
            wrong = registry[m[1]].wrong[0]
            lines = ["import numpy as np"] + [
                f"{k} = {v!r}"
                if np.ndim(v) == 0
                else f"{k} = np.asarray({np.asarray(v).tolist()!r})"
                for k, v in wrong.items()
            ]
            stub.source = "\n".join(lines)
            stub = None
    return student


def test_reference_gets_full_marks_and_wrong_answers_do_not(edition: Path, tmp_path: Path) -> None:
    graded = [  # chapters without a check cell are reported by the test above
        name
        for name in NAMES
        if any(CHECK_CALL.search(c.source) for c in _nb(edition, "release", name).cells)
    ]
    reference = [edition / "source" / name / f"{name}.ipynb" for name in graded]
    wrong = []
    for name in graded:
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(_fill_in_wrong_answers(_nb(edition, "release", name)), path)
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


def _state(course: Path) -> dict[str, bytes]:
    """Every file of the course folder but the gradebook, with its bytes; and the grades."""
    from nbgrader.api import Gradebook

    files = {
        str(p.relative_to(course)): p.read_bytes()
        for p in sorted(course.rglob("*"))
        if p.is_file() and p.name != "gradebook.db"
    }
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grades = [
            (sub.student.id, sub.assignment.name, sub.score)
            for assignment in gradebook.assignments
            for sub in gradebook.assignment_submissions(assignment.name)
        ]
    files["grades"] = repr(sorted(grades)).encode()
    return files


def test_bad_submissions_get_a_plain_sentence_and_change_nothing(
    edition: Path, tmp_path: Path
) -> None:
    """Corrupt, misnamed and missing submissions: one sentence each, nothing left behind; the
    same student's next submission and the next student's are graded correctly."""
    course = tmp_path / "course"
    shutil.copytree(edition, course)
    name = "01_information"  # the quickest chapter to grade
    reference = edition / "source" / name / f"{name}.ipynb"
    good = grade_one(course, "ann", reference)
    assert not good.problem and good.autograded == good.max_autograded > 0, good
    before = _state(course)

    corrupt = tmp_path / "corrupt" / f"{name}.ipynb"
    corrupt.parent.mkdir()
    corrupt.write_text('{"cells": [', encoding="utf-8")
    misnamed = tmp_path / "student05.ipynb"
    shutil.copyfile(reference, misnamed)
    cases = {
        "corrupt": (corrupt, "is not a Jupyter notebook"),
        "misnamed": (misnamed, "is not named after a chapter"),
        "missing": (tmp_path / "nowhere" / f"{name}.ipynb", "there is no such file"),
    }

    def grade_from_the_command_line(path: Path, *student: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "editions.student", "--out", str(course)]
        cmd += ["--grade", str(path), *student]
        return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)

    for case, (path, message) in cases.items():
        result = grade_from_the_command_line(path, "--student", "bob")
        out = result.stdout + result.stderr
        assert result.returncode == 1 and message in out, f"{case}: {out}"
        assert "Traceback" not in out and len(out.strip().splitlines()) == 1, f"{case}: {out}"
        assert _state(course) == before, f"{case}: the course folder changed"
    assert "Score: 0 /" in grade_from_the_command_line(corrupt).stdout, (
        "a corrupt notebook of a chapter scores 0"
    )
    assert "01_information.ipynb" in grade_one(course, "bob", misnamed).problem
    assert not (course / "submitted" / "bob").exists(), "a bad submission left a folder behind"

    # The same student's next submission, and the next student's, grade as if nothing happened.
    again = grade_one(course, "bob", reference)
    other = grade_one(course, "cat", reference)
    assert again == other == good, (again, other, good)


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
