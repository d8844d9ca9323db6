"""Hidden tests, and the two copies of xent a course grades with.

A graded exercise's points come from a *hidden test*: a region of its nbgrader test cell between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, which ``nbgrader generate_assignment``
removes from the student's notebook and ``nbgrader autograde`` puts back (it restores every
locked cell from the gradebook, so an edited check cell is undone). The hidden test reads only
the student's answer variables, turns them into plain numbers and hands them to a fresh Python
(``python -I``: no ``PYTHONPATH``, no notebook state) that grades them with
:func:`xent.checks.grade_answers` from the course's own copy of xent, ``autograder/keys/``.
Redefining ``check``, patching xent or editing the check cell therefore changes nothing.

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
    # (check, helpers, patched modules) takes part.
    import json
    import pathlib
    import subprocess
    import sys

    import numpy

    answers = {{{answers}}}
    here = pathlib.Path.cwd().resolve()
    course = next(p for p in (here, *here.parents) if (p / "nbgrader_config.py").is_file())
    grader = (
        "import json, sys\\n"
        "sys.path.insert(0, sys.argv[1])\\n"
        "from xent.checks import CheckFailed, grade_answers\\n"
        "try:\\n"
        "    grade_answers(sys.argv[2], json.load(sys.stdin))\\n"
        "except CheckFailed as error:\\n"
        "    print(error)\\n"
        "    sys.exit(1)\\n"
        "print('PASS')\\n"
    )
    keys = str(course / "autograder" / "keys")
    done = subprocess.run(
        [sys.executable, "-I", "-c", grader, keys, {label!r}],
        input=json.dumps(answers), capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("PASS"), (
        done.stdout.strip() or done.stderr.strip()[-300:]
    )


_xent_hidden_test()
### END HIDDEN TESTS"""


def hidden_test(label: str, names: list[str]) -> str:
    """The hidden region of exercise ``label``'s test cell, for the answers ``names``.

    Examples
    --------
    >>> print(hidden_test("ex-a", ["p"]).splitlines()[11].strip())
    answers = {"p": numpy.asarray(p, dtype=float).tolist()}
    """
    answers = ", ".join(f'"{n}": numpy.asarray({n}, dtype=float).tolist()' for n in names)
    return _TEST.format(answers=answers, label=label)
