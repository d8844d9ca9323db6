"""xent.checks: right answers pass, wrong ones fail with a hint that does not give the answer."""

from __future__ import annotations

import math
import re

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
