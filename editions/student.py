"""The student edition: every chapter as a notebook without solutions, plus its autograder.

Run ``python -m editions.student`` from the repository root after building the book
(``python -m editions.build``; ``--help`` for options). It is made from the notebook edition the
build writes (``_build/html/_sources/<chapter>.ipynb``, see :mod:`editions.notebooks`), so the
student reads the same clean Markdown as every other reader. For each chapter of ``_toc.yml`` it

1. marks the notebook's cells the way nbgrader's own "Create Assignment" toolbar would: the
   solution cells (tagged ``solution`` by the notebook edition: the folded written solution and
   its code cells) and the autograded test cells (each ``check("ex-...", ...)`` cell, 1 point);
2. runs ``nbgrader generate_assignment``, which removes the solutions (code becomes
   ``# YOUR CODE HERE`` / ``raise NotImplementedError()``, prose becomes ``YOUR ANSWER HERE``),
   locks the check cells and records them in the gradebook.

The output folder is an nbgrader course directory: ``release/<chapter>/<chapter>.ipynb`` are the
student notebooks; ``source/``, ``gradebook.db`` and ``nbgrader_config.py`` are the autograder.
``python -m editions.student --grade NOTEBOOK --student ID`` grades one submission on its own
(``nbgrader autograde <chapter> --student ID``), after checking that it is a readable notebook
named after a chapter; a bad submission gets one plain sentence and changes nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from editions.grading import hidden
from editions.notebooks import ANSWER_TAG, CHECK_CALL, SOLUTION_TAG, _answer_names, toc_chapters

__all__ = [
    "CHECK_CALL",
    "CourseInUse",
    "Score",
    "SubmissionError",
    "annotate",
    "build",
    "feedback",
    "grade",
    "grade_download",
    "grade_one",
]

NBGRADER_CONFIG = (
    '''"""nbgrader configuration of the xent book's student edition (generated)."""

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "xent-book"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.ClearSolutions.code_stub = {{"python": "{code_stub}\\nraise NotImplementedError()"}}
c.ClearSolutions.text_stub = "{text_stub}"
c.ExecutePreprocessor.timeout = 120
'''
    + hidden.CONFIG
)

#: Where the course goes by default: outside _build/ (which people delete), never replaced once
#: it holds submissions or grades.
DEFAULT_OUT = "xent-course"


#: What a removed solution leaves for the student to fill in, in each language of the book.
STUBS = {
    "en": {"code_stub": "# YOUR CODE HERE", "text_stub": "YOUR ANSWER HERE"},
    "zh_CN": {"code_stub": "# 在这里写你的代码", "text_stub": "在这里写下你的答案"},
}


def _nbgrader(grade_id: str, *, solution: bool, points: int = 0) -> dict[str, Any]:
    """nbgrader's cell metadata: an autograded answer (solution, 0 points), a manually graded
    answer (solution, points) or an autograded test (not a solution, points, locked)."""
    meta: dict[str, Any] = {
        "grade": points > 0,
        "grade_id": grade_id,
        "locked": points > 0 and not solution,
        "schema_version": 3,
        "solution": solution,
    }
    if points:
        meta["points"] = points
    return meta


def _key_module(label: str) -> str:
    """The checks module that registers exercise ``label`` ("" if none does)."""
    from xent.checks import exercises

    exercise = exercises().get(label)
    return exercise.checker.__module__.rsplit(".", 1)[-1] if exercise else ""


def annotate(notebook: Any) -> Any:
    """Return a copy of a notebook-edition chapter with nbgrader metadata on its solution,
    answer and check cells, and a hidden test after each check cell.

    A written solution (a Markdown cell tagged ``solution``) becomes a manually graded answer
    cell (1 point); the reader's answer cell (tagged ``answer``) gets the solution's code and
    becomes an autograded answer cell (nbgrader replaces it by a stub). Each check cell
    ``check("ex-...", ...)`` stays as the student's self-check, read-only and worth nothing;
    after it comes a locked test cell worth 1 point whose test is hidden
    (:mod:`editions.grading.hidden`). Nothing is removed here: that is
    ``nbgrader generate_assignment``'s job.

    Examples
    --------
    >>> import nbformat
    >>> v4 = nbformat.v4
    >>> sol = {"tags": ["solution"]}
    >>> answer = {"tags": ["answer"], "xent": {"solution": "x = 2"}}
    >>> nb = v4.new_notebook(cells=[
    ...     v4.new_markdown_cell("### Exercise 1.1"),
    ...     v4.new_code_cell("x = ...", metadata=answer),
    ...     v4.new_markdown_cell("<details>...</details>", metadata=sol),
    ...     v4.new_code_cell('check("ex-x", x=x)'),
    ... ])
    >>> [(c.cell_type, c.source.splitlines()[0],
    ...   {k: v for k, v in c.metadata.get("nbgrader", {}).items() if k in ("solution", "points")})
    ...  for c in annotate(nb).cells]  # doctest: +NORMALIZE_WHITESPACE
    [('markdown', '### Exercise 1.1', {}), ('code', 'x = 2', {'solution': True}),
     ('markdown', '<details>...</details>', {'solution': True, 'points': 1}),
     ('code', 'check("ex-x", x=x)', {'solution': False}),
     ('code', '# Autograded test of ex-x (hidden; it runs when your notebook is graded)',
      {'solution': False, 'points': 1})]
    """
    import copy

    import nbformat

    nb = copy.deepcopy(notebook)
    counter = 0
    cells = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        cells.append(cell)
        if SOLUTION_TAG in tags or ANSWER_TAG in tags:
            counter += 1
            cell.metadata.pop("jupyter", None)  # the student must see the answer cell
            if cell.cell_type == "markdown":
                # A written answer: nbgrader grades it by hand (1 point).
                cell.metadata["nbgrader"] = _nbgrader(f"answer-{counter}", solution=True, points=1)
                continue
            solution = cell.metadata.pop("xent", {}).get("solution")
            if solution is not None:
                cell.source = solution
            cell.metadata["nbgrader"] = _nbgrader(f"solution-{counter}", solution=True)
            cell.outputs = []
        elif cell.cell_type == "code" and (m := CHECK_CALL.search(cell.source)):
            label = m[1]
            cell.metadata["nbgrader"] = {
                **_nbgrader(f"{label}-check", solution=False),
                "locked": True,
            }
            test = nbformat.v4.new_code_cell(
                f"# Autograded test of {label} (hidden; it runs when your notebook is graded)\n"
                + hidden.hidden_test(label, _answer_names(cell.source), _key_module(label))
            )
            test.metadata["nbgrader"] = _nbgrader(label, solution=False, points=1)
            cells.append(test)
    nb.cells = cells
    return nb


def _run_nbgrader(args: Sequence[str], course_dir: Path) -> None:
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course_dir}"]
    # nbgrader calls the `alembic` script of its environment to set up the gradebook.
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    result = subprocess.run(
        cmd, cwd=course_dir, capture_output=True, text=True, check=False, env=env
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def build(
    root: str | Path,
    out: str | Path,
    chapters: Sequence[str] | None = None,
    notebooks: str | Path | None = None,
    language: str = "en",
) -> list[Path]:
    """Write the student edition of the book at ``root`` into the course folder ``out``.

    Parameters
    ----------
    root : str or Path
        The repository root (with ``_toc.yml``).
    out : str or Path
        The nbgrader course folder to create. An existing one is replaced only if it holds no
        submission, autograded notebook, feedback or grade (else :class:`CourseInUse`).
    chapters : sequence of str, optional
        Document names (``"chapters/01_information"``); default: every chapter in the toc.
    notebooks : str or Path, optional
        Where the book's build wrote the notebook edition (default:
        ``<root>/_build/html/_sources``, where the build puts it; the Chinese edition's is
        ``<root>/_build/html/zh/_sources``).
    language : str, optional
        The notebooks' language, for the placeholders nbgrader leaves where a solution was
        (``"en"`` or ``"zh_CN"``).

    Returns
    -------
    list of Path
        The student notebooks, one per chapter, in ``out/release/<name>/<name>.ipynb``.

    Examples
    --------
    >>> build(".", "_build/student-edition")  # doctest: +SKIP
    [PosixPath('.../_build/student-edition/release/01_information/01_information.ipynb'), ...]
    """
    import nbformat

    root, out = Path(root).resolve(), Path(out).resolve()
    edition = Path(notebooks) if notebooks else root / "_build" / "html" / "_sources"
    docs = list(chapters) if chapters is not None else toc_chapters(root)
    missing = [doc for doc in docs if not (edition / f"{doc}.ipynb").is_file()]
    if missing:
        raise FileNotFoundError(
            f"the notebook edition of {', '.join(missing)} is not in {edition}: build the book "
            "first (python -m editions.build), or pass --notebooks"
        )
    work = course_work(out)
    if work:
        raise CourseInUse(
            f"{out} holds a course in use ({', '.join(work)}), so it is left as it is: rebuilding "
            "would delete them. Make the new edition in another folder (--out NEW), or move "
            "those files away first if you really mean to start over."
        )
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    config = NBGRADER_CONFIG.format(**STUBS[language])
    (out / "nbgrader_config.py").write_text(config, encoding="utf-8")
    hidden.copy_xent(out)
    released = []
    for doc in docs:
        name = Path(doc).name
        source = out / "source" / name / f"{name}.ipynb"
        source.parent.mkdir(parents=True)
        notebook = annotate(nbformat.read(edition / f"{doc}.ipynb", as_version=4))
        nbformat.write(notebook, source)
        released.append(out / "release" / name / f"{name}.ipynb")
    _run_nbgrader(["generate_assignment", "*", "--force"], out)  # every chapter at once
    missing_out = [path for path in released if not path.is_file()]
    if missing_out:
        raise RuntimeError(f"nbgrader produced no student notebook for {missing_out}")
    return released


class CourseInUse(RuntimeError):
    """The course folder holds students' work or grades: it is never replaced."""


def course_work(course: str | Path) -> list[str]:
    """What in ``course`` a rebuild would destroy: submissions, autograded notebooks, feedback,
    released feedback, exports and gradebook entries ("" list if nothing).

    Examples
    --------
    >>> course_work("no/such/folder")
    []
    """
    course = Path(course)
    found = []
    for folder in ("submitted", "autograded", "feedback", "feedback_generated"):
        n = sum(1 for p in (course / folder).glob("*/*") if p.is_dir())
        if n:
            found.append(f"{n} {folder} notebook folder{'s' if n > 1 else ''}")
    for name in ("grades.csv", SUBMISSIONS_LOG):
        if (course / name).is_file():
            found.append(name)
    db = course / "gradebook.db"
    if db.is_file():
        import sqlite3

        with sqlite3.connect(db) as con:
            try:
                (n,) = con.execute("select count(*) from submitted_assignment").fetchone()
            except sqlite3.Error:
                n = 0
        if n:
            found.append(f"{n} graded submission{'s' if n > 1 else ''} in gradebook.db")
    return found


class Score(NamedTuple):
    """A graded submission: the autograded points (the check cells) and the notebook's total.

    ``problem`` is empty for a graded notebook, else the plain sentence saying why it could not
    be graded (then ``autograded`` is 0).
    """

    autograded: float
    max_autograded: float
    max_total: float
    problem: str = ""


class SubmissionError(ValueError):
    """A submission that cannot be graded: missing, not a notebook, or not named after a chapter."""


def _course_chapters(course_dir: Path) -> list[str]:
    return sorted(p.name for p in (course_dir / "source").iterdir() if p.is_dir())


#: The course's record of every file handed in: status, file name and time per student and
#: chapter (what the gradebook reports beside nbgrader's scores).
SUBMISSIONS_LOG = "submissions.json"

#: The statuses of a (student, chapter) in the gradebook.
GRADED, CORRUPT, WRONG_EDITION = "graded", "corrupt", "wrong edition"
NOT_SUBMITTED = "not submitted"


def check_submission(
    course_dir: str | Path, notebook: str | Path, chapter: str | None = None
) -> str:
    """The chapter a submitted notebook answers; :class:`SubmissionError` with one plain
    sentence if it is missing, is not a Jupyter notebook, is the book's notebook edition instead
    of the student edition, or has no chapter's name in its file name.

    The name may carry what downloads add (``02_entropy (1).ipynb``, ``Copy of ...``, an LMS
    prefix: :func:`editions.grading.submissions.chapter_of`); ``chapter`` overrides it.

    Examples
    --------
    >>> check_submission("xent-course", "nowhere.ipynb")  # doctest: +SKIP
    Traceback (most recent call last):
    SubmissionError: nowhere.ipynb: there is no such file.
    """
    import nbformat

    from editions.grading.submissions import chapter_of

    course_dir, path = Path(course_dir), Path(notebook)
    if not path.is_file():
        raise SubmissionError(f"{path}: there is no such file.")
    names = _course_chapters(course_dir)
    chapter = chapter or (chapter_of(path.name, names) if path.suffix == ".ipynb" else None)
    if chapter not in names:
        expected = ", ".join(f"{name}.ipynb" for name in names)
        raise SubmissionError(
            f"{path.name} is not named after a chapter, so it cannot be graded: rename it to "
            f"the chapter it answers, one of {expected}."
        )
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # JSON, encoding or schema: all mean "not a notebook"
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise SubmissionError(
            f"{path.name} is not a Jupyter notebook (it cannot be read as one: {reason}); "
            "it scores 0 until the student hands in the notebook itself."
        ) from None
    graded = any("nbgrader" in cell.metadata for cell in nb.cells)
    edition = any(
        {SOLUTION_TAG, ANSWER_TAG} & set(cell.metadata.get("tags", [])) for cell in nb.cells
    )
    if edition and not graded:
        raise SubmissionError(
            f"{path.name} is the book's notebook edition (the website's Download button, with "
            "the worked solutions and no answer cells), not the student edition: it cannot be "
            "graded and scores 0 until the student hands in the student notebook "
            f"{chapter}.ipynb from the course."
        )
    return chapter


def _maximum(course_dir: Path, chapter: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        nb = gradebook.find_notebook(chapter, chapter)
        return float(nb.max_code_score), float(nb.max_score)


def read_log(course_dir: str | Path) -> dict[str, dict[str, dict[str, str]]]:
    """The course's submissions log: ``{student: {chapter: {status, file, submitted, ...}}}``."""
    import json

    path = Path(course_dir) / SUBMISSIONS_LOG
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _log(course_dir: Path, student: str, chapter: str, **entry: str) -> None:
    import json

    log = read_log(course_dir)
    log.setdefault(student, {})[chapter] = entry
    text = json.dumps(log, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    (course_dir / SUBMISSIONS_LOG).write_text(text, encoding="utf-8")


def grade_one(
    course_dir: str | Path,
    student: str,
    notebook: str | Path,
    submitted_at: datetime | None = None,
    chapter: str | None = None,
) -> Score:
    """Autograde one submitted notebook on its own, leaving nothing behind if it fails.

    The notebook is checked first (:func:`check_submission`); then only this student's
    submission of this chapter is graded (``nbgrader autograde <chapter> --student <id>``), so
    no other submission, earlier or later, can make it fail. If nbgrader fails, the course
    folder is restored as it was. The time it was handed in (default: the file's modification
    time) goes to nbgrader (``timestamp.txt``, hence lateness) and to the course's
    submissions log, with the outcome: graded, corrupt or wrong edition.

    Returns
    -------
    Score
        With ``problem`` set (and 0 points) for a submission that cannot be graded.
    """
    from nbgrader.api import Gradebook

    course_dir = Path(course_dir).resolve()
    path = Path(notebook)
    when = submitted_at or (
        datetime.fromtimestamp(path.stat().st_mtime, tz=UTC) if path.is_file() else None
    )
    stamp = when.isoformat(" ") if when else ""
    try:
        chapter = check_submission(course_dir, path, chapter)
    except SubmissionError as error:
        from editions.grading.submissions import chapter_of

        names = _course_chapters(course_dir)
        known = chapter or (chapter_of(path.name, names) if path.suffix == ".ipynb" else None)
        if known in names and path.is_file():  # a chapter's file that cannot be graded: 0
            status = WRONG_EDITION if "notebook edition" in str(error) else CORRUPT
            _log(
                course_dir,
                student,
                known,
                status=status,
                file=path.name,
                submitted=stamp,
                message=str(error),
            )
            return Score(0.0, *_maximum(course_dir, known), problem=str(error))
        return Score(0.0, 0.0, 0.0, problem=str(error))
    saved = {}
    with tempfile.TemporaryDirectory() as backup:
        for kind in ("submitted", "autograded"):
            folder = course_dir / kind / student / chapter
            if folder.exists():
                saved[kind] = Path(backup) / kind
                shutil.copytree(folder, saved[kind])
        target = course_dir / "submitted" / student / chapter / f"{chapter}.ipynb"
        if target.parent.exists():  # a resubmission replaces the earlier files
            shutil.rmtree(target.parent)
        target.parent.mkdir(parents=True)
        shutil.copyfile(path, target)
        if stamp:
            (target.parent / "timestamp.txt").write_text(stamp, encoding="utf-8")
        args = ["autograde", chapter, f"--student={student}", "--create", "--force"]
        try:
            _run_nbgrader(args, course_dir)
        except RuntimeError as error:
            for kind in ("submitted", "autograded"):
                folder = course_dir / kind / student / chapter
                shutil.rmtree(folder, ignore_errors=True)
                if kind in saved:
                    shutil.copytree(saved[kind], folder)
                for parent in (folder.parent, folder.parent.parent):
                    if parent.is_dir() and not any(parent.iterdir()):
                        parent.rmdir()
            last = [line for line in str(error).splitlines() if line.strip()][-1:]
            return Score(
                0.0,
                *_maximum(course_dir, chapter),
                problem=f"nbgrader could not grade {path.name}: {''.join(last)}",
            )
    hidden.verify(course_dir, student, chapter)  # a verdict faked in the kernel loses its points
    _log(course_dir, student, chapter, status=GRADED, file=path.name, submitted=stamp, message="")
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        sub = gradebook.find_submission_notebook(chapter, chapter, student)
        return Score(float(sub.code_score), float(sub.max_code_score), float(sub.max_score))


def grade(
    course_dir: str | Path, submissions: Mapping[str, Sequence[str | Path]]
) -> dict[tuple[str, str], Score]:
    """Autograde submitted notebooks, each on its own (see :func:`grade_one`).

    Parameters
    ----------
    course_dir : str or Path
        The student edition's folder (made by :func:`build`).
    submissions : mapping
        For each student id, the notebooks they handed in; a notebook's file name names its
        chapter (as in ``release/``, or as a download renamed it).

    Returns
    -------
    dict
        ``(student, file stem) -> Score``. Written answers are graded by hand in nbgrader's
        formgrader; ``max_total`` includes their points.

    Examples
    --------
    >>> grade("xent-course", {"alice": ["01_information.ipynb"]})  # doctest: +SKIP
    {('alice', '01_information'): Score(autograded=2.0, max_autograded=2.0, max_total=7.0, ...)}
    """
    return {
        (student, Path(notebook).stem): grade_one(course_dir, student, notebook)
        for student, notebooks in submissions.items()
        for notebook in notebooks
    }


def grade_download(
    course_dir: str | Path, download: str | Path, chapters: Sequence[str] | None = None
) -> tuple[dict[tuple[str, str], Score], list[str]]:
    """Grade an LMS bulk download (a folder or a zip): every notebook matched to its student
    and chapter (:func:`editions.grading.submissions.collect`), the latest per student and
    chapter graded, the others reported.

    Returns
    -------
    scores : dict
        ``(student, chapter) -> Score``.
    problems : list of str
        One sentence per file that was not graded (not placed, or superseded).
    """
    from editions.grading.submissions import collect, unpack

    course_dir = Path(course_dir)
    names = list(chapters) if chapters else _course_chapters(course_dir)
    scores, problems = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        root = unpack(Path(download), Path(tmp))
        for sub in collect(root, names):
            if sub.problem:
                problems.append(sub.problem)
                continue
            assert sub.chapter is not None
            score = grade_one(course_dir, sub.student, sub.path, sub.submitted_at, sub.chapter)
            scores[sub.student, sub.chapter] = score
    return scores, problems


def _report(student: str, name: str, score: Score) -> str:
    if score.problem:
        points = f"{score.autograded:g} / {score.max_autograded:g}"
        return f"{student} {name}: {score.problem}" + (
            f" Score: {points}." if score.max_total else ""
        )
    return (
        f"{student} {name}: {score.autograded:g} / {score.max_autograded:g} autograded "
        f"points ({score.max_total:g} in all; grade written answers in the formgrader)"
    )


def feedback(course_dir: str | Path) -> list[Path]:
    """Write every graded student's feedback (``nbgrader generate_feedback``) with its math
    rendered offline (:mod:`editions.grading.feedback`); the feedback files."""
    from editions.grading.feedback import fix_feedback

    course_dir = Path(course_dir).resolve()
    graded = sorted({p.name for p in course_dir.glob("autograded/*/*") if p.is_dir()})
    for chapter in graded:  # nbgrader wants one assignment at a time
        _run_nbgrader(["generate_feedback", chapter, "--force"], course_dir)
    fix_feedback(course_dir)
    return sorted(course_dir.glob("feedback/*/*/*.html"))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the course, or grade, export the gradebook, write feedback."""
    parser = argparse.ArgumentParser(
        prog="python -m editions.student",
        description="Write the student edition (nbgrader course folder) of every chapter, "
        "from the notebook edition of a built book; or grade submissions against it.",
    )
    parser.add_argument("--root", default=".", help="repository root (default: .)")
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT,
        help=f"the course folder (default: {DEFAULT_OUT}); never replaced once it holds "
        "submissions or grades",
    )
    parser.add_argument(
        "--notebooks",
        help="the built notebook edition (default: <root>/_build/html/_sources)",
    )
    parser.add_argument(
        "--language", choices=sorted(STUBS), default="en", help="the notebooks' language"
    )
    parser.add_argument(
        "--grade", metavar="NOTEBOOK", nargs="+", help="autograde submitted notebooks, each alone"
    )
    parser.add_argument("--student", default="student", help="student id for --grade")
    parser.add_argument(
        "--download",
        metavar="FOLDER_OR_ZIP",
        help="autograde an LMS bulk download (Canvas, Moodle, or nbgrader zip_collect's folder)",
    )
    parser.add_argument("--gradebook", metavar="CSV", help="write the LMS gradebook CSV")
    parser.add_argument(
        "--chapters", nargs="+", help="the assigned chapters (default: those handed in)"
    )
    parser.add_argument(
        "--roster", metavar="FILE", help="the class's student ids, one per line (--gradebook)"
    )
    parser.add_argument(
        "--feedback", action="store_true", help="write every student's feedback (offline math)"
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.grade or args.download or args.gradebook or args.feedback:
        if not (out / "gradebook.db").is_file():
            print(f"{out} is not a student edition: make it first (python -m editions.student)")
            return 2
        failed = 0
        if args.grade:
            for (student, name), score in grade(out, {args.student: args.grade}).items():
                failed += bool(score.problem)
                print(_report(student, name, score))
        if args.download:
            scores, problems = grade_download(out, args.download, args.chapters)
            for (student, name), score in sorted(scores.items()):
                failed += bool(score.problem)
                print(_report(student, name, score))
            for problem in problems:
                print(f"not graded: {problem}")
        if args.feedback:
            files = feedback(out)
            print(f"{len(files)} feedback files in {out / 'feedback'}")
        if args.gradebook:
            from editions.grading import gradebook

            roster = []
            if args.roster:
                lines = Path(args.roster).read_text(encoding="utf-8").splitlines()
                roster = [line.split(",")[0].strip() for line in lines if line.strip()]
            gradebook.write(args.gradebook, gradebook.rows(out, args.chapters, roster))
            print(f"gradebook: {args.gradebook}")
        return 1 if failed else 0
    try:
        paths = build(args.root, args.out, notebooks=args.notebooks, language=args.language)
    except (FileNotFoundError, CourseInUse) as error:
        print(error)
        return 2
    for path in paths:
        print(path)
    print(f"Student notebooks: {out / 'release'}; autograder: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
