"""Hidden tests, and the two copies of xent a course grades with.

A graded exercise's points come from a *hidden test*: a region of its nbgrader test cell between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, which ``nbgrader generate_assignment``
removes from the student's notebook and ``nbgrader autograde`` puts back (it restores every
locked cell from the gradebook, so an edited check cell is undone). The hidden test reads only
the student's answer variables, turns them into plain numbers and hands them to a fresh Python
(``python -I``: no ``PYTHONPATH``, no notebook state) that grades them with
:func:`xent.checks.grade_answers` from the course's own copy of xent, ``autograder/keys/``.
Redefining ``check``, patching xent or editing the check cell therefore changes nothing.

The hidden test also leaves the answers it read in ``.xent-answers/<label>.json`` beside the
graded notebook, and :func:`verify` (which ``python -m editions.student`` runs after each
``nbgrader autograde``) grades those again outside the student's kernel: a notebook that faked
the test's verdict from inside (by patching ``subprocess``, say) keeps no point it did not earn.

The notebook itself runs with ``autograder/student/``, a copy of xent without the answer keys
(as students install it: ``xent/checks/ch*.py`` left out), put first on the kernel's path by
the course's ``nbgrader_config.py``: importing the keys from the notebook fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path

#: The course's folders of xent: with the answer keys (hidden tests only) and without (kernel).
KEYS, STUDENT = Path("autograder") / "keys", Path("autograder") / "student"


def is_key_module(relative: Path) -> bool:
    """Whether a file of the xent package holds answer keys (``checks/ch*.py``)."""
    return relative.parent == Path("checks") and relative.name.startswith("ch")


def copy_xent(course: Path) -> None:
    """Copy the xent package this Python runs into ``course/autograder/{keys,student}``."""
    import xent

    package = Path(xent.__file__).resolve().parent
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for target, keys in ((course / KEYS / "xent", True), (course / STUDENT / "xent", False)):
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(package, target, ignore=ignore)
        if not keys:
            for path in list(target.rglob("*.py")):
                if is_key_module(path.relative_to(target)):
                    path.unlink()


#: nbgrader_config.py lines that put the keyless xent first on the grading kernel's path.
CONFIG = """
# Autograding runs each notebook with xent as students install it, without the answer keys
# (autograder/student); only the hidden tests' fresh Python reads autograder/keys.
import os as _os
import pathlib as _pathlib

_student = str(_pathlib.Path(__file__).resolve().parent / "autograder" / "student")
_os.environ["PYTHONPATH"] = _os.pathsep.join(
    [_student, *filter(None, [_os.environ.get("PYTHONPATH", "")])]
)
"""

_TEST = """### BEGIN HIDDEN TESTS
def _xent_hidden_test():
    # Graded in a fresh Python against the course's answer key: nothing this notebook defines
    # (check, helpers, patched modules) takes part. Local names start with _ so that no answer
    # name is shadowed.
    import json as _json
    import pathlib as _pathlib
    import subprocess as _subprocess
    import sys as _sys

    import numpy as _numpy

    _answers = {{{answers}}}
    _here = _pathlib.Path.cwd().resolve()
    _course = next(d for d in (_here, *_here.parents) if (d / "nbgrader_config.py").is_file())
    _keys = str(_course / "autograder" / "keys")
    _done = _subprocess.run(
        [_sys.executable, "-I", "-c", {grader!r}, _keys, {label!r}, {module!r}],
        input=_json.dumps(_answers), capture_output=True, text=True, timeout=600,
    )
    _kept = _pathlib.Path(".xent-answers")
    _kept.mkdir(exist_ok=True)
    (_kept / {json_name!r}).write_text(_json.dumps(_answers), encoding="utf-8")
    assert _done.returncode == 0 and _done.stdout.strip().endswith("PASS"), (
        _done.stdout.strip() or _done.stderr.strip()[-300:]
    )


_xent_hidden_test()
### END HIDDEN TESTS"""


def hidden_test(label: str, names: list[str], module: str = "") -> str:
    """The hidden region of exercise ``label``'s test cell, for the answers ``names``; ``module``
    is the checks module that holds its key (``ch02_entropy``), the only one it imports.

    Examples
    --------
    >>> print(hidden_test("ex-a", ["p"]).splitlines()[12].strip())
    _answers = {"p": _numpy.asarray(p, dtype=float).tolist()}
    """
    answers = ", ".join(f'"{n}": _numpy.asarray({n}, dtype=float).tolist()' for n in names)
    return _TEST.format(
        answers=answers, label=label, module=module, json_name=f"{label}.json", grader=GRADER
    )


#: The program the hidden tests run in a fresh Python: argv keys folder, label, module.
GRADER = (
    "import json, sys\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from xent.checks import CheckFailed, grade_answers\n"
    "try:\n"
    "    grade_answers(sys.argv[2], json.load(sys.stdin), sys.argv[3])\n"
    "except CheckFailed as error:\n"
    "    print(error)\n"
    "    sys.exit(1)\n"
    "print('PASS')\n"
)


def verify(course: Path, student: str, chapter: str) -> list[str]:
    """Grade again, outside the student's kernel, each hidden test that passed in it, from the
    answers it kept; a test whose kept answers are missing or wrong loses its points. Returns
    the labels that lost them.
    """
    import subprocess
    import sys

    from nbgrader.api import Gradebook

    from editions.student import _key_module

    kept = course / "autograded" / student / chapter / ".xent-answers"
    lost = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(chapter, chapter, student)
        for grade in notebook.grades:
            if not grade.name.startswith("ex-") or not grade.auto_score:
                continue
            path = kept / f"{grade.name}.json"
            done = subprocess.run(
                [
                    sys.executable,
                    "-I",
                    "-c",
                    GRADER,
                    str(course / KEYS),
                    grade.name,
                    _key_module(grade.name),
                ],
                input=path.read_text(encoding="utf-8") if path.is_file() else "{}",
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0 or not done.stdout.strip().endswith("PASS"):
                grade.auto_score = 0.0
                lost.append(grade.name)
        gradebook.db.commit()
    return lost
