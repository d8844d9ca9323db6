"""The book's figure style and its check that every figure shows its data (xent.plotting)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from test_book_build import toc_files

from conftest import ROOT
from editions import figures
from xent import info, plotting


@pytest.fixture
def styled() -> Iterator[None]:
    """The book's style, restored to matplotlib's defaults afterwards."""
    with matplotlib.rc_context():
        plotting.use_style()
        yield
    plt.close("all")


def drawn_problems(format: str = "svg") -> list[str]:
    """Save every open figure as a chapter's cell does; return the FigureWarnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", plotting.FigureWarning)
        for number in plt.get_fignums():
            plt.figure(number).savefig(io.BytesIO(), format=format, bbox_inches="tight")
    return [str(w.message) for w in caught if issubclass(w.category, plotting.FigureWarning)]


def test_the_empty_entropy_curve_of_issue_15_is_caught(styled: None) -> None:
    """Fig. 2.1 as it was: -p log2 p drawn with the wrong sign, under ylim=(0, 0.6)."""
    grid = np.linspace(0, 1, 1001)
    terms = -grid * info.surprisal(np.where(grid > 0, grid, 1.0))
    terms[0] = 0.0
    _, ax = plt.subplots()
    ax.plot(grid, terms, label="wrong sign")
    ax.plot(1 / np.e, 0.53, "o", color="black")  # the dot alone still shows
    ax.set(xlim=(0, 1), ylim=(0, 0.6))
    problems = drawn_problems()
    assert len(problems) == 1 and "line 'wrong sign' lies entirely outside" in problems[0]


def test_the_corrected_curve_passes(styled: None) -> None:
    grid = np.linspace(0, 1, 1001)
    _, ax = plt.subplots()
    ax.plot(grid, grid * info.surprisal(np.where(grid > 0, grid, 1.0)))
    ax.set(xlim=(0, 1), ylim=(0, 0.6))
    assert drawn_problems() == []


def test_bars_points_and_log_axes(styled: None) -> None:
    _, (a, b, c) = plt.subplots(1, 3)
    a.bar([1, 2], [0.5, 0.7])
    a.set_ylim(0.8, 1)  # both bars end below the view
    b.scatter([5, 6], [5, 6])
    b.set(xlim=(0, 1), ylim=(0, 1))
    c.semilogy([1, 2, 3], [1e-3, 1e-2, 1e-1])  # fully visible on a log axis
    problems = drawn_problems()
    assert [p.split(":")[0] for p in problems] == ["figure problem", "figure problem"]
    assert "axes 1: bars" in problems[0] and "axes 2: points" in problems[1]


def test_bars_taller_than_the_view_still_show(styled: None) -> None:
    _, ax = plt.subplots()
    ax.bar([0, 1], [1.5, 1.6])
    ax.set_ylim(1.3, 1.45)  # a zoom into the bars' bodies: they fill the view
    assert drawn_problems() == []


def test_partly_clipped_and_infinite_data_is_fine(styled: None) -> None:
    """A curve that leaves the frame (ch. 7's float32 overflow) still shows where it is."""
    _, ax = plt.subplots()
    ax.plot([0, 100, 150, 200], [0, 100, np.inf, 400])
    ax.axhline(-5)  # axes-coordinate lines are not data
    ax.set(xlim=(0, 200), ylim=(0, 210))
    assert drawn_problems() == []


def test_a_figure_too_wide_for_a_phone(styled: None) -> None:
    plt.subplots(1, 4, figsize=(10, 2.8))
    problems = drawn_problems()
    assert any("10 in wide" in p for p in problems)
    assert any("px high on a 390 px phone" in p for p in problems)


def test_the_default_figure_is_readable_on_a_phone_and_in_print(styled: None) -> None:
    """A figure drawn with the style's defaults passes both text-size rules."""
    _, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="a curve")
    ax.set(xlabel="probability $p$ of the event", ylabel="surprisal (bits)", title="a title")
    ax.legend()
    assert drawn_problems() == []
    sizes = plotting.text_sizes(plt.gcf())
    assert sizes.phone_px >= plotting.MIN_PHONE_PX and sizes.print_pt >= plotting.MIN_PRINT_PT


def test_an_explorer_chart_only_shown_as_png_has_no_text_rule(styled: None) -> None:
    """The ipywidgets explorers' charts (PNG, in Jupyter) are not held to the book's sizes."""
    _, ax = plt.subplots(figsize=(6.4, 3))
    ax.plot([0, 1], [5, 6])
    ax.set_ylim(0, 1)
    problems = drawn_problems("png")
    assert len(problems) == 1 and "lies entirely outside" in problems[0]
    problems = drawn_problems("svg")  # shown in the book after all: its text is checked
    assert len(problems) == 1 and "px high on a 390 px phone" in problems[0]


def test_small_text_fails_on_the_phone(styled: None) -> None:
    """An 8 pt legend, as Figs. 9.3 and 9.5 had, on a figure 5.5 in wide as saved: 6.9 px."""
    _, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot([0, 1], [0, 1], label="(mean confidence, accuracy)")
    ax.legend(fontsize=8)
    problems = drawn_problems()
    assert len(problems) == 1 and "text of 8 pt is 6.9 px high on a 390 px phone" in problems[0]


def test_a_tall_figure_fails_in_print(styled: None) -> None:
    """The PDF shrinks a figure taller than PRINT_MAX_HEIGHT, and its text with it."""
    _, axes = plt.subplots(3, 1, figsize=(4.6, 8.4))
    for ax in axes:
        ax.plot([0, 1], [0, 1])
    problems = drawn_problems()
    assert len(problems) == 1 and "prints at 6.7 pt in the PDF" in problems[0], problems


def test_text_sizes_measure_the_saved_figure(styled: None) -> None:
    """The phone shows the figure as saved (tight) at most 342 px wide: px = pt x 342 / width."""
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.set_title("twelve", fontsize=12)
    sizes = plotting.text_sizes(fig)
    assert sizes.font_pt == 11  # the tick labels
    assert sizes.width < 6.0  # the tight box drops the figure's empty margin
    assert sizes.phone_px == pytest.approx(11 * 342 / (72 * sizes.width))
    assert sizes.print_pt == pytest.approx(11 * plotting.PRINT_TEXT_WIDTH / sizes.width)


def test_each_figure_is_checked_once(styled: None) -> None:
    _, ax = plt.subplots()
    ax.plot([0, 1], [5, 6])
    ax.set_ylim(0, 1)
    assert len(drawn_problems()) == 1
    assert drawn_problems() == []  # drawn again (e.g. saved as PNG after SVG): no repeat


def test_the_style_asks_for_phone_sized_figures(styled: None) -> None:
    width, _ = matplotlib.rcParams["figure.figsize"]
    assert width <= plotting.MAX_WIDTH
    assert "xent.plotting:watch_figure" in matplotlib.rcParams["figure.hooks"]


def test_every_chapter_that_draws_uses_the_style() -> None:
    """The check runs through use_style(): a chapter that plots without it would escape it."""
    for doc in toc_files():
        source = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
        if re.search(r"\bplt\.(subplots|figure|plot)\(", source):
            assert "xent.plotting.use_style()" in source, f"{doc} draws without use_style()"


def test_heavy_collections_must_be_rasterized(styled: None) -> None:
    """Fig. 5.6's gouraud heat map drawn as vectors made a 20 MB SVG."""
    grid = np.linspace(0, 1, 41)
    w, b = np.meshgrid(grid, grid)
    _, (left, right) = plt.subplots(1, 2, figsize=(4.6, 3))
    left.pcolormesh(w, b, w * b, shading="gouraud")
    right.scatter(np.linspace(0, 1, 2000), np.linspace(0, 1, 2000))
    problems = drawn_problems()
    assert len(problems) == 2 and all("rasterized=True" in p for p in problems)
    plt.close("all")
    _, ax = plt.subplots()
    ax.pcolormesh(w, b, w * b, shading="gouraud", rasterized=True)
    assert drawn_problems() == []


def test_the_built_figures_are_light_vector_images(built_site: Path) -> None:
    """The website's figures are SVG (sharp on any screen), none heavier than 200 KB."""
    images = sorted((built_site / "_images").iterdir())
    assert any(i.suffix == ".svg" for i in images), "the chapters' figures are not SVG"
    heavy = [(i.name, i.stat().st_size) for i in images if i.stat().st_size > 200_000]
    assert not heavy, f"figures too heavy for a phone: {heavy}"


# The figures of every edition: text kept as text, translated for Chinese (editions/figures.py).


def _svg(fig: plt.Figure) -> str:
    import io

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    return buffer.getvalue()


def test_figure_text_is_text_and_formulas_keep_their_source(styled: None) -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="$-\\log_2 p$")
    ax.set(xlabel="probability $p$ of the event", ylabel="surprisal (bits)")
    ax.legend()
    svg = _svg(fig)
    assert ">surprisal (bits)</text>" in svg
    assert figures.figure_texts(svg) == ["surprisal (bits)", "probability $p$ of the event"]


def test_a_figure_is_translated_whole(styled: None) -> None:
    """Plain texts, texts with formulas and numbers; the rest (ticks, pure formulas) stays."""
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="$-\\log_2 p$")
    ax.annotate("die shows six: 2.58 bits", (0.5, 0.5))
    ax.set(xlabel="probability $p$ of the event", ylabel="surprisal (bits)")
    ax.legend()
    catalogue = {
        "surprisal (bits)": "信息量（比特）",
        "probability $p$ of the event": "事件的概率 $p$",
        "die shows six: {0} bits": "掷出六点：{0} 比特",
    }
    svg, missing = figures.translate_svg(_svg(fig), catalogue)
    assert missing == []
    assert ">信息量（比特）</text>" in svg and ">掷出六点：2.58 比特</text>" in svg
    assert '事件的概率 <tspan font-style="italic">p</tspan></text>' in svg
    assert "text-anchor: middle" in svg.split("事件的概率")[0].rsplit("<text", 1)[1]
    assert "Noto Sans CJK SC" in svg
    assert "<!-- $-\\log_2 p$ -->" in svg  # the legend's formula is left as it was drawn
    assert figures.figure_texts(svg) == []  # nothing English left
    _, missing = figures.translate_svg(_svg(fig), {"surprisal (bits)": "信息量（比特）"})
    assert sorted(missing) == ["die shows six: {0} bits", "probability $p$ of the event"]


def test_a_centred_title_of_two_lines_stays_centred(styled: None) -> None:
    """Matplotlib writes such lines from their left ends; the translation re-centres them."""
    fig, ax = plt.subplots()
    ax.set_title("smoothing 0.1\nECE = 16.59 points")
    catalogue = {"smoothing {0}": "平滑 {0}", "ECE = {0} points": "ECE = {0} 个百分点"}
    svg, missing = figures.translate_svg(_svg(fig), catalogue)
    assert missing == []
    first = re.search(
        r'<text class="translated" x="([\d.]+)" style="text-anchor: middle[^>]*>平滑 0.1<', svg
    )
    assert first and float(first.group(1)) == pytest.approx(
        figures._english_width("smoothing 0.1", 11) / 2, abs=0.01
    )
    assert ">ECE = 16.59 个百分点</text>" in svg and "translated" in svg.split("百分点")[0]


def test_a_translated_formula_it_cannot_draw_is_an_error() -> None:
    with pytest.raises(ValueError, match="frac"):
        figures.math_spans(r"\frac{1}{2}", 11)


def _catalogue_entries() -> list[tuple[str, str, bool]]:
    from babel.messages.pofile import read_po

    path = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "figures.po"
    with path.open("rb") as handle:
        return [(m.id, m.string, m.fuzzy) for m in read_po(handle) if m.id]


def test_the_figure_catalogue_is_complete() -> None:
    """Every figure message has a translation, not fuzzy, keeping placeholders and formulas."""
    entries = _catalogue_entries()
    assert entries, "locales/zh_CN/LC_MESSAGES/figures.po has no messages"
    for message, translation, fuzzy in entries:
        assert translation and not fuzzy, f"figure text without a translation: {message!r}"
        assert sorted(re.findall(r"\{\d+\}", message)) == sorted(
            re.findall(r"\{\d+\}", translation)
        ), message
        for formula in figures.MATH.findall(translation):
            figures.math_spans(formula[1:-1], 11)  # drawable
        # Chinese, or Chinese punctuation ("F.cross_entropy，float32"), or kept as it is ("KL")
        chinese = re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", translation)
        assert chinese or translation == message, message


def _figures(site: Path) -> dict[str, list[Path]]:
    """The chapter pages' figure images: page -> image files."""
    from bs4 import BeautifulSoup

    found = {}
    for doc in toc_files():
        page = site / f"{doc}.html"
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        images = [
            (page.parent / img["src"]).resolve()
            for img in soup.select("figure img, .cell_output img")
        ]
        if images:
            found[doc] = images
    return found


def test_every_figure_on_both_sites_is_vector_with_text(
    built_site: Path, built_site_zh: Path
) -> None:
    """Each figure is an SVG that draws marks (paths) and keeps its words as <text>."""
    for site in (built_site, built_site_zh):
        pages = _figures(site)
        assert pages, f"no figures found in {site}"
        for doc, images in pages.items():
            for image in images:
                assert image.suffix == ".svg", f"{doc}: {image.name} is not SVG"
                svg = image.read_text(encoding="utf-8")
                assert svg.count("<path") >= 3, f"{doc}: {image.name} draws nothing"
                assert re.search(r"<text\b[^>]*>\s*[^<\s]", svg), (
                    f"{doc}: {image.name} has no text kept as text"
                )


def test_the_chinese_site_shows_chinese_figures(built_site_zh: Path) -> None:
    """Every figure of the Chinese site has Chinese text, and no text left in English."""
    pages = _figures(built_site_zh)
    for doc, images in pages.items():
        for image in images:
            svg = image.read_text(encoding="utf-8")
            assert re.search(r"<text\b[^>]*>[^<]*[\u4e00-\u9fff]", svg) or not re.search(
                r"[A-Za-z]{2}", re.sub(r"<[^>]*>", "", svg.split("</metadata>")[-1])
            ), f"{doc}: {image.name} has no Chinese text"
            chinese = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"  # with its punctuation
            left = [t for t in figures.figure_texts(svg) if not re.search(chinese, t)]
            same = {m for m, t, _ in _catalogue_entries() if m == t}
            untranslated = [t for t in left if figures.template(t)[0] not in same]
            assert not untranslated, f"{doc}: {image.name} keeps English: {untranslated}"
            assert "Noto Sans CJK SC" in svg, f"{doc}: {image.name} names no CJK font"


def test_the_catalogue_has_every_figure_text(built_site: Path) -> None:
    """No figure text of the English site lacks a translation (python -m editions.figures)."""
    have = {m for m, t, _ in _catalogue_entries() if t}
    lacking = sorted(set(figures.built_messages(built_site)) - have)
    assert not lacking, (
        "figure texts without a Chinese translation (run python -m editions.figures --update "
        f"and translate them in locales/zh_CN/LC_MESSAGES/figures.po): {lacking}"
    )


@pytest.mark.skipif(not shutil.which("rsvg-convert"), reason="rsvg-convert (librsvg2-bin)")
def test_a_figure_converts_to_a_vector_pdf_in_both_languages(styled: None, tmp_path: Path) -> None:
    """The PDF's figures: text as text (fonts, no images), Chinese in the Chinese PDF."""
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set(ylabel="surprisal (bits)")
    source = tmp_path / "figure.svg"
    source.write_text(_svg(fig), encoding="utf-8")
    for language in ("en", "zh_CN"):
        pdf = tmp_path / f"figure-{language}.pdf"
        figures.svg_to_pdf(source, pdf, language)
        images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
        assert len(images.stdout.splitlines()) == 2, images.stdout  # the header only
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
        assert ("自信息" if language == "zh_CN" else "surprisal (bits)") in text.stdout


# The built PDF's figures are checked in tests/test_pdf.py, beside the PDF's one build.


def test_the_pdf_prints_figures_as_the_check_assumes() -> None:
    """The PDF shrinks a figure only beyond the height that the text-size rule allows for."""
    from editions import pdf

    assert f"\\spx@image@maxheight={plotting.PRINT_MAX_HEIGHT:g}in" in pdf.PREAMBLE
