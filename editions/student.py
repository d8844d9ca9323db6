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
from pathlib import Path
from typing import Any, NamedTuple

from editions.notebooks import CHECK_CALL, SOLUTION_TAG, toc_chapters

__all__ = ["CHECK_CALL", "Score", "SubmissionError", "annotate", "build", "grade", "grade_one"]

NBGRADER_CONFIG = '''"""nbgrader configuration of the xent book's student edition (generated)."""

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "xent-book"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.ClearSolutions.code_stub = {{"python": "{code_stub}\\nraise NotImplementedError()"}}
c.ClearSolutions.text_stub = "{text_stub}"
c.ExecutePreprocessor.timeout = 120
'''


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


def annotate(notebook: Any) -> Any:
    """Return a copy of a notebook-edition chapter with nbgrader metadata on its solution and
    check cells.

    A written solution (a Markdown cell tagged ``solution``) becomes a manually graded answer
    cell (1 point), solution code an autograded answer cell, shown again (the edition folds it),
    and each ``check("ex-...", ...)`` cell a locked, autograded test cell worth 1 point. Nothing
    is removed here: that is ``nbgrader generate_assignment``'s job.

    Examples
    --------
    >>> import nbformat
    >>> v4 = nbformat.v4
    >>> sol = {"tags": ["solution"]}
    >>> nb = v4.new_notebook(cells=[
    ...     v4.new_markdown_cell("### Exercise 1.1"),
    ...     v4.new_markdown_cell("<details>...</details>", metadata=sol),
    ...     v4.new_code_cell("x = 2", metadata={**sol, "jupyter": {"source_hidden": True}}),
    ...     v4.new_code_cell('check("ex-x", x=x)'),
    ... ])
    >>> [(c.cell_type, c.metadata.get("nbgrader", {}).get("solution"), "jupyter" in c.metadata)
    ...  for c in annotate(nb).cells]
    [('markdown', None, False), ('markdown', True, False), ('code', True, False), ('code', False, False)]
    """  # noqa: E501
    import copy

    nb = copy.deepcopy(notebook)
    counter = 0
    for cell in nb.cells:
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            counter += 1
            cell.metadata.pop("jupyter", None)  # the student must see the answer cell
            if cell.cell_type == "markdown":
                # A written answer: nbgrader grades it by hand (1 point).
                cell.metadata["nbgrader"] = _nbgrader(f"answer-{counter}", solution=True, points=1)
            else:
                cell.metadata["nbgrader"] = _nbgrader(f"solution-{counter}", solution=True)
                cell.outputs = []
        elif cell.cell_type == "code" and (m := CHECK_CALL.search(cell.source)):
            cell.metadata["nbgrader"] = _nbgrader(m[1], solution=False, points=1)
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
        The nbgrader course folder to create (replaced if it exists).
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
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    config = NBGRADER_CONFIG.format(**STUBS[language])
    (out / "nbgrader_config.py").write_text(config, encoding="utf-8")
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


def check_submission(course_dir: str | Path, notebook: str | Path) -> str:
    """The chapter a submitted notebook answers; :class:`SubmissionError` with one plain
    sentence if it is missing, is not a Jupyter notebook, or is not named after a chapter.

    Examples
    --------
    >>> check_submission("_build/student-edition", "nowhere.ipynb")  # doctest: +SKIP
    Traceback (most recent call last):
    SubmissionError: nowhere.ipynb: there is no such file.
    """
    import nbformat

    course_dir, path = Path(course_dir), Path(notebook)
    if not path.is_file():
        raise SubmissionError(f"{path}: there is no such file.")
    names = _course_chapters(course_dir)
    if path.suffix != ".ipynb" or path.stem not in names:
        expected = ", ".join(f"{name}.ipynb" for name in names)
        raise SubmissionError(
            f"{path.name} is not named after a chapter, so it cannot be graded: rename it to "
            f"the chapter it answers, one of {expected}."
        )
    try:
        nbformat.validate(nbformat.read(path, as_version=4))
    except Exception as error:  # JSON, encoding or schema: all mean "not a notebook"
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise SubmissionError(
            f"{path.name} is not a Jupyter notebook (it cannot be read as one: {reason}); "
            "it scores 0 until the student hands in the notebook itself."
        ) from None
    return path.stem


def _maximum(course_dir: Path, chapter: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        nb = gradebook.find_notebook(chapter, chapter)
        return float(nb.max_code_score), float(nb.max_score)


def grade_one(course_dir: str | Path, student: str, notebook: str | Path) -> Score:
    """Autograde one submitted notebook on its own, leaving nothing behind if it fails.

    The notebook is checked first (:func:`check_submission`); then only this student's
    submission of this chapter is graded (``nbgrader autograde <chapter> --student <id>``), so
    no other submission, earlier or later, can make it fail. If nbgrader fails, the course
    folder is restored as it was.

    Returns
    -------
    Score
        With ``problem`` set (and 0 points) for a submission that cannot be graded.
    """
    from nbgrader.api import Gradebook

    course_dir = Path(course_dir).resolve()
    try:
        chapter = check_submission(course_dir, notebook)
    except SubmissionError as error:
        stem = Path(notebook).stem
        if stem in _course_chapters(course_dir):  # a chapter's notebook that is not one: 0
            return Score(0.0, *_maximum(course_dir, stem), problem=str(error))
        return Score(0.0, 0.0, 0.0, problem=str(error))
    saved = {}
    with tempfile.TemporaryDirectory() as backup:
        for kind in ("submitted", "autograded"):
            folder = course_dir / kind / student / chapter
            if folder.exists():
                saved[kind] = Path(backup) / kind
                shutil.copytree(folder, saved[kind])
        target = course_dir / "submitted" / student / chapter / f"{chapter}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook, target)
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
                problem=f"nbgrader could not grade {Path(notebook).name}: {''.join(last)}",
            )
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
        For each student id, the notebooks they handed in; a notebook's file name (without
        suffix) names its chapter, as in ``release/``.

    Returns
    -------
    dict
        ``(student, file stem) -> Score``. Written answers are graded by hand in nbgrader's
        formgrader; ``max_total`` includes their points.

    Examples
    --------
    >>> grade("_build/student-edition", {"alice": ["01_information.ipynb"]})  # doctest: +SKIP
    {('alice', '01_information'): Score(autograded=2.0, max_autograded=2.0, max_total=7.0, ...)}
    """
    return {
        (student, Path(notebook).stem): grade_one(course_dir, student, notebook)
        for student, notebooks in submissions.items()
        for notebook in notebooks
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m editions.student [--out DIR] [--root DIR]``, or ``--grade``."""
    parser = argparse.ArgumentParser(
        prog="python -m editions.student",
        description="Write the student edition (nbgrader course folder) of every chapter, "
        "from the notebook edition of a built book; or grade submissions against it.",
    )
    parser.add_argument("--root", default=".", help="repository root (default: .)")
    parser.add_argument(
        "--out", default="_build/student-edition", help="output folder (replaced if it exists)"
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
    args = parser.parse_args(argv)
    if args.grade:
        if not (Path(args.out) / "gradebook.db").is_file():
            print(
                f"{args.out} is not a student edition: make it first (python -m editions.student)"
            )
            return 2
        failed = 0
        for (student, name), score in grade(args.out, {args.student: args.grade}).items():
            if score.problem:
                failed += 1
                points = f"{score.autograded:g} / {score.max_autograded:g}"
                print(
                    f"{student} {name}: {score.problem}"
                    + (f" Score: {points}." if score.max_total else "")
                )
                continue
            print(
                f"{student} {name}: {score.autograded:g} / {score.max_autograded:g} autograded "
                f"points ({score.max_total:g} in all; grade written answers in the formgrader)"
            )
        return 1 if failed else 0
    try:
        paths = build(args.root, args.out, notebooks=args.notebooks, language=args.language)
    except FileNotFoundError as error:
        print(error)
        return 2
    for path in paths:
        print(path)
    print(f"Student notebooks: {Path(args.out) / 'release'}; autograder: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
