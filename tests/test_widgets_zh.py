"""The ipywidgets explorers in the Chinese notebooks: Chinese labels and readouts.

The explorers follow ``xent.checks.language()`` (the zh notebooks' setup cell sets
``XENT_LANG=zh_CN``); a chart's words are Chinese only where matplotlib has a Chinese font.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")

from xent import widgets
from xent.checks import set_language

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("XENT_LANG", raising=False)
    set_language("zh_CN")
    yield
    set_language(None)


def test_readouts_and_controls_are_chinese(chinese: None) -> None:
    box = widgets.surprisal_explorer(0.5)
    assert box.children[1].value == "<b>p = 0.500</b>：自信息 = 1.000 比特 = 0.693 奈特"
    entropy = widgets.entropy_explorer([0.25, 0.25, 0.25, 0.25])
    assert "H = 2.000 比特" in entropy.children[1].value
    entropy.children[0].children[0].value = 0.0
    assert "（至多为 log2 4" in entropy.children[1].value
    kl = widgets.kl_explorer([0.5, 0.5], [0.5, 0.5])
    assert kl.children[1].value.endswith("（比特）")
    slow = widgets.slowdown_explorer(epochs=20)
    texts = [c.description for c in slow.children[:5]] + [slow.children[5].value]
    assert slow.children[3].description == "迭代次数" and slow.children[4].description == "代价"
    assert [label for label, _ in slow.children[4].options] == ["二次", "交叉熵"]
    assert slow.children[5].value.startswith("<b>二次代价</b>：起始输出"), texts
    for html in (box.children[1].value, entropy.children[1].value, slow.children[5].value):
        words = re.findall(r"[A-Za-z]{3,}(?!\d)", re.sub(r"<[^>]+>", "", html))
        assert not words, (words, html)


def test_chart_words_need_a_chinese_font(chinese: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(widgets, "_chart_font", lambda: None)
    assert widgets._chart("outcome") == "outcome"  # no Chinese font: English, not empty boxes
    monkeypatch.setattr(widgets, "_chart_font", lambda: "Noto Sans CJK SC")
    assert widgets._chart("outcome") == "结果"
    assert widgets._chart("H(p) = {h:.3f} bits", h=1.0) == "H(p) = 1.000 比特"


def test_english_stays_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XENT_LANG", raising=False)
    set_language(None)
    box = widgets.surprisal_explorer(0.5)
    assert "surprisal = 1.000 bits" in box.children[1].value and not HAN.search(
        box.children[1].value
    )
    assert widgets._chart_font() is None


def test_every_word_the_explorers_say_has_its_chinese() -> None:
    source = Path(widgets.__file__).read_text(encoding="utf-8")
    said = set(re.findall(r"_(?:say|chart)\(\s*\"([^\"]+)\"", source))
    assert said and said <= set(widgets._ZH), sorted(said - set(widgets._ZH))
    assert all(HAN.search(v) or "比特" in v for v in widgets._ZH.values())
