"""The student edition: every chapter as a notebook without solutions, plus its autograder.

Run ``python -m editions.student`` from the repository root (``--help`` for options). For
each chapter of ``_toc.yml`` it

1. reads the MyST chapter as a notebook (jupytext) and marks its cells the way nbgrader's own
   "Create Assignment" toolbar would: solution cells (the ``{solution}`` dropdowns and the
   cells between ``{solution-start}`` and ``{solution-end}``) and autograded test cells (each
   ``check("ex-...", ...)`` cell, 1 point);
2. runs ``nbgrader generate_assignment``, which removes the solutions (code becomes
   ``# YOUR CODE HERE`` / ``raise NotImplementedError()``, prose becomes ``YOUR ANSWER HERE``),
   locks the check cells and records them in the gradebook.

The output folder is an nbgrader course directory: ``release/<chapter>/<chapter>.ipynb`` are the
student notebooks; ``source/``, ``gradebook.db`` and ``nbgrader_config.py`` are the autograder
(``nbgrader autograde <chapter>`` after collecting submissions into
``submitted/<student>/<chapter>/``). This module only adds cell metadata; all the removing and
grading is nbgrader's.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from editions.notebooks import book_repository, downloadable, read_chapter, toc_chapters

__all__ = ["Score", "annotate", "build", "grade", "split_solutions"]

#: A check cell: exactly one call ``check("ex-...", ...)`` (optionally ``xent.checks.check``).
CHECK_CALL = re.compile(r"^\s*(?:xent\.checks\.)?check\(\s*[\"'](ex-[\w-]+)[\"']", re.MULTILINE)
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\{(?P<name>[\w-]+)\}\s*(?P<arg>\S*)")

NBGRADER_CONFIG = '''"""nbgrader configuration of the xent book's student edition (generated)."""

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "xent-book"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ExecutePreprocessor.timeout = 120
'''


def _exercise_markdown(lines: Sequence[str]) -> str:
    """A sphinx-exercise ``{exercise}`` body as plain Markdown that Jupyter and Colab render."""
    options = {}
    body = list(lines)
    while body and (m := re.match(r"^:(\w+):\s*(.*)$", body[0])):
        options[m[1]] = m[2].strip()
        body.pop(0)
    label = options.get("label", "")
    head = f"**Exercise** `{label}`" if label else "**Exercise**"
    if options.get("class"):
        head += f" ({options['class']})"
    return f"\n{head}\n\n{''.join(body).strip()}\n"


def _blocks(source: str) -> Iterator[tuple[str, str]]:
    """Split Markdown into ("text" | "solution" | "start" | "end", chunk) pieces."""
    lines = source.splitlines(keepends=True)
    i, text = 0, []
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m or m["name"] not in {"exercise", "solution", "solution-start", "solution-end"}:
            text.append(lines[i])
            i += 1
            continue
        fence = m["fence"]
        j = i + 1
        while j < len(lines) and not (
            lines[j].strip().startswith(fence[0] * len(fence))
            and set(lines[j].strip()) == {fence[0]}
        ):
            j += 1
        if m["name"] == "exercise":
            text.append(_exercise_markdown(lines[i + 1 : j]))
            i = j + 1
            continue
        if text:
            yield "text", "".join(text)
            text = []
        kind = {"solution": "solution", "solution-start": "start", "solution-end": "end"}
        yield kind[m["name"]], "".join(lines[i : j + 1])
        i = j + 1
    if text:
        yield "text", "".join(text)


def split_solutions(source: str, in_solution: bool = False) -> tuple[list[tuple[bool, str]], bool]:
    """Split a Markdown cell into (is_solution, text) pieces; track gated solutions across cells.

    Parameters
    ----------
    source : str
        The Markdown of one cell.
    in_solution : bool
        Whether the cell starts inside a ``{solution-start}`` ... ``{solution-end}`` pair.

    Returns
    -------
    pieces : list of (bool, str)
        The cell's text in order, flagged when it belongs to a solution; the
        ``{solution-end}`` fence itself (which holds no answer) is left out.
    in_solution : bool
        Whether the next cell is still inside a gated solution.

    Examples
    --------
    >>> md = "Try it.\\n```{solution} ex-a\\n:class: dropdown\\n42\\n```\\nAfter.\\n"
    >>> split_solutions(md)
    ([(False, 'Try it.\\n'), (True, '```{solution} ex-a\\n:class: dropdown\\n42\\n```\\n'), (False, 'After.\\n')], False)
    >>> split_solutions("```{solution-start} ex-b\\n```\\nWhy.\\n")
    ([(True, '```{solution-start} ex-b\\n```\\nWhy.\\n')], True)
    """  # noqa: E501
    pieces: list[tuple[bool, str]] = []
    for kind, chunk in _blocks(source):
        if kind == "start":
            in_solution = True
            pieces.append((True, chunk))
        elif kind == "end":
            in_solution = False
        elif kind == "solution":
            pieces.append((True, chunk))
        elif chunk.strip():
            pieces.append((in_solution, chunk))
    merged: list[tuple[bool, str]] = []
    for flag, chunk in pieces:  # one cell per run of solution / non-solution text
        if merged and merged[-1][0] == flag:
            merged[-1] = (flag, merged[-1][1] + chunk)
        else:
            merged.append((flag, chunk))
    return merged, in_solution


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
    """Return a copy of a chapter notebook with nbgrader metadata on its solution and check cells.

    Solution prose becomes a manually graded answer cell (1 point), solution code an autograded
    answer cell, and each ``check("ex-...", ...)`` cell a locked, autograded test cell worth 1
    point. Nothing is removed here: that is
    ``nbgrader generate_assignment``'s job.

    Examples
    --------
    >>> import nbformat
    >>> v4 = nbformat.v4
    >>> nb = v4.new_notebook(cells=[
    ...     v4.new_markdown_cell("```{solution-start} ex-x\\n```"),
    ...     v4.new_code_cell("x = 2"),
    ...     v4.new_markdown_cell("```{solution-end}\\n```"),
    ...     v4.new_code_cell('check("ex-x", x=x)'),
    ... ])
    >>> [(c.cell_type, c.metadata["nbgrader"]["solution"], c.metadata["nbgrader"]["grade"])
    ...  for c in annotate(nb).cells]
    [('markdown', True, True), ('code', True, False), ('code', False, True)]
    """
    import copy

    import nbformat

    nb = copy.deepcopy(notebook)
    cells: list[Any] = []
    in_solution = False
    counter = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            pieces, in_solution = split_solutions(cell.source, in_solution)
            for is_solution, text in pieces:
                new = nbformat.v4.new_markdown_cell(text.strip("\n"))
                if is_solution:
                    counter += 1
                    # A written answer: nbgrader grades it by hand (1 point).
                    new.metadata["nbgrader"] = _nbgrader(
                        f"answer-{counter}", solution=True, points=1
                    )
                cells.append(new)
        elif cell.cell_type == "code" and in_solution:
            counter += 1
            cell.metadata["nbgrader"] = _nbgrader(f"solution-{counter}", solution=True)
            cell.outputs = []
            cells.append(cell)
        elif cell.cell_type == "code" and (m := CHECK_CALL.search(cell.source)):
            cell.metadata["nbgrader"] = _nbgrader(m[1], solution=False, points=1)
            cells.append(cell)
        else:
            cells.append(cell)
    if in_solution:
        raise ValueError("a {solution-start} has no matching {solution-end}")
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


def build(root: str | Path, out: str | Path, chapters: Sequence[str] | None = None) -> list[Path]:
    """Write the student edition of the book at ``root`` into the course folder ``out``.

    Parameters
    ----------
    root : str or Path
        The repository root (with ``_toc.yml``).
    out : str or Path
        The nbgrader course folder to create (replaced if it exists).
    chapters : sequence of str, optional
        Document names (``"chapters/01_information"``); default: every chapter in the toc.

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
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "nbgrader_config.py").write_text(NBGRADER_CONFIG, encoding="utf-8")
    repository, branch = book_repository(root)
    released = []
    for doc in chapters if chapters is not None else toc_chapters(root):
        name = Path(doc).name
        source = out / "source" / name / f"{name}.ipynb"
        source.parent.mkdir(parents=True)
        # The same first cell as the website's downloads: on Colab it installs xent.
        notebook = downloadable(annotate(read_chapter(root / f"{doc}.md")), repository, branch)
        nbformat.write(notebook, source)
        released.append(out / "release" / name / f"{name}.ipynb")
    _run_nbgrader(["generate_assignment", "*", "--force"], out)  # every chapter at once
    missing = [path for path in released if not path.is_file()]
    if missing:
        raise RuntimeError(f"nbgrader produced no student notebook for {missing}")
    return released


class Score(NamedTuple):
    """A graded submission: the autograded points (the check cells) and the notebook's total."""

    autograded: float
    max_autograded: float
    max_total: float


def grade(
    course_dir: str | Path, submissions: Mapping[str, Sequence[str | Path]]
) -> dict[tuple[str, str], Score]:
    """Autograde submitted notebooks with ``nbgrader autograde``.

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
        ``(student, chapter) -> Score``. Written answers are graded by hand in nbgrader's
        formgrader; ``max_total`` includes their points.

    Examples
    --------
    >>> grade("_build/student-edition", {"alice": ["01_information.ipynb"]})  # doctest: +SKIP
    {('alice', '01_information'): Score(autograded=2.0, max_autograded=2.0, max_total=7.0)}
    """
    from nbgrader.api import Gradebook

    course_dir = Path(course_dir).resolve()
    for student, notebooks in submissions.items():
        for notebook in map(Path, notebooks):
            target = course_dir / "submitted" / student / notebook.stem / notebook.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(notebook, target)
    args = ["autograde", "*", "--create", "--force"]
    if len(submissions) == 1:
        args.append(f"--student={next(iter(submissions))}")
    _run_nbgrader(args, course_dir)
    scores = {}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        for student, notebooks in submissions.items():
            for name in (Path(n).stem for n in notebooks):
                sub = gradebook.find_submission(name, student)
                scores[student, name] = Score(
                    float(sub.code_score), float(sub.max_code_score), float(sub.max_score)
                )
    return scores


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m editions.student [--out DIR] [--root DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m editions.student",
        description="Write the student edition (nbgrader course folder) of every chapter.",
    )
    parser.add_argument("--root", default=".", help="repository root (default: .)")
    parser.add_argument(
        "--out", default="_build/student-edition", help="output folder (replaced if it exists)"
    )
    parser.add_argument("--grade", metavar="NOTEBOOK", help="autograde one submitted notebook")
    parser.add_argument("--student", default="student", help="student id for --grade")
    args = parser.parse_args(argv)
    if args.grade:
        for (student, name), score in grade(args.out, {args.student: [args.grade]}).items():
            print(
                f"{student} {name}: {score.autograded:g} / {score.max_autograded:g} autograded "
                f"points ({score.max_total:g} in all; grade written answers in the formgrader)"
            )
        return 0
    for path in build(args.root, args.out):
        print(path)
    print(f"Student notebooks: {Path(args.out) / 'release'}; autograder: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
