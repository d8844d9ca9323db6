"""A course in use: bad submissions change nothing, a rebuild keeps grades, an LMS download of
seven students (chapters 2 and 5) becomes the right gradebook, and the instructors' page works
as written. Split from test_student_edition.py so that two workers share the grading."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from coursework import cheat, course_state, fill_in_wrong_answers, notebook, set_mtime

from conftest import ROOT
from editions.student import grade_one, read_log


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
    before = course_state(course)

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
        assert course_state(course) == before, f"{case}: the course folder changed"
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


def test_a_rebuild_keeps_grades(edition: Path, built_site: Path, tmp_path: Path) -> None:
    """Building the student edition again into a course in use refuses, and changes nothing."""
    from editions.student import DEFAULT_OUT

    assert not Path(DEFAULT_OUT).parts[0].startswith("_build"), DEFAULT_OUT
    course = tmp_path / "course"
    shutil.copytree(edition, course)
    name = "01_information"
    good = grade_one(course, "ann", edition / "source" / name / f"{name}.ipynb")
    assert good.autograded == good.max_autograded > 0
    before = course_state(course)
    cmd = [sys.executable, "-m", "editions.student", "--root", str(ROOT), "--out", str(course)]
    cmd += ["--notebooks", str(built_site / "_sources")]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    out = result.stdout + result.stderr
    assert result.returncode == 2 and "holds a course in use" in out, out
    assert "Traceback" not in out
    assert course_state(course) == before, "the rebuild changed the graded course"


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
        set_mtime(path, when)

    for ch in (ch2, ch5):
        put(f"ann_1001_1_{ch}.ipynb", notebook(edition, "source", ch))  # all correct
        put(f"bob_1002_2_{ch}.ipynb", notebook(edition, "release", ch))  # blank
        put(f"cat_1003_3_{ch}.ipynb", fill_in_wrong_answers(notebook(edition, "release", ch)))
    put(f"dan_1004_4_{ch2}.ipynb", '{"cells": [')  # corrupt JSON
    edition_nb = nbformat.read(built_site / "_sources" / "chapters" / f"{ch5}.ipynb", 4)
    put(f"dan_1004_5_{ch5}.ipynb", edition_nb)  # the website's download, by mistake
    # Moodle's folder per student, and a file renamed twice (Colab's copy, a second download).
    put(
        f"Eve Example_1005_assignsubmission_file_/Copy of {ch2} (1).ipynb",
        notebook(edition, "source", ch2),
    )
    wrong2 = fill_in_wrong_answers(notebook(edition, "release", ch2))
    put(f"fay_1006_6_{ch2}.ipynb", wrong2, "2026-12-01T10:00+00:00")  # first try: wrong
    put(f"fay_1006_7_{ch2}-1.ipynb", notebook(edition, "source", ch2), "2026-12-02T09:30+00:00")
    put(f"gus_1007_8_{ch2}.ipynb", cheat(notebook(edition, "release", ch2), "ch02_entropy"))
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
