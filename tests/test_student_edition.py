"""The student edition: no solution survives, reference answers get full marks, wrong ones don't.

One `python -m editions.student` run (nbgrader generate_assignment) per test session, from the
notebook edition of the session's book build; then nbgrader autograde grades, for every chapter,
the instructor's notebook (full marks expected) and the student notebook filled in with each
exercise's registered wrong answer (zero expected). Bad submissions (corrupt, misnamed, missing)
get a plain sentence and leave every other grade as it was. A cheating student (redefines
`check`, imports the answer keys, edits the locked cells) scores 0; rebuilding never deletes a
course in use; an LMS download of seven students (chapters 2 and 5) becomes the right gradebook.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import numpy as np
import pytest

from conftest import ROOT
from editions.markdown import myst_leftovers
from editions.notebooks import SETUP_TAG, toc_chapters
from editions.student import CHECK_CALL, SUBMISSIONS_LOG, grade, grade_one, read_log
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
def test_check_cells_are_kept_and_the_tests_are_hidden(edition: Path, name: str) -> None:
    """Each check cell stays, read-only and worth nothing (a self-check); the locked 1-point
    test after it keeps its test hidden: the student's copy has neither test nor answer key."""
    student, source = _nb(edition, "release", name), _nb(edition, "source", name)
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
    first = _nb(edition, "release", name).cells[0]
    assert SETUP_TAG in first.metadata.get("tags", []), f"{name} does not start with the setup cell"
    assert "pip" in first.source and "xent" in first.source


def _stubs(student: nbformat.NotebookNode) -> Iterator[tuple[nbformat.NotebookNode, str]]:
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


def _fill_in_wrong_answers(student: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace each exercise's code stub by its first registered wrong answer."""
    registry = exercises()
    for stub, label in _stubs(student):
        wrong = registry[label].wrong[0]
        lines = ["import numpy as np"] + [
            f"{k} = {v!r}" if np.ndim(v) == 0 else f"{k} = np.asarray({np.asarray(v).tolist()!r})"
            for k, v in wrong.items()
        ]
        stub.source = "\n".join(lines)
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
    assert read_log(course)["bob"][name]["status"] == "corrupt", "the corrupt file is not on record"

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


def _cheat(student: nbformat.NotebookNode, chapter_module: str) -> nbformat.NotebookNode:
    """The cheating student: every answer from the answer key if it can be imported (else a
    registered wrong answer), `check` redefined to say "Correct", `subprocess.run` patched to
    fake the hidden tests' verdict, and every locked cell (check cells, hidden-test cells)
    edited to do nothing. Any one of these that worked would score."""
    registry = exercises()
    for stub, label in _stubs(student):
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


def test_the_cheating_student_scores_zero(edition: Path, tmp_path: Path) -> None:
    course = tmp_path / "course"
    shutil.copytree(edition, course)
    name = "01_information"
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(_cheat(_nb(edition, "release", name), "ch01_information"), path)
    score = grade_one(course, "mallory", path)
    assert not score.problem and score.max_autograded > 0, score
    assert score.autograded == 0, f"the cheater scores {score}"
    # Right answers of one's own still earn their points, even with the locked cells edited:
    # the hidden tests are put back and grade the answers.
    honest = _cheat(_nb(edition, "source", name), "ch01_information")
    nbformat.write(honest, path)
    again = grade_one(course, "mallory", path)
    assert again.autograded == again.max_autograded, again


def test_a_rebuild_keeps_grades(edition: Path, built_site: Path, tmp_path: Path) -> None:
    """Building the student edition again into a course in use refuses, and changes nothing."""
    from editions.student import DEFAULT_OUT

    assert not Path(DEFAULT_OUT).parts[0].startswith("_build"), DEFAULT_OUT
    course = tmp_path / "course"
    shutil.copytree(edition, course)
    name = "01_information"
    good = grade_one(course, "ann", edition / "source" / name / f"{name}.ipynb")
    assert good.autograded == good.max_autograded > 0
    before = _state(course)
    cmd = [sys.executable, "-m", "editions.student", "--root", str(ROOT), "--out", str(course)]
    cmd += ["--notebooks", str(built_site / "_sources")]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    out = result.stdout + result.stderr
    assert result.returncode == 2 and "holds a course in use" in out, out
    assert "Traceback" not in out
    assert _state(course) == before, "the rebuild changed the graded course"


def _utime(path: Path, when: str) -> None:
    import os
    from datetime import datetime

    stamp = datetime.fromisoformat(when).timestamp()
    os.utime(path, (stamp, stamp))


def test_an_lms_download_of_seven_students_becomes_the_gradebook(
    edition: Path, built_site: Path, tmp_path: Path
) -> None:
    """Chapters 2 and 5, as the issue tried them: all correct, blank, wrong, corrupt (and the
    notebook edition by mistake), renamed by the downloads, a late resubmission, a cheater."""
    import csv
    import time

    course = tmp_path / "course"
    shutil.copytree(edition, course)
    ch2, ch5 = "02_entropy", "05_learning_slowdown"
    download = tmp_path / "download"
    download.mkdir()

    def put(name: str, nb: nbformat.NotebookNode | str, when: str = "2026-12-01T12:00+00:00"):
        path = download / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(nb, str):
            path.write_text(nb, encoding="utf-8")
        else:
            nbformat.write(nb, path)
        _utime(path, when)

    for ch in (ch2, ch5):
        put(f"ann_1001_1_{ch}.ipynb", _nb(edition, "source", ch))  # all correct
        put(f"bob_1002_2_{ch}.ipynb", _nb(edition, "release", ch))  # blank
        put(f"cat_1003_3_{ch}.ipynb", _fill_in_wrong_answers(_nb(edition, "release", ch)))
    put(f"dan_1004_4_{ch2}.ipynb", '{"cells": [')  # corrupt JSON
    edition_nb = nbformat.read(built_site / "_sources" / "chapters" / f"{ch5}.ipynb", 4)
    put(f"dan_1004_5_{ch5}.ipynb", edition_nb)  # the website's download, by mistake
    # Moodle's folder per student, and a file renamed twice (Colab's copy, a second download).
    put(
        f"Eve Example_1005_assignsubmission_file_/Copy of {ch2} (1).ipynb",
        _nb(edition, "source", ch2),
    )
    wrong2 = _fill_in_wrong_answers(_nb(edition, "release", ch2))
    put(f"fay_1006_6_{ch2}.ipynb", wrong2, "2026-12-01T10:00+00:00")  # first try: wrong
    put(f"fay_1006_7_{ch2}-1.ipynb", _nb(edition, "source", ch2), "2026-12-02T09:30+00:00")
    put(f"gus_1007_8_{ch2}.ipynb", _cheat(_nb(edition, "release", ch2), "ch02_entropy"))
    roster = tmp_path / "roster.txt"
    roster.write_text("hal_1008\n", encoding="utf-8")

    nbgrader = [sys.executable, "-m", "nbgrader", "db", "assignment", "add", ch2]
    done = subprocess.run(
        [*nbgrader, "--duedate=2026-12-01 23:59:59 UTC"],
        cwd=course,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "editions.student", "--out", str(course)]
    result = subprocess.run(
        [*cmd, "--download", str(download)], capture_output=True, text=True, check=False, cwd=ROOT
    )
    seconds = time.perf_counter() - start
    out = result.stdout
    graded = out.count("autograded points")
    print(f"\n{graded} notebooks graded in {seconds:.1f} s ({seconds / graded:.1f} s each)\n{out}")
    assert graded == 9, out  # ann 2, bob 2, cat 2, eve, fay's latest, gus
    assert "fay_1006_6_02_entropy.ipynb: superseded by fay_1006_7_02_entropy-1.ipynb" in out
    assert "is the book's notebook edition" in out and "is not a Jupyter notebook" in out
    csv_path = tmp_path / "grades.csv"
    result = subprocess.run(
        [*cmd, "--gradebook", str(csv_path), "--chapters", ch2, ch5, "--roster", str(roster)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = csv_path.read_text(encoding="utf-8-sig")
    print(text)
    table = list(csv.reader(text.splitlines()))
    assert table[0][:6] == [
        "Student",
        "ID",
        ch2,
        f"{ch2} status",
        f"{ch2} submitted (UTC)",
        f"{ch2} late (hours)",
    ]
    assert table[0][6] == ch5 and len(table[0]) == 10, "one set of columns per assigned chapter"
    assert table[1][:3] == ["Points Possible", "", "2"] and table[1][6] == "2"
    rows = {row[0]: (row[2], row[3], row[5], row[6], row[7]) for row in table[2:]}
    rows.pop("reference", None)  # graded in the shared course by an earlier test, if it ran
    assert rows == {
        "ann_1001": ("2", "graded", "0.0", "2", "graded"),
        "bob_1002": ("0", "graded", "0.0", "0", "graded"),
        "cat_1003": ("0", "graded", "0.0", "0", "graded"),
        "dan_1004": ("0", "corrupt", "0.0", "0", "wrong edition"),
        "eve_example_1005": ("2", "graded", "0.0", "", "not submitted"),
        "fay_1006": ("2", "graded", "9.5", "", "not submitted"),
        "gus_1007": ("0", "graded", "0.0", "", "not submitted"),
        "hal_1008": ("", "not submitted", "", "", "not submitted"),
    }, rows
    assert {row[0]: row[4] for row in table[2:]}["fay_1006"] == "2026-12-02 09:30:00"

    # Feedback per student, its math typeset offline (MathJax inlined, no CDN).
    result = subprocess.run(
        [*cmd, "--feedback"], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    page = course / "feedback" / "ann_1001" / ch2 / f"{ch2}.html"
    html = page.read_text(encoding="utf-8")
    assert "cdnjs" not in html and "window.MathJax" in html and "MathJax" in html


@pytest.mark.parametrize("doc", CHAPTERS)
def test_the_zip_made_without_nbgrader_has_nbgraders_student_notebooks(
    edition: Path, built_site: Path, doc: str
) -> None:
    """A build with requirements.txt only still makes the site's xent-student-edition.zip."""
    from editions.grading.release import student_notebook

    name = Path(doc).name
    mine = student_notebook(nbformat.read(built_site / "_sources" / f"{doc}.ipynb", 4))
    theirs = _nb(edition, "release", name)
    assert [(c.cell_type, c.source) for c in mine.cells] == [
        (c.cell_type, c.source) for c in theirs.cells
    ]


def test_the_instructors_page_works_literally(
    edition: Path, built_site: Path, tmp_path: Path
) -> None:
    """Every command of the page's student-edition section, as written, in a fresh folder that
    looks like a clone after the page's first command (its venv and its built book), through a
    zip of submissions and a loop over loose files to the gradebook and the feedback."""
    import csv
    import zipfile

    page = (ROOT / "chapters" / "instructors.md").read_text(encoding="utf-8")
    section = page[page.index("## The student edition") : page.index("## Distributing")]
    blocks = re.findall(r"```bash\n(.*?)\n```", section, re.DOTALL)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert blocks[0] in readme, "the page's first command is not the README's"
    assert "-m editions.build" in blocks[0]
    clone = tmp_path / "clone"
    (clone / "_build").mkdir(parents=True)
    (clone / ".venv").symlink_to(Path(sys.executable).absolute().parents[1])  # the venv
    (clone / "_toc.yml").symlink_to(ROOT / "_toc.yml")
    (clone / "editions").symlink_to(ROOT / "editions")  # python -m editions.student
    (clone / "_build" / "html").symlink_to(built_site)
    # What the handed-in files look like: a Canvas zip, and loose files for the loop.
    ch2 = "02_entropy"
    with zipfile.ZipFile(clone / "submissions.zip", "w") as archive:
        archive.write(edition / "source" / ch2 / f"{ch2}.ipynb", f"ann_1001_77_{ch2}.ipynb")
    (clone / "handed-in").mkdir()
    shutil.copyfile(
        edition / "release" / ch2 / f"{ch2}.ipynb", clone / "handed-in" / f"zoe_{ch2}.ipynb"
    )

    def run(command: str) -> str:
        done = subprocess.run(
            ["bash", "-c", command], cwd=clone, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    run(blocks[0].rsplit("&&", 1)[1].strip())  # after the venv and the build: the course
    assert (clone / "xent-course" / "release" / ch2 / f"{ch2}.ipynb").is_file()
    for block in blocks[1:]:
        run(block)
    grades = list(csv.reader((clone / "grades.csv").read_text(encoding="utf-8-sig").splitlines()))
    rows = {row[0]: row[2:4] for row in grades[2:]}
    assert rows == {"ann_1001": ["2", "graded"], "zoe": ["0", "graded"]}, grades
    assert (clone / "xent-course" / "feedback" / "zoe" / ch2 / f"{ch2}.html").is_file()
    # The formgrader the page sends you to: nbgrader's server extension in this JupyterLab.
    listing = subprocess.run(
        [str(clone / ".venv" / "bin" / "jupyter"), "server", "extension", "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "nbgrader.server_extensions.formgrader" in listing.stdout + listing.stderr
