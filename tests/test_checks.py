"""xent.checks: right answers pass, wrong ones fail with a hint that does not give the answer."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from editions.notebooks import toc_chapters
from editions.student import CHECK_CALL
from xent.checks import CheckFailed, check, exercises, expect_array_close, expect_close

EXERCISES = exercises()


def _renderings(value) -> set[str]:
    """The ways a number could leak into a message: repr and common roundings."""
    out = set()
    for x in np.ravel(np.asarray(value, dtype=float)):
        if not math.isfinite(x) or x in (0.0, 1.0, -1.0):
            continue
        out |= {repr(float(x)), f"{x:.2f}", f"{x:.3f}", f"{x:.4f}", f"{x:.3g}", f"{x:.4g}"}
    return out


def test_every_chapter_check_is_registered() -> None:
    used = set()
    for doc in toc_chapters(ROOT):
        used |= set(CHECK_CALL.findall((ROOT / f"{doc}.md").read_text(encoding="utf-8")))
    missing = sorted(used - set(EXERCISES))
    assert not missing, f"check cells name exercises with no registered checker: {missing}"


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_correct_answer_passes(label: str, capsys: pytest.CaptureFixture[str]) -> None:
    check(label, **EXERCISES[label].correct)
    assert f"Correct ({label})" in capsys.readouterr().out


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_wrong_answers_fail_without_the_solution(label: str) -> None:
    exercise = EXERCISES[label]
    assert exercise.wrong, f"{label} registers no typical wrong answer"
    secrets = set().union(*(_renderings(v) for v in exercise.correct.values()))
    for wrong in exercise.wrong:
        with pytest.raises(CheckFailed) as info:
            check(label, **wrong)
        message = str(info.value)
        assert message.startswith(f"{label}: "), message
        assert len(message) > len(label) + 20, f"{label}: the hint is too short: {message!r}"
        leaked = [s for s in secrets if re.search(rf"(?<![\d.]){re.escape(s)}(?!\d)", message)]
        assert not leaked, f"{label}: the message gives the answer away ({leaked}): {message}"


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_missing_and_unfinished_answers_get_a_hint(label: str) -> None:
    exercise = EXERCISES[label]
    with pytest.raises(CheckFailed, match="pass your answer"):
        check(label)
    for name in exercise.names:
        unfinished = {**exercise.correct, name: None}
        with pytest.raises(CheckFailed):
            check(label, **unfinished)


def test_unknown_label_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="ex-info-units"):
        check("ex-no-such-exercise", x=1)


def test_extra_answer_is_named() -> None:
    with pytest.raises(CheckFailed, match="does not use"):
        check("ex-info-units", p=math.exp(-3), bits=3 / math.log(2), nats=3)


@settings(max_examples=60, deadline=None)
@given(
    target=st.floats(-1e6, 1e6, allow_nan=False).filter(lambda t: abs(t) > 1e-3),
    factor=st.floats(0.5, 2.0).filter(lambda f: abs(f - 1) > 1e-3),
)
def test_expect_close_says_direction_never_target(target: float, factor: float) -> None:
    value = target * factor
    with pytest.raises(CheckFailed) as info:
        expect_close("x", value, target)
    message = str(info.value)
    assert repr(target) not in message
    if target > 0:
        assert ("too large" if factor > 1 else "too small") in message
    else:
        assert ("too small" if factor > 1 else "too large") in message
    expect_close("x", target, target)


@pytest.mark.parametrize("bad", [None, "0.5", [0.5, 0.5], float("nan"), True, NotImplemented])
def test_expect_close_rejects_non_numbers_with_a_reason(bad) -> None:
    with pytest.raises(CheckFailed, match="`x`"):
        expect_close("x", bad, 0.5)


def test_expect_array_close_names_shape_and_entry() -> None:
    expect_array_close("q", np.array([0.2, 0.8]), [0.2, 0.8])
    with pytest.raises(CheckFailed, match="shape"):
        expect_array_close("q", [[0.2, 0.8]], [0.2, 0.8])
    with pytest.raises(CheckFailed, match="index 1: that entry is too small"):
        expect_array_close("q", [0.2, 0.7], [0.2, 0.8])
    with pytest.raises(CheckFailed, match="array of numbers"):
        expect_array_close("q", ["a", object()], [0.2, 0.8])


def test_fingerprints_are_current() -> None:
    """The students' self-check data matches the checkers (else: python -m
    editions.grading.fingerprints)."""
    from editions.grading import fingerprints

    assert fingerprints.PATH.read_text(encoding="utf-8") == fingerprints.text(), (
        "code/xent/data/check_fingerprints.json is stale: run "
        "python -m editions.grading.fingerprints"
    )


@pytest.fixture(scope="module")
def students_xent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """xent as students install it: the wheel pip builds from the repository, unpacked."""
    import subprocess
    import sys
    import zipfile

    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    done = subprocess.run([*cmd, str(ROOT), "-w", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("xent_book-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(out / "site")
    return out / "site"


def test_the_students_package_holds_no_answer_key(students_xent: Path) -> None:
    files = [p for p in (students_xent / "xent").rglob("*") if p.is_file()]
    assert not [p for p in files if p.parent.name == "checks" and p.name.startswith("ch")]
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    numbers = set(re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text))
    for label, exercise in EXERCISES.items():
        for name, value in exercise.correct.items():
            entries = [
                x
                for x in np.ravel(np.asarray(value, dtype=float))
                if math.isfinite(x) and abs(x) not in (0.0, 1.0) and x != int(x)
            ]
            found = [x for x in entries if {repr(float(x)), f"{x:.6g}", f"{x:.5g}"} & numbers]
            # An array's single entry may be a textbook number (-ln 0.6 in a docstring).
            assert len(found) <= len(entries) // 2, f"{label}: {name}'s key {found} is in xent"


def test_the_students_self_check_works_without_the_key(students_xent: Path) -> None:
    """In a fresh Python with the students' package: right answers say Correct, each known
    mistake gets the same hint as with the key, and the keys cannot be imported."""
    import json
    import subprocess
    import sys

    cases = {
        label: {
            "correct": {k: np.asarray(v).tolist() for k, v in e.correct.items()},
            "wrong": [{k: np.asarray(v).tolist() for k, v in w.items()} for w in e.wrong],
        }
        for label, e in EXERCISES.items()
    }
    expected = {}
    for label, e in EXERCISES.items():
        messages = []
        for wrong in e.wrong:
            with pytest.raises(CheckFailed) as info:
                check(label, **wrong)
            messages.append(str(info.value))
        expected[label] = messages
    program = """
import contextlib, io, json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from xent.checks import CheckFailed, check, exercises, keys_available
assert not keys_available()
out = {}
for label, case in json.load(sys.stdin).items():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        check(label, **{k: np.asarray(v) for k, v in case["correct"].items()})
    wrong = []
    for answers in case["wrong"]:
        try:
            check(label, **{k: np.asarray(v) for k, v in answers.items()})
            wrong.append("passed")
        except CheckFailed as error:
            wrong.append(str(error))
    out[label] = {"correct": buf.getvalue(), "wrong": wrong,
                  "key": dict(exercises()[label].correct)}
try:
    import xent.checks.ch01_information
    out["importable"] = True
except ImportError:
    out["importable"] = False
print(json.dumps(out))
"""
    done = subprocess.run(
        [sys.executable, "-I", "-c", program, str(students_xent)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result.pop("importable") is False, "the students' package imports an answer key"
    for label, got in result.items():
        assert got["correct"].strip() == f"Correct ({label}).", (label, got["correct"])
        assert got["key"] == {}, f"{label}: the students' package knows the key"
        assert "passed" not in got["wrong"], f"{label}: a wrong answer passes: {got['wrong']}"
        known = sum(a == b for a, b in zip(got["wrong"], expected[label], strict=True))
        assert known >= 1, f"{label}: no known mistake gets its hint: {got['wrong']}"


def test_placeholders_stay_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    """The notebook edition's `name = ...`: Run All passes the check cell without an error."""
    check("ex-info-units", p=..., bits=...)
    assert "not answered yet" in capsys.readouterr().out


def test_grade_answers_is_the_checker() -> None:
    from xent.checks import grade_answers

    for label, e in EXERCISES.items():
        grade_answers(label, {k: np.asarray(v).tolist() for k, v in e.correct.items()})
        with pytest.raises(CheckFailed):
            grade_answers(label, {k: np.asarray(v).tolist() for k, v in e.wrong[0].items()})
