"""The book's figure style and its check that every figure shows its data (xent.plotting)."""

from __future__ import annotations

import re
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
from xent import info, plotting


@pytest.fixture
def styled() -> Iterator[None]:
    """The book's style, restored to matplotlib's defaults afterwards."""
    with matplotlib.rc_context():
        plotting.use_style()
        yield
    plt.close("all")


def drawn_problems() -> list[str]:
    """Draw every open figure as a chapter's cell would; return the FigureWarnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", plotting.FigureWarning)
        for number in plt.get_fignums():
            plt.figure(number).canvas.draw()
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
    assert len(problems) == 1 and "10 in wide" in problems[0]


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
    _, (left, right) = plt.subplots(1, 2, figsize=(6.4, 3))
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
