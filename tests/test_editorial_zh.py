"""The Chinese edition's editorial conventions, where a machine can check them.

The conventions (README, "简体中文版", and the note column of ``locales/zh_CN/terminology.csv``):

* names with an established Chinese form are written in Chinese in the prose (柯西, 香农,
  拉普拉斯, 拉格朗日, 伯努利, 吉布斯); citations keep the authors' own spelling;
* a range between two numbers is written with a full-width tilde, 0～3, not 0-3;
* 倍 only for "is N times as large": a decrease is "只有其 N 分之一" or "约为 1/N", never
  "小 N 倍" or "少 N 倍";
* chapter 5's two starting points are 轻度错误起点 and 严重错误起点 (not 温和起点/糟糕起点);
* words in formulas are Chinese on the Chinese site (``locales/zh_CN/math_text.csv``, applied
  when the page is built: a formula is code in the catalogues) and a glued value in Chinese prose
  is a number, not English text.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from test_book_build import page, toc_files

from conftest import ROOT
from editions.i18n import math_words, translate_math_text

CATALOGUES = sorted((ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "chapters").glob("*.po"))
#: Latin words a formula's \text{} may keep: the book's symbol p_data and a unit.
KEPT_IN_MATH = {"data", "MiB", "float"}
#: Glued strings the Chinese prose may show as they are: a quotation of the English corpus.
KEPT_GLUED = {"spelled_example"}


def _prose(text: str) -> str:
    """A translation without its formulas, code, roles' targets and citations."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " M ", text, flags=re.DOTALL)
    text = re.sub(r"\{cite[:a-z]*\}`[^`]*`", "", text)
    text = re.sub(r"(\{[a-z:-]+\})?`[^`]*`", " C ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)  # link targets


def _messages() -> list[tuple[str, str]]:
    return [
        (path.stem, entry.msgstr)
        for path in CATALOGUES
        for entry in polib.pofile(str(path))
        if entry.msgstr and not entry.obsolete
    ]


MESSAGES = _messages()

LATIN_NAMES = {
    "Cauchy": "柯西",
    "Shannon": "香农",
    "Laplace": "拉普拉斯",
    "Lagrange": "拉格朗日",
    "Bernoulli": "伯努利",
    "Gibbs": "吉布斯",
    "Gauss": "高斯",
}


def test_names_are_written_in_chinese() -> None:
    found = [
        (doc, name, _prose(text))
        for doc, text in MESSAGES
        for name in LATIN_NAMES
        if re.search(rf"\b{name}\b", _prose(text))
    ]
    assert not found, [f"{doc}: {name} -> {LATIN_NAMES[name]}" for doc, name, _ in found]


def test_ranges_use_a_full_width_tilde() -> None:
    # Two numbers joined by a hyphen or a dash (not a longer chain such as layer sizes 64-32-10).
    pattern = re.compile(r"(?<![\w.\-–])\d+(?:\.\d+)?\s?[-–]\s?\d+(?:\.\d+)?(?![\w.\-–])")
    found = [(doc, m.group(0)) for doc, text in MESSAGES for m in pattern.finditer(_prose(text))]
    assert not found, f"write ranges as 0～3: {found}"


def test_bei_is_not_used_for_decreases() -> None:
    # 少 but not 多少 ("how many times", which asks about an increase)
    decrease = r"(?:[小低短减降]|(?<!多)少)"
    pattern = re.compile(decrease + r"[^，。；：！？]{0,5}倍|倍[^，。；：]{0,2}[小少低短]")
    found = [(doc, m.group(0)) for doc, text in MESSAGES for m in pattern.finditer(_prose(text))]
    assert not found, f"a decrease is 只有其 N 分之一 or 约为 1/N, not 小 N 倍: {found}"


def test_chapter_5_names_its_starting_points_as_agreed() -> None:
    found = [doc for doc, text in MESSAGES if re.search(r"温和(的)?起点|糟糕(的)?起点", text)]
    assert not found, f"轻度错误起点 / 严重错误起点: {found}"


def test_the_conventions_are_recorded() -> None:
    text = (ROOT / "locales" / "zh_CN" / "terminology.csv").read_text(encoding="utf-8")
    for chinese in ("柯西", "香农", "拉普拉斯", "拉格朗日", "轻度错误起点", "严重错误起点"):
        assert f",{chinese}," in text, chinese
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in ("0～3", "只有其 N 分之一", "柯西", "轻度错误起点"):
        assert rule in readme, rule


# ---------------------------------------------------------------------------------------------
# Formulas and glued values


def _math(text: str) -> list[str]:
    return re.findall(r"\$\$(.*?)\$\$|\$([^$]+)\$", text, flags=re.DOTALL)


def _english_in_text_commands(latex: str) -> list[str]:
    words = []
    for _command, inside in re.findall(r"\\(text|mbox)\{([^{}]*)\}", latex):
        words += [w for w in re.findall(r"[A-Za-z]{2,}", inside) if w not in KEPT_IN_MATH]
    return words


def test_every_english_word_in_a_formula_has_its_chinese() -> None:
    """Each \\text{...} of the English pages' formulas, inline and display, is translated."""
    words = math_words("zh_CN")
    left = []
    for doc in toc_files():
        source = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
        latex = "\n".join(a or b for a, b in _math(source))
        latex += "\n".join(re.findall(r"```\{math\}.*?```", source, flags=re.DOTALL))
        chinese = translate_math_text(latex, words)
        left += [(doc, w) for w in _english_in_text_commands(chinese)]
    assert not left, f"add these to locales/zh_CN/math_text.csv: {sorted(set(left))}"


def test_translate_math_text() -> None:
    words = {"queen": "皇后", "bits per token": "每词元比特数"}
    assert translate_math_text(r"P(\text{queen})", words) == r"P(\text{皇后})"
    assert translate_math_text(r"2^{\text{bits per token}}", words) == r"2^{\text{每词元比特数}}"
    assert translate_math_text(r"\mathrm{queen} + \text{king}", words) == (
        r"\mathrm{queen} + \text{king}"
    )


def test_glued_values_in_chinese_prose_are_not_english_words() -> None:
    """A glue role in a translation shows a number, unless its value is an allowed quotation."""
    texts = {}
    for doc in toc_files():
        source = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
        for key, value in re.findall(r"glue\(\s*\"(\w+)\",\s*([^\n]+)", source):
            if re.match(r"f?[\"'“]", value) and re.search(r"[A-Za-z]{3}", value.split(",")[0]):
                texts[key] = value
    used = {
        key
        for _, text in MESSAGES
        for key in re.findall(r"\{glue(?::text)?\}`(?:[^`:]*::)?(\w+)", text)
    }
    english = sorted((used & set(texts)) - KEPT_GLUED)
    assert not english, f"glued English text in Chinese prose: {english}"


@pytest.mark.parametrize("doc", toc_files())
def test_built_chinese_formulas_have_no_english_words(built_site_zh: Path, doc: str) -> None:
    soup = page(built_site_zh, doc)
    left = [
        (latex[:60], _english_in_text_commands(latex))
        for latex in (el.get_text() for el in soup.select(".math"))
        if _english_in_text_commands(latex)
    ]
    assert not left, f"{doc}: English inside \\text{{}}: {left[:5]}"
