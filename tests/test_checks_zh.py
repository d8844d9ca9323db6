"""xent.checks in Chinese: a Chinese student's check() feedback is Chinese, sentence by sentence.

The checkers write English; ``check`` translates each sentence of a message through
``code/xent/data/checks_zh_CN.json`` when the language is ``zh_CN`` (``xent.checks.set_language``
or the environment variable ``XENT_LANG``, which the Chinese notebooks' setup cell sets). Every
message a checker gives for a registered typical mistake, for an answer far too large or too
small, of the wrong sign, missing, non-numeric or misshapen, and every message of the students'
package (the fingerprints' mistakes and hints) must come out with no English sentence left.
"""

from __future__ import annotations

import json
import math
import os
import re
import string
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from editions.notebooks import setup_cell_source
from xent import checks
from xent.checks import CheckFailed, check, exercises, language, set_language, translate

EXERCISES = exercises()
CATALOGUE = ROOT / "code" / "xent" / "data" / "checks_zh_CN.json"
FINGERPRINTS = ROOT / "code" / "xent" / "data" / "check_fingerprints.json"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _english_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts from the default: no XENT_LANG, no set_language."""
    monkeypatch.delenv("XENT_LANG", raising=False)
    set_language(None)
    yield
    set_language(None)


def _variants(exercise: checks.Exercise) -> Iterator[dict]:
    """Answers that draw every kind of message: the typical mistakes, each answer far too large,
    far too small, negated, None, a string and (for arrays) the wrong shape."""
    yield from (dict(w) for w in exercise.wrong)
    for name, value in exercise.correct.items():
        arr = np.asarray(value, dtype=float)
        for changed in (
            arr * 1.37 + 0.11,
            arr * 0.61 - 0.13,
            -arr - 0.5,
            None,
            "0.5",
            np.ones((*arr.shape, 2)),
        ):
            plain = (
                changed.tolist() if isinstance(changed, np.ndarray) and not arr.ndim else changed
            )
            yield {**exercise.correct, name: plain}


def _english_messages() -> Iterator[tuple[str, str]]:
    for label, exercise in sorted(EXERCISES.items()):
        for answers in _variants(exercise):
            try:
                exercise.checker(**answers)
            except CheckFailed as error:
                yield label, str(error)
            except (TypeError, ValueError, IndexError):
                pass  # a checker that cannot take this kind of answer at all: not a message


MESSAGES = sorted(set(_english_messages()))

#: The Latin words a Chinese message may keep: code the student types, type names, Hessian.
CODE_WORDS = set(
    "Hessian None batchmean counts cross_entropy_grad diag dtype epochs eps exp fit_ngram float32 "
    "float64 focal_loss_grad gamma kl_batchmean kl_div lambda_max list log log2 logit logits "
    "m_new m_old mean minlength none order outer p_data p_y reduction seed softmax str sum "
    "target torch train_ids vocab_size int bool tuple dict ndarray NoneType ellipsis "
    # Part V: loss names and the symbols of its formulas
    "InfoNCE sigmoid beta rho tau pi_ref p_T teacher z_target n_0 n_1 r_chosen r_rejected "
    "sum_j xent PyTorch functional cross_entropy GiB Bradley Terry".split()
)


def test_the_messages_cover_every_exercise() -> None:
    assert {label for label, _ in MESSAGES} == set(EXERCISES)
    assert len(MESSAGES) > 3 * len(EXERCISES)


@pytest.mark.parametrize(("label", "message"), MESSAGES)
def test_every_checker_message_is_translated(label: str, message: str) -> None:
    chinese, left = checks._translate_parts(message, "zh_CN")
    assert not left, f"{label}: no Chinese for {left!r} (add it to {CATALOGUE.name})"
    assert CJK.search(chinese), chinese
    # What stays Latin is code (names, arguments, formulas such as z = wx + b) and type names.
    latin = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]{2,}", re.sub(r"`[^`]*`", "", chinese)))
    assert latin <= CODE_WORDS, (
        f"{label}: English words {sorted(latin - CODE_WORDS)} in {chinese!r}"
    )


def test_fingerprint_messages_are_translated() -> None:
    """The students' package composes its messages from the fingerprints: those translate too."""
    data = json.loads(FINGERPRINTS.read_text(encoding="utf-8"))
    texts = [m["message"] for e in data.values() for m in e["mistakes"]]
    texts += [
        f"`{n}` is not right yet. {h}".strip() for e in data.values() for n, h in e["hints"].items()
    ]
    for text in texts:
        _, left = checks._translate_parts(text, "zh_CN")
        assert not left, f"no Chinese for {left!r} in {text!r}"


def test_catalogue_translations_keep_their_fields_and_code() -> None:
    entries = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    for english, chinese in entries.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(english) if f}
        assert {f for _, f, _, _ in string.Formatter().parse(chinese) if f} == fields, english
        assert re.findall(r"`[^`]+`", english) == re.findall(r"`[^`]+`", chinese), english
        wide = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
        assert wide.search(chinese) or not re.search(r"[a-z]{3}", re.sub(r"\{\w+\}", "", english))
        assert not re.search(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]", chinese), chinese


def test_english_is_the_default() -> None:
    assert language() == "en"
    with pytest.raises(CheckFailed, match=r"^ex-info-units: `bits` is too small\. One nat"):
        check("ex-info-units", p=math.exp(-3), bits=3.0)


def test_check_speaks_chinese_when_set(capsys: pytest.CaptureFixture[str]) -> None:
    set_language("zh_CN")
    check("ex-info-units", p=math.exp(-3), bits=3 / math.log(2))
    assert capsys.readouterr().out == "正确（ex-info-units）。\n"
    with pytest.raises(CheckFailed) as info:
        check("ex-info-units", p=math.exp(-3), bits=3.0)
    assert str(info.value) == (
        "ex-info-units：`bits` 偏小。1 奈特比 1 比特大：换算时要除以 ln 2，而不是乘以它。"
    )
    with pytest.raises(CheckFailed, match="请以 bits=bits 的形式传入你的答案"):
        check("ex-info-units", p=0.5)
    check("ex-info-units", p=..., bits=...)
    assert "尚未作答" in capsys.readouterr().out


def test_xent_lang_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, expected in (("zh_CN", "zh_CN"), ("zh-CN", "zh_CN"), ("zh", "zh_CN"), ("de", "en")):
        monkeypatch.setenv("XENT_LANG", value)
        assert language() == expected, value
    monkeypatch.setenv("XENT_LANG", "zh_CN")
    with pytest.raises(CheckFailed, match="偏小"):
        check("ex-info-units", p=math.exp(-3), bits=3.0)
    set_language("en")  # set_language wins over the environment
    with pytest.raises(CheckFailed, match="too small"):
        check("ex-info-units", p=math.exp(-3), bits=3.0)


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="zh_CN"):
        set_language("Chinese")


def test_translate_leaves_unknown_sentences_in_english() -> None:
    assert translate("`x` is too large. Something new.", "zh_CN") == "`x` 偏大。 Something new."
    assert translate("`x` is off.", "zh_CN") == "`x` 不对。"  # not "`x` off。"


def test_chinese_notebook_setup_cell_sets_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Running the zh notebooks' setup line makes the student's next check() speak Chinese."""
    source = setup_cell_source("1.0.0", [], "zh_CN")
    (line,) = [s for s in source.splitlines() if "XENT_LANG" in s]
    assert "XENT_LANG" not in setup_cell_source("1.0.0", [], "en")
    monkeypatch.setenv("XENT_LANG", "en")  # restored after the test, whatever the line sets
    exec(line, {"os": os})
    with pytest.raises(CheckFailed, match="偏小"):
        check("ex-info-units", p=math.exp(-3), bits=3.0)


def test_catalogue_ships_with_the_package() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"data/*.json"' in text and CATALOGUE.parent.name == "data"
    assert Path(checks.__file__).parent.parent.joinpath("data", CATALOGUE.name).is_file()
