"""The Chinese site (简体中文版): Chinese prose, the English site's numbers, linked both ways.

The browser suite (tests/test_site_browser.py) runs on both sites; these tests read the built
HTML of the two sites side by side.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
from bs4 import BeautifulSoup
from test_book_build import chapter_files, page, toc_files
from test_downloads import _links

from conftest import ROOT
from editions.figures import (
    figure_texts,
    is_matplotlib_svg_text,
    load_catalogue,
    needs_translation,
    translate,
)
from editions.markdown import LABELS
from editions.notebooks import SETUP_TAG, toc_chapters

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
ZH = load_catalogue("zh_CN")  # the figures' texts in Chinese


def prose(html: BeautifulSoup) -> str:
    """The article's running text: no code, outputs, math or API entries."""
    article = html.select_one("article.bd-article")
    assert article is not None
    for junk in article.select(
        "div.cell, pre, code, .math, mjx-container, dl.py, .bibliography, .footnote, "
        "table.xent-terminology, div.highlight, .headerlink"
    ):
        junk.decompose()
    return re.sub(r"\\\(.*?\\\)|\\\[.*?\\\]", " ", article.get_text(" "), flags=re.S)


@pytest.mark.parametrize("doc", toc_files())
def test_page_is_chinese(built_site_zh: Path, doc: str) -> None:
    html = page(built_site_zh, doc)
    assert html.html.get("lang") == "zh-CN"
    assert CJK.search(html.select_one("h1").get_text()), f"{doc}: the title is not Chinese"
    book, tab = html.select_one(".logo__title").get_text(strip=True), html.title.get_text()
    assert CJK.search(book) and tab.strip().endswith(book), f"{doc}: the book's title: {tab!r}"
    if doc in ("chapters/bibliography", "chapters/api"):
        return  # the references and the docstrings stay as they were written
    # The note under each source listing (editions/source.py), also inside admonitions.
    notes = [p.get_text(" ", strip=True) for p in html.select("p.source-docstring-link")]
    english = [n for n in notes if not CJK.search(n)]
    assert not english, f"{doc}: source notes in English: {english[:2]}"
    text = prose(html)
    cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    # Chinese prose still names functions, units and people in Latin letters.
    assert cjk / (cjk + latin) > 0.6, (
        f"{doc}: only {cjk} of {cjk + latin} letters of the prose are Chinese"
    )


@pytest.mark.parametrize("doc", toc_files())
def test_glued_numbers_are_the_english_pages(
    built_site: Path, built_site_zh: Path, doc: str
) -> None:
    """Every computed number of the English page appears on the Chinese page, as often."""

    def glued(site: Path) -> Counter[str]:
        return Counter(s.get_text() for s in page(site, doc).select(".pasted-text"))

    english, chinese = glued(built_site), glued(built_site_zh)
    assert chinese == english, (
        f"{doc}: only English {english - chinese}, only Chinese {chinese - english}"
    )


@pytest.mark.parametrize("doc", toc_files())
def test_figures_have_chinese_alt_text_and_captions(built_site_zh: Path, doc: str) -> None:
    html = page(built_site_zh, doc)
    for img in html.select("article.bd-article img"):
        alt = img.get("alt", "")
        assert CJK.search(alt), f"{doc}: alt text not in Chinese: {alt}"
    for caption in html.select("article.bd-article figcaption"):
        text = caption.get_text()
        assert CJK.search(text), f"{doc}: caption not in Chinese: {text}"


def _switcher_target(site: Path, html: Path) -> Path:
    link = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").select_one(
        "a.xent-language"
    )
    assert link is not None, f"{html.relative_to(site)} has no language switcher"
    return (html.parent / urlparse(link["href"]).path).resolve()


def test_every_page_links_to_itself_in_the_other_language(
    built_site: Path, built_site_zh: Path
) -> None:
    def pages(site: Path) -> list[Path]:  # not index.html, which only redirects
        found = [p for p in site.rglob("*.html") if "_static" not in p.parts]
        found = [p for p in found if 'http-equiv="Refresh"' not in p.read_text()]
        # The 404 page names the other language's first page itself (tests/test_not_found.py).
        found = [p for p in found if p.name != "404.html"]
        return [p for p in found if site == built_site_zh or built_site_zh not in p.parents]

    english, chinese = pages(built_site), pages(built_site_zh)
    assert len(english) == len(chinese) > len(toc_files())
    for path in english:
        assert _switcher_target(built_site, path) == built_site_zh / path.relative_to(built_site)
    for path in chinese:
        assert _switcher_target(built_site_zh, path) == built_site / path.relative_to(built_site_zh)


def test_glossary_shows_the_terminology_table(built_site: Path, built_site_zh: Path) -> None:
    table = page(built_site_zh, "chapters/glossary").select_one("table.xent-terminology")
    assert table is not None, "the Chinese glossary has no terminology table"
    for label in table.select(".xent-cell-label"):  # a cell's header, shown on a phone only
        label.decompose()
    rows = [[td.get_text(strip=True) for td in tr.select("td")] for tr in table.select("tbody tr")]
    assert ["cross-entropy", "交叉熵"] == rows[[r[0] for r in rows].index("cross-entropy")][:2]
    assert not page(built_site, "chapters/glossary").select("table.xent-terminology")


def test_chapter_exercises_and_solutions_are_translated(built_site_zh: Path) -> None:
    for doc in chapter_files():
        article = page(built_site_zh, doc).select_one("article.bd-article")
        titles = [t.get_text(strip=True) for t in article.select(".admonition-title")]
        assert "学习目标" in titles, f"{doc}: no 学习目标 (learning objectives)"
        assert any(t.startswith("练习") for t in titles), f"{doc}: no 练习 (exercise) titles"
        solutions = article.select(".solution")
        assert solutions and all(CJK.search(s.get_text()) for s in solutions), doc


def _interface(site: Path, doc: str) -> dict[str, str]:
    """The words the themes and extensions put around one page's text."""
    html = page(site, doc)
    hint = re.search(r"toggleHintShow = '([^']*)'", str(html))
    menu = [a.get_text(strip=True) for a in html.select(".dropdown-menu a")]
    return {
        "skip link": html.select_one("#pst-skip-link a").get_text(strip=True),
        "back to top": html.select_one("#pst-back-to-top").get_text(strip=True),
        "search box": html.select_one("input[name=q]")["placeholder"],
        "hidden cell": html.select_one("details.hide summary").get_text(" ", strip=True),
        "solution hint": hint[1] if hint else "",
        "heading link": html.select_one("a.headerlink")["title"],
        "repository": menu[menu.index("Binder") + 2] if "Binder" in menu else "",
    }


def test_the_interface_speaks_the_pages_language(built_site: Path, built_site_zh: Path) -> None:
    """Buttons, hints and tooltips are Chinese on the Chinese site and stay English on the other."""
    english = _interface(built_site, "chapters/05_learning_slowdown")
    chinese = _interface(built_site_zh, "chapters/05_learning_slowdown")
    for what in english:
        assert LATIN.search(english[what]) and not CJK.search(english[what]), (what, english)
        assert CJK.search(chinese[what]) and not LATIN.search(chinese[what]), (what, chinese)


def test_search_index_holds_the_books_chinese_terms(built_site_zh: Path) -> None:
    script = (built_site_zh / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(script[script.index("(") + 1 : script.rindex(")")])
    for term in ("交叉熵", "熵", "自信息", "困惑度", "标签平滑", "似然"):
        assert term in index["terms"] or term in index["titleterms"], f"{term} is not searchable"


@pytest.mark.parametrize("doc", toc_chapters(ROOT))
def test_chinese_notebook_edition(built_site_zh: Path, doc: str) -> None:
    """The chapter's Chinese notebook is in the site, linked from the page, and Chinese."""
    links = _links(built_site_zh, doc)
    assert any(h.endswith(f"_sources/{doc}.ipynb") for h in links), f"{doc}: no .ipynb download"
    # Binder and Colab open the Chinese notebook, published under zh/ on the notebooks branch.
    launch = [h for h in links if "mybinder.org" in h or "colab.research" in h]
    assert len(launch) == 2 and all(
        h.endswith(f"/notebooks/zh/{doc}.ipynb") or h.endswith(f"lab/tree/zh/{doc}.ipynb")
        for h in launch
    ), launch
    nb = nbformat.read(built_site_zh / "_sources" / f"{doc}.ipynb", as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert len(CJK.findall(markdown)) > 2000, f"{doc}: the notebook's prose is not Chinese"
    english = LABELS["en"]
    words = ["**" + english["figure"].split("{")[0].strip(), "## " + english["exercise"]]
    words += ["## " + english["references"], english["in_the_book"], english["code_below"]]
    words += [english["folded_code"].split("{}")[1]]
    added = [w for w in words if w in markdown]
    assert not added, f"{doc}: the notebook edition added English words: {added}"


def _without_comments(source: str) -> str:
    """The code of a cell, its comments (and the blank lines they leave) removed."""
    import io
    import tokenize

    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)]
    kept = [t for t in tokens if t.type != tokenize.COMMENT]
    return "\n".join(
        line.rstrip() for line in tokenize.untokenize(kept).splitlines() if line.strip()
    )


@pytest.mark.parametrize("doc", toc_chapters(ROOT))
def test_chinese_notebook_has_the_english_code_and_outputs(
    built_site: Path, built_site_zh: Path, doc: str
) -> None:
    """Same code cells and outputs as the English notebook, its figures' texts in Chinese."""

    def code(site: Path) -> list[tuple[str, list[dict]]]:
        nb = nbformat.read(site / "_sources" / f"{doc}.ipynb", as_version=4)
        # The setup cell speaks the notebook's language (tests/test_packaging.py checks it).
        cells = [c for c in nb.cells[1:] if c.cell_type == "code"]
        assert SETUP_TAG in nb.cells[0].metadata.get("tags", []), f"{doc}: no setup cell"
        # A reader's answer cell opens with a comment in the page's language (it may be all of
        # the cell); the rest is the same.
        # Comments are in the notebook's language (editions/code_comments.py): compare the code.
        return [(_without_comments(c.source), list(c.outputs)) for c in cells]

    english, chinese = code(built_site), code(built_site_zh)
    assert [s for s, _ in chinese] == [s for s, _ in english], f"{doc}: the code cells differ"
    for (source, ours), (_, theirs) in zip(chinese, english, strict=True):
        assert len(ours) == len(theirs), f"{doc}: outputs of {source[:60]!r} differ"
        for mine, its in zip(ours, theirs, strict=True):
            svg = its.get("data", {}).get("image/svg+xml", "")
            if not is_matplotlib_svg_text(svg):
                assert mine == its, f"{doc}: outputs of {source[:60]!r} differ"
                continue
            # A figure: its SVG with the texts translated (editions/figures.py); the same PNG,
            # for viewers that show no SVG.
            assert mine["data"].get("image/png") == its["data"].get("image/png"), doc
            english = {  # "KL", "ECE": some texts are the same in Chinese
                t for t in figure_texts(svg) if needs_translation(t) and translate(t, ZH) != t
            }
            left = english & set(figure_texts(mine["data"]["image/svg+xml"]))
            assert not left, f"{doc}: figure texts left in English: {sorted(left)}"
            assert not english or CJK.search(mine["data"]["image/svg+xml"]), doc
    assert sum(len(outputs) for _, outputs in chinese) > 0, f"{doc}: no outputs at all"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_student_edition_is_downloadable_from_the_instructors_page(
    built_site: Path, language: str
) -> None:
    site = built_site / ("zh" if language == "zh" else "")
    instructors = site / "chapters" / "instructors.html"
    links = page(site, "chapters/instructors").select('a[href$="xent-student-edition.zip"]')
    assert links, f"the {language} instructors' page does not link the student edition"
    archive = (instructors.parent / links[0]["href"]).resolve()
    assert archive == site / "xent-student-edition.zip" and archive.is_file()
    with zipfile.ZipFile(archive) as bundle:
        names = sorted(Path(name).stem for name in bundle.namelist())
        assert names == sorted(Path(doc).name for doc in toc_chapters(ROOT))
        text = "".join(bundle.read(name).decode("utf-8") for name in bundle.namelist())
    stub = {"en": "YOUR ANSWER HERE", "zh": "在这里写下你的答案"}[language]
    assert stub in text, f"no written answer is left for the student ({stub!r})"
    assert "check(" in text, "the student notebooks lost their check cells"
    if language == "zh":
        assert len(CJK.findall(text)) > 1000, "the Chinese student edition is not in Chinese"
