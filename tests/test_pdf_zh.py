"""The Chinese PDF (xent-book-zh.pdf), checked against the Chinese website of the same build.

It is built from the Chinese website build's Sphinx environment (so no chapter is executed
again) by ``python -m editions.build --language zh_CN --builder pdflatex``. The checks read the
PDF itself (``pdftotext``, pypdf's outline, ``pdffonts``): the parts and chapters with the
Chinese site's numbers and titles, Chinese running heads (第 N 章), every glued number of the
Chinese site in the same chapter of the PDF, the index and list of figures, Noto CJK fonts, no
web-only wording, and code that fits the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_pdf import (
    Book,
    _back_matter,
    _chapter_pages,
    _numbered,
    _roman,
    build_pdf,
    citation_problems,
    hyphenated_identifiers,
    page_break_faults,
    pdf_fonts,
    read_book,
    site_parts,
    untitled_boxes,
    web_only_phrases,
    wrapped_code_lines,
)

from editions.pdf import WEB_ONLY_CLASS

TARGET_ZH = "xent-book-zh"


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("−", "-")


@pytest.fixture(scope="session")
def pdf_build_zh(built_site: Path) -> Path:
    """Build the Chinese PDF once (one build at a time in the folder: conftest's lock)."""
    return build_pdf(built_site, "zh_CN")


@pytest.fixture(scope="session")
def book_zh(pdf_build_zh: Path) -> Book:
    return read_book(pdf_build_zh, TARGET_ZH)


@pytest.fixture(scope="session")
def website_zh(built_site_zh: Path) -> list:
    """The Chinese site's parts and chapters as its navigation shows them."""
    return site_parts(built_site_zh)


def test_zh_outline_has_the_chinese_sites_parts_and_chapters(book_zh: Book, website_zh) -> None:
    expected: list[tuple[int, str]] = [(0, "插图目录"), (0, "前言")]
    part = 0
    for caption, chapters in website_zh:
        if chapters[0].number:
            part += 1
            expected.append((0, f"{_roman(part)} {caption}"))
            expected += [(1, f"{ch.number} {ch.title}") for ch in chapters]
        else:
            expected += [(0, ch.title) for ch in chapters]
    expected.append((0, "索引"))
    got = [
        (depth, title)
        for depth, title, _ in book_zh.outline
        if depth == 0 or (depth == 1 and re.match(r"\d+ ", title))
    ]
    assert [(d, _squeeze(t)) for d, t in got] == [(d, _squeeze(t)) for d, t in expected]


def test_zh_running_heads_and_chapter_openings(book_zh: Book, website_zh) -> None:
    """第 N 章 in the chapter's opening and in the running head of its other pages."""
    spans = _chapter_pages(book_zh)
    for chapter in _numbered(website_zh):
        first, last = spans[chapter.number]
        opening = _squeeze(book_zh.pages[first])
        assert opening.startswith(_squeeze(f"第{chapter.number}章{chapter.title}")), opening[:80]
        expected = _squeeze(f"第{chapter.number}章{chapter.title}")
        for index in range(first + 1, last + 1):
            # pdftotext may put the chapter number and the title on lines of their own
            head = _squeeze(" ".join(book_zh.pages[index].lstrip().split("\n")[:3]))
            # pdftotext may put a top figure's own text before the head: look in the top lines
            assert expected in head, (index, head[:60])


def test_zh_glued_numbers_equal_the_chinese_sites(book_zh: Book, website_zh, built_site_zh) -> None:
    """Every number glued into a chapter of the Chinese site is printed in that chapter."""
    spans = _chapter_pages(book_zh)
    checked, missing = 0, []
    for chapter in _numbered(website_zh):
        first, last = spans[chapter.number]
        text = _squeeze(" ".join(book_zh.pages[first : last + 1]))
        page = (built_site_zh / "chapters" / chapter.href).read_text("utf-8")
        soup = BeautifulSoup(page, "html.parser")
        for glued in soup.select("span.pasted-text"):
            if glued.find_parent(class_=WEB_ONLY_CLASS):  # about a demo: the PDF leaves it out
                continue
            value = _squeeze(glued.get_text())
            if value and value not in text:
                missing.append((chapter.number, value))
            checked += 1
    assert checked >= 100, checked
    assert not missing, f"glued values of the Chinese site missing from the PDF: {missing[:10]}"


def test_zh_fonts_code_and_wording(book_zh: Book) -> None:
    fonts = pdf_fonts(book_zh, TARGET_ZH)
    assert "NotoSerifCJK" in fonts and "DejaVuSansMono" in fonts, fonts
    assert not wrapped_code_lines(book_zh), wrapped_code_lines(book_zh)[:5]
    assert not hyphenated_identifiers(book_zh)
    assert not web_only_phrases(book_zh, "zh")
    assert not web_only_phrases(book_zh, "en")


def test_zh_apparatus(book_zh: Book) -> None:
    """Copyright page, list of figures and index, in Chinese."""
    titles = [_squeeze(title) for _, title, _ in book_zh.outline]
    assert "插图目录" in titles and "索引" in titles, titles
    copyright_page = _squeeze(book_zh.pages[1])
    assert "CC BY 4.0".replace(" ", "") in copyright_page and "/zh/" in copyright_page
    assert "习题解答" in _squeeze("\n".join(book_zh.pages))


def test_zh_citations_boxes_and_page_breaks(book_zh: Book) -> None:
    """As in the English PDF: author-year labels, no empty title bar, no stranded heading."""
    problems = citation_problems(book_zh, "参考文献")
    assert not problems, problems[:10]
    assert not untitled_boxes(book_zh.folder, TARGET_ZH)
    text = _squeeze("\n".join(book_zh.pages[: _back_matter(book_zh)]))
    assert "定理2.1" in text and "Theorem" not in text, "theorems titled in English"
    found = page_break_faults(book_zh.folder, TARGET_ZH)
    assert not found, found[:10]
