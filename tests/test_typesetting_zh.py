"""Chinese typesetting and interface on the Chinese site (editions/zh_typesetting.py, i18n.py).

What a Chinese editor checks on a page: chapters cited as 第 N 章, no gap between two Chinese
characters, "练习 2.1 解答", no slanted Chinese, and no English words in the interface.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Comment, Doctype
from test_book_build import chapter_files, page, toc_files

HAN = re.compile(r"[\u4e00-\u9fff]")
#: Two Chinese characters (or full-width punctuation) with a space between them.
GAP = re.compile(r".{0,12}[\u4e00-\u9fff，。：；、）”] +[\u4e00-\u9fff，。：；、（“].{0,12}")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
#: Latin words the Chinese interface keeps: names of services and code, the other language.
KEPT = {"Binder", "Colab", "PyTorch", "xent", "English", "Read this page in English", "Ctrl"}
KEPT |= {".ipynb", ".pdf"}  # the download buttons name the file types


def prose(soup: BeautifulSoup) -> BeautifulSoup:
    """The page's article with code, math and outputs replaced by a Latin stand-in."""
    article = soup.select_one("article")
    for el in article.select("pre, code, .math, mjx-container, .cell_output, div.highlight"):
        el.replace_with("X")
    return article


@pytest.mark.parametrize("doc", toc_files())
def test_no_space_between_chinese_characters(built_site_zh: Path, doc: str) -> None:
    article = prose(page(built_site_zh, doc))
    blocks = article.select("p, li, figcaption, h1, h2, h3, h4, th, td, dt, dd, .admonition-title")
    gaps = [gap for block in blocks for gap in GAP.findall(block.get_text())]
    assert not gaps, f"{doc}: a space between Chinese characters: {gaps[:5]}"


@pytest.fixture(scope="module")
def chapter_numbers(built_site_zh: Path) -> dict[str, tuple[str, str]]:
    """Each chapter's page file name: its number and its Chinese title, read once."""
    numbers = {}
    for chapter in chapter_files():
        h1 = page(built_site_zh, chapter).select_one("article h1")
        number = h1.select_one(".section-number").get_text().strip(". ")
        title = h1.get_text().replace(h1.select_one(".section-number").get_text(), "")
        numbers[Path(chapter).name + ".html"] = (number, title.strip("#¶ \n"))
    return numbers


@pytest.mark.parametrize("doc", toc_files())
def test_chapters_are_cited_by_number(
    built_site_zh: Path, chapter_numbers: dict[str, tuple[str, str]], doc: str
) -> None:
    """A reference in running text to another chapter reads 第 N 章, never its bare title."""
    numbers = chapter_numbers
    for link in page(built_site_zh, doc).select("article p a.reference.internal"):
        target = link.get("href", "").split("#")[0].split("/")[-1]
        if target not in numbers or target == Path(doc).name + ".html":
            continue
        number, title = numbers[target]
        text = link.get_text().strip()
        assert text != title, f"{doc}: chapter {number} cited by its bare title"
        if text.startswith("第"):
            assert text == f"第 {number} 章", f"{doc}: {text!r} links to chapter {number}"


@pytest.mark.parametrize("doc", chapter_files())
def test_solution_titles_name_the_exercise_first(built_site_zh: Path, doc: str) -> None:
    titles = [
        t.get_text().strip()
        for t in page(built_site_zh, doc).select(".solution p.admonition-title")
    ]
    assert titles, f"{doc} has no solutions"
    wrong = [t for t in titles if not re.fullmatch(r"练习 \d+\.\d+ 解答", t)]
    assert not wrong, f"{doc}: solution titles {wrong}"


def test_theorem_titles_have_no_half_width_space(built_site_zh: Path) -> None:
    html = (built_site_zh / "chapters" / "02_entropy.html").read_text("utf-8")
    assert "定理 2.1</span>（" in html, "the theorem's title has a space before its parenthesis"


@pytest.mark.parametrize("doc", chapter_files())
def test_interface_speaks_chinese(built_site_zh: Path, doc: str) -> None:
    """Outside the text, every word the page shows or reads out is Chinese (names aside)."""
    soup = page(built_site_zh, doc)
    titles = {h.get_text() for h in soup.select(".bd-sidebar-primary a, .prev-next-area a")}
    for el in soup.select("article, script, style, .bd-sidebar-primary .bd-links, code, .math"):
        el.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, (Comment, Doctype))):
        comment.extract()
    english = []
    texts = [s.strip() for s in soup.find_all(string=True) if s.parent.name != "title"]
    attributes = [
        el.get(name, "") for el in soup.find_all(True) for name in ("title", "aria-label", "alt")
    ]
    for text in texts + attributes:
        if LATIN_WORD.search(text) and not HAN.search(text) and text not in KEPT | titles:
            english.append(text)
    assert not english, f"{doc}: English in the Chinese interface: {sorted(set(english))}"


@pytest.mark.parametrize("site", ["", "zh/"])
def test_no_untranslated_proof_index(built_site: Path, site: str) -> None:
    assert not (built_site / site / "prf-prf.html").exists()


def test_chinese_emphasis_is_upright_with_dots(site_zh: Any, browser: Any) -> None:
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(f"{site_zh.url}chapters/05_learning_slowdown.html")
        styles = tab.evaluate(
            "() => [...document.querySelectorAll('article em')].map(em => [em.textContent,"
            " getComputedStyle(em).fontStyle, getComputedStyle(em).textEmphasisStyle])"
        )
    finally:
        context.close()
    chinese = [s for s in styles if HAN.search(s[0])]
    assert chinese, "chapter 5 has no emphasised Chinese"
    slanted = [text for text, style, _ in chinese if style != "normal"]
    assert not slanted, f"slanted Chinese: {slanted}"
    assert all(dots not in ("", "none") for _, _, dots in chinese), chinese


def test_language_switcher_keeps_the_section(site_zh: Any, browser: Any) -> None:
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(f"{site_zh.url}chapters/02_entropy.html#the-most-uncertain-distribution")
        tab.locator("a.xent-language").first.click()
        tab.wait_for_load_state()
        url = tab.url
    finally:
        context.close()
    assert url == f"{site_zh.root}chapters/02_entropy.html#the-most-uncertain-distribution"
