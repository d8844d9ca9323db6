"""Write ``code/xent/data/check_fingerprints.json``: the self-check of the students' package.

The package students install has no answer keys (``setup.py`` leaves ``xent/checks/ch*.py`` out
of the wheel). Its :func:`xent.checks.check` reads this file instead: for each exercise a slow
salted hash of each right answer rounded to a few significant digits, the hash and message of
each registered typical mistake, and a general hint per answer. Run

    python -m editions.grading.fingerprints

after changing an exercise's checker in ``code/xent/checks/ch*.py``;
``tests/test_checks.py`` fails while the file is stale.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from xent.checks import FINGERPRINTS, CheckFailed, exercises, fingerprint, keys_available

PATH = Path(__file__).resolve().parents[2] / "code" / "xent" / FINGERPRINTS


def _stable_digits(value: Any) -> list[int]:
    """For each entry of ``value``, the fewest significant digits (4 to 6) at which it sits at
    least 10% of a unit in the last place away from a rounding boundary (else the digits with
    the widest margin), so that a right answer computed another way (in float32, say: an error
    of about 1e-7 relative) rounds the same."""
    out = []
    for x in np.ravel(np.asarray(value, dtype=float)):
        if abs(x) < 1e-12:
            out.append(4)
            continue
        margins = {}
        for digits in range(4, 7):
            scaled = abs(x) / 10 ** (math.floor(math.log10(abs(x))) - digits + 1)
            margins[digits] = abs(scaled - math.floor(scaled) - 0.5)
        safe = [d for d, margin in margins.items() if margin >= 0.1]
        out.append(safe[0] if safe else max(margins, key=margins.__getitem__))
    return out


def _message(checker: Any, answers: dict[str, Any]) -> str:
    try:
        checker(**answers)
    except CheckFailed as error:
        return str(error)
    return ""


def _general_hint(checker: Any, correct: dict[str, Any], name: str) -> str:
    """What the checker says about ``name`` whichever way it is off: the common end of its
    messages for a value far too large and far too small (the direction and its extra hint,
    which come first, differ), from the first whole sentence."""
    value = np.asarray(correct[name], dtype=float)
    messages = [
        _message(
            checker,
            {
                **correct,
                name: (value * factor + shift).tolist()
                if value.ndim
                else float(value * factor + shift),
            },
        )
        for factor, shift in ((1.37, 0.11), (0.61, -0.13))
    ]
    a, b = (m.split(" ") for m in messages)
    common: list[str] = []
    while a and b and a[-1] == b[-1]:
        common.insert(0, a.pop())
        b.pop()
    text = " ".join(common)
    start = re.search(r"(?:^|(?<=\. ))[A-Z`(]", text) if text else None
    return text[start.start() :] if start else ""


def fingerprints() -> dict[str, Any]:
    """The fingerprint file's content, from the registered checkers (which hold the keys)."""
    if not keys_available():
        raise RuntimeError("this copy of xent has no answer keys (xent/checks/ch*.py)")
    out: dict[str, Any] = {}
    for label, exercise in sorted(exercises().items()):
        correct = dict(exercise.correct)
        digits = {n: _stable_digits(v) for n, v in correct.items()}
        mistakes = []
        for wrong in exercise.wrong:
            message = _message(exercise.checker, dict(wrong))
            if message and set(wrong) == set(correct):
                mistakes.append(
                    {
                        "fingerprints": {
                            n: fingerprint(label, n, v, digits[n]) for n, v in wrong.items()
                        },
                        "message": message,
                    }
                )
        out[label] = {
            "module": exercise.checker.__module__.rsplit(".", 1)[-1],  # for check()'s import
            "names": list(exercise.names),
            "digits": digits,
            "shapes": {n: list(np.shape(v)) for n, v in correct.items()},
            "fingerprints": {n: fingerprint(label, n, v, digits[n]) for n, v in correct.items()},
            "mistakes": mistakes,
            "hints": {n: _general_hint(exercise.checker, correct, n) for n in correct},
        }
    return out


def text() -> str:
    return json.dumps(fingerprints(), indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> int:
    PATH.write_text(text(), encoding="utf-8")
    print(f"wrote {PATH} ({len(fingerprints())} exercises)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
